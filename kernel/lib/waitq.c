#include "lib/waitq.h"

void waitq_add(struct waitq *wq, struct wait_entry *e)
{
	e->wq = wq;
	list_add_tail(&e->node, &wq->waiters);
}

void waitq_remove(struct wait_entry *e)
{
	list_del(&e->node);
	e->wq = NULL;
}

/* Each entry is unlinked before its callback runs, so a callback may free
 * it or remove the owner's other entries without upsetting the walk. */
void waitq_wake_all(struct waitq *wq)
{
	while (!list_empty(&wq->waiters)) {
		struct wait_entry *e = list_entry(wq->waiters.next,
						  struct wait_entry, node);
		waitq_remove(e);
		e->wake(e);
	}
}
