/* Process lifecycle: fork, exec, exit, wait. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <fcntl.h>
#include "syscalls/syscall.h"
#include "task/task.h"
#include "task/fork.h"
#include "task/exec.h"
#include "task/exit.h"
#include "mm/uaccess.h"
#include "fs/vfs.h"

SYSCALL_DEFINE(fork)
{
	return do_clone(t, SIGCHLD, 0, 0, 0, 0);
}

SYSCALL_DEFINE(vfork)
{
	return do_clone(t, CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
}

/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls. */
SYSCALL_DEFINE(clone)
{
	return do_clone(t, a[0], a[1], a[2], a[3], a[4]);
}

/* glibc falls back to clone when clone3 is missing. */
SYSCALL_DEFINE(clone3)
{
	return -ENOSYS;
}

static long execve_common(struct task *t, int dirfd, uint64_t upath, uint64_t uargv,
			  uint64_t uenvp, int flags)
{
	char path[4096], **argv = NULL, **envp = NULL;
	size_t total = 0;
	int argc, envc;
	long len, r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	len = strncpy_from_user(t, path, upath, sizeof(path));
	if (len < 0)
		return len;
	if (len == 0)
		return -ENOENT;
	if (dirfd != AT_FDCWD && path[0] != '/')
		return -ENOSYS;	/* relative to a directory fd: not yet */
	argc = copy_strings_from_user(t, uargv, &argv, &total);
	if (argc < 0)
		return argc;
	envc = copy_strings_from_user(t, uenvp, &envp, &total);
	if (envc < 0) {
		free_strings(argv, argc);
		return envc;
	}
	if (argc == 0) {
		/* Like Linux: an empty argv gets "" as argv[0]. */
		argv = calloc(2, sizeof(*argv));
		if (argv)
			argv[0] = strdup("");
		argc = argv && argv[0] ? 1 : 0;
	}
	r = do_execve(t, path, argv, argc, envp, envc);
	free_strings(argv, argc);
	free_strings(envp, envc);
	return r;
}

SYSCALL_DEFINE(execve)
{
	return execve_common(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

SYSCALL_DEFINE(execveat)
{
	return execve_common(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}

SYSCALL_DEFINE(exit)
{
	thread_exit(t, (int)a[0]);
	return -EJUSTRETURN;
}

SYSCALL_DEFINE(exit_group)
{
	process_exit(t->proc, ((int)a[0] & 0xff) << 8);
	return -EJUSTRETURN;
}

static void fill_rusage(struct rusage *ru, uint64_t utime_ns, uint64_t stime_ns)
{
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = utime_ns / 1000000000;
	ru->ru_utime.tv_usec = utime_ns % 1000000000 / 1000;
	ru->ru_stime.tv_sec = stime_ns / 1000000000;
	ru->ru_stime.tv_usec = stime_ns % 1000000000 / 1000;
}

SYSCALL_DEFINE(wait4)
{
	int pid = (int)a[0], options = (int)a[2], idtype, id;
	struct wait_result res = { 0 };
	int r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (pid == -1) {
		idtype = P_ALL;
		id = 0;
	} else if (pid == 0) {
		idtype = P_PGID;
		id = t->proc->pgid;
	} else if (pid < 0) {
		if (pid == INT32_MIN)
			return -ESRCH;
		idtype = P_PGID;
		id = -pid;
	} else {
		idtype = P_PID;
		id = pid;
	}
	r = do_wait(t, idtype, id, options | WEXITED, &res);
	if (r <= 0)
		return r;
	if (a[1] && copy_to_user(t, a[1], &res.status, sizeof(int)))
		return -EFAULT;
	if (a[3]) {
		struct rusage ru;
		fill_rusage(&ru, res.utime_ns, res.stime_ns);
		if (copy_to_user(t, a[3], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return res.pid;
}

SYSCALL_DEFINE(waitid)
{
	int idtype = (int)a[0], id = (int)a[1], options = (int)a[3];
	struct wait_result res = { 0 };
	siginfo_t info;
	int r;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case P_ALL:
		break;
	case P_PID:
	case P_PGID:
		if (id <= 0)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	r = do_wait(t, idtype, id, options, &res);
	if (r < 0)
		return r;
	memset(&info, 0, sizeof(info));
	if (r > 0) {
		info.si_signo = SIGCHLD;
		info.si_code = res.code;
		info.si_pid = res.pid;
		info.si_uid = res.uid;
		info.si_status = res.sig_status;
	}
	if (a[2] && copy_to_user(t, a[2], &info, sizeof(info)))
		return -EFAULT;
	if (a[4]) {
		struct rusage ru;
		fill_rusage(&ru, res.utime_ns, res.stime_ns);
		if (copy_to_user(t, a[4], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(set_tid_address)
{
	t->clear_child_tid = a[0];
	return t->tid;
}
