/* Waiting for many files (poll, ppoll, select, pselect6) and ioctl.
 *
 * A wait scans the files once without registering; if nothing is ready
 * and time remains, it scans again with the task's poll table (parking it
 * on every queue offered), arms the deadline and returns -EBLOCK. The
 * scheduler re-runs the call when a queue or the timer fires. The absolute
 * deadline lives in t->wake_deadline across those retries; the scheduler
 * clears it when the call ends. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <linux/fs.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "task/task.h"
#include "signal/signal.h"
#include "mm/uaccess.h"
#include "lib/ktime.h"

#define NSEC_PER_SEC 1000000000LL
#define MAX_SELECT_FDS (1 << 20)

/* Start (first entry) or continue a timed wait. timeout_ns < 0 waits
 * forever (deadline 0). */
static uint64_t wait_deadline(struct task *t, int64_t timeout_ns)
{
	if (timeout_ns <= 0)
		return 0;
	if (!t->wake_deadline) {
		uint64_t now = ktime_ns();

		t->wake_deadline = (uint64_t)timeout_ns > UINT64_MAX - now ?
				   UINT64_MAX : now + timeout_ns;
	}
	return t->wake_deadline;
}

static bool wait_expired(int64_t timeout_ns, uint64_t deadline)
{
	return timeout_ns == 0 || (deadline && ktime_ns() >= deadline);
}

/* Park t (already registered on the files' queues) until the deadline. */
static long wait_park(struct task *t, uint64_t deadline)
{
	if (deadline)
		task_wait_until(t, deadline);
	t->block_intr = -ERESTARTNOHAND;
	return -EBLOCK;
}

/* Drivers may report only POLLIN/POLLOUT; callers may ask for either. */
static unsigned poll_normalize(unsigned mask)
{
	if (mask & POLLIN)
		mask |= POLLRDNORM;
	if (mask & POLLOUT)
		mask |= POLLWRNORM;
	return mask;
}

/* ---- temporary signal masks (ppoll, pselect6) ---- */

static long get_sigmask(struct task *t, uint64_t umask, size_t size, ksigset_t *mask,
			bool *have)
{
	*have = false;
	if (!umask)
		return 0;
	if (size != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(t, mask, umask, sizeof(*mask)))
		return -EFAULT;
	*have = true;
	return 0;
}

/* Install the mask for the wait; the signal code restores the saved one
 * after delivering a signal that interrupted it. */
static void set_wait_mask(struct task *t, ksigset_t mask)
{
	if (!t->restore_saved_mask) {
		t->saved_mask = t->blocked;
		t->restore_saved_mask = true;
	}
	t->blocked = mask & ~(ksig_bit(SIGKILL) | ksig_bit(SIGSTOP));
}

/* The call ends without a signal: put the old mask back now. */
static void end_wait_mask(struct task *t, bool have)
{
	if (have && t->restore_saved_mask) {
		t->blocked = t->saved_mask;
		t->restore_saved_mask = false;
	}
}

/* Write back the time left, as Linux does for ppoll/pselect6/select. */
static void put_remaining_ts(struct task *t, uint64_t uts, uint64_t deadline, bool usec)
{
	uint64_t now = ktime_ns(), left = deadline > now ? deadline - now : 0;

	if (!uts || !deadline)
		return;
	if (usec) {
		struct timeval tv = { left / NSEC_PER_SEC, (left % NSEC_PER_SEC) / 1000 };
		put_user(t, uts, &tv);
	} else {
		struct timespec ts = { left / NSEC_PER_SEC, left % NSEC_PER_SEC };
		put_user(t, uts, &ts);
	}
}

static long get_timespec_ns(struct task *t, uint64_t uts, int64_t *ns)
{
	struct timespec ts;

	*ns = -1;
	if (!uts)
		return 0;
	if (copy_from_user(t, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*ns = ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1 ? INT64_MAX
						       : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

/* ---- poll ---- */

static int poll_scan(struct task *t, struct pollfd *fds, unsigned n, struct poll_table *pt)
{
	int count = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned revents = 0;

		if (fds[i].fd >= 0) {
			struct file *f = task_file(t, fds[i].fd);

			if (!f)
				revents = POLLNVAL;
			else
				revents = poll_normalize(file_poll(f, pt)) &
					  ((unsigned short)fds[i].events | POLLERR | POLLHUP);
		}
		fds[i].revents = (short)revents;
		if (revents)
			count++;
	}
	return count;
}

static long do_poll(struct task *t, uint64_t ufds, uint64_t nfds, int64_t timeout_ns,
		    bool *interrupted)
{
	struct pollfd *fds;
	struct poll_table pt;
	uint64_t deadline;
	long ret;

	*interrupted = false;
	if (nfds > (uint64_t)task_nofile(t))
		return -EINVAL;
	fds = malloc(nfds ? nfds * sizeof(*fds) : 1);
	if (!fds)
		return -ENOMEM;
	if (copy_from_user(t, fds, ufds, nfds * sizeof(*fds))) {
		ret = -EFAULT;
		goto out;
	}
	deadline = wait_deadline(t, timeout_ns);
	ret = poll_scan(t, fds, nfds, NULL);
	if (ret || wait_expired(timeout_ns, deadline)) {
		if (copy_to_user(t, ufds, fds, nfds * sizeof(*fds)))
			ret = -EFAULT;
		goto out;
	}
	if (signal_pending(t)) {
		*interrupted = true;
		ret = -ERESTARTNOHAND;
		goto out;
	}
	task_poll_table(t, &pt);
	poll_scan(t, fds, nfds, &pt);
	ret = wait_park(t, deadline);
out:
	free(fds);
	return ret;
}

SYSCALL_DEFINE(poll)
{
	int ms = (int)a[2];
	bool intr;

	return do_poll(t, a[0], (unsigned)a[1], ms < 0 ? -1 : (int64_t)ms * 1000000, &intr);
}

SYSCALL_DEFINE(ppoll)
{
	int64_t ns;
	ksigset_t mask;
	bool have_mask, intr;
	long ret;

	ret = get_timespec_ns(t, a[2], &ns);
	if (ret < 0)
		return ret;
	ret = get_sigmask(t, a[3], a[4], &mask, &have_mask);
	if (ret < 0)
		return ret;
	if (have_mask)
		set_wait_mask(t, mask);
	ret = do_poll(t, a[0], (unsigned)a[1], ns, &intr);
	if (ret == -EBLOCK)
		return ret;
	if (ns > 0)
		put_remaining_ts(t, a[2], t->wake_deadline, false);
	if (!intr)
		end_wait_mask(t, have_mask);
	return ret;
}

/* ---- select ---- */

#define POLLIN_SET  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET  (POLLPRI)

struct fdsets {
	unsigned long *in, *out, *ex;		/* requested (NULL = none) */
	unsigned long *rin, *rout, *rex;	/* results */
	int n;
	size_t bytes;
};

static bool bit(const unsigned long *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static void set_bit_in(unsigned long *set, int fd)
{
	set[fd / 64] |= 1UL << (fd % 64);
}

static int select_scan(struct task *t, struct fdsets *s, struct poll_table *pt)
{
	int count = 0;

	memset(s->rin, 0, s->bytes);
	memset(s->rout, 0, s->bytes);
	memset(s->rex, 0, s->bytes);
	for (int fd = 0; fd < s->n; fd++) {
		bool want_in = bit(s->in, fd), want_out = bit(s->out, fd);
		bool want_ex = bit(s->ex, fd);
		struct file *f;
		unsigned mask;

		if (!want_in && !want_out && !want_ex)
			continue;
		f = task_file(t, fd);
		if (!f)
			return -EBADF;
		mask = poll_normalize(file_poll(f, pt));
		if (want_in && (mask & POLLIN_SET)) {
			set_bit_in(s->rin, fd);
			count++;
		}
		if (want_out && (mask & POLLOUT_SET)) {
			set_bit_in(s->rout, fd);
			count++;
		}
		if (want_ex && (mask & POLLEX_SET)) {
			set_bit_in(s->rex, fd);
			count++;
		}
	}
	return count;
}

static long put_sets(struct task *t, const struct fdsets *s, const uint64_t *u)
{
	if ((u[0] && copy_to_user(t, u[0], s->rin, s->bytes)) ||
	    (u[1] && copy_to_user(t, u[1], s->rout, s->bytes)) ||
	    (u[2] && copy_to_user(t, u[2], s->rex, s->bytes)))
		return -EFAULT;
	return 0;
}

/* u: the three guest set addresses. */
static long do_select(struct task *t, int nfds, const uint64_t *u, int64_t timeout_ns,
		      bool *interrupted)
{
	struct fdsets s = { 0 };
	struct poll_table pt;
	unsigned long *mem;
	uint64_t deadline;
	size_t words;
	long ret;

	*interrupted = false;
	if (nfds < 0 || nfds > MAX_SELECT_FDS)
		return -EINVAL;
	/* Bits past the table are ignored, as Linux clamps to its size. */
	s.n = nfds < t->proc->files->size ? nfds : t->proc->files->size;
	s.bytes = ((nfds + 63) / 64) * 8;
	words = s.bytes / 8;
	mem = calloc(6, s.bytes ? s.bytes : 8);
	if (!mem)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		if (u[i] && copy_from_user(t, mem + i * words, u[i], s.bytes)) {
			ret = -EFAULT;
			goto out;
		}
	}
	s.in = u[0] ? mem : NULL;
	s.out = u[1] ? mem + words : NULL;
	s.ex = u[2] ? mem + 2 * words : NULL;
	s.rin = mem + 3 * words;
	s.rout = mem + 4 * words;
	s.rex = mem + 5 * words;
	deadline = wait_deadline(t, timeout_ns);
	ret = select_scan(t, &s, NULL);
	if (ret < 0)
		goto out;
	if (ret || wait_expired(timeout_ns, deadline)) {
		if (put_sets(t, &s, u))
			ret = -EFAULT;
		goto out;
	}
	if (signal_pending(t)) {
		*interrupted = true;
		ret = -ERESTARTNOHAND;
		goto out;
	}
	task_poll_table(t, &pt);
	select_scan(t, &s, &pt);
	ret = wait_park(t, deadline);
out:
	free(mem);
	return ret;
}

SYSCALL_DEFINE(select)
{
	struct timeval tv;
	int64_t ns = -1;
	bool intr;
	long ret;

	if (a[4]) {
		if (copy_from_user(t, &tv, a[4], sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		tv.tv_sec += tv.tv_usec / 1000000;
		tv.tv_usec %= 1000000;
		ns = tv.tv_sec > INT64_MAX / NSEC_PER_SEC - 1 ? INT64_MAX :
		     tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000;
	}
	ret = do_select(t, (int)a[0], &a[1], ns, &intr);
	if (ret != -EBLOCK && ns > 0)
		put_remaining_ts(t, a[4], t->wake_deadline, true);
	return ret;
}

SYSCALL_DEFINE(pselect6)
{
	struct { uint64_t ss, ss_len; } sig = { 0, 0 };
	ksigset_t mask;
	bool have_mask, intr;
	int64_t ns;
	long ret;

	ret = get_timespec_ns(t, a[4], &ns);
	if (ret < 0)
		return ret;
	if (a[5] && copy_from_user(t, &sig, a[5], sizeof(sig)))
		return -EFAULT;
	ret = get_sigmask(t, sig.ss, sig.ss_len, &mask, &have_mask);
	if (ret < 0)
		return ret;
	if (have_mask)
		set_wait_mask(t, mask);
	ret = do_select(t, (int)a[0], &a[1], ns, &intr);
	if (ret == -EBLOCK)
		return ret;
	if (ns > 0)
		put_remaining_ts(t, a[4], t->wake_deadline, false);
	if (!intr)
		end_wait_mask(t, have_mask);
	return ret;
}

/* ---- ioctl ---- */

SYSCALL_DEFINE(ioctl)
{
	int fd = (int)a[0];
	unsigned cmd = (unsigned)a[1];
	uint64_t arg = a[2];
	struct file *f = task_file(t, fd);
	int val;

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
		t->proc->files->cloexec[fd] = 1;
		return 0;
	case FIONCLEX:
		t->proc->files->cloexec[fd] = 0;
		return 0;
	case FIONBIO:
		if (get_user(t, &val, arg))
			return -EFAULT;
		if (val)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~O_NONBLOCK;
		return 0;
	case FIOASYNC:
		if (get_user(t, &val, arg))
			return -EFAULT;
		if (val)
			f->flags |= O_ASYNC;
		else
			f->flags &= ~O_ASYNC;
		return 0;
	}
	if (f->inode && S_ISREG(f->inode->mode)) {
		int64_t left = (int64_t)f->inode->size - (int64_t)f->pos;
		int64_t size = f->inode->size;

		switch (cmd) {
		case FIONREAD:
			val = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
			return put_user(t, arg, &val);
		case FIGETBSZ:
			val = 4096;
			return put_user(t, arg, &val);
		case FIOQSIZE:
			return put_user(t, arg, &size);
		}
	}
	if (cmd == FIOQSIZE && f->inode &&
	    (S_ISDIR(f->inode->mode) || S_ISLNK(f->inode->mode))) {
		int64_t size = f->inode->size;
		return put_user(t, arg, &size);
	}
	if (f->op && f->op->ioctl)
		return f->op->ioctl(f, cmd, arg);
	return -ENOTTY;
}
