/* Futexes: waiters keyed by (address space, guest address). */
#include <errno.h>
#include <stdlib.h>
#include <linux/futex.h>
#include "task/futex.h"
#include "task/sched.h"
#include "mm/uaccess.h"
#include "lib/kerrno.h"
#include "lib/ktime.h"

struct futex_waiter {
	struct list node;
	struct task *task;
	void *mm;
	uint64_t addr;
	uint32_t bitset;
	bool woken;
};

static struct list waiters = LIST_INIT(waiters);

static void drop(struct task *t)
{
	struct futex_waiter *w = t->futex_wait;

	if (w) {
		list_del(&w->node);
		free(w);
		t->futex_wait = NULL;
	}
}

void futex_task_gone(struct task *t)
{
	drop(t);
}

int futex_wake(void *mm, uint64_t addr, int n, uint32_t bitset)
{
	struct list *pos, *tmp;
	int woken = 0;

	list_for_each_safe(pos, tmp, &waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (woken >= n)
			break;
		if (w->mm != mm || w->addr != addr || w->woken || !(w->bitset & bitset))
			continue;
		w->woken = true;
		woken++;
		task_wake(w->task);
	}
	return woken;
}

long futex_wait(struct task *t, uint64_t addr, uint32_t val, uint64_t timeout_addr,
		bool absolute, uint32_t bitset)
{
	struct futex_waiter *w = t->futex_wait;
	uint32_t cur;

	if (w) {
		/* A retry: woken by FUTEX_WAKE, a timeout or a signal. */
		bool woken = w->woken;
		drop(t);
		if (woken)
			return 0;
		if (t->timed_out)
			return -ETIMEDOUT;
	}
	if (addr & 3)
		return -EINVAL;
	if (!bitset)
		return -EINVAL;
	if (get_user(t, &cur, addr))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (timeout_addr && !t->wake_deadline) {
		struct timespec ts;
		if (copy_from_user(t, &ts, timeout_addr, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		uint64_t ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		if (absolute) {
			/* Absolute times are CLOCK_MONOTONIC (or REALTIME with
			 * FUTEX_CLOCK_REALTIME, treated alike here). */
			ns = ns > ktime_ns() ? ns - ktime_ns() : 0;
		}
		t->wake_deadline = ktime_ns() + ns;
	}
	if (t->wake_deadline) {
		if (ktime_ns() >= t->wake_deadline)
			return -ETIMEDOUT;
		task_wait_until(t, t->wake_deadline);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->task = t;
	w->mm = t->proc->mm;
	w->addr = addr;
	w->bitset = bitset;
	list_add_tail(&w->node, &waiters);
	t->futex_wait = w;
	t->block_intr = -ERESTARTSYS;
	return -EBLOCK;
}
