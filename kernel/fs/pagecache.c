/* Page cache for shared file mappings; see pagecache.h. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include "fs/pagecache.h"
#include "fs/vfs.h"
#include "lib/log.h"

#define PAGE 4096UL
#define CHUNK 65536

static int size_to(struct pcache *pc, uint64_t size)
{
	uint64_t want = (size + PAGE - 1) & ~(PAGE - 1);

	if (want == pc->size)
		return 0;
	if (ftruncate(pc->fd, want) < 0)
		return -errno;
	pc->size = want;
	return 0;
}

int pcache_get(struct inode *ino)
{
	struct pcache *pc = ino->pcache;
	static char buf[CHUNK];
	uint64_t off;

	if (pc) {
		pc->refs++;
		return pc->fd;
	}
	if (!ino->op || !ino->op->read)
		return -ENODEV;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->fd = memfd_create("umlinux-pagecache", MFD_CLOEXEC);
	if (pc->fd < 0 || size_to(pc, ino->size) < 0) {
		int err = pc->fd < 0 ? -errno : -ENOMEM;
		if (pc->fd >= 0)
			close(pc->fd);
		free(pc);
		return err;
	}
	for (off = 0; off < ino->size;) {
		ssize_t n = ino->op->read(ino, buf, CHUNK, off);
		if (n <= 0)
			break;
		if (pwrite(pc->fd, buf, n, off) != n)
			break;
		off += n;
	}
	pc->refs = 1;
	ino->pcache = pc;
	return pc->fd;
}

int pcache_writeback(struct inode *ino)
{
	struct pcache *pc = ino->pcache;
	static char buf[CHUNK];
	uint64_t off;

	if (!pc || !ino->op->write)
		return 0;
	for (off = 0; off < ino->size;) {
		size_t want = ino->size - off < CHUNK ? ino->size - off : CHUNK;
		ssize_t n = pread(pc->fd, buf, want, off);
		if (n <= 0)
			return n < 0 ? -errno : 0;
		n = ino->op->write(ino, buf, n, off);
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		off += n;
	}
	return 0;
}

void pcache_put(struct inode *ino)
{
	struct pcache *pc = ino->pcache;

	if (!pc)
		return;
	if (pcache_writeback(ino) < 0)
		printk_level(KERN_WARNING, "pagecache: writeback of inode %lu failed\n",
			     (unsigned long)ino->ino);
	if (--pc->refs > 0)
		return;
	close(pc->fd);
	free(pc);
	ino->pcache = NULL;
}

ssize_t pcache_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (off >= ino->size)
		return 0;
	if (len > ino->size - off)
		len = ino->size - off;
	n = pread(ino->pcache->fd, buf, len, off);
	return n < 0 ? -errno : n;
}

void pcache_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	struct pcache *pc = ino->pcache;

	if (off + len > pc->size)
		size_to(pc, off + len);
	if (pwrite(pc->fd, buf, len, off) < 0)
		printk_level(KERN_WARNING, "pagecache: update of inode %lu failed\n",
			     (unsigned long)ino->ino);
}

void pcache_resize(struct inode *ino, uint64_t size)
{
	struct pcache *pc = ino->pcache;
	uint64_t old = ino->size;

	if (!pc)
		return;
	/* Bytes cut off and grown back must read as zeros. */
	if (size < old && fallocate(pc->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    size, old - size) < 0)
		printk_level(KERN_WARNING, "pagecache: cannot clear a cut tail\n");
	size_to(pc, size > old ? size : old);
}
