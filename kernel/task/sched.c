/* The event loop. Guest stops arrive through the platform; each syscall
 * either completes, or parks its task on wait queues and is retried when
 * woken. */
#include <errno.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include "task/sched.h"
#include "task/internal.h"
#include "task/exit.h"
#include "task/futex.h"
#include "task/oops.h"
#include "signal/signal.h"
#include "signal/deliver.h"
#include "syscalls/syscall.h"
#include "lib/event.h"
#include "lib/log.h"

struct task_wait {
	struct wait_entry entry;
	struct list node;		/* in task->waits */
	struct task *task;
};

static struct list ready = LIST_INIT(ready);
static struct list dead = LIST_INIT(dead);


void sched_free_later(struct task *t)
{
	list_del(&t->ready_node);
	list_add_tail(&t->ready_node, &dead);
}

static void free_dead(void)
{
	while (!list_empty(&dead)) {
		struct task *t = list_entry(dead.next, struct task, ready_node);
		list_del(&t->ready_node);
		task_free(t);
	}
}

static bool halt_requested;
static int halt_how;

void sched_request_halt(int how)
{
	if (!halt_requested) {
		halt_requested = true;
		halt_how = how;
	}
}

int sched_halt_reason(void)
{
	return halt_how;
}

bool sched_halting(void)
{
	return halt_requested;
}

static bool cad_enabled = true;

void sched_set_cad(bool enabled)
{
	cad_enabled = enabled;
}

int sched_ctrl_alt_del(void)
{
	struct process *init = process_by_pid(1);

	if (cad_enabled) {
		printk_level(KERN_NOTICE, "reboot: Restarting system\n");
		sched_request_halt(RB_AUTOBOOT);
		return 0;
	}
	if (!init || init->zombie)
		return -ESRCH;
	signal_send_process(init, SIGINT);
	return 0;
}

static void wait_woken(struct wait_entry *e)
{
	task_wake(((struct task_wait *)e)->task);
}

void task_wait_on(struct task *t, struct waitq *wq)
{
	struct task_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return;		/* the task then waits for a signal or timer */
	w->entry.wake = wait_woken;
	w->entry.owner = t;
	w->task = t;
	waitq_add(wq, &w->entry);
	list_add_tail(&w->node, &t->waits);
}

static void poll_queue(struct poll_table *pt, struct waitq *wq)
{
	task_wait_on(pt->owner, wq);
}

void task_poll_table(struct task *t, struct poll_table *pt)
{
	pt->queue = poll_queue;
	pt->owner = t;
}

void task_wait_until(struct task *t, uint64_t deadline_ns)
{
	ktimer_arm(&t->wake_timer, deadline_ns);
}

void task_timer_fired(struct ktimer *k)
{
	struct task *t = container_of(k, struct task, wake_timer);

	t->timed_out = true;
	task_wake(t);
}

static void drop_waits(struct task *t)
{
	while (!list_empty(&t->waits)) {
		struct task_wait *w = list_entry(t->waits.next, struct task_wait, node);
		if (w->entry.wq)
			waitq_remove(&w->entry);
		list_del(&w->node);
		free(w);
	}
	ktimer_cancel(&t->wake_timer);
}

void task_wake(struct task *t)
{
	if (t->state != TASK_BLOCKED)
		return;
	drop_waits(t);
	t->state = TASK_READY;
	list_add_tail(&t->ready_node, &ready);
}

void return_to_user(struct task *t)
{
	if (t->state == TASK_DEAD)
		return;
	signal_deliver(t);
	if (t->state == TASK_DEAD)
		return;
	if (t->proc->stopped) {
		t->state = TASK_STOPPED;
		return;
	}
	t->in_syscall = false;
	if (platform_resume(&t->pt) < 0) {
		/* The host thread vanished under us; its exit event follows. */
		t->state = TASK_RUNNING;
		return;
	}
	t->state = TASK_RUNNING;
}

/* UMLINUX_STRACE=1 in the kernel's environment logs every guest syscall. */
bool sched_trace_syscalls;

static void do_syscall(struct task *t)
{
	long ret;

	current = t;
	t->block_intr = -ERESTARTSYS;
	ret = oops_guarded_dispatch(t);
	current = NULL;
	if (sched_trace_syscalls)
		host_msg("[%d] %s(%#lx, %#lx, %#lx) = %ld\n", t->tid, syscall_name(t->sc_nr),
			 (long)t->sc_args[0], (long)t->sc_args[1], (long)t->sc_args[2], ret);
	if (t->state == TASK_DEAD)
		return;
	if (ret == -EBLOCK) {
		if (!signal_pending(t) && !t->proc->exiting) {
			t->state = TASK_BLOCKED;
			return;
		}
		ret = t->block_intr;
	}
	drop_waits(t);
	futex_task_gone(t);
	t->wake_deadline = 0;
	t->timed_out = false;
	if (ret != -EJUSTRETURN) {
		t->pt.regs.rax = (uint64_t)ret;
		t->pt.regs_dirty = true;
	}
	return_to_user(t);
}

static void handle_stop(struct stop_event *ev)
{
	struct task *t = task_by_host_tid(ev->host_tid);

	if (!t)
		return;		/* a thread of a process already torn down */
	if (ev->kind == STOP_EXITED) {
		task_host_exited(t, ev->exit_status);
		return;
	}
	if (t->state == TASK_DEAD)
		return;
	if (platform_get_regs(&t->pt) < 0)
		return;
	t->state = TASK_READY;
	switch (ev->kind) {
	case STOP_SYSCALL:
		t->in_syscall = true;
		t->syscall_count++;
		t->sc_nr = (long)t->pt.regs.orig_rax;
		t->sc_args[0] = t->pt.regs.rdi;
		t->sc_args[1] = t->pt.regs.rsi;
		t->sc_args[2] = t->pt.regs.rdx;
		t->sc_args[3] = t->pt.regs.r10;
		t->sc_args[4] = t->pt.regs.r8;
		t->sc_args[5] = t->pt.regs.r9;
		t->wake_deadline = 0;
		do_syscall(t);
		break;
	case STOP_FAULT:
		t->in_syscall = false;
		signal_fault(t, &ev->info);
		return_to_user(t);
		break;
	default:
		t->in_syscall = false;
		return_to_user(t);
		break;
	}
}

static void run_ready(void)
{
	while (!list_empty(&ready)) {
		struct task *t = list_entry(ready.next, struct task, ready_node);
		list_del(&t->ready_node);
		if (t->state != TASK_READY)
			continue;
		if (t->in_syscall)
			do_syscall(t);
		else
			return_to_user(t);
	}
}

/* Make a task whose state changed (woken, continued) run again. */
void sched_make_ready(struct task *t)
{
	if (t->state == TASK_BLOCKED) {
		task_wake(t);
		return;
	}
	t->state = TASK_READY;
	list_del(&t->ready_node);
	list_add_tail(&t->ready_node, &ready);
}

/* Guest stops are handled in batches; between batches the host fds and
 * timers get a look, so a storm of guest syscalls cannot starve consoles
 * or sleepers. */
#define STOP_BATCH 64

void sched_run(void)
{
	struct stop_event ev;

	while (!sched_halting()) {
		int handled = 0;

		free_dead();
		run_ready();
		while (handled < STOP_BATCH && !sched_halting() && platform_next_stop(&ev) == 0) {
			handle_stop(&ev);
			run_ready();
			handled++;
		}
		if (sched_halting())
			break;
		if (handled == STOP_BATCH || !list_empty(&ready)) {
			event_poll(platform_event_fd(), 0);
			continue;
		}
		if (handled)
			continue;
		event_poll(platform_event_fd(), -1);
	}
}
