/* devpts: a directory of "ptmx" and one character device per live pty
 * slave. The names change behind the VFS's back (a master opens or
 * closes), so the superblock has dcache_off and every walk asks lookup.
 * Owners and modes are kept here per index, not in the inodes, which the
 * cache may drop while nobody holds them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs/devpts.h"
#include "fs/vfs.h"
#include "lib/ktime.h"
#include "tty/tty.h"

#define DEVPTS_SUPER_MAGIC	0x1cd1
#define INO_ROOT		1
#define INO_PTMX		2
#define INO_SLAVE(n)		((uint64_t)(n) + 3)

struct devpts_attr {
	uid_t uid;
	gid_t gid;
	mode_t mode;			/* permission bits only */
	struct timespec atime, mtime, ctime;
};

struct devpts_entry {
	bool used;			/* the index is taken */
	bool visible;			/* /dev/pts/N exists */
	struct devpts_attr attr;
};

struct devpts_opts {
	bool setuid, setgid;
	uid_t uid;
	gid_t gid;
	mode_t mode, ptmxmode;
	int max;
};

static struct devpts_entry entries[TTY_NR_PTYS];
static struct devpts_attr ptmx_attr;
static struct devpts_opts opts = { .mode = 0600, .ptmxmode = 0, .max = TTY_NR_PTYS };
static struct super_block *devpts_sb;
static const struct inode_ops devpts_iops;

/* ---- the index space ------------------------------------------------------ */

int devpts_new_index(void)
{
	for (int i = 0; i < opts.max; i++) {
		if (!entries[i].used) {
			entries[i].used = true;
			return i;
		}
	}
	return -ENOSPC;
}

void devpts_kill_index(int index)
{
	if (index >= 0 && index < TTY_NR_PTYS)
		memset(&entries[index], 0, sizeof(entries[index]));
}

static void attr_now(struct devpts_attr *a)
{
	a->atime = a->mtime = a->ctime = ktime_real();
}

void devpts_pty_new(int index, const struct cred *cred)
{
	struct devpts_entry *e = &entries[index];

	e->visible = true;
	e->attr.uid = opts.setuid ? opts.uid : cred->fsuid;
	e->attr.gid = opts.setgid ? opts.gid : cred->fsgid;
	e->attr.mode = opts.mode;
	attr_now(&e->attr);
}

void devpts_pty_kill(int index)
{
	struct inode *ino;

	entries[index].visible = false;
	/* An open slave keeps its inode: it is unlinked now. */
	if (devpts_sb && (ino = iget_cached(devpts_sb, INO_SLAVE(index)))) {
		ino->nlink = 0;
		iput(ino);
	}
}

/* ---- inodes ------------------------------------------------------------ */

static void fill_inode(struct inode *i, mode_t type, const struct devpts_attr *a)
{
	i->mode = type | a->mode;
	i->uid = a->uid;
	i->gid = a->gid;
	i->atime = a->atime;
	i->mtime = a->mtime;
	i->ctime = a->ctime;
}

/* The inode for ino, cached or new, its attributes refreshed. */
static struct inode *devpts_inode(struct super_block *sb, uint64_t ino)
{
	struct inode *i = iget_cached(sb, ino);
	bool fresh = !i;

	if (!i) {
		i = inode_new(sb, ino);
		if (!i)
			return NULL;
		i->op = &devpts_iops;
		i->nlink = 1;
	}
	if (ino == INO_ROOT) {
		if (fresh) {
			struct devpts_attr a = { .mode = 0755 };

			attr_now(&a);
			fill_inode(i, S_IFDIR, &a);
			i->nlink = 2;
		}
	} else if (ino == INO_PTMX) {
		fill_inode(i, S_IFCHR, &ptmx_attr);
		i->rdev = makedev(TTYAUX_MAJOR, 2);
	} else {
		int n = ino - INO_SLAVE(0);

		fill_inode(i, S_IFCHR, &entries[n].attr);
		i->rdev = makedev(PTY_SLAVE_MAJOR, n);
		i->nlink = 1;
	}
	return i;
}

/* "N" without leading zeros naming a visible slave, else -1. */
static int slave_index(const char *name)
{
	int n = 0;

	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (const char *s = name; *s; s++) {
		if (*s < '0' || *s > '9' || n >= TTY_NR_PTYS)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n < TTY_NR_PTYS && entries[n].visible ? n : -1;
}

static int devpts_lookup(struct inode *dir, const char *name, struct inode **res)
{
	uint64_t ino;
	int n;

	if (dir->ino != INO_ROOT)
		return -ENOTDIR;
	if (!strcmp(name, "ptmx")) {
		ino = INO_PTMX;
	} else {
		n = slave_index(name);
		if (n < 0)
			return -ENOENT;
		ino = INO_SLAVE(n);
	}
	*res = devpts_inode(dir->sb, ino);
	return *res ? 0 : -ENOMEM;
}

/* Positions: 0 ".", 1 "..", 2 "ptmx", 3 + N slave N. */
static int devpts_iterate(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx)
{
	char name[16];

	if (dir->ino != INO_ROOT)
		return -ENOTDIR;
	if (*pos == 0) {
		if (fill(ctx, ".", 1, INO_ROOT, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (fill(ctx, "..", 2, INO_ROOT, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	if (*pos == 2) {
		if (fill(ctx, "ptmx", 4, INO_PTMX, DT_CHR, 3))
			return 0;
		*pos = 3;
	}
	for (uint64_t n = *pos - 3; n < TTY_NR_PTYS; n++) {
		if (!entries[n].visible)
			continue;
		int len = snprintf(name, sizeof(name), "%d", (int)n);

		if (fill(ctx, name, len, INO_SLAVE(n), DT_CHR, n + 4))
			return 0;
		*pos = n + 4;
	}
	return 0;
}

/* chown and chmod (glibc's and musl's grantpt may call them) stick for
 * the pty's life. */
static int devpts_setattr(struct inode *ino, const struct iattr *a)
{
	struct devpts_attr *stored = NULL;

	if (a->valid & ATTR_SIZE)
		return -EINVAL;
	if (ino->ino == INO_PTMX)
		stored = &ptmx_attr;
	else if (ino->ino >= INO_SLAVE(0) && ino->ino < INO_SLAVE(TTY_NR_PTYS) &&
		 entries[ino->ino - INO_SLAVE(0)].visible && ino->nlink)
		stored = &entries[ino->ino - INO_SLAVE(0)].attr;
	inode_set_attrs(ino, a);
	if (stored) {
		stored->mode = ino->mode & 07777;
		stored->uid = ino->uid;
		stored->gid = ino->gid;
		stored->atime = ino->atime;
		stored->mtime = ino->mtime;
		stored->ctime = ino->ctime;
	}
	return 0;
}

static const struct inode_ops devpts_iops = {
	.lookup = devpts_lookup,
	.iterate = devpts_iterate,
	.setattr = devpts_setattr,
};

/* ---- superblock ------------------------------------------------------------ */

static int devpts_statfs(struct super_block *sb, struct kstatfs *st)
{
	statfs_virtual(sb, st, DEVPTS_SUPER_MAGIC);
	return 0;
}

static int devpts_sync(struct super_block *sb)
{
	return 0;
}

static void devpts_put_super(struct super_block *sb)
{
	if (sb == devpts_sb)
		devpts_sb = NULL;
	iput(sb->root);
	free(sb);
}

/* As Linux shows them: gid= only when set, mode and ptmxmode always. */
static void devpts_show_options(struct super_block *sb, char *buf, size_t len)
{
	int n = 0;

	if (opts.setuid)
		n += snprintf(buf + n, len - n, ",uid=%u", (unsigned)opts.uid);
	if (opts.setgid && n < (int)len)
		n += snprintf(buf + n, len - n, ",gid=%u", (unsigned)opts.gid);
	if (n < (int)len)
		n += snprintf(buf + n, len - n, ",mode=%03o,ptmxmode=%03o",
			      (unsigned)opts.mode, (unsigned)opts.ptmxmode);
	if (opts.max < TTY_NR_PTYS && n < (int)len)
		snprintf(buf + n, len - n, ",max=%d", opts.max);
}

static const struct super_ops devpts_sops = {
	.statfs = devpts_statfs,
	.sync = devpts_sync,
	.put_super = devpts_put_super,
	.show_options = devpts_show_options,
};

static bool parse_num(const char *s, int base, unsigned long max, unsigned long *res)
{
	char *end;

	if (!*s)
		return false;
	*res = strtoul(s, &end, base);
	return !*end && *s != '-' && *res <= max;
}

/* uid=, gid=, mode=, ptmxmode=, max=, newinstance; -EINVAL otherwise. */
static int parse_options(const char *data, struct devpts_opts *o)
{
	char buf[256], *tok, *save, *val;
	unsigned long v;

	*o = (struct devpts_opts){ .mode = 0600, .ptmxmode = 0, .max = TTY_NR_PTYS };
	if (!data)
		return 0;
	if (strlen(data) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, data);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val)
			*val++ = 0;
		if (!strcmp(tok, "newinstance") && !val)
			continue;
		if (!val)
			return -EINVAL;
		if (!strcmp(tok, "uid") && parse_num(val, 10, 0xfffffffeUL, &v)) {
			o->uid = v;
			o->setuid = true;
		} else if (!strcmp(tok, "gid") && parse_num(val, 10, 0xfffffffeUL, &v)) {
			o->gid = v;
			o->setgid = true;
		} else if (!strcmp(tok, "mode") && parse_num(val, 8, 07777, &v)) {
			o->mode = v & 0777;
		} else if (!strcmp(tok, "ptmxmode") && parse_num(val, 8, 07777, &v)) {
			o->ptmxmode = v & 0777;
		} else if (!strcmp(tok, "max") && parse_num(val, 10, 0x7fffffffUL, &v)) {
			o->max = v < TTY_NR_PTYS ? (int)v : TTY_NR_PTYS;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* Every mount shares the one instance; its options become the current
 * ones (for ptys made from now on, and ptmx). */
static int devpts_mount(const struct fs_type *type, dev_t dev, const char *source,
			unsigned long flags, const char *data, struct super_block **res)
{
	struct devpts_opts o;
	struct super_block *sb;
	int err = parse_options(data, &o);

	if (err)
		return err;
	opts = o;
	ptmx_attr.mode = opts.ptmxmode;
	if (devpts_sb) {
		*res = devpts_sb;
		return 0;
	}
	attr_now(&ptmx_attr);
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->type = type;
	sb->op = &devpts_sops;
	sb->dev = new_anon_dev();
	sb->flags = flags & SB_RDONLY;
	sb->dcache_off = true;
	sb->root = devpts_inode(sb, INO_ROOT);
	if (!sb->root) {
		free(sb);
		return -ENOMEM;
	}
	devpts_sb = sb;
	*res = sb;
	return 0;
}

static struct fs_type devpts_type = {
	.name = "devpts",
	.mount = devpts_mount,
};

int devpts_init(void)
{
	register_filesystem(&devpts_type);
	return 0;
}
