/* Kernel bugs met while serving a syscall: a fault in a handler is an
 * oops that kills the calling process, and the kernel goes on. */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "task/oops.h"
#include "task/exit.h"
#include "syscalls/syscall.h"
#include "lib/kerrno.h"
#include "lib/log.h"

static sigjmp_buf oops_jmp;
static volatile sig_atomic_t in_dispatch;
static volatile int oops_signal;
/* Fault injection for tests: UMLINUX_FAIL_SYSCALL=<nr> makes the handler
 * of that syscall fault as a kernel bug would. */
static long fail_syscall_nr = LONG_MIN;

static struct sigaction previous[NSIG];

static void oops_handler(int sig, siginfo_t *info, void *uc)
{
	if (!in_dispatch) {
		/* Outside a syscall there is nothing safe to unwind to: hand
		 * the fault to whoever handled it before (cleanup, panic). */
		struct sigaction *old = &previous[sig];
		if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
			old->sa_sigaction(sig, info, uc);
		} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
			old->sa_handler(sig);
		}
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	in_dispatch = 0;
	oops_signal = sig;
	siglongjmp(oops_jmp, 1);
}

void oops_install_handler(void)
{
	static char stack[65536];
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) };
	struct sigaction sa;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = oops_handler;
	/* SA_NODEFER: the signal stays unblocked after the long jump. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, &previous[SIGSEGV]);
	sigaction(SIGBUS, &sa, &previous[SIGBUS]);
	sigaction(SIGFPE, &sa, &previous[SIGFPE]);
	sigaction(SIGILL, &sa, &previous[SIGILL]);
	if (getenv("UMLINUX_FAIL_SYSCALL"))
		fail_syscall_nr = strtol(getenv("UMLINUX_FAIL_SYSCALL"), NULL, 10);
}

long oops_guarded_dispatch(struct task *t)
{
	long ret;

	if (sigsetjmp(oops_jmp, 0)) {
		printk_level(KERN_ALERT, "BUG: kernel fault (signal %d) in syscall %s of pid %d (%s); "
			     "killing it\n", oops_signal, syscall_name(t->sc_nr), t->proc->pid,
			     t->proc->comm);
		process_exit(t->proc, SIGKILL);
		return -EJUSTRETURN;
	}
	in_dispatch = 1;
	if (t->sc_nr == fail_syscall_nr)
		raise(SIGSEGV);
	ret = syscall_dispatch(t, t->sc_nr, t->sc_args);
	in_dispatch = 0;
	return ret;
}
