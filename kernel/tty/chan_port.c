/* port:N channels: a TCP server on 127.0.0.1:N speaking just enough
 * telnet for char-at-a-time clients, run in the kernel's event loop
 * (UML runs in.telnetd and port-helper instead). Several lines may share
 * a port: each takes one client. A line exists from boot; output waits in
 * its queue until a client connects, and the guest tty is hung up when
 * the client leaves. A client arriving when every line is taken gets a
 * banner and waits for a line to become free. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lib/event.h"
#include "lib/log.h"
#include "tty/chan.h"
#include "tty/telnet.h"

#define PORT_MAX_LINES	TTY_NR_MINORS
#define PORT_MAX_WAITING 16

struct port {
	int number;
	int listen_fd;
	struct chan *lines[PORT_MAX_LINES];
	int nlines;
	int waiting[PORT_MAX_WAITING];	/* clients with no line yet, oldest first */
	int nwaiting;
	struct port *next;
};

struct port_chan {
	struct port *port;
	struct telnet tn;
};

static struct port *ports;

static const char banner[] =
	"\r\n****\r\n"
	"No umlinux console or serial line is waiting for a connection on this\r\n"
	"port. Stay connected to get the next one that becomes free, or give the\r\n"
	"guest more lines (conN=port:P, sslN=port:P) with a getty on each in its\r\n"
	"/etc/inittab.\r\n"
	"****\r\n";

static void port_give(struct chan *c, int fd)
{
	struct port_chan *pc = c->priv;
	int one = 1;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	telnet_init(&pc->tn);
	/* The negotiation goes out before anything the guest queued. */
	if (send(fd, telnet_greeting, sizeof(telnet_greeting), MSG_NOSIGNAL) < 0) {
		close(fd);
		return;
	}
	chan_set_fd(c, fd);
}

/* A waiting client sends nothing we want; its leaving frees its slot. */
static void waiting_event(int fd, short revents, void *arg)
{
	struct port *p = arg;
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	event_unwatch_fd(fd);
	close(fd);
	for (int i = 0; i < p->nwaiting; i++) {
		if (p->waiting[i] == fd) {
			memmove(p->waiting + i, p->waiting + i + 1,
				(p->nwaiting - i - 1) * sizeof(int));
			p->nwaiting--;
			break;
		}
	}
}

static void port_accept(int lfd, short revents, void *arg)
{
	struct port *p = arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < p->nlines; i++) {
		if (p->lines[i]->fd < 0) {
			port_give(p->lines[i], fd);
			return;
		}
	}
	if (p->nwaiting == PORT_MAX_WAITING ||
	    send(fd, banner, sizeof(banner) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		close(fd);
		return;
	}
	p->waiting[p->nwaiting++] = fd;
	event_watch_fd(fd, POLLIN, waiting_event, p);
}

/* The client left: hang up the guest side, then serve the next client. */
static void port_eof(struct chan *c)
{
	struct port *p = ((struct port_chan *)c->priv)->port;
	int fd = c->fd;

	chan_set_fd(c, -1);
	close(fd);
	if (c->line)
		chan_hangup(c);
	if (p->nwaiting) {
		int next = p->waiting[0];

		event_unwatch_fd(next);
		memmove(p->waiting, p->waiting + 1, --p->nwaiting * sizeof(int));
		port_give(c, next);
	}
}

static size_t port_filter(struct chan *c, unsigned char *buf, size_t n)
{
	struct port_chan *pc = c->priv;
	unsigned char reply[96];
	size_t rlen = 0;

	n = telnet_input(&pc->tn, buf, n, reply, &rlen, sizeof(reply));
	if (rlen) {
		chan_queue_raw(c, reply, rlen);
		chan_flush(c);
	}
	if (pc->tn.winsize_changed && c->line) {
		struct winsize ws = { .ws_row = pc->tn.rows, .ws_col = pc->tn.cols };

		pc->tn.winsize_changed = false;
		if (ws.ws_row && ws.ws_col)
			tty_set_winsize(c->line->tty, &ws);
	}
	return n;
}

static int port_listen(int number, char *err, size_t errlen)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(number),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1, fd, e;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "port:%d: socket: %s", number, strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8)) {
		e = errno;
		snprintf(err, errlen, "port:%d: cannot listen on 127.0.0.1:%d: %s",
			 number, number, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

static int port_open(struct chan *c, const char *arg, int minor, char *err, size_t errlen)
{
	struct port_chan *pc;
	struct port *p;
	char *end;
	long n;

	if (!arg || !*arg) {
		snprintf(err, errlen, "port_init : channel type 'port' must specify a port number");
		return -EINVAL;
	}
	n = strtol(arg, &end, 10);
	if (*end || n < 1 || n > 65535) {
		snprintf(err, errlen, "port_init : couldn't parse port '%s'", arg);
		return -EINVAL;
	}
	for (p = ports; p && p->number != n; p = p->next)
		;
	if (!p) {
		int fd = port_listen(n, err, errlen);

		if (fd < 0)
			return fd;
		p = calloc(1, sizeof(*p));
		if (!p) {
			close(fd);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		p->number = n;
		p->listen_fd = fd;
		p->next = ports;
		ports = p;
		event_watch_fd(fd, POLLIN, port_accept, p);
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc || p->nlines == PORT_MAX_LINES) {
		free(pc);
		snprintf(err, errlen, "port:%ld: too many lines", n);
		return -ENOMEM;
	}
	pc->port = p;
	telnet_init(&pc->tn);
	c->priv = pc;
	c->async = true;
	c->raw_tty = true;
	/* Registered now, so the line is served once it exists: a client
	 * before that (none: the loop is not running yet) would find
	 * c->line NULL. The kernel never removes lines. */
	p->lines[p->nlines++] = c;
	snprintf(c->desc, sizeof(c->desc), "port:%ld", n);
	printk("%s %d listening on 127.0.0.1:%ld\n",
	       minor >= TTY_SERIAL_BASE ? "Serial line" : "Virtual console",
	       minor >= TTY_SERIAL_BASE ? minor - TTY_SERIAL_BASE : minor, n);
	return 0;
}

static void port_release(struct chan *c)
{
	struct port_chan *pc = c->priv;
	struct port *p;

	if (!pc)
		return;		/* open failed before registering */
	p = pc->port;
	for (int i = 0; i < p->nlines; i++) {
		if (p->lines[i] == c) {
			p->lines[i] = p->lines[--p->nlines];
			break;
		}
	}
	free(pc);
	/* The listening socket stays: another line may name the port later. */
}

const struct chan_type chan_port_type = {
	.name = "port",
	.open = port_open,
	.release = port_release,
	.filter = port_filter,
	.eof = port_eof,
	.escape_iac = true,
};
