/*
 * cpu_loop: pure integer work with no system calls, so guest and native
 * should match; a gap shows scheduling or timer overhead of the tracer.
 *
 * usage: cpu_loop [ITERATIONS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000000;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	double t0, t1;
	long i;

	if (n <= 0) {
		fprintf(stderr, "cpu_loop: bad iteration count\n");
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		/* xorshift-multiply mix; each step depends on the last */
		h ^= h >> 31;
		h *= 0xbf58476d1ce4e5b9ull;
		h += (uint64_t)i;
	}
	t1 = now_ns();
	/* print the hash so the loop cannot be optimised away */
	fprintf(stderr, "cpu_loop: hash %016llx\n", (unsigned long long)h);
	printf("RESULT cpu_loop %.3f ns/op\n", (t1 - t0) / n);
	return 0;
}
