/*
 * null_syscall: cost of the cheapest system call, getppid, made through
 * syscall(2) so libc cannot cache or skip it.
 *
 * usage: null_syscall [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double t0, t1;
	long i;

	if (n <= 0) {
		fprintf(stderr, "null_syscall: bad iteration count\n");
		return 1;
	}
	for (i = 0; i < 1000; i++)	/* warm up */
		syscall(SYS_getppid);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = now_ns();
	printf("RESULT null_syscall %.1f ns/op\n", (t1 - t0) / n);
	return 0;
}
