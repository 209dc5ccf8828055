/* The block cache: a hash of (unit, block number) over 4 KiB blocks, an
 * LRU list, dirty tracking and sequential read-ahead. See bcache.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "block/bcache.h"
#include "lib/list.h"
#include "lib/log.h"

#define BCACHE_UNITS	16
#define HASH_BITS	14
#define HASH_SIZE	(1u << HASH_BITS)
#define RA_MAX		32		/* read-ahead window, blocks */
#define FLUSH_IOV_MAX	1024

struct bblock {
	struct list lru;		/* most recently used first */
	struct bblock *hnext;
	int unit;
	bool dirty;
	uint64_t blk;
	uint8_t data[];
};

struct bunit {
	bool attached;
	uint64_t size;
	uint64_t nblocks;
	const struct bcache_backend *be;
	size_t ndirty;
	uint64_t ra_next;		/* block after the last miss window */
	unsigned ra_win;
};

static struct bblock *hash[HASH_SIZE];
static struct list lru = LIST_INIT(lru);
static struct bunit units[BCACHE_UNITS];
static size_t nblocks, max_blocks = BCACHE_DEFAULT_LIMIT / BCACHE_BSIZE;
static struct bcache_stats stats;

static unsigned hash_of(int unit, uint64_t blk)
{
	uint64_t h = (blk + ((uint64_t)unit << 56)) * 0x9e3779b97f4a7c15ULL;

	return h >> (64 - HASH_BITS);
}

static struct bblock *lookup(int unit, uint64_t blk)
{
	struct bblock *b;

	for (b = hash[hash_of(unit, blk)]; b; b = b->hnext)
		if (b->unit == unit && b->blk == blk)
			return b;
	return NULL;
}

static void hash_remove(struct bblock *b)
{
	struct bblock **pp = &hash[hash_of(b->unit, b->blk)];

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
}

static void block_free(struct bblock *b)
{
	hash_remove(b);
	list_del(&b->lru);
	if (b->dirty)
		units[b->unit].ndirty--;
	nblocks--;
	free(b);
}

/* Bytes of block blk that lie inside the device. */
static size_t valid_len(const struct bunit *u, uint64_t blk)
{
	uint64_t start = blk * BCACHE_BSIZE;

	return u->size - start < BCACHE_BSIZE ? u->size - start : BCACHE_BSIZE;
}

static bool unit_ok(int unit)
{
	return unit >= 0 && unit < BCACHE_UNITS && units[unit].attached;
}

/* Make room for one block: evict the least recently used clean block. A
 * dirty tail means it is time to write the whole unit back in one sorted
 * pass, after which most of the tail is clean. */
static void make_room(void)
{
	struct list *pos;
	bool flushed = false;

again:
	if (nblocks < max_blocks)
		return;
	for (pos = lru.prev; pos != &lru; pos = pos->prev) {
		struct bblock *b = list_entry(pos, struct bblock, lru);
		if (!b->dirty) {
			block_free(b);
			stats.evictions++;
			return;
		}
		if (!flushed) {
			flushed = true;
			if (bcache_flush(b->unit) < 0)
				printk_level(KERN_ERR, "bcache: write-back of unit %d failed\n",
					     b->unit);
			goto again;
		}
	}
	/* Everything is dirty and cannot be written: grow past the cap
	 * rather than lose data. */
}

/* A new block, hashed and at the head of the LRU; contents undefined. */
static struct bblock *block_alloc(int unit, uint64_t blk)
{
	struct bblock *b;
	unsigned h;

	make_room();
	b = malloc(sizeof(*b) + BCACHE_BSIZE);
	if (!b)
		return NULL;
	b->unit = unit;
	b->blk = blk;
	b->dirty = false;
	h = hash_of(unit, blk);
	b->hnext = hash[h];
	hash[h] = b;
	list_add(&b->lru, &lru);
	nblocks++;
	return b;
}

static void touch(struct bblock *b)
{
	list_del(&b->lru);
	list_add(&b->lru, &lru);
}

static void mark_dirty(struct bblock *b)
{
	if (!b->dirty) {
		b->dirty = true;
		units[b->unit].ndirty++;
	}
}

/* Read block blk from the host, with read-ahead of the following uncached
 * blocks when the misses are sequential. */
static int fill(int unit, uint64_t blk, bool readahead, struct bblock **res)
{
	struct bunit *u = &units[unit];
	struct bblock *blocks[RA_MAX];
	struct iovec iov[RA_MAX];
	unsigned count = 1, i;
	int err;

	if (readahead) {
		if (blk == u->ra_next && u->ra_win)
			u->ra_win = u->ra_win * 2 > RA_MAX ? RA_MAX : u->ra_win * 2;
		else
			u->ra_win = 1;
		while (count < u->ra_win && blk + count < u->nblocks &&
		       !lookup(unit, blk + count))
			count++;
		u->ra_next = blk + count;
	}
	for (i = 0; i < count; i++) {
		blocks[i] = block_alloc(unit, blk + i);
		if (!blocks[i])
			break;
		iov[i].iov_base = blocks[i]->data;
		iov[i].iov_len = valid_len(u, blk + i);
		if (iov[i].iov_len < BCACHE_BSIZE)
			memset(blocks[i]->data + iov[i].iov_len, 0,
			       BCACHE_BSIZE - iov[i].iov_len);
	}
	if (i == 0)
		return -ENOMEM;
	count = i;
	stats.misses++;
	stats.host_reads++;
	err = u->be->read(unit, blk * BCACHE_BSIZE, iov, count);
	if (err < 0) {
		for (i = 0; i < count; i++)
			block_free(blocks[i]);
		return err;
	}
	*res = blocks[0];
	return 0;
}

void bcache_attach(int unit, uint64_t size, const struct bcache_backend *be)
{
	struct bunit *u;

	if (unit < 0 || unit >= BCACHE_UNITS)
		return;
	bcache_detach(unit);
	u = &units[unit];
	memset(u, 0, sizeof(*u));
	u->attached = true;
	u->size = size;
	u->nblocks = (size + BCACHE_BSIZE - 1) / BCACHE_BSIZE;
	u->be = be;
}

static void drop_blocks(int unit, bool dirty_too)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &lru) {
		struct bblock *b = list_entry(pos, struct bblock, lru);
		if (b->unit == unit && (dirty_too || !b->dirty))
			block_free(b);
	}
}

void bcache_detach(int unit)
{
	if (unit < 0 || unit >= BCACHE_UNITS)
		return;
	drop_blocks(unit, true);
	units[unit].attached = false;
}

void bcache_invalidate(int unit)
{
	if (unit_ok(unit))
		drop_blocks(unit, false);
}

/* Apply a zeroed range [lo, hi) to one cached block. */
static void zero_block(struct bblock *b, uint64_t lo, uint64_t hi)
{
	uint64_t start = b->blk * BCACHE_BSIZE, end = start + BCACHE_BSIZE;

	if (lo <= start && hi >= end) {
		block_free(b);
		return;
	}
	lo = lo > start ? lo : start;
	hi = hi < end ? hi : end;
	if (lo < hi)
		memset(b->data + (lo - start), 0, hi - lo);
}

void bcache_zero_range(int unit, uint64_t off, uint64_t len)
{
	uint64_t first, last, hi;
	struct list *pos, *tmp;

	if (!unit_ok(unit) || !len)
		return;
	hi = off + len < off ? UINT64_MAX : off + len;
	first = off / BCACHE_BSIZE;
	last = (hi - 1) / BCACHE_BSIZE;
	/* Look the range up block by block, or walk the cache if that is
	 * shorter. */
	if (last - first < nblocks) {
		for (uint64_t blk = first; blk <= last; blk++) {
			struct bblock *b = lookup(unit, blk);
			if (b)
				zero_block(b, off, hi);
		}
		return;
	}
	list_for_each_safe(pos, tmp, &lru) {
		struct bblock *b = list_entry(pos, struct bblock, lru);
		if (b->unit == unit && b->blk >= first && b->blk <= last)
			zero_block(b, off, hi);
	}
}

int bcache_read(int unit, uint64_t off, void *buf, size_t len)
{
	uint8_t *dst = buf;

	if (!unit_ok(unit))
		return -ENXIO;
	if (off > units[unit].size || len > units[unit].size - off)
		return -EIO;
	while (len) {
		uint64_t blk = off / BCACHE_BSIZE;
		size_t boff = off % BCACHE_BSIZE;
		size_t n = BCACHE_BSIZE - boff < len ? BCACHE_BSIZE - boff : len;
		struct bblock *b = lookup(unit, blk);
		int err;

		if (b) {
			stats.hits++;
			touch(b);
		} else if ((err = fill(unit, blk, true, &b)) < 0) {
			return err;
		}
		memcpy(dst, b->data + boff, n);
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

int bcache_write(int unit, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	struct bunit *u;

	if (!unit_ok(unit))
		return -ENXIO;
	u = &units[unit];
	if (off > u->size || len > u->size - off)
		return -EIO;
	while (len) {
		uint64_t blk = off / BCACHE_BSIZE;
		size_t boff = off % BCACHE_BSIZE;
		size_t n = BCACHE_BSIZE - boff < len ? BCACHE_BSIZE - boff : len;
		struct bblock *b = lookup(unit, blk);
		int err;

		if (b) {
			stats.hits++;
			touch(b);
		} else if (boff == 0 && n == valid_len(u, blk)) {
			/* Whole block overwritten: nothing to read first. */
			b = block_alloc(unit, blk);
			if (!b)
				return -ENOMEM;
			if (n < BCACHE_BSIZE)
				memset(b->data + n, 0, BCACHE_BSIZE - n);
		} else if ((err = fill(unit, blk, false, &b)) < 0) {
			return err;
		}
		memcpy(b->data + boff, src, n);
		mark_dirty(b);
		src += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int cmp_blk(const void *a, const void *b)
{
	const struct bblock *x = *(struct bblock *const *)a;
	const struct bblock *y = *(struct bblock *const *)b;

	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* Write one run of consecutive blocks. */
static int write_run(struct bunit *u, int unit, struct bblock **run, int n)
{
	static struct iovec iov[FLUSH_IOV_MAX];	/* single-threaded */
	int i, err;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = run[i]->data;
		iov[i].iov_len = valid_len(u, run[i]->blk);
	}
	stats.host_writes++;
	err = u->be->write(unit, run[0]->blk * BCACHE_BSIZE, iov, n);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++) {
		run[i]->dirty = false;
		u->ndirty--;
	}
	return 0;
}

int bcache_flush(int unit)
{
	struct bunit *u;
	struct bblock **dirty;
	struct list *pos;
	size_t n = 0, i, start;
	int err = 0;

	if (!unit_ok(unit))
		return -ENXIO;
	u = &units[unit];
	if (!u->ndirty)
		return 0;
	dirty = malloc(u->ndirty * sizeof(*dirty));
	if (!dirty)
		return -ENOMEM;
	list_for_each(pos, &lru) {
		struct bblock *b = list_entry(pos, struct bblock, lru);
		if (b->unit == unit && b->dirty && n < u->ndirty)
			dirty[n++] = b;
	}
	qsort(dirty, n, sizeof(*dirty), cmp_blk);
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && i - start < FLUSH_IOV_MAX &&
		     dirty[i]->blk == dirty[i - 1]->blk + 1; i++)
			;
		int e = write_run(u, unit, dirty + start, i - start);
		if (e < 0 && !err)
			err = e;
	}
	free(dirty);
	return err;
}

void bcache_set_limit(size_t bytes)
{
	max_blocks = bytes / BCACHE_BSIZE;
	if (max_blocks < 2 * RA_MAX)
		max_blocks = 2 * RA_MAX;
	while (nblocks > max_blocks) {
		size_t before = nblocks;
		make_room();
		if (nblocks == before)
			break;
	}
}

void bcache_get_stats(struct bcache_stats *st)
{
	size_t dirty = 0;

	for (int i = 0; i < BCACHE_UNITS; i++)
		dirty += units[i].ndirty;
	*st = stats;
	st->blocks = nblocks;
	st->dirty = dirty;
}
