/* devtmpfs: a tmpfs superblock filled with the standard device nodes, so
 * users can also add their own files to /dev. There is one instance, shared
 * by every mount, like Linux's. Drivers that find units at boot (the block
 * layer) add nodes with devfs_add_node, before or after the first mount. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs/vfs.h"
#include "fs/devfs.h"
#include "lib/log.h"

/* Nodes drivers added, kept so every fresh instance gets them. */
struct devfs_extra {
	struct list node;
	mode_t mode;
	dev_t rdev;
	char name[];
};

static struct list extra_nodes = LIST_INIT(extra_nodes);
static struct super_block *devfs_sb;
static const struct super_ops *tmpfs_sops;
static struct super_ops devfs_sops;

struct devfs_node {
	const char *name;
	mode_t mode;
	unsigned major, minor;
};

static const struct devfs_node std_nodes[] = {
	{ "null",    S_IFCHR | 0666, 1, 3 },
	{ "zero",    S_IFCHR | 0666, 1, 5 },
	{ "full",    S_IFCHR | 0666, 1, 7 },
	{ "random",  S_IFCHR | 0666, 1, 8 },
	{ "urandom", S_IFCHR | 0666, 1, 9 },
	{ "kmsg",    S_IFCHR | 0644, 1, 11 },
	{ "tty",     S_IFCHR | 0666, 5, 0 },
	{ "console", S_IFCHR | 0600, 5, 1 },
	{ "ptmx",    S_IFCHR | 0666, 5, 2 },
};

static const struct { const char *name, *target; } std_links[] = {
	{ "fd",     "/proc/self/fd" },
	{ "stdin",  "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

static const struct { const char *name; mode_t mode; } std_dirs[] = {
	{ "pts", 0755 },
	{ "shm", 01777 },
};

/* The entry name in dir, with a reference, or NULL. */
static struct inode *child(struct inode *dir, const char *name)
{
	struct inode *res = NULL;

	if (!dir->op || !dir->op->lookup || dir->op->lookup(dir, name, &res) < 0)
		return NULL;
	return res;
}

/* Walk to the directory holding the last component of name, making
 * missing directories; *leaf points into name. Returns a reference. */
static struct inode *parent_dir(struct super_block *sb, const char *name,
				const char **leaf, int *err)
{
	struct inode *dir = iget(sb->root);
	const char *p = name, *slash;
	char comp[256];

	while ((slash = strchr(p, '/'))) {
		size_t n = slash - p;
		struct inode *sub;

		if (!n || n >= sizeof(comp)) {
			iput(dir);
			*err = -EINVAL;
			return NULL;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		sub = child(dir, comp);
		if (!sub && dir->op->mkdir) {
			*err = dir->op->mkdir(dir, comp, S_IFDIR | 0755, 0, 0, &sub);
			if (*err < 0) {
				iput(dir);
				return NULL;
			}
		}
		iput(dir);
		if (!sub || !S_ISDIR(sub->mode)) {
			iput(sub);
			*err = -ENOTDIR;
			return NULL;
		}
		dir = sub;
		p = slash + 1;
	}
	*leaf = p;
	return dir;
}

static int make_node(struct super_block *sb, const char *name, mode_t mode, dev_t rdev)
{
	const char *leaf;
	struct inode *dir, *old, *res = NULL;
	int err = 0;

	dir = parent_dir(sb, name, &leaf, &err);
	if (!dir)
		return err;
	if (!*leaf || strlen(leaf) > 255) {
		err = -EINVAL;
	} else if ((old = child(dir, leaf))) {
		iput(old);
		err = -EEXIST;
	} else if (!dir->op->create) {
		err = -EPERM;
	} else {
		err = dir->op->create(dir, leaf, mode, rdev, 0, 0, &res);
		if (!err)
			iput(res);
	}
	iput(dir);
	return err;
}

static void make_dir(struct super_block *sb, const char *name, mode_t mode)
{
	struct inode *dir = sb->root, *res = NULL, *old;

	if ((old = child(dir, name))) {
		iput(old);
		return;
	}
	if (dir->op->mkdir && dir->op->mkdir(dir, name, S_IFDIR | mode, 0, 0, &res) == 0)
		iput(res);
}

static void make_link(struct super_block *sb, const char *name, const char *target)
{
	struct inode *dir = sb->root, *res = NULL, *old;

	if ((old = child(dir, name))) {
		iput(old);
		return;
	}
	if (dir->op->symlink && dir->op->symlink(dir, name, target, 0, 0, &res) == 0)
		iput(res);
}

static void populate(struct super_block *sb)
{
	char name[16];
	struct list *pos;
	size_t i;

	for (i = 0; i < sizeof(std_nodes) / sizeof(std_nodes[0]); i++)
		make_node(sb, std_nodes[i].name, std_nodes[i].mode,
			  makedev(std_nodes[i].major, std_nodes[i].minor));
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "tty%zu", i);
		make_node(sb, name, S_IFCHR | 0620, makedev(4, i));
	}
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "ttyS%zu", i);
		make_node(sb, name, S_IFCHR | 0660, makedev(4, 64 + i));
	}
	for (i = 0; i < sizeof(std_dirs) / sizeof(std_dirs[0]); i++)
		make_dir(sb, std_dirs[i].name, std_dirs[i].mode);
	for (i = 0; i < sizeof(std_links) / sizeof(std_links[0]); i++)
		make_link(sb, std_links[i].name, std_links[i].target);

	list_for_each(pos, &extra_nodes) {
		struct devfs_extra *n = list_entry(pos, struct devfs_extra, node);
		int err = make_node(sb, n->name, n->mode, n->rdev);

		if (err < 0 && err != -EEXIST)
			printk("devtmpfs: cannot create /dev/%s: %s\n", n->name, strerror(-err));
	}
}

static void devfs_put_super(struct super_block *sb)
{
	if (sb == devfs_sb)
		devfs_sb = NULL;
	if (tmpfs_sops && tmpfs_sops->put_super)
		tmpfs_sops->put_super(sb);
}

static int devfs_mount(const struct fs_type *type, dev_t dev, const char *source,
		       unsigned long flags, const char *data, struct super_block **res)
{
	const struct fs_type *tmpfs;
	struct super_block *sb;
	int err;

	if (devfs_sb) {
		*res = devfs_sb;
		return 0;
	}
	tmpfs = find_filesystem("tmpfs");
	if (!tmpfs)
		return -ENODEV;
	err = tmpfs->mount(tmpfs, 0, source, flags, NULL, &sb);
	if (err < 0)
		return err;
	/* Our own copy of the tmpfs operations, to hear about the end. */
	tmpfs_sops = sb->op;
	if (tmpfs_sops)
		devfs_sops = *tmpfs_sops;
	devfs_sops.put_super = devfs_put_super;
	sb->op = &devfs_sops;
	sb->type = type;
	sb->root->mode = S_IFDIR | 0755;
	populate(sb);
	devfs_sb = sb;
	*res = sb;
	return 0;
}

static struct fs_type devfs_type = {
	.name = "devtmpfs",
	.mount = devfs_mount,
};

int devfs_add_node(const char *name, mode_t mode, dev_t rdev)
{
	struct devfs_extra *n;
	struct list *pos;

	if (!name || !*name || name[0] == '/' || strlen(name) > 255)
		return -EINVAL;
	list_for_each(pos, &extra_nodes) {
		n = list_entry(pos, struct devfs_extra, node);
		if (!strcmp(n->name, name))
			return -EEXIST;
	}
	n = malloc(sizeof(*n) + strlen(name) + 1);
	if (!n)
		return -ENOMEM;
	n->mode = mode;
	n->rdev = rdev;
	strcpy(n->name, name);
	list_add_tail(&n->node, &extra_nodes);
	return devfs_sb ? make_node(devfs_sb, name, mode, rdev) : 0;
}

/* A device went away (a partition table changed): forget the node and
 * unlink it from a mounted devtmpfs. */
int devfs_remove_node(const char *name)
{
	struct list *pos, *tmp;
	struct inode *dir;
	const char *leaf;
	int err = -ENOENT;

	list_for_each_safe(pos, tmp, &extra_nodes) {
		struct devfs_extra *n = list_entry(pos, struct devfs_extra, node);
		if (!strcmp(n->name, name)) {
			list_del(&n->node);
			free(n);
			err = 0;
		}
	}
	if (!devfs_sb)
		return err;
	dir = parent_dir(devfs_sb, name, &leaf, &err);
	if (!dir)
		return err;
	err = dir->op->unlink ? dir->op->unlink(dir, leaf) : -EPERM;
	iput(dir);
	return err;
}

int devfs_init(void)
{
	register_filesystem(&devfs_type);
	return 0;
}
