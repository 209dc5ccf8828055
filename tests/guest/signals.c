/* Signal delivery, masks, handlers, restart, alternate stacks. */
#include "check.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t got_signo, got_count, got_code, in_handler_blocked;
static volatile pid_t got_pid;
static volatile uid_t got_uid;
static volatile int got_status;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	got_signo = sig;
	got_count++;
	got_pid = si->si_pid;
	got_uid = si->si_uid;
	got_code = si->si_code;
	got_status = si->si_status;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	in_handler_blocked = sigismember(&cur, sig);
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	got_signo = got_count = got_code = got_pid = got_status = 0;
	got_uid = -1;
}

static void test_basic(void)
{
	struct sigaction sa, old;

	reset();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1");
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_sigaction == info_handler &&
	      (old.sa_flags & SA_SIGINFO) && sigismember(&old.sa_mask, SIGUSR2),
	      "sigaction reads back handler, flags and mask");
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill self SIGUSR1");
	CHECK(got_count == 1 && got_signo == SIGUSR1, "handler ran with signo SIGUSR1");
	CHECK(got_pid == getpid(), "si_pid is the sender (%d)", (int)got_pid);
	CHECK(got_code == SI_USER, "si_code SI_USER (%d)", (int)got_code);
	CHECK(got_uid == getuid(), "si_uid is the sender's uid");
	CHECK(in_handler_blocked, "signal blocked inside its own handler");

	EXPECT_ERR(kill(getpid(), 65), EINVAL);
	EXPECT_ERR(kill(getpid(), -1), EINVAL);
	EXPECT_ERR(kill(0x3ffffff0, SIGUSR1), ESRCH);
	EXPECT_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
	EXPECT_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	EXPECT_ERR(sigaction(0, &sa, NULL), EINVAL);
	CHECK(kill(getpid(), 0) == 0, "kill signal 0 probes");

	signal(SIGUSR2, SIG_IGN);
	CHECK(kill(getpid(), SIGUSR2) == 0, "ignored SIGUSR2 is harmless");
	signal(SIGUSR2, SIG_DFL);

	/* SA_RESETHAND: one shot */
	reset();
	set_handler(SIGUSR2, info_handler, SA_RESETHAND);
	raise(SIGUSR2);
	CHECK(got_count == 1, "SA_RESETHAND handler runs once");
	CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL,
	      "SA_RESETHAND resets to SIG_DFL");

	/* SA_NODEFER: signal not blocked in its handler */
	reset();
	set_handler(SIGUSR2, info_handler, SA_NODEFER);
	raise(SIGUSR2);
	CHECK(got_count == 1 && !in_handler_blocked, "SA_NODEFER leaves signal unblocked");
	signal(SIGUSR2, SIG_DFL);
}

static void test_mask_pending(void)
{
	sigset_t set, old, pend;
	siginfo_t si;
	struct timespec zero = { 0, 0 };

	reset();
	set_handler(SIGUSR1, info_handler, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "block SIGUSR1");
	CHECK(!sigismember(&old, SIGUSR1), "old mask did not have SIGUSR1");
	raise(SIGUSR1);
	raise(SIGUSR1);
	CHECK(got_count == 0, "blocked signal not delivered");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1),
	      "sigpending shows SIGUSR1");
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock SIGUSR1");
	CHECK(got_count == 1, "unblock delivers, standard signals coalesce (%d)",
	      (int)got_count);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1),
	      "nothing pending after delivery");

	/* realtime signals queue */
	reset();
	set_handler(SIGRTMIN, info_handler, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGRTMIN);
	raise(SIGRTMIN);
	raise(SIGRTMIN);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(got_count == 3, "realtime signals queue (%d)", (int)got_count);

	/* SIGKILL/SIGSTOP cannot be blocked */
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, &old);
	sigprocmask(SIG_SETMASK, NULL, &set);
	CHECK(!sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP) &&
	      sigismember(&set, SIGTERM), "SIGKILL and SIGSTOP are never blocked");
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* sigtimedwait takes a blocked signal synchronously */
	reset();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	EXPECT_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
	raise(SIGUSR2);
	memset(&si, 0, sizeof(si));
	CHECK(sigtimedwait(&set, &si, &zero) == SIGUSR2 && si.si_signo == SIGUSR2 &&
	      si.si_pid == getpid(), "sigtimedwait returns the pending signal");
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR2),
	      "sigtimedwait consumed it");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGRTMIN, SIG_DFL);

	/* fork: mask inherited, pending set cleared */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t m, p;

		sigprocmask(SIG_SETMASK, NULL, &m);
		sigpending(&p);
		_exit(sigismember(&m, SIGUSR1) && !sigismember(&p, SIGUSR1) ? 0 : 1);
	}
	CHECK(check_exited(check_wait(pid), 0),
	      "child inherits the mask but not pending signals");
	reset();
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(got_count == 1, "parent's pending signal still delivered");
}

static int alarm_pipe[2];
static volatile int alarm_write_on;

/* Writes a byte to the pipe on tick number alarm_write_on (0: never). */
static void alarm_handler(int sig, siginfo_t *si, void *uc)
{
	got_count++;
	got_code = si->si_code;
	if (got_count == alarm_write_on && write(alarm_pipe[1], "A", 1) != 1)
		got_count = 100;
}

/* A periodic timer, so a tick that fires before read() blocks is harmless. */
static void arm_timer(long usec)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = usec;
	it.it_interval.tv_usec = usec;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void test_restart(void)
{
	struct itimerval it;
	char c = 0;
	ssize_t n;
	int e;

	CHECK(pipe(alarm_pipe) == 0, "pipe");

	/* without SA_RESTART: the blocked read fails with EINTR */
	reset();
	alarm_write_on = 0;
	set_handler(SIGALRM, alarm_handler, 0);
	arm_timer(20000);
	errno = 0;
	n = read(alarm_pipe[0], &c, 1);
	e = errno;
	arm_timer(0);
	CHECK(n == -1 && e == EINTR, "read interrupted by SIGALRM -> EINTR (n=%zd errno=%d)",
	      n, e);
	CHECK(got_count >= 1, "SIGALRM handler ran");
	CHECK(got_code == SI_KERNEL || got_code == SI_TIMER,
	      "SIGALRM from a timer has a kernel si_code (%d)", (int)got_code);
	CHECK(getitimer(ITIMER_REAL, &it) == 0 && !it.it_value.tv_sec &&
	      !it.it_value.tv_usec, "timer disarmed");

	/* with SA_RESTART: the read survives the first tick, gets the second's byte */
	reset();
	alarm_write_on = 2;
	c = 0;
	set_handler(SIGALRM, alarm_handler, SA_RESTART);
	arm_timer(20000);
	n = read(alarm_pipe[0], &c, 1);
	arm_timer(0);
	CHECK(n == 1 && c == 'A' && got_count >= 2,
	      "SA_RESTART read restarts and returns the byte (n=%zd ticks=%d)", n,
	      (int)got_count);

	/* alarm() works too */
	reset();
	set_handler(SIGALRM, alarm_handler, 0);
	CHECK(alarm(1) == 0, "alarm(1) returns 0");
	CHECK(alarm(0) == 1 && got_count == 0, "alarm(0) cancels, returns 1");
	signal(SIGALRM, SIG_DFL);
	close(alarm_pipe[0]);
	close(alarm_pipe[1]);
}

static void test_sigsuspend(void)
{
	sigset_t set, empty, now;
	pid_t pid;
	int r, e;

	reset();
	set_handler(SIGUSR1, info_handler, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&empty);
	r = sigsuspend(&empty);
	e = errno;
	CHECK(r == -1 && e == EINTR, "sigsuspend returns EINTR");
	CHECK(got_count == 1 && got_signo == SIGUSR1 && got_pid == pid,
	      "signal from child delivered during sigsuspend, si_pid child");
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1), "sigsuspend restores the mask");
	check_wait(pid);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static char *alt_base;
static size_t alt_size;
static volatile uintptr_t alt_local;
static volatile int alt_flags;

static void alt_handler(int sig)
{
	volatile int local;
	stack_t ss;

	alt_local = (uintptr_t)&local;
	if (sigaltstack(NULL, &ss) == 0)
		alt_flags = ss.ss_flags;
}

static void test_altstack(void)
{
	struct sigaction sa;
	stack_t ss, old;

	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	ss.ss_sp = alt_base;
	ss.ss_size = alt_size;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, &old) == 0, "sigaltstack set");
	CHECK(old.ss_flags == SS_DISABLE, "no alternate stack before");
	ss.ss_size = 100;
	EXPECT_ERR(sigaltstack(&ss, NULL), ENOMEM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alt_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	CHECK(alt_local >= (uintptr_t)alt_base &&
	      alt_local < (uintptr_t)alt_base + alt_size,
	      "handler local lies on the alternate stack");
	CHECK(alt_flags == SS_ONSTACK, "sigaltstack reports SS_ONSTACK in handler");
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_flags == 0 &&
	      old.ss_sp == alt_base && old.ss_size == alt_size,
	      "sigaltstack query after handler");

	/* without SA_ONSTACK the normal stack is used */
	alt_local = 0;
	signal(SIGUSR2, alt_handler);
	raise(SIGUSR2);
	CHECK(alt_local && (alt_local < (uintptr_t)alt_base ||
			    alt_local >= (uintptr_t)alt_base + alt_size),
	      "handler without SA_ONSTACK uses the normal stack");
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	signal(SIGUSR2, SIG_DFL);
	free(alt_base);
}

static void test_sigchld(void)
{
	sigset_t set, pend;
	siginfo_t si;
	pid_t pid;

	reset();
	set_handler(SIGCHLD, info_handler, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = fork();
	if (pid == 0)
		_exit(5);
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGCHLD),
	      "SIGCHLD pending after child exit");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(got_count == 1 && got_signo == SIGCHLD, "SIGCHLD handler ran");
	CHECK(got_pid == pid && got_code == CLD_EXITED && got_status == 5,
	      "SIGCHLD siginfo: pid, CLD_EXITED, status 5");
	check_wait(pid);
	signal(SIGCHLD, SIG_DFL);
}

static sigjmp_buf segv_jmp;
static volatile void *segv_addr;
static volatile int segv_code, segv_count;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	segv_count++;
	segv_addr = si->si_addr;
	segv_code = si->si_code;
	siglongjmp(segv_jmp, 1);
}

static void test_segv(void)
{
	volatile int *volatile null = NULL;
	volatile int i, caught = 0;

	set_handler(SIGSEGV, segv_handler, 0);
	for (i = 0; i < 2; i++) {
		segv_addr = (void *)1;
		if (sigsetjmp(segv_jmp, 1) == 0) {
			*null = 1;
		} else {
			caught++;
		}
	}
	CHECK(caught == 2 && segv_count == 2,
	      "SIGSEGV caught twice via siglongjmp (%d)", caught);
	CHECK(segv_addr == NULL, "si_addr == 0 (%p)", (void *)segv_addr);
	CHECK(segv_code == SEGV_MAPERR, "si_code SEGV_MAPERR (%d)", segv_code);
	segv_addr = (void *)1;
	if (sigsetjmp(segv_jmp, 1) == 0)
		(void)*(volatile int *)0x1008;
	CHECK(segv_addr == (void *)0x1008, "si_addr is the faulting address (%p)",
	      (void *)segv_addr);
	signal(SIGSEGV, SIG_DFL);
}

static void test_children(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(pid, SIGTERM) == 0, "kill child SIGTERM");
	status = check_wait(pid);
	CHECK(check_killed(status, SIGTERM), "default SIGTERM kills (status %#x)", status);

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(pid, SIGSTOP) == 0, "kill child SIGSTOP");
	CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status) &&
	      WSTOPSIG(status) == SIGSTOP, "WUNTRACED reports stop (status %#x)", status);
	CHECK(waitpid(pid, &status, WUNTRACED | WNOHANG) == 0,
	      "stop is reported only once");
	CHECK(kill(pid, SIGCONT) == 0, "kill child SIGCONT");
	CHECK(waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status),
	      "WCONTINUED reports continue (status %#x)", status);
	kill(pid, SIGKILL);
	status = check_wait(pid);
	CHECK(check_killed(status, SIGKILL), "stopped-then-continued child killed");

	/* a stopped child still dies from SIGKILL */
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status),
	      "child stopped itself");
	kill(pid, SIGKILL);
	status = check_wait(pid);
	CHECK(check_killed(status, SIGKILL), "SIGKILL kills a stopped child");

	/* a handled signal in the child, reported through exit status */
	pid = fork();
	if (pid == 0) {
		reset();
		set_handler(SIGUSR1, info_handler, 0);
		raise(SIGUSR1);
		_exit(got_count == 1 ? 0 : 1);
	}
	CHECK(check_exited(check_wait(pid), 0), "child handles its own signal");
}

static long sys_tgkill(pid_t tgid, pid_t tid, int sig)
{
	return syscall(SYS_tgkill, tgid, tid, sig);
}

static long sys_tkill(pid_t tid, int sig)
{
	return syscall(SYS_tkill, tid, sig);
}

static void test_tgkill(void)
{
	pid_t me = getpid(), tid = gettid(), pid;
	int status;

	reset();
	set_handler(SIGUSR1, info_handler, 0);
	CHECK(tid == me, "gettid == getpid in a single-threaded process");
	CHECK(sys_tgkill(me, tid, SIGUSR1) == 0, "tgkill self");
	CHECK(got_count == 1 && got_signo == SIGUSR1 && got_pid == me &&
	      got_code == SI_TKILL, "tgkill delivered, si_code SI_TKILL (%d)",
	      (int)got_code);
	reset();
	CHECK(sys_tkill(tid, SIGUSR1) == 0, "tkill self");
	CHECK(got_count == 1 && got_code == SI_TKILL, "tkill delivered, SI_TKILL");
	CHECK(sys_tgkill(me, tid, 0) == 0 && sys_tkill(tid, 0) == 0,
	      "signal 0 probes the thread");
	signal(SIGUSR1, SIG_DFL);

	EXPECT_ERR(sys_tgkill(me, tid, 65), EINVAL);
	EXPECT_ERR(sys_tgkill(me, tid, -1), EINVAL);
	EXPECT_ERR(sys_tgkill(0, tid, SIGUSR1), EINVAL);
	EXPECT_ERR(sys_tgkill(me, 0, SIGUSR1), EINVAL);
	EXPECT_ERR(sys_tgkill(-1, -1, SIGUSR1), EINVAL);
	EXPECT_ERR(sys_tkill(tid, 65), EINVAL);
	EXPECT_ERR(sys_tkill(0, SIGUSR1), EINVAL);
	EXPECT_ERR(sys_tkill(-5, SIGUSR1), EINVAL);
	EXPECT_ERR(sys_tkill(0x3ffffff0, SIGUSR1), ESRCH);
	EXPECT_ERR(sys_tgkill(me, 0x3ffffff0, SIGUSR1), ESRCH);

	/* a child (one thread): tgkill needs the right thread group */
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_ERR(sys_tgkill(me, pid, SIGTERM), ESRCH);
	EXPECT_ERR(sys_tgkill(pid, me, SIGTERM), ESRCH);
	CHECK(sys_tgkill(pid, pid, 0) == 0, "tgkill probe of a child");
	CHECK(sys_tgkill(pid, pid, SIGTERM) == 0, "tgkill child SIGTERM");
	status = check_wait(pid);
	CHECK(check_killed(status, SIGTERM), "tgkill killed the child (status %#x)", status);
	EXPECT_ERR(sys_tgkill(pid, pid, 0), ESRCH);

	{
		int ready[2];
		char c;

		CHECK(pipe(ready) == 0, "pipe");
		pid = fork();
		if (pid == 0) {
			reset();
			set_handler(SIGUSR2, info_handler, 0);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			while (!got_count)
				pause();
			_exit(got_code == SI_TKILL && got_pid == getppid() ? 7 : 1);
		}
		CHECK(read(ready[0], &c, 1) == 1, "child has its handler");
		close(ready[0]);
		close(ready[1]);
	}
	CHECK(sys_tkill(pid, SIGUSR2) == 0, "tkill child SIGUSR2");
	status = check_wait(pid);
	CHECK(check_exited(status, 7),
	      "child's handler saw SI_TKILL from its parent (status %#x)", status);
	EXPECT_ERR(sys_tkill(pid, SIGUSR2), ESRCH);
}

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* ppoll and pselect6 swap in a signal mask for the wait, atomically. */
static void test_ppoll_pselect(void)
{
	struct timespec ts, t0;
	sigset_t usr1, empty, now;
	struct pollfd pf;
	fd_set rd;
	int p[2], r, e;
	long ms;

	CHECK(pipe(p) == 0, "pipe");
	pf.fd = p[0];
	pf.events = POLLIN;
	sigemptyset(&empty);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	reset();
	set_handler(SIGUSR1, info_handler, 0);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	/* timeouts, nothing pending */
	ts.tv_sec = 0;
	ts.tv_nsec = 30 * 1000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = ppoll(&pf, 1, &ts, &empty);
	ms = elapsed_ms(&t0);
	CHECK(r == 0 && ms >= 25 && ms < 2000, "ppoll times out after 30 ms (%d, %ld ms)",
	      r, ms);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pselect(p[0] + 1, &rd, NULL, NULL, &ts, &empty);
	ms = elapsed_ms(&t0);
	CHECK(r == 0 && ms >= 25 && ms < 2000 && !FD_ISSET(p[0], &rd),
	      "pselect times out after 30 ms (%d, %ld ms)", r, ms);

	/* a pending blocked signal stays pending when the mask keeps it out */
	raise(SIGUSR1);
	r = ppoll(&pf, 1, &ts, &usr1);
	CHECK(r == 0 && got_count == 0, "ppoll whose mask blocks the signal times out");
	r = pselect(0, NULL, NULL, NULL, &ts, NULL);
	CHECK(r == 0 && got_count == 0, "pselect with no mask keeps it blocked");

	/* the mask unblocks it: EINTR at once, handler ran, mask restored */
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	r = ppoll(&pf, 1, &ts, &empty);
	e = errno;
	ms = elapsed_ms(&t0);
	CHECK(r == -1 && e == EINTR && ms < 2000,
	      "ppoll with a mask unblocking a pending signal -> EINTR (%d, %ld ms)", r, ms);
	CHECK(got_count == 1 && got_signo == SIGUSR1, "handler ran during ppoll");
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1), "ppoll restores the blocked mask");

	reset();
	raise(SIGUSR1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	r = pselect(p[0] + 1, &rd, NULL, NULL, NULL, &empty);
	e = errno;
	ms = elapsed_ms(&t0);
	CHECK(r == -1 && e == EINTR && ms < 2000,
	      "pselect without timeout -> EINTR from the pending signal (%d)", r);
	CHECK(got_count == 1, "handler ran during pselect");
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1), "pselect restores the blocked mask");

	/* a ready descriptor wins over the timeout; ppoll keeps the time left */
	reset();
	CHECK(write(p[1], "x", 1) == 1, "make the pipe readable");
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
	CHECK(r == 1 && (pf.revents & POLLIN), "ppoll reports POLLIN");
	CHECK(ts.tv_sec >= 4 && ts.tv_sec <= 5, "ppoll writes back the time left (%ld s)",
	      (long)ts.tv_sec);

	/* the raw calls check the sigset size and the timespec */
	EXPECT_ERR(syscall(SYS_ppoll, &pf, 1, &ts, &empty, 4), EINVAL);
	{
		struct { const sigset_t *ss; size_t len; } arg = { &empty, 4 };

		EXPECT_ERR(syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, &arg), EINVAL);
	}
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	EXPECT_ERR(ppoll(&pf, 1, &ts, NULL), EINVAL);
	EXPECT_ERR(pselect(0, NULL, NULL, NULL, &ts, NULL), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	EXPECT_ERR(ppoll(&pf, 1, &ts, NULL), EINVAL);
	EXPECT_ERR(pselect(0, NULL, NULL, NULL, &ts, NULL), EINVAL);

	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	test_basic();
	test_mask_pending();
	test_restart();
	test_sigsuspend();
	test_altstack();
	test_sigchld();
	test_segv();
	test_children();
	test_tgkill();
	test_ppoll_pselect();
	return check_done();
}
