/* Helpers shared by the file-related syscall handlers. */
#include <errno.h>
#include <fcntl.h>
#include "syscalls/fs_util.h"
#include "syscalls/syscall.h"
#include "mm/uaccess.h"
#include "signal/signal.h"

long get_user_path(struct task *t, uint64_t uaddr, char *buf)
{
	if (!uaddr)
		return -EFAULT;
	return strncpy_from_user(t, buf, uaddr, KPATH_MAX);
}

int at_context(struct task *t, int dirfd, const char *path, struct nameidata_ctx *ctx)
{
	ctx->fs = t->proc->fs;
	ctx->cred = &t->proc->cred;
	ctx->dirfile = NULL;
	if (path && path[0] == '/')
		return 0;
	if (dirfd == AT_FDCWD)
		return 0;
	ctx->dirfile = task_file(t, dirfd);
	return ctx->dirfile ? 0 : -EBADF;
}

struct file *task_file(struct task *t, int fd)
{
	return fd_get(t->proc->files, fd);
}

int task_nofile(struct task *t)
{
	rlim_t cur = t->proc->rlim[RLIMIT_NOFILE].rlim_cur;

	return cur > (1u << 20) ? (1 << 20) : (int)cur;
}

long file_block(struct task *t, struct file *f)
{
	struct poll_table pt;

	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	if (signal_pending(t))
		return -ERESTARTSYS;
	task_poll_table(t, &pt);
	file_poll(f, &pt);
	return -EBLOCK;
}

int file_stat(struct file *f, struct stat *st)
{
	if (f->path.dentry)
		return vfs_stat(&f->path, st);
	if (!f->inode)
		return -EBADF;
	vfs_stat_inode(f->inode, st);
	return 0;
}
