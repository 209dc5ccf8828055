/* The pipe ring and its state machine: bytes, end counts and wake-ups,
 * with no files or tasks involved (the unit tests drive it directly). */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include "fs/pipe.h"

size_t pipe_ring_write(struct pipe_ring *r, const void *src, size_t len)
{
	size_t room = r->size - r->used, tail, first;

	if (len > room)
		len = room;
	if (!len)
		return 0;
	if (!r->buf) {
		r->buf = malloc(r->size);
		if (!r->buf)
			return 0;
	}
	tail = (r->head + r->used) & (r->size - 1);
	first = r->size - tail < len ? r->size - tail : len;
	memcpy(r->buf + tail, src, first);
	memcpy(r->buf, (const char *)src + first, len - first);
	r->used += len;
	return len;
}

size_t pipe_ring_read(struct pipe_ring *r, void *dst, size_t len)
{
	size_t first;

	if (len > r->used)
		len = r->used;
	if (!len)
		return 0;
	first = r->size - r->head < len ? r->size - r->head : len;
	memcpy(dst, r->buf + r->head, first);
	memcpy((char *)dst + first, r->buf, len - first);
	r->head = (r->head + len) & (r->size - 1);
	r->used -= len;
	if (!r->used)
		r->head = 0;
	return len;
}

int pipe_ring_resize(struct pipe_ring *r, size_t size)
{
	char *nbuf;
	size_t n;

	if (size < r->used)
		return -EBUSY;
	if (!r->buf || !r->used) {
		free(r->buf);
		r->buf = NULL;
		r->size = size;
		r->head = 0;
		return 0;
	}
	nbuf = malloc(size);
	if (!nbuf)
		return -ENOMEM;
	n = r->used;
	pipe_ring_read(r, nbuf, n);
	free(r->buf);
	r->buf = nbuf;
	r->size = size;
	r->head = 0;
	r->used = n;
	return 0;
}

void pipe_ring_free(struct pipe_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->used = r->head = 0;
}

/* ---- the pipe state machine ---- */

struct pipe *pipe_alloc(void)
{
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ring.size = PIPE_DEF_SIZE;
	waitq_init(&p->rd_wait);
	waitq_init(&p->wr_wait);
	waitq_init(&p->open_wait);
	list_init(&p->openers);
	return p;
}

void pipe_wake_all(struct pipe *p)
{
	waitq_wake_all(&p->rd_wait);
	waitq_wake_all(&p->wr_wait);
	waitq_wake_all(&p->open_wait);
}

void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	/* Nobody can be parked on a pipe without an end, but be safe. */
	pipe_wake_all(p);
	pipe_ring_free(&p->ring);
	free(p);
}

ssize_t pipe_read_data(struct pipe *p, void *buf, size_t len)
{
	size_t n;

	if (!len)
		return 0;
	if (!p->ring.used)
		return p->writers ? -EAGAIN : 0;
	n = pipe_ring_read(&p->ring, buf, len);
	waitq_wake_all(&p->wr_wait);
	return n;
}

ssize_t pipe_write_data(struct pipe *p, const void *buf, size_t len)
{
	size_t room, n;

	if (!len)
		return 0;
	if (!p->readers)
		return -EPIPE;
	room = p->ring.size - p->ring.used;
	if (len <= PIPE_BUF_ATOMIC && room < len)
		return -EAGAIN;
	if (!room)
		return -EAGAIN;
	n = pipe_ring_write(&p->ring, buf, len);
	if (!n)
		return -ENOMEM;
	waitq_wake_all(&p->rd_wait);
	return n;
}

unsigned pipe_poll_mask(const struct pipe *p, bool rd, bool wr, bool hup)
{
	unsigned mask = 0;

	if (rd) {
		if (p->ring.used)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && hup)
			mask |= POLLHUP;
	}
	if (wr) {
		if (p->ring.size - p->ring.used >= PIPE_BUF_ATOMIC)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}
