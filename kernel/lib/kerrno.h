/* Kernel-internal return codes, never seen by a guest. */
#ifndef LIB_KERRNO_H
#define LIB_KERRNO_H
#include <errno.h>

/* Interrupted by a signal: restart if the handler has SA_RESTART (or no
 * handler runs), else EINTR. */
#define ERESTARTSYS	512
/* Always restart (after a handler, too). */
#define ERESTARTNOINTR	513
/* Restart only if no handler runs, else EINTR. */
#define ERESTARTNOHAND	514
/* The handler parked the task (task_wait_on / task_wait_until): retry the
 * syscall with the same arguments when it is woken. */
#define EBLOCK		600
/* The handler already set the task's registers (execve, rt_sigreturn):
 * do not store a return value. */
#define EJUSTRETURN	601

#define IS_KERNEL_INTERNAL_ERR(e) ((e) <= -ERESTARTSYS && (e) >= -EJUSTRETURN)
#endif
