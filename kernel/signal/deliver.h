/* Signal delivery on the way back to guest mode. */
#ifndef SIGNAL_DELIVER_H
#define SIGNAL_DELIVER_H
#include "task/task.h"

/* Deliver pending signals to t (stopped, about to resume): default
 * actions, handler frames, and syscall restart of the value in rax when t
 * is returning from a syscall. */
void signal_deliver(struct task *t);
/* A synchronous fault (SIGSEGV, SIGBUS, ...) in guest code. */
void signal_fault(struct task *t, const siginfo_t *info);
/* rt_sigreturn: restore the frame at the guest's stack. */
long signal_return(struct task *t);
/* exec: caught signals go back to SIG_DFL. */
void signal_reset_for_exec(struct process *p);
/* The default action of a signal. */
enum sig_default { SIGDFL_TERM, SIGDFL_CORE, SIGDFL_IGNORE, SIGDFL_STOP, SIGDFL_CONT };
enum sig_default signal_default_action(int sig);
#endif
