/* Process and thread creation. */
#ifndef TASK_FORK_H
#define TASK_FORK_H
#include "task/task.h"

/* clone(2) semantics; returns the child's id, or -errno, or -EBLOCK for
 * a vfork parent waiting for its child. */
long do_clone(struct task *t, unsigned long flags, uint64_t newsp, uint64_t parent_tid,
	      uint64_t child_tid, uint64_t tls);
/* The first process, init: an empty address space ready for exec. */
struct task *spawn_init_task(void);
#endif
