/* The guest's view of a ubd unit: the block device /dev/ubdX (major 98)
 * with read/write/llseek/fsync and the usual block ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/fs.h>
#include <linux/hdreg.h>
#include "block/ubd.h"
#include "block/bcache.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "lib/log.h"
#include "mm/uaccess.h"
#include "task/task.h"

#define UBD_HEADS	128
#define UBD_SECTORS	32

static bool ubd_ready;

/* f->priv holds unit + 1 from open on. */
static int file_unit(struct file *f)
{
	return (int)(uintptr_t)f->priv - 1;
}

static int ubd_open(struct inode *ino, struct file *f)
{
	int unit = ubd_unit_of(ino->rdev);

	if (unit < 0 || minor(ino->rdev) % 16 || !ubd_configured(unit))
		return -ENXIO;
	if ((f->flags & O_ACCMODE) != O_RDONLY && ubd_readonly(unit))
		return -EROFS;
	f->priv = (void *)(uintptr_t)(unit + 1);
	ubd_get(unit);
	return 0;
}

static void ubd_release(struct file *f)
{
	ubd_put(file_unit(f));
}

static ssize_t ubd_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	int unit = file_unit(f);
	uint64_t size = ubd_size(unit);
	int ret;

	if (*pos >= size)
		return 0;
	if (len > size - *pos)
		len = size - *pos;
	ret = ubd_read(unit, *pos, buf, len);
	if (ret < 0)
		return ret;
	*pos += len;
	return len;
}

static ssize_t ubd_file_write(struct file *f, const void *buf, size_t len,
			      uint64_t *pos)
{
	int unit = file_unit(f);
	uint64_t size = ubd_size(unit);
	int ret;

	if (ubd_readonly(unit))
		return -EPERM;
	if (!len)
		return 0;
	if (*pos >= size)
		return -ENOSPC;
	if (len > size - *pos)
		len = size - *pos;
	ret = ubd_write(unit, *pos, buf, len);
	if (ret < 0)
		return ret;
	*pos += len;
	return len;
}

static int64_t ubd_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = ubd_size(file_unit(f));
		break;
	default:
		return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static int ubd_fsync(struct file *f)
{
	return ubd_flush(file_unit(f));
}

static long put_int(uint64_t arg, int v)
{
	return copy_to_user(current, arg, &v, sizeof(v));
}

/* The largest power of two up to 4096 dividing the size (Linux's default
 * block size of a block device). */
static int default_block_size(uint64_t size)
{
	int bs = 4096;

	while (bs > 512 && size % bs)
		bs /= 2;
	return bs;
}

static long ubd_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	int unit = file_unit(f);
	uint64_t size = ubd_size(unit);

	switch (cmd) {
	case BLKGETSIZE64:
		return copy_to_user(current, arg, &size, sizeof(size));
	case BLKGETSIZE: {
		unsigned long sectors = size / 512;
		return copy_to_user(current, arg, &sectors, sizeof(sectors));
	}
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKIOMIN:
		return put_int(arg, 512);
	case BLKIOOPT:
	case BLKALIGNOFF:
	case BLKDISCARDZEROES:
		return put_int(arg, 0);
	case BLKBSZGET:
		return put_int(arg, default_block_size(size));
	case BLKROGET:
		return put_int(arg, ubd_readonly(unit));
	case BLKFLSBUF: {
		int ret = ubd_flush(unit);
		if (ret == 0)
			bcache_invalidate(unit);
		return ret;
	}
	case BLKRRPART:
		return -EINVAL;		/* no partition tables yet */
	case HDIO_GETGEO: {
		struct hd_geometry geo = {
			.heads = UBD_HEADS,
			.sectors = UBD_SECTORS,
			.cylinders = size / (UBD_HEADS * UBD_SECTORS * 512),
			.start = 0,
		};
		return copy_to_user(current, arg, &geo, sizeof(geo));
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_ops ubd_fops = {
	.open = ubd_open,
	.read = ubd_file_read,
	.write = ubd_file_write,
	.llseek = ubd_llseek,
	.ioctl = ubd_ioctl,
	.fsync = ubd_fsync,
	.release = ubd_release,
};

void ubd_publish(int unit)
{
	char name[8];
	int ret;

	if (!ubd_ready || !ubd_configured(unit))
		return;
	snprintf(name, sizeof(name), "ubd%c", 'a' + unit);
	ret = devfs_add_node(name, S_IFBLK | 0660, ubd_devt(unit));
	if (ret < 0 && ret != -EEXIST)
		printk_level(KERN_ERR, "ubd: cannot create /dev/%s: errno = %d\n",
			     name, -ret);
}

int ubd_init(void)
{
	int ret = register_blkdev(UBD_MAJOR, &ubd_fops);

	if (ret < 0)
		return ret;
	ubd_ready = true;
	ubd_publish_hook = ubd_publish;
	for (int unit = 0; unit < UBD_MAX; unit++)
		ubd_publish(unit);
	return 0;
}
