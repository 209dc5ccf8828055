/* pts and pty channels: the line is a host pseudo-terminal whose slave a
 * host user opens (screen /dev/pts/3, minicom, pexpect). The kernel keeps
 * the master, and also holds the slave open itself so users can come and
 * go without the master seeing a hangup; output written while nobody
 * listens waits in the pty (and then in the line's queue). The slave is
 * put in raw mode, as UML does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "lib/log.h"
#include "tty/chan.h"

int chan_pty_open(char *name, size_t namelen, int *slave, char *err, size_t errlen)
{
	struct termios t;
	int m, s, e;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) {
		e = errno;
		snprintf(err, errlen, "pts: cannot open /dev/ptmx: %s", strerror(e));
		return -e;
	}
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, name, namelen)) {
		e = errno;
		snprintf(err, errlen, "pts: cannot set up a pty: %s", strerror(e));
		close(m);
		return -e;
	}
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		e = errno;
		snprintf(err, errlen, "pts: cannot open %s: %s", name, strerror(e));
		close(m);
		return -e;
	}
	if (!tcgetattr(s, &t)) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(s, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	/* The slave fd only keeps the pty alive; it is never read. */
	*slave = s;
	return m;
}

void chan_pty_release(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->aux_fd >= 0)
		close(c->aux_fd);
}

static int pts_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	char name[64];
	int m;

	if (arg) {
		snprintf(err, errlen, "channel type '%s' takes no argument", c->type->name);
		return -EINVAL;
	}
	m = chan_pty_open(name, sizeof(name), &c->aux_fd, err, errlen);
	if (m < 0)
		return m;
	c->fd = m;
	c->async = true;
	c->raw_tty = true;
	snprintf(c->desc, sizeof(c->desc), "pts:%.58s", name);
	chan_announce(minor, name);
	return 0;
}

/* Legacy BSD ptys (/dev/ptyXY + /dev/ttyXY). Linux hosts without
 * CONFIG_LEGACY_PTYS have none: then a Unix98 pty stands in, announced
 * by its /dev/pts name, and the log says so. */
static int bsd_pty_open(char *name, size_t namelen)
{
	static const char majors[] = "pqrstuvwxyzabcde";
	static const char minors[] = "0123456789abcdef";
	char master[16];

	for (const char *a = majors; *a; a++) {
		for (const char *b = minors; *b; b++) {
			int m;

			snprintf(master, sizeof(master), "/dev/pty%c%c", *a, *b);
			m = open(master, O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (m < 0) {
				if (errno == ENOENT)
					return -ENOENT;	/* no (more) legacy ptys */
				continue;		/* busy */
			}
			snprintf(name, namelen, "/dev/tty%c%c", *a, *b);
			if (access(name, R_OK | W_OK)) {
				close(m);
				continue;
			}
			fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
			return m;
		}
	}
	return -ENOENT;
}

static int pty_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	char name[64];
	int m;

	if (arg) {
		snprintf(err, errlen, "channel type 'pty' takes no argument");
		return -EINVAL;
	}
	m = bsd_pty_open(name, sizeof(name));
	if (m >= 0) {
		chan_make_raw(m);
		c->fd = m;
		c->async = true;
		c->raw_tty = true;
		snprintf(c->desc, sizeof(c->desc), "pty:%.58s", name);
		/* UML announces the master; users open the matching slave. */
		name[5] = 'p';
		chan_announce(minor, name);
		return 0;
	}
	printk("pty: no legacy BSD ptys on this host, using a Unix98 pty\n");
	return pts_open(c, NULL, minor, err, errlen);
}

const struct chan_type chan_pts_type = {
	.name = "pts", .open = pts_open, .release = chan_pty_release,
};
const struct chan_type chan_pty_type = {
	.name = "pty", .open = pty_open, .release = chan_pty_release,
};
