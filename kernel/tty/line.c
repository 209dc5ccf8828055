/* Lines: consoles and serial lines over host channels. This file moves the
 * bytes between a line's channels and its tty, parses con=/ssl= specs and
 * writes kernel messages to the console line. Input is read only while
 * the ldisc has room, so a slow guest throttles the host side; output to
 * ptys and sockets is queued and written as the host takes it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "fs/devfs.h"
#include "lib/event.h"
#include "lib/log.h"
#include "tty/chan.h"
#include "tty/telnet.h"

/* A writer blocks once this much output waits for the host; past the hard
 * limit (echo and kernel messages, which cannot wait) output is dropped. */
#define OUTQ_SOFT	(64 * 1024)
#define OUTQ_HARD	(1024 * 1024)

static bool console_hooked;

static const struct chan_type *const chan_types[] = {
	&chan_fd_type, &chan_tty_type, &chan_null_type, &chan_file_type,
	&chan_pts_type, &chan_pty_type, &chan_port_type, &chan_xterm_type,
};

static struct line *line_of(struct tty *tty);

/* ---- input ----------------------------------------------------------- */

static bool chan_wants_input(struct chan *c)
{
	struct line *l = c->line;

	if (c->fd < 0 || c->host_eof)
		return false;
	if (c->is_in && !c->no_input)
		return !l->pend_len && !l->eof;
	/* Output-only pty or socket: read (and drop) what the user types,
	 * and notice when a client leaves. */
	return c->async;
}

static void chan_event(int fd, short revents, void *arg);

void chan_update_watch(struct chan *c)
{
	short ev = 0;

	if (chan_wants_input(c))
		ev |= POLLIN;
	if (c->async && c->q_len && c->fd >= 0)
		ev |= POLLOUT;
	if (ev == c->watched)
		return;
	if (ev)
		event_watch_fd(c->fd, ev, chan_event, c);
	else
		event_unwatch_fd(c->fd);
	c->watched = ev;
}

/* Hand held input to the ldisc; the fd is watched again only when all of
 * it was taken. */
static void line_push(struct line *l)
{
	if (l->pend_len) {
		size_t took = tty_receive(l->tty, l->pend + l->pend_off, l->pend_len);

		l->pend_off += took;
		l->pend_len -= took;
	}
	if (!l->pend_len && l->eof && !l->tty->ld.hung_up)
		tty_input_hangup(l->tty);
	if (l->in)
		chan_update_watch(l->in);
}

static void chan_host_eof(struct chan *c)
{
	c->host_eof = true;
	if (c->type->eof) {
		c->type->eof(c);
		return;
	}
	if (c->is_in && !c->no_input) {
		c->line->eof = true;	/* EOF, or EIO from a vanished terminal */
		line_push(c->line);
	}
	chan_update_watch(c);
}

static void chan_read(struct chan *c)
{
	struct line *l = c->line;
	unsigned char buf[sizeof(l->pend)];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		chan_host_eof(c);
		return;
	}
	if (c->type->filter)
		n = c->type->filter(c, buf, n);
	if (!n || !c->is_in || c->no_input)
		return;
	memcpy(l->pend, buf, n);
	l->pend_off = 0;
	l->pend_len = n;
	line_push(l);
}

static void chan_event(int fd, short revents, void *arg)
{
	struct chan *c = arg;
	short watched = c->watched;

	if (fd != c->fd)
		return;			/* the fd changed since the poll */
	if (revents & POLLOUT)
		chan_flush(c);
	if (fd != c->fd)
		return;
	if (watched & POLLIN) {
		if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			chan_read(c);
	} else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		chan_host_eof(c);
	}
}

static void line_unthrottle(struct tty *tty)
{
	struct line *l = line_of(tty);

	if (l->pend_len || (l->eof && !tty->ld.hung_up))
		line_push(l);
}

/* ---- output ---------------------------------------------------------- */

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				poll(&pfd, 1, -1);
				continue;
			}
			return;		/* host side gone: output is lost */
		}
		p += w;
		n -= w;
	}
}

static size_t queue_room(struct chan *c)
{
	return c->q_len < OUTQ_HARD ? OUTQ_HARD - c->q_len : 0;
}

static bool queue_reserve(struct chan *c, size_t n)
{
	size_t cap = c->q_cap ? c->q_cap : 4096;
	unsigned char *q;

	if (c->q_len + n <= c->q_cap)
		return true;
	while (cap < c->q_len + n)
		cap *= 2;
	q = realloc(c->q, cap);
	if (!q)
		return false;
	c->q = q;
	c->q_cap = cap;
	return true;
}

void chan_flush(struct chan *c)
{
	bool was_full = c->q_len >= OUTQ_SOFT;
	size_t off = 0;

	while (off < c->q_len && c->fd >= 0) {
		ssize_t w = write(c->fd, c->q + off, c->q_len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			/* The client went away under us. */
			c->q_len = 0;
			off = 0;
			chan_host_eof(c);
			return;
		}
		off += w;
	}
	memmove(c->q, c->q + off, c->q_len - off);
	c->q_len -= off;
	if (was_full && c->q_len < OUTQ_SOFT && c->line)
		waitq_wake_all(&c->line->tty->wq);
	chan_update_watch(c);
}

void chan_queue_raw(struct chan *c, const void *buf, size_t n)
{
	if (n > queue_room(c))
		n = queue_room(c);
	if (!n || !queue_reserve(c, n))
		return;
	memcpy(c->q + c->q_len, buf, n);
	c->q_len += n;
}

static void chan_write(struct chan *c, const char *buf, size_t n)
{
	if (c->async) {
		if (c->type->escape_iac) {
			unsigned char tmp[2048];

			while (n) {
				size_t k = n < sizeof(tmp) / 2 ? n : sizeof(tmp) / 2;

				chan_queue_raw(c, tmp, telnet_escape(buf, k, tmp));
				buf += k;
				n -= k;
			}
		} else {
			chan_queue_raw(c, buf, n);
		}
		chan_flush(c);
	} else if (c->fd >= 0) {
		write_all(c->fd, buf, n);
	}
}

static void line_write(struct tty *tty, const char *buf, size_t n)
{
	struct line *l = line_of(tty);

	if (l->out)
		chan_write(l->out, buf, n);
}

static size_t line_write_room(struct tty *tty)
{
	struct chan *c = line_of(tty)->out;

	if (!c || !c->async)
		return (size_t)-1;
	return c->q_len < OUTQ_SOFT ? OUTQ_SOFT - c->q_len : 0;
}

static const struct tty_driver_ops line_ops = {
	.write = line_write,
	.unthrottle = line_unthrottle,
	.write_room = line_write_room,
};

static struct line *line_of(struct tty *tty)
{
	return tty->driver_data;
}

static struct line *line_lookup(int minor)
{
	struct tty *tty = tty_lookup(minor);

	return tty && tty->ops == &line_ops ? tty->driver_data : NULL;
}

/* ---- host events ------------------------------------------------------ */

void chan_set_fd(struct chan *c, int fd)
{
	if (c->watched)
		event_unwatch_fd(c->fd);
	c->watched = 0;
	c->fd = fd;
	c->host_eof = false;
	if (fd >= 0)
		chan_flush(c);		/* also registers the watch */
}

void chan_hangup(struct chan *c)
{
	struct line *l = c->line;

	c->q_len = 0;
	if (c->is_in) {
		l->pend_len = 0;
		l->pend_off = 0;
	}
	tty_hangup(l->tty);
}

static void chan_winch(struct chan *c)
{
	struct winsize ws;

	if (!c || c->fd < 0 || (c->type != &chan_fd_type && c->type != &chan_tty_type))
		return;
	if (!isatty(c->fd) || ioctl(c->fd, TIOCGWINSZ, &ws) || !ws.ws_row || !ws.ws_col)
		return;
	tty_set_winsize(c->line->tty, &ws);
}

void tty_host_winch(void)
{
	for (int i = 0; i < TTY_NR_MINORS; i++) {
		struct line *l = line_lookup(i);

		if (l) {
			chan_winch(l->out);
			if (l->in != l->out)
				chan_winch(l->in);
		}
	}
}

/* ---- kernel messages -------------------------------------------------- */

static struct chan *console_out(void)
{
	struct tty *tty = tty_console();

	return tty && tty->ops == &line_ops ? line_of(tty)->out : NULL;
}

bool chan_console_is(int fd)
{
	struct chan *c = console_out();
	struct stat a, b;

	if (!c)
		return fd == 2 || (isatty(fd) && isatty(2));
	if (c->async || c->fd < 0)
		return false;
	if (c->fd == fd)
		return true;
	if (fstat(c->fd, &a) || fstat(fd, &b))
		return false;
	if (S_ISCHR(a.st_mode) && S_ISCHR(b.st_mode))
		return a.st_rdev == b.st_rdev;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The console line's host side, CR LF on a raw terminal. */
void tty_console_write_kernel(const char *buf, size_t len)
{
	struct chan host_stderr = { .fd = 2 };
	struct chan *c = console_out();
	bool crlf = c ? c->raw_tty : isatty(2);
	size_t start = 0;

	if (!c)
		c = &host_stderr;	/* no console line (yet) */
	if (!c->async && c->fd < 0)
		return;
	if (!crlf) {
		chan_write(c, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n' || (i > 0 && buf[i - 1] == '\r'))
			continue;
		chan_write(c, buf + start, i - start);
		chan_write(c, "\r", 1);
		start = i;
	}
	chan_write(c, buf + start, len - start);
}

void chan_announce(int minor, const char *dev)
{
	char msg[128];

	if (minor >= TTY_SERIAL_BASE)
		snprintf(msg, sizeof(msg), "Serial line %d assigned device '%s'\n",
			 minor - TTY_SERIAL_BASE, dev);
	else
		snprintf(msg, sizeof(msg), "Virtual console %d assigned device '%s'\n",
			 minor, dev);
	printk("%s", msg);
	if (!chan_console_is(2))
		host_msg("%s", msg);
}

/* ---- setup ------------------------------------------------------------ */

/* Does another line already read this host fd? (con=fd:0,fd:1 names the
 * same fd for all consoles; the first line gets the input.) */
static bool input_taken(int fd)
{
	for (int i = 0; i < TTY_NR_MINORS; i++) {
		struct line *l = line_lookup(i);

		if (l && l->in && !l->in->no_input && !l->in->async && l->in->fd == fd)
			return true;
	}
	return false;
}

static void chan_free(struct chan *c)
{
	if (!c)
		return;
	if (c->type && c->type->release)
		c->type->release(c);
	free(c->q);
	free(c);
}

/* One channel of a spec: "<type>[:<arg>]". */
static int chan_parse(const char *s, size_t len, int minor, struct chan **res,
		      char *err, size_t errlen)
{
	char word[256];
	const char *arg;
	struct chan *c;
	size_t nlen;
	int r;

	if (len >= sizeof(word)) {
		snprintf(err, errlen, "channel description too long");
		return -EINVAL;
	}
	memcpy(word, s, len);
	word[len] = 0;
	arg = strchr(word, ':');
	nlen = arg ? (size_t)(arg - word) : len;
	if (arg)
		arg++;
	for (size_t i = 0; i < sizeof(chan_types) / sizeof(chan_types[0]); i++) {
		const struct chan_type *t = chan_types[i];

		if (strlen(t->name) != nlen || strncmp(word, t->name, nlen))
			continue;
		c = calloc(1, sizeof(*c));
		if (!c) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		c->type = t;
		c->fd = -1;
		c->aux_fd = -1;
		r = t->open(c, arg, minor, err, errlen);
		if (r) {
			chan_free(c);
			return r;
		}
		*res = c;
		return 0;
	}
	snprintf(err, errlen, "No match for configured backends");
	return -EINVAL;
}

static void add_dev_node(int minor)
{
	char name[16];

	if (minor >= TTY_SERIAL_BASE)
		snprintf(name, sizeof(name), "ttyS%d", minor - TTY_SERIAL_BASE);
	else
		snprintf(name, sizeof(name), "tty%d", minor);
	/* devtmpfs has tty0-15 and ttyS0-3 already: -EEXIST is fine. */
	devfs_add_node(name, S_IFCHR | (minor >= TTY_SERIAL_BASE ? 0660 : 0620),
		       makedev(TTY_MAJOR, minor));
}

static int line_create(int minor, struct chan *in, struct chan *out,
		       char *err, size_t errlen)
{
	struct line *l = calloc(1, sizeof(*l));
	struct tty *tty;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (in && !in->async && in->fd >= 0 && input_taken(in->fd))
		in->no_input = true;
	tty = tty_register(minor, &line_ops, l);
	if (!tty) {
		free(l);
		snprintf(err, errlen, tty_lookup(minor) ? "line already configured" :
			 "no such line");
		return tty_lookup(minor) ? -EEXIST : -EINVAL;
	}
	l->tty = tty;
	l->in = in;
	l->out = out;
	if (in) {
		in->line = l;
		in->is_in = true;
	}
	if (out) {
		out->line = l;
		out->is_out = true;
	}
	chan_winch(out);
	if (in != out)
		chan_winch(in);
	if (in)
		chan_update_watch(in);
	if (out && out != in)
		chan_update_watch(out);
	add_dev_node(minor);
	if (!console_hooked) {
		console_hooked = true;
		log_set_console(tty_console_write_kernel);
	}
	return 0;
}

int tty_line_config(int minor, const char *spec, char *err, size_t errlen)
{
	const char *comma = strchr(spec, ',');
	struct chan *in = NULL, *out = NULL;
	int r;

	snprintf(err, errlen, "unknown error");
	if (!strcmp(spec, "none"))
		return 0;
	if (comma) {
		r = chan_parse(spec, comma - spec, minor, &in, err, errlen);
		if (!r) {
			r = chan_parse(comma + 1, strlen(comma + 1), minor, &out, err, errlen);
			if (r)
				chan_free(in);	/* nothing was registered yet */
		}
	} else {
		r = chan_parse(spec, strlen(spec), minor, &in, err, errlen);
		out = in;
	}
	if (r)
		return r;
	r = line_create(minor, in, out, err, errlen);
	if (r) {
		chan_free(in);
		if (out != in)
			chan_free(out);
	}
	return r;
}

int tty_line_setup_spec(int minor, const char *spec)
{
	char err[200];
	int r = tty_line_config(minor, spec, err, sizeof(err));

	if (r)
		printk_level(KERN_ERR, "Failed to set up %s %d with configuration string "
			     "\"%s\" : %s\n",
			     minor >= TTY_SERIAL_BASE ? "serial line" : "console",
			     minor >= TTY_SERIAL_BASE ? minor - TTY_SERIAL_BASE : minor,
			     spec, err);
	return r;
}

static struct chan *fd_chan(int fd)
{
	struct chan *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->aux_fd = -1;
	if (fd < 0) {
		c->type = &chan_null_type;
		c->fd = -1;
		snprintf(c->desc, sizeof(c->desc), "null");
		return c;
	}
	c->type = &chan_fd_type;
	c->fd = fd;
	chan_make_raw(fd);
	c->raw_tty = isatty(fd);
	snprintf(c->desc, sizeof(c->desc), "fd:%d", fd);
	return c;
}

static int fds_setup(int minor, int in_fd, int out_fd)
{
	struct chan *in = fd_chan(in_fd), *out = in_fd == out_fd ? in : fd_chan(out_fd);
	char err[100];
	int r;

	if (!in || !out) {
		chan_free(in);
		if (out != in)
			chan_free(out);
		return -ENOMEM;
	}
	r = line_create(minor, in, out, err, sizeof(err));
	if (r) {
		chan_free(in);
		if (out != in)
			chan_free(out);
	}
	return r;
}

int tty_console_setup(int index, int in_fd, int out_fd)
{
	if (index < 0 || index >= TTY_NR_CONSOLES)
		return -EINVAL;
	return fds_setup(index, in_fd, out_fd);
}

int tty_serial_setup(int index, int in_fd, int out_fd)
{
	if (index < 0 || index >= TTY_NR_SERIAL)
		return -EINVAL;
	return fds_setup(TTY_SERIAL_BASE + index, in_fd, out_fd);
}

int tty_line_describe(int minor, char *buf, size_t len)
{
	struct line *l = line_lookup(minor);

	if (!l)
		return -ENODEV;
	if (l->in == l->out)
		snprintf(buf, len, "%s", l->in->desc);
	else
		snprintf(buf, len, "%s,%s", l->in->desc, l->out->desc);
	return 0;
}
