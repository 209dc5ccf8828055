/* Channels over plain host files: existing fds ("fd:N"), host terminals
 * ("tty:<dev>"), "null" and "file:<path>" (output appended to a host
 * file). A host terminal is put in raw mode so every key (^C included)
 * reaches the guest's line discipline; it is restored on every exit path
 * through tty_restore_host(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "tty/chan.h"

/* Host terminals we changed, restored in reverse order. */
#define MAX_SAVED 8
static struct {
	int fd;
	dev_t rdev;
	struct termios t;
} saved[MAX_SAVED];
static volatile int nr_saved;

void tty_restore_host(void)
{
	for (int i = nr_saved - 1; i >= 0; i--)
		tcsetattr(saved[i].fd, TCSANOW, &saved[i].t);
	chan_xterm_kill_all();
}

/* cfmakeraw leaves ISIG off, so ^C and ^Z are bytes for the guest. */
void chan_make_raw(int fd)
{
	struct termios t;
	struct stat st;

	if (!isatty(fd) || fstat(fd, &st) || nr_saved == MAX_SAVED)
		return;
	for (int i = 0; i < nr_saved; i++)
		if (saved[i].rdev == st.st_rdev)
			return;		/* the same terminal, already raw */
	if (tcgetattr(fd, &t))
		return;
	saved[nr_saved].fd = fd;
	saved[nr_saved].rdev = st.st_rdev;
	saved[nr_saved].t = t;
	nr_saved++;
	if (nr_saved == 1)
		atexit(tty_restore_host);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(fd, TCSANOW, &t);
}

static int fd_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	char *end;
	long n;

	if (!arg || !*arg) {
		snprintf(err, errlen, "fd_init : channel type 'fd' must specify a file descriptor");
		return -EINVAL;
	}
	n = strtol(arg, &end, 10);
	if (*end || n < 0 || n > 65535) {
		snprintf(err, errlen, "fd_init : couldn't parse file descriptor '%s'", arg);
		return -EINVAL;
	}
	if (fcntl(n, F_GETFD) < 0) {
		snprintf(err, errlen, "fd:%ld: host file descriptor %ld is not open", n, n);
		return -EBADF;
	}
	c->fd = n;
	chan_make_raw(n);
	c->raw_tty = isatty(n);
	snprintf(c->desc, sizeof(c->desc), "fd:%ld", n);
	return 0;
}

static int tty_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "tty_init : channel type 'tty' must specify a device");
		return -EINVAL;
	}
	c->fd = open(arg, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "tty:%s: %s", arg, strerror(e));
		return -e;
	}
	chan_make_raw(c->fd);
	c->raw_tty = isatty(c->fd);
	snprintf(c->desc, sizeof(c->desc), "tty:%s", arg);
	return 0;
}

static int null_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	if (arg) {
		snprintf(err, errlen, "channel type 'null' takes no argument");
		return -EINVAL;
	}
	snprintf(c->desc, sizeof(c->desc), "null");
	return 0;
}

/* Output only: as an input channel it never delivers data. */
static int file_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "channel type 'file' must specify a host path");
		return -EINVAL;
	}
	c->fd = open(arg, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "file:%s: %s", arg, strerror(e));
		return -e;
	}
	c->no_input = true;
	snprintf(c->desc, sizeof(c->desc), "file:%s", arg);
	return 0;
}

const struct chan_type chan_fd_type = { .name = "fd", .open = fd_open };
/* tty: and file: opened their fd themselves. */
static void own_fd_release(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
}

const struct chan_type chan_tty_type = {
	.name = "tty", .open = tty_open, .release = own_fd_release,
};
const struct chan_type chan_null_type = { .name = "null", .open = null_open };
const struct chan_type chan_file_type = {
	.name = "file", .open = file_open, .release = own_fd_release,
};
