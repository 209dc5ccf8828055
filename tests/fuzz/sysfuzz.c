/* Random system calls with hostile arguments, for the kernel's robustness
 * tests: run inside the guest only (never natively: it calls anything).
 * Each batch runs in a child process bounded by alarm(); the parent only
 * checks that children end and prints a summary.
 *
 * usage: sysfuzz SEED BATCHES CALLS_PER_BATCH */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* Calls that would end the run rather than test the kernel. */
static int skipped(long nr)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_reboot: case SYS_kill: case SYS_tkill:
	case SYS_tgkill: case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_clone3:
	case SYS_execve: case SYS_execveat: case SYS_rt_sigreturn: case SYS_pause:
	case SYS_rt_sigsuspend: case SYS_munmap: case SYS_mremap: case SYS_mprotect:
	case SYS_brk: case SYS_setsid: case SYS_setuid: case SYS_setresuid: case SYS_setreuid:
	case SYS_prctl: case SYS_arch_prctl: case SYS_sigaltstack: case SYS_rt_sigaction:
	case SYS_swapon: case SYS_umount2: case SYS_mount: case SYS_chroot:
		return 1;
	}
	return 0;
}

static uint64_t arg(char *buf)
{
	switch (rnd() % 10) {
	case 0: return 0;
	case 1: return rnd() % 8;			/* small fds, flags */
	case 2: return (uint64_t)-1;
	case 3: return (uint64_t)buf + rnd() % 4096;	/* valid memory */
	case 4: return 1;				/* bad pointer */
	case 5: return 0x7ff000000000 + rnd() % 8192;	/* the stub's pages */
	case 6: return 0xffffffffff600000;		/* kernel half */
	case 7: return rnd();
	case 8: return rnd() % 65536;
	default: return (uint64_t)"/tmp/fuzz-file";
	}
}

static void batch(int calls)
{
	char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	signal(SIGPIPE, SIG_IGN);
	alarm(3);
	for (int i = 0; i < calls; i++) {
		long nr = rnd() % 335;

		if (skipped(nr))
			continue;
		memset(buf, (int)rnd(), 64);
		syscall(nr, arg(buf), arg(buf), arg(buf), arg(buf), arg(buf), arg(buf));
	}
	_exit(0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	int batches = argc > 2 ? atoi(argv[2]) : 20, calls = argc > 3 ? atoi(argv[3]) : 500;
	int ended = 0, killed = 0;

	state = argc > 1 ? strtoull(argv[1], NULL, 0) | 1 : 88172645463325252ULL;
	/* A batch may block or ignore its own alarm (it calls sigprocmask
	 * too): the parent kills it after a deadline. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	for (int b = 0; b < batches; b++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			batch(calls);
		if (pid < 0)
			continue;
		rnd();
		alarm(8);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			kill(pid, SIGKILL);
		alarm(0);
		ended++;
		if (WIFSIGNALED(status))
			killed++;
	}
	printf("sysfuzz: %d batches ended (%d by a signal)\n", ended, killed);
	return ended == batches ? 0 : 1;
}
