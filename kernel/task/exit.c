/* Exit, zombies, reparenting, wait, and job-control state changes. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/reboot.h>
#include "task/exit.h"
#include "task/internal.h"
#include "task/cputime.h"
#include "task/futex.h"
#include "mm/uaccess.h"
#include <linux/futex.h>
#include "task/sched.h"
#include "signal/signal.h"
#include "mm/mm.h"
#include "fs/vfs.h"
#include "tty/tty.h"
#include "lib/log.h"
#include "lib/kerrno.h"
#include "lib/ktime.h"

static void sighand_put(struct sighand *sh)
{
	if (sh && --sh->refs == 0)
		free(sh);
}

/* SIGCHLD to the parent, and a wake-up for its wait4/waitid. */
static void notify_parent(struct process *p, int code, int status)
{
	struct process *parent = p->parent;
	siginfo_t info = { 0 };

	if (!parent)
		return;
	info.si_signo = SIGCHLD;
	info.si_code = code;
	info.si_pid = p->pid;
	info.si_uid = p->cred.uid;
	info.si_status = status;
	/* Sent even when ignored by default: signal_send_info drops it only
	 * if no thread blocks it (init waits for it in sigtimedwait). */
	signal_send_info(parent, NULL, &info);
	waitq_wake_all(&parent->child_wait);
}

static void reap(struct process *parent, struct process *child)
{
	parent->cutime_ns += child->utime_ns + child->cutime_ns;
	parent->cstime_ns += child->stime_ns + child->cstime_ns;
	if (child->maxrss_kb > parent->cmaxrss_kb)
		parent->cmaxrss_kb = child->maxrss_kb;
	process_free(child);
}

/* Children of an exiting process go to init, which reaps zombies. */
static void reparent_children(struct process *p)
{
	struct process *init = process_by_pid(1);
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		list_del(&c->sibling);
		c->parent = init != p ? init : NULL;
		if (!c->parent)
			continue;
		list_add_tail(&c->sibling, &init->children);
		if (c->zombie)
			notify_parent(c, CLD_EXITED, 0);
	}
}

static bool autoreap(struct process *p)
{
	struct process *parent = p->parent;

	if (!parent)
		return true;
	struct ksigaction *sa = &parent->sighand->action[SIGCHLD - 1];
	return sa->handler == (uint64_t)SIG_IGN || (sa->flags & SA_NOCLDWAIT);
}

void process_exit(struct process *p, int wait_status)
{
	struct list *pos;
	int host_pid = 0;

	if (p->exiting)
		return;
	process_cputime_freeze(p);
	p->maxrss_kb = process_maxrss_kb(p);
	p->exiting = true;
	p->exit_code = wait_status;
	if (current && current->proc == p && current->state != TASK_DEAD)
		mm_writeback_shared(current);
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (!host_pid)
			host_pid = t->pt.host_tid;
		if (t->state == TASK_BLOCKED)
			task_wake(t);
		list_del(&t->ready_node);
		t->state = TASK_DEAD;
		ktimer_cancel(&t->wake_timer);
	}
	if (host_pid)
		platform_kill(host_pid);
	ktimer_cancel(&p->itimer_real);
	if (p->files)
		fdtable_put(p->files);
	if (p->fs)
		fs_context_put(p->fs);
	mm_put(p->mm);
	p->files = NULL;
	p->fs = NULL;
	p->mm = NULL;
	if (p->sid == p->pid)
		tty_session_exit(p->sid);
	if (p->vfork_waiter) {
		task_wake(p->vfork_waiter);
		p->vfork_waiter = NULL;
	}
	reparent_children(p);
	p->zombie = true;
	if (p->pid == 1) {
		if (!sched_halting()) {
			printk_level(KERN_EMERG, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x%08x\n",
				     wait_status);
			sched_request_halt(-2);
		}
		return;
	}
	if (autoreap(p)) {
		struct process *parent = p->parent;
		if (parent)
			waitq_wake_all(&parent->child_wait);
		sighand_put(p->sighand);
		p->sighand = NULL;
		process_free(p);
		return;
	}
	if (WIFSIGNALED(wait_status))
		notify_parent(p, WCOREDUMP(wait_status) ? CLD_DUMPED : CLD_KILLED,
			      WTERMSIG(wait_status));
	else
		notify_parent(p, CLD_EXITED, WEXITSTATUS(wait_status));
}

void thread_exit(struct task *t, int code)
{
	struct process *p = t->proc;

	if (p->nr_threads <= 1) {
		process_exit(p, (code & 0xff) << 8);
		return;
	}
	/* One thread of several: clear_child_tid wakes its joiner, then the
	 * host thread itself calls exit (a SIGKILL would take the whole
	 * thread group). The gadget consumes its exit event, so the task is
	 * freed by the scheduler once this syscall is done with it. */
	if (t->clear_child_tid) {
		uint32_t zero = 0;
		if (copy_to_user(t, t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake(p->mm, t->clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY);
	}
	t->state = TASK_DEAD;
	p->nr_threads--;
	task_unhash_host(t);
	platform_host_syscall(&t->pt, SYS_exit, code, 0, 0, 0, 0, 0);
	sched_free_later(t);
}

void task_host_exited(struct task *t, int host_status)
{
	struct process *p = t->proc;

	if (t->state != TASK_DEAD && !p->exiting) {
		/* Not ordered by us: the host killed it (OOM, an admin's kill). */
		printk_level(KERN_WARNING, "process %d (%s): host thread %d died unexpectedly\n",
			     p->pid, p->comm, t->pt.host_tid);
		process_exit(p, WIFSIGNALED(host_status) ? WTERMSIG(host_status) : SIGKILL);
	}
	t->state = TASK_DEAD;
	task_free(t);
}

static bool wait_matches(struct task *t, struct process *c, int idtype, int id)
{
	switch (idtype) {
	case P_PID:
		return c->pid == id;
	case P_PGID:
		return c->pgid == id;
	default:
		return true;
	}
}

int do_wait(struct task *t, int idtype, int id, int options, struct wait_result *res)
{
	struct process *p = t->proc, *c;
	struct list *pos, *tmp;
	bool any = false;

	list_for_each_safe(pos, tmp, &p->children) {
		c = list_entry(pos, struct process, sibling);
		if (!wait_matches(t, c, idtype, id))
			continue;
		any = true;
		res->pid = c->pid;
		res->uid = c->cred.uid;
		res->utime_ns = c->utime_ns;
		res->stime_ns = c->stime_ns;
		if (c->zombie && (options & WEXITED)) {
			res->status = c->exit_code;
			if (WIFSIGNALED(c->exit_code)) {
				res->code = WCOREDUMP(c->exit_code) ? CLD_DUMPED : CLD_KILLED;
				res->sig_status = WTERMSIG(c->exit_code);
			} else {
				res->code = CLD_EXITED;
				res->sig_status = WEXITSTATUS(c->exit_code);
			}
			if (!(options & WNOWAIT)) {
				sighand_put(c->sighand);
				c->sighand = NULL;
				reap(p, c);
			}
			return 1;
		}
		if (c->stopped && !c->stop_reported && (options & WUNTRACED)) {
			res->status = (c->stop_sig << 8) | 0x7f;
			res->code = CLD_STOPPED;
			res->sig_status = c->stop_sig;
			if (!(options & WNOWAIT))
				c->stop_reported = true;
			return 1;
		}
		if (!c->cont_reported && (options & WCONTINUED)) {
			res->status = 0xffff;
			res->code = CLD_CONTINUED;
			res->sig_status = SIGCONT;
			if (!(options & WNOWAIT))
				c->cont_reported = true;
			return 1;
		}
	}
	if (!any)
		return -ECHILD;
	if (options & WNOHANG)
		return 0;
	task_wait_on(t, &p->child_wait);
	return -EBLOCK;
}

void process_stop(struct process *p, int sig)
{
	struct list *pos;

	if (p->stopped || p->exiting)
		return;
	p->stopped = true;
	p->stop_sig = sig;
	p->stop_reported = false;
	p->cont_reported = true;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t->state == TASK_RUNNING)
			platform_kick(&t->pt);
	}
	if (p->parent) {
		struct ksigaction *sa = &p->parent->sighand->action[SIGCHLD - 1];
		if (!(sa->flags & SA_NOCLDSTOP))
			notify_parent(p, CLD_STOPPED, sig);
		else
			waitq_wake_all(&p->parent->child_wait);
	}
}

void process_continue(struct process *p)
{
	struct list *pos;

	if (!p->stopped)
		return;
	p->stopped = false;
	p->cont_reported = false;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t->state == TASK_STOPPED)
			sched_make_ready(t);
	}
	if (p->parent) {
		struct ksigaction *sa = &p->parent->sighand->action[SIGCHLD - 1];
		if (!(sa->flags & SA_NOCLDSTOP))
			notify_parent(p, CLD_CONTINUED, SIGCONT);
		else
			waitq_wake_all(&p->parent->child_wait);
	}
}
