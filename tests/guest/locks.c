/* File locks: fcntl POSIX record locks (ranges, merge/split, F_GETLK,
 * blocking, EINTR, EDEADLK, close and fork semantics), OFD locks, and
 * flock(2), on a tmpfs file and on one of the disk filesystem. Other
 * processes see the locks through fork + pipes. */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/vfs.h>

#define TMPFS_MAGIC_ 0x01021994

static int setlk(int fd, int cmd, short type, int whence, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = whence, .l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

/* F_GETLK (or F_OFD_GETLK) of [start, start+len); the answer in *out. */
static int getlk(int fd, int cmd, short type, off_t start, off_t len, struct flock *out)
{
	memset(out, 0, sizeof(*out));
	out->l_type = type;
	out->l_whence = SEEK_SET;
	out->l_start = start;
	out->l_len = len;
	return fcntl(fd, cmd, out);
}

/* Does another process's F_GETLK see exactly this lock? */
static int seen(struct flock *fl, short type, off_t start, off_t len, pid_t pid)
{
	return fl->l_type == type && fl->l_whence == SEEK_SET &&
	       fl->l_start == start && fl->l_len == len && fl->l_pid == pid;
}

static void wait_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(9);
}

static void send_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(9);
}

/* Nothing arrives on fd within ms milliseconds. */
static int quiet_for(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/* Run fn(path, arg) in a child; its checks print their own lines. */
static int in_child(void (*fn)(const char *, long), const char *path, long arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(path, arg);
		_exit(check_failures ? 1 : 0);
	}
	return check_exited(check_wait(pid), 0);
}

/* ---- what other processes see ---------------------------------------- */

static void child_sees_ranges(const char *path, long parent)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 0, 20, parent), "adjacent write locks merged [0,20)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 20, 10, &fl) == 0 && fl.l_type == F_UNLCK,
	      "read lock does not block a read query");
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 25, 1, &fl) == 0 &&
	      seen(&fl, F_RDLCK, 20, 10, parent), "read lock blocks a write query");
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 100, 0, &fl) == 0 && fl.l_type == F_UNLCK &&
	      fl.l_start == 100 && fl.l_len == 0, "free range: F_UNLCK, rest untouched");
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
	EXPECT_ERR(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 19, 2), EAGAIN);
	CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 25, 1) == 0, "shared read lock");
	close(fd);
}

static void child_sees_split(const char *path, long parent)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(getlk(fd, F_GETLK, F_WRLCK, 5, 10, &fl) == 0 && fl.l_type == F_UNLCK,
	      "unlocked hole [5,15)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 0, 10, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 0, 5, parent), "left piece [0,5)");
	/* [20,30) was upgraded to write and merged with [15,20). */
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 12, 4, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 15, 15, parent), "right piece merged: [15,30)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 22, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 15, 15, parent), "upgrade of [20,30)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 45, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 40, 10, parent), "negative l_len: [40,50)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 62, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 60, 5, parent), "SEEK_CUR: [60,65)");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 5000, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 90, 0, parent), "SEEK_END -10, len 0: [90,EOF)");
	close(fd);
}

static void child_sees_downgrade(const char *path, long parent)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 5) == 0, "read lock on downgraded range");
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 100, &fl) == 0 && fl.l_pid == parent,
	      "the rest is still the parent's");
	close(fd);
}

static void child_sees_nothing(const char *path, long what)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK,
	      "no locks left (%s)", what == 1 ? "unlock" : what == 2 ? "close" : "exit");
	close(fd);
}

static void child_sees_lock(const char *path, long pid)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 0, &fl) == 0 && fl.l_type != F_UNLCK &&
	      fl.l_pid == pid, "lock still held (pid %ld)", pid);
	close(fd);
}

/* Closes an inherited fd: the parent's locks must survive that. */
static void child_closes_inherited(const char *path, long fd)
{
	struct flock fl;

	CHECK(getlk((int)fd, F_GETLK, F_WRLCK, 0, 1, &fl) == 0 &&
	      fl.l_type == F_RDLCK && fl.l_pid == getppid(),
	      "fork does not inherit POSIX locks");
	close((int)fd);
}

static void test_ranges(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	long me = getpid();
	char buf[100] = { 0 };
	struct flock fl;

	CHECK(fd >= 0 && write(fd, buf, sizeof(buf)) == 100, "%s: create", path);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0 &&
	      setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10) == 0 &&
	      setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10) == 0, "lock [0,20) w, [20,30) r");
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK,
	      "own locks never conflict");
	CHECK(in_child(child_sees_ranges, path, me), "child: ranges");

	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 5, 10) == 0, "unlock [5,15)");
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10) == 0, "upgrade [20,30)");
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, -10) == 0, "negative length");
	lseek(fd, 60, SEEK_SET);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_CUR, 0, 5) == 0, "SEEK_CUR");
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 0) == 0, "SEEK_END");
	CHECK(in_child(child_sees_split, path, me), "child: split, upgrade, whence");

	CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 5) == 0, "downgrade [0,5)");
	CHECK(in_child(child_sees_downgrade, path, me), "child: downgrade");

	/* fork: the child's copy of the fd does not own the locks. */
	CHECK(in_child(child_closes_inherited, path, fd), "child closes inherited fd");
	CHECK(in_child(child_sees_lock, path, me), "locks survive the child's close");

	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0, "unlock all");
	CHECK(in_child(child_sees_nothing, path, 1), "child: all unlocked");

	/* Closing any fd of the file drops all the process's locks on it. */
	int fd2 = open(path, O_RDONLY);

	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0 &&
	      setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, 10) == 0, "relock");
	CHECK(in_child(child_sees_lock, path, me), "child sees relock");
	close(fd2);
	CHECK(in_child(child_sees_nothing, path, 2), "child: close of another fd released");

	/* dup2 over a descriptor of the file closes it too. */
	fd2 = open(path, O_RDONLY);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0, "relock again");
	dup2(0, fd2);
	CHECK(in_child(child_sees_nothing, path, 2), "child: dup2 over fd released");
	close(fd2);

	/* Errors. */
	int rd = open(path, O_RDONLY), wr = open(path, O_WRONLY);

	EXPECT_ERR(setlk(rd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_ERR(setlk(wr, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	CHECK(setlk(rd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1) == 0 &&
	      setlk(rd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1) == 0, "read lock on O_RDONLY");
	CHECK(getlk(rd, F_GETLK, F_WRLCK, 0, 1, &fl) == 0, "F_GETLK write on O_RDONLY");
	EXPECT_ERR(setlk(fd, F_SETLK, 7, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, 9, 0, 1), EINVAL);
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -10), EINVAL);
	lseek(fd, 10, SEEK_SET);
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, SEEK_CUR, INT64_MAX, 1), EOVERFLOW);
	EXPECT_ERR(getlk(fd, F_GETLK, F_UNLCK, 0, 1, &fl), EINVAL);
	EXPECT_ERR(fcntl(fd, F_SETLK, BAD_PTR), EFAULT);
	EXPECT_ERR(fcntl(fd, F_GETLK, BAD_PTR), EFAULT);
	EXPECT_ERR(setlk(99999, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	close(rd);
	close(wr);

	/* A dying process's locks go with it. */
	pid_t pid = fork();

	if (pid == 0) {
		setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		_exit(0);
	}
	check_wait(pid);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0, "exit released locks");
	close(fd);
}

/* ---- blocking --------------------------------------------------------- */

static void on_alarm(int sig)
{
}

static void test_blocking(const char *path)
{
	int fd = open(path, O_RDWR);
	int ready[2], done[2], go[2];
	struct flock fl;
	pid_t pid;
	char c;

	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0, "hold [0,10)");

	/* F_SETLKW waits until the holder unlocks. */
	if (pipe(ready) || pipe(done) || pipe(go))
		_exit(2);
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);

		send_byte(ready[1]);
		if (setlk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1) == 0)
			send_byte(done[1]);
		wait_byte(go[0]);
		_exit(0);
	}
	wait_byte(ready[0]);
	CHECK(quiet_for(done[0], 200), "F_SETLKW waits while locked");
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10) == 0, "unlock");
	CHECK(read(done[0], &c, 1) == 1, "F_SETLKW woken by the unlock");
	CHECK(getlk(fd, F_GETLK, F_RDLCK, 0, 0, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 5, 1, pid), "waiter holds the lock");
	send_byte(go[1]);
	CHECK(check_exited(check_wait(pid), 0), "waiter exit");

	/* A signal interrupts F_SETLKW (no SA_RESTART): EINTR. */
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0, "hold again");
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		struct sigaction sa = { .sa_handler = on_alarm };
		struct itimerval it = { .it_value = { 0, 100000 } };

		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		EXPECT_ERR(setlk(cfd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1), EINTR);
		_exit(check_failures ? 1 : 0);
	}
	CHECK(check_exited(check_wait(pid), 0), "F_SETLKW interrupted");

	/* Two processes waiting for each other: EDEADLK. */
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);

		setlk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 20, 1);
		send_byte(ready[1]);
		if (setlk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) != 0)
			_exit(1);
		_exit(0);
	}
	wait_byte(ready[0]);
	usleep(300000);
	EXPECT_ERR(setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 20, 1), EDEADLK);
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0, "break the cycle");
	CHECK(check_exited(check_wait(pid), 0), "the other waiter got its lock");

	/* flock blocks too, until the holder's file goes. */
	int f1 = open(path, O_RDONLY);

	CHECK(flock(f1, LOCK_SH) == 0, "flock shared");
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDONLY);

		close(f1);	/* else the parent's close would not drop it */
		send_byte(ready[1]);
		if (flock(cfd, LOCK_EX) == 0)
			send_byte(done[1]);
		_exit(0);
	}
	wait_byte(ready[0]);
	CHECK(quiet_for(done[0], 200), "flock LOCK_EX waits");
	close(f1);
	CHECK(read(done[0], &c, 1) == 1, "flock woken by the close");
	CHECK(check_exited(check_wait(pid), 0), "flock waiter exit");
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
	close(go[0]);
	close(go[1]);
	close(fd);
}

/* ---- OFD locks ---------------------------------------------------------- */

static void child_sees_ofd(const char *path, long inherited_fd)
{
	int fd = open(path, O_RDWR);
	struct flock fl;

	CHECK(getlk(fd, F_GETLK, F_RDLCK, 0, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 0, 10, -1), "POSIX F_GETLK sees OFD lock, pid -1");
	EXPECT_ERR(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
	/* The inherited fd is the same open file description: same owner. */
	CHECK(setlk((int)inherited_fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0,
	      "OFD lock through an inherited fd");
	close(fd);
}

static void test_ofd(const char *path)
{
	int fd = open(path, O_RDWR), fd2 = open(path, O_RDWR), fd3;
	struct flock fl;
	int go[2];
	pid_t pid;

	CHECK(setlk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0, "OFD lock");
	CHECK(getlk(fd2, F_OFD_GETLK, F_RDLCK, 0, 0, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 0, 10, -1), "another description sees it, pid -1");
	CHECK(getlk(fd, F_OFD_GETLK, F_WRLCK, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK,
	      "the same description does not");
	EXPECT_ERR(setlk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1), EAGAIN);
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 1) == 0, "POSIX lock beside it");
	EXPECT_ERR(setlk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 20, 1), EAGAIN);
	CHECK(getlk(fd2, F_OFD_GETLK, F_WRLCK, 20, 1, &fl) == 0 &&
	      seen(&fl, F_WRLCK, 20, 1, getpid()), "OFD query sees POSIX lock with pid");

	fl = (struct flock){ .l_type = F_WRLCK, .l_pid = 1 };
	EXPECT_ERR(fcntl(fd2, F_OFD_SETLK, &fl), EINVAL);
	EXPECT_ERR(fcntl(fd2, F_OFD_GETLK, &fl), EINVAL);
	CHECK(getlk(fd2, F_OFD_GETLK, F_UNLCK, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK,
	      "F_OFD_GETLK of F_UNLCK");

	/* Closing another fd drops POSIX locks only. */
	fd3 = open(path, O_RDONLY);
	close(fd3);
	CHECK(getlk(fd2, F_OFD_GETLK, F_WRLCK, 20, 1, &fl) == 0 && fl.l_type == F_UNLCK,
	      "close dropped the POSIX lock");
	CHECK(getlk(fd2, F_OFD_GETLK, F_WRLCK, 0, 1, &fl) == 0 && fl.l_type == F_WRLCK,
	      "but not the OFD lock");
	CHECK(in_child(child_sees_ofd, path, fd), "child: OFD");

	/* The lock lives until the description's last reference goes. */
	if (pipe(go))
		_exit(2);
	pid = fork();
	if (pid == 0) {
		wait_byte(go[0]);
		_exit(0);
	}
	close(fd);
	CHECK(getlk(fd2, F_OFD_GETLK, F_WRLCK, 0, 1, &fl) == 0 && fl.l_type == F_WRLCK,
	      "OFD lock held while a child has the description");
	send_byte(go[1]);
	check_wait(pid);
	CHECK(getlk(fd2, F_OFD_GETLK, F_WRLCK, 0, 1, &fl) == 0 && fl.l_type == F_UNLCK,
	      "OFD lock gone with the last reference");
	close(go[0]);
	close(go[1]);
	close(fd2);
}

/* ---- flock ------------------------------------------------------------- */

static void test_flock(const char *path)
{
	int a = open(path, O_RDONLY), b = open(path, O_RDONLY), d;

	CHECK(flock(a, LOCK_EX) == 0, "LOCK_EX");
	EXPECT_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	EXPECT_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	d = dup(a);
	CHECK(flock(d, LOCK_EX | LOCK_NB) == 0, "a dup shares the lock");
	close(d);
	EXPECT_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK(setlk(b, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == 0,
	      "fcntl locks ignore flock locks");
	setlk(b, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	CHECK(flock(a, LOCK_SH) == 0, "convert to shared");
	CHECK(flock(b, LOCK_SH | LOCK_NB) == 0, "two shared locks");
	EXPECT_ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* That failed conversion dropped a's lock (Linux does that). */
	CHECK(flock(b, LOCK_EX | LOCK_NB) == 0, "b converts to exclusive");
	CHECK(flock(b, LOCK_UN) == 0 && flock(a, LOCK_EX | LOCK_NB) == 0, "LOCK_UN");
	CHECK(flock(b, LOCK_UN) == 0, "LOCK_UN without a lock");
	close(a);
	CHECK(flock(b, LOCK_EX | LOCK_NB) == 0, "close released flock lock");
	EXPECT_ERR(flock(b, 0), EINVAL);
	EXPECT_ERR(flock(b, LOCK_SH | LOCK_EX), EINVAL);
	EXPECT_ERR(flock(99999, LOCK_SH), EBADF);
	close(b);
}

/* A writable directory on the disk filesystem (not tmpfs), or NULL. */
static const char *disk_dir(void)
{
	static const char *const dirs[] = { ".", "/root", "/var/tmp", "/opt/tests", "/" };
	struct statfs sf;
	char probe[4096];

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (statfs(dirs[i], &sf) < 0 || sf.f_type == TMPFS_MAGIC_)
			continue;
		snprintf(probe, sizeof(probe), "%s/.locks-probe-%d", dirs[i], getpid());
		int fd = open(probe, O_RDWR | O_CREAT | O_EXCL, 0644);

		if (fd < 0)
			continue;
		close(fd);
		unlink(probe);
		return dirs[i];
	}
	return NULL;
}

static void run_all(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/locks-%d", dir, getpid());
	check_say("# file %s\n", path);
	test_ranges(path);
	test_blocking(path);
	test_ofd(path);
	test_flock(path);
	unlink(path);
}

int main(void)
{
	char tmp[64];
	const char *disk = disk_dir();

	check_tmpdir(tmp, sizeof(tmp), "locks");
	run_all(tmp);
	check_rmtree(tmp);
	if (disk)
		run_all(disk);
	else
		SKIP("no writable disk filesystem");
	return check_done();
}
