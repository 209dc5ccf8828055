/* xterm channels: a terminal emulator window per line. The line is a pty
 * like pts; the emulator runs a small shell relay between its own
 * terminal and our pty's slave (UML uses its port-helper and an fd passed
 * over a socket instead). Needs $DISPLAY. The emulator is started in its
 * own session, not as our child (the platform reaps every child it sees),
 * and its process group is killed when the kernel exits. Window titles are
 * UML's: "Virtual Console #N (umid)", "Serial Line #N (umid)". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/log.h"
#include "mconsole/mconsole.h"
#include "tty/chan.h"

#define MAX_XTERMS	TTY_NR_MINORS

static const char *emulator = "xterm", *title_switch = "-T", *exec_switch = "-e";
static volatile pid_t groups[MAX_XTERMS];
static volatile int ngroups;

/* Copies the emulator's keys to the line and the line's output back.
 * When our side of the pty goes (the kernel died without stopping the
 * emulator, e.g. SIGKILL) the reader ends and kills the writer, so the
 * emulator's child exits and the emulator with it. */
static const char relay[] =
	"stty raw -echo; (cat \"$0\"; kill $$) & exec cat > \"$0\"";

void tty_set_xterm(const char *emu, const char *title, const char *exec)
{
	emulator = emu ? emu : "xterm";
	title_switch = title ? title : "-T";
	exec_switch = exec ? exec : "-e";
}

void chan_xterm_kill_all(void)
{
	for (int i = 0; i < ngroups; i++)
		if (groups[i] > 0)
			kill(-groups[i], SIGTERM);
}

/* Child: a new session whose child runs the emulator; returns its pgid,
 * or -errno if the emulator could not be executed (reported back through
 * a close-on-exec pipe). */
static pid_t spawn_detached(char *const argv[])
{
	int p[2], status, e = 0;
	sigset_t none;
	pid_t pid, r;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (fork() == 0) {
			execvp(argv[0], argv);
			e = errno;
			if (write(p[1], &e, sizeof(e)) < 0)
				_exit(127);
			_exit(127);
		}
		_exit(0);
	}
	close(p[1]);
	do
		r = waitpid(pid, &status, __WALL);
	while (r < 0 && errno == EINTR);
	if (read(p[0], &e, sizeof(e)) != sizeof(e))
		e = 0;			/* EOF: the exec succeeded */
	close(p[0]);
	return e ? -e : pid;
}

/* Wait until the emulator's relay has opened the pty slave (the master
 * stops reporting a hangup), so an emulator that cannot start (no X
 * server, bad DISPLAY) is an error now, as in UML, not a dead line. */
#define XTERM_START_MS	10000

static int wait_for_relay(int master, pid_t pgid, char *err, size_t errlen)
{
	struct pollfd p = { .fd = master, .events = POLLIN };

	/* A hung-up master polls ready at once: sleep between looks. */
	for (int waited = 0; waited < XTERM_START_MS; waited += 20) {
		if (poll(&p, 1, 0) < 0 && errno != EINTR)
			break;
		if (!(p.revents & POLLHUP))
			return 0;
		usleep(20000);
		if (kill(-pgid, 0) < 0 && errno == ESRCH) {
			snprintf(err, errlen, "xterm_open: %s exited before opening the line "
				 "(can it open display '%s'?)", emulator, getenv("DISPLAY"));
			return -ENXIO;
		}
	}
	snprintf(err, errlen, "xterm_open: %s did not open the line within %d s",
		 emulator, XTERM_START_MS / 1000);
	kill(-pgid, SIGTERM);
	return -ETIMEDOUT;
}

static int xterm_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	const char *display = getenv("DISPLAY");
	char name[64], title[128];
	pid_t pgid;
	int m, n, ret;

	if (arg) {
		snprintf(err, errlen, "channel type 'xterm' takes no argument");
		return -EINVAL;
	}
	if (!display || !*display) {
		snprintf(err, errlen, "xterm_open: $DISPLAY not set.");
		return -ENXIO;
	}
	if (ngroups == MAX_XTERMS) {
		snprintf(err, errlen, "xterm: too many terminals");
		return -ENOMEM;
	}
	m = chan_pty_open(name, sizeof(name), &c->aux_fd, err, errlen);
	if (m < 0)
		return m;
	c->fd = m;
	/* our slave fd would hide the relay's open from wait_for_relay */
	close(c->aux_fd);
	c->aux_fd = -1;
	if (minor >= TTY_SERIAL_BASE)
		n = snprintf(title, sizeof(title), "Serial Line #%d", minor - TTY_SERIAL_BASE);
	else
		n = snprintf(title, sizeof(title), "Virtual Console #%d", minor);
	/* UML names the instance too, so windows of several kernels differ. */
	if (*umid_name())
		snprintf(title + n, sizeof(title) - n, " (%s)", umid_name());
	{
		char *argv[] = { (char *)emulator, (char *)title_switch, title,
				 (char *)exec_switch, "/bin/sh", "-c", (char *)relay,
				 name, NULL };

		pgid = spawn_detached(argv);
	}
	if (pgid < 0) {
		snprintf(err, errlen, "xterm: cannot start %s: %s", emulator, strerror(-pgid));
		return pgid;
	}
	ret = wait_for_relay(m, pgid, err, errlen);
	if (ret < 0)
		return ret;
	c->aux_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	groups[ngroups++] = pgid;
	c->async = true;
	c->raw_tty = true;
	snprintf(c->desc, sizeof(c->desc), "xterm");
	printk("%s %d: %s started on %s\n",
	       minor >= TTY_SERIAL_BASE ? "Serial line" : "Virtual console",
	       minor >= TTY_SERIAL_BASE ? minor - TTY_SERIAL_BASE : minor, emulator, name);
	return 0;
}

const struct chan_type chan_xterm_type = {
	.name = "xterm", .open = xterm_open, .release = chan_pty_release,
};
