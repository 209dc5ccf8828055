/* ubd units and the block cache: configuration, cached I/O, write-back,
 * read-only units, host locking and error messages. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "ext_stubs.h"
#include "block/ubd.h"
#include "block/bcache.h"

static char dir[] = "/tmp/ubdtestXXXXXX";

static char *path(const char *name)
{
	return unit_path(dir, name);
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9));
}

static void make_image(const char *file, size_t size)
{
	uint8_t *buf = malloc(size);
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (size_t i = 0; i < size; i++)
		buf[i] = pattern(i);
	if (write(fd, buf, size) != (ssize_t)size)
		abort();
	close(fd);
	free(buf);
}

/* Compare the host file's bytes in a child: closing a descriptor of the
 * file in this process would drop its fcntl lock. */
static bool host_bytes_are(const char *file, uint64_t off, const uint8_t *want, size_t len)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		uint8_t *buf = malloc(len);
		int fd = open(file, O_RDONLY);
		_exit(pread(fd, buf, len, off) == (ssize_t)len && !memcmp(buf, want, len) ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_io(void)
{
	const size_t size = (1 << 20) + 100;	/* rounded up to 512 */
	char err[256];
	uint8_t buf[20000], data[8200];
	bool ok;

	make_image(path("a.img"), size);
	CHECK_EQ(ubd_configure(0, path("a.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK(ubd_configured(0));
	CHECK_EQ(ubd_size(0), (1 << 20) + 512);
	CHECK(!ubd_readonly(0));
	CHECK_EQ(ubd_devt(0), makedev(98, 0));
	CHECK_EQ(ubd_devt(3), makedev(98, 48));
	CHECK_EQ(ubd_unit_of(makedev(98, 17)), 1);
	CHECK_EQ(ubd_unit_of(makedev(8, 0)), -1);

	/* Reads cross block boundaries and match the host file. */
	CHECK_EQ(ubd_read(0, 5000, buf, 15000), 0);
	ok = true;
	for (size_t i = 0; i < 15000; i++)
		ok &= buf[i] == pattern(5000 + i);
	CHECK(ok);
	/* The rounded-up tail reads as zeros. */
	CHECK_EQ(ubd_read(0, size - 4, buf, 4 + 412), 0);
	CHECK(buf[0] == pattern(size - 4) && buf[3] == pattern(size - 1));
	CHECK(buf[4] == 0 && buf[415] == 0);
	CHECK_EQ(ubd_read(0, ubd_size(0) - 10, buf, 20), -EIO);
	CHECK_EQ(ubd_write(0, ubd_size(0), buf, 1), -EIO);

	/* Writes are cached: the host file changes only at flush. */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)~pattern(4090 + i);
	CHECK_EQ(ubd_write(0, 4090, data, sizeof(data)), 0);
	CHECK_EQ(ubd_read(0, 4090, buf, sizeof(data)), 0);
	CHECK(!memcmp(buf, data, sizeof(data)));
	CHECK(!host_bytes_are(path("a.img"), 4090, data, sizeof(data)));
	CHECK_EQ(ubd_flush(0), 0);
	CHECK(host_bytes_are(path("a.img"), 4090, data, sizeof(data)));

	/* A write into the partial last block keeps the file's tail. */
	CHECK_EQ(ubd_write(0, size - 2, "XY", 2), 0);
	CHECK_EQ(ubd_flush(0), 0);
	CHECK(host_bytes_are(path("a.img"), size - 4, (uint8_t[]){ pattern(size - 4),
			     pattern(size - 3), 'X', 'Y' }, 4));

	/* A small cache forces write-back of dirty blocks on eviction;
	 * nothing is lost. */
	bcache_set_limit(64 * BCACHE_BSIZE);
	uint8_t blk[BCACHE_BSIZE];
	for (int b = 0; b < 256; b++) {
		memset(blk, b, sizeof(blk));
		CHECK_EQ(ubd_write(0, (uint64_t)b * BCACHE_BSIZE, blk, sizeof(blk)), 0);
	}
	struct bcache_stats st;
	bcache_get_stats(&st);
	CHECK(st.blocks <= 64);
	ok = true;
	for (int b = 0; b < 256; b++) {
		CHECK_EQ(ubd_read(0, (uint64_t)b * BCACHE_BSIZE + 100, buf, 1), 0);
		ok &= buf[0] == b;
	}
	CHECK(ok);
	CHECK_EQ(ubd_flush(0), 0);
	memset(blk, 200, sizeof(blk));
	CHECK(host_bytes_are(path("a.img"), 200 * BCACHE_BSIZE, blk, sizeof(blk)));
	bcache_set_limit(BCACHE_DEFAULT_LIMIT);

	CHECK_EQ(ubd_configure(0, path("a.img"), NULL, 0, err, sizeof(err)), -EBUSY);
	CHECK_STR(err, "Device is already configured");
	CHECK_EQ(ubd_configure(16, path("a.img"), NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "Device number out of range");
}

static void test_readonly(void)
{
	char err[256];
	uint8_t buf[16];

	make_image(path("ro.img"), 8192);
	CHECK_EQ(ubd_configure(1, path("ro.img"), NULL, UBD_RDONLY, err, sizeof(err)), 0);
	CHECK(ubd_readonly(1));
	CHECK_EQ(ubd_write(1, 0, "x", 1), -EROFS);
	CHECK_EQ(ubd_read(1, 0, buf, 16), 0);
	CHECK_EQ(buf[1], pattern(1));
	CHECK_EQ(ubd_remove(1, err, sizeof(err)), 0);
	CHECK(!ubd_configured(1));

	/* A file the user cannot write falls back to read-only. */
	chmod(path("ro.img"), 0444);
	if (geteuid() != 0) {
		CHECK_EQ(ubd_configure(1, path("ro.img"), NULL, 0, err, sizeof(err)), 0);
		CHECK(ubd_readonly(1));
		CHECK_EQ(ubd_write(1, 0, "x", 1), -EROFS);
		ubd_remove(1, err, sizeof(err));
	}
}

static void test_errors(void)
{
	char err[256], want[300];

	CHECK_EQ(ubd_configure(3, "/nonexistent/x.img", NULL, 0, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "ubdd: Can't open \"/nonexistent/x.img\": errno = 2");
	CHECK(!ubd_configured(3));

	/* A plain image given a backing file is not a COW file. */
	make_image(path("plain.img"), 4096);
	CHECK_EQ(ubd_configure(3, path("plain.img"), "/some/backing", 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "Failed to read COW header from COW file") != NULL);

	/* A file with the COW magic is refused unless the d flag says data. */
	int fd = open(path("cow.img"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ(write(fd, "OOOM\0\0\0\3", 8), 8);
	CHECK_EQ(ftruncate(fd, 65536), 0);
	close(fd);
	CHECK_EQ(ubd_configure(4, path("cow.img"), NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "invalid sector size in COW header") != NULL);
	CHECK_EQ(ubd_configure(4, path("cow.img"), NULL, UBD_DATA, err, sizeof(err)), 0);
	CHECK_EQ(ubd_size(4), 65536);
	CHECK_EQ(ubd_remove(4, err, sizeof(err)), 0);

	snprintf(want, sizeof(want), "Device is not configured");
	CHECK_EQ(ubd_remove(9, err, sizeof(err)), -ENODEV);
	CHECK_STR(err, want);
}

/* Another process holding the image: the second configure fails with
 * EAGAIN and names the holder; the shared flag skips locking. */
static void test_locking(void)
{
	char err[256], want[300];
	int ready[2], done[2];
	pid_t child;
	char c;

	make_image(path("lock.img"), 65536);
	CHECK_EQ(pipe(ready), 0);
	CHECK_EQ(pipe(done), 0);
	child = fork();
	if (child == 0) {
		char e[256];
		int ret = ubd_configure(5, path("lock.img"), NULL, 0, e, sizeof(e));
		/* The parent's lock on a.img (unit 0) is also visible here. */
		int ret2 = ubd_configure(6, path("a.img"), NULL, 0, e, sizeof(e));
		c = (ret == 0 && ret2 == -EAGAIN) ? 'y' : 'n';
		if (c != 'y')
			fprintf(stderr, "child: %d %d %s\n", ret, ret2, e);
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		if (read(done[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_EQ(c, 'y');
	CHECK_EQ(ubd_configure(5, path("lock.img"), NULL, 0, err, sizeof(err)), -EAGAIN);
	snprintf(want, sizeof(want), "ubdf: \"%s\" is locked by pid %d: errno = 11",
		 path("lock.img"), (int)child);
	CHECK_STR(err, want);
	CHECK(!ubd_configured(5));
	/* A read-only open needs a read lock, which a write lock also blocks. */
	CHECK_EQ(ubd_configure(5, path("lock.img"), NULL, UBD_RDONLY, err, sizeof(err)), -EAGAIN);
	CHECK_EQ(ubd_configure(5, path("lock.img"), NULL, UBD_SHARED, err, sizeof(err)), 0);
	CHECK_EQ(ubd_remove(5, err, sizeof(err)), 0);

	CHECK_EQ(write(done[1], "x", 1), 1);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The holder is gone: the lock is free. */
	CHECK_EQ(ubd_configure(5, path("lock.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_remove(5, err, sizeof(err)), 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_io();
	test_readonly();
	test_errors();
	test_locking();
	ubd_shutdown();
	CHECK(!ubd_configured(0));
	unit_remove_tree(dir);
	return unit_done();
}
