/* Signal system calls. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "syscalls/syscall.h"
#include "signal/signal.h"
#include "signal/deliver.h"
#include "task/task.h"
#include "task/internal.h"
#include "mm/uaccess.h"
#include "lib/ktime.h"

#define UNBLOCKABLE (ksig_bit(SIGKILL) | ksig_bit(SIGSTOP))

struct guest_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

SYSCALL_DEFINE(rt_sigaction)
{
	int sig = (int)a[0];
	struct ksigaction *sa;
	struct guest_sigaction n, o;

	if (a[3] != 8)
		return -EINVAL;
	if (sig < 1 || sig > KSIG_NSIG)
		return -EINVAL;
	sa = &t->proc->sighand->action[sig - 1];
	o = (struct guest_sigaction){ sa->handler, sa->flags, sa->restorer, sa->mask };
	if (a[1]) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(t, &n, a[1], sizeof(n)))
			return -EFAULT;
	}
	if (a[2] && copy_to_user(t, a[2], &o, sizeof(o)))
		return -EFAULT;
	if (a[1]) {
		sa->handler = n.handler;
		sa->flags = n.flags;
		sa->restorer = n.restorer;
		sa->mask = n.mask & ~UNBLOCKABLE;
		/* Setting an ignoring action discards what is pending. */
		if (signal_ignored(t->proc, sig)) {
			t->pending.set &= ~ksig_bit(sig);
			t->proc->shared_pending.set &= ~ksig_bit(sig);
		}
	}
	return 0;
}

SYSCALL_DEFINE(rt_sigprocmask)
{
	int how = (int)a[0];
	ksigset_t set, old = t->blocked;

	if (a[3] != 8)
		return -EINVAL;
	if (a[1]) {
		if (copy_from_user(t, &set, a[1], sizeof(set)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			t->blocked |= set;
			break;
		case SIG_UNBLOCK:
			t->blocked &= ~set;
			break;
		case SIG_SETMASK:
			t->blocked = set;
			break;
		default:
			return -EINVAL;
		}
		t->blocked &= ~UNBLOCKABLE;
	}
	if (a[2] && copy_to_user(t, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigreturn)
{
	return signal_return(t);
}

SYSCALL_DEFINE(rt_sigpending)
{
	ksigset_t set = (t->pending.set | t->proc->shared_pending.set) & t->blocked;

	if (a[1] > 8)
		return -EINVAL;
	return copy_to_user(t, a[0], &set, a[1]) ? -EFAULT : 0;
}

SYSCALL_DEFINE(rt_sigsuspend)
{
	ksigset_t mask;

	if (a[1] != 8)
		return -EINVAL;
	if (!t->restore_saved_mask) {
		if (copy_from_user(t, &mask, a[0], sizeof(mask)))
			return -EFAULT;
		t->saved_mask = t->blocked;
		t->restore_saved_mask = true;
		t->blocked = mask & ~UNBLOCKABLE;
	}
	t->block_intr = -ERESTARTNOHAND;
	if (signal_pending(t))
		return -ERESTARTNOHAND;
	return -EBLOCK;
}

SYSCALL_DEFINE(pause)
{
	t->block_intr = -ERESTARTNOHAND;
	if (signal_pending(t))
		return -ERESTARTNOHAND;
	return -EBLOCK;
}

SYSCALL_DEFINE(sigaltstack)
{
	struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } ss, old;
	bool on = t->sas_size && t->pt.regs.rsp > t->sas_sp &&
		  t->pt.regs.rsp <= t->sas_sp + t->sas_size;

	old.sp = t->sas_sp;
	old.size = t->sas_size;
	old.flags = t->sas_size ? (on ? SS_ONSTACK : 0) : SS_DISABLE;
	old.pad = 0;
	if (a[0]) {
		if (copy_from_user(t, &ss, a[0], sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags & ~(SS_DISABLE | SS_ONSTACK | (1U << 31)))
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			t->sas_sp = t->sas_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->sas_sp = ss.sp;
			t->sas_size = ss.size;
		}
	}
	if (a[1] && copy_to_user(t, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static bool may_signal(struct task *t, struct process *p, int sig)
{
	const struct cred *c = &t->proc->cred;

	if (c->euid == 0 || c->euid == p->cred.uid || c->uid == p->cred.uid ||
	    c->euid == p->cred.suid || c->uid == p->cred.suid)
		return true;
	return sig == SIGCONT && p->sid == t->proc->sid;
}

static int kill_one(struct task *t, struct process *p, int sig)
{
	siginfo_t info = { 0 };

	if (!may_signal(t, p, sig))
		return -EPERM;
	if (!sig)
		return 0;
	info.si_signo = sig;
	info.si_code = SI_USER;
	info.si_pid = t->proc->pid;
	info.si_uid = t->proc->cred.uid;
	return signal_send_info(p, NULL, &info);
}

struct kill_all {
	struct task *t;
	int sig, pgid, sent, err;
	bool all;
};

static int kill_each(struct process *p, void *arg)
{
	struct kill_all *k = arg;

	if (p->zombie)
		return 0;
	if (k->all ? (p->pid == 1 || p == k->t->proc) : p->pgid != k->pgid)
		return 0;
	int r = kill_one(k->t, p, k->sig);
	if (r == 0)
		k->sent++;
	else
		k->err = r;
	return 0;
}

SYSCALL_DEFINE(kill)
{
	int pid = (int)a[0], sig = (int)a[1];
	struct kill_all k = { t, sig, 0, 0, 0, false };

	if (sig < 0 || sig > KSIG_NSIG)
		return -EINVAL;
	if (pid > 0) {
		struct process *p = process_by_pid(pid);
		if (!p)
			return -ESRCH;
		if (p->zombie)
			return sig ? 0 : 0;
		return kill_one(t, p, sig);
	}
	if (pid == -1)
		k.all = true;
	else
		k.pgid = pid == 0 ? t->proc->pgid : -pid;
	if (pid == INT32_MIN)
		return -ESRCH;
	for_each_process(kill_each, &k);
	if (k.sent)
		return 0;
	return k.err ? k.err : -ESRCH;
}

static long thread_kill(struct task *t, int tgid, int tid, int sig)
{
	struct task *target = task_by_tid(tid);
	siginfo_t info = { 0 };

	if (sig < 0 || sig > KSIG_NSIG || tid <= 0)
		return -EINVAL;
	if (!target || (tgid > 0 && target->proc->pid != tgid))
		return -ESRCH;
	if (!may_signal(t, target->proc, sig))
		return -EPERM;
	if (!sig)
		return 0;
	info.si_signo = sig;
	info.si_code = SI_TKILL;
	info.si_pid = t->proc->pid;
	info.si_uid = t->proc->cred.uid;
	return signal_send_info(target->proc, target, &info);
}

SYSCALL_DEFINE(tkill)
{
	return thread_kill(t, 0, (int)a[0], (int)a[1]);
}

SYSCALL_DEFINE(tgkill)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return thread_kill(t, (int)a[0], (int)a[1], (int)a[2]);
}

SYSCALL_DEFINE(rt_sigqueueinfo)
{
	struct process *p = process_by_pid((int)a[0]);
	siginfo_t info;

	if (!p)
		return -ESRCH;
	if (copy_from_user(t, &info, a[2], sizeof(info)))
		return -EFAULT;
	if (info.si_code >= 0 || info.si_code == SI_TKILL)
		return -EPERM;
	info.si_signo = (int)a[1];
	return signal_send_info(p, NULL, &info);
}

/* The caller's real mask stays in saved_mask while it waits with the
 * awaited signals unblocked, so that senders do not discard them as
 * ignored (see signal_send_info). */
SYSCALL_DEFINE(rt_sigtimedwait)
{
	ksigset_t set;
	siginfo_t info;
	int sig;

	if (a[3] != 8)
		return -EINVAL;
	if (copy_from_user(t, &set, a[0], sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (!t->restore_saved_mask) {
		t->saved_mask = t->blocked;
		t->restore_saved_mask = true;
	}
	t->blocked = ~set;
	sig = signal_dequeue(t, &info);
	t->blocked = t->saved_mask & ~set;
	if (sig) {
		t->blocked = t->saved_mask;
		t->restore_saved_mask = false;
		if (a[1] && copy_to_user(t, a[1], &info, sizeof(info)))
			return -EFAULT;
		return sig;
	}
	if (a[2]) {
		struct timespec ts;
		if (copy_from_user(t, &ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000 || ts.tv_sec < 0)
			return -EINVAL;
		if (!t->wake_deadline)
			t->wake_deadline = ktime_ns() + ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		if (ktime_ns() >= t->wake_deadline) {
			t->blocked = t->saved_mask;
			t->restore_saved_mask = false;
			return -EAGAIN;
		}
		task_wait_until(t, t->wake_deadline);
	}
	t->block_intr = -EINTR;
	return -EBLOCK;
}
