/* Processes: fork, wait, exit, sessions, groups, vfork, exec. */
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>

extern char **environ;
static char dir[64];
static char self[4096];

/* Re-entered through execve: verify what the parent passed. */
static int exec_child(int argc, char **argv)
{
	const char *v = getenv("UGT_VAR");
	int keep = atoi(argv[3]), cloexec = atoi(argv[4]);
	struct stat st;

	CHECK(argc == 5, "exec child argc == 5 (got %d)", argc);
	CHECK(!strcmp(argv[2], "arg two"), "exec child argv[2]");
	CHECK(v && !strcmp(v, "value=with=equals"), "exec child envp");
	CHECK(!getenv("HOME"), "exec child got only the given environment");
	CHECK(fstat(keep, &st) == 0, "plain fd survives execve");
	EXPECT_ERR(fstat(cloexec, &st), EBADF);
	CHECK(signal(SIGUSR1, SIG_DFL) == SIG_IGN, "ignored signal stays ignored");
	CHECK(signal(SIGUSR2, SIG_DFL) == SIG_DFL, "handled signal reset to default");
	return check_failures ? 1 : 42;
}

/* Interpreter mode for the #! test: argv = self, "interp-arg", script, "a1". */
static int script_interp(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[1], "interp-arg") || strcmp(argv[3], "a1") ||
	    !strstr(argv[2], "/interp.sh"))
		return 1;
	return 43;
}

static void dummy_handler(int sig)
{
}

static void test_fork_wait(void)
{
	struct rusage ru;
	int status, parent = getpid();
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (getppid() != parent || getpid() == parent)
			_exit(1);
		_exit(256 + 5);
	}
	CHECK(pid > 0 && pid != parent, "fork returns child pid");
	CHECK(wait4(pid, &status, 0, &ru) == pid, "wait4 returns pid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "exit status low 8 bits (status %#x)", status);

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "WNOHANG on running child -> 0");
	CHECK(kill(pid, SIGKILL) == 0, "kill SIGKILL");
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGKILL && !WIFEXITED(status),
	      "WIFSIGNALED SIGKILL (status %#x)", status);

	pid = fork();
	if (pid == 0)
		_exit(9);
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == pid &&
	      si.si_code == CLD_EXITED && si.si_status == 9,
	      "waitid WNOWAIT reports the exit");
	CHECK(kill(pid, 0) == 0, "kill(pid, 0) succeeds on a zombie");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_pid == pid &&
	      si.si_signo == SIGCHLD && si.si_status == 9, "waitid P_PID WEXITED");
	EXPECT_ERR(kill(pid, 0), ESRCH);
	EXPECT_ERR(waitpid(pid, &status, 0), ECHILD);
	EXPECT_ERR(wait(&status), ECHILD);
	EXPECT_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
	memset(&si, 0, sizeof(si));
	EXPECT_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	EXPECT_ERR(waitid(P_ALL, 0, &si, 0), EINVAL);

	/* wait(-1) collects several children */
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			_exit(20 + i);
	int sum = 0;

	for (int i = 0; i < 3; i++)
		if (wait(&status) > 0 && WIFEXITED(status))
			sum += WEXITSTATUS(status);
	CHECK(sum == 63, "wait collects three children (sum %d)", sum);
}

static void test_orphan(void)
{
	int fds[2], status;
	pid_t pid, old = 0, now = 0;
	char buf[64];
	ssize_t n;

	CHECK(pipe(fds) == 0, "pipe for orphan test");
	pid = fork();
	if (pid == 0) {
		pid_t mid = getpid();

		if (fork() == 0) {
			/* grandchild: wait until the middle process is gone */
			for (int i = 0; i < 2000 && getppid() == mid; i++)
				usleep(1000);
			snprintf(buf, sizeof(buf), "%d %d", mid, getppid());
			if (write(fds[1], buf, strlen(buf)) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(fds[1]);
	status = check_wait(pid);
	CHECK(check_exited(status, 0), "middle process exited");
	memset(buf, 0, sizeof(buf));
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	CHECK(n > 0 && sscanf(buf, "%d %d", &old, &now) == 2,
	      "grandchild reported its parent");
	CHECK(now != old && now > 0, "orphan reparented away from dead parent (%d -> %d)",
	      old, now);
}

static void test_sessions(void)
{
	int fds[2], status;
	pid_t pid, me = getpid();
	char c;

	/*
	 * Under a pid namespace the session and group leaders may live
	 * outside it (ids read as 0); lead a group of our own so the
	 * group tests below see real ids.
	 */
	if (getpgrp() == 0)
		setpgid(0, 0);

	CHECK(getsid(0) >= 0 && getsid(0) == getsid(me), "getsid(0) == getsid(self)");
	CHECK(getpgid(0) == getpgrp(), "getpgid(0) == getpgrp()");
	EXPECT_ERR(getsid(0x3ffffff0), ESRCH);
	EXPECT_ERR(getpgid(0x3ffffff0), ESRCH);

	pid = fork();
	if (pid == 0) {
		pid_t self_pid = getpid();
		int bad = 0;

		if (setsid() != self_pid)
			bad |= 1;
		if (getsid(0) != self_pid || getpgid(0) != self_pid)
			bad |= 2;
		if (setsid() != -1 || errno != EPERM)
			bad |= 4;
		/* a session leader cannot change its group */
		if (setpgid(0, 0) != -1 || errno != EPERM)
			bad |= 8;
		_exit(bad);
	}
	status = check_wait(pid);
	CHECK(check_exited(status, 0), "setsid in child (status %#x)", status);

	/* parent moves a child into its own group */
	CHECK(pipe(fds) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		_exit(getpgid(0) == getpid() ? 0 : 2);
	}
	close(fds[0]);
	CHECK(getpgid(pid) == getpgrp(), "child inherits the process group");
	CHECK(setpgid(pid, pid) == 0, "setpgid(child, child)");
	CHECK(getpgid(pid) == pid, "getpgid(child) == child");
	CHECK(setpgid(pid, getpgrp()) == 0 && getpgid(pid) == getpgrp(),
	      "setpgid back to our group");
	CHECK(setpgid(pid, 0) == 0 && getpgid(pid) == pid, "setpgid(child, 0)");
	EXPECT_ERR(setpgid(pid, -1), EINVAL);
	EXPECT_ERR(setpgid(0x3ffffff0, 0), ESRCH);
	CHECK(write(fds[1], "x", 1) == 1, "release child");
	close(fds[1]);
	status = check_wait(pid);
	CHECK(check_exited(status, 0), "child saw its own group");

	/* a child in another session cannot be moved */
	CHECK(pipe(fds) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		setsid();
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	CHECK(read(fds[0], &c, 1) == 1, "child called setsid");
	close(fds[0]);
	EXPECT_ERR(setpgid(pid, pid), EPERM);
	EXPECT_ERR(setpgid(pid, getpgrp()), EPERM);
	kill(pid, SIGKILL);
	check_wait(pid);

	(void)me;
}

static volatile int vfork_shared;

static void test_vfork(void)
{
	int status;
	pid_t pid;

	vfork_shared = 0;
	pid = vfork();
	if (pid == 0) {
		vfork_shared = 42;
		_exit(3);
	}
	CHECK(pid > 0, "vfork returns pid");
	CHECK(vfork_shared == 42, "vfork child shares memory and ran first");
	status = check_wait(pid);
	CHECK(check_exited(status, 3), "vfork child _exit(3)");
}

static void test_exec(void)
{
	char keep_s[16], clo_s[16], p[128], q[128];
	int keep, clo, status, fd;
	pid_t pid;

	keep = open("/dev/null", O_RDONLY);
	clo = open("/dev/null", O_RDONLY | O_CLOEXEC);
	snprintf(keep_s, sizeof(keep_s), "%d", keep);
	snprintf(clo_s, sizeof(clo_s), "%d", clo);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "procs", "exec-child", "arg two", keep_s, clo_s, NULL };
		char *envp[] = { "UGT_VAR=value=with=equals", "A=b", NULL };

		signal(SIGUSR1, SIG_IGN);
		signal(SIGUSR2, dummy_handler);
		execve("/proc/self/exe", argv, envp);
		_exit(99);
	}
	status = check_wait(pid);
	CHECK(check_exited(status, 42), "execve /proc/self/exe re-entry (status %#x)",
	      status);
	close(keep);
	close(clo);

	{
		char *argv[] = { "x", NULL };

		EXPECT_ERR(execve("/nonexistent/prog", argv, environ), ENOENT);
		EXPECT_ERR(execve(dir, argv, environ), EACCES);
		snprintf(p, sizeof(p), "%s/noexec", dir);
		fd = open(p, O_CREAT | O_WRONLY, 0644);
		CHECK(write(fd, "#!/bin/sh\n", 10) == 10, "write noexec file");
		close(fd);
		EXPECT_ERR(execve(p, argv, environ), EACCES);
		snprintf(p, sizeof(p), "%s/garbage", dir);
		fd = open(p, O_CREAT | O_WRONLY, 0755);
		CHECK(write(fd, "\1\2\3\4garbage-not-elf\n", 20) == 20, "write garbage file");
		close(fd);
		EXPECT_ERR(execve(p, argv, environ), ENOEXEC);
	}

	/* #! script run by /bin/sh */
	snprintf(p, sizeof(p), "%s/seven.sh", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0755);
	CHECK(fd >= 0 && write(fd, "#!/bin/sh\nexit 7\n", 17) == 17, "write script");
	close(fd);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { p, NULL };

		execve(p, argv, environ);
		_exit(99);
	}
	status = check_wait(pid);
	CHECK(check_exited(status, 7), "#!/bin/sh script exits 7 (status %#x)", status);

	/* #! with an interpreter argument: our own binary */
	snprintf(q, sizeof(q), "%s/interp.sh", dir);
	fd = open(q, O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!%s interp-arg\n", self);
	close(fd);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "ignored-name", "a1", NULL };

		execve(q, argv, environ);
		_exit(99);
	}
	status = check_wait(pid);
	CHECK(check_exited(status, 43), "#! interpreter gets arg, script and args (status %#x)",
	      status);
}

static void test_set_tid_address(void)
{
	static int tid_word;
	pid_t pid;

	CHECK(syscall(SYS_set_tid_address, &tid_word) == gettid(),
	      "set_tid_address returns the caller's tid");
	CHECK(syscall(SYS_set_tid_address, NULL) == getpid(),
	      "set_tid_address(NULL) returns the tid too");
	pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_set_tid_address, &tid_word) == getpid() &&
		      getpid() != getppid() ? 0 : 1);
	CHECK(check_exited(check_wait(pid), 0), "set_tid_address in a child gives its tid");
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return exec_child(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "interp-arg"))
		return script_interp(argc, argv);

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	check_tmpdir(dir, sizeof(dir), "procs");
	test_fork_wait();
	test_orphan();
	test_sessions();
	test_vfork();
	test_exec();
	test_set_tid_address();
	check_rmtree(dir);
	return check_done();
}
