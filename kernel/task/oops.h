/* Oopses: a fault inside a syscall handler kills only the caller. */
#ifndef TASK_OOPS_H
#define TASK_OOPS_H
#include "task/task.h"

/* Run t's syscall; a fault in the handler kills t's process with a logged
 * "BUG:" line and returns -EJUSTRETURN. */
long oops_guarded_dispatch(struct task *t);
/* Catch faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL). Install it after other
 * fatal-signal handlers: faults outside syscalls are passed on to them. */
void oops_install_handler(void);
#endif
