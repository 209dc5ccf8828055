/*
 * seq_io: write a file sequentially in 64 KiB blocks and fsync it, then
 * read it back; reports MB/s (10^6 bytes per second) for both phases.
 * The file is removed afterwards. The read is not preceded by a cache
 * drop, so it mostly measures the cached read path.
 *
 * usage: seq_io [PATH] [MIB]   (either order; default /tmp/seq_io.dat 64)
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (64 * 1024)

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

static char buf[BLOCK];

static int write_file(const char *path, long blocks)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long i;

	if (fd < 0) {
		perror("seq_io: open for write");
		return -1;
	}
	for (i = 0; i < blocks; i++) {
		buf[0] = (char)i;	/* not all blocks identical */
		if (write(fd, buf, BLOCK) != BLOCK) {
			perror("seq_io: write");
			close(fd);
			return -1;
		}
	}
	if (fsync(fd)) {
		perror("seq_io: fsync");
		close(fd);
		return -1;
	}
	return close(fd);
}

static int read_file(const char *path, long blocks)
{
	int fd = open(path, O_RDONLY);
	long i;

	if (fd < 0) {
		perror("seq_io: open for read");
		return -1;
	}
	for (i = 0; i < blocks; i++) {
		ssize_t got = read(fd, buf, BLOCK);

		if (got != BLOCK) {
			fprintf(stderr, "seq_io: read block %ld: got %zd\n",
				i, got);
			close(fd);
			return -1;
		}
		if (buf[0] != (char)i) {
			fprintf(stderr, "seq_io: block %ld has wrong data\n",
				i);
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	const char *path = "/tmp/seq_io.dat";
	long mib = 64, blocks;
	double t0, t1, t2, bytes;
	int i;

	for (i = 1; i < argc; i++) {
		if (is_number(argv[i]))
			mib = atol(argv[i]);
		else
			path = argv[i];
	}
	if (mib <= 0) {
		fprintf(stderr, "seq_io: bad size\n");
		return 1;
	}
	blocks = mib * 1024 * 1024 / BLOCK;
	bytes = (double)blocks * BLOCK;
	memset(buf, 's', sizeof(buf));

	t0 = now_ns();
	if (write_file(path, blocks)) {
		unlink(path);
		return 1;
	}
	t1 = now_ns();
	if (read_file(path, blocks)) {
		unlink(path);
		return 1;
	}
	t2 = now_ns();
	if (unlink(path))
		perror("seq_io: unlink");
	printf("RESULT seq_write %.1f MB/s\n", bytes / 1e6 / ((t1 - t0) / 1e9));
	printf("RESULT seq_read %.1f MB/s\n", bytes / 1e6 / ((t2 - t1) / 1e9));
	return 0;
}
