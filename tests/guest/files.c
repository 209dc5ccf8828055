/* File descriptor and regular-file syscalls. */
#include "check.h"
#include <fcntl.h>
#include <sys/uio.h>

static char dir[64];

static char *path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void test_open_flags(void)
{
	char buf[64];
	int fd, dfd;

	fd = open(path("a"), O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "open O_CREAT|O_EXCL creates");
	CHECK(write(fd, "hello world", 11) == 11, "write 11 bytes");
	close(fd);
	EXPECT_ERR(open(path("a"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	EXPECT_ERR(open(path("missing"), O_RDONLY), ENOENT);
	EXPECT_ERR(open(path("nodir/x"), O_RDONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR(open(path("a"), O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR(open(path("a/b"), O_RDONLY), ENOTDIR);
	EXPECT_ERR(open(dir, O_WRONLY), EISDIR);

	fd = open(path("a"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0, "open O_APPEND");
	lseek(fd, 0, SEEK_SET);
	CHECK(write(fd, "!", 1) == 1, "append write");
	CHECK(lseek(fd, 0, SEEK_CUR) == 12, "O_APPEND offset at end (12)");
	close(fd);

	fd = open(path("a"), O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == 12 && !strcmp(buf, "hello world!"),
	      "read back appended content");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "read at EOF returns 0");
	EXPECT_ERR(write(fd, "x", 1), EBADF);
	close(fd);

	fd = open(path("a"), O_RDWR | O_TRUNC);
	CHECK(fd >= 0, "open O_TRUNC");
	CHECK(lseek(fd, 0, SEEK_END) == 0, "O_TRUNC empties the file");
	close(fd);

	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open directory O_DIRECTORY");
	fd = openat(dfd, "b", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0, "openat relative to dirfd");
	close(fd);
	fd = open(path("b"), O_RDONLY);
	CHECK(fd >= 0, "file created by openat is in the directory");
	close(fd);
	EXPECT_ERR(read(dfd, buf, 1), EISDIR);
	EXPECT_ERR(openat(1000, "b", O_RDONLY), EBADF);
	fd = openat(dfd, path("b"), O_RDONLY);
	CHECK(fd >= 0, "openat with an absolute path ignores dirfd");
	close(fd);
	close(dfd);
}

static void test_rw(void)
{
	char buf[64], a[8], b[8];
	struct iovec iov[3];
	int fd;

	fd = open(path("rw"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0, "open rw file");
	CHECK(pwrite(fd, "ABCDEFGH", 8, 4) == 8, "pwrite at offset 4");
	CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pwrite leaves offset alone");
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, 12, 0) == 12, "pread 12");
	CHECK(!memcmp(buf, "\0\0\0\0ABCDEFGH", 12), "gap before pwrite reads zeros");
	CHECK(pread(fd, buf, 10, 10) == 2 && !memcmp(buf, "GH", 2),
	      "short pread at end of file");
	EXPECT_ERR(pread(fd, buf, 1, -1), EINVAL);

	iov[0].iov_base = "one ";
	iov[0].iov_len = 4;
	iov[1].iov_base = "";
	iov[1].iov_len = 0;
	iov[2].iov_base = "two";
	iov[2].iov_len = 3;
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek SEEK_SET 0");
	CHECK(writev(fd, iov, 3) == 7, "writev 7 bytes");
	CHECK(lseek(fd, 0, SEEK_CUR) == 7, "writev advances offset");
	lseek(fd, 0, SEEK_SET);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	iov[0].iov_base = a;
	iov[0].iov_len = 4;
	iov[1].iov_base = b;
	iov[1].iov_len = 5;
	CHECK(readv(fd, iov, 2) == 9, "readv 9 bytes");
	CHECK(!memcmp(a, "one ", 4) && !memcmp(b, "twoDE", 5),
	      "readv scatters in order");

	/* holes */
	CHECK(lseek(fd, 0, SEEK_END) == 12, "SEEK_END gives size 12");
	CHECK(lseek(fd, 100000, SEEK_SET) == 100000, "seek past end");
	CHECK(write(fd, "Z", 1) == 1, "write after hole");
	CHECK(lseek(fd, -1, SEEK_END) == 100000, "SEEK_END -1");
	CHECK(lseek(fd, -3, SEEK_CUR) == 99997, "SEEK_CUR -3");
	EXPECT_ERR(lseek(fd, -200000, SEEK_CUR), EINVAL);
	EXPECT_ERR(lseek(fd, 0, 42), EINVAL);
	{
		static char hole[4096];
		int i, zero = 1;

		memset(hole, 'x', sizeof(hole));
		CHECK(pread(fd, hole, sizeof(hole), 50000) == sizeof(hole),
		      "pread inside hole");
		for (i = 0; i < sizeof(hole); i++)
			if (hole[i])
				zero = 0;
		CHECK(zero, "hole reads back zeros");
	}
	{
		struct stat st;

		CHECK(fstat(fd, &st) == 0 && st.st_size == 100001,
		      "fstat size after hole write is 100001");
	}
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(fdatasync(fd) == 0, "fdatasync");
	close(fd);
}

static void test_dup_fcntl(void)
{
	char buf[8];
	int fd, fd2, fl;

	fd = open(path("rw"), O_RDWR);
	CHECK(fd >= 0, "open for dup");
	fd2 = dup(fd);
	CHECK(fd2 > fd, "dup returns a new fd");
	lseek(fd, 4, SEEK_SET);
	CHECK(lseek(fd2, 0, SEEK_CUR) == 4, "dup shares the file offset");
	CHECK(dup2(fd, 50) == 50, "dup2 to 50");
	CHECK(read(50, buf, 3) == 3 && !memcmp(buf, "two", 3),
	      "dup2 target reads at shared offset");
	CHECK(dup2(fd, fd) == fd, "dup2 same fd returns it");
	EXPECT_ERR(dup3(fd, fd, 0), EINVAL);
	CHECK(dup3(fd, 51, O_CLOEXEC) == 51, "dup3 O_CLOEXEC");
	CHECK(fcntl(51, F_GETFD) == FD_CLOEXEC, "dup3 sets FD_CLOEXEC");
	CHECK(fcntl(50, F_GETFD) == 0, "dup2 clears FD_CLOEXEC");
	CHECK(fcntl(50, F_SETFD, FD_CLOEXEC) == 0 &&
	      fcntl(50, F_GETFD) == FD_CLOEXEC, "F_SETFD FD_CLOEXEC");
	EXPECT_ERR(dup2(fd, -1), EBADF);
	EXPECT_ERR(dup(999), EBADF);

	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR, "F_GETFL O_RDWR");
	CHECK(fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK) == 0, "F_SETFL");
	fl = fcntl(fd2, F_GETFL);
	CHECK((fl & O_APPEND) && (fl & O_NONBLOCK),
	      "F_SETFL flags shared with dup'd fd");
	CHECK(fcntl(fd, F_SETFL, O_RDONLY) == 0 &&
	      (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR,
	      "F_SETFL cannot change the access mode");
	CHECK(fcntl(fd, F_DUPFD, 60) == 60, "F_DUPFD picks lowest >= 60");
	CHECK(fcntl(fd, F_DUPFD, 60) == 61, "F_DUPFD skips used 60");
	CHECK(fcntl(fd, F_DUPFD_CLOEXEC, 70) == 70 &&
	      fcntl(70, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	close(50);
	close(51);
	close(60);
	close(61);
	close(70);
	close(fd2);
	close(fd);

	/* EBADF after close */
	EXPECT_ERR(read(fd, buf, 1), EBADF);
	EXPECT_ERR(write(fd, buf, 1), EBADF);
	EXPECT_ERR(close(fd), EBADF);
	EXPECT_ERR(fcntl(fd, F_GETFL), EBADF);
	EXPECT_ERR(lseek(fd, 0, SEEK_SET), EBADF);
}

static void test_truncate_efault(void)
{
	struct stat st;
	char buf[16];
	int fd;

	fd = open(path("t"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789", 10) == 10, "write 10 for truncate");
	CHECK(ftruncate(fd, 4) == 0, "ftruncate to 4");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 4, "size is 4");
	CHECK(ftruncate(fd, 8) == 0, "ftruncate grow to 8");
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, 16, 0) == 8 && !memcmp(buf, "0123\0\0\0\0", 8),
	      "grown part reads zeros");
	CHECK(truncate(path("t"), 2) == 0, "truncate by path");
	CHECK(stat(path("t"), &st) == 0 && st.st_size == 2, "size is 2");
	EXPECT_ERR(ftruncate(fd, -1), EINVAL);
	EXPECT_ERR(truncate(path("nope"), 0), ENOENT);
	EXPECT_ERR(truncate(dir, 0), EISDIR);

	lseek(fd, 0, SEEK_SET);
	EXPECT_ERR(read(fd, BAD_PTR, 2), EFAULT);
	EXPECT_ERR(write(fd, BAD_PTR, 2), EFAULT);
	EXPECT_ERR(open(BAD_PTR, O_RDONLY), EFAULT);
	close(fd);

	fd = open(path("t"), O_RDONLY);
	EXPECT_ERR(ftruncate(fd, 0), EINVAL);
	close(fd);
}

int main(void)
{
	check_tmpdir(dir, sizeof(dir), "files");
	test_open_flags();
	test_rw();
	test_dup_fcntl();
	test_truncate_efault();
	check_rmtree(dir);
	return check_done();
}
