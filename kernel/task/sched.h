/* The scheduler: the kernel's event loop over guest stops, host fds and
 * timers. */
#ifndef TASK_SCHED_H
#define TASK_SCHED_H
#include "task/task.h"

/* Run until halt is requested or the last process is gone. */
void sched_run(void);
/* Resume a stopped task in guest mode, delivering signals first. */
void return_to_user(struct task *t);
/* Put a stopped or parked task back on the run list. */
void sched_make_ready(struct task *t);
/* Ask the loop to stop: how = RB_HALT_SYSTEM / RB_POWER_OFF / RB_AUTOBOOT. */
void sched_request_halt(int how);
/* reboot(LINUX_REBOOT_CMD_CAD_ON/OFF): what Ctrl-Alt-Del does. */
void sched_set_cad(bool enabled);
/* Ctrl-Alt-Del (mconsole cad): restart the kernel while C-A-D is enabled
 * (the boot default); once init has disabled it, SIGINT to init.
 * Returns -ESRCH when there is no init to signal. */
int sched_ctrl_alt_del(void);
int sched_halt_reason(void);
bool sched_halting(void);
/* Free a task that has no host thread left, after the current stop. */
void sched_free_later(struct task *t);
extern bool sched_trace_syscalls;
#endif
