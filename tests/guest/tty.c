/*
 * Terminals without the caller's terminal: /dev/tty in a new session, the
 * ioctls on non-terminals, and a pseudo-terminal pair made controlling in a
 * session of its own.  Everything runs in setsid() children, so the result
 * never depends on the terminal or session pytest (or CI) gives us.
 */
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

/*
 * Children report through a pipe (one line per check) since only the
 * parent counts checks: "1 what" passed, "0 what" failed.
 */
static int report_fd = -1;

static void child_check(int ok, const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%d %s (errno %d)\n", ok ? 1 : 0, what,
			 ok ? 0 : errno);

	if (write(report_fd, line, n) != n)
		_exit(3);
}

#define CCHECK(cond, what) child_check(!!(cond), what)
#define CEXPECT_ERR(call, err, what) do {				\
	errno = 0;							\
	long r_ = (long)(call);						\
	child_check(r_ == -1 && errno == (err), what);			\
} while (0)

/* Run fn in a forked child; turn its report lines into checks. */
static void run_child(void (*fn)(void), const char *name)
{
	char buf[8192], *line, *save;
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	if (pipe(p) < 0) {
		CHECK(0, "pipe for %s", name);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		fn();
		_exit(0);
	}
	close(p[1]);
	while (len < sizeof(buf) - 1 &&
	       (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	close(p[0]);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		errno = 0;
		check_report(line[0] == '1', 0, 0, "%s: %s", name, line + 2);
	}
	status = check_wait(pid);
	CHECK(check_exited(status, 0), "%s child exited 0 (status %#x)", name, status);
}

static void no_ctty(void)
{
	int fd;

	CCHECK(setsid() == getpid(), "setsid");
	CEXPECT_ERR(open("/dev/tty", O_RDWR), ENXIO,
		    "open /dev/tty without a controlling terminal -> ENXIO");
	fd = open("/dev/null", O_RDWR);
	CEXPECT_ERR(tcgetpgrp(fd), ENOTTY, "tcgetpgrp on /dev/null -> ENOTTY");
	CEXPECT_ERR(ioctl(fd, TIOCSCTTY, 0), ENOTTY, "TIOCSCTTY on /dev/null -> ENOTTY");
	CEXPECT_ERR(ioctl(fd, TIOCNOTTY), ENOTTY, "TIOCNOTTY on /dev/null -> ENOTTY");
	CCHECK(!isatty(fd) && errno == ENOTTY, "isatty(/dev/null) is false, ENOTTY");
	CEXPECT_ERR(tcsetpgrp(fd, getpgrp()), ENOTTY, "tcsetpgrp on /dev/null -> ENOTTY");
	close(fd);
	CCHECK(getsid(0) == getpid(), "still the session leader");
}

static void pty_session(void)
{
	struct termios tio;
	struct winsize ws;
	char *name, buf[64];
	int m, s, tty, pgid, sid, fds[2];
	pid_t me, kid;
	ssize_t n;

	me = setsid();
	CCHECK(me == getpid(), "setsid");
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CCHECK(m >= 0, "posix_openpt");
	CCHECK(grantpt(m) == 0, "grantpt");
	CCHECK(unlockpt(m) == 0, "unlockpt");
	name = ptsname(m);
	CCHECK(name && !strncmp(name, "/dev/pts/", 9), "ptsname is /dev/pts/N");
	if (!name)
		return;
	s = open(name, O_RDWR | O_NOCTTY);
	CCHECK(s >= 0, "open the slave O_NOCTTY");
	CCHECK(isatty(s) && isatty(m), "both ends are terminals");
	CEXPECT_ERR(open("/dev/tty", O_RDWR), ENXIO, "O_NOCTTY did not make it ours");
	CEXPECT_ERR(tcgetpgrp(s), ENOTTY, "tcgetpgrp before TIOCSCTTY -> ENOTTY");

	CCHECK(ioctl(s, TIOCSCTTY, 0) == 0, "TIOCSCTTY on the slave");
	CCHECK(tcgetpgrp(s) == getpgrp() && getpgrp() == me, "tcgetpgrp == getpgrp");
	pgid = -1;
	CCHECK(ioctl(s, TIOCGPGRP, &pgid) == 0 && pgid == me, "TIOCGPGRP");
	sid = -1;
	CCHECK(ioctl(s, TIOCGSID, &sid) == 0 && sid == me, "TIOCGSID is our session");
	tty = open("/dev/tty", O_RDWR);
	CCHECK(tty >= 0, "/dev/tty opens once there is a controlling terminal");
	CCHECK(ioctl(s, TIOCSCTTY, 0) == 0, "TIOCSCTTY again on our own tty is fine");

	/* the line works: raw master -> slave and back */
	CCHECK(tcgetattr(s, &tio) == 0, "tcgetattr on the slave");
	cfmakeraw(&tio);
	CCHECK(tcsetattr(s, TCSANOW, &tio) == 0, "tcsetattr raw");
	CCHECK(write(m, "ping", 4) == 4, "write to the master");
	memset(buf, 0, sizeof(buf));
	n = read(tty, buf, sizeof(buf));
	CCHECK(n == 4 && !memcmp(buf, "ping", 4), "/dev/tty reads what the master wrote");
	CCHECK(write(s, "pong", 4) == 4, "write to the slave");
	memset(buf, 0, sizeof(buf));
	n = read(m, buf, sizeof(buf));
	CCHECK(n == 4 && !memcmp(buf, "pong", 4), "the master reads it");
	ws.ws_row = 33;
	ws.ws_col = 77;
	ws.ws_xpixel = ws.ws_ypixel = 0;
	CCHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ on the master");
	memset(&ws, 0, sizeof(ws));
	CCHECK(ioctl(tty, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 33 && ws.ws_col == 77,
	       "the slave sees the window size");

	/* hand the foreground to another group of the session, and take it back */
	CCHECK(pipe(fds) == 0, "pipe");
	kid = fork();
	if (kid == 0) {
		char c;

		setpgid(0, 0);
		if (read(fds[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	setpgid(kid, kid);
	CCHECK(tcsetpgrp(s, kid) == 0, "TIOCSPGRP to a group in our session");
	CCHECK(tcgetpgrp(s) == kid, "tcgetpgrp is the new foreground group");
	CCHECK(tcgetpgrp(s) != getpgrp(), "we are in the background now");
	signal(SIGTTOU, SIG_IGN);	/* a background tcsetpgrp would stop us */
	CCHECK(tcsetpgrp(s, me) == 0 && tcgetpgrp(s) == me, "take the foreground back");
	CEXPECT_ERR(tcsetpgrp(s, 0x3ffffff0), ESRCH, "TIOCSPGRP to no group -> ESRCH");
	CEXPECT_ERR(tcsetpgrp(s, -1), EINVAL, "TIOCSPGRP to -1 -> EINVAL");
	CEXPECT_ERR(tcsetpgrp(s, getppid()), EPERM,
		    "TIOCSPGRP to a group of another session -> EPERM");
	if (write(fds[1], "x", 1) != 1)
		_exit(4);
	CCHECK(check_exited(check_wait(kid), 0), "the other group's process exited");
	close(fds[0]);
	close(fds[1]);

	/* giving the terminal up: it is no longer ours */
	signal(SIGHUP, SIG_IGN);
	close(tty);
	CCHECK(ioctl(s, TIOCNOTTY) == 0, "TIOCNOTTY");
	CEXPECT_ERR(open("/dev/tty", O_RDWR), ENXIO, "no /dev/tty after TIOCNOTTY");
	close(s);
	close(m);
}

int main(void)
{
	int fd;

	/* lead a group, so the pty session child has a foreign group to try */
	setpgid(0, 0);
	run_child(no_ctty, "no ctty");
	/* Pseudo-terminals need /dev/ptmx and devpts; say so if missing. */
	fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd < 0 && (errno == ENODEV || errno == ENOENT || errno == ENXIO)) {
		check_say("# posix_openpt: %s\n", strerror(errno));
		SKIP("pty checks: no /dev/ptmx pseudo-terminal support");
	} else {
		close(fd);
		run_child(pty_session, "pty");
	}
	return check_done();
}
