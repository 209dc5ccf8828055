/* mconsole sysrq: the Magic SysRq functions a user-mode machine has
 * (uml-compat.md §8.3). Output goes to the kernel log, prefixed "sysrq: "
 * for the announcements as in Linux, and is streamed back. */
#include <signal.h>
#include <stdlib.h>
#include <linux/reboot.h>
#include "fs/vfs.h"
#include "mm/mm.h"
#include "lib/log.h"
#include "task/task.h"
#include "task/sched.h"
#include "signal/signal.h"
#include "mconsole/internal.h"

static void sysrq_help(void)
{
	printk("sysrq: HELP : loglevel(0-9) reboot(b) terminate-all-tasks(e) kill-all-tasks(i) "
	       "show-memory-usage(m) poweroff(o) sync(s) show-task-states(t) unmount(u)\n");
}

/* vfs_sync_all writes back the filesystems and then every ubd unit. */
static void emergency_sync(void)
{
	if (vfs_sync_all())
		printk_level(KERN_ERR, "sysrq: Emergency Sync had errors\n");
}

struct pid_list {
	int *pids;
	int n, cap;
};

static int collect(struct process *p, void *arg)
{
	struct pid_list *l = arg;

	if (p->pid == 1 || p->zombie || p->exiting)
		return 0;
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		int *n = realloc(l->pids, cap * sizeof(*n));
		if (!n)
			return 1;
		l->pids = n;
		l->cap = cap;
	}
	l->pids[l->n++] = p->pid;
	return 0;
}

/* Every process but init, as Linux's sysrq e and i do. The pids are
 * gathered first: a signal may change the process list. */
static void signal_all_but_init(int sig)
{
	struct pid_list l = { 0 };

	for_each_process(collect, &l);
	for (int i = 0; i < l.n; i++) {
		struct process *p = process_by_pid(l.pids[i]);
		if (p && !p->zombie)
			signal_send_process(p, sig);
	}
	free(l.pids);
}

static char state_letter(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING: case TASK_READY: return 'R';
	case TASK_BLOCKED: return 'S';
	case TASK_STOPPED: return 'T';
	case TASK_DEAD: return 'X';
	}
	return '?';
}

static int show_process(struct process *p, void *arg)
{
	struct list *pos;

	if (p->zombie) {
		printk("task:%-15s state:Z pid:%-5d ppid:%-5d\n", p->comm, p->pid,
		       p->parent ? p->parent->pid : 0);
		return 0;
	}
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		printk("task:%-15s state:%c pid:%-5d tgid:%-5d ppid:%-5d syscall:%ld\n", p->comm,
		       state_letter(t), t->tid, p->pid, p->parent ? p->parent->pid : 0,
		       t->in_syscall ? t->sc_nr : -1L);
	}
	return 0;
}

static int show_process_mem(struct process *p, void *arg)
{
	if (p->mm)
		printk("  pid %-5d %-15s %8llu kB committed\n", p->pid, p->comm,
		       (unsigned long long)(p->mm->committed >> 10));
	return 0;
}

static void show_mem(void)
{
	uint64_t total = mm_limit(), used = mm_committed_total();

	printk("Mem-Info:\n");
	printk("%llu kB total (mem=), %llu kB committed, %llu kB free\n",
	       (unsigned long long)(total >> 10), (unsigned long long)(used >> 10),
	       (unsigned long long)(used < total ? (total - used) >> 10 : 0));
	for_each_process(show_process_mem, NULL);
}

void mc_cmd_sysrq(struct mc_request *r)
{
	unsigned long seq = log_seq();
	char key = r->args[0];

	switch (key) {
	case '0' ... '9':
		printk("sysrq: Changing Loglevel\n");
		printk("sysrq: Loglevel set to %c\n", key);
		log_set_console_level(key - '0');
		break;
	case 'b':
		/* Linux restarts at once; the client gets its answer first. */
		mc_ok(r, "");
		printk("sysrq: Resetting\n");
		sched_request_halt(LINUX_REBOOT_CMD_RESTART);
		return;
	case 'o':
		printk("sysrq: Power Off\n");
		sched_request_halt(LINUX_REBOOT_CMD_POWER_OFF);
		break;
	case 's':
		printk("sysrq: Emergency Sync\n");
		emergency_sync();
		printk("Emergency Sync complete\n");
		break;
	case 'u':
		/* Approximated by a sync: everything written is on the images. */
		printk("sysrq: Emergency Remount R/O\n");
		emergency_sync();
		printk("Emergency Remount complete\n");
		break;
	case 'e':
		printk("sysrq: Terminate All Tasks\n");
		signal_all_but_init(SIGTERM);
		break;
	case 'i':
		printk("sysrq: Kill All Tasks\n");
		signal_all_but_init(SIGKILL);
		break;
	case 't':
		printk("sysrq: Show State\n");
		for_each_process(show_process, NULL);
		break;
	case 'm':
		printk("sysrq: Show Memory\n");
		show_mem();
		break;
	default:
		sysrq_help();
		break;
	}
	mc_reply_log_since(r, seq);
}
