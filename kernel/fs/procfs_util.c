/* procfs helpers: the text buffer and small questions about processes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "fs/procfs_internal.h"
#include "lib/hostfile.h"
#include "task/task.h"
#include "mm/mm.h"

static bool pb_reserve(struct pbuf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	char *d;

	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	while (cap < b->len + extra + 1)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void pb_write(struct pbuf *b, const void *s, size_t n)
{
	if (!pb_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

void pb_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!pb_reserve(b, 128))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		if (!pb_reserve(b, n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

void pb_free(struct pbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

struct path proc_caller_root(void)
{
	if (current && current->proc && current->proc->fs)
		return current->proc->fs->root;
	return vfs_root_path();
}

struct task *proc_live_thread(struct process *p)
{
	struct list *pos;

	if (!p || p->zombie)
		return NULL;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t->state != TASK_DEAD)
			return t;
	}
	return NULL;
}

int proc_read_guest(struct process *p, uint64_t start, uint64_t end,
		    size_t max, struct pbuf *b)
{
	struct task *t = proc_live_thread(p);
	size_t len;
	ssize_t n;

	if (!t || !p->mm || end <= start)
		return 0;
	len = end - start;
	if (len > max)
		len = max;
	if (!pb_reserve(b, len))
		return -ENOMEM;
	n = platform_read_mem(t->pt.host_tid, b->data + b->len, start, len);
	if (n <= 0)
		return 0;	/* unmapped arguments read as empty, as Linux */
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

unsigned long proc_rss_pages(struct process *p)
{
	struct task *t = proc_live_thread(p);
	unsigned long size = 0, rss = 0;
	char path[64], buf[128];

	if (!t)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)t->pt.host_tid);
	if (host_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (sscanf(buf, "%lu %lu", &size, &rss) != 2)
		return 0;
	/* The stub page is the kernel's, not the guest's. */
	return rss > 0 ? rss - 1 : 0;
}

uint64_t proc_vsize(struct process *p)
{
	uint64_t sum = 0;
	struct list *pos;

	if (!p->mm)
		return 0;
	list_for_each(pos, &p->mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		sum += v->end - v->start;
	}
	return sum;
}
