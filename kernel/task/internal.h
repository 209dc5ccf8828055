/* Interfaces between the files of task/ (not for other subsystems). */
#ifndef TASK_INTERNAL_H
#define TASK_INTERNAL_H
#include "task/task.h"
#include "platform/platform.h"

int alloc_pid(void);
struct task *task_by_host_tid(pid_t host_tid);
void task_hash_host(struct task *t);
void task_unhash_host(struct task *t);
struct process *process_alloc(void);
void process_free(struct process *p);
struct task *task_alloc(struct process *p, int tid);
void task_free(struct task *t);
void task_timer_fired(struct ktimer *k);
int nr_processes(void);
void sigpending_flush(struct sigpending *sp);
#endif
