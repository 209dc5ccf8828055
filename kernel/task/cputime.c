/* CPU time of guest processes, as the host measured their threads: the
 * first field of /proc/<tid>/schedstat is nanoseconds spent on a CPU. */
#include <stdio.h>
#include <stdlib.h>
#include "lib/hostfile.h"
#include "task/cputime.h"

static uint64_t host_thread_ns(pid_t tid)
{
	char path[64], buf[128];

	snprintf(path, sizeof(path), "/proc/%d/schedstat", tid);
	if (host_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

uint64_t process_cputime_ns(struct process *p)
{
	uint64_t ns = p->utime_ns;
	struct list *pos;

	if (p->exiting || p->zombie)
		return ns;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t->state != TASK_DEAD)
			ns += host_thread_ns(t->pt.host_tid);
	}
	return ns;
}

void process_cputime_freeze(struct process *p)
{
	p->utime_ns = process_cputime_ns(p);
}

uint64_t process_maxrss_kb(struct process *p)
{
	char path[64], line[256];
	uint64_t kb = 0;
	struct task *t;
	FILE *f;

	if (list_empty(&p->threads))
		return 0;
	t = list_entry(p->threads.next, struct task, thread_node);
	snprintf(path, sizeof(path), "/proc/%d/status", t->pt.host_tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lu", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
