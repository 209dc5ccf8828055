/* Partition tables of ubd disks: DOS (MBR, with logical partitions in an
 * extended one) and GPT, read the way Linux's block layer reads them.
 *
 * part_scan is pure (it reads through a callback), so it is unit-tested
 * without devices. ubd_blkdev.c keeps one table per unit, publishes
 * /dev/ubdXN (minor unit*16 + N) and re-reads on BLKRRPART or after the
 * last close of a disk that was written to. */
#ifndef BLOCK_PARTITION_H
#define BLOCK_PARTITION_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PART_MAX	15		/* minors per disk, less the disk */
#define PART_SECTOR	512u

struct part {
	uint64_t start;			/* first sector */
	uint64_t nsect;			/* sectors; 0 = no partition */
};

enum part_label { PART_NONE, PART_DOS, PART_GPT };

struct part_table {
	enum part_label label;
	struct part p[PART_MAX + 1];	/* p[1]..p[15]; p[0] unused */
};

/* Read len bytes at byte offset off of the disk: 0 or -errno. */
typedef int (*part_read_t)(void *ctx, uint64_t off, void *buf, size_t len);

/* Fill pt with the partitions of a disk of size bytes called name (for
 * log lines). Returns the number of partitions found (0 when there is no
 * table, which is not an error) or the -errno of a failed read. Oddities
 * Linux logs (a partition beyond the end of the disk, a damaged primary
 * GPT) are logged the same way. */
int part_scan(const char *name, uint64_t size, part_read_t rd, void *ctx,
	      struct part_table *pt);

/* CRC-32 as GPT uses it (IEEE 802.3, reflected, ~0 in and out). */
uint32_t part_crc32(const void *buf, size_t len);

/* ---- ubd partitions (ubd_blkdev.c) ---------------------------------- */

/* The byte extent of a ubd device number: the whole disk (minor % 16 ==
 * 0) or one of its partitions. 0, or -ENXIO if it does not exist. For
 * filesystems that mount partitions: add start to every ubd_read/write. */
int ubd_dev_extent(dev_t dev, int *unit, uint64_t *start, uint64_t *len);
/* Hold a device for a user that is not an open file (a mounted
 * filesystem): 0 or -ENXIO. A held partition keeps its table from being
 * re-read and the unit from being removed. */
int ubd_dev_get(dev_t dev);
/* The text of /proc/partitions: every ubd disk and partition, sizes in KiB. */
size_t ubd_partitions_text(char *buf, size_t len);
void ubd_dev_put(dev_t dev);
/* Re-read a unit's table and update /dev: 0, -EBUSY while one of its
 * partitions is open, or -errno of a read. */
int ubd_rescan(int unit);
#endif
