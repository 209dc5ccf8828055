/* Data transfer: read/write and their vector and positioned forms, lseek,
 * sendfile, copy_file_range and getrandom.
 *
 * Everything moves through one kernel bounce buffer, RW_CHUNK bytes per
 * step (the kernel is single-threaded, so one static buffer serves). A
 * transfer stops at the first short step; once some bytes moved, a later
 * error only ends the transfer and the count so far is returned. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/random.h>
#include <linux/fs.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "fs/devfs.h"
#include "task/task.h"
#include "signal/signal.h"
#include "mm/uaccess.h"

#define IOV_MAX_COUNT 1024

static char bounce[RW_CHUNK];

/* A guest iovec list, validated. */
struct kiov {
	uint64_t base;
	size_t len;
};

struct uio {
	struct kiov iov[IOV_MAX_COUNT];
	int cnt;
	size_t total;
};

/* Copy n bytes between buf and the iovecs at logical offset off. */
static int uio_copy(struct task *t, const struct uio *u, size_t off, void *buf,
		    size_t n, bool to_user)
{
	char *p = buf;

	for (int i = 0; i < u->cnt && n; i++) {
		size_t len = u->iov[i].len, step;

		if (off >= len) {
			off -= len;
			continue;
		}
		step = len - off < n ? len - off : n;
		if (to_user ? copy_to_user(t, u->iov[i].base + off, p, step)
			    : copy_from_user(t, p, u->iov[i].base + off, step))
			return -EFAULT;
		p += step;
		n -= step;
		off = 0;
	}
	return 0;
}

static int uio_single(struct uio *u, uint64_t buf, size_t len)
{
	u->cnt = 1;
	u->iov[0].base = buf;
	u->iov[0].len = len > MAX_RW_COUNT ? MAX_RW_COUNT : len;
	u->total = u->iov[0].len;
	return 0;
}

/* Read a guest iovec array: EINVAL for a bad count or lengths. The total
 * is capped at MAX_RW_COUNT, as Linux truncates it. */
static int uio_import(struct task *t, struct uio *u, uint64_t uiov, long cnt)
{
	struct iovec iov[IOV_MAX_COUNT];

	if (cnt < 0 || cnt > IOV_MAX_COUNT)
		return -EINVAL;
	if (cnt && copy_from_user(t, iov, uiov, cnt * sizeof(iov[0])))
		return -EFAULT;
	u->cnt = cnt;
	u->total = 0;
	for (long i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;

		if ((ssize_t)len < 0)
			return -EINVAL;
		if (len > MAX_RW_COUNT - u->total)
			len = MAX_RW_COUNT - u->total;
		u->iov[i].base = (uint64_t)(uintptr_t)iov[i].iov_base;
		u->iov[i].len = len;
		u->total += len;
	}
	return 0;
}

/* Data read from a stream cannot be put back: check that the destination
 * can be touched before taking it. Seekable files rewind instead. */
static bool probe_dest(struct task *t, const struct uio *u)
{
	char c;

	for (int i = 0; i < u->cnt; i++) {
		if (u->iov[i].len)
			return copy_from_user(t, &c, u->iov[i].base, 1) == 0;
	}
	return true;
}

static bool is_stream_or_device(const struct file *f)
{
	return !f->inode || !(S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode));
}

/* pos < 0: at and advancing the file position; else at pos. */
static long do_readv(struct task *t, struct file *f, struct uio *u, int64_t pos,
		     bool nowait)
{
	size_t done = 0;
	ssize_t n;

	if (u->total && is_stream_or_device(f) && !probe_dest(t, u))
		return -EFAULT;
	do {
		size_t chunk = u->total - done < RW_CHUNK ? u->total - done : RW_CHUNK;

		n = pos < 0 ? file_read(f, bounce, chunk)
			    : file_pread(f, bounce, chunk, pos + done);
		if (n < 0) {
			if (done)
				break;
			if (n == -EAGAIN && !nowait)
				return file_block(t, f);
			return n;
		}
		if (n == 0)
			break;
		if (uio_copy(t, u, done, bounce, n, true)) {
			if (pos < 0 && !file_is_stream(f))
				f->pos -= n;
			return done ? (long)done : -EFAULT;
		}
		done += n;
		if ((size_t)n < chunk)
			break;
	} while (done < u->total);
	return done;
}

static void send_sigpipe(struct task *t)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = SIGPIPE;
	info.si_code = SI_USER;
	info.si_pid = t->proc->pid;
	info.si_uid = t->proc->cred.uid;
	signal_send_info(t->proc, t, &info);
}

static long do_writev(struct task *t, struct file *f, struct uio *u, int64_t pos,
		      bool nowait)
{
	size_t done = 0;
	ssize_t n;

	do {
		size_t chunk = u->total - done < RW_CHUNK ? u->total - done : RW_CHUNK;

		if (uio_copy(t, u, done, bounce, chunk, false))
			return done ? (long)done : -EFAULT;
		n = pos < 0 ? file_write(f, bounce, chunk)
			    : file_pwrite(f, bounce, chunk, pos + done);
		if (n < 0) {
			if (done)
				break;
			if (n == -EAGAIN && !nowait)
				return file_block(t, f);
			if (n == -EPIPE)
				send_sigpipe(t);
			return n;
		}
		done += n;
		if ((size_t)n < chunk)
			break;
	} while (done < u->total);
	return done;
}

static struct uio uio_buf;

SYSCALL_DEFINE(read)
{
	struct file *f = task_file(t, (int)a[0]);

	if (!f)
		return -EBADF;
	uio_single(&uio_buf, a[1], a[2]);
	return do_readv(t, f, &uio_buf, -1, false);
}

SYSCALL_DEFINE(write)
{
	struct file *f = task_file(t, (int)a[0]);

	if (!f)
		return -EBADF;
	uio_single(&uio_buf, a[1], a[2]);
	return do_writev(t, f, &uio_buf, -1, false);
}

/* pread64/pwrite64: one buffer at an explicit position. */
static long pos_rw(struct task *t, const uint64_t *a, bool write)
{
	int64_t pos = (int64_t)a[3];
	struct file *f;

	if (pos < 0)
		return -EINVAL;
	f = task_file(t, (int)a[0]);
	if (!f)
		return -EBADF;
	if (file_is_stream(f))
		return -ESPIPE;
	uio_single(&uio_buf, a[1], a[2]);
	if (write)
		return do_writev(t, f, &uio_buf, pos, false);
	return do_readv(t, f, &uio_buf, pos, false);
}

SYSCALL_DEFINE(pread64)
{
	return pos_rw(t, a, false);
}

SYSCALL_DEFINE(pwrite64)
{
	return pos_rw(t, a, true);
}

/* The vector forms; pos -1 means the file position (readv/writev, and
 * preadv2/pwritev2 with offset -1). */
static long vec_rw(struct task *t, const uint64_t *a, int64_t pos, bool positioned,
		   unsigned rwf, bool write)
{
	struct file *f = task_file(t, (int)a[0]);
	int err;

	if (rwf & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT))
		return -EOPNOTSUPP;
	if (!f)
		return -EBADF;
	if (positioned && pos < -1)
		return -EINVAL;
	if (positioned && pos >= 0 && file_is_stream(f))
		return -ESPIPE;
	err = uio_import(t, &uio_buf, a[1], (long)(int)a[2]);
	if (err < 0)
		return err;
	if (write)
		return do_writev(t, f, &uio_buf, pos, rwf & RWF_NOWAIT);
	return do_readv(t, f, &uio_buf, pos, rwf & RWF_NOWAIT);
}

SYSCALL_DEFINE(readv)
{
	return vec_rw(t, a, -1, false, 0, false);
}

SYSCALL_DEFINE(writev)
{
	return vec_rw(t, a, -1, false, 0, true);
}

SYSCALL_DEFINE(preadv)
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return vec_rw(t, a, (int64_t)a[3], true, 0, false);
}

SYSCALL_DEFINE(pwritev)
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return vec_rw(t, a, (int64_t)a[3], true, 0, true);
}

SYSCALL_DEFINE(preadv2)
{
	return vec_rw(t, a, (int64_t)a[3], true, (unsigned)a[5], false);
}

SYSCALL_DEFINE(pwritev2)
{
	return vec_rw(t, a, (int64_t)a[3], true, (unsigned)a[5], true);
}

SYSCALL_DEFINE(lseek)
{
	struct file *f = task_file(t, (int)a[0]);

	if (!f)
		return -EBADF;
	return file_llseek(f, (int64_t)a[1], (int)a[2]);
}

/* Rewind a seekable input by the bytes the output did not take. */
static void unread(struct file *in, bool positioned, size_t n)
{
	if (!positioned && !file_is_stream(in))
		in->pos -= n;
}

SYSCALL_DEFINE(sendfile)
{
	struct file *out = task_file(t, (int)a[0]), *in = task_file(t, (int)a[1]);
	uint64_t uoff = a[2];
	size_t count = a[3] > MAX_RW_COUNT ? MAX_RW_COUNT : a[3], done = 0;
	int64_t off = 0;
	long ret = 0;

	if (!in || !out)
		return -EBADF;
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (out->flags & O_APPEND)
		return -EINVAL;
	if (uoff) {
		if (get_user(t, &off, uoff))
			return -EFAULT;
		if (off < 0)
			return -EINVAL;
		if (file_is_stream(in))
			return -ESPIPE;
	}
	while (done < count) {
		size_t chunk = count - done < RW_CHUNK ? count - done : RW_CHUNK;
		ssize_t n, w;

		/* Take no more than a pipe output can hold: what is read
		 * from a stream input cannot be put back. */
		if (file_is_pipe(out)) {
			size_t room = pipe_file_room(out);
			if (!room) {
				ret = done ? 0 : file_block(t, out);
				break;
			}
			if (chunk > room)
				chunk = room;
		}
		n = uoff ? file_pread(in, bounce, chunk, off + done)
			 : file_read(in, bounce, chunk);
		if (n < 0) {
			if (!done)
				ret = n == -EAGAIN ? file_block(t, in) : n;
			break;
		}
		if (n == 0)
			break;
		w = file_write(out, bounce, n);
		if (w < 0) {
			unread(in, uoff, n);
			if (!done) {
				ret = w == -EAGAIN ? file_block(t, out) : w;
				if (w == -EPIPE)
					send_sigpipe(t);
			}
			break;
		}
		done += w;
		if (w < n) {
			unread(in, uoff, n - w);
			break;
		}
		if ((size_t)n < chunk)
			break;
	}
	if (uoff && done) {
		off += done;
		if (put_user(t, uoff, &off))
			return -EFAULT;
	}
	return ret < 0 ? ret : (long)done;
}

SYSCALL_DEFINE(copy_file_range)
{
	struct file *in = task_file(t, (int)a[0]), *out = task_file(t, (int)a[2]);
	uint64_t uin = a[1], uout = a[3];
	size_t len = a[4] > MAX_RW_COUNT ? MAX_RW_COUNT : a[4], done = 0;
	int64_t ipos, opos;

	if (a[5])
		return -EINVAL;
	if (!in || !out)
		return -EBADF;
	if ((in->flags & O_ACCMODE) == O_WRONLY || (in->flags & O_PATH) ||
	    (out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_PATH) ||
	    (out->flags & O_APPEND))
		return -EBADF;
	if (!in->inode || !out->inode)
		return -EINVAL;
	if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode))
		return -EISDIR;
	if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode))
		return -EINVAL;
	ipos = in->pos;
	opos = out->pos;
	if (uin && get_user(t, &ipos, uin))
		return -EFAULT;
	if (uout && get_user(t, &opos, uout))
		return -EFAULT;
	if (ipos < 0 || opos < 0)
		return -EINVAL;
	if (in->inode == out->inode && ipos < opos + (int64_t)len &&
	    opos < ipos + (int64_t)len)
		return -EINVAL;
	while (done < len) {
		size_t chunk = len - done < RW_CHUNK ? len - done : RW_CHUNK;
		ssize_t n = file_pread(in, bounce, chunk, ipos + done), w;

		if (n <= 0) {
			if (n < 0 && !done)
				return n;
			break;
		}
		w = file_pwrite(out, bounce, n, opos + done);
		if (w < 0) {
			if (!done)
				return w;
			break;
		}
		done += w;
		if (w < n || (size_t)n < chunk)
			break;
	}
	ipos += done;
	opos += done;
	if (uin ? put_user(t, uin, &ipos) : (in->pos = ipos, 0))
		return -EFAULT;
	if (uout ? put_user(t, uout, &opos) : (out->pos = opos, 0))
		return -EFAULT;
	return done;
}

SYSCALL_DEFINE(getrandom)
{
	uint64_t ubuf = a[0];
	size_t count = a[1] > INT_MAX ? INT_MAX : a[1], done = 0;
	unsigned flags = (unsigned)a[2];

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	while (done < count) {
		size_t chunk = count - done < RW_CHUNK ? count - done : RW_CHUNK;
		ssize_t n = host_random(bounce, chunk);

		if (n <= 0)
			return done ? (long)done : (n < 0 ? n : -EIO);
		if (copy_to_user(t, ubuf + done, bounce, n))
			return done ? (long)done : -EFAULT;
		done += n;
		/* Long requests can be cut short by a signal, as in Linux. */
		if (done < count && done >= 256 && signal_pending(t))
			break;
	}
	return done;
}
