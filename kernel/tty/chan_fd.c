/* Host channels for consoles and serial lines: existing host fds ("fd:N",
 * "tty:<dev>") and "null". A host terminal is put in raw mode so every key
 * (^C included) reaches the guest's line discipline; it is restored on
 * every exit path through tty_restore_host(). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "lib/event.h"
#include "lib/log.h"
#include "tty/tty.h"

struct chan {
	struct tty *tty;
	int in_fd, out_fd;		/* -1 = null */
	bool out_is_tty;
	bool eof;			/* host input ended */
	bool watching;
	/* Host input the ldisc could not take yet (full buffer). */
	char pend[1024];
	size_t pend_off, pend_len;
};

/* Host terminals we changed, restored in reverse order. */
#define MAX_SAVED 8
static struct {
	int fd;
	dev_t rdev;
	struct termios t;
} saved[MAX_SAVED];
static volatile int nr_saved;
static bool console_hooked;

void tty_restore_host(void)
{
	for (int i = nr_saved - 1; i >= 0; i--)
		tcsetattr(saved[i].fd, TCSANOW, &saved[i].t);
}

/* cfmakeraw leaves ISIG off, so ^C and ^Z are bytes for the guest. */
static void make_raw(int fd)
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

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };

				poll(&p, 1, -1);
				continue;
			}
			return;		/* host side gone: output is lost */
		}
		buf += w;
		n -= w;
	}
}

static void chan_write(struct tty *tty, const char *buf, size_t n)
{
	struct chan *c = tty->driver_data;

	if (c->out_fd >= 0)
		write_all(c->out_fd, buf, n);
}

static void chan_input(int fd, short revents, void *arg);

static void set_watch(struct chan *c, bool on)
{
	if (on == c->watching || c->in_fd < 0)
		return;
	if (on)
		event_watch_fd(c->in_fd, POLLIN, chan_input, c);
	else
		event_unwatch_fd(c->in_fd);
	c->watching = on;
}

/* Hand held input to the ldisc; watch the host fd only when all of it
 * was taken, so a slow guest throttles the host side. */
static void chan_push(struct chan *c)
{
	if (c->pend_len) {
		size_t took = tty_receive(c->tty, c->pend + c->pend_off, c->pend_len);

		c->pend_off += took;
		c->pend_len -= took;
		if (c->pend_len) {
			set_watch(c, false);
			return;
		}
	}
	if (c->eof) {
		set_watch(c, false);
		if (!c->tty->ld.hung_up)
			tty_input_hangup(c->tty);
		return;
	}
	set_watch(c, true);
}

static void chan_input(int fd, short revents, void *arg)
{
	struct chan *c = arg;
	ssize_t n;

	if (!c->pend_len) {
		if (revents & POLLNVAL) {
			n = 0;
		} else {
			n = read(fd, c->pend, sizeof(c->pend));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
		}
		if (n <= 0) {
			c->eof = true;	/* EOF, or EIO from a vanished terminal */
		} else {
			c->pend_off = 0;
			c->pend_len = n;
		}
	}
	chan_push(c);
}

static void chan_unthrottle(struct tty *tty)
{
	struct chan *c = tty->driver_data;

	if (c->pend_len || (c->eof && !tty->ld.hung_up))
		chan_push(c);
}

static const struct tty_driver_ops chan_ops = {
	.write = chan_write,
	.unthrottle = chan_unthrottle,
};

static void chan_winch(struct chan *c)
{
	int fd = c->out_is_tty ? c->out_fd :
		 (c->in_fd >= 0 && isatty(c->in_fd)) ? c->in_fd : -1;
	struct winsize ws;

	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) || !ws.ws_row || !ws.ws_col)
		return;
	tty_set_winsize(c->tty, &ws);
}

void tty_host_winch(void)
{
	for (int i = 0; i < TTY_NR_MINORS; i++) {
		struct tty *tty = tty_lookup(i);

		if (tty && tty->ops == &chan_ops)
			chan_winch(tty->driver_data);
	}
}

/* Kernel messages: the console line's host fd, CR LF on a raw terminal. */
void tty_console_write_kernel(const char *buf, size_t len)
{
	struct tty *tty = tty_console();
	struct chan *c = tty && tty->ops == &chan_ops ? tty->driver_data : NULL;
	int fd = c ? c->out_fd : 2;
	bool crlf = c ? c->out_is_tty : isatty(2);
	size_t start = 0;

	if (fd < 0)
		return;
	if (!crlf) {
		write_all(fd, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n' || (i > 0 && buf[i - 1] == '\r'))
			continue;
		write_all(fd, buf + start, i - start);
		write_all(fd, "\r", 1);
		start = i;
	}
	write_all(fd, buf + start, len - start);
}

/* Does another line already read this host fd? (con=fd:0,fd:1 names the
 * same fd for all consoles; the first line gets the input.) */
static bool input_taken(int fd)
{
	for (int i = 0; i < TTY_NR_MINORS; i++) {
		struct tty *tty = tty_lookup(i);

		if (tty && tty->ops == &chan_ops &&
		    ((struct chan *)tty->driver_data)->in_fd == fd)
			return true;
	}
	return false;
}

static int line_setup(int minor, int in_fd, int out_fd)
{
	struct chan *c = calloc(1, sizeof(*c));
	struct tty *tty;

	if (!c)
		return -ENOMEM;
	if (in_fd >= 0 && input_taken(in_fd))
		in_fd = -1;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	tty = tty_register(minor, &chan_ops, c);
	if (!tty) {
		free(c);
		return tty_lookup(minor) ? -EEXIST : -EINVAL;
	}
	c->tty = tty;
	if (in_fd >= 0)
		make_raw(in_fd);
	if (out_fd >= 0) {
		make_raw(out_fd);
		c->out_is_tty = isatty(out_fd);
	}
	chan_winch(c);
	set_watch(c, true);
	if (!console_hooked) {
		console_hooked = true;
		log_set_console(tty_console_write_kernel);
	}
	return 0;
}

int tty_console_setup(int index, int in_fd, int out_fd)
{
	if (index < 0 || index >= TTY_NR_CONSOLES)
		return -EINVAL;
	return line_setup(index, in_fd, out_fd);
}

int tty_serial_setup(int index, int in_fd, int out_fd)
{
	if (index < 0 || index >= TTY_NR_SERIAL)
		return -EINVAL;
	return line_setup(TTY_SERIAL_BASE + index, in_fd, out_fd);
}

/* One channel of a spec: "fd:N", "null" or "tty:<dev>". *fd = -1 for null. */
static int parse_chan(const char *s, size_t len, int *fd)
{
	char word[256];
	char *end;
	long n;

	if (len >= sizeof(word))
		return -EINVAL;
	memcpy(word, s, len);
	word[len] = 0;
	if (!strcmp(word, "null")) {
		*fd = -1;
		return 0;
	}
	if (!strncmp(word, "fd:", 3)) {
		n = strtol(word + 3, &end, 10);
		if (end == word + 3 || *end || n < 0 || n > 65535)
			return -EINVAL;
		if (fcntl(n, F_GETFD) < 0)
			return -EBADF;
		*fd = n;
		return 0;
	}
	if (!strncmp(word, "tty:", 4)) {
		*fd = open(word + 4, O_RDWR | O_NOCTTY | O_CLOEXEC);
		return *fd < 0 ? -errno : 0;
	}
	if (!strncmp(word, "port:", 5) || !strcmp(word, "pty") ||
	    !strcmp(word, "pts") || !strcmp(word, "xterm"))
		return -ENOSYS;		/* known to UML, not implemented here */
	return -EINVAL;
}

int tty_line_setup_spec(int minor, const char *spec)
{
	const char *comma = strchr(spec, ',');
	int in_fd, out_fd, r;

	if (!strcmp(spec, "none"))
		return 0;
	if (comma) {
		r = parse_chan(spec, comma - spec, &in_fd);
		if (!r)
			r = parse_chan(comma + 1, strlen(comma + 1), &out_fd);
	} else {
		r = parse_chan(spec, strlen(spec), &in_fd);
		out_fd = in_fd;
	}
	if (r)
		return r;
	if (minor >= TTY_SERIAL_BASE)
		return tty_serial_setup(minor - TTY_SERIAL_BASE, in_fd, out_fd);
	return tty_console_setup(minor, in_fd, out_fd);
}
