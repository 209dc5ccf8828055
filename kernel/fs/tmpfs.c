/* tmpfs: a filesystem in memory. Directories are lists of entries, each
 * holding a reference on its inode, so an inode lives while it has links
 * or users. File data sits in a radix tree of 4 KiB pages, so sparse files
 * cost only the pages written. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/falloc.h>
#include "fs/vfs.h"
#include "mm/mm.h"
#include "lib/ktime.h"

#define TMPFS_MAGIC	0x01021994
#define TPAGE		4096ULL
#define RADIX_BITS	9
#define RADIX_SLOTS	(1u << RADIX_BITS)
#define MAX_HEIGHT	6		/* 2^54 pages: more than 2^63 bytes */
#define BOGO_DIRENT	20		/* directory size per entry, as Linux */
#define RENAME_NOREPLACE_ (1 << 0)
#define RENAME_EXCHANGE_ (1 << 1)

struct tmpfs_sb {
	uint64_t next_ino;
	uint64_t max_pages, used_pages;
	uint64_t max_inodes, used_inodes;
	mode_t root_mode;
	uid_t uid;
	gid_t gid;
	bool size_given;
};

struct tmpfs_dirent {
	struct list node;
	uint64_t off;			/* readdir cookie, increasing */
	struct inode *ino;		/* referenced */
	char name[];
};

struct tmpfs_node {
	/* directories */
	struct list entries;
	uint64_t next_off;
	struct inode *parent;		/* not referenced: it holds us */
	/* regular files */
	void *root;
	int height;
	uint64_t npages;
	/* symlinks */
	char *target;
};

static const struct inode_ops tmpfs_iops;

static struct tmpfs_sb *SB(struct inode *i)
{
	return i->sb->priv;
}

static struct tmpfs_node *NODE(struct inode *i)
{
	return i->priv;
}

static unsigned dtype(mode_t mode)
{
	return (mode >> 12) & 15;
}

/* ---- page radix tree ------------------------------------------------------ */

static uint64_t radix_cap(int height)
{
	return 1ULL << (RADIX_BITS * height);
}

static char *page_get(struct tmpfs_node *n, uint64_t idx)
{
	void *node = n->root;

	if (!node || idx >= radix_cap(n->height))
		return NULL;
	for (int l = n->height; l > 0 && node; l--)
		node = ((void **)node)[(idx >> (RADIX_BITS * (l - 1))) & (RADIX_SLOTS - 1)];
	return node;
}

/* The page at idx, allocated (zeroed) if absent; NULL when full. */
static char *page_alloc(struct inode *ino, uint64_t idx)
{
	struct tmpfs_node *n = NODE(ino);
	struct tmpfs_sb *s = SB(ino);
	void **slot;

	while (idx >= radix_cap(n->height)) {
		if (n->root) {
			void **top = calloc(RADIX_SLOTS, sizeof(void *));
			if (!top)
				return NULL;
			top[0] = n->root;
			n->root = top;
		}
		n->height++;
	}
	slot = &n->root;
	for (int l = n->height; l > 0; l--) {
		if (!*slot && !(*slot = calloc(RADIX_SLOTS, sizeof(void *))))
			return NULL;
		slot = &((void **)*slot)[(idx >> (RADIX_BITS * (l - 1))) & (RADIX_SLOTS - 1)];
	}
	if (!*slot) {
		if (s->used_pages >= s->max_pages || !(*slot = calloc(1, TPAGE)))
			return NULL;
		s->used_pages++;
		n->npages++;
	}
	return *slot;
}

/* Free the pages with index >= from (and in [from, to) for a hole) below
 * the node at *slot, which covers pages [base, base + 512^level). */
static void radix_free(struct inode *ino, void **slot, int level, uint64_t base,
		       uint64_t from, uint64_t to)
{
	uint64_t span = radix_cap(level);

	if (!*slot || base + span <= from || base >= to)
		return;
	if (level == 0) {
		free(*slot);
		*slot = NULL;
		SB(ino)->used_pages--;
		NODE(ino)->npages--;
		return;
	}
	void **arr = *slot;
	uint64_t child = radix_cap(level - 1);
	for (unsigned i = 0; i < RADIX_SLOTS; i++)
		radix_free(ino, &arr[i], level - 1, base + i * child, from, to);
	if (base >= from && base + span <= to) {
		free(arr);
		*slot = NULL;
	}
}

static void free_pages_range(struct inode *ino, uint64_t from, uint64_t to)
{
	struct tmpfs_node *n = NODE(ino);

	radix_free(ino, &n->root, n->height, 0, from, to);
	if (!n->root)
		n->height = 0;
	ino->blocks = n->npages * (TPAGE / 512);
}

static void zero_range(struct inode *ino, uint64_t off, uint64_t len)
{
	while (len) {
		uint64_t po = off % TPAGE, n = TPAGE - po;
		char *page = page_get(NODE(ino), off / TPAGE);

		if (n > len)
			n = len;
		if (page)
			memset(page + po, 0, n);
		off += n;
		len -= n;
	}
}

static int truncate_to(struct inode *ino, uint64_t size)
{
	if (size < ino->size) {
		uint64_t first = (size + TPAGE - 1) / TPAGE;

		/* Bytes past the end of a partial page must read as zero later. */
		if (size % TPAGE)
			zero_range(ino, size, TPAGE - size % TPAGE);
		free_pages_range(ino, first, UINT64_MAX);
	}
	ino->size = size;
	return 0;
}

/* ---- inodes and directory entries ------------------------------------------- */

static void touch(struct inode *ino, unsigned which)
{
	struct timespec now = ktime_real();

	if (which & ATTR_ATIME)
		ino->atime = now;
	if (which & ATTR_MTIME)
		ino->mtime = now;
	if (which & ATTR_CTIME)
		ino->ctime = now;
}

static int new_inode(struct super_block *sb, mode_t mode, uid_t uid, gid_t gid,
		     struct inode **res)
{
	struct tmpfs_sb *s = sb->priv;
	struct tmpfs_node *n;
	struct inode *ino;

	if (s->used_inodes >= s->max_inodes)
		return -ENOSPC;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ino = inode_new(sb, s->next_ino);
	if (!ino) {
		free(n);
		return -ENOMEM;
	}
	s->next_ino++;
	s->used_inodes++;
	list_init(&n->entries);
	n->next_off = 2;
	ino->priv = n;
	ino->op = &tmpfs_iops;
	ino->mode = mode;
	ino->uid = uid;
	ino->gid = gid;
	ino->nlink = S_ISDIR(mode) ? 2 : 1;
	ino->size = S_ISDIR(mode) ? 2 * BOGO_DIRENT : 0;
	touch(ino, ATTR_ATIME | ATTR_MTIME | ATTR_CTIME);
	*res = ino;
	return 0;
}

static struct tmpfs_dirent *find(struct inode *dir, const char *name)
{
	struct list *pos;

	list_for_each(pos, &NODE(dir)->entries) {
		struct tmpfs_dirent *e = list_entry(pos, struct tmpfs_dirent, node);
		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

/* Add an entry for ino (taking a new reference). */
static int add_entry(struct inode *dir, const char *name, struct inode *ino)
{
	size_t len = strlen(name);
	struct tmpfs_dirent *e = malloc(sizeof(*e) + len + 1);
	struct tmpfs_node *d = NODE(dir);

	if (!e)
		return -ENOMEM;
	memcpy(e->name, name, len + 1);
	e->ino = iget(ino);
	e->off = d->next_off++;
	list_add_tail(&e->node, &d->entries);
	dir->size += BOGO_DIRENT;
	touch(dir, ATTR_MTIME | ATTR_CTIME);
	return 0;
}

/* Remove an entry, dropping its reference and a link. */
static void drop_entry(struct inode *dir, struct tmpfs_dirent *e)
{
	struct inode *ino = e->ino;

	list_del(&e->node);
	free(e);
	dir->size -= BOGO_DIRENT;
	touch(dir, ATTR_MTIME | ATTR_CTIME);
	if (S_ISDIR(ino->mode)) {
		ino->nlink = 0;
		dir->nlink--;
	} else if (ino->nlink) {
		ino->nlink--;
	}
	touch(ino, ATTR_CTIME);
	iput(ino);
}

static int tmpfs_lookup(struct inode *dir, const char *name, struct inode **res)
{
	struct tmpfs_dirent *e = find(dir, name);

	if (!e)
		return -ENOENT;
	*res = iget(e->ino);
	return 0;
}

static int make(struct inode *dir, const char *name, mode_t mode, uid_t uid,
		gid_t gid, struct inode **res)
{
	struct inode *ino;
	int err;

	if (find(dir, name))
		return -EEXIST;
	err = new_inode(dir->sb, mode, uid, gid, &ino);
	if (err)
		return err;
	err = add_entry(dir, name, ino);
	if (err) {
		ino->nlink = 0;
		iput(ino);
		return err;
	}
	if (S_ISDIR(mode)) {
		NODE(ino)->parent = dir;
		dir->nlink++;
	}
	*res = ino;
	return 0;
}

static int tmpfs_create(struct inode *dir, const char *name, mode_t mode,
			dev_t rdev, uid_t uid, gid_t gid, struct inode **res)
{
	int err = make(dir, name, mode, uid, gid, res);

	if (!err)
		(*res)->rdev = rdev;
	return err;
}

static int tmpfs_mkdir(struct inode *dir, const char *name, mode_t mode,
		       uid_t uid, gid_t gid, struct inode **res)
{
	return make(dir, name, S_IFDIR | (mode & 07777), uid, gid, res);
}

static int tmpfs_symlink(struct inode *dir, const char *name, const char *target,
			 uid_t uid, gid_t gid, struct inode **res)
{
	char *t = strdup(target);
	int err;

	if (!t)
		return -ENOMEM;
	err = make(dir, name, S_IFLNK | 0777, uid, gid, res);
	if (err) {
		free(t);
		return err;
	}
	NODE(*res)->target = t;
	(*res)->size = strlen(t);
	return 0;
}

static int tmpfs_link(struct inode *dir, const char *name, struct inode *target)
{
	int err;

	if (find(dir, name))
		return -EEXIST;
	if (S_ISDIR(target->mode))
		return -EPERM;
	err = add_entry(dir, name, target);
	if (!err) {
		target->nlink++;
		touch(target, ATTR_CTIME);
	}
	return err;
}

static int tmpfs_unlink(struct inode *dir, const char *name)
{
	struct tmpfs_dirent *e = find(dir, name);

	if (!e)
		return -ENOENT;
	if (S_ISDIR(e->ino->mode))
		return -EISDIR;
	drop_entry(dir, e);
	return 0;
}

static bool dir_empty(struct inode *ino)
{
	return list_empty(&NODE(ino)->entries);
}

static int tmpfs_rmdir(struct inode *dir, const char *name)
{
	struct tmpfs_dirent *e = find(dir, name);

	if (!e)
		return -ENOENT;
	if (!S_ISDIR(e->ino->mode))
		return -ENOTDIR;
	if (!dir_empty(e->ino))
		return -ENOTEMPTY;
	drop_entry(dir, e);
	return 0;
}

/* Move entry e (in odir) to ndir as nname. */
static int move_entry(struct inode *odir, struct tmpfs_dirent *e,
		      struct inode *ndir, const char *nname)
{
	struct inode *ino = e->ino;
	int err = add_entry(ndir, nname, ino);

	if (err)
		return err;
	list_del(&e->node);
	free(e);
	odir->size -= BOGO_DIRENT;
	touch(odir, ATTR_MTIME | ATTR_CTIME);
	touch(ino, ATTR_CTIME);
	if (S_ISDIR(ino->mode) && odir != ndir) {
		odir->nlink--;
		ndir->nlink++;
		NODE(ino)->parent = ndir;
	}
	iput(ino);	/* add_entry took a new reference */
	return 0;
}

static void reparent(struct inode *ino, struct inode *from, struct inode *to)
{
	if (S_ISDIR(ino->mode) && from != to) {
		from->nlink--;
		to->nlink++;
		NODE(ino)->parent = to;
	}
}

static int tmpfs_rename(struct inode *odir, const char *oname,
			struct inode *ndir, const char *nname, unsigned flags)
{
	struct tmpfs_dirent *o = find(odir, oname), *n = find(ndir, nname);

	if (!o)
		return -ENOENT;
	if (o == n)
		return 0;
	if (flags & RENAME_EXCHANGE_) {
		struct inode *t;

		if (!n)
			return -ENOENT;
		t = o->ino;
		o->ino = n->ino;
		n->ino = t;
		reparent(n->ino, odir, ndir);
		reparent(o->ino, ndir, odir);
		touch(odir, ATTR_MTIME | ATTR_CTIME);
		touch(ndir, ATTR_MTIME | ATTR_CTIME);
		touch(o->ino, ATTR_CTIME);
		touch(n->ino, ATTR_CTIME);
		return 0;
	}
	if (n) {
		if (flags & RENAME_NOREPLACE_)
			return -EEXIST;
		if (S_ISDIR(n->ino->mode)) {
			if (!S_ISDIR(o->ino->mode))
				return -EISDIR;
			if (!dir_empty(n->ino))
				return -ENOTEMPTY;
		} else if (S_ISDIR(o->ino->mode)) {
			return -ENOTDIR;
		}
		drop_entry(ndir, n);
	}
	return move_entry(odir, o, ndir, nname);
}

static int tmpfs_readlink(struct inode *ino, char *buf, size_t size)
{
	const char *t = NODE(ino)->target;
	size_t len;

	if (!t)
		return -EINVAL;
	len = strlen(t);
	if (len > size)
		len = size;
	memcpy(buf, t, len);
	return len;
}

static int tmpfs_setattr(struct inode *ino, const struct iattr *a)
{
	if (a->valid & ATTR_SIZE) {
		if (!S_ISREG(ino->mode))
			return -EINVAL;
		truncate_to(ino, a->size);
	}
	inode_set_attrs(ino, a);
	return 0;
}

static ssize_t tmpfs_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (!S_ISREG(ino->mode))
		return -EINVAL;
	if (off >= ino->size)
		return 0;
	if (len > ino->size - off)
		len = ino->size - off;
	while (done < len) {
		uint64_t pos = off + done, po = pos % TPAGE;
		size_t n = TPAGE - po;
		char *page = page_get(NODE(ino), pos / TPAGE);

		if (n > len - done)
			n = len - done;
		if (page)
			memcpy((char *)buf + done, page + po, n);
		else
			memset((char *)buf + done, 0, n);
		done += n;
	}
	return done;
}

static ssize_t tmpfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (!S_ISREG(ino->mode))
		return -EINVAL;
	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EFBIG;
	while (done < len) {
		uint64_t pos = off + done, po = pos % TPAGE;
		size_t n = TPAGE - po;
		char *page = page_alloc(ino, pos / TPAGE);

		if (!page)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(page + po, (const char *)buf + done, n);
		done += n;
	}
	ino->blocks = NODE(ino)->npages * (TPAGE / 512);
	if (!done)
		return -ENOSPC;
	if (off + done > ino->size)
		ino->size = off + done;
	touch(ino, ATTR_MTIME | ATTR_CTIME);
	return done;
}

static int tmpfs_iterate(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx)
{
	struct tmpfs_node *d = NODE(dir);
	struct list *p;

	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct inode *parent = d->parent ? d->parent : dir;

		if (fill(ctx, "..", 2, parent->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	list_for_each(p, &d->entries) {
		struct tmpfs_dirent *e = list_entry(p, struct tmpfs_dirent, node);

		if (e->off < *pos)
			continue;
		if (fill(ctx, e->name, strlen(e->name), e->ino->ino,
			 dtype(e->ino->mode), e->off + 1))
			return 0;
		*pos = e->off + 1;
	}
	return 0;
}

static int tmpfs_fsync(struct inode *ino)
{
	return 0;
}

static int tmpfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!S_ISREG(ino->mode))
		return -ENODEV;
	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EFBIG;
	end = off + len;
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
		uint64_t first = (off + TPAGE - 1) / TPAGE, last = end / TPAGE;

		if (end > ino->size)
			end = ino->size;
		if (off >= end)
			return 0;
		if (first < last)
			free_pages_range(ino, first, last);
		zero_range(ino, off, (first * TPAGE < end ? first * TPAGE : end) - off);
		if (last * TPAGE > off && last * TPAGE < end)
			zero_range(ino, last * TPAGE, end - last * TPAGE);
		touch(ino, ATTR_MTIME | ATTR_CTIME);
		return 0;
	}
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	for (uint64_t p = off / TPAGE; p * TPAGE < end; p++) {
		if (!page_alloc(ino, p)) {
			ino->blocks = NODE(ino)->npages * (TPAGE / 512);
			return -ENOSPC;
		}
	}
	ino->blocks = NODE(ino)->npages * (TPAGE / 512);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size)
		ino->size = end;
	touch(ino, ATTR_CTIME);
	return 0;
}

static const struct inode_ops tmpfs_iops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.readlink = tmpfs_readlink,
	.setattr = tmpfs_setattr,
	.read = tmpfs_read,
	.write = tmpfs_write,
	.iterate = tmpfs_iterate,
	.fsync = tmpfs_fsync,
	.fallocate = tmpfs_fallocate,
};

/* ---- superblock -------------------------------------------------------------- */

static int tmpfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct tmpfs_sb *s = sb->priv;

	memset(st, 0, sizeof(*st));
	st->f_type = TMPFS_MAGIC;
	st->f_bsize = TPAGE;
	st->f_frsize = TPAGE;
	st->f_blocks = s->max_pages;
	st->f_bfree = st->f_bavail = s->max_pages - s->used_pages;
	st->f_files = s->max_inodes;
	st->f_ffree = s->max_inodes - s->used_inodes;
	st->f_namelen = 255;
	st->f_flags = sb->flags;
	st->f_fsid[0] = (int)sb->dev;
	return 0;
}

static int tmpfs_sync(struct super_block *sb)
{
	return 0;
}

static void tmpfs_evict(struct inode *ino)
{
	struct tmpfs_node *n = ino->priv;

	if (!n)
		return;
	free_pages_range(ino, 0, UINT64_MAX);
	free(n->target);
	free(n);
	ino->priv = NULL;
	SB(ino)->used_inodes--;
}

/* Drop every entry below dir (the tree's references), depth first. */
static void release_dir(struct inode *dir)
{
	struct tmpfs_node *d = NODE(dir);

	while (!list_empty(&d->entries)) {
		struct tmpfs_dirent *e = list_entry(d->entries.next,
						    struct tmpfs_dirent, node);
		struct inode *ino = e->ino;

		if (S_ISDIR(ino->mode))
			release_dir(ino);
		list_del(&e->node);
		free(e);
		iput(ino);
	}
}

static void tmpfs_put_super(struct super_block *sb)
{
	release_dir(sb->root);
	iput(sb->root);
	free(sb->priv);
	free(sb);
}

static void tmpfs_show_options(struct super_block *sb, char *buf, size_t len)
{
	struct tmpfs_sb *s = sb->priv;
	size_t n = 0;

	buf[0] = 0;
	if (s->size_given && n < len)
		n += snprintf(buf + n, len - n, ",size=%lluk",
			      (unsigned long long)s->max_pages * 4);
	if (s->root_mode != 01777 && n < len)
		n += snprintf(buf + n, len - n, ",mode=%o", (unsigned)s->root_mode);
	if (s->uid && n < len)
		n += snprintf(buf + n, len - n, ",uid=%u", (unsigned)s->uid);
	if (s->gid && n < len)
		snprintf(buf + n, len - n, ",gid=%u", (unsigned)s->gid);
}

static const struct super_ops tmpfs_sops = {
	.statfs = tmpfs_statfs,
	.sync = tmpfs_sync,
	.evict_inode = tmpfs_evict,
	.put_super = tmpfs_put_super,
	.show_options = tmpfs_show_options,
};

/* The guest's RAM (mem=), as Linux sizes tmpfs from totalram_pages. */
static uint64_t ram_bytes(void)
{
	return mm_limit();
}

/* A size: a number with an optional k/m/g/t suffix or a % of RAM. */
static int parse_size(const char *v, uint64_t *res)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	case 't': case 'T': n <<= 40; end++; break;
	case '%': n = ram_bytes() / 100 * n; end++; break;
	}
	if (end == v || *end)
		return -EINVAL;
	*res = n;
	return 0;
}

static int parse_options(struct tmpfs_sb *s, const char *data)
{
	char *copy, *opt, *save;
	int err = 0;

	if (!data || !*data)
		return 0;
	copy = strdup(data);
	if (!copy)
		return -ENOMEM;
	for (opt = strtok_r(copy, ",", &save); opt && !err;
	     opt = strtok_r(NULL, ",", &save)) {
		char *v = strchr(opt, '=');
		uint64_t n;

		if (v)
			*v++ = 0;
		if (!v)
			continue;	/* flags such as "rw" arrive here too */
		if (!strcmp(opt, "size")) {
			err = parse_size(v, &n);
			s->max_pages = (n + TPAGE - 1) / TPAGE;
			s->size_given = true;
		} else if (!strcmp(opt, "nr_inodes")) {
			err = parse_size(v, &n);
			s->max_inodes = n;
		} else if (!strcmp(opt, "mode")) {
			s->root_mode = strtoul(v, NULL, 8) & 07777;
		} else if (!strcmp(opt, "uid")) {
			s->uid = strtoul(v, NULL, 0);
		} else if (!strcmp(opt, "gid")) {
			s->gid = strtoul(v, NULL, 0);
		}
	}
	free(copy);
	return err;
}

static int tmpfs_mount(const struct fs_type *type, dev_t dev, const char *source,
		       unsigned long flags, const char *data, struct super_block **res)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct tmpfs_sb *s = calloc(1, sizeof(*s));
	struct inode *root;
	int err = -ENOMEM;

	if (!sb || !s)
		goto fail;
	s->next_ino = 1;
	s->max_pages = ram_bytes() / 2 / TPAGE;
	s->max_inodes = s->max_pages / 2 > 1024 ? s->max_pages / 2 : 1024;
	s->root_mode = 01777;
	err = parse_options(s, data);
	if (err)
		goto fail;
	sb->type = type;
	sb->op = &tmpfs_sops;
	sb->priv = s;
	sb->dev = new_anon_dev();
	sb->flags = flags & SB_RDONLY;
	err = new_inode(sb, S_IFDIR | s->root_mode, s->uid, s->gid, &root);
	if (err)
		goto fail;
	sb->root = root;
	*res = sb;
	return 0;
fail:
	free(s);
	free(sb);
	return err;
}

static struct fs_type tmpfs_type = {
	.name = "tmpfs",
	.mount = tmpfs_mount,
};

int tmpfs_init(void)
{
	register_filesystem(&tmpfs_type);
	return 0;
}
