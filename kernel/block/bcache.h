/* The block cache: 4 KiB blocks of every ubd unit, kept in memory with LRU
 * replacement and written back lazily.
 *
 * libext2fs does all its I/O as single blocks and rewrites the same
 * metadata blocks over and over; this cache turns that into memory copies
 * and sorted, coalesced host writes at flush time. Callers (ubd) check
 * ranges against the device size before calling. */
#ifndef BLOCK_BCACHE_H
#define BLOCK_BCACHE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BCACHE_BSIZE	4096u
#define BCACHE_DEFAULT_LIMIT (32u << 20)

/* How a unit's blocks reach the host. Both return 0 or -errno and must
 * transfer everything (the cache never asks beyond the device size). */
struct bcache_backend {
	int (*read)(int unit, uint64_t off, const struct iovec *iov, int cnt);
	int (*write)(int unit, uint64_t off, const struct iovec *iov, int cnt);
};

/* Start caching a unit of the given size (bytes, any multiple of 512). */
void bcache_attach(int unit, uint64_t size, const struct bcache_backend *be);
/* Forget every block of the unit, dirty or not (flush first). */
void bcache_detach(int unit);

int bcache_read(int unit, uint64_t off, void *buf, size_t len);
int bcache_write(int unit, uint64_t off, const void *buf, size_t len);
/* Write back every dirty block of the unit, sorted and coalesced. */
int bcache_flush(int unit);
/* Drop the unit's clean blocks (BLKFLSBUF). */
void bcache_invalidate(int unit);
/* The byte range now reads as zeros on the host (discard, write-zeroes):
 * forget the blocks it covers, dirty or not, and zero its part of the
 * blocks it cuts, so that neither stale data nor a later write-back
 * undoes it. */
void bcache_zero_range(int unit, uint64_t off, uint64_t len);

/* Cap on cached data in bytes (at least a few blocks). */
void bcache_set_limit(size_t bytes);

struct bcache_stats {
	uint64_t hits, misses, host_reads, host_writes, evictions;
	size_t blocks, dirty;
};
void bcache_get_stats(struct bcache_stats *st);
#endif
