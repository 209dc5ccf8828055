/* ext2/3/4 directories: lookup, create, mkdir, symlink, link, unlink,
 * rmdir, rename and getdents.
 *
 * Directory positions for iterate are byte offsets within the directory
 * (block index * block size + offset in the block), as ext2 uses without
 * htree; an inline-data directory uses the entry index instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include "fs/extfs.h"
#include "lib/ktime.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE	 (1 << 1)
#endif

static int ftype_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return EXT2_FT_REG_FILE;
	case S_IFDIR:	return EXT2_FT_DIR;
	case S_IFCHR:	return EXT2_FT_CHRDEV;
	case S_IFBLK:	return EXT2_FT_BLKDEV;
	case S_IFIFO:	return EXT2_FT_FIFO;
	case S_IFSOCK:	return EXT2_FT_SOCK;
	case S_IFLNK:	return EXT2_FT_SYMLINK;
	default:	return EXT2_FT_UNKNOWN;
	}
}

static unsigned dtype_of(int ft)
{
	static const unsigned char map[] = {
		[EXT2_FT_UNKNOWN] = DT_UNKNOWN, [EXT2_FT_REG_FILE] = DT_REG,
		[EXT2_FT_DIR] = DT_DIR, [EXT2_FT_CHRDEV] = DT_CHR,
		[EXT2_FT_BLKDEV] = DT_BLK, [EXT2_FT_FIFO] = DT_FIFO,
		[EXT2_FT_SOCK] = DT_SOCK, [EXT2_FT_SYMLINK] = DT_LNK,
	};

	return ft >= 0 && ft < (int)sizeof(map) ? map[ft] : DT_UNKNOWN;
}

static int dir_lookup(ext2_filsys fs, ext2_ino_t dir, const char *name,
		      ext2_ino_t *res)
{
	return ext_errno(ext2fs_lookup(fs, dir, name, strlen(name), NULL, res));
}

/* The inode number and raw inode that name in dir refers to. */
static int lookup_raw(ext2_filsys fs, ext2_ino_t dir, const char *name,
		      ext2_ino_t *ino, struct ext2_inode_large *raw)
{
	int ret = dir_lookup(fs, dir, name, ino);

	if (ret < 0)
		return ret;
	return ext_read_raw(fs, *ino, raw);
}

/* -EEXIST if name is in dir, 0 if it is not. */
static int check_absent(ext2_filsys fs, ext2_ino_t dir, const char *name)
{
	ext2_ino_t ino;
	int ret = dir_lookup(fs, dir, name, &ino);

	if (ret == 0)
		return -EEXIST;
	return ret == -ENOENT ? 0 : ret;
}

/* Add an entry, growing the directory by a block when it is full. */
static int add_link(ext2_filsys fs, ext2_ino_t dir, const char *name,
		    ext2_ino_t ino, int ft)
{
	errcode_t err = ext2fs_link(fs, dir, name, ino, ft);

	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(fs, dir);
		if (!err)
			err = ext2fs_link(fs, dir, name, ino, ft);
	}
	return ext_errno(err);
}

/* Directory link counts as ext4 keeps them with dir_nlink: 1 means "too
 * many to count" and stays so. */
static __u16 dir_nlink_inc(ext2_filsys fs, __u16 n)
{
	if (n == 1)
		return 1;
	if (n + 1 > EXT2_LINK_MAX)
		return ext2fs_has_feature_dir_nlink(fs->super) ? 1 : n;
	return n + 1;
}

static __u16 dir_nlink_dec(__u16 n)
{
	return n > 2 ? n - 1 : n;
}

/* A directory's entries changed: mtime and ctime now, link count moved by
 * delta (+1/-1 for a subdirectory added or removed). */
static int dir_changed(struct inode *dir, int delta)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	struct timespec now = ktime_real();
	int ret = ext_read_raw(fs, dir->ino, &raw);

	if (ret < 0)
		return ret;
	if (delta > 0)
		raw.i_links_count = dir_nlink_inc(fs, raw.i_links_count);
	else if (delta < 0)
		raw.i_links_count = dir_nlink_dec(raw.i_links_count);
	ext_set_mtime(&raw, now);
	ext_set_ctime(&raw, now);
	ret = ext_write_raw(fs, dir->ino, &raw);
	if (ret == 0)
		ext_fill(dir, &raw);
	return ret;
}

/* ---- directory walkers -------------------------------------------------- */

struct entry_ctx {
	const char *name;
	int len;
	bool dotdot;		/* match the ".." entry instead of name */
	ext2_ino_t ino;		/* new inode number */
	int ft;
	bool set_ft;
	bool found;
};

static int set_entry_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
			int offset, int blocksize, char *buf, void *priv)
{
	struct entry_ctx *c = priv;

	if (c->dotdot ? entry != DIRENT_DOT_DOT_FILE :
	    (ext2fs_dirent_name_len(de) != c->len || memcmp(de->name, c->name, c->len)))
		return 0;
	de->inode = c->ino;
	if (c->set_ft)
		ext2fs_dirent_set_file_type(de, c->ft);
	c->found = true;
	return DIRENT_CHANGED | DIRENT_ABORT;
}

/* Point the entry name (or "..") of dir at ino, in place. */
static int set_entry(ext2_filsys fs, ext2_ino_t dir, const char *name,
		     ext2_ino_t ino, int ft)
{
	struct entry_ctx c = {
		.name = name, .len = name ? strlen(name) : 0, .dotdot = !name,
		.ino = ino, .ft = ft,
		.set_ft = name && ext2fs_has_feature_filetype(fs->super),
	};
	errcode_t err = ext2fs_dir_iterate2(fs, dir, 0, NULL, set_entry_cb, &c);

	if (err)
		return ext_errno(err);
	return c.found ? 0 : -ENOENT;
}

static int empty_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		    int offset, int blocksize, char *buf, void *priv)
{
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || !de->inode)
		return 0;
	*(bool *)priv = false;
	return DIRENT_ABORT;
}

static int check_empty(ext2_filsys fs, ext2_ino_t dir)
{
	bool empty = true;
	errcode_t err = ext2fs_dir_iterate2(fs, dir, 0, NULL, empty_cb, &empty);

	if (err)
		return ext_errno(err);
	return empty ? 0 : -ENOTEMPTY;
}

/* Undo a half-made inode: free it if it was counted, else wipe it. */
static void scrap_inode(ext2_filsys fs, ext2_ino_t ino)
{
	struct ext2_inode_large raw;

	if (ext_read_raw(fs, ino, &raw) < 0)
		return;
	if (ext2fs_test_inode_bitmap2(fs->inode_map, ino)) {
		ext_free_inode(fs, ino, &raw);
	} else if (raw.i_mode || raw.i_links_count) {
		memset(&raw, 0, sizeof(raw));
		ext_write_raw(fs, ino, &raw);
	}
}

/* ---- inode_ops ------------------------------------------------------------ */

static int ext_lookup(struct inode *dir, const char *name, struct inode **res)
{
	ext2_ino_t ino;
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	ret = dir_lookup(EXT_FS(dir->sb), dir->ino, name, &ino);
	if (ret < 0)
		return ret;
	return ext_iget(dir->sb, ino, res);
}

static void init_raw(ext2_filsys fs, struct ext2_inode_large *raw, mode_t mode,
		     uid_t uid, gid_t gid)
{
	struct timespec now = ktime_real();
	size_t isize = EXT2_INODE_SIZE(fs->super);

	memset(raw, 0, sizeof(*raw));
	if (isize > EXT2_GOOD_OLD_INODE_SIZE) {
		size_t extra = sizeof(*raw) - EXT2_GOOD_OLD_INODE_SIZE;
		raw->i_extra_isize = extra < isize - EXT2_GOOD_OLD_INODE_SIZE ?
				     extra : isize - EXT2_GOOD_OLD_INODE_SIZE;
	}
	raw->i_mode = mode;
	raw->i_links_count = 1;
	ext_set_ids(raw, uid, gid);
	ext_set_atime(raw, now);
	ext_set_mtime(raw, now);
	ext_set_ctime(raw, now);
	ext_set_crtime(raw, now);
}

static int ext_create(struct inode *dir, const char *name, mode_t mode,
		      dev_t rdev, uid_t uid, gid_t gid, struct inode **res)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	ext2_ino_t ino;
	errcode_t err;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	if (!S_ISREG(mode) && !S_ISCHR(mode) && !S_ISBLK(mode) &&
	    !S_ISFIFO(mode) && !S_ISSOCK(mode))
		return -EINVAL;
	ret = check_absent(fs, dir->ino, name);
	if (ret < 0)
		return ret;
	err = ext2fs_new_inode(fs, dir->ino, mode, NULL, &ino);
	if (err)
		return ext_errno(err);
	init_raw(fs, &raw, mode, uid, gid);
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		ext_encode_rdev(&raw, rdev);
	} else if (S_ISREG(mode) && ext2fs_has_feature_extents(fs->super)) {
		ext2_extent_handle_t h;

		/* An empty extent tree in i_block, and EXT4_EXTENTS_FL. */
		err = ext2fs_extent_open2(fs, ino, EXT2_INODE(&raw), &h);
		if (err)
			return ext_errno(err);
		ext2fs_extent_free(h);
	}
	ret = add_link(fs, dir->ino, name, ino, ftype_of(mode));
	if (ret < 0)
		return ret;
	ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
	ret = ext_write_new(fs, ino, &raw);
	if (ret < 0)
		return ret;
	dir_changed(dir, 0);
	return ext_iget(dir->sb, ino, res);
}

/* Set owner, mode bits and times of an inode libext2fs just made. */
static int finish_new(ext2_filsys fs, ext2_ino_t ino, mode_t mode, uid_t uid,
		      gid_t gid)
{
	struct ext2_inode_large raw, fresh;
	int ret = ext_read_raw(fs, ino, &raw);

	if (ret < 0)
		return ret;
	init_raw(fs, &fresh, mode, uid, gid);
	if (raw.i_extra_isize < fresh.i_extra_isize)
		raw.i_extra_isize = fresh.i_extra_isize;
	raw.i_mode = (raw.i_mode & S_IFMT) | (mode & 07777);
	ext_set_ids(&raw, uid, gid);
	raw.i_atime = fresh.i_atime;
	raw.i_mtime = fresh.i_mtime;
	raw.i_ctime = fresh.i_ctime;
	raw.i_atime_extra = fresh.i_atime_extra;
	raw.i_mtime_extra = fresh.i_mtime_extra;
	raw.i_ctime_extra = fresh.i_ctime_extra;
	raw.i_crtime = fresh.i_crtime;
	raw.i_crtime_extra = fresh.i_crtime_extra;
	return ext_write_raw(fs, ino, &raw);
}

static int ext_mkdir(struct inode *dir, const char *name, mode_t mode,
		     uid_t uid, gid_t gid, struct inode **res)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large praw;
	ext2_ino_t ino;
	errcode_t err;
	__u16 links;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	ret = check_absent(fs, dir->ino, name);
	if (ret < 0)
		return ret;
	ret = ext_read_raw(fs, dir->ino, &praw);
	if (ret < 0)
		return ret;
	links = praw.i_links_count;
	if (links >= EXT2_LINK_MAX && !ext2fs_has_feature_dir_nlink(fs->super))
		return -EMLINK;
	err = ext2fs_new_inode(fs, dir->ino, LINUX_S_IFDIR | (mode & 07777),
			       NULL, &ino);
	if (err)
		return ext_errno(err);
	/* Made without a name (libext2fs would fail on a full directory)
	 * and linked below; ext2fs_mkdir bumps the parent's count itself. */
	err = ext2fs_mkdir(fs, dir->ino, ino, NULL);
	if (err) {
		scrap_inode(fs, ino);
		return ext_errno(err);
	}
	ret = add_link(fs, dir->ino, name, ino, EXT2_FT_DIR);
	if (ret == 0)
		ret = finish_new(fs, ino, S_IFDIR | mode, uid, gid);
	if (ret == 0)
		ret = ext_read_raw(fs, dir->ino, &praw);
	if (ret < 0) {
		scrap_inode(fs, ino);
		if (ext_read_raw(fs, dir->ino, &praw) == 0) {
			praw.i_links_count = links;
			ext_write_raw(fs, dir->ino, &praw);
		}
		ext_refresh(dir);
		return ret;
	}
	praw.i_links_count = links;
	ret = ext_write_raw(fs, dir->ino, &praw);
	if (ret < 0)
		return ret;
	dir_changed(dir, +1);
	return ext_iget(dir->sb, ino, res);
}

static int ext_symlink(struct inode *dir, const char *name, const char *target,
		       uid_t uid, gid_t gid, struct inode **res)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	size_t len = strlen(target);
	ext2_ino_t ino;
	errcode_t err;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	if (!len)
		return -ENOENT;
	if (len >= fs->blocksize)
		return -ENAMETOOLONG;
	ret = check_absent(fs, dir->ino, name);
	if (ret < 0)
		return ret;
	err = ext2fs_new_inode(fs, dir->ino, LINUX_S_IFLNK | 0777, NULL, &ino);
	if (err)
		return ext_errno(err);
	err = ext2fs_symlink(fs, dir->ino, ino, NULL, target);
	if (err) {
		scrap_inode(fs, ino);
		return ext_errno(err);
	}
	ret = add_link(fs, dir->ino, name, ino, EXT2_FT_SYMLINK);
	if (ret == 0)
		ret = finish_new(fs, ino, S_IFLNK | 0777, uid, gid);
	if (ret < 0) {
		scrap_inode(fs, ino);
		return ret;
	}
	dir_changed(dir, 0);
	return ext_iget(dir->sb, ino, res);
}

static int ext_link(struct inode *dir, const char *name, struct inode *target)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	if (target->sb != dir->sb)
		return -EXDEV;
	ret = ext_read_raw(fs, target->ino, &raw);
	if (ret < 0)
		return ret;
	if (LINUX_S_ISDIR(raw.i_mode))
		return -EPERM;
	if (raw.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	ret = check_absent(fs, dir->ino, name);
	if (ret < 0)
		return ret;
	ret = add_link(fs, dir->ino, name, target->ino, ftype_of(raw.i_mode));
	if (ret < 0)
		return ret;
	raw.i_links_count++;
	ext_set_ctime(&raw, ktime_real());
	ret = ext_write_raw(fs, target->ino, &raw);
	if (ret < 0)
		return ret;
	ext_fill(target, &raw);
	dir_changed(dir, 0);
	return 0;
}

/* One name of ino is gone: drop a link (all of them for a directory),
 * and free it now if nothing else holds it. */
static int drop_link(struct super_block *sb, ext2_ino_t ino,
		     struct ext2_inode_large *raw)
{
	int ret;

	if (LINUX_S_ISDIR(raw->i_mode))
		raw->i_links_count = 0;
	else if (raw->i_links_count)
		raw->i_links_count--;
	ext_set_ctime(raw, ktime_real());
	ret = ext_write_raw(EXT_FS(sb), ino, raw);
	if (ret < 0)
		return ret;
	ext_changed(sb, ino, raw);
	return 0;
}

static int ext_unlink(struct inode *dir, const char *name)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	ext2_ino_t ino;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	ret = lookup_raw(fs, dir->ino, name, &ino, &raw);
	if (ret < 0)
		return ret;
	if (LINUX_S_ISDIR(raw.i_mode))
		return -EISDIR;
	ret = ext_errno(ext2fs_unlink(fs, dir->ino, name, ino, 0));
	if (ret < 0)
		return ret;
	dir_changed(dir, 0);
	return drop_link(dir->sb, ino, &raw);
}

static int ext_rmdir(struct inode *dir, const char *name)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	ext2_ino_t ino;
	int ret;

	if (ext_rdonly(dir))
		return -EROFS;
	ret = lookup_raw(fs, dir->ino, name, &ino, &raw);
	if (ret < 0)
		return ret;
	if (!LINUX_S_ISDIR(raw.i_mode))
		return -ENOTDIR;
	if (ino == EXT2_ROOT_INO)
		return -EBUSY;
	ret = check_empty(fs, ino);
	if (ret < 0)
		return ret;
	ret = ext_errno(ext2fs_unlink(fs, dir->ino, name, ino, 0));
	if (ret < 0)
		return ret;
	dir_changed(dir, -1);
	return drop_link(dir->sb, ino, &raw);
}

static int rename_exchange(struct inode *odir, const char *oname, ext2_ino_t oino,
			   struct ext2_inode_large *oraw, struct inode *ndir,
			   const char *nname, ext2_ino_t nino,
			   struct ext2_inode_large *nraw)
{
	ext2_filsys fs = EXT_FS(odir->sb);
	bool odir_is = LINUX_S_ISDIR(oraw->i_mode);
	bool ndir_is = LINUX_S_ISDIR(nraw->i_mode);
	struct timespec now = ktime_real();
	int ret;

	ret = set_entry(fs, ndir->ino, nname, oino, ftype_of(oraw->i_mode));
	if (ret == 0)
		ret = set_entry(fs, odir->ino, oname, nino, ftype_of(nraw->i_mode));
	if (ret < 0)
		return ret;
	if (odir != ndir) {
		if (odir_is)
			set_entry(fs, oino, NULL, ndir->ino, 0);
		if (ndir_is)
			set_entry(fs, nino, NULL, odir->ino, 0);
		ext_read_raw(fs, oino, oraw);
		ext_read_raw(fs, nino, nraw);
	}
	ext_set_ctime(oraw, now);
	ext_set_ctime(nraw, now);
	ext_write_raw(fs, oino, oraw);
	ext_write_raw(fs, nino, nraw);
	ext_changed(odir->sb, oino, oraw);
	ext_changed(odir->sb, nino, nraw);
	if (odir != ndir && odir_is != ndir_is) {
		dir_changed(odir, odir_is ? -1 : +1);
		dir_changed(ndir, odir_is ? +1 : -1);
	} else {
		dir_changed(odir, 0);
		if (odir != ndir)
			dir_changed(ndir, 0);
	}
	return 0;
}

static int ext_rename(struct inode *odir, const char *oname,
		      struct inode *ndir, const char *nname, unsigned flags)
{
	ext2_filsys fs = EXT_FS(odir->sb);
	struct ext2_inode_large oraw, nraw;
	ext2_ino_t oino, nino = 0;
	bool odir_is, replaced_dir = false;
	int ret;

	if (ext_rdonly(odir))
		return -EROFS;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
		return -EINVAL;
	ret = lookup_raw(fs, odir->ino, oname, &oino, &oraw);
	if (ret < 0)
		return ret;
	odir_is = LINUX_S_ISDIR(oraw.i_mode);
	ret = dir_lookup(fs, ndir->ino, nname, &nino);
	if (ret == -ENOENT)
		nino = 0;
	else if (ret < 0)
		return ret;
	if (flags & RENAME_EXCHANGE) {
		if (!nino)
			return -ENOENT;
		if (nino == oino)
			return 0;
		ret = ext_read_raw(fs, nino, &nraw);
		if (ret < 0)
			return ret;
		return rename_exchange(odir, oname, oino, &oraw, ndir, nname,
				       nino, &nraw);
	}
	if (nino && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (nino == oino)
		return 0;	/* two names of one file: nothing to do */

	if (nino) {
		ret = ext_read_raw(fs, nino, &nraw);
		if (ret < 0)
			return ret;
		if (LINUX_S_ISDIR(nraw.i_mode)) {
			if (!odir_is)
				return -EISDIR;
			ret = check_empty(fs, nino);
			if (ret < 0)
				return ret;
			replaced_dir = true;
		} else if (odir_is) {
			return -ENOTDIR;
		}
		ret = set_entry(fs, ndir->ino, nname, oino, ftype_of(oraw.i_mode));
		if (ret < 0)
			return ret;
		drop_link(odir->sb, nino, &nraw);
	} else {
		ret = add_link(fs, ndir->ino, nname, oino, ftype_of(oraw.i_mode));
		if (ret < 0)
			return ret;
	}
	ret = ext_errno(ext2fs_unlink(fs, odir->ino, oname, oino, 0));
	if (ret < 0)
		return ret;
	if (odir_is && odir != ndir) {
		set_entry(fs, oino, NULL, ndir->ino, 0);
		/* An inline-data directory keeps ".." in the inode. */
		ext_read_raw(fs, oino, &oraw);
	}

	ext_set_ctime(&oraw, ktime_real());
	ext_write_raw(fs, oino, &oraw);
	ext_changed(odir->sb, oino, &oraw);
	if (odir == ndir) {
		dir_changed(odir, replaced_dir ? -1 : 0);
	} else {
		dir_changed(odir, odir_is ? -1 : 0);
		/* The moved directory's ".." adds a link; a replaced one's
		 * went away with it. */
		dir_changed(ndir, odir_is && !replaced_dir ? +1 : 0);
	}
	return 0;
}

/* ---- getdents ---------------------------------------------------------- */

struct inline_ctx {
	uint64_t index, start;
	filldir_t fill;
	void *ctx;
	bool filetype;
	bool stopped;
};

static int inline_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		     int offset, int blocksize, char *buf, void *priv)
{
	struct inline_ctx *c = priv;
	int len = ext2fs_dirent_name_len(de);
	uint64_t index = c->index++;

	if (index < c->start)
		return 0;
	if (c->fill(c->ctx, de->name, len, de->inode,
		    c->filetype ? dtype_of(ext2fs_dirent_file_type(de)) : DT_UNKNOWN,
		    index + 1)) {
		c->stopped = true;
		c->index = index;
		return DIRENT_ABORT;
	}
	return 0;
}

static int iterate_inline(struct inode *dir, uint64_t *pos, filldir_t fill,
			  void *ctx)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct inline_ctx c = {
		.start = *pos, .fill = fill, .ctx = ctx,
		.filetype = ext2fs_has_feature_filetype(fs->super),
	};
	errcode_t err = ext2fs_dir_iterate2(fs, dir->ino, 0, NULL, inline_cb, &c);

	if (err)
		return ext_errno(err);
	*pos = c.index > *pos ? c.index : *pos;
	return 0;
}

static int ext_iterate(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx)
{
	ext2_filsys fs = EXT_FS(dir->sb);
	struct ext2_inode_large raw;
	unsigned bs = fs->blocksize;
	bool filetype = ext2fs_has_feature_filetype(fs->super);
	uint64_t size, p = *pos;
	char *buf;
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	ret = ext_read_raw(fs, dir->ino, &raw);
	if (ret < 0)
		return ret;
	if (raw.i_flags & EXT4_INLINE_DATA_FL)
		return iterate_inline(dir, pos, fill, ctx);
	size = EXT2_I_SIZE(&raw);
	buf = malloc(bs);
	if (!buf)
		return -ENOMEM;
	while (p < size) {
		uint64_t lblk = p / bs, base = lblk * bs;
		unsigned start = p % bs, off, rec;
		blk64_t pblk = 0;
		errcode_t err;

		err = ext2fs_bmap2(fs, dir->ino, EXT2_INODE(&raw), NULL, 0, lblk,
				   NULL, &pblk);
		if (!err && pblk)
			err = ext2fs_read_dir_block4(fs, pblk, buf, 0, dir->ino);
		if (err) {
			ret = ext_errno(err);
			break;
		}
		for (off = 0; pblk && off + 8 <= bs; off += rec) {
			struct ext2_dir_entry *de = (void *)(buf + off);
			int len = ext2fs_dirent_name_len(de);

			if (ext2fs_get_rec_len(fs, de, &rec) || rec < 8 ||
			    off + rec > bs || len + 8 > (int)rec) {
				ret = -EIO;
				goto out;
			}
			if (off < start || !de->inode || !len)
				continue;
			if (fill(ctx, de->name, len, de->inode,
				 filetype ? dtype_of(ext2fs_dirent_file_type(de)) :
					    DT_UNKNOWN,
				 base + off + rec)) {
				p = base + off;
				goto out;
			}
		}
		p = base + bs;
	}
out:
	*pos = p;
	free(buf);
	return ret;
}

const struct inode_ops ext_inode_ops = {
	.lookup = ext_lookup,
	.create = ext_create,
	.mkdir = ext_mkdir,
	.symlink = ext_symlink,
	.link = ext_link,
	.unlink = ext_unlink,
	.rmdir = ext_rmdir,
	.rename = ext_rename,
	.readlink = ext_readlink,
	.setattr = ext_setattr,
	.read = ext_read,
	.write = ext_write,
	.iterate = ext_iterate,
	.fsync = ext_fsync,
	.fallocate = ext_fallocate,
};
