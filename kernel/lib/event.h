/* The kernel's event sources besides guest stops: host file descriptors
 * (consoles, sockets) and timers. The scheduler's loop polls them. */
#ifndef LIB_EVENT_H
#define LIB_EVENT_H
#include <stdint.h>
#include "lib/list.h"

typedef void (*event_fd_cb)(int fd, short revents, void *arg);

/* Watch a host fd for poll() events; replaces an existing watch. */
int event_watch_fd(int fd, short events, event_fd_cb cb, void *arg);
void event_unwatch_fd(int fd);

struct ktimer {
	uint64_t deadline;		/* ktime_ns() */
	void (*fn)(struct ktimer *t);
	struct list node;
	int armed;
};

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t));
void ktimer_arm(struct ktimer *t, uint64_t deadline_ns);
void ktimer_cancel(struct ktimer *t);

/* For the scheduler: poll the fds (plus extra_fd, whose readiness is
 * returned) for at most timeout_ms (-1 = until the next timer or forever),
 * run fd callbacks and expired timers. Returns 1 if extra_fd is ready. */
int event_poll(int extra_fd, int timeout_ms);
/* Run timers whose deadline has passed. */
void ktimer_run_expired(void);
#endif
