/* The guest's view of a ubd unit: the block device /dev/ubdX (major 98)
 * and its partitions /dev/ubdXN (minor unit*16 + N), with read/write/
 * llseek/fsync and the usual block ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/fs.h>
#include <linux/hdreg.h>
#include "block/ubd.h"
#include "block/bcache.h"
#include "block/partition.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "lib/log.h"
#include "mm/uaccess.h"
#include "task/task.h"

#define UBD_HEADS	128
#define UBD_SECTORS	32

static bool ubd_ready;

/* Partition state of each unit. A table changes only while none of its
 * partitions is open, so an open partition's extent is fixed. */
struct ubd_disk {
	struct part_table pt;
	int disk_opens;			/* opens of the whole disk */
	int part_opens;			/* opens of its partitions */
	bool written;			/* whole disk written since the last scan */
};

static struct ubd_disk disks[UBD_MAX];

/* Devfs learns to remove nodes later; until then a vanished partition's
 * node stays and opening it is -ENXIO. */

/* f->priv holds minor + 1 from open on. */
static int file_minor(struct file *f)
{
	return (int)(uintptr_t)f->priv - 1;
}

static int file_unit(struct file *f)
{
	return file_minor(f) / 16;
}

static int file_part(struct file *f)
{
	return file_minor(f) % 16;
}

int ubd_dev_extent(dev_t dev, int *unit, uint64_t *start, uint64_t *len)
{
	int u = ubd_unit_of(dev), part = minor(dev) % 16;

	if (u < 0 || !ubd_configured(u))
		return -ENXIO;
	*unit = u;
	if (!part) {
		*start = 0;
		*len = ubd_size(u);
		return 0;
	}
	if (!disks[u].pt.p[part].nsect)
		return -ENXIO;
	*start = disks[u].pt.p[part].start * PART_SECTOR;
	*len = disks[u].pt.p[part].nsect * PART_SECTOR;
	return 0;
}

/* Byte extent of an open file's device. */
static void file_extent(struct file *f, uint64_t *start, uint64_t *len)
{
	int unit;

	if (ubd_dev_extent(makedev(UBD_MAJOR, file_minor(f)), &unit, start, len) < 0)
		*start = *len = 0;
}

static void part_name(int unit, int part, char *buf, size_t len)
{
	if (part)
		snprintf(buf, len, "ubd%c%d", 'a' + unit, part);
	else
		snprintf(buf, len, "ubd%c", 'a' + unit);
}

size_t ubd_partitions_text(char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "major minor  #blocks  name\n\n");

	for (int u = 0; u < UBD_MAX && used < len; u++) {
		for (int part = 0; part < 16 && used < len; part++) {
			uint64_t start, size;
			int unit;
			char name[16];

			if (ubd_dev_extent(makedev(UBD_MAJOR, u * 16 + part), &unit, &start, &size) < 0)
				continue;
			part_name(u, part, name, sizeof(name));
			used += snprintf(buf + used, len - used, "%4d %7d %10llu %s\n", UBD_MAJOR,
					 u * 16 + part, (unsigned long long)(size / 1024), name);
		}
	}
	return used < len ? used : len - 1;
}

static void add_node(int unit, int part)
{
	char name[16];
	int ret;

	part_name(unit, part, name, sizeof(name));
	ret = devfs_add_node(name, S_IFBLK | 0660, makedev(UBD_MAJOR, unit * 16 + part));
	if (ret < 0 && ret != -EEXIST)
		printk_level(KERN_ERR, "ubd: cannot create /dev/%s: errno = %d\n",
			     name, -ret);
	/* The disk also answers to its number, as on the command line. */
	if (part == 0) {
		snprintf(name, sizeof(name), "ubd%d", unit);
		devfs_add_node(name, S_IFBLK | 0660, makedev(UBD_MAJOR, unit * 16));
	}
}

static int scan_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return ubd_read((int)(intptr_t)ctx, off, buf, len);
}

/* Read the table, then make /dev match it. A table that cannot be read
 * counts as none. */
static int scan(int unit)
{
	struct ubd_disk *d = &disks[unit];
	struct part_table pt;
	char name[16];
	int ret;

	part_name(unit, 0, name, sizeof(name));
	ret = part_scan(name, ubd_size(unit), scan_read, (void *)(intptr_t)unit, &pt);
	if (ret < 0)
		printk_level(KERN_ERR, "%s: cannot read the partition table: errno = %d\n",
			     name, -ret);
	for (int n = 1; n <= PART_MAX; n++) {
		if (d->pt.p[n].nsect && !pt.p[n].nsect) {
			part_name(unit, n, name, sizeof(name));
			devfs_remove_node(name);
		}
	}
	d->pt = pt;
	d->written = false;
	if (ubd_ready)
		for (int n = 1; n <= PART_MAX; n++)
			if (pt.p[n].nsect)
				add_node(unit, n);
	return ret < 0 ? ret : 0;
}

int ubd_rescan(int unit)
{
	if (unit < 0 || unit >= UBD_MAX || !ubd_configured(unit))
		return -ENXIO;
	if (disks[unit].part_opens)
		return -EBUSY;
	return scan(unit);
}

int ubd_dev_get(dev_t dev)
{
	int unit;
	uint64_t start, len;

	if (ubd_dev_extent(dev, &unit, &start, &len) < 0)
		return -ENXIO;
	ubd_get(unit);
	if (minor(dev) % 16)
		disks[unit].part_opens++;
	else
		disks[unit].disk_opens++;
	return 0;
}

void ubd_dev_put(dev_t dev)
{
	int unit = ubd_unit_of(dev);

	if (unit < 0)
		return;
	if (minor(dev) % 16)
		disks[unit].part_opens--;
	else
		disks[unit].disk_opens--;
	ubd_put(unit);
}

static int ubd_open(struct inode *ino, struct file *f)
{
	int unit = ubd_unit_of(ino->rdev);
	int ret;

	if (unit < 0 || !ubd_configured(unit))
		return -ENXIO;
	if ((f->flags & O_ACCMODE) != O_RDONLY && ubd_readonly(unit))
		return -EROFS;
	ret = ubd_dev_get(ino->rdev);
	if (ret < 0)
		return ret;
	f->priv = (void *)(uintptr_t)(minor(ino->rdev) + 1);
	return 0;
}

/* Like udev after a partitioning tool closes the disk, re-read the table
 * when the last writer of the whole disk goes. */
static void ubd_release(struct file *f)
{
	int unit = file_unit(f);
	struct ubd_disk *d = &disks[unit];

	ubd_dev_put(makedev(UBD_MAJOR, file_minor(f)));
	if (!file_part(f) && !d->disk_opens && d->written && !d->part_opens &&
	    ubd_configured(unit))
		scan(unit);
}

static ssize_t ubd_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	uint64_t start, size;
	int ret;

	file_extent(f, &start, &size);
	if (*pos >= size)
		return 0;
	if (len > size - *pos)
		len = size - *pos;
	ret = ubd_read(file_unit(f), start + *pos, buf, len);
	if (ret < 0)
		return ret;
	*pos += len;
	return len;
}

static ssize_t ubd_file_write(struct file *f, const void *buf, size_t len,
			      uint64_t *pos)
{
	int unit = file_unit(f);
	uint64_t start, size;
	int ret;

	if (ubd_readonly(unit))
		return -EROFS;
	if (!len)
		return 0;
	file_extent(f, &start, &size);
	if (*pos >= size)
		return -ENOSPC;
	if (len > size - *pos)
		len = size - *pos;
	ret = ubd_write(unit, start + *pos, buf, len);
	if (ret < 0)
		return ret;
	if (!file_part(f))
		disks[unit].written = true;
	*pos += len;
	return len;
}

static int64_t ubd_llseek(struct file *f, int64_t off, int whence)
{
	uint64_t start, size;

	file_extent(f, &start, &size);
	return llseek_in_size(f, off, whence, size);
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

static bool admin(void)
{
	return current && current->proc->cred.euid == 0;
}

/* BLKDISCARD, BLKZEROOUT, BLKSECDISCARD: a {start, length} pair in bytes
 * relative to the opened disk or partition, checked in Linux's order. */
static long ubd_trim_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	int unit = file_unit(f);
	uint64_t range[2], start, size;
	long ret;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (cmd == BLKSECDISCARD)
		return -EOPNOTSUPP;	/* no secure erase on a host file */
	if (cmd == BLKDISCARD && !ubd_can_discard(unit))
		return -EOPNOTSUPP;
	ret = copy_from_user(current, range, arg, sizeof(range));
	if (ret < 0)
		return ret;
	file_extent(f, &start, &size);
	if (!range[1] || (range[0] | range[1]) % 512 || range[0] > size ||
	    range[1] > size - range[0])
		return -EINVAL;
	if (cmd == BLKDISCARD)
		ret = ubd_discard(unit, start + range[0], range[1]);
	else
		ret = ubd_zeroout(unit, start + range[0], range[1]);
	if (ret == 0 && !file_part(f))
		disks[unit].written = true;
	return ret;
}

static long ubd_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	int unit = file_unit(f);
	uint64_t start, size;

	file_extent(f, &start, &size);
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
		int ret;

		if (!admin())
			return -EACCES;
		ret = ubd_flush(unit);
		if (ret == 0)
			bcache_invalidate(unit);
		return ret;
	}
	case BLKRRPART:
		if (!admin())
			return -EACCES;
		if (file_part(f))
			return -EINVAL;
		return ubd_rescan(unit);
	case BLKDISCARD:
	case BLKZEROOUT:
	case BLKSECDISCARD:
		return ubd_trim_ioctl(f, cmd, arg);
	case HDIO_GETGEO: {
		struct hd_geometry geo = {
			.heads = UBD_HEADS,
			.sectors = UBD_SECTORS,
			.cylinders = ubd_size(unit) / (UBD_HEADS * UBD_SECTORS * 512),
			.start = start / 512,
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

/* A unit was configured: its node, its table and its partitions' nodes. */
void ubd_publish(int unit)
{
	if (!ubd_ready || !ubd_configured(unit))
		return;
	add_node(unit, 0);
	disks[unit].disk_opens = disks[unit].part_opens = 0;
	scan(unit);
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
