/*
 * fork_exit: create a process that exits at once, and reap it.
 *
 * usage: fork_exit [ITERATIONS]
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

static int fork_once(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork_exit: fork");
		return -1;
	}
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid) {
		perror("fork_exit: waitpid");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 7) {
		fprintf(stderr, "fork_exit: child status %#x\n", status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	double t0, t1;
	long i;

	if (n <= 0) {
		fprintf(stderr, "fork_exit: bad iteration count\n");
		return 1;
	}
	if (fork_once())	/* warm up */
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (fork_once())
			return 1;
	t1 = now_ns();
	printf("RESULT fork_exit %.1f ns/op\n", (t1 - t0) / n);
	return 0;
}
