/* ext2/3/4 inodes: keeping struct inode in step with the disk inode, file
 * attributes, symlink targets, freeing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "fs/extfs.h"
#include "lib/ktime.h"
#include "lib/log.h"

int ext_errno(errcode_t err)
{
	switch (err) {
	case 0:
		return 0;
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_EA_NO_SPACE:
		return -ENOSPC;
	case EXT2_ET_FILE_NOT_FOUND:
		return -ENOENT;
	case EXT2_ET_DIR_EXISTS:
	case EXT2_ET_FILE_EXISTS:
		return -EEXIST;
	case EXT2_ET_NO_MEMORY:
		return -ENOMEM;
	case EXT2_ET_FILE_TOO_BIG:
	case EXT2_ET_EXTENT_NOT_SUPPORTED:
		return -EFBIG;
	case EXT2_ET_RO_FILSYS:
		return -EROFS;
	case EXT2_ET_NO_DIRECTORY:
		return -ENOTDIR;
	case EXT2_ET_DIR_NO_SPACE_FOR_CSUM:
		return -ENOSPC;
	case EXT2_ET_TOOSMALL:
		return -ENOSPC;
	default:
		/* libext2fs passes host errno values through as is. */
		if (err > 0 && err < 4096)
			return -(int)err;
		return -EIO;
	}
}

int ext_read_raw(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw)
{
	memset(raw, 0, sizeof(*raw));
	return ext_errno(ext2fs_read_inode_full(fs, ino, EXT2_INODE(raw),
						sizeof(*raw)));
}

int ext_write_raw(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw)
{
	return ext_errno(ext2fs_write_inode_full(fs, ino, EXT2_INODE(raw),
						 sizeof(*raw)));
}

int ext_write_new(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw)
{
	size_t isize = EXT2_INODE_SIZE(fs->super);
	size_t len = isize > sizeof(*raw) ? isize : sizeof(*raw);
	char *buf = calloc(1, len);
	errcode_t err;

	if (!buf)
		return -ENOMEM;
	if (isize > EXT2_GOOD_OLD_INODE_SIZE) {
		size_t extra = sizeof(*raw) - EXT2_GOOD_OLD_INODE_SIZE;
		if (extra > isize - EXT2_GOOD_OLD_INODE_SIZE)
			extra = isize - EXT2_GOOD_OLD_INODE_SIZE;
		raw->i_extra_isize = extra;
	} else {
		raw->i_extra_isize = 0;
	}
	memcpy(buf, raw, isize < sizeof(*raw) ? isize : sizeof(*raw));
	err = ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)buf, isize);
	free(buf);
	return ext_errno(err);
}

/* ---- timestamps --------------------------------------------------------- */

static bool has_field(const struct ext2_inode_large *raw, size_t end)
{
	return EXT2_GOOD_OLD_INODE_SIZE + raw->i_extra_isize >= end;
}

#define HAS_EXTRA(raw, f) has_field(raw, offsetof(struct ext2_inode_large, f) + 4)

/* Linux's encoding: 2 epoch bits extend the seconds, 30 bits of nsec. */
static __u32 encode_extra(struct timespec ts)
{
	__u32 epoch = ((int64_t)ts.tv_sec - (int32_t)ts.tv_sec) >> 32;

	return (epoch & EXT4_EPOCH_MASK) | ((__u32)ts.tv_nsec << EXT4_EPOCH_BITS);
}

static struct timespec decode_time(__u32 lo, bool has_extra, __u32 extra)
{
	struct timespec ts = { .tv_sec = (int32_t)lo };

	if (has_extra) {
		ts.tv_sec += (int64_t)(extra & EXT4_EPOCH_MASK) << 32;
		ts.tv_nsec = extra >> EXT4_EPOCH_BITS;
		if (ts.tv_nsec >= 1000000000)
			ts.tv_nsec = 0;
	}
	return ts;
}

#define DEFINE_SET_TIME(name, lo, ex)					\
void name(struct ext2_inode_large *raw, struct timespec ts)		\
{									\
	raw->lo = (__u32)ts.tv_sec;					\
	if (HAS_EXTRA(raw, ex))						\
		raw->ex = encode_extra(ts);				\
}
DEFINE_SET_TIME(ext_set_atime, i_atime, i_atime_extra)
DEFINE_SET_TIME(ext_set_mtime, i_mtime, i_mtime_extra)
DEFINE_SET_TIME(ext_set_ctime, i_ctime, i_ctime_extra)

void ext_set_crtime(struct ext2_inode_large *raw, struct timespec ts)
{
	if (HAS_EXTRA(raw, i_crtime_extra)) {
		raw->i_crtime = (__u32)ts.tv_sec;
		raw->i_crtime_extra = encode_extra(ts);
	}
}

void ext_set_ids(struct ext2_inode_large *raw, uid_t uid, gid_t gid)
{
	raw->i_uid = uid & 0xffff;
	ext2fs_set_i_uid_high(*raw, uid >> 16);
	raw->i_gid = gid & 0xffff;
	ext2fs_set_i_gid_high(*raw, gid >> 16);
}

/* ---- struct inode <-> disk inode --------------------------------------- */

/* Device numbers in i_block, as Linux stores them: the old 8:8 form in
 * i_block[0] when it fits, else the new 12:20 form in i_block[1]. */
static dev_t decode_rdev(const struct ext2_inode_large *raw)
{
	__u32 v;

	if (raw->i_block[0]) {
		v = raw->i_block[0];
		return makedev((v >> 8) & 0xff, v & 0xff);
	}
	v = raw->i_block[1];
	return makedev((v & 0xfff00) >> 8, (v & 0xff) | ((v >> 12) & 0xfff00));
}

void ext_encode_rdev(struct ext2_inode_large *raw, dev_t rdev)
{
	unsigned ma = major(rdev), mi = minor(rdev);

	if (ma < 256 && mi < 256) {
		raw->i_block[0] = (ma << 8) | mi;
		raw->i_block[1] = 0;
	} else {
		raw->i_block[0] = 0;
		raw->i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
		raw->i_block[2] = 0;
	}
}

void ext_fill(struct inode *ino, const struct ext2_inode_large *raw)
{
	ext2_filsys fs = EXT_FS(ino->sb);

	ino->mode = raw->i_mode;
	ino->nlink = raw->i_links_count;
	ino->uid = inode_uid(*raw);
	ino->gid = inode_gid(*raw);
	ino->size = EXT2_I_SIZE(raw);
	ino->blocks = ext2fs_get_stat_i_blocks(fs, (struct ext2_inode *)raw);
	ino->rdev = S_ISCHR(raw->i_mode) || S_ISBLK(raw->i_mode) ?
		    decode_rdev(raw) : 0;
	ino->atime = decode_time(raw->i_atime, HAS_EXTRA(raw, i_atime_extra),
				 raw->i_atime_extra);
	ino->mtime = decode_time(raw->i_mtime, HAS_EXTRA(raw, i_mtime_extra),
				 raw->i_mtime_extra);
	ino->ctime = decode_time(raw->i_ctime, HAS_EXTRA(raw, i_ctime_extra),
				 raw->i_ctime_extra);
	ino->op = &ext_inode_ops;
}

int ext_refresh(struct inode *ino)
{
	struct ext2_inode_large raw;
	int ret = ext_read_raw(EXT_FS(ino->sb), ino->ino, &raw);

	if (ret == 0)
		ext_fill(ino, &raw);
	return ret;
}

int ext_iget(struct super_block *sb, ext2_ino_t ino, struct inode **res)
{
	struct ext2_inode_large raw;
	struct inode *i = iget_cached(sb, ino);
	int ret;

	if (i) {
		*res = i;
		return 0;
	}
	if (ino < EXT2_ROOT_INO || ino > EXT_FS(sb)->super->s_inodes_count)
		return -EIO;
	ret = ext_read_raw(EXT_FS(sb), ino, &raw);
	if (ret < 0)
		return ret;
	if (!raw.i_links_count && ino != EXT2_ROOT_INO) {
		printk_level(KERN_ERR, "EXT4-fs (%s): deleted inode %u referenced\n",
			     EXT_SB(sb)->name, ino);
		return -EIO;
	}
	i = inode_new(sb, ino);
	if (!i)
		return -ENOMEM;
	ext_fill(i, &raw);
	*res = i;
	return 0;
}

int ext_free_inode(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw)
{
	errcode_t err = 0;

	if (ext2fs_inode_has_valid_blocks2(fs, EXT2_INODE(raw)) ||
	    (raw->i_flags & EXT4_INLINE_DATA_FL))
		err = ext2fs_punch(fs, ino, EXT2_INODE(raw), NULL, 0, ~0ULL);
	if (!err)
		err = ext2fs_free_ext_attr(fs, ino, raw);
	if (err)
		return ext_errno(err);
	raw->i_links_count = 0;
	raw->i_dtime = (__u32)ktime_real().tv_sec;
	err = ext_write_raw(fs, ino, raw);
	if (err)
		return err;
	ext2fs_inode_alloc_stats2(fs, ino, -1, LINUX_S_ISDIR(raw->i_mode));
	return 0;
}

void ext_changed(struct super_block *sb, ext2_ino_t ino,
		 const struct ext2_inode_large *raw)
{
	struct inode *i = iget_cached(sb, ino);

	if (i) {
		ext_fill(i, raw);
		iput(i);	/* the last holder's iput frees it if unlinked */
		return;
	}
	if (!raw->i_links_count) {
		struct ext2_inode_large copy = *raw;
		ext_free_inode(EXT_FS(sb), ino, &copy);
	}
}

int ext_readlink(struct inode *ino, char *buf, size_t size)
{
	struct ext2_inode_large raw;
	size_t len;
	int ret;

	if (!S_ISLNK(ino->mode))
		return -EINVAL;
	ret = ext_read_raw(EXT_FS(ino->sb), ino->ino, &raw);
	if (ret < 0)
		return ret;
	len = EXT2_I_SIZE(&raw);
	if (ext2fs_is_fast_symlink(EXT2_INODE(&raw))) {
		if (len > sizeof(raw.i_block))
			return -EIO;
		if (len > size)
			len = size;
		memcpy(buf, raw.i_block, len);
		return len;
	}
	if (len > size)
		len = size;
	return ext_read(ino, buf, len, 0);
}

int ext_setattr(struct inode *ino, const struct iattr *attr)
{
	ext2_filsys fs = EXT_FS(ino->sb);
	struct ext2_inode_large raw;
	struct timespec now = ktime_real();
	errcode_t err;
	int ret;

	if (ext_rdonly(ino))
		return -EROFS;
	if (attr->valid & ATTR_SIZE) {
		ext2_file_t f;

		if (S_ISDIR(ino->mode))
			return -EISDIR;
		if (!S_ISREG(ino->mode))
			return -EINVAL;
		if (attr->size != ino->size) {
			err = ext2fs_file_open(fs, ino->ino, EXT2_FILE_WRITE, &f);
			if (err)
				return ext_errno(err);
			err = ext2fs_file_set_size2(f, attr->size);
			errcode_t cerr = ext2fs_file_close(f);
			if (err || cerr) {
				ext_refresh(ino);
				return ext_errno(err ? err : cerr);
			}
		}
	}
	ret = ext_read_raw(fs, ino->ino, &raw);
	if (ret < 0)
		return ret;
	if ((attr->valid & ATTR_SIZE) && attr->size != ino->size) {
		ext_set_mtime(&raw, now);
		ext_set_ctime(&raw, now);
	}
	if (attr->valid & ATTR_MODE)
		raw.i_mode = (raw.i_mode & S_IFMT) | (attr->mode & 07777);
	if (attr->valid & (ATTR_UID | ATTR_GID))
		ext_set_ids(&raw, attr->valid & ATTR_UID ? attr->uid : inode_uid(raw),
			    attr->valid & ATTR_GID ? attr->gid : inode_gid(raw));
	if (attr->valid & ATTR_ATIME)
		ext_set_atime(&raw, attr->atime);
	if (attr->valid & ATTR_MTIME)
		ext_set_mtime(&raw, attr->mtime);
	if (attr->valid & ATTR_CTIME)
		ext_set_ctime(&raw, attr->ctime);
	ret = ext_write_raw(fs, ino->ino, &raw);
	if (ret < 0)
		return ret;
	ext_fill(ino, &raw);
	return 0;
}

int ext_fsync(struct inode *ino)
{
	return ext_sync_fs(ino->sb);
}
