/* Futex wait queues. */
#ifndef TASK_FUTEX_H
#define TASK_FUTEX_H
#include <stdbool.h>
#include <stdint.h>
#include "task/task.h"

long futex_wait(struct task *t, uint64_t addr, uint32_t val, uint64_t timeout_addr,
		bool absolute, uint32_t bitset);
int futex_wake(void *mm, uint64_t addr, int n, uint32_t bitset);
/* A parked task is going away: forget its waiter record. */
void futex_task_gone(struct task *t);
#endif
