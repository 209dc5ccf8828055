/* procfs: the system-wide files (/proc/meminfo, /proc/cpuinfo, ...) and
 * /proc/sys, in the layouts procps and busybox parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/sysmacros.h>
#include "fs/procfs.h"
#include "fs/procfs_internal.h"
#include "block/swap.h"
#include "block/partition.h"
#include "task/task.h"
#include "mm/mm.h"
#include "lib/ktime.h"
#include "lib/uts.h"

static char *kernel_cmdline;
static int exitcode;

void procfs_set_cmdline(const char *cmdline)
{
	free(kernel_cmdline);
	kernel_cmdline = cmdline ? strdup(cmdline) : NULL;
}

int procfs_exitcode(void)
{
	return exitcode;
}

/* ---- links --------------------------------------------------------------- */

static int copy_link(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n > len)
		n = len;
	memcpy(buf, s, n);
	return n;
}

static int link_self(const struct proc_target *pt, char *buf, size_t len)
{
	char s[16];

	if (!current || !current->proc)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d", current->proc->pid);
	return copy_link(buf, len, s);
}

static int link_thread_self(const struct proc_target *pt, char *buf, size_t len)
{
	char s[32];

	if (!current || !current->proc)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d/task/%d", current->proc->pid, current->tid);
	return copy_link(buf, len, s);
}

static int link_mounts(const struct proc_target *pt, char *buf, size_t len)
{
	return copy_link(buf, len, "self/mounts");
}

/* ---- memory and time ------------------------------------------------------ */

static int show_meminfo(struct pbuf *b, const struct proc_target *pt)
{
	uint64_t total = mm_limit(), used = mm_committed_total();
	uint64_t free_ = used < total ? total - used : 0;
	static const char *zero[] = {
		"SwapCached:", "Active:", "Inactive:", "Active(anon):", "Inactive(anon):",
		"Active(file):", "Inactive(file):", "Unevictable:", "Mlocked:",
	};
	static const char *zero2[] = {
		"Dirty:", "Writeback:",
	};
	static const char *zero3[] = {
		"KReclaimable:", "Slab:", "SReclaimable:", "SUnreclaim:", "KernelStack:",
		"PageTables:", "SecPageTables:", "NFS_Unstable:", "Bounce:", "WritebackTmp:",
	};

#define KB(name, v) pb_printf(b, "%-15s %8llu kB\n", name, (unsigned long long)((v) >> 10))
	KB("MemTotal:", total);
	KB("MemFree:", free_);
	KB("MemAvailable:", free_);
	KB("Buffers:", 0);
	KB("Cached:", 0);
	for (unsigned i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		KB(zero[i], 0);
	KB("SwapTotal:", 0);
	KB("SwapFree:", 0);
	for (unsigned i = 0; i < sizeof(zero2) / sizeof(zero2[0]); i++)
		KB(zero2[i], 0);
	KB("AnonPages:", used);
	KB("Mapped:", 0);
	KB("Shmem:", 0);
	for (unsigned i = 0; i < sizeof(zero3) / sizeof(zero3[0]); i++)
		KB(zero3[i], 0);
	KB("CommitLimit:", total);
	KB("Committed_AS:", used);
	pb_printf(b, "%-15s %8llu kB\n", "VmallocTotal:", 34359738367ULL);
	KB("VmallocUsed:", 0);
	KB("VmallocChunk:", 0);
#undef KB
	return 0;
}

/* Host CPU flags, for cpuinfo. */
static void host_cpu_flags(struct pbuf *b)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) || !colon)
			continue;
		colon++;
		colon[strcspn(colon, "\n")] = 0;
		pb_printf(b, "%s", colon);
		break;
	}
	free(line);
	fclose(f);
}

static int show_cpuinfo(struct pbuf *b, const struct proc_target *pt)
{
	struct utsname u;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	pb_printf(b, "processor\t: 0\nvendor_id\t: User Mode Linux\nmodel name\t: UML\n"
		  "mode\t\t: skas\nhost\t\t: %s %s %s %s %s\nfpu\t\t: yes\nflags\t\t:",
		  u.sysname, u.nodename, u.release, u.version, u.machine);
	host_cpu_flags(b);
	pb_printf(b, "\ncache_alignment\t: 64\nbogomips\t: 5000.00\n\n");
	return 0;
}

struct cpu_totals {
	uint64_t user_ns, sys_ns;
	int nprocs, running, threads, last_pid;
};

static int add_cpu(struct process *p, void *arg)
{
	struct cpu_totals *c = arg;
	struct list *pos;

	if (p->reaped)
		return 0;
	c->user_ns += p->utime_ns + p->cutime_ns;
	c->sys_ns += p->stime_ns + p->cstime_ns;
	c->nprocs++;
	if (p->pid > c->last_pid)
		c->last_pid = p->pid;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);

		if (t->state == TASK_DEAD)
			continue;
		c->threads++;
		if (t->state == TASK_RUNNING || t->state == TASK_READY || t == current)
			c->running++;
	}
	return 0;
}

static void cpu_totals(struct cpu_totals *c)
{
	memset(c, 0, sizeof(*c));
	for_each_process(add_cpu, c);
	if (!c->running)
		c->running = 1;
}

static int show_uptime(struct pbuf *b, const struct proc_target *pt)
{
	uint64_t up = ktime_ns() / PROC_TICKS_NS, busy, idle;
	struct cpu_totals c;

	cpu_totals(&c);
	busy = (c.user_ns + c.sys_ns) / PROC_TICKS_NS;
	idle = busy < up ? up - busy : 0;
	pb_printf(b, "%llu.%02llu %llu.%02llu\n",
		  (unsigned long long)(up / 100), (unsigned long long)(up % 100),
		  (unsigned long long)(idle / 100), (unsigned long long)(idle % 100));
	return 0;
}

static int show_loadavg(struct pbuf *b, const struct proc_target *pt)
{
	struct cpu_totals c;

	cpu_totals(&c);
	pb_printf(b, "0.00 0.00 0.00 %d/%d %d\n", c.running, c.threads, c.last_pid);
	return 0;
}

static int show_stat(struct pbuf *b, const struct proc_target *pt)
{
	uint64_t up_ns = ktime_ns(), user, sys, idle;
	struct timespec now = ktime_real();
	struct cpu_totals c;

	cpu_totals(&c);
	user = c.user_ns / PROC_TICKS_NS;
	sys = c.sys_ns / PROC_TICKS_NS;
	idle = up_ns / PROC_TICKS_NS;
	idle = idle > user + sys ? idle - user - sys : 0;
	for (int i = 0; i < 2; i++)
		pb_printf(b, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", i ? "cpu0" : "cpu ",
			  (unsigned long long)user, (unsigned long long)sys,
			  (unsigned long long)idle);
	pb_printf(b, "intr 0\nctxt 0\nbtime %lld\nprocesses %d\nprocs_running %d\n"
		  "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  (long long)(now.tv_sec - (time_t)(up_ns / 1000000000)), c.last_pid,
		  c.running);
	return 0;
}

/* ---- identity and configuration ------------------------------------------- */

static int show_version(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%s version %s (umlinux) %s\n", UTS_SYSNAME, UTS_RELEASE, UTS_VERSION);
	return 0;
}

static int show_filesystems(struct pbuf *b, const struct proc_target *pt)
{
	/* The VFS keeps its list private: ask for each name we might have. */
	static const char *names[] = {
		"sysfs", "tmpfs", "bdev", "proc", "devtmpfs", "debugfs", "sockfs",
		"pipefs", "ramfs", "devpts", "hostfs", "hugetlbfs", "mqueue",
		"ext3", "ext2", "ext4", "vfat", "iso9660",
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct fs_type *t = find_filesystem(names[i]);

		if (t)
			pb_printf(b, "%s\t%s\n", t->needs_device ? "" : "nodev", t->name);
	}
	return 0;
}

static int show_cmdline(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%s\n", kernel_cmdline ? kernel_cmdline : "");
	return 0;
}

static int show_swaps(struct pbuf *b, const struct proc_target *pt)
{
	char text[4096];

	swap_text(text, sizeof(text));
	pb_printf(b, "%s", text);
	return 0;
}

static int show_partitions(struct pbuf *b, const struct proc_target *pt)
{
	char text[8192];

	ubd_partitions_text(text, sizeof(text));
	pb_printf(b, "%s", text);
	return 0;
}

static int show_devices(struct pbuf *b, const struct proc_target *pt)
{
	static const struct { unsigned major; const char *name; bool blk; } devs[] = {
		{ 1, "mem", false }, { 4, "/dev/vc/0", false },
		{ 4, "tty", false }, { 4, "ttyS", false },
		{ 5, "/dev/tty", false }, { 5, "/dev/console", false },
		{ 5, "/dev/ptmx", false }, { 10, "misc", false },
		{ 136, "pts", false },
		{ 7, "loop", true }, { 98, "ubd", true },
	};

	for (int blk = 0; blk < 2; blk++) {
		pb_printf(b, "%s", blk ? "\nBlock devices:\n" : "Character devices:\n");
		for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
			dev_t d = makedev(devs[i].major, 0);

			if (devs[i].blk != blk || !(blk ? blkdev_fops(d) : chrdev_fops(d)))
				continue;
			pb_printf(b, "%3u %s\n", devs[i].major, devs[i].name);
		}
	}
	return 0;
}

static int show_exitcode(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%d\n", exitcode);
	return 0;
}

static ssize_t write_exitcode(const struct proc_target *pt, const char *buf, size_t len)
{
	char tmp[32], *end;
	long v;

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = 0;
	v = strtol(tmp, &end, 0);
	if (end == tmp || (*end && *end != '\n'))
		return -EINVAL;
	exitcode = (int)v;
	return len;
}

/* A string setting such as the host name: up to UTS_LEN - 1 bytes, a
 * trailing newline dropped. */
static ssize_t set_string(char *dst, const char *buf, size_t len)
{
	size_t n = len;

	if (n && buf[n - 1] == '\n')
		n--;
	if (n >= UTS_LEN)
		return -EINVAL;
	memcpy(dst, buf, n);
	dst[n] = 0;
	return len;
}

static int show_hostname(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%s\n", uts_hostname);
	return 0;
}

static ssize_t write_hostname(const struct proc_target *pt, const char *buf, size_t len)
{
	return set_string(uts_hostname, buf, len);
}

static int show_domainname(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%s\n", uts_domainname);
	return 0;
}

static ssize_t write_domainname(const struct proc_target *pt, const char *buf, size_t len)
{
	return set_string(uts_domainname, buf, len);
}

#define SHOW_CONST(fn, text) \
static int fn(struct pbuf *b, const struct proc_target *pt) \
{ \
	pb_printf(b, "%s\n", text); \
	return 0; \
}

SHOW_CONST(show_ostype, UTS_SYSNAME)
SHOW_CONST(show_osrelease, UTS_RELEASE)
SHOW_CONST(show_kversion, UTS_VERSION)
SHOW_CONST(show_pid_max, "32768")
SHOW_CONST(show_ngroups_max, "65536")
SHOW_CONST(show_printk, "7\t4\t1\t7")
SHOW_CONST(show_overcommit, "0")
SHOW_CONST(show_pipe_max, "1048576")
SHOW_CONST(show_file_max, "9223372036854775807")
SHOW_CONST(show_nr_open, "1048576")
SHOW_CONST(show_file_nr, "0\t0\t9223372036854775807")

static ssize_t write_accept(const struct proc_target *pt, const char *buf, size_t len)
{
	return len;
}

enum { G_ROOT, G_SYS, G_SYS_KERNEL, G_SYS_VM, G_SYS_FS };

const struct proc_entry proc_global[] = {
	[G_ROOT] = { .name = "", .mode = S_IFDIR | 0555 },
	[G_SYS] = { .name = "sys", .mode = S_IFDIR | 0555, .parent = G_ROOT },
	[G_SYS_KERNEL] = { .name = "kernel", .mode = S_IFDIR | 0555, .parent = G_SYS },
	[G_SYS_VM] = { .name = "vm", .mode = S_IFDIR | 0555, .parent = G_SYS },
	[G_SYS_FS] = { .name = "fs", .mode = S_IFDIR | 0555, .parent = G_SYS },
	{ "self", S_IFLNK | 0777, G_ROOT, .link = link_self },
	{ "thread-self", S_IFLNK | 0777, G_ROOT, .link = link_thread_self },
	{ "mounts", S_IFLNK | 0777, G_ROOT, .link = link_mounts },
	{ "meminfo", S_IFREG | 0444, G_ROOT, .show = show_meminfo },
	{ "cpuinfo", S_IFREG | 0444, G_ROOT, .show = show_cpuinfo },
	{ "uptime", S_IFREG | 0444, G_ROOT, .show = show_uptime },
	{ "loadavg", S_IFREG | 0444, G_ROOT, .show = show_loadavg },
	{ "stat", S_IFREG | 0444, G_ROOT, .show = show_stat },
	{ "version", S_IFREG | 0444, G_ROOT, .show = show_version },
	{ "filesystems", S_IFREG | 0444, G_ROOT, .show = show_filesystems },
	{ "cmdline", S_IFREG | 0444, G_ROOT, .show = show_cmdline },
	{ "swaps", S_IFREG | 0444, G_ROOT, .show = show_swaps },
	{ "partitions", S_IFREG | 0444, G_ROOT, .show = show_partitions },
	{ "devices", S_IFREG | 0444, G_ROOT, .show = show_devices },
	{ "exitcode", S_IFREG | 0600, G_ROOT, .show = show_exitcode, .write = write_exitcode },
	{ "hostname", S_IFREG | 0644, G_SYS_KERNEL, .show = show_hostname, .write = write_hostname },
	{ "domainname", S_IFREG | 0644, G_SYS_KERNEL, .show = show_domainname,
	  .write = write_domainname },
	{ "ostype", S_IFREG | 0444, G_SYS_KERNEL, .show = show_ostype },
	{ "osrelease", S_IFREG | 0444, G_SYS_KERNEL, .show = show_osrelease },
	{ "version", S_IFREG | 0444, G_SYS_KERNEL, .show = show_kversion },
	{ "pid_max", S_IFREG | 0444, G_SYS_KERNEL, .show = show_pid_max },
	{ "ngroups_max", S_IFREG | 0444, G_SYS_KERNEL, .show = show_ngroups_max },
	{ "printk", S_IFREG | 0644, G_SYS_KERNEL, .show = show_printk, .write = write_accept },
	{ "overcommit_memory", S_IFREG | 0644, G_SYS_VM, .show = show_overcommit,
	  .write = write_accept },
	{ "pipe-max-size", S_IFREG | 0444, G_SYS_FS, .show = show_pipe_max },
	{ "file-max", S_IFREG | 0444, G_SYS_FS, .show = show_file_max },
	{ "file-nr", S_IFREG | 0444, G_SYS_FS, .show = show_file_nr },
	{ "nr_open", S_IFREG | 0444, G_SYS_FS, .show = show_nr_open },
};

const int proc_global_count = sizeof(proc_global) / sizeof(proc_global[0]);
