/* Hardware faults kill children with the right signal; bad syscalls fail. */
#include "check.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static void no_core(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
}

static void do_null(void)
{
	volatile int *volatile null = NULL;

	*null = 1;
}

static void do_ud2(void)
{
	__asm__ volatile("ud2");
}

static void do_div0(void)
{
	volatile int zero = 0, x = 7;

	x = x / zero;
}

static void do_abort(void)
{
	abort();
}

static void do_int3(void)
{
	__asm__ volatile("int3");
}

static void do_exec_nx(void)
{
	static unsigned char data[16] = { 0xc3 };	/* ret, in non-exec .data */

	((void (*)(void))data)();
}

static volatile long stack_sink;

static void recurse(long n)
{
	volatile char big[64 * 1024];

	big[n & 1023] = n;
	if (n < 1000000)
		recurse(n + 1);
	stack_sink += big[(n + 1) & 1023];
}

static void do_stack_overflow(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	setrlimit(RLIMIT_STACK, &rl);
	recurse(0);
}

static int run_child(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		no_core();
		fn();
		_exit(0);
	}
	return check_wait(pid);
}

static void expect_death(void (*fn)(void), int sig, const char *what)
{
	int st = run_child(fn);

	CHECK(check_killed(st, sig), "%s kills with %s (status %#x)", what,
	      strsignal(sig), st);
}

int main(void)
{
	signal(SIGSEGV, SIG_DFL);
	expect_death(do_null, SIGSEGV, "NULL dereference");
	expect_death(do_ud2, SIGILL, "ud2");
	expect_death(do_div0, SIGFPE, "integer divide by zero");
	expect_death(do_abort, SIGABRT, "abort()");
	expect_death(do_int3, SIGTRAP, "int3");
	expect_death(do_exec_nx, SIGSEGV, "jump into non-executable data");
	expect_death(do_stack_overflow, SIGSEGV, "stack overflow");

	/* A fault ignored via SIG_IGN is still fatal. */
	{
		pid_t pid = fork();

		if (pid == 0) {
			no_core();
			signal(SIGSEGV, SIG_IGN);
			do_null();
			_exit(0);
		}
		CHECK(check_killed(check_wait(pid), SIGSEGV), "ignored SIGSEGV fault still kills");
	}
	/* A blocked fault signal is still delivered and fatal. */
	{
		pid_t pid = fork();

		if (pid == 0) {
			sigset_t set;

			no_core();
			sigemptyset(&set);
			sigaddset(&set, SIGFPE);
			sigprocmask(SIG_BLOCK, &set, NULL);
			do_div0();
			_exit(0);
		}
		CHECK(check_killed(check_wait(pid), SIGFPE), "blocked SIGFPE fault still kills");
	}

	EXPECT_ERR(syscall(10000), ENOSYS);
	EXPECT_ERR(syscall(-1L), ENOSYS);
	CHECK(getpid() > 0, "parent keeps running after all of these");
	return check_done();
}
