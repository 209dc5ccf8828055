/* Posting signals: pending sets, queued siginfo, waking the target. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "signal/signal.h"
#include "signal/deliver.h"
#include "task/internal.h"
#include "task/exit.h"
#include "task/sched.h"

#define STOP_SIGS (ksig_bit(SIGSTOP) | ksig_bit(SIGTSTP) | ksig_bit(SIGTTIN) | ksig_bit(SIGTTOU))
#define MAX_QUEUED 1024

enum sig_default signal_default_action(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return SIGDFL_IGNORE;
	case SIGCONT:
		return SIGDFL_CONT;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIGDFL_STOP;
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return SIGDFL_CORE;
	}
	return SIGDFL_TERM;
}

void sigpending_flush(struct sigpending *sp)
{
	while (!list_empty(&sp->queue)) {
		struct sigqueue_entry *q = list_entry(sp->queue.next, struct sigqueue_entry, node);
		list_del(&q->node);
		free(q);
	}
	sp->set = 0;
}

static void sigpending_remove(struct sigpending *sp, ksigset_t mask)
{
	struct list *pos, *tmp;

	sp->set &= ~mask;
	list_for_each_safe(pos, tmp, &sp->queue) {
		struct sigqueue_entry *q = list_entry(pos, struct sigqueue_entry, node);
		if (mask & ksig_bit(q->info.si_signo)) {
			list_del(&q->node);
			free(q);
		}
	}
}

bool signal_blocked(struct task *t, int sig)
{
	return (t->blocked & ksig_bit(sig)) != 0;
}

/* Blocked by some thread, counting the real mask of one in sigtimedwait:
 * such a signal is kept even when its action is to ignore it. */
static bool process_blocks(struct process *p, struct task *thread, int sig)
{
	struct list *pos;

	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		ksigset_t m = t->blocked | (t->restore_saved_mask ? t->saved_mask : 0);
		if (thread && t != thread)
			continue;
		if (m & ksig_bit(sig))
			return true;
	}
	return false;
}

bool signal_ignored(struct process *p, int sig)
{
	struct ksigaction *sa;

	if (!p->sighand)
		return true;
	sa = &p->sighand->action[sig - 1];
	if (sa->handler == (uint64_t)SIG_IGN)
		return true;
	if (sa->handler == (uint64_t)SIG_DFL) {
		if (signal_default_action(sig) == SIGDFL_IGNORE)
			return true;
		/* init gets only the signals it has handlers for. */
		if (p->pid == 1)
			return true;
	}
	return false;
}

bool signal_pending(struct task *t)
{
	ksigset_t pend = t->pending.set | t->proc->shared_pending.set;

	if (t->proc->exiting)
		return true;
	return (pend & ~t->blocked) != 0;
}

/* Choose a thread to take a process-directed signal and get it moving. */
static void wake_for_signal(struct process *p, struct task *target, int sig)
{
	struct list *pos;

	if (!target) {
		list_for_each(pos, &p->threads) {
			struct task *t = list_entry(pos, struct task, thread_node);
			if (t->state != TASK_DEAD && !signal_blocked(t, sig)) {
				target = t;
				break;
			}
		}
	}
	if (!target || signal_blocked(target, sig))
		return;
	if (target->state == TASK_RUNNING)
		platform_kick(&target->pt);
	else if (target->state == TASK_BLOCKED)
		task_wake(target);
}

int signal_send_info(struct process *p, struct task *thread, const siginfo_t *info)
{
	int sig = info->si_signo;
	struct sigpending *sp;
	struct sigqueue_entry *q;

	if (sig < 1 || sig > KSIG_NSIG)
		return -EINVAL;
	if (p->exiting || p->zombie)
		return 0;
	if (sig == SIGCONT) {
		sigpending_remove(&p->shared_pending, STOP_SIGS);
		process_continue(p);
	} else if (STOP_SIGS & ksig_bit(sig)) {
		sigpending_remove(&p->shared_pending, ksig_bit(SIGCONT));
	}
	if (sig == SIGKILL && p->pid != 1) {
		process_exit(p, SIGKILL);
		return 0;
	}
	if (sig == SIGSTOP && p->pid != 1) {
		process_stop(p, SIGSTOP);
		return 0;
	}
	sp = thread ? &thread->pending : &p->shared_pending;
	/* An ignored signal is dropped unless a thread blocks it. */
	if (signal_ignored(p, sig) && !process_blocks(p, thread, sig))
		return 0;
	if (sig < SIGRTMIN && (sp->set & ksig_bit(sig)))
		return 0;
	q = calloc(1, sizeof(*q));
	if (q) {
		int n = 0;
		struct list *pos;
		list_for_each(pos, &sp->queue)
			n++;
		if (n < MAX_QUEUED) {
			q->info = *info;
			list_add_tail(&q->node, &sp->queue);
		} else {
			free(q);
		}
	}
	sp->set |= ksig_bit(sig);
	wake_for_signal(p, thread, sig);
	return 0;
}

int signal_send_process(struct process *p, int sig)
{
	siginfo_t info = { 0 };

	info.si_signo = sig;
	info.si_code = SI_KERNEL;
	return signal_send_info(p, NULL, &info);
}

struct pgrp_send {
	int pgid, sig, found;
};

static int send_one(struct process *p, void *arg)
{
	struct pgrp_send *s = arg;

	if (p->pgid == s->pgid && !p->zombie) {
		s->found = 1;
		signal_send_process(p, s->sig);
	}
	return 0;
}

int signal_send_pgrp(int pgid, int sig)
{
	struct pgrp_send s = { pgid, sig, 0 };

	for_each_process(send_one, &s);
	return s.found ? 0 : -ESRCH;
}

/* Take the lowest pending, unblocked signal; fills info. */
int signal_dequeue(struct task *t, siginfo_t *info)
{
	struct sigpending *lists[2] = { &t->pending, &t->proc->shared_pending };

	for (int l = 0; l < 2; l++) {
		struct sigpending *sp = lists[l];
		ksigset_t ready = sp->set & ~t->blocked;
		struct list *pos;
		int sig;

		if (!ready)
			continue;
		sig = __builtin_ctzll(ready) + 1;
		memset(info, 0, sizeof(*info));
		info->si_signo = sig;
		info->si_code = SI_KERNEL;
		list_for_each(pos, &sp->queue) {
			struct sigqueue_entry *q = list_entry(pos, struct sigqueue_entry, node);
			if (q->info.si_signo == sig) {
				*info = q->info;
				list_del(&q->node);
				free(q);
				break;
			}
		}
		/* Real-time signals stay pending while more are queued. */
		bool more = false;
		list_for_each(pos, &sp->queue) {
			if (list_entry(pos, struct sigqueue_entry, node)->info.si_signo == sig)
				more = true;
		}
		if (!more)
			sp->set &= ~ksig_bit(sig);
		return sig;
	}
	return 0;
}
