/* Opening and closing files, descriptor duplication, fcntl and umask. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "fs/lock.h"
#include "task/task.h"
#include "signal/signal.h"
#include "mm/uaccess.h"

/* A FIFO open that must wait for its partner came back -EAGAIN: park on
 * the FIFO (the retry completes it) or give up on a signal. */
static long fifo_open_block(struct task *t, const struct nameidata_ctx *ctx,
			    const char *path, int flags)
{
	struct poll_table pt;
	struct path p;
	unsigned lf = (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	long ret = -EAGAIN;

	if (vfs_lookup(ctx, path, lf, &p) < 0)
		return -EAGAIN;
	if (S_ISFIFO(p.dentry->inode->mode) && p.dentry->inode->fifo) {
		if (signal_pending(t)) {
			fifo_open_cancel(p.dentry->inode, t->tid);
			ret = -ERESTARTSYS;
		} else {
			task_poll_table(t, &pt);
			fifo_open_wait(p.dentry->inode, &pt);
			ret = -EBLOCK;
		}
	}
	path_put(&p);
	return ret;
}

static long do_open(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	struct file *f;
	long err;
	int fd;

	err = get_user_path(t, upath, path);
	if (err < 0)
		return err;
	err = at_context(t, dirfd, path, &ctx);
	if (err < 0)
		return err;
	if ((flags & __O_TMPFILE) == __O_TMPFILE &&
	    (flags & O_ACCMODE) != O_WRONLY && (flags & O_ACCMODE) != O_RDWR)
		return -EINVAL;
	if (flags & (O_CREAT | __O_TMPFILE))
		mode = (mode & 07777) & ~t->proc->fs->umask;
	else
		mode = 0;
	/* Like Linux on 64-bit: every open file is O_LARGEFILE. */
	if (!(flags & O_PATH))
		flags |= KO_LARGEFILE;
	err = vfs_open(&ctx, path, flags, mode, &f);
	if (err == -EAGAIN && !(flags & O_NONBLOCK))
		return fifo_open_block(t, &ctx, path, flags);
	if (err < 0)
		return err;
	fd = fd_install(t->proc->files, f, 0, flags & O_CLOEXEC, task_nofile(t));
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(openat)
{
	return do_open(t, (int)a[0], a[1], (int)a[2], (mode_t)a[3]);
}

SYSCALL_DEFINE(open)
{
	return do_open(t, AT_FDCWD, a[0], (int)a[1], (mode_t)a[2]);
}

SYSCALL_DEFINE(creat)
{
	return do_open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (mode_t)a[1]);
}

SYSCALL_DEFINE(close)
{
	return fd_close(t->proc->files, (int)a[0]);
}

SYSCALL_DEFINE(close_range)
{
	unsigned first = (unsigned)a[0], last = (unsigned)a[1];
	unsigned flags = (unsigned)a[2];
	struct fdtable *ft = t->proc->files;

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	if ((flags & CLOSE_RANGE_UNSHARE) && ft->refs > 1) {
		struct fdtable *copy = fdtable_dup(ft);

		if (!copy)
			return -ENOMEM;
		t->proc->files = copy;
		fdtable_put(ft);
		ft = copy;
	}
	if (last >= (unsigned)ft->size)
		last = ft->size - 1;
	for (unsigned fd = first; fd <= last && fd < (unsigned)ft->size; fd++) {
		if (!ft->fd[fd])
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			ft->cloexec[fd] = 1;
		else
			fd_close(ft, fd);
	}
	return 0;
}

SYSCALL_DEFINE(dup)
{
	struct file *f = task_file(t, (int)a[0]);
	int fd;

	if (!f)
		return -EBADF;
	fd = fd_install(t->proc->files, file_get(f), 0, false, task_nofile(t));
	if (fd < 0)
		file_put(f);
	return fd;
}

static long do_dup3(struct task *t, int oldfd, int newfd, int flags)
{
	struct file *f = task_file(t, oldfd);
	int err;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= task_nofile(t))
		return -EBADF;
	file_get(f);
	err = fd_replace(t->proc->files, newfd, f, flags & O_CLOEXEC);
	if (err < 0) {
		file_put(f);
		return err;
	}
	return newfd;
}

SYSCALL_DEFINE(dup2)
{
	int oldfd = (int)a[0], newfd = (int)a[1];

	if (oldfd == newfd)
		return task_file(t, oldfd) ? newfd : -EBADF;
	return do_dup3(t, oldfd, newfd, 0);
}

SYSCALL_DEFINE(dup3)
{
	if ((int)a[0] == (int)a[1])
		return -EINVAL;
	return do_dup3(t, (int)a[0], (int)a[1], (int)a[2]);
}

/* struct flock's l_whence/l_start/l_len as an inclusive byte range, the
 * way Linux reads them (negative l_len counts back from l_start). */
static int flock_to_range(struct file *f, const struct flock *fl,
			  struct file_lock *req)
{
	int64_t base, start;

	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = (int64_t)f->inode->size;
		break;
	default:
		return -EINVAL;
	}
	if (fl->l_start > LOCK_OFFSET_MAX - base)
		return -EOVERFLOW;
	start = base + fl->l_start;
	if (start < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > LOCK_OFFSET_MAX - start)
			return -EOVERFLOW;
		req->start = start;
		req->end = start + fl->l_len - 1;
	} else if (fl->l_len < 0) {
		if (start + fl->l_len < 0)
			return -EINVAL;
		req->start = start + fl->l_len;
		req->end = start - 1;
	} else {
		req->start = start;
		req->end = LOCK_OFFSET_MAX;
	}
	return 0;
}

/* F_GETLK's answer: the conflicting lock, or F_UNLCK (rest untouched). */
static void report_conflict(struct flock *fl, const struct file_lock *c, bool found)
{
	if (!found) {
		fl->l_type = F_UNLCK;
		return;
	}
	fl->l_type = c->type;
	fl->l_whence = SEEK_SET;
	fl->l_start = c->start;
	fl->l_len = c->end == LOCK_OFFSET_MAX ? 0 : c->end - c->start + 1;
	fl->l_pid = c->kind == LOCK_KIND_OFD ? -1 : c->pid;
}

/* Is the deadlock record of task w (tid id) still a parked F_SETLKW? */
static bool setlkw_parked(const void *w, int id)
{
	const struct task *t = task_by_tid(id);

	return t == w && t->state != TASK_DEAD && t->in_syscall &&
	       t->sc_nr == __NR_fcntl && (int)t->sc_args[1] == F_SETLKW;
}

/* fcntl record locks: POSIX ones owned by the descriptor table (like
 * Linux's current->files: threads share them, fork does not inherit
 * them, closing any fd of the inode drops them), OFD ones by the open
 * file description. A blocking request parks on the inode's lock queue
 * and is retried whole when a lock there is released. */
static long do_lock(struct task *t, struct file *f, int cmd, uint64_t arg)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	struct file_lock req = { 0 }, conflict;
	struct inode *ino = f->inode;
	const void *blocker = NULL;
	struct flock fl;
	struct waitq *wq;
	long err;

	if (cmd == F_SETLKW)
		lock_forget_waiting(t);
	if (copy_from_user(t, &fl, arg, sizeof(fl)))
		return -EFAULT;
	if (!ino)
		return -ENOLCK;
	err = flock_to_range(f, &fl, &req);
	if (err < 0)
		return err;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	req.type = fl.l_type;
	req.kind = ofd ? LOCK_KIND_OFD : LOCK_KIND_POSIX;
	req.owner = ofd ? (const void *)f : (const void *)t->proc->files;
	req.pid = ofd ? -1 : t->proc->pid;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		/* Linux refuses an F_UNLCK query, except the OFD one. */
		if (cmd == F_GETLK && fl.l_type == F_UNLCK)
			return -EINVAL;
		report_conflict(&fl, &conflict, lock_test(ino, &req, &conflict));
		return copy_to_user(t, arg, &fl, sizeof(fl)) ? -EFAULT : 0;
	}
	if (fl.l_type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (fl.l_type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	err = lock_set(ino, &req, &blocker);
	if (err != -EAGAIN || !wait)
		return err;
	if (!ofd && lock_would_deadlock(req.owner, blocker, setlkw_parked))
		return -EDEADLK;
	wq = lock_waitq(ino);
	if (!wq)
		return -ENOLCK;
	if (!ofd)
		lock_note_waiting(t, t->tid, req.owner, blocker, ino);
	task_wait_on(t, wq);
	return -EBLOCK;
}

/* Status flags F_GETFL shows: open-time flags are not kept. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK)

SYSCALL_DEFINE(fcntl)
{
	int fd = (int)a[0], cmd = (int)a[1];
	uint64_t arg = a[2];
	struct fdtable *ft = t->proc->files;
	struct file *f = task_file(t, fd);
	int nfd;

	if (!f)
		return -EBADF;
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC &&
	    cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int)arg < 0 || (int)arg >= task_nofile(t))
			return -EINVAL;
		nfd = fd_install(ft, file_get(f), (int)arg, cmd == F_DUPFD_CLOEXEC,
				 task_nofile(t));
		if (nfd < 0)
			file_put(f);
		return nfd;
	case F_GETFD:
		return ft->cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		ft->cloexec[fd] = (arg & FD_CLOEXEC) != 0;
		return 0;
	case F_GETFL:
		return f->flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	case F_SETFL:
		f->flags = (f->flags & ~SETFL_MASK) | ((unsigned)arg & SETFL_MASK);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return do_lock(t, f, cmd, arg);
	case F_GETPIPE_SZ:
		return pipe_file_get_size(f);
	case F_SETPIPE_SZ:
		return pipe_file_set_size(f, arg, t->proc->cred.euid == 0);
	case F_GETOWN:
	case F_GETSIG:
		return 0;
	case F_SETOWN:
	case F_SETSIG:
	case F_NOTIFY:
		return 0;
	case F_GETLEASE:
		return F_UNLCK;
	case F_SETLEASE:
		return (int)arg == F_UNLCK ? 0 : -EAGAIN;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(umask)
{
	struct fs_context *fs = t->proc->fs;
	mode_t old = fs->umask;

	fs->umask = (mode_t)a[0] & 0777;
	return old;
}
