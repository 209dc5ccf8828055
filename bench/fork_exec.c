/*
 * fork_exec: fork, execve a tiny static program, reap it. The program is
 * this binary run as "fork_exec --exit"; its path is argv[0] as given,
 * since /proc/self/exe may not be readable everywhere. Run it by a path
 * that contains a slash.
 *
 * usage: fork_exec [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int spawn_once(char *self)
{
	char *args[] = { self, "--exit", NULL };
	char *envp[] = { NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork_exec: fork");
		return -1;
	}
	if (pid == 0) {
		execve(self, args, envp);
		perror("fork_exec: execve");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("fork_exec: waitpid");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fork_exec: child status %#x\n", status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n;
	double t0, t1;
	long i;

	if (argc > 1 && strcmp(argv[1], "--exit") == 0)
		_exit(0);
	n = argc > 1 ? atol(argv[1]) : 500;
	if (n <= 0) {
		fprintf(stderr, "fork_exec: bad iteration count\n");
		return 1;
	}
	if (!strchr(argv[0], '/')) {
		fprintf(stderr, "fork_exec: run me by a path with a '/'\n");
		return 1;
	}
	if (spawn_once(argv[0]))	/* warm up */
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (spawn_once(argv[0]))
			return 1;
	t1 = now_ns();
	printf("RESULT fork_exec %.1f ns/op\n", (t1 - t0) / n);
	return 0;
}
