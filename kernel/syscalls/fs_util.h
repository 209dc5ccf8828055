/* Helpers shared by the file-related syscall handlers (fs_*.c). */
#ifndef SYSCALLS_FS_UTIL_H
#define SYSCALLS_FS_UTIL_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "fs/vfs.h"
#include "task/task.h"

#define KPATH_MAX	4096		/* PATH_MAX, including the NUL */
#define RW_CHUNK	65536		/* bounce buffer per transfer step */
#define MAX_RW_COUNT	0x7ffff000UL	/* Linux's cap on one read/write */
#define KO_LARGEFILE	0100000		/* the kernel's O_LARGEFILE (0 in glibc) */

/* Copy a path from the guest into buf (KPATH_MAX bytes): its length,
 * -EFAULT or -ENAMETOOLONG. */
long get_user_path(struct task *t, uint64_t uaddr, char *buf);
/* The caller's context for a path relative to dirfd (AT_FDCWD = cwd). An
 * absolute path ignores dirfd, as in Linux; a bad dirfd is -EBADF. */
int at_context(struct task *t, int dirfd, const char *path, struct nameidata_ctx *ctx);
/* The open file at fd (borrowed) or NULL. */
struct file *task_file(struct task *t, int fd);
/* RLIMIT_NOFILE as an fd bound. */
int task_nofile(struct task *t);
/* A would-block result of f: -EAGAIN for O_NONBLOCK, -ERESTARTSYS if a
 * signal is pending, else park t on f's queues and return -EBLOCK. */
long file_block(struct task *t, struct file *f);
/* stat of an open file, with or without a path. */
int file_stat(struct file *f, struct stat *st);
/* Is the file a pipe, FIFO or socket (no position)? */
static inline bool file_is_stream(const struct file *f)
{
	return f->inode && (S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode));
}
#endif
