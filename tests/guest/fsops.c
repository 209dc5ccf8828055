/*
 * Filesystem-wide calls: fallocate, fstatfs/statfs, syncfs, chown and
 * friends, mount/umount2, and the /dev/full and /dev/zero devices.
 *
 * Natively the scratch directories live on the host's filesystems; in the
 * guest /tmp is tmpfs and /var/tmp is on the ext4 root.  What differs
 * between filesystem types is asserted per f_type.
 */
#include "check.h"
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

static char tmp_dir[64], var_dir[64];
static int in_guest;

/*
 * A check our kernel is known to fail (a bug reported to be fixed): it
 * must hold natively; in the guest, while `buggy`, it must still fail, as
 * pytest's xfail(strict=True), so the fix is noticed and the mark removed.
 */
#define CHECK_BUG(buggy, cond, ...) do {				\
	if (buggy) {							\
		int still_ = !(cond);					\
		check_report(still_, 0, __LINE__, "known kernel bug still "	\
			     "present (remove the mark if fixed): "	\
			     __VA_ARGS__);				\
	} else {							\
		CHECK(cond, __VA_ARGS__);				\
	}								\
} while (0)

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static const char *fs_name(long type)
{
	switch (type) {
	case EXT4_SUPER_MAGIC:
		return "ext2/3/4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlayfs";
	default:
		return "other";
	}
}

static int is_pow2(long v)
{
	return v > 0 && !(v & (v - 1));
}

/* fallocate on one file in dir; what only some filesystems do is per type. */
static void test_fallocate_in(const char *dir)
{
	struct statfs sfs;
	struct stat st, st2;
	char buf[8192];
	int fd, rd, p[2], i, zero;
	long type;

	fd = open(path_in(dir, "fa"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0, "%s: create file for fallocate", dir);
	CHECK(fstatfs(fd, &sfs) == 0, "%s: fstatfs", dir);
	type = sfs.f_type;
	check_say("# %s is %s (f_type %#lx)\n", dir, fs_name(type), type);

	CHECK(fstat(fd, &st) == 0 && st.st_size == 0 && st.st_blocks == 0,
	      "%s: new file is empty and has no blocks", dir);
	CHECK(fallocate(fd, 0, 0, 65536) == 0, "%s: fallocate mode 0, 64 KiB", dir);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 65536,
	      "%s: mode 0 grows the size to 65536 (%lld)", dir, (long long)st.st_size);
	if (type == EXT4_SUPER_MAGIC || type == TMPFS_MAGIC)
		CHECK(st.st_blocks >= 128, "%s: %s allocates blocks (st_blocks %lld)",
		      dir, fs_name(type), (long long)st.st_blocks);
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, sizeof(buf), 4096) == sizeof(buf),
	      "%s: read preallocated range", dir);
	for (zero = 1, i = 0; i < sizeof(buf); i++)
		if (buf[i])
			zero = 0;
	CHECK(zero, "%s: preallocated range reads zeros", dir);

	CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536) == 0,
	      "%s: fallocate KEEP_SIZE beyond the end", dir);
	CHECK(fstat(fd, &st2) == 0 && st2.st_size == 65536,
	      "%s: KEEP_SIZE leaves the size (%lld)", dir, (long long)st2.st_size);
	if (type == EXT4_SUPER_MAGIC || type == TMPFS_MAGIC)
		CHECK(st2.st_blocks > st.st_blocks,
		      "%s: KEEP_SIZE still allocates (%lld > %lld)", dir,
		      (long long)st2.st_blocks, (long long)st.st_blocks);
	CHECK(fallocate(fd, 0, 0, 4096) == 0 && fstat(fd, &st) == 0 &&
	      st.st_size == 65536, "%s: fallocate inside the file never shrinks", dir);

	/* punch a hole: the data reads back as zeros, the size stays */
	memset(buf, 'D', sizeof(buf));
	CHECK(pwrite(fd, buf, sizeof(buf), 0) == sizeof(buf), "%s: write data", dir);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 5000) == 0,
	      "%s: PUNCH_HOLE|KEEP_SIZE", dir);
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, sizeof(buf), 0) == sizeof(buf) &&
	      buf[99] == 'D' && buf[100] == 0 && buf[5099] == 0 && buf[5100] == 'D',
	      "%s: punched range reads zeros, the rest is kept", dir);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 65536, "%s: punch keeps the size", dir);

	/* the errors every filesystem gives alike */
	EXPECT_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR(fallocate(fd, 0x4000, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR(fallocate(fd, 0, 0, 0), EINVAL);
	EXPECT_ERR(fallocate(fd, 0, -1, 4096), EINVAL);
	EXPECT_ERR(fallocate(fd, 0, 0, -4096), EINVAL);
	EXPECT_ERR(fallocate(fd, 0, 0x7fffffffffff0000LL, 0x20000), EFBIG);
	if (type == TMPFS_MAGIC)
		EXPECT_ERR(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), EOPNOTSUPP);
	else if (type == EXT4_SUPER_MAGIC)
		CHECK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096) == 0,
		      "%s: ext4 supports ZERO_RANGE", dir);
	if (type == EXT4_SUPER_MAGIC) {
		/* ext4's largest file is 2^32 blocks: a write past it fails,
		 * one across it is cut short, and nothing is left allocated. */
		struct stat st;

		EXPECT_ERR(pwrite(fd, "x", 1, 1LL << 62), EFBIG);
		CHECK(fstat(fd, &st) == 0 && st.st_size < (1LL << 40),
		      "%s: the failed write left the size (%lld)", dir, (long long)st.st_size);
	}
	EXPECT_ERR(fallocate(999, 0, 0, 4096), EBADF);
	rd = open(path_in(dir, "fa"), O_RDONLY);
	EXPECT_ERR(fallocate(rd, 0, 0, 4096), EBADF);
	close(rd);
	rd = open(dir, O_RDONLY | O_DIRECTORY);
	EXPECT_ERR(fallocate(rd, 0, 0, 4096), EBADF);
	close(rd);
	CHECK(pipe(p) == 0, "pipe");
	EXPECT_ERR(fallocate(p[1], 0, 0, 4096), ESPIPE);
	close(p[0]);
	close(p[1]);
	rd = open("/dev/null", O_WRONLY);
	EXPECT_ERR(fallocate(rd, 0, 0, 4096), ENODEV);
	close(rd);
	close(fd);
	unlink(path_in(dir, "fa"));
}

static void test_statfs(void)
{
	struct statfs a, b;
	int fd, p[2];

	fd = open(tmp_dir, O_RDONLY | O_DIRECTORY);
	CHECK(fstatfs(fd, &a) == 0, "fstatfs on a directory");
	CHECK(statfs(tmp_dir, &b) == 0, "statfs by path");
	CHECK(a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_blocks == b.f_blocks,
	      "fstatfs and statfs agree");
	CHECK(a.f_type != 0, "f_type is set (%#lx)", (long)a.f_type);
	CHECK(is_pow2(a.f_bsize) && a.f_bsize >= 512 && a.f_bsize <= 65536,
	      "f_bsize is a sane power of two (%ld)", (long)a.f_bsize);
	CHECK(a.f_frsize > 0, "f_frsize > 0 (%ld)", (long)a.f_frsize);
	CHECK(a.f_blocks >= a.f_bfree && a.f_bfree >= a.f_bavail,
	      "f_blocks >= f_bfree >= f_bavail (%llu %llu %llu)",
	      (unsigned long long)a.f_blocks, (unsigned long long)a.f_bfree,
	      (unsigned long long)a.f_bavail);
	CHECK(a.f_namelen == 255, "f_namelen 255 (%ld)", (long)a.f_namelen);
	CHECK(!(a.f_flags & ST_RDONLY), "scratch filesystem is not read-only");
	CHECK(syncfs(fd) == 0, "syncfs on the scratch filesystem");
	close(fd);

	CHECK(statfs("/proc", &a) == 0 && a.f_type == PROC_SUPER_MAGIC,
	      "/proc is procfs (%#lx)", (long)a.f_type);
	CHECK(pipe(p) == 0, "pipe");
	CHECK(fstatfs(p[0], &a) == 0 && a.f_type == PIPEFS_MAGIC,
	      "a pipe is on pipefs (%#lx)", (long)a.f_type);
	CHECK(syncfs(p[0]) == 0, "syncfs on a pipe");
	close(p[0]);
	close(p[1]);

	EXPECT_ERR(fstatfs(999, &a), EBADF);
	EXPECT_ERR(statfs(path_in(tmp_dir, "missing"), &a), ENOENT);
	EXPECT_ERR(statfs(BAD_PTR, &a), EFAULT);
	EXPECT_ERR(statfs(tmp_dir, BAD_PTR), EFAULT);
	EXPECT_ERR(syncfs(999), EBADF);
}

static void test_chown(void)
{
	struct stat st;
	char *f = path_in(tmp_dir, "own"), *l = path_in(tmp_dir, "own-link");
	int fd;

	fd = open(f, O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create file to chown");
	CHECK(symlink("own", l) == 0, "symlink to it");
	EXPECT_ERR(chown(path_in(tmp_dir, "missing"), 0, 0), ENOENT);
	EXPECT_ERR(fchown(999, 0, 0), EBADF);
	EXPECT_ERR(chown(BAD_PTR, 0, 0), EFAULT);
	if (geteuid() != 0) {
		SKIP("ownership changes need root");
		close(fd);
		return;
	}
	CHECK(chown(f, 1234, 5678) == 0, "chown 1234:5678");
	CHECK(stat(f, &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678,
	      "stat shows 1234:5678 (%d:%d)", (int)st.st_uid, (int)st.st_gid);
	CHECK(chown(f, -1, 42) == 0 && stat(f, &st) == 0 && st.st_uid == 1234 &&
	      st.st_gid == 42, "chown -1 keeps the uid");
	CHECK(fchown(fd, 7, -1) == 0 && fstat(fd, &st) == 0 && st.st_uid == 7 &&
	      st.st_gid == 42, "fchown 7:-1 keeps the gid");
	CHECK(fchownat(AT_FDCWD, f, 8, 9, 0) == 0 && stat(f, &st) == 0 &&
	      st.st_uid == 8 && st.st_gid == 9, "fchownat");

	/* chown through a symlink changes the target, lchown the link */
	CHECK(chown(l, 11, 12) == 0 && stat(f, &st) == 0 && st.st_uid == 11 &&
	      st.st_gid == 12, "chown follows the symlink");
	CHECK(lchown(l, 21, 22) == 0, "lchown the link");
	CHECK(lstat(l, &st) == 0 && st.st_uid == 21 && st.st_gid == 22,
	      "lchown changed the link (%d:%d)", (int)st.st_uid, (int)st.st_gid);
	CHECK(stat(f, &st) == 0 && st.st_uid == 11 && st.st_gid == 12,
	      "lchown left the target alone");
	CHECK(fchownat(AT_FDCWD, l, 31, 32, AT_SYMLINK_NOFOLLOW) == 0 &&
	      lstat(l, &st) == 0 && st.st_uid == 31,
	      "fchownat AT_SYMLINK_NOFOLLOW changes the link");
	EXPECT_ERR(fchownat(AT_FDCWD, f, 0, 0, 0x1), EINVAL);

	/* changing the owner clears set-user-ID even for root */
	CHECK(fchmod(fd, 06755) == 0, "chmod 6755");
	CHECK(fchown(fd, 0, 0) == 0 && fstat(fd, &st) == 0 &&
	      (st.st_mode & 07777) == 0755,
	      "chown clears setuid and group-exec setgid (mode %o)",
	      (unsigned)(st.st_mode & 07777));
	CHECK(fchmod(fd, 02644) == 0 && fchown(fd, 0, 0) == 0 && fstat(fd, &st) == 0 &&
	      (st.st_mode & 07777) == 02644,
	      "setgid without group exec is kept (mode %o)",
	      (unsigned)(st.st_mode & 07777));
	CHECK(fchown(fd, 0, 0) == 0 && fstat(fd, &st) == 0 && st.st_uid == 0,
	      "chown back to root");
	close(fd);
}

static void test_mounts(void)
{
	char *mnt = path_in(tmp_dir, "mnt");
	struct statfs sfs;
	int r, e;

	CHECK(mkdir(mnt, 0755) == 0, "mkdir mount point");
	EXPECT_ERR(umount2(mnt, 0), EINVAL);
	EXPECT_ERR(umount2(path_in(tmp_dir, "missing"), 0), ENOENT);
	EXPECT_ERR(umount2(BAD_PTR, 0), EFAULT);
	errno = 0;
	r = mount("none", mnt, "tmpfs", 0, "size=1m");
	e = errno;
	if (r < 0 && e == EPERM) {
		SKIP("mount tmpfs (EPERM: no mount privilege here)");
		rmdir(mnt);
		return;
	}
	CHECK(r == 0, "mount tmpfs on a scratch directory");
	if (r < 0) {
		rmdir(mnt);
		return;
	}
	CHECK(statfs(mnt, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC,
	      "the mount point is now tmpfs");
	EXPECT_ERR(rmdir(mnt), EBUSY);
	EXPECT_ERR(umount2(mnt, MNT_EXPIRE | MNT_FORCE), EINVAL);
	EXPECT_ERR(umount2(mnt, 0x80000000), EINVAL);
	CHECK(umount2(mnt, 0) == 0, "umount2 the tmpfs");
	EXPECT_ERR(umount2(mnt, 0), EINVAL);
	CHECK(statfs(mnt, &sfs) == 0 && statfs(tmp_dir, &sfs) == 0,
	      "mount point is a plain directory again");
	CHECK(rmdir(mnt) == 0, "rmdir the former mount point");
}

static void test_devices(void)
{
	char buf[64];
	int fd, i, zero;

	fd = open("/dev/full", O_RDWR);
	CHECK(fd >= 0, "open /dev/full");
	EXPECT_ERR(write(fd, "x", 1), ENOSPC);
	memset(buf, 'x', sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf), "read /dev/full");
	for (zero = 1, i = 0; i < sizeof(buf); i++)
		if (buf[i])
			zero = 0;
	CHECK(zero, "/dev/full reads zeros");
	/* even an empty write */
	EXPECT_ERR(write(fd, "", 0), ENOSPC);
	close(fd);

	fd = open("/dev/null", O_RDWR);
	CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "/dev/null swallows writes");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "/dev/null reads EOF");
	close(fd);
}

/* A scratch directory under /var/tmp (ext4 in the guest), made if missing. */
static void make_var_dir(void)
{
	mkdir("/var/tmp", 01777);
	snprintf(var_dir, sizeof(var_dir), "/var/tmp/ugt-fsops-XXXXXX");
	if (!mkdtemp(var_dir))
		var_dir[0] = 0;
}

int main(void)
{
	in_guest = getenv("UMLINUX_GUEST") != NULL;
	check_tmpdir(tmp_dir, sizeof(tmp_dir), "fsops");
	make_var_dir();
	test_fallocate_in(tmp_dir);
	if (var_dir[0])
		test_fallocate_in(var_dir);
	else
		SKIP("no /var/tmp scratch directory");
	test_statfs();
	test_chown();
	test_mounts();
	test_devices();
	check_rmtree(tmp_dir);
	if (var_dir[0])
		check_rmtree(var_dir);
	return check_done();
}
