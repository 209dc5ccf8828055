/* xterm channels: a terminal emulator window per line. The line is a pty
 * like pts; the emulator runs a small shell relay between its own
 * terminal and our pty's slave (UML uses its port-helper and an fd passed
 * over a socket instead). Needs $DISPLAY. The emulator is started in its
 * own session, not as our child (the platform reaps every child it sees),
 * and its process group is killed when the kernel exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/log.h"
#include "tty/chan.h"

#define MAX_XTERMS	TTY_NR_MINORS

static const char *emulator = "xterm", *title_switch = "-T", *exec_switch = "-e";
static volatile pid_t groups[MAX_XTERMS];
static volatile int ngroups;

/* Copies the emulator's keys to the line and the line's output back. */
static const char relay[] = "stty raw -echo; cat \"$0\" & exec cat > \"$0\"";

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

static int xterm_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	const char *display = getenv("DISPLAY");
	char name[64], title[64];
	pid_t pgid;
	int m;

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
	if (minor >= TTY_SERIAL_BASE)
		snprintf(title, sizeof(title), "Serial Line #%d", minor - TTY_SERIAL_BASE);
	else
		snprintf(title, sizeof(title), "Virtual Console #%d", minor);
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
