/* The page cache of a file mapped MAP_SHARED: a memfd holding the file's
 * bytes, which the kernel maps into every guest that shares the file, so
 * the host shares the pages among them. While it exists it is the file's
 * content: read() and write() go through it too, and it is written back
 * to the filesystem on msync, fsync, sync, unmap and when the last mapping
 * goes. */
#ifndef FS_PAGECACHE_H
#define FS_PAGECACHE_H
#include <stdint.h>
#include <sys/types.h>

struct inode;

struct pcache {
	int fd;			/* host memfd */
	int refs;		/* shared mappings using it */
	uint64_t size;		/* bytes the memfd is sized to */
};

/* Take a reference (creating the cache from the file's content); returns
 * the memfd or -errno. */
int pcache_get(struct inode *ino);
/* Drop a reference: write back, and free at the last one. */
void pcache_put(struct inode *ino);
int pcache_writeback(struct inode *ino);
/* Used by the regular-file read and write paths when ino->pcache is set. */
ssize_t pcache_read(struct inode *ino, void *buf, size_t len, uint64_t off);
void pcache_write(struct inode *ino, const void *buf, size_t len, uint64_t off);
/* The file was truncated or extended. */
void pcache_resize(struct inode *ino, uint64_t size);
#endif
