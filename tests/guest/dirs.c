/* Directories, links, names and metadata. */
#include "check.h"
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/stat.h>

static char dir[64];

static char *path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Bit 0: ".", 1: "..", 2: "f1", 3: "sub", 4: any "many*"; -1 on error. */
static int scan_dir(const char *p, int *types_ok)
{
	char buf[512];
	int fd, n, pos, seen = 0;

	*types_ok = 1;
	fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	/* a small buffer forces several getdents64 calls */
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < n;) {
			struct linux_dirent64 *d = (void *)(buf + pos);

			if (!strcmp(d->d_name, "."))
				seen |= 1;
			else if (!strcmp(d->d_name, ".."))
				seen |= 2;
			else if (!strcmp(d->d_name, "f1"))
				seen |= 4, *types_ok &= d->d_type == DT_REG ||
						      d->d_type == DT_UNKNOWN;
			else if (!strcmp(d->d_name, "sub"))
				seen |= 8, *types_ok &= d->d_type == DT_DIR ||
						      d->d_type == DT_UNKNOWN;
			else if (!strncmp(d->d_name, "many", 4))
				seen |= 16;
			pos += d->d_reclen;
		}
	}
	close(fd);
	return n < 0 ? -1 : seen;
}

static void test_mkdir_getdents(void)
{
	struct stat st;
	char name[32];
	int dfd, seen, types_ok, i, fd;

	CHECK(mkdir(path("sub"), 0755) == 0, "mkdir");
	EXPECT_ERR(mkdir(path("sub"), 0755), EEXIST);
	EXPECT_ERR(mkdir(path("no/such"), 0755), ENOENT);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(mkdirat(dfd, "sub/inner", 0700) == 0, "mkdirat relative to dirfd");
	CHECK(stat(path("sub/inner"), &st) == 0 && S_ISDIR(st.st_mode) &&
	      (st.st_mode & 07777) == 0700, "mkdirat made a 0700 directory");
	EXPECT_ERR(mkdirat(dfd, "sub", 0755), EEXIST);
	CHECK(stat(path("sub"), &st) == 0 && st.st_nlink == 3,
	      "directory with one subdirectory has nlink 3");
	EXPECT_ERR(rmdir(path("sub")), ENOTEMPTY);
	CHECK(rmdir(path("sub/inner")) == 0, "rmdir empty directory");
	CHECK(stat(path("sub"), &st) == 0 && st.st_nlink == 2,
	      "nlink back to 2 after rmdir");
	EXPECT_ERR(rmdir(path("sub/inner")), ENOENT);
	CHECK(touch(path("f1")) == 0, "create f1");
	EXPECT_ERR(rmdir(path("f1")), ENOTDIR);
	EXPECT_ERR(unlink(path("sub")), EISDIR);
	EXPECT_ERR(mkdir(path("f1"), 0755), EEXIST);

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "many-entries-%02d", i);
		fd = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
		close(fd);
	}
	seen = scan_dir(dir, &types_ok);
	CHECK(seen == 31, "getdents64 lists ., .., f1, sub and many-* (mask %d)",
	      seen);
	CHECK(types_ok, "getdents64 d_type DT_REG / DT_DIR");
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		int count = 0;

		while (d && (de = readdir(d)))
			count++;
		if (d)
			closedir(d);
		CHECK(count == 44, "readdir counts 44 entries (got %d)", count);
	}
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "many-entries-%02d", i);
		unlinkat(dfd, name, 0);
	}
	EXPECT_ERR(unlinkat(dfd, "sub", 0), EISDIR);
	CHECK(mkdirat(dfd, "gone", 0755) == 0 &&
	      unlinkat(dfd, "gone", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
	close(dfd);
}

static void test_rename_link(void)
{
	struct stat st, st2;
	int fd;

	fd = open(path("r1"), O_CREAT | O_WRONLY, 0644);
	CHECK(write(fd, "r1", 2) == 2, "write r1");
	close(fd);
	CHECK(rename(path("r1"), path("r2")) == 0, "rename");
	EXPECT_ERR(stat(path("r1"), &st), ENOENT);
	CHECK(stat(path("r2"), &st) == 0 && st.st_size == 2, "renamed file there");
	CHECK(touch(path("r3")) == 0, "create r3");
	CHECK(rename(path("r2"), path("r3")) == 0, "rename over existing file");
	CHECK(stat(path("r3"), &st) == 0 && st.st_size == 2,
	      "rename replaced the target");
	CHECK(touch(path("r4")) == 0, "create r4");
	EXPECT_ERR(syscall(SYS_renameat2, AT_FDCWD, path("r3"), AT_FDCWD,
			   path("r4"), RENAME_NOREPLACE), EEXIST);
	CHECK(syscall(SYS_renameat2, AT_FDCWD, path("r3"), AT_FDCWD,
		      path("r5"), RENAME_NOREPLACE) == 0,
	      "renameat2 RENAME_NOREPLACE to a free name");
	CHECK(renameat(AT_FDCWD, path("r5"), AT_FDCWD, path("sub/r5")) == 0,
	      "renameat into a subdirectory");
	EXPECT_ERR(rename(path("sub"), path("r4")), ENOTDIR);
	EXPECT_ERR(rename(path("r4"), path("sub")), EISDIR);
	EXPECT_ERR(rename(path("nope"), path("r6")), ENOENT);
	EXPECT_ERR(rename(dir, path("sub/x")), EINVAL);

	/* hard links */
	CHECK(link(path("r4"), path("l4")) == 0, "link");
	CHECK(stat(path("r4"), &st) == 0 && st.st_nlink == 2, "nlink 2 after link");
	CHECK(stat(path("l4"), &st2) == 0 && st2.st_ino == st.st_ino,
	      "link shares the inode");
	EXPECT_ERR(link(path("r4"), path("l4")), EEXIST);
	EXPECT_ERR(link(path("sub"), path("lsub")), EPERM);
	CHECK(unlink(path("r4")) == 0, "unlink original");
	CHECK(stat(path("l4"), &st) == 0 && st.st_nlink == 1, "nlink 1 after unlink");
	fd = open(path("l4"), O_RDWR);
	CHECK(unlink(path("l4")) == 0, "unlink last name while open");
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "open unlinked file nlink 0");
	CHECK(write(fd, "still", 5) == 5, "write to unlinked open file");
	close(fd);
	EXPECT_ERR(unlink(path("l4")), ENOENT);

	/* symlinks */
	char buf[256];
	ssize_t n;

	CHECK(symlink("f1", path("s1")) == 0, "symlink");
	n = readlink(path("s1"), buf, sizeof(buf));
	CHECK(n == 2 && !memcmp(buf, "f1", 2), "readlink returns target");
	CHECK(readlink(path("s1"), buf, 1) == 1 && buf[0] == 'f',
	      "readlink truncates silently");
	EXPECT_ERR(readlink(path("f1"), buf, sizeof(buf)), EINVAL);
	CHECK(lstat(path("s1"), &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 2,
	      "lstat sees the symlink, size = target length");
	CHECK(stat(path("s1"), &st) == 0 && S_ISREG(st.st_mode),
	      "stat follows the symlink");
	EXPECT_ERR(symlink("x", path("s1")), EEXIST);
	CHECK(symlink("nowhere", path("dangling")) == 0, "dangling symlink");
	EXPECT_ERR(stat(path("dangling"), &st), ENOENT);
	CHECK(lstat(path("dangling"), &st) == 0, "lstat dangling symlink");
	CHECK(symlink("loop2", path("loop1")) == 0 &&
	      symlink("loop1", path("loop2")) == 0, "symlink loop");
	EXPECT_ERR(open(path("loop1"), O_RDONLY), ELOOP);
	EXPECT_ERR(stat(path("loop1"), &st), ELOOP);
	EXPECT_ERR(open(path("s1"), O_RDONLY | O_NOFOLLOW), ELOOP);
	CHECK(symlink(".", path("dot")) == 0, "symlink to .");
	CHECK(stat(path("dot/dot/dot/f1"), &st) == 0, "path through symlinks to dirs");
	CHECK(symlink(dir, path("abs")) == 0 &&
	      stat(path("abs/sub/r5"), &st) == 0, "absolute symlink to directory");
	fd = open(path("s1"), O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0, "open through symlink");
	close(fd);
	CHECK(unlink(path("s1")) == 0 && stat(path("f1"), &st) == 0,
	      "unlink symlink leaves target");
}

static void test_cwd(void)
{
	char buf[PATH_MAX], small[2];
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(chdir(path("sub")) == 0, "chdir");
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, path("sub")),
	      "getcwd after chdir");
	CHECK(access("r5", F_OK) == 0, "relative path uses cwd");
	CHECK(chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, dir),
	      "chdir ..");
	CHECK(chdir("/") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"),
	      "chdir /");
	CHECK(chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"),
	      "/.. is /");
	CHECK(fchdir(fd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, dir),
	      "fchdir");
	errno = 0;
	CHECK(getcwd(small, sizeof(small)) == NULL && errno == ERANGE,
	      "getcwd small buffer -> ERANGE");
	EXPECT_ERR(chdir("f1"), ENOTDIR);
	EXPECT_ERR(chdir("nope"), ENOENT);
	fchdir(fd);
	close(fd);
	fd = open(path("f1"), O_RDONLY);
	EXPECT_ERR(fchdir(fd), ENOTDIR);
	close(fd);
}

static void test_stat_modes(void)
{
	struct stat st;
	struct statx stx;
	struct timespec ts[2];
	int fd;

	fd = open(path("m"), O_CREAT | O_RDWR, 0640);
	CHECK(write(fd, "12345", 5) == 5, "write 5");
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5 &&
	      st.st_nlink == 1 && st.st_uid == geteuid(), "fstat fields");
	CHECK((st.st_mode & 0777) == (0640 & ~022) || (st.st_mode & 0777) == 0640,
	      "mode from open (umask 022)");
	CHECK(fchmod(fd, 0600) == 0, "fchmod");
	CHECK(stat(path("m"), &st) == 0 && (st.st_mode & 07777) == 0600,
	      "stat sees fchmod");
	CHECK(chmod(path("m"), 04751) == 0, "chmod");
	CHECK(lstat(path("m"), &st) == 0 && (st.st_mode & 07777) == 04751,
	      "lstat sees chmod with setuid bit");
	CHECK(fstatat(AT_FDCWD, path("m"), &st, 0) == 0 && st.st_size == 5,
	      "newfstatat");
	CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_size == 5,
	      "newfstatat AT_EMPTY_PATH");
	memset(&stx, 0, sizeof(stx));
	CHECK(statx(AT_FDCWD, path("m"), 0, STATX_BASIC_STATS, &stx) == 0 &&
	      stx.stx_size == 5 && stx.stx_nlink == 1 &&
	      (stx.stx_mode & 07777) == 04751 && S_ISREG(stx.stx_mode) &&
	      (stx.stx_mask & STATX_SIZE), "statx fields");
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "stat directory");
	EXPECT_ERR(stat(path("nope"), &st), ENOENT);
	EXPECT_ERR(stat(path("m/x"), &st), ENOTDIR);
	EXPECT_ERR(chmod(path("nope"), 0644), ENOENT);

	ts[0].tv_sec = 1000000000;
	ts[0].tv_nsec = 5000;
	ts[1].tv_sec = 1234567890;
	ts[1].tv_nsec = 0;
	CHECK(utimensat(AT_FDCWD, path("m"), ts, 0) == 0, "utimensat explicit times");
	CHECK(stat(path("m"), &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
	      st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 0,
	      "stat shows utimensat times");
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK(utimensat(AT_FDCWD, path("m"), ts, 0) == 0 &&
	      stat(path("m"), &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
	      st.st_mtim.tv_sec > 1234567890, "UTIME_OMIT / UTIME_NOW");
	{
		time_t before = st.st_mtim.tv_sec;

		ts[0].tv_sec = ts[1].tv_sec = 100;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		CHECK(futimens(fd, ts) == 0 && fstat(fd, &st) == 0 &&
		      st.st_mtim.tv_sec == 100 && before > 100, "futimens");
	}
	close(fd);

	CHECK(access(path("m"), F_OK) == 0, "access F_OK");
	CHECK(access(path("m"), R_OK | W_OK) == 0, "access R_OK|W_OK (root)");
	EXPECT_ERR(access(path("nope"), F_OK), ENOENT);
	CHECK(faccessat(AT_FDCWD, path("m"), R_OK, 0) == 0, "faccessat R_OK");
	CHECK(chmod(path("m"), 0644) == 0, "chmod 0644");
	if (geteuid() == 0)
		EXPECT_ERR(access(path("m"), X_OK), EACCES);
	else
		SKIP("access X_OK as non-root");
	EXPECT_ERR(faccessat(AT_FDCWD, path("nope"), F_OK, 0), ENOENT);
}

static void test_errors(void)
{
	char name[300], longp[PATH_MAX + 100];
	char buf[8];
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY);
	CHECK(fd >= 0, "open directory read-only");
	EXPECT_ERR(read(fd, buf, 1), EISDIR);
	close(fd);
	EXPECT_ERR(open(dir, O_RDWR), EISDIR);

	memset(name, 'n', 256);
	name[256] = 0;
	EXPECT_ERR(open(path(name), O_CREAT | O_RDWR, 0644), ENAMETOOLONG);
	EXPECT_ERR(mkdir(path(name), 0755), ENAMETOOLONG);
	name[255] = 0;
	fd = open(path(name), O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "255-byte name is allowed");
	close(fd);
	unlink(path(name));
	memset(longp, 'a', sizeof(longp));
	for (int i = 0; i < sizeof(longp) - 1; i += 10)
		longp[i] = '/';
	longp[sizeof(longp) - 1] = 0;
	EXPECT_ERR(stat(longp, &st), ENAMETOOLONG);
	EXPECT_ERR(stat("", &st), ENOENT);
}

int main(void)
{
	umask(022);
	check_tmpdir(dir, sizeof(dir), "dirs");
	test_mkdir_getdents();
	test_rename_link();
	test_cwd();
	test_stat_modes();
	test_errors();
	chdir("/");
	check_rmtree(dir);
	return check_done();
}
