/* Clocks and sleeping. */
#include <errno.h>
#include <time.h>
#include <sys/time.h>
#include "syscalls/syscall.h"
#include "task/task.h"
#include "mm/uaccess.h"
#include "lib/ktime.h"
#include "task/cputime.h"

static int clock_now(int clk, struct timespec *ts, struct task *t)
{
	uint64_t ns;

	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ts = ktime_real();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		ns = ktime_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		ns = process_cputime_ns(t->proc);
		break;
	default:
		return -EINVAL;
	}
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

SYSCALL_DEFINE(clock_gettime)
{
	struct timespec ts;
	int r = clock_now((int)a[0], &ts, t);

	if (r)
		return r;
	return copy_to_user(t, a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(clock_getres)
{
	struct timespec ts = { 0, 1 };

	if (clock_now((int)a[0], &ts, t))
		return -EINVAL;
	ts.tv_sec = 0;
	ts.tv_nsec = 1;
	if (a[1] && copy_to_user(t, a[1], &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(gettimeofday)
{
	struct timespec now = ktime_real();
	struct timeval tv = { now.tv_sec, now.tv_nsec / 1000 };
	struct timezone tz = { 0, 0 };

	if (a[0] && copy_to_user(t, a[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_to_user(t, a[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(time)
{
	int64_t now = ktime_real().tv_sec;

	if (a[0] && copy_to_user(t, a[0], &now, sizeof(now)))
		return -EFAULT;
	return now;
}

SYSCALL_DEFINE(settimeofday)
{
	return t->proc->cred.euid ? -EPERM : -EPERM;
}

/* Sleep until the absolute monotonic deadline kept in the task across
 * retries; on a signal, report the time left. */
static long sleep_until(struct task *t, uint64_t deadline, uint64_t rem_addr)
{
	uint64_t now = ktime_ns();

	if (now >= deadline)
		return 0;
	if (t->wake_deadline && t->timed_out)
		return 0;
	task_wait_until(t, deadline);
	if (rem_addr) {
		/* Written now; correct if interrupted, ignored otherwise. */
		uint64_t left = deadline - now;
		struct timespec ts = { left / 1000000000, left % 1000000000 };
		copy_to_user(t, rem_addr, &ts, sizeof(ts));
	}
	t->block_intr = -EINTR;
	return -EBLOCK;
}

static long do_nanosleep(struct task *t, int clk, int flags, uint64_t req, uint64_t rem)
{
	struct timespec ts;
	uint64_t ns;

	if (!t->wake_deadline) {
		if (copy_from_user(t, &ts, req, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		if (flags & TIMER_ABSTIME) {
			struct timespec now;
			if (clock_now(clk, &now, t))
				return -EINVAL;
			uint64_t now_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
			ns = ns > now_ns ? ns - now_ns : 0;
		}
		t->wake_deadline = ktime_ns() + ns;
		if (!ns)
			return 0;
	}
	return sleep_until(t, t->wake_deadline, (flags & TIMER_ABSTIME) ? 0 : rem);
}

SYSCALL_DEFINE(nanosleep)
{
	return do_nanosleep(t, CLOCK_MONOTONIC, 0, a[0], a[1]);
}

SYSCALL_DEFINE(clock_nanosleep)
{
	int clk = (int)a[0];

	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME &&
	    clk != CLOCK_TAI)
		return -EINVAL;
	long r = do_nanosleep(t, clk, (int)a[1], a[2], a[3]);
	return r == -EINTR ? -EINTR : r;
}

static void ns_to_tv(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = ns / 1000000000;
	tv->tv_usec = ns % 1000000000 / 1000;
}

static void get_itimer(struct process *p, struct itimerval *v)
{
	uint64_t now = ktime_ns();
	uint64_t left = p->itimer_real.armed && p->itimer_real.deadline > now ?
			p->itimer_real.deadline - now : 0;

	if (p->itimer_real.armed && !left)
		left = 1000;	/* due now: report the smallest nonzero value */
	ns_to_tv(left, &v->it_value);
	ns_to_tv(p->itimer_real_interval, &v->it_interval);
}

SYSCALL_DEFINE(getitimer)
{
	struct itimerval v = { 0 };

	if ((int)a[0] < ITIMER_REAL || (int)a[0] > ITIMER_PROF)
		return -EINVAL;
	if ((int)a[0] == ITIMER_REAL)
		get_itimer(t->proc, &v);
	return copy_to_user(t, a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(setitimer)
{
	struct process *p = t->proc;
	struct itimerval n = { 0 }, o = { 0 };
	uint64_t value, interval;

	if ((int)a[0] < ITIMER_REAL || (int)a[0] > ITIMER_PROF)
		return -EINVAL;
	if (a[1] && copy_from_user(t, &n, a[1], sizeof(n)))
		return -EFAULT;
	if (n.it_value.tv_usec < 0 || n.it_value.tv_usec >= 1000000 ||
	    n.it_interval.tv_usec < 0 || n.it_interval.tv_usec >= 1000000 ||
	    n.it_value.tv_sec < 0 || n.it_interval.tv_sec < 0)
		return -EINVAL;
	/* Virtual and profiling timers are accepted but never fire. */
	if ((int)a[0] != ITIMER_REAL)
		return a[2] && copy_to_user(t, a[2], &o, sizeof(o)) ? -EFAULT : 0;
	get_itimer(p, &o);
	value = n.it_value.tv_sec * 1000000000ULL + n.it_value.tv_usec * 1000ULL;
	interval = n.it_interval.tv_sec * 1000000000ULL + n.it_interval.tv_usec * 1000ULL;
	ktimer_cancel(&p->itimer_real);
	p->itimer_real_interval = value ? interval : 0;
	if (value)
		ktimer_arm(&p->itimer_real, ktime_ns() + value);
	if (a[2] && copy_to_user(t, a[2], &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(alarm)
{
	struct process *p = t->proc;
	struct itimerval o;
	long left;

	get_itimer(p, &o);
	left = o.it_value.tv_sec + (o.it_value.tv_usec >= 500000 || (!o.it_value.tv_sec && o.it_value.tv_usec) ? 1 : 0);
	ktimer_cancel(&p->itimer_real);
	p->itimer_real_interval = 0;
	if (a[0])
		ktimer_arm(&p->itimer_real, ktime_ns() + a[0] * 1000000000ULL);
	return left;
}
