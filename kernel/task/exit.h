/* Process exit, zombies and wait. */
#ifndef TASK_EXIT_H
#define TASK_EXIT_H
#include "task/task.h"

/* End the whole process with a wait status (code << 8, or a signal number
 * with 0x80 for a core dump). Safe to call more than once. */
void process_exit(struct process *p, int wait_status);
/* End one thread (exit syscall); the last one ends the process. */
void thread_exit(struct task *t, int code);
/* The host reported a guest thread gone. */
void task_host_exited(struct task *t, int host_status);

struct wait_result {
	int pid;
	int status;		/* wait4 status word */
	int code;		/* CLD_* for waitid */
	int sig_status;
	uid_t uid;
	uint64_t utime_ns, stime_ns;
};

/* idtype P_ALL/P_PID/P_PGID. Returns 1 if a child was reported, 0 for
 * WNOHANG with nothing to report, -ECHILD, or -EBLOCK after parking. */
int do_wait(struct task *t, int idtype, int id, int options, struct wait_result *res);
/* Stop/continue a whole process (job control), notifying the parent. */
void process_stop(struct process *p, int sig);
void process_continue(struct process *p);
#endif
