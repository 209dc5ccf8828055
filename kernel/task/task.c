/* Task and process tables: ids, lookup, allocation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "task/task.h"
#include "task/internal.h"
#include "task/futex.h"

#define PID_MAX 32768
#define HASH_SIZE 1024

struct task *current;
static struct list all_tasks = LIST_INIT(all_tasks);
static struct list all_processes = LIST_INIT(all_processes);
static struct task *by_host[HASH_SIZE];
static int last_pid;

/* A pid is in use while a task, process, process group or session has it. */
static bool pid_in_use(int pid)
{
	struct list *pos;

	list_for_each(pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid == pid || p->pgid == pid || p->sid == pid)
			return true;
	}
	return task_by_tid(pid) != NULL;
}

int alloc_pid(void)
{
	for (int i = 0; i < PID_MAX; i++) {
		int pid = last_pid + 1;
		if (pid >= PID_MAX)
			pid = 2;
		last_pid = pid;
		if (!pid_in_use(pid))
			return pid;
	}
	return -EAGAIN;
}

struct task *task_by_tid(int tid)
{
	struct list *pos;

	list_for_each(pos, &all_tasks) {
		struct task *t = list_entry(pos, struct task, all_node);
		if (t->tid == tid && t->state != TASK_DEAD)
			return t;
	}
	return NULL;
}

struct task *task_by_host_tid(pid_t host_tid)
{
	struct task *t = by_host[host_tid % HASH_SIZE];

	while (t && t->pt.host_tid != host_tid)
		t = t->host_next;
	return t;
}

void task_hash_host(struct task *t)
{
	unsigned h = t->pt.host_tid % HASH_SIZE;

	t->host_next = by_host[h];
	by_host[h] = t;
}

void task_unhash_host(struct task *t)
{
	struct task **pp = &by_host[t->pt.host_tid % HASH_SIZE];

	while (*pp && *pp != t)
		pp = &(*pp)->host_next;
	if (*pp)
		*pp = t->host_next;
	t->host_next = NULL;
}

struct process *process_by_pid(int pid)
{
	struct list *pos;

	list_for_each(pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

int for_each_process(int (*fn)(struct process *p, void *arg), void *arg)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &all_processes) {
		int r = fn(list_entry(pos, struct process, all_node), arg);
		if (r)
			return r;
	}
	return 0;
}

int nr_processes(void)
{
	int n = 0;
	struct list *pos;

	list_for_each(pos, &all_processes)
		n++;
	return n;
}

struct process *process_alloc(void)
{
	struct process *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->threads);
	list_init(&p->all_node);
	list_init(&p->shared_pending.queue);
	waitq_init(&p->child_wait);
	p->tty_index = -1;
	list_add_tail(&p->all_node, &all_processes);
	return p;
}

/* Unlist a reaped process; its memory goes with its last task, since
 * host exit events for its threads may still be on their way. */
void process_free(struct process *p)
{
	list_del(&p->all_node);
	list_del(&p->sibling);
	sigpending_flush(&p->shared_pending);
	p->reaped = true;
	if (list_empty(&p->threads)) {
		free(p->exe_path);
		free(p);
	}
}

struct task *task_alloc(struct process *p, int tid)
{
	struct task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->proc = p;
	list_init(&t->waits);
	list_init(&t->ready_node);
	list_init(&t->pending.queue);
	ktimer_init(&t->wake_timer, task_timer_fired);
	list_add_tail(&t->thread_node, &p->threads);
	list_add_tail(&t->all_node, &all_tasks);
	p->nr_threads++;
	return t;
}

void task_free(struct task *t)
{
	struct process *p = t->proc;

	task_unhash_host(t);
	futex_task_gone(t);
	ktimer_cancel(&t->wake_timer);
	list_del(&t->thread_node);
	list_del(&t->all_node);
	list_del(&t->ready_node);
	sigpending_flush(&t->pending);
	free(t->pt.fpstate);
	free(t);
	if (p->reaped && list_empty(&p->threads)) {
		free(p->exe_path);
		free(p);
	}
}
