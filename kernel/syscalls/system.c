/* System information and per-process settings: uname, hostname, sysinfo,
 * reboot, syslog, resource limits and usage, prctl, scheduling, futex. */
#include <errno.h>
#include <string.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <linux/reboot.h>
#include "syscalls/syscall.h"
#include "task/task.h"
#include "task/sched.h"
#include "task/futex.h"
#include "task/internal.h"
#include "task/cputime.h"
#include "mm/mm.h"
#include "mm/uaccess.h"
#include "lib/uts.h"
#include "lib/log.h"
#include "lib/ktime.h"

SYSCALL_DEFINE(uname)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, UTS_SYSNAME);
	strcpy(u.nodename, uts_hostname);
	strcpy(u.release, UTS_RELEASE);
	strcpy(u.version, UTS_VERSION);
	strcpy(u.machine, UTS_MACHINE);
	strcpy(u.domainname, uts_domainname);
	return copy_to_user(t, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static long set_name(struct task *t, char *dst, uint64_t src, uint64_t len)
{
	char buf[UTS_LEN];

	if (t->proc->cred.euid != 0)
		return -EPERM;
	if (len > UTS_LEN - 1)
		return -EINVAL;
	if (copy_from_user(t, buf, src, len))
		return -EFAULT;
	buf[len] = 0;
	memcpy(dst, buf, len + 1);
	return 0;
}

SYSCALL_DEFINE(sethostname)
{
	return set_name(t, uts_hostname, a[0], a[1]);
}

SYSCALL_DEFINE(setdomainname)
{
	return set_name(t, uts_domainname, a[0], a[1]);
}

static int count_proc(struct process *p, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

SYSCALL_DEFINE(sysinfo)
{
	struct sysinfo si;
	int n = 0;

	memset(&si, 0, sizeof(si));
	for_each_process(count_proc, &n);
	si.uptime = ktime_ns() / 1000000000;
	si.totalram = mm_limit();
	si.freeram = mm_limit() > mm_committed_total() ? mm_limit() - mm_committed_total() : 0;
	si.procs = n;
	si.mem_unit = 1;
	return copy_to_user(t, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(reboot)
{
	unsigned cmd = (unsigned)a[2];

	if (t->proc->cred.euid != 0)
		return -EPERM;
	if ((unsigned)a[0] != LINUX_REBOOT_MAGIC1 ||
	    ((unsigned)a[1] != LINUX_REBOOT_MAGIC2 && (unsigned)a[1] != LINUX_REBOOT_MAGIC2A &&
	     (unsigned)a[1] != LINUX_REBOOT_MAGIC2B && (unsigned)a[1] != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch (cmd) {
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		sched_set_cad(cmd == LINUX_REBOOT_CMD_CAD_ON);
		return 0;
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_RESTART:
		printk_level(KERN_NOTICE, "reboot: %s\n",
			     cmd == LINUX_REBOOT_CMD_RESTART ? "Restarting system" :
			     cmd == LINUX_REBOOT_CMD_HALT ? "System halted" : "Power down");
		sched_request_halt((int)cmd);
		return 0;
	}
	return -EINVAL;
}

/* syslog(2) actions used by dmesg and klogd. */
SYSCALL_DEFINE(syslog)
{
	int type = (int)a[0], len = (int)a[2];
	char *buf;
	size_t n;

	switch (type) {
	case 0: case 1:				/* close, open */
		return 0;
	case 2: case 3: case 4: {		/* read, read all, read+clear */
		if (len < 0)
			return -EINVAL;
		if (!len)
			return 0;
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		n = log_read_all(buf, len);
		long r = copy_to_user(t, a[1], buf, n) ? -EFAULT : (long)n;
		free(buf);
		if (type == 4 && r >= 0)
			log_clear();
		return r;
	}
	case 5:					/* clear */
		log_clear();
		return 0;
	case 6: case 7: case 8:			/* console off, on, level */
		if (type == 8 && (len < 1 || len > 8))
			return -EINVAL;
		if (type == 8)
			log_set_console_level(len);
		return 0;
	case 9:					/* unread bytes */
		return 0;
	case 10:				/* buffer size */
		return (long)log_size();
	}
	return -EINVAL;
}

static long do_prlimit(struct task *t, int pid, unsigned res, uint64_t new_addr, uint64_t old_addr)
{
	struct process *p = pid ? process_by_pid(pid) : t->proc;
	struct rlimit n;

	if (!p)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (new_addr) {
		if (copy_from_user(t, &n, new_addr, sizeof(n)))
			return -EFAULT;
		if (n.rlim_cur > n.rlim_max)
			return -EINVAL;
		if (n.rlim_max > p->rlim[res].rlim_max && t->proc->cred.euid != 0)
			return -EPERM;
		if (res == RLIMIT_NOFILE && n.rlim_max > 1048576)
			return -EPERM;
	}
	if (old_addr && copy_to_user(t, old_addr, &p->rlim[res], sizeof(struct rlimit)))
		return -EFAULT;
	if (new_addr)
		p->rlim[res] = n;
	return 0;
}

SYSCALL_DEFINE(prlimit64)
{
	return do_prlimit(t, (int)a[0], (unsigned)a[1], a[2], a[3]);
}

SYSCALL_DEFINE(getrlimit)
{
	return do_prlimit(t, 0, (unsigned)a[0], 0, a[1]);
}

SYSCALL_DEFINE(setrlimit)
{
	return do_prlimit(t, 0, (unsigned)a[0], a[1], 0);
}

static void ns_tv(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = ns / 1000000000;
	tv->tv_usec = ns % 1000000000 / 1000;
}

SYSCALL_DEFINE(getrusage)
{
	struct process *p = t->proc;
	struct rusage ru;
	int who = (int)a[0];

	memset(&ru, 0, sizeof(ru));
	switch (who) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		ns_tv(process_cputime_ns(p), &ru.ru_utime);
		ns_tv(p->stime_ns, &ru.ru_stime);
		ru.ru_maxrss = process_maxrss_kb(p);
		break;
	case RUSAGE_CHILDREN:
		ns_tv(p->cutime_ns, &ru.ru_utime);
		ns_tv(p->cstime_ns, &ru.ru_stime);
		ru.ru_maxrss = p->cmaxrss_kb;
		break;
	default:
		return -EINVAL;
	}
	return copy_to_user(t, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(times)
{
	struct process *p = t->proc;
	struct tms tms = {
		(clock_t)(process_cputime_ns(p) / 10000000), (clock_t)(p->stime_ns / 10000000),
		(clock_t)(p->cutime_ns / 10000000), (clock_t)(p->cstime_ns / 10000000),
	};

	if (a[0] && copy_to_user(t, a[0], &tms, sizeof(tms)))
		return -EFAULT;
	return (long)(ktime_ns() / 10000000) + 1;
}

SYSCALL_DEFINE(arch_prctl)
{
	uint64_t v;

	switch ((int)a[0]) {
	case ARCH_SET_FS:
		if (a[1] >= GUEST_TOP)
			return -EPERM;
		t->pt.regs.fs_base = a[1];
		t->pt.regs_dirty = true;
		return 0;
	case ARCH_SET_GS:
		if (a[1] >= GUEST_TOP)
			return -EPERM;
		t->pt.regs.gs_base = a[1];
		t->pt.regs_dirty = true;
		return 0;
	case ARCH_GET_FS:
		v = t->pt.regs.fs_base;
		return copy_to_user(t, a[1], &v, sizeof(v)) ? -EFAULT : 0;
	case ARCH_GET_GS:
		v = t->pt.regs.gs_base;
		return copy_to_user(t, a[1], &v, sizeof(v)) ? -EFAULT : 0;
	}
	return -EINVAL;
}

SYSCALL_DEFINE(prctl)
{
	struct process *p = t->proc;
	char name[16];

	switch ((int)a[0]) {
	case PR_SET_NAME:
		if (strncpy_from_user(t, name, a[1], sizeof(name)) < 0) {
			/* Names are cut at 15 characters, not refused. */
			if (copy_from_user(t, name, a[1], sizeof(name) - 1))
				return -EFAULT;
		}
		name[15] = 0;
		memcpy(p->comm, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user(t, a[1], p->comm, sizeof(p->comm)) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		return (a[1] > 64) ? -EINVAL : 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
	case PR_SET_CHILD_SUBREAPER:
	case PR_SET_NO_NEW_PRIVS:
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return 0;
	}
	return -EINVAL;
}

SYSCALL_DEFINE(sched_yield)
{
	return 0;
}

SYSCALL_DEFINE(sched_getaffinity)
{
	uint64_t mask = 1;	/* one virtual CPU */

	if (a[1] < sizeof(mask) || (a[1] & 7))
		return -EINVAL;
	if (clear_user(t, a[2], a[1]) || copy_to_user(t, a[2], &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL_DEFINE(sched_setaffinity)
{
	return 0;
}

SYSCALL_DEFINE(sched_getscheduler)
{
	return SCHED_OTHER;
}

SYSCALL_DEFINE(sched_getparam)
{
	int prio = 0;

	return copy_to_user(t, a[1], &prio, sizeof(prio)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(getpriority)
{
	return 20;	/* nice 0, in the kernel's 40 - nice encoding */
}

SYSCALL_DEFINE(setpriority)
{
	return t->proc->cred.euid == 0 || (int)a[2] >= 0 ? 0 : -EACCES;
}

SYSCALL_DEFINE(personality)
{
	return 0;
}

SYSCALL_DEFINE(getcpu)
{
	unsigned zero = 0;

	if (a[0] && copy_to_user(t, a[0], &zero, sizeof(zero)))
		return -EFAULT;
	if (a[1] && copy_to_user(t, a[1], &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(set_robust_list)
{
	return a[1] == 24 ? 0 : -EINVAL;
}

SYSCALL_DEFINE(futex)
{
	int op = (int)a[1] & FUTEX_CMD_MASK;
	void *mm = t->proc->mm;

	switch (op) {
	case FUTEX_WAIT:
		return futex_wait(t, a[0], (uint32_t)a[2], a[3], false, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, a[0], (uint32_t)a[2], a[3], true, (uint32_t)a[5]);
	case FUTEX_WAKE:
		return futex_wake(mm, a[0], (int)a[2], FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(mm, a[0], (int)a[2], (uint32_t)a[5]);
	}
	return -ENOSYS;
}
