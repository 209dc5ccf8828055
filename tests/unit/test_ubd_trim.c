/* ubd discard and write-zeroes: host holes, COW bits, the `t` and `r`
 * flags, range checks and block cache coherence. */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "ext_stubs.h"
#include "block/ubd.h"
#include "block/bcache.h"

static char dir[] = "/tmp/ubdtrimXXXXXX";

static char *path(const char *name)
{
	return unit_path(dir, name);
}

static void make_image(const char *file, size_t size, uint8_t fill)
{
	uint8_t *buf = malloc(size);
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	memset(buf, fill, size);
	if (write(fd, buf, size) != (ssize_t)size)
		abort();
	close(fd);
	free(buf);
}

/* Read the host file in a child: closing a descriptor of it here would
 * drop this process's fcntl lock. Returns whether [off, off+len) == fill. */
static bool host_all(const char *file, uint64_t off, size_t len, uint8_t fill)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		uint8_t *buf = malloc(len);
		int fd = open(file, O_RDONLY);
		bool ok = pread(fd, buf, len, off) == (ssize_t)len;

		for (size_t i = 0; ok && i < len; i++)
			ok = buf[i] == fill;
		_exit(ok ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool dev_all(int unit, uint64_t off, size_t len, uint8_t fill)
{
	uint8_t buf[65536];

	if (len > sizeof(buf) || ubd_read(unit, off, buf, len) < 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != fill)
			return false;
	return true;
}

static void test_plain(void)
{
	char err[256];
	uint8_t a[8192];
	struct stat before, after;

	make_image(path("plain.img"), 1 << 20, 0x5a);
	CHECK_EQ(ubd_configure(0, path("plain.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK(ubd_can_discard(0));
	stat(path("plain.img"), &before);
	/* A dirty block cut by the range and one inside it. */
	memset(a, 'A', sizeof(a));
	CHECK_EQ(ubd_write(0, 8192, a, sizeof(a)), 0);
	CHECK_EQ(ubd_discard(0, 8192 + 2048, 4096 + 2048), 0);
	CHECK(dev_all(0, 8192, 2048, 'A'));
	CHECK(dev_all(0, 8192 + 2048, 6144, 0));
	CHECK(host_all(path("plain.img"), 8192 + 2048, 6144, 0));
	CHECK(dev_all(0, 65536, 65536, 0x5a));
	CHECK_EQ(ubd_discard(0, 65536, 65536), 0);
	CHECK(dev_all(0, 65536, 65536, 0));
	stat(path("plain.img"), &after);
	CHECK(after.st_blocks <= before.st_blocks - 128);
	CHECK_EQ(ubd_zeroout(0, 300 * 512, 1024), 0);
	CHECK(host_all(path("plain.img"), 300 * 512, 1024, 0));
	CHECK(host_all(path("plain.img"), 299 * 512, 512, 0x5a));
	/* The write-back leaves the discarded part alone. */
	CHECK_EQ(ubd_flush(0), 0);
	CHECK(host_all(path("plain.img"), 8192, 2048, 'A'));
	CHECK(host_all(path("plain.img"), 8192 + 2048, 6144, 0));
	/* Ranges: 512-aligned, inside the device. */
	CHECK_EQ(ubd_discard(0, 100, 512), -EINVAL);
	CHECK_EQ(ubd_zeroout(0, 0, 1000), -EINVAL);
	CHECK_EQ(ubd_discard(0, (1 << 20) - 512, 1024), -EINVAL);
	CHECK_EQ(ubd_zeroout(0, 512, UINT64_MAX - 511), -EINVAL);
	CHECK_EQ(ubd_discard(0, 1 << 20, 0), 0);
	CHECK_EQ(ubd_discard(9, 0, 512), -ENXIO);
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);
}

static void test_flags(void)
{
	char err[256];

	make_image(path("t.img"), 65536, 0x11);
	make_image(path("r.img"), 65536, 0x22);
	CHECK_EQ(ubd_configure(1, path("t.img"), NULL, UBD_NOTRIM, err, sizeof(err)), 0);
	CHECK_EQ(ubd_configure(2, path("r.img"), NULL, UBD_RDONLY, err, sizeof(err)), 0);
	CHECK(!ubd_can_discard(1));
	CHECK_EQ(ubd_discard(1, 0, 512), -EOPNOTSUPP);
	/* Linux writes zeros when the device has no write-zeroes. */
	CHECK_EQ(ubd_zeroout(1, 4096, 4096), 0);
	CHECK(host_all(path("t.img"), 4096, 4096, 0));
	CHECK(host_all(path("t.img"), 0, 4096, 0x11));
	CHECK_EQ(ubd_discard(2, 0, 512), -EROFS);
	CHECK_EQ(ubd_zeroout(2, 0, 512), -EROFS);
	CHECK(host_all(path("r.img"), 0, 65536, 0x22));
	CHECK_EQ(ubd_remove(1, err, sizeof(err)), 0);
	CHECK_EQ(ubd_remove(2, err, sizeof(err)), 0);
}

/* COW: the backing file never changes; the sectors become present and
 * read as zeros, with or without TRIM. */
static void test_cow(void)
{
	char err[256];
	uint8_t bitmap[4];
	int fd;

	make_image(path("back.img"), 1 << 20, 0x77);
	CHECK_EQ(ubd_configure(3, path("a.cow"), path("back.img"), 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_discard(3, 512, 3 * 512), 0);
	CHECK(dev_all(3, 0, 512, 0x77));
	CHECK(dev_all(3, 512, 3 * 512, 0));
	CHECK(dev_all(3, 4 * 512, 512, 0x77));
	CHECK_EQ(ubd_zeroout(3, 8 * 512, 8 * 512), 0);
	CHECK(dev_all(3, 8 * 512, 8 * 512, 0));
	CHECK_EQ(ubd_discard(3, (1 << 20) - 512, 1024), -EINVAL);
	CHECK_EQ(ubd_remove(3, err, sizeof(err)), 0);
	fd = open(path("a.cow"), O_RDONLY);
	CHECK(pread(fd, bitmap, sizeof(bitmap), 8192) == sizeof(bitmap));
	close(fd);
	CHECK_EQ(bitmap[0], 0x0e);	/* sectors 1-3 */
	CHECK_EQ(bitmap[1], 0xff);	/* sectors 8-15 */
	CHECK_EQ(bitmap[2], 0);
	CHECK(host_all(path("back.img"), 0, 1 << 20, 0x77));

	CHECK_EQ(ubd_configure(4, path("a.cow"), NULL, UBD_NOTRIM, err, sizeof(err)), 0);
	CHECK(dev_all(4, 512, 3 * 512, 0));	/* still present after reopening */
	CHECK_EQ(ubd_discard(4, 0, 512), -EOPNOTSUPP);
	CHECK_EQ(ubd_zeroout(4, 32 * 512, 4096), 0);
	CHECK(dev_all(4, 32 * 512, 4096, 0));
	CHECK(dev_all(4, 40 * 512, 512, 0x77));
	CHECK_EQ(ubd_remove(4, err, sizeof(err)), 0);
	fd = open(path("a.cow"), O_RDONLY);
	CHECK(pread(fd, bitmap, 1, 8192 + 4) == 1);
	close(fd);
	CHECK_EQ(bitmap[0], 0xff);		/* sectors 32-39 */
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_plain();
	test_flags();
	test_cow();
	ubd_shutdown();
	unit_remove_tree(dir);
	return unit_done();
}
