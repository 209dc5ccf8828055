#include <poll.h>
#include <stdlib.h>
#include <errno.h>
#include "lib/event.h"
#include "lib/ktime.h"

struct fd_watch {
	int fd;
	short events;
	event_fd_cb cb;
	void *arg;
};

static struct fd_watch *watches;
static int nr_watches, cap_watches;
static struct list timers = LIST_INIT(timers);

int event_watch_fd(int fd, short events, event_fd_cb cb, void *arg)
{
	for (int i = 0; i < nr_watches; i++) {
		if (watches[i].fd == fd) {
			watches[i] = (struct fd_watch){ fd, events, cb, arg };
			return 0;
		}
	}
	if (nr_watches == cap_watches) {
		int cap = cap_watches ? cap_watches * 2 : 16;
		struct fd_watch *w = realloc(watches, cap * sizeof(*w));
		if (!w)
			return -ENOMEM;
		watches = w;
		cap_watches = cap;
	}
	watches[nr_watches++] = (struct fd_watch){ fd, events, cb, arg };
	return 0;
}

void event_unwatch_fd(int fd)
{
	for (int i = 0; i < nr_watches; i++) {
		if (watches[i].fd == fd) {
			watches[i] = watches[--nr_watches];
			return;
		}
	}
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t))
{
	t->fn = fn;
	t->armed = 0;
	list_init(&t->node);
}

/* Timers are kept sorted by deadline; there are few of them. */
void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
	struct list *pos;

	ktimer_cancel(t);
	t->deadline = deadline_ns;
	list_for_each(pos, &timers) {
		if (list_entry(pos, struct ktimer, node)->deadline > deadline_ns)
			break;
	}
	list_add_tail(&t->node, pos);
	t->armed = 1;
}

void ktimer_cancel(struct ktimer *t)
{
	if (t->armed) {
		list_del(&t->node);
		t->armed = 0;
	}
}

void ktimer_run_expired(void)
{
	uint64_t now = ktime_ns();

	while (!list_empty(&timers)) {
		struct ktimer *t = list_entry(timers.next, struct ktimer, node);
		if (t->deadline > now)
			break;
		ktimer_cancel(t);
		t->fn(t);
	}
}

static int still_watched(const struct fd_watch *w)
{
	for (int i = 0; i < nr_watches; i++)
		if (watches[i].fd == w->fd && watches[i].cb == w->cb && watches[i].arg == w->arg)
			return 1;
	return 0;
}

int event_poll(int extra_fd, int timeout_ms)
{
	struct pollfd pfd[nr_watches + 1];
	/* Callbacks may change the watch list: poll a snapshot. */
	struct fd_watch snap[nr_watches + 1];
	int n = nr_watches, ready = 0;

	for (int i = 0; i < n; i++) {
		snap[i] = watches[i];
		pfd[i] = (struct pollfd){ .fd = watches[i].fd, .events = watches[i].events };
	}
	pfd[n] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	if (!list_empty(&timers)) {
		uint64_t now = ktime_ns();
		uint64_t next = list_entry(timers.next, struct ktimer, node)->deadline;
		int ms = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
		if (timeout_ms < 0 || ms < timeout_ms)
			timeout_ms = ms;
	}
	if (poll(pfd, n + 1, timeout_ms) > 0) {
		for (int i = 0; i < n; i++) {
			/* An earlier callback may have removed this watch. */
			if (pfd[i].revents && still_watched(&snap[i]))
				snap[i].cb(snap[i].fd, pfd[i].revents, snap[i].arg);
		}
		ready = pfd[n].revents != 0;
	}
	ktimer_run_expired();
	return ready;
}
