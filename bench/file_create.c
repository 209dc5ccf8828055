/*
 * file_create: create a file, write 4 KiB, close, unlink.
 *
 * usage: file_create [DIR] [ITERATIONS]   (either order; default /tmp)
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static char buf[4096];

static int create_once(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0) {
		perror("file_create: open");
		return -1;
	}
	if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		perror("file_create: write");
		close(fd);
		return -1;
	}
	if (close(fd)) {
		perror("file_create: close");
		return -1;
	}
	if (unlink(path)) {
		perror("file_create: unlink");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = "/tmp";
	long n = 20000;
	char path[4096];
	double t0, t1;
	long i;

	for (i = 1; i < argc; i++) {
		if (is_number(argv[i]))
			n = atol(argv[i]);
		else
			dir = argv[i];
	}
	if (n <= 0) {
		fprintf(stderr, "file_create: bad iteration count\n");
		return 1;
	}
	memset(buf, 'f', sizeof(buf));
	snprintf(path, sizeof(path), "%s/file_create.%d", dir, (int)getpid());
	if (create_once(path))	/* warm up */
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (create_once(path))
			return 1;
	t1 = now_ns();
	printf("RESULT file_create %.1f ns/op\n", (t1 - t0) / n);
	return 0;
}
