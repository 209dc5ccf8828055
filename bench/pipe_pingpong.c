/*
 * pipe_pingpong: two processes bounce one byte over two pipes; one round
 * trip is two writes, two reads and two wake-ups.
 *
 * usage: pipe_pingpong [ROUND_TRIPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Echo bytes from @in to @out until EOF. */
static void echo_child(int in, int out)
{
	char c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

static int bounce(int to, int from, long n)
{
	char c = 'x';
	long i;

	for (i = 0; i < n; i++) {
		if (write(to, &c, 1) != 1 || read(from, &c, 1) != 1) {
			perror("pipe_pingpong: round trip");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 50000;
	int ping[2], pong[2], status;
	double t0, t1;
	pid_t pid;

	if (n <= 0) {
		fprintf(stderr, "pipe_pingpong: bad iteration count\n");
		return 1;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pipe_pingpong: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("pipe_pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		close(ping[1]);
		close(pong[0]);
		echo_child(ping[0], pong[1]);
	}
	close(ping[0]);
	close(pong[1]);
	if (bounce(ping[1], pong[0], 100))	/* warm up */
		return 1;
	t0 = now_ns();
	if (bounce(ping[1], pong[0], n))
		return 1;
	t1 = now_ns();
	close(ping[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pipe_pingpong: echo child failed\n");
		return 1;
	}
	printf("RESULT pipe_pingpong %.1f ns/op\n", (t1 - t0) / n);
	return 0;
}
