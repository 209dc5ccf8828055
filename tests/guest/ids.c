/* Credentials, umask, resource limits, supplementary groups. */
#include "check.h"
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>

static char dir[64];
static char secret[128], public[128];

/* Runs in a child as root: drop to nobody and check what that forbids. */
static void drop_privileges_child(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	gid_t groups[4] = { 5, 6 };
	struct rlimit rl;
	int fd;

	/* saved set-user-ID lets us come back */
	CHECK(setresuid(-1, 65534, -1) == 0, "setresuid(-1, 65534, -1)");
	CHECK(getresuid(&r, &e, &s) == 0 && r == 0 && e == 65534 && s == 0,
	      "getresuid 0/65534/0");
	CHECK(geteuid() == 65534 && getuid() == 0, "geteuid 65534, getuid 0");
	CHECK(seteuid(0) == 0 && geteuid() == 0, "seteuid(0) back via saved uid");

	CHECK(setgroups(2, groups) == 0, "setgroups as root");
	CHECK(setresgid(65534, 65534, 65534) == 0, "setresgid 65534");
	CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 65534 && ge == 65534 && gs == 65534,
	      "getresgid 65534 x3");
	CHECK(setresuid(65534, 65534, 65534) == 0, "setresuid 65534 x3");
	CHECK(getresuid(&r, &e, &s) == 0 && r == 65534 && e == 65534 && s == 65534,
	      "getresuid 65534 x3");
	CHECK(getuid() == 65534 && geteuid() == 65534 && getgid() == 65534 &&
	      getegid() == 65534, "get*id after drop");
	EXPECT_ERR(setuid(0), EPERM);
	EXPECT_ERR(seteuid(0), EPERM);
	EXPECT_ERR(setresuid(0, -1, -1), EPERM);
	EXPECT_ERR(setgid(0), EPERM);
	EXPECT_ERR(setgroups(2, groups), EPERM);
	CHECK(getgroups(0, NULL) == 2, "groups kept after uid change");
	CHECK(setuid(65534) == 0, "setuid to own uid is allowed");

	EXPECT_ERR(open(secret, O_RDONLY), EACCES);
	EXPECT_ERR(open(secret, O_WRONLY), EACCES);
	fd = open(public, O_RDONLY);
	CHECK(fd >= 0, "world-readable file opens");
	close(fd);
	EXPECT_ERR(open(public, O_WRONLY), EACCES);
	EXPECT_ERR(access(secret, R_OK), EACCES);
	EXPECT_ERR(chmod(public, 0777), EPERM);
	EXPECT_ERR(mkdir("/ugt-should-not-exist", 0755), EACCES);
	EXPECT_ERR(kill(1, 0), EPERM);

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max++;
	EXPECT_ERR(setrlimit(RLIMIT_NOFILE, &rl), EPERM);
}

static void test_ids(void)
{
	int root = getuid() == 0;
	pid_t pid;

	CHECK(getuid() == geteuid() && getgid() == getegid(), "real == effective ids");
	if (!root) {
		SKIP("root-only credential checks (not root)");
		return;
	}
	CHECK(getuid() == 0 && geteuid() == 0, "uid 0");
	CHECK(getgid() == 0 && getegid() == 0, "gid 0");

	pid = fork();
	if (pid == 0) {
		drop_privileges_child();
		_exit(check_failures ? 1 : 0);
	}
	CHECK(check_exited(check_wait(pid), 0), "privilege-drop child passed");
	CHECK(getuid() == 0, "parent still root");
}

static void test_groups(void)
{
	gid_t list[64], mine[3] = { 0, 100, 200 };
	int n;
	pid_t pid;

	n = getgroups(64, list);
	CHECK(n >= 0, "getgroups (%d)", n);
	CHECK(getgroups(0, NULL) == n, "getgroups(0, NULL) returns the count");
	if (n > 1)
		EXPECT_ERR(getgroups(1, list), EINVAL);
	if (getuid() != 0) {
		SKIP("setgroups (not root)");
		return;
	}
	pid = fork();
	if (pid == 0) {
		gid_t got[8];
		int bad = 0;

		if (setgroups(3, mine) != 0)
			bad |= 1;
		if (getgroups(8, got) != 3 || got[0] != 0 || got[1] != 100 || got[2] != 200)
			bad |= 2;
		if (getgroups(1, got) != -1 || errno != EINVAL)
			bad |= 4;
		if (setgroups(0, NULL) != 0 || getgroups(0, NULL) != 0)
			bad |= 8;
		_exit(bad);
	}
	{
		int st = check_wait(pid);

		CHECK(check_exited(st, 0), "setgroups/getgroups in child (status %#x)", st);
	}
}

static void test_umask(void)
{
	struct stat st;
	char p[128];
	mode_t old;
	int fd;

	old = umask(027);
	CHECK(umask(022) == 027, "umask returns the previous value");
	CHECK(umask(027) == 022, "umask returns 022");
	snprintf(p, sizeof(p), "%s/um", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640,
	      "umask 027 applied to new file (%o)", st.st_mode & 0777);
	close(fd);
	snprintf(p, sizeof(p), "%s/umd", dir);
	CHECK(mkdir(p, 0777) == 0 && stat(p, &st) == 0 && (st.st_mode & 0777) == 0750,
	      "umask applied to mkdir");
	CHECK(umask(01777) == 027 && umask(old) == 0777, "umask keeps only 0777 bits");
}

static void test_rlimits(void)
{
	struct rlimit rl, rl2;
	pid_t pid;

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0 &&
	      rl.rlim_cur <= rl.rlim_max, "getrlimit NOFILE");
	CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &rl2) == 0 && rl2.rlim_cur == rl.rlim_cur &&
	      rl2.rlim_max == rl.rlim_max, "prlimit64 read matches getrlimit");
	CHECK(getrlimit(RLIMIT_STACK, &rl2) == 0 && rl2.rlim_cur >= 65536,
	      "RLIMIT_STACK soft limit sane");
	rl2.rlim_cur = rl.rlim_max;
	rl2.rlim_max = rl.rlim_max;
	if (rl.rlim_max != RLIM_INFINITY) {
		rl2.rlim_cur = rl.rlim_max + 1;
		EXPECT_ERR(setrlimit(RLIMIT_NOFILE, &rl2), EINVAL);
	}
	EXPECT_ERR(getrlimit(1000, &rl2), EINVAL);

	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 10, rl.rlim_max }, old, now;
		int fd, last = -1, over = 0;

		CHECK(prlimit(0, RLIMIT_NOFILE, &lim, &old) == 0 &&
		      old.rlim_cur == rl.rlim_cur, "prlimit64 sets and returns old");
		CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == 10,
		      "getrlimit sees 10");
		for (int i = 0; i < 20; i++) {
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0)
				break;
			if (fd >= 10)
				over = 1;
			last = fd;
		}
		CHECK(fd == -1 && errno == EMFILE, "open beyond RLIMIT_NOFILE -> EMFILE");
		CHECK(!over && last == 9, "highest fd is 9 (%d)", last);
		EXPECT_ERR(dup(0), EMFILE);
		EXPECT_ERR(dup2(0, 10), EBADF);
		EXPECT_ERR(fcntl(0, F_DUPFD, 10), EINVAL);
		close(5);
		fd = open("/dev/null", O_RDONLY);
		CHECK(fd == 5, "freed slot is reused");
		lim.rlim_cur = 1000;
		CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0 || lim.rlim_max < 1000,
		      "raise soft limit again");
		_exit(check_failures ? 1 : 0);
	}
	CHECK(check_exited(check_wait(pid), 0), "RLIMIT_NOFILE child passed");
	CHECK(getrlimit(RLIMIT_NOFILE, &rl2) == 0 && rl2.rlim_cur == rl.rlim_cur,
	      "child's limit did not affect the parent");
}

int main(void)
{
	char buf[16] = "secret";
	int fd;

	check_tmpdir(dir, sizeof(dir), "ids");
	chmod(dir, 0755);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(public, sizeof(public), "%s/public", dir);
	fd = open(secret, O_CREAT | O_WRONLY, 0600);
	if (write(fd, buf, 6) != 6)
		check_say("# write failed\n");
	fchmod(fd, 0600);
	close(fd);
	fd = open(public, O_CREAT | O_WRONLY, 0644);
	fchmod(fd, 0644);
	close(fd);

	test_ids();
	test_groups();
	test_umask();
	test_rlimits();
	check_rmtree(dir);
	return check_done();
}
