/* Swap areas: swapon/swapoff bookkeeping and /proc/swaps.
 *
 * Guest memory is host memory, so nothing is ever paged out; an area is
 * validated like Linux does (mkswap's v1 header), held open while active,
 * and listed in /proc/swaps with Used 0. */
#ifndef BLOCK_SWAP_H
#define BLOCK_SWAP_H
#include <stddef.h>
#include <stdint.h>

struct file;
struct inode;

#define SWAP_FLAG_PREFER	0x8000
#define SWAP_FLAG_PRIO_MASK	0x7fff
#define SWAP_FLAG_DISCARD	0x10000
#define SWAP_FLAG_DISCARD_ONCE	0x20000
#define SWAP_FLAG_DISCARD_PAGES	0x40000
#define SWAP_FLAGS_VALID	(SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | \
				 SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE | \
				 SWAP_FLAG_DISCARD_PAGES)
#define SWAP_MAX_AREAS		32

/* Activate the area in f (an open block device or regular file, opened
 * read-write); takes its own reference on f. 0, -EINVAL for a bad header
 * or file type (logged, as Linux does), -EBUSY if already active, -EPERM
 * past SWAP_MAX_AREAS. */
int swap_on(struct file *f, int flags);
/* Deactivate the area on ino (or, for a block device, its device).
 * -EINVAL if it is not active. */
int swap_off(struct inode *ino);
/* /proc/swaps, header line included. Like snprintf: returns the full
 * length, writes at most len-1 bytes and a NUL. */
size_t swap_text(char *buf, size_t len);
/* For /proc/meminfo and sysinfo: KiB of swap in total and free. */
void swap_totals(uint64_t *total_kb, uint64_t *free_kb);
#endif
