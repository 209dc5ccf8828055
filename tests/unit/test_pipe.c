/* The pipe ring and state machine: wrap-around, atomic writes, EOF, EPIPE,
 * poll bits and wake-ups. */
#include <errno.h>
#include <poll.h>
#include "unit.h"
#include "fs/pipe.h"

static int woken;

static void count_wake(struct wait_entry *e)
{
	woken++;
}

static void test_ring_wrap(void)
{
	struct pipe_ring r = { .size = 16 };
	char out[32];

	CHECK_EQ(pipe_ring_write(&r, "0123456789", 10), 10);
	CHECK_EQ(pipe_ring_read(&r, out, 6), 6);
	CHECK(!memcmp(out, "012345", 6));
	/* 4 left at offset 6; 12 more wrap around the end. */
	CHECK_EQ(pipe_ring_write(&r, "abcdefghijklmnop", 16), 12);
	CHECK_EQ(r.used, 16);
	CHECK_EQ(pipe_ring_write(&r, "x", 1), 0);
	CHECK_EQ(pipe_ring_read(&r, out, sizeof(out)), 16);
	CHECK(!memcmp(out, "6789abcdefghijkl", 16));
	CHECK_EQ(pipe_ring_read(&r, out, 4), 0);
	pipe_ring_free(&r);
}

static void test_ring_resize(void)
{
	struct pipe_ring r = { .size = 16 };
	char out[16];

	pipe_ring_write(&r, "0123456789", 10);
	pipe_ring_read(&r, out, 8);
	pipe_ring_write(&r, "abcdefghij", 10);	/* wraps: "89abcdefghij" */
	CHECK_EQ(pipe_ring_resize(&r, 8), -EBUSY);
	CHECK_EQ(pipe_ring_resize(&r, 64), 0);
	CHECK_EQ(r.size, 64);
	CHECK_EQ(pipe_ring_read(&r, out, 16), 12);
	CHECK(!memcmp(out, "89abcdefghij", 12));
	pipe_ring_free(&r);
}

static void test_pipe_semantics(void)
{
	struct pipe *p = pipe_alloc();
	static char big[PIPE_DEF_SIZE + 100];
	char buf[8192];
	struct wait_entry rd = { .wake = count_wake }, wr = { .wake = count_wake };

	CHECK(p != NULL);
	p->readers = p->writers = 1;
	CHECK_EQ(pipe_read_data(p, buf, 10), -EAGAIN);
	CHECK_EQ(pipe_poll_mask(p, true, false, true), 0);
	CHECK(pipe_poll_mask(p, false, true, true) & POLLOUT);

	/* A writer wakes parked readers. */
	woken = 0;
	waitq_add(&p->rd_wait, &rd);
	CHECK_EQ(pipe_write_data(p, "hello", 5), 5);
	CHECK_EQ(woken, 1);
	CHECK(pipe_poll_mask(p, true, false, true) & POLLIN);

	/* Fill up: a big write is partial, then the pipe is full. */
	memset(big, 'z', sizeof(big));
	CHECK_EQ(pipe_write_data(p, big, sizeof(big)), PIPE_DEF_SIZE - 5);
	CHECK_EQ(pipe_write_data(p, big, 1), -EAGAIN);
	CHECK(!(pipe_poll_mask(p, false, true, true) & POLLOUT));

	/* A reader wakes parked writers; a small write is all or nothing. */
	woken = 0;
	waitq_add(&p->wr_wait, &wr);
	CHECK_EQ(pipe_read_data(p, buf, 100), 100);
	CHECK(!memcmp(buf, "hellozzz", 8));
	CHECK_EQ(woken, 1);
	CHECK_EQ(pipe_write_data(p, big, 101), -EAGAIN);
	CHECK_EQ(pipe_write_data(p, big, 100), 100);
	CHECK_EQ(pipe_write_data(p, big, 1), -EAGAIN);

	/* Big writes go in pieces once there is room at all. */
	CHECK_EQ(pipe_read_data(p, buf, 5000), 5000);
	CHECK_EQ(pipe_write_data(p, big, 6000), 5000);

	/* No writers: data first, then EOF and POLLHUP. */
	p->writers = 0;
	CHECK(pipe_poll_mask(p, true, false, true) & POLLIN);
	while (pipe_read_data(p, buf, sizeof(buf)) > 0)
		;
	CHECK_EQ(pipe_read_data(p, buf, sizeof(buf)), 0);
	CHECK(pipe_poll_mask(p, true, false, true) & POLLHUP);
	CHECK(!(pipe_poll_mask(p, true, false, false) & POLLHUP));

	/* No readers: EPIPE and POLLERR; empty writes still succeed. */
	p->writers = 1;
	p->readers = 0;
	CHECK_EQ(pipe_write_data(p, "x", 1), -EPIPE);
	CHECK_EQ(pipe_write_data(p, "x", 0), 0);
	CHECK(pipe_poll_mask(p, false, true, true) & POLLERR);
	pipe_free(p);
}

int main(void)
{
	test_ring_wrap();
	test_ring_resize();
	test_pipe_semantics();
	return unit_done();
}
