/* Filesystem types, anonymous device numbers and the device driver
 * registry (major number -> file_ops). */
#include <string.h>
#include <errno.h>
#include <sys/sysmacros.h>
#include "fs/vfs.h"

static struct list fs_types = LIST_INIT(fs_types);
static unsigned next_anon_minor = 16;

static const struct file_ops *chrdevs[MAX_DEV_MAJOR];
static const struct file_ops *blkdevs[MAX_DEV_MAJOR];
static const struct file_ops *fifo_fops;

void register_filesystem(struct fs_type *type)
{
	if (find_filesystem(type->name))
		return;
	list_add_tail(&type->node, &fs_types);
}

const struct fs_type *find_filesystem(const char *name)
{
	struct list *pos;

	if (!name)
		return NULL;
	list_for_each(pos, &fs_types) {
		struct fs_type *t = list_entry(pos, struct fs_type, node);
		if (!strcmp(t->name, name))
			return t;
	}
	return NULL;
}

dev_t new_anon_dev(void)
{
	return makedev(0, next_anon_minor++);
}

static int register_dev(const struct file_ops **table, unsigned major,
			const struct file_ops *fops)
{
	if (major >= MAX_DEV_MAJOR)
		return -EINVAL;
	if (table[major] && table[major] != fops)
		return -EBUSY;
	table[major] = fops;
	return 0;
}

int register_chrdev(unsigned major, const struct file_ops *fops)
{
	return register_dev(chrdevs, major, fops);
}

int register_blkdev(unsigned major, const struct file_ops *fops)
{
	return register_dev(blkdevs, major, fops);
}

const struct file_ops *chrdev_fops(dev_t rdev)
{
	return major(rdev) < MAX_DEV_MAJOR ? chrdevs[major(rdev)] : NULL;
}

const struct file_ops *blkdev_fops(dev_t rdev)
{
	return major(rdev) < MAX_DEV_MAJOR ? blkdevs[major(rdev)] : NULL;
}

void register_fifo_fops(const struct file_ops *fops)
{
	fifo_fops = fops;
}

const struct file_ops *vfs_fifo_fops(void)
{
	return fifo_fops;
}
