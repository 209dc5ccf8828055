/* Guest signals: posting, delivery, default actions. */
#ifndef SIGNAL_SIGNAL_H
#define SIGNAL_SIGNAL_H
#include <stdbool.h>
#include <signal.h>
#include "task/task.h"

/* Post a signal as the kernel (si_code SI_KERNEL). */
int signal_send_process(struct process *p, int sig);
/* Post to every process in a process group; -ESRCH if none. */
int signal_send_pgrp(int pgid, int sig);
/* Post with full siginfo to a process (shared) or thread. */
int signal_send_info(struct process *p, struct task *thread, const siginfo_t *info);
/* Is a signal pending for t that is not blocked? */
bool signal_pending(struct task *t);
/* Is the process ignoring sig (SIG_IGN, or default action ignore)? */
bool signal_ignored(struct process *p, int sig);
bool signal_blocked(struct task *t, int sig);
/* Take the lowest pending unblocked signal (0 if none). */
int signal_dequeue(struct task *t, siginfo_t *info);
/* ITIMER_REAL expiry: SIGALRM, re-armed for an interval timer. */
void process_itimer_fired(struct ktimer *k);
#endif
