/* Delivery: default actions, handler frames on the guest stack (the x86-64
 * rt_sigframe layout Linux uses), rt_sigreturn and syscall restart. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include "signal/signal.h"
#include "signal/deliver.h"
#include "task/exit.h"
#include "mm/uaccess.h"
#include "lib/kerrno.h"
#include "lib/log.h"

/* struct ksigcontext and struct ucontext as the x86-64 kernel lays them out. */
struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct kucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags;
		int32_t pad;
		uint64_t ss_size;
	} uc_stack;
	struct ksigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	siginfo_t info;
};

#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define FLAGS_USER_MASK		0x40dd5UL	/* AC, OF, DF, TF, SF, ZF, AF, PF, CF, RF */
#define UNBLOCKABLE		(ksig_bit(SIGKILL) | ksig_bit(SIGSTOP))

static bool on_altstack(struct task *t, uint64_t sp)
{
	return t->sas_size && sp > t->sas_sp && sp <= t->sas_sp + t->sas_size;
}

static void restart_syscall(struct task *t)
{
	t->pt.regs.rax = t->pt.regs.orig_rax;
	t->pt.regs.rip -= 2;
	t->pt.regs_dirty = true;
}

/* A handler is about to run: decide what the interrupted call returns. */
static void handle_restart(struct task *t, const struct ksigaction *sa)
{
	switch ((long)t->pt.regs.rax) {
	case -ERESTARTNOHAND:
		t->pt.regs.rax = (uint64_t)-EINTR;
		t->pt.regs_dirty = true;
		break;
	case -ERESTARTSYS:
		if (!(sa->flags & SA_RESTART)) {
			t->pt.regs.rax = (uint64_t)-EINTR;
			t->pt.regs_dirty = true;
			break;
		}
		/* fall through */
	case -ERESTARTNOINTR:
		restart_syscall(t);
		break;
	}
}

static int setup_frame(struct task *t, int sig, struct ksigaction *sa, const siginfo_t *info)
{
	struct user_regs_struct *r = &t->pt.regs;
	size_t fpsize = platform_fpstate_size();
	struct rt_sigframe frame;
	uint64_t sp = r->rsp, fp_addr, frame_addr;
	int err;

	if ((sa->flags & SA_ONSTACK) && t->sas_size && !on_altstack(t, sp))
		sp = t->sas_sp + t->sas_size;
	else
		sp -= 128;		/* the red zone */
	err = platform_get_fpstate(&t->pt);
	if (err)
		return err;
	fp_addr = (sp - fpsize) & ~63UL;
	frame_addr = ((fp_addr - sizeof(frame)) & ~15UL) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = sa->restorer;
	frame.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	frame.uc.uc_stack.ss_sp = t->sas_sp;
	frame.uc.uc_stack.ss_size = t->sas_size;
	frame.uc.uc_stack.ss_flags = t->sas_size ? (on_altstack(t, r->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
	struct ksigcontext *sc = &frame.uc.uc_mcontext;
	sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->rdi = r->rdi; sc->rsi = r->rsi; sc->rbp = r->rbp; sc->rbx = r->rbx;
	sc->rdx = r->rdx; sc->rax = r->rax; sc->rcx = r->rcx; sc->rsp = r->rsp;
	sc->rip = r->rip; sc->eflags = r->eflags;
	sc->cs = r->cs; sc->ss = r->ss;
	sc->fpstate = fp_addr;
	if (info->si_signo == SIGSEGV || info->si_signo == SIGBUS) {
		sc->cr2 = (uint64_t)info->si_addr;
		sc->trapno = info->si_signo == SIGSEGV ? 14 : 0;
	}
	sc->oldmask = t->restore_saved_mask ? t->saved_mask : t->blocked;
	frame.uc.uc_sigmask = sc->oldmask;
	frame.info = *info;

	if (copy_to_user(t, fp_addr, t->pt.fpstate, fpsize) ||
	    copy_to_user(t, frame_addr, &frame, sizeof(frame)))
		return -EFAULT;
	t->restore_saved_mask = false;

	r->rsp = frame_addr;
	r->rip = sa->handler;
	r->rdi = sig;
	r->rsi = frame_addr + offsetof(struct rt_sigframe, info);
	r->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
	r->rax = 0;
	r->eflags &= ~(0x100UL | 0x400UL);	/* TF, DF clear in the handler */
	t->pt.regs_dirty = true;

	t->blocked |= sa->mask;
	if (!(sa->flags & SA_NODEFER))
		t->blocked |= ksig_bit(sig);
	t->blocked &= ~UNBLOCKABLE;
	if (sa->flags & SA_RESETHAND) {
		sa->handler = (uint64_t)SIG_DFL;
		sa->flags &= ~SA_SIGINFO;
	}
	return 0;
}

static int core_status(struct process *p, int sig)
{
	return sig | (p->rlim[RLIMIT_CORE].rlim_cur > 0 ? 0x80 : 0);
}

void signal_deliver(struct task *t)
{
	struct process *p = t->proc;
	bool from_syscall = t->in_syscall;
	siginfo_t info;
	int sig;

	while (!p->exiting && (sig = signal_dequeue(t, &info))) {
		struct ksigaction *sa = &p->sighand->action[sig - 1];

		if (sa->handler == (uint64_t)SIG_IGN)
			continue;
		if (sa->handler == (uint64_t)SIG_DFL) {
			enum sig_default act = signal_default_action(sig);
			if (act == SIGDFL_IGNORE || act == SIGDFL_CONT)
				continue;
			if (p->pid == 1 && info.si_code != SI_KERNEL)
				continue;
			if (act == SIGDFL_STOP) {
				if (from_syscall && IS_KERNEL_INTERNAL_ERR((long)t->pt.regs.rax))
					restart_syscall(t);
				from_syscall = false;
				process_stop(p, sig);
				return;
			}
			process_exit(p, act == SIGDFL_CORE ? core_status(p, sig) : sig);
			return;
		}
		if (from_syscall)
			handle_restart(t, sa);
		from_syscall = false;
		if (setup_frame(t, sig, sa, &info) < 0) {
			printk_level(KERN_INFO, "process %d (%s): bad signal frame for signal %d\n",
				     p->pid, p->comm, sig);
			process_exit(p, SIGSEGV);
		}
		break;
	}
	/* No handler took the interrupted call: restart it transparently. */
	if (from_syscall && IS_KERNEL_INTERNAL_ERR((long)t->pt.regs.rax))
		restart_syscall(t);
	if (t->restore_saved_mask) {
		t->blocked = t->saved_mask;
		t->restore_saved_mask = false;
	}
}

void signal_fault(struct task *t, const siginfo_t *info)
{
	struct process *p = t->proc;
	int sig = info->si_signo;
	struct ksigaction *sa = &p->sighand->action[sig - 1];

	/* A fault that cannot be handled kills, as Linux's force_sig does. */
	if (sa->handler == (uint64_t)SIG_DFL || sa->handler == (uint64_t)SIG_IGN ||
	    signal_blocked(t, sig)) {
		if (p->pid == 1)
			printk_level(KERN_ERR, "init: fatal signal %d at ip %llx addr %p\n", sig,
				     t->pt.regs.rip, info->si_addr);
		process_exit(p, core_status(p, sig));
		return;
	}
	signal_send_info(p, t, info);
}

long signal_return(struct task *t)
{
	struct user_regs_struct *r = &t->pt.regs;
	uint64_t frame_addr = r->rsp - 8;
	struct rt_sigframe frame;
	struct ksigcontext *sc = &frame.uc.uc_mcontext;

	if (copy_from_user(t, &frame, frame_addr, sizeof(frame))) {
		process_exit(t->proc, SIGSEGV);
		return -EJUSTRETURN;
	}
	r->r8 = sc->r8; r->r9 = sc->r9; r->r10 = sc->r10; r->r11 = sc->r11;
	r->r12 = sc->r12; r->r13 = sc->r13; r->r14 = sc->r14; r->r15 = sc->r15;
	r->rdi = sc->rdi; r->rsi = sc->rsi; r->rbp = sc->rbp; r->rbx = sc->rbx;
	r->rdx = sc->rdx; r->rax = sc->rax; r->rcx = sc->rcx; r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~FLAGS_USER_MASK) | (sc->eflags & FLAGS_USER_MASK);
	r->orig_rax = -1;
	t->pt.regs_dirty = true;
	t->blocked = frame.uc.uc_sigmask & ~UNBLOCKABLE;
	if (sc->fpstate && platform_get_fpstate(&t->pt) == 0 &&
	    copy_from_user(t, t->pt.fpstate, sc->fpstate, platform_fpstate_size()) == 0)
		t->pt.fp_dirty = true;
	/* Not a syscall return: nothing to restart. */
	t->in_syscall = false;
	return -EJUSTRETURN;
}

void signal_reset_for_exec(struct process *p)
{
	for (int i = 0; i < KSIG_NSIG; i++) {
		struct ksigaction *sa = &p->sighand->action[i];
		if (sa->handler != (uint64_t)SIG_IGN)
			sa->handler = (uint64_t)SIG_DFL;
		sa->flags = 0;
		sa->restorer = 0;
		sa->mask = 0;
	}
}
