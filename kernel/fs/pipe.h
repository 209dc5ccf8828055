/* Pipes and FIFOs: a byte ring per pipe, counts of open read and write
 * ends, and wait queues woken on every change. Anonymous pipes come from
 * pipe_create(); FIFO inodes are opened through the operations that
 * pipe_init() registers with the VFS. */
#ifndef FS_PIPE_H
#define FS_PIPE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "fs/vfs.h"

#define PIPE_BUF_ATOMIC	4096		/* PIPE_BUF: writes up to this are atomic */
#define PIPE_DEF_SIZE	65536
#define PIPE_MIN_SIZE	4096
#define PIPE_MAX_SIZE	(1u << 20)	/* /proc/sys/fs/pipe-max-size */

/* The byte ring; buf is allocated on the first write. */
struct pipe_ring {
	char *buf;
	size_t size;			/* capacity, a power of two */
	size_t head;			/* offset of the oldest byte */
	size_t used;
};

/* Copy in as much of src as fits; returns the bytes taken. */
size_t pipe_ring_write(struct pipe_ring *r, const void *src, size_t len);
/* Copy out up to len of the oldest bytes; returns the bytes given. */
size_t pipe_ring_read(struct pipe_ring *r, void *dst, size_t len);
/* Change the capacity keeping the contents: -EBUSY if they do not fit. */
int pipe_ring_resize(struct pipe_ring *r, size_t size);
void pipe_ring_free(struct pipe_ring *r);

struct pipe {
	struct pipe_ring ring;
	int readers, writers;		/* open ends (and FIFO opens waiting) */
	unsigned long r_counter;	/* read-end opens ever, for FIFO waits */
	unsigned long w_counter;	/* write-end opens ever */
	struct waitq rd_wait;		/* readers: data or EOF */
	struct waitq wr_wait;		/* writers: room or no readers */
	struct waitq open_wait;		/* FIFO opens waiting for a partner */
	struct inode *inode;		/* referenced; inode->fifo points here */
	struct list openers;		/* struct fifo_opener: parked FIFO opens */
};

/* The pure state machine (pipe_ring.c), used by the file operations in
 * pipe.c and by the unit tests. */
struct pipe *pipe_alloc(void);
void pipe_free(struct pipe *p);
/* Bytes, 0 at EOF (no writers), -EAGAIN if empty with writers. */
ssize_t pipe_read_data(struct pipe *p, void *buf, size_t len);
/* Bytes, -EPIPE without readers, -EAGAIN without room: up to
 * PIPE_BUF_ATOMIC bytes go in whole or not at all, more may be partial. */
ssize_t pipe_write_data(struct pipe *p, const void *buf, size_t len);
/* POLL* bits for an end that reads and/or writes; hup says whether a
 * reader may see POLLHUP (a FIFO reader only after a writer came). */
unsigned pipe_poll_mask(const struct pipe *p, bool rd, bool wr, bool hup);
/* Wake everyone waiting on the pipe (an end opened or closed). */
void pipe_wake_all(struct pipe *p);

/* ---- files ---- */

/* An anonymous pipe: read and write ends with O_NONBLOCK/O_DIRECT from
 * flags. Returns 0 or -errno. */
int pipe_create(unsigned flags, struct file **rd, struct file **wr);
/* Is f an end of a pipe or FIFO? */
bool file_is_pipe(const struct file *f);
/* Free space in the pipe f writes to (for sendfile/splice sizing). */
size_t pipe_file_room(const struct file *f);
/* F_GETPIPE_SZ / F_SETPIPE_SZ: -EBADF if f is no pipe. */
long pipe_file_get_size(const struct file *f);
long pipe_file_set_size(struct file *f, unsigned long size, bool privileged);

/* A FIFO open that would block returns -EAGAIN from vfs_open and leaves a
 * record for the calling task. The open syscall then either parks on the
 * FIFO with fifo_open_wait (and retries later), or calls fifo_open_cancel
 * when it gives up (signal). Both are no-ops for inodes without a FIFO. */
bool fifo_open_wait(struct inode *ino, struct poll_table *pt);
void fifo_open_cancel(struct inode *ino, int tid);

/* Register the FIFO operations with the VFS. */
int pipe_init(void);
#endif
