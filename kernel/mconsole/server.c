/* The mconsole socket: receive requests in the event loop, check them,
 * dispatch by UML's prefix match and send the replies (uml-compat.md §3).
 * Also the notify socket and the exit paths that remove the umid
 * directory. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "cmdline.h"
#include "lib/event.h"
#include "lib/log.h"
#include "task/sched.h"
#include "mconsole/mconsole.h"
#include "mconsole/internal.h"

/* A client that does not drain its queue holds the kernel at most this
 * long per request; then the rest of that reply is dropped. */
#define REPLY_SEND_TIMEOUT_MS 2000

static int sock_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct sockaddr_un notify_addr;
static bool notify_set;

typedef void (*mc_handler)(struct mc_request *r);

static const mc_handler handlers[MC_NR_COMMANDS] = {
	[MC_VERSION] = mc_cmd_version,
	[MC_HALT] = mc_cmd_halt,
	[MC_REBOOT] = mc_cmd_reboot,
	[MC_CONFIG] = mc_cmd_config,
	[MC_REMOVE] = mc_cmd_remove,
	[MC_SYSRQ] = mc_cmd_sysrq,
	[MC_HELP] = mc_cmd_help,
	[MC_CAD] = mc_cmd_cad,
	[MC_STOP] = mc_cmd_stop,
	[MC_GO] = mc_cmd_go,
	[MC_LOG] = mc_cmd_log,
	[MC_PROC] = mc_cmd_proc,
	[MC_STACK] = mc_cmd_stack,
};

/* One datagram; a full receiver queue is waited for (SO_SNDTIMEO) so the
 * final packet of a long reply is not lost (uml-compat.md §3.8). */
static void send_packet(struct mc_request *r, const void *buf, size_t len)
{
	if (r->dead)
		return;
	while (sendto(r->fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&r->from,
		      r->fromlen) < 0) {
		if (errno == EINTR)
			continue;
		/* Gone, unbound or stuck: the rest of the reply would fail too. */
		r->dead = true;
		return;
	}
}

void mc_reply(struct mc_request *r, const char *text, int32_t err, int more)
{
	struct mconsole_reply rep;
	size_t left = strlen(text);
	int first = 1;

	do {
		size_t n = mconsole_fill_reply(&rep, &text, &left, first, err, more);
		send_packet(r, &rep, n);
		first = 0;
	} while (left);
}

void mc_reply_log_since(struct mc_request *r, unsigned long seq)
{
	char rec[512];

	for (; seq < log_seq(); seq++) {
		ssize_t n = log_read_record(seq, rec, sizeof(rec));
		char *text = n > 0 ? strchr(rec, ';') : NULL;
		if (text)
			mc_reply(r, text + 1, 0, 1);
	}
	mc_reply(r, "", 0, 0);
}

void mc_dispatch(struct mc_request *r)
{
	const char *cmd = r->req.data;
	size_t n;
	int i = mc_command_lookup(cmd, &n);

	if (i < 0) {
		mc_err(r, "Unknown command");
		return;
	}
	r->args = cmd + n;
	while (isspace((unsigned char)*r->args))
		r->args++;
	handlers[i](r);
}

/* Receive and run one request; false when the queue is empty. */
static bool serve_one(int fd)
{
	union {
		struct mconsole_request req;
		char raw[sizeof(struct mconsole_request) + 1];
	} buf;
	struct mc_request r = { .fd = fd, .fromlen = sizeof(r.from) };
	const char *error;
	ssize_t n;

	n = recvfrom(fd, &buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&r.from,
		     &r.fromlen);
	if (n < 0)
		return errno == EINTR;
	/* An unbound client cannot be answered, so its request is dropped. */
	if (r.fromlen <= sizeof(sa_family_t))
		return true;
	switch (mconsole_decode_request(&buf, n, &r.req, &error)) {
	case MC_REQ_NO_MAGIC:
		send_packet(&r, error, strlen(error));
		return true;
	case MC_REQ_REJECT:
		mc_err(&r, error);
		return true;
	case MC_REQ_BAD_VERSION:
		mc_err(&r, error);
		break;
	case MC_REQ_OK:
		break;
	}
	mc_dispatch(&r);
	return true;
}

static void sock_ready(int fd, short revents, void *arg)
{
	/* Serve what is queued, but give the guests a turn now and then. */
	for (int i = 0; i < 16 && !mc_stopped(); i++) {
		if (!serve_one(fd))
			break;
	}
}

/* The stop loop: only the mconsole is served, synchronously; timers,
 * consoles and guest stops wait. A host SIGTERM/SIGINT/SIGHUP ends the
 * stop so the main loop can halt. */
void mc_stop_loop(struct mc_request *r)
{
	sigset_t pending;

	while (mc_stopped() && !sched_halting()) {
		struct pollfd pfd = { sock_fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) > 0)
			serve_one(sock_fd);
		sigpending(&pending);
		if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
		    sigismember(&pending, SIGHUP)) {
			printk_level(KERN_NOTICE, "mconsole: host signal while stopped, resuming\n");
			mc_set_stopped(false);
		}
	}
	mc_set_stopped(false);
}

static int notify(int type, const void *data, size_t len)
{
	struct mconsole_notify m;
	size_t n;
	int fd, ret = 0;

	if (!notify_set)
		return -ENOTCONN;
	n = mconsole_fill_notify(&m, type, data, len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &m, n, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&notify_addr,
		   sizeof(notify_addr)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int mconsole_notify_user(const void *buf, size_t len)
{
	return notify(MCONSOLE_NOTIFY_USER, buf, len);
}

int mconsole_notify_enabled(void)
{
	return notify_set;
}

/* A crash (panic aborts): tell the notify socket and remove the
 * directory; the caller then dies of the signal. */
void mconsole_crash(int sig)
{
	if (sig == SIGABRT && notify_set) {
		/* panic() logged its message last. */
		char rec[512] = "0,0,0,-;Kernel panic", *msg;
		if (log_seq() && log_read_record(log_seq() - 1, rec, sizeof(rec)) <= 0)
			strcpy(rec, "0,0,0,-;Kernel panic");
		msg = strchr(rec, ';') + 1;
		msg[strcspn(msg, "\n")] = 0;
		notify(MCONSOLE_NOTIFY_PANIC, msg, strlen(msg) + 1);
	}
	umid_remove_crash();
}

static void at_exit(void)
{
	mconsole_shutdown();
}

static int open_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { REPLY_SEND_TIMEOUT_MS / 1000, (REPLY_SEND_TIMEOUT_MS % 1000) * 1000 };
	int fd;

	if ((size_t)snprintf(sock_path, sizeof(sock_path), "%smconsole", umid_dir()) >=
	    sizeof(sock_path)) {
		printk_level(KERN_ERR, "mconsole: socket path \"%smconsole\" is longer than %zu "
			     "bytes; no mconsole\n", umid_dir(), sizeof(sock_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;
		printk_level(KERN_ERR, "mconsole: cannot bind \"%s\": %s\n", sock_path,
			     strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static void setup_notify(const char *path)
{
	if (strlen(path) >= sizeof(notify_addr.sun_path)) {
		printk_level(KERN_ERR, "mconsole: notify socket path \"%s\" is too long\n", path);
		return;
	}
	notify_addr.sun_family = AF_UNIX;
	strcpy(notify_addr.sun_path, path);
	notify_set = true;
}

int mconsole_init(const struct boot_config *cfg)
{
	char err[4400];
	int ret = umid_claim(cfg, err, sizeof(err));

	if (ret == -EBUSY || ret == -EINVAL) {
		fprintf(stderr, "linux: %s\n", err);
		return -1;
	}
	if (ret < 0) {
		/* A read-only home should not keep the machine from booting. */
		fprintf(stderr, "linux: %s; running without a umid directory and mconsole\n",
			err);
		return 0;
	}
	atexit(at_exit);
	if (cfg->mconsole_notify)
		setup_notify(cfg->mconsole_notify);
	if (notify_set)
		mc_register_proc_file();
	sock_fd = open_socket();
	if (sock_fd < 0)
		return 0;
	event_watch_fd(sock_fd, POLLIN, sock_ready, NULL);
	printk("mconsole (version %d) initialized on %s\n", MCONSOLE_VERSION, sock_path);
	notify(MCONSOLE_NOTIFY_SOCKET, sock_path, strlen(sock_path) + 1);
	return 0;
}

void mconsole_shutdown(void)
{
	if (sock_fd >= 0) {
		event_unwatch_fd(sock_fd);
		close(sock_fd);
		sock_fd = -1;
	}
	umid_remove();
}
