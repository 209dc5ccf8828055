/* The /proc files programs commonly read. */
#include "check.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

static char text[65536];

/* Read a whole (small) file into text; returns its length or -1. */
static ssize_t slurp(const char *path)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	/* small reads: procfs must handle reads that continue at an offset */
	while (len < sizeof(text) - 1 && (n = read(fd, text + len, 1000)) > 0)
		len += n;
	close(fd);
	text[len] = 0;
	return n < 0 ? -1 : len;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void test_stat_status(const char *exe)
{
	char want[64], comm[32], state = 0;
	int pid = 0, ppid = 0;

	CHECK(slurp("/proc/self/stat") > 0, "read /proc/self/stat");
	CHECK(sscanf(text, "%d", &pid) == 1 && pid == getpid(),
	      "stat field 1 is getpid() (%d)", pid);
	{
		char *open_p = strchr(text, '('), *close_p = strrchr(text, ')');

		comm[0] = 0;
		if (open_p && close_p && close_p > open_p && close_p - open_p < 20) {
			memcpy(comm, open_p + 1, close_p - open_p - 1);
			comm[close_p - open_p - 1] = 0;
			sscanf(close_p + 1, " %c %d", &state, &ppid);
		}
	}
	/* comm is the exe's basename cut to 15 characters */
	strncpy(want, base_name(exe), 15);
	want[15] = 0;
	CHECK(!strcmp(comm, want), "stat comm is the program name (%s)", comm);
	CHECK(state == 'R', "stat state R (%c)", state ? state : '?');
	CHECK(ppid == getppid(), "stat field 4 is getppid() (%d)", ppid);

	CHECK(slurp("/proc/self/status") > 0, "read /proc/self/status");
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	CHECK(strstr(text, want) != NULL, "status has Pid:\\t<pid>");
	snprintf(want, sizeof(want), "\nPPid:\t%d\n", getppid());
	CHECK(strstr(text, want) != NULL, "status has PPid:\\t<ppid>");
	snprintf(want, sizeof(want), "Name:\t%s\n", comm);
	CHECK(!strncmp(text, want, strlen(want)), "status starts with Name:");
	CHECK(strstr(text, "\nUid:\t") != NULL, "status has Uid:");
}

static void test_cmdline_exe(int argc, char **argv)
{
	char buf[PATH_MAX], want[PATH_MAX];
	size_t wlen = 0;
	ssize_t n;

	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(want + wlen, argv[i], l);
		wlen += l;
	}
	n = slurp("/proc/self/cmdline");
	CHECK(n == wlen && !memcmp(text, want, wlen), "cmdline equals argv (%zd bytes)", n);

	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(n > 0 && buf[0] == '/', "readlink /proc/self/exe is absolute (%s)", buf);
	snprintf(want, sizeof(want), "/%s", base_name(argv[0]));
	CHECK(n > strlen(want) && !strcmp(buf + n - strlen(want), want),
	      "exe path ends with the program name");
	{
		struct stat a, b;

		CHECK(stat("/proc/self/exe", &a) == 0 && stat(buf, &b) == 0 &&
		      a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		      "/proc/self/exe is the same file");
	}

	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(n > 0 && atoi(buf) == getpid(), "/proc/self links to the pid (%s)", buf);

	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(n > 0 && getcwd(want, sizeof(want)) && !strcmp(buf, want),
	      "/proc/self/cwd is the cwd");
}

static void test_fds(void)
{
	char dir[64], path[128], link[128], name[64];
	struct dirent *de;
	int seen = 0, fd, p[2], has_fd = 0;
	ssize_t n;
	DIR *d;

	check_tmpdir(dir, sizeof(dir), "procfs");
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	d = opendir("/proc/self/fd");
	CHECK(d != NULL, "opendir /proc/self/fd");
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, "0"))
			seen |= 1;
		if (!strcmp(de->d_name, "1"))
			seen |= 2;
		if (!strcmp(de->d_name, "2"))
			seen |= 4;
		if (atoi(de->d_name) == fd && de->d_name[0] != '.')
			has_fd = 1;
	}
	if (d)
		closedir(d);
	CHECK(seen == 7, "/proc/self/fd lists 0, 1, 2");
	CHECK(has_fd, "/proc/self/fd lists an opened file");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	n = readlink(name, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(link, path), "readlink fd gives the file's path (%s)", link);
	{
		int fd2 = open(name, O_RDONLY);
		char c = 0;

		CHECK(write(fd, "Q", 1) == 1 && fd2 >= 0 && read(fd2, &c, 1) == 1 && c == 'Q',
		      "open /proc/self/fd/N reopens the file");
		close(fd2);
	}
	close(fd);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	EXPECT_ERR(readlink(name, link, sizeof(link)), ENOENT);

	pipe(p);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p[0]);
	n = readlink(name, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK(!strncmp(link, "pipe:[", 6), "pipe fd links to pipe:[...] (%s)", link);
	close(p[0]);
	close(p[1]);
	check_rmtree(dir);
}

static void test_system_files(void)
{
	unsigned long total = 0;
	double up = -1, idle = -1;
	char *line;
	int root = 0;

	CHECK(slurp("/proc/meminfo") > 0, "read /proc/meminfo");
	line = strstr(text, "MemTotal:");
	CHECK(line && sscanf(line, "MemTotal: %lu kB", &total) == 1 && total > 0,
	      "meminfo MemTotal (%lu kB)", total);
	CHECK(strstr(text, "\nMemFree:") != NULL, "meminfo MemFree");

	CHECK(slurp("/proc/uptime") > 0, "read /proc/uptime");
	text[strcspn(text, "\n")] = 0;
	CHECK(sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0,
	      "uptime parses (%s)", text);

	CHECK(slurp("/proc/mounts") > 0, "read /proc/mounts");
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char dev[256], mnt[256];

		if (sscanf(line, "%255s %255s", dev, mnt) == 2 && !strcmp(mnt, "/"))
			root = 1;
	}
	CHECK(root, "/proc/mounts has a / entry");
	CHECK(strstr(text, " /proc proc ") != NULL, "/proc/mounts has /proc");
}

static void test_maps(void)
{
	char want[64], *p;
	unsigned long lo, hi;
	int ok_format;

	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(slurp("/proc/self/maps") > 0, "read /proc/self/maps");
	CHECK(strstr(text, "[stack]") != NULL, "maps has [stack]");
	ok_format = sscanf(text, "%lx-%lx", &lo, &hi) == 2 && lo < hi && !(lo & 4095);
	CHECK(ok_format, "maps lines start with start-end");
	snprintf(want, sizeof(want), "%lx-%lx r--p ", (unsigned long)p,
		 (unsigned long)p + 3 * 4096);
	CHECK(strstr(text, want) != NULL, "maps shows a new mapping (%s)", want);
	munmap(p, 3 * 4096);
	CHECK(slurp("/proc/self/maps") > 0 && !strstr(text, want),
	      "unmapped region gone from maps");
	CHECK(strstr(text, " r-xp ") != NULL, "maps has executable text");
}

static void test_other_pid(void)
{
	char path[64], state = 0;
	siginfo_t si;
	pid_t pid;
	char *c;

	pid = fork();
	if (pid == 0)
		_exit(0);
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path) > 0 && (c = strrchr(text, ')')))
		state = c[2];
	CHECK(state == 'Z', "/proc/<pid>/stat of a zombie shows Z (%c)", state ? state : '?');
	check_wait(pid);
	EXPECT_ERR(open(path, O_RDONLY), ENOENT);
	snprintf(path, sizeof(path), "/proc/%d/stat", getppid());
	CHECK(slurp(path) > 0, "read parent's /proc/<ppid>/stat");
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	test_stat_status(exe);
	test_cmdline_exe(argc, argv);
	test_fds();
	test_system_files();
	test_maps();
	test_other_pid();
	return check_done();
}
