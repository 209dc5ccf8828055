/* Wait queues: a list of parked waiters, each woken through its callback.
 * The kernel is single-threaded; a "wait" never blocks the host thread, it
 * records interest so the scheduler can retry a parked syscall later. */
#ifndef LIB_WAITQ_H
#define LIB_WAITQ_H
#include "lib/list.h"

struct waitq {
	struct list waiters;
};

struct wait_entry {
	struct list node;
	struct waitq *wq;
	void (*wake)(struct wait_entry *e);
	void *owner;
};

/* Passed to file poll methods: poll_wait() registers interest in a queue
 * when the caller is going to park, and does nothing for a plain check. */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct waitq *wq);
	void *owner;
};

static inline void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

static inline void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (pt && pt->queue)
		pt->queue(pt, wq);
}

void waitq_add(struct waitq *wq, struct wait_entry *e);
void waitq_remove(struct wait_entry *e);
/* Unlink every waiter and call its wake callback. */
void waitq_wake_all(struct waitq *wq);
#endif
