/*
 * Terminals without the caller's terminal: /dev/tty in a new session, the
 * ioctls on non-terminals, and a pseudo-terminal pair made controlling in a
 * session of its own.  Everything runs in setsid() children, so the result
 * never depends on the terminal or session pytest (or CI) gives us.
 *
 * Pseudo-terminals: the line discipline through the slave (echo, canonical
 * reads, ONLCR, ^C), the master's EIO once the slave is gone, the slave's
 * hangup when the master goes, numbering and locking, window sizes.
 *
 * "tty script CMD" runs CMD under sh on a new pty and copies what the
 * master reads to stdout (a tiny script(1) for the system tests); "tty
 * ptmax" opens /dev/ptmx until it fails and says how it failed.
 */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
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

/* ---- pseudo-terminal helpers ---------------------------------------- */

/* A master (unlocked) and its slave opened O_NOCTTY; *n is the number. */
static int open_pair(int *m, int *s, int *n, int slave_flags)
{
	char name[32];

	*s = -1;
	*m = posix_openpt(O_RDWR | O_NOCTTY);
	if (*m < 0)
		return -1;
	if (grantpt(*m) || unlockpt(*m) || ioctl(*m, TIOCGPTN, n))
		return -1;
	snprintf(name, sizeof(name), "/dev/pts/%d", *n);
	*s = open(name, O_RDWR | slave_flags);
	return *s < 0 ? -1 : 0;
}

/* Read until want bytes came or nothing arrives for timeout_ms (Linux
 * moves pty data through a work queue: it is not there at once). */
static ssize_t read_for(int fd, char *buf, size_t want, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < want && poll(&pfd, 1, timeout_ms) == 1) {
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			return got ? (ssize_t)got : n;
		got += n;
	}
	buf[got] = 0;
	return got;
}

static bool readable_within(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static int wait_signal(int sig, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, NULL, &ts);
}

static void block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* ---- pseudo-terminal checks ------------------------------------------ */

static void pty_echo_canon(void)
{
	char buf[256];
	int m, s, n, avail = -1;

	CCHECK(open_pair(&m, &s, &n, O_NOCTTY | O_NONBLOCK) == 0, "open a pair");
	/* erase edits the line; the echo rubs the character out */
	CCHECK(write(m, "ab\177c", 4) == 4, "type ab, erase, c");
	CCHECK(read_for(m, buf, 6, 2000) == 6 && !memcmp(buf, "ab\b \bc", 6),
	       "echo of ab<erase>c is \"ab\\b \\bc\"");
	CEXPECT_ERR(read(s, buf, sizeof(buf)), EAGAIN,
		    "no line yet: O_NONBLOCK read of the slave -> EAGAIN");
	CCHECK(ioctl(s, FIONREAD, &avail) == 0 && avail == 0, "FIONREAD 0 before the line ends");
	CCHECK(write(m, "\r", 1) == 1, "type return");
	CCHECK(read_for(m, buf, 2, 2000) == 2 && !memcmp(buf, "\r\n", 2),
	       "return echoes as \\r\\n");
	CCHECK(readable_within(s, 2000), "the slave polls readable with a line");
	CCHECK(ioctl(s, FIONREAD, &avail) == 0 && avail == 3, "FIONREAD is the line's 3 bytes");
	CCHECK(read(s, buf, sizeof(buf)) == 3 && !memcmp(buf, "ac\n", 3),
	       "the slave reads the edited line \"ac\\n\" (ICRNL)");

	/* canonical reads return one line at a time */
	CCHECK(write(m, "one\ntwo\n", 8) == 8, "type two lines");
	CCHECK(readable_within(s, 2000) && read(s, buf, sizeof(buf)) == 4 &&
	       !memcmp(buf, "one\n", 4), "first read: the first line only");
	CCHECK(readable_within(s, 2000) && read(s, buf, sizeof(buf)) == 4 &&
	       !memcmp(buf, "two\n", 4), "second read: the second line");
	CCHECK(read_for(m, buf, 10, 2000) == 10 && !memcmp(buf, "one\r\ntwo\r\n", 10),
	       "both lines echoed with ONLCR");
	CCHECK(write(m, "\004", 1) == 1, "type ^D at the start of a line");
	CCHECK(readable_within(s, 2000) && read(s, buf, sizeof(buf)) == 0,
	       "^D: the slave reads end of file");
	close(s);
	close(m);
}

static void pty_output(void)
{
	struct termios tio;
	char buf[64];
	int m, s, n, avail = -1;

	CCHECK(open_pair(&m, &s, &n, O_NOCTTY) == 0, "open a pair");
	CCHECK(write(s, "x\ny", 3) == 3, "the slave writes x\\ny");
	CCHECK(read_for(m, buf, 4, 2000) == 4 && !memcmp(buf, "x\r\ny", 4),
	       "the master reads x\\r\\ny (ONLCR)");
	CCHECK(write(s, "hello", 5) == 5 && readable_within(m, 2000), "slave writes hello");
	usleep(20000);
	CCHECK(ioctl(m, FIONREAD, &avail) == 0 && avail == 5, "FIONREAD on the master is 5");
	CCHECK(read_for(m, buf, 5, 2000) == 5, "the master reads it");

	/* termios through the master is the slave's */
	CCHECK(tcgetattr(m, &tio) == 0 && (tio.c_oflag & OPOST) && (tio.c_lflag & ICANON),
	       "tcgetattr on the master shows the slave's cooked modes");
	tio.c_oflag &= ~OPOST;
	tio.c_lflag &= ~ECHO;
	CCHECK(tcsetattr(m, TCSANOW, &tio) == 0, "tcsetattr on the master");
	CCHECK(tcgetattr(s, &tio) == 0 && !(tio.c_oflag & OPOST) && !(tio.c_lflag & ECHO),
	       "the slave has the new settings");
	CCHECK(write(s, "x\ny", 3) == 3 && read_for(m, buf, 3, 2000) == 3 &&
	       !memcmp(buf, "x\ny", 3), "without OPOST the master reads x\\ny");
	CCHECK(write(m, "q\n", 2) == 2, "type a line with echo off");
	CCHECK(!readable_within(m, 200), "nothing echoed");
	CCHECK(readable_within(s, 2000) && read(s, buf, sizeof(buf)) == 2, "the slave has it");
	close(s);
	close(m);
}

static void pty_sigint(void)
{
	char buf[64], c;
	int m, s, n, ready[2];
	sigset_t pend;
	pid_t kid;

	CCHECK(setsid() == getpid(), "setsid");
	CCHECK(open_pair(&m, &s, &n, 0) == 0, "open a pair; the slave becomes our tty");
	CCHECK(tcgetpgrp(s) == getpid(), "we are the foreground group");
	block_signal(SIGINT);
	CCHECK(write(m, "\003", 1) == 1, "write ^C to the master");
	CCHECK(wait_signal(SIGINT, 2000) == SIGINT, "the foreground group gets SIGINT");
	CCHECK(read_for(m, buf, 2, 2000) == 2 && !memcmp(buf, "^C", 2), "^C is echoed");

	/* another group in the foreground: it gets the signal, we don't */
	if (pipe(ready))
		_exit(5);
	kid = fork();
	if (kid == 0) {
		sigset_t none;

		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		alarm(5);		/* no SIGINT: fail, don't hang */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	setpgid(kid, kid);
	CCHECK(read(ready[0], &c, 1) == 1, "the other group is ready");
	CCHECK(tcsetpgrp(s, kid) == 0, "make it the foreground group");
	CCHECK(write(m, "\003", 1) == 1, "write ^C again");
	CCHECK(check_killed(check_wait(kid), SIGINT), "the foreground group dies of SIGINT");
	sigpending(&pend);
	CCHECK(!sigismember(&pend, SIGINT), "the background group got nothing");
	signal(SIGHUP, SIG_IGN);	/* closing the master hangs us up */
	close(s);
	close(m);
}

static void pty_master_eio(void)
{
	struct pollfd pfd;
	char buf[16], name[32];
	int m, s, n;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	CCHECK(m >= 0 && unlockpt(m) == 0 && ioctl(m, TIOCGPTN, &n) == 0, "open a master");
	CEXPECT_ERR(read(m, buf, sizeof(buf)), EAGAIN,
		    "master read before the slave was opened -> EAGAIN");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	s = open(name, O_RDWR | O_NOCTTY);
	CCHECK(s >= 0, "open the slave");
	CCHECK(write(s, "z", 1) == 1, "the slave writes");
	CCHECK(readable_within(m, 2000), "the master polls readable");
	close(s);
	CCHECK(read(m, buf, sizeof(buf)) == 1 && buf[0] == 'z',
	       "after the slave's close the master still reads what it wrote");
	CEXPECT_ERR(read(m, buf, sizeof(buf)), EIO, "then master reads fail with EIO");
	pfd.fd = m;
	pfd.events = POLLIN;
	CCHECK(poll(&pfd, 1, 2000) == 1 && (pfd.revents & POLLHUP), "the master polls POLLHUP");
	s = open(name, O_RDWR | O_NOCTTY);
	CCHECK(s >= 0, "the slave can be opened again");
	CEXPECT_ERR(read(m, buf, sizeof(buf)), EAGAIN, "and the master waits for data again");
	close(s);
	close(m);
}

static volatile sig_atomic_t hups;

static void on_hup(int sig)
{
	hups++;
}

/* The foreground job reports its SIGHUP itself: Linux sends it when the
 * session leader exits after the hangup, not at the hangup. */
static void job_hup(int sig)
{
	static const char ok[] = "1 the foreground job gets SIGHUP\n";

	if (write(report_fd, ok, sizeof(ok) - 1) < 0)
		_exit(2);
	_exit(0);
}

static void job_alarm(int sig)
{
	static const char bad[] = "0 the foreground job gets SIGHUP (none in 5 s)\n";

	if (write(report_fd, bad, sizeof(bad) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* The session on the slave: its leader and a foreground group. */
static void hangup_session(const char *name, int ready_fd, int go_fd)
{
	int s, gready[2];
	char c;
	pid_t g;

	setsid();
	s = open(name, O_RDWR);
	CCHECK(s >= 0 && tcgetpgrp(s) == getpid(), "the session leader opens the slave as its tty");
	signal(SIGHUP, on_hup);
	if (pipe(gready))
		_exit(5);
	g = fork();
	if (g == 0) {
		setpgid(0, 0);
		signal(SIGHUP, job_hup);
		signal(SIGALRM, job_alarm);
		alarm(5);
		if (write(gready[1], "g", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	setpgid(g, g);
	CCHECK(read(gready[0], &c, 1) == 1 && tcsetpgrp(s, g) == 0,
	       "a job becomes the foreground group");
	if (write(ready_fd, "r", 1) != 1)
		_exit(6);
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 200 && !hups; i++)
		usleep(10000);
	CCHECK(hups > 0, "the controlling process gets SIGHUP");
	fcntl(s, F_SETFL, O_NONBLOCK);	/* not hung up: fail, don't hang */
	CCHECK(read(s, &c, 1) == 0, "the hung-up slave reads end of file");
	CEXPECT_ERR(write(s, "x", 1), EIO, "the hung-up slave's write -> EIO");
	CEXPECT_ERR(open("/dev/tty", O_RDWR), ENXIO, "the session lost its terminal");
	CEXPECT_ERR(open(name, O_RDWR | O_NOCTTY), ENOENT, "/dev/pts/N is gone");
	close(s);
	_exit(0);
}

static void pty_hangup(void)
{
	int m, n, ready[2], go[2];
	char name[32], c;
	pid_t sess;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	CCHECK(m >= 0 && unlockpt(m) == 0 && ioctl(m, TIOCGPTN, &n) == 0, "open a master");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	if (pipe(ready) || pipe(go))
		_exit(5);
	sess = fork();
	if (sess == 0) {
		close(m);
		hangup_session(name, ready[1], go[0]);
	}
	CCHECK(read(ready[0], &c, 1) == 1, "the session is set up");
	close(m);
	CCHECK(write(go[1], "g", 1) == 1, "master closed");
	CCHECK(check_exited(check_wait(sess), 0), "the session leader exited 0");
}

static void pty_numbers(void)
{
	char name[32], name2[32], *pn, buf[8];
	int m, m2, n = -1, n2 = -1, s, peer, lock = -1;
	bool saw = false, saw2 = false, saw_ptmx = false;
	struct dirent *de;
	struct stat st, pst;
	DIR *d;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	CCHECK(m >= 0 && ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "TIOCGPTN");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	pn = ptsname(m);
	CCHECK(pn && !strcmp(pn, name), "ptsname is /dev/pts/<TIOCGPTN>");
	CCHECK(stat(name, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 &&
	       minor(st.st_rdev) == (unsigned)n, "the slave is char 136:N");
	CCHECK(ioctl(m, TIOCGPTLCK, &lock) == 0 && lock == 1, "a new pty is locked");
	CEXPECT_ERR(open(name, O_RDWR | O_NOCTTY), EIO, "opening a locked slave -> EIO");
	CCHECK(grantpt(m) == 0 && unlockpt(m) == 0, "grantpt, unlockpt");
	CCHECK(ioctl(m, TIOCGPTLCK, &lock) == 0 && lock == 0, "now unlocked");
	s = open(name, O_RDWR | O_NOCTTY);
	CCHECK(s >= 0, "the unlocked slave opens");
	CEXPECT_ERR(ioctl(s, TIOCGPTN, &n2), ENOTTY, "TIOCGPTN on the slave -> ENOTTY");
	/* what an old grantpt does: the owner may chown and chmod the slave */
	CCHECK(fchown(s, getuid(), getgid()) == 0 && fchmod(s, 0620) == 0, "chown, chmod the slave");
	CCHECK(stat(name, &st) == 0 && (st.st_mode & 07777) == 0620 && st.st_uid == getuid(),
	       "the slave's new mode and owner stick");
	lock = 1;
	CCHECK(ioctl(m, TIOCSPTLCK, &lock) == 0, "lock it again");
	CEXPECT_ERR(open(name, O_RDWR | O_NOCTTY), EIO, "relocked: open -> EIO");
	lock = 0;
	CCHECK(ioctl(m, TIOCSPTLCK, &lock) == 0, "unlock");

	peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CCHECK(peer >= 0 && isatty(peer), "TIOCGPTPEER opens the slave");
	CCHECK(fstat(peer, &pst) == 0 && pst.st_rdev == st.st_rdev, "it is the same device");
	CCHECK(write(peer, "k", 1) == 1 && read_for(m, buf, 1, 2000) == 1 && buf[0] == 'k',
	       "the master reads what the peer wrote");
	close(peer);

	m2 = posix_openpt(O_RDWR | O_NOCTTY);
	CCHECK(m2 >= 0 && ioctl(m2, TIOCGPTN, &n2) == 0 && n2 != n, "a second pty, another number");
	snprintf(name2, sizeof(name2), "%d", n2);
	d = opendir("/dev/pts");
	CCHECK(d != NULL, "opendir /dev/pts");
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, name + 9))
			saw = true;
		if (!strcmp(de->d_name, name2))
			saw2 = true;
		if (!strcmp(de->d_name, "ptmx"))
			saw_ptmx = true;
	}
	if (d)
		closedir(d);
	CCHECK(saw && saw2 && saw_ptmx, "/dev/pts lists ptmx and both slaves");
	close(m2);
	snprintf(name2, sizeof(name2), "/dev/pts/%d", n2);
	CEXPECT_ERR(stat(name2, &st), ENOENT, "the closed master's slave is gone");
	close(s);
	close(m);
}

static void pty_winsize(void)
{
	struct winsize ws = { 0 };
	int m, s, n;

	CCHECK(setsid() == getpid(), "setsid");
	CCHECK(open_pair(&m, &s, &n, 0) == 0, "open a pair as our tty");
	ws.ws_row = 99;
	CCHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0,
	       "a new pty's window is 0x0");
	block_signal(SIGWINCH);
	ws.ws_row = 40;
	ws.ws_col = 100;
	CCHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ 40x100 on the master");
	CCHECK(wait_signal(SIGWINCH, 2000) == SIGWINCH, "the foreground group gets SIGWINCH");
	memset(&ws, 0, sizeof(ws));
	CCHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 100,
	       "the slave sees 40x100");
	memset(&ws, 0, sizeof(ws));
	CCHECK(ioctl(m, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 100,
	       "the master sees 40x100");
	CCHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "the same size again");
	CCHECK(wait_signal(SIGWINCH, 200) < 0, "no SIGWINCH without a change");
	ws.ws_col = 120;
	CCHECK(ioctl(s, TIOCSWINSZ, &ws) == 0 && wait_signal(SIGWINCH, 2000) == SIGWINCH,
	       "TIOCSWINSZ on the slave signals too");
	signal(SIGHUP, SIG_IGN);
	close(s);
	close(m);
}

/* ---- helpers for the system tests ------------------------------------- */

static int mini_script(const char *cmd)
{
	char buf[4096];
	int m, n, st;
	ssize_t r;
	pid_t kid;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ioctl(m, TIOCGPTN, &n)) {
		perror("ptmx");
		return 1;
	}
	kid = fork();
	if (kid == 0) {
		char name[32];
		int s;

		setsid();
		snprintf(name, sizeof(name), "/dev/pts/%d", n);
		s = open(name, O_RDWR);
		if (s < 0) {
			perror(name);
			_exit(126);
		}
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(m);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* Until EIO: the last slave file went away. */
	while ((r = read(m, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
		if (r > 0 && write(1, buf, r) != r)
			return 1;
	}
	st = check_wait(kid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int open_all_ptys(void)
{
	int count = 0, fd;

	while ((fd = posix_openpt(O_RDWR | O_NOCTTY)) >= 0 && count < 100000)
		count++;
	printf("opened %d, then %s\n", count, fd < 0 ? strerrorname_np(errno) : "no error");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "script"))
		return mini_script(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "ptmax"))
		return open_all_ptys();

	/* lead a group, so the pty session child has a foreign group to try */
	setpgid(0, 0);
	run_child(no_ctty, "no ctty");
	run_child(pty_session, "pty");
	run_child(pty_echo_canon, "pty echo");
	run_child(pty_output, "pty output");
	run_child(pty_sigint, "pty ^C");
	run_child(pty_master_eio, "pty master EIO");
	run_child(pty_hangup, "pty hangup");
	run_child(pty_numbers, "pty numbers");
	run_child(pty_winsize, "pty winsize");
	return check_done();
}
