/* Pipes: data, EOF, EPIPE, non-blocking, poll/select, FIONREAD. */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/time.h>

static volatile int sigpipe_count;

static void on_sigpipe(int sig)
{
	sigpipe_count++;
}

static void test_basic(void)
{
	char buf[64];
	int p[2], dupw;

	CHECK(pipe2(p, 0) == 0 && p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe2");
	CHECK(write(p[1], "hello", 5) == 5, "write 5");
	CHECK(write(p[1], " world", 6) == 6, "write 6");
	memset(buf, 0, sizeof(buf));
	CHECK(read(p[0], buf, 3) == 3 && !memcmp(buf, "hel", 3), "partial read");
	CHECK(read(p[0], buf, sizeof(buf)) == 8 && !memcmp(buf, "lo world", 8),
	      "read returns what is there, not the full count");
	CHECK(fcntl(p[0], F_GETFL) == O_RDONLY && fcntl(p[1], F_GETFL) == O_WRONLY,
	      "pipe ends are O_RDONLY / O_WRONLY");
	EXPECT_ERR(write(p[0], "x", 1), EBADF);
	EXPECT_ERR(read(p[1], buf, 1), EBADF);
	EXPECT_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
	EXPECT_ERR(pread(p[0], buf, 1, 0), ESPIPE);

	dupw = dup(p[1]);
	close(p[1]);
	CHECK(write(dupw, "x", 1) == 1, "write through a dup of the write end");
	CHECK(read(p[0], buf, sizeof(buf)) == 1, "read it");
	close(dupw);
	CHECK(read(p[0], buf, sizeof(buf)) == 0, "EOF after all writers close");
	close(p[0]);

	CHECK(pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
	      fcntl(p[1], F_GETFD) == FD_CLOEXEC, "pipe2 O_CLOEXEC");
	close(p[0]);
	close(p[1]);
	EXPECT_ERR(pipe2(p, 0x12345678), EINVAL);
	EXPECT_ERR(pipe(BAD_PTR), EFAULT);
}

static void test_epipe(void)
{
	int p[2], status;
	pid_t pid;

	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	EXPECT_ERR(write(p[1], "x", 1), EPIPE);
	signal(SIGPIPE, on_sigpipe);
	sigpipe_count = 0;
	EXPECT_ERR(write(p[1], "x", 1), EPIPE);
	CHECK(sigpipe_count == 1, "SIGPIPE delivered to the writer");
	signal(SIGPIPE, SIG_DFL);
	pid = fork();
	if (pid == 0) {
		if (write(p[1], "x", 1) < 0)
			_exit(3);
		_exit(4);
	}
	status = check_wait(pid);
	CHECK(check_killed(status, SIGPIPE), "default SIGPIPE kills the writer (%#x)",
	      status);
	close(p[1]);
}

static void test_nonblock(void)
{
	static char chunk[4096];
	int p[2], n, total = 0, avail = -1;
	char buf[8];

	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2 O_NONBLOCK");
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK in F_GETFL");
	EXPECT_ERR(read(p[0], buf, 1), EAGAIN);
	CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 0, "FIONREAD 0 when empty");
	CHECK(write(p[1], "abc", 3) == 3, "write 3");
	CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 3, "FIONREAD 3 (%d)", avail);
	read(p[0], buf, 3);

	memset(chunk, 'c', sizeof(chunk));
	for (int i = 0; i < 1024; i++) {
		n = write(p[1], chunk, sizeof(chunk));
		if (n <= 0)
			break;
		total += n;
	}
	CHECK(n == -1 && errno == EAGAIN, "write to a full non-blocking pipe -> EAGAIN");
	CHECK(total >= 4096 && total <= 1024 * 1024, "pipe capacity %d is sane", total);
	CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == total,
	      "FIONREAD reports the full capacity");
	{
		struct pollfd pf = { .fd = p[1], .events = POLLOUT };

		CHECK(poll(&pf, 1, 0) == 0, "full pipe is not POLLOUT");
	}
	close(p[0]);
	close(p[1]);

	/* F_SETFL O_NONBLOCK on a blocking pipe */
	pipe(p);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	EXPECT_ERR(read(p[0], buf, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
}

static void test_poll_select(void)
{
	struct pollfd pf[2];
	struct timeval tv, t0, t1;
	fd_set rd, wr;
	int p[2], r;
	char c;

	pipe(p);
	pf[0].fd = p[0];
	pf[0].events = POLLIN;
	pf[1].fd = p[1];
	pf[1].events = POLLOUT;
	r = poll(pf, 2, 0);
	CHECK(r == 1 && pf[0].revents == 0 && pf[1].revents == POLLOUT,
	      "poll: empty pipe not readable, writable");
	pf[1].events = 0;
	gettimeofday(&t0, NULL);
	r = poll(pf, 2, 30);
	gettimeofday(&t1, NULL);
	CHECK(r == 0, "poll times out with 0");
	CHECK((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_usec - t0.tv_usec) >= 25000,
	      "poll waited about 30 ms");
	write(p[1], "x", 1);
	r = poll(pf, 1, 1000);
	CHECK(r == 1 && (pf[0].revents & POLLIN), "POLLIN after write");

	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd),
	      "select reports readable");
	read(p[0], &c, 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	FD_ZERO(&wr);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	CHECK(select(p[0] + 1, &rd, &wr, NULL, &tv) == 0 && !FD_ISSET(p[0], &rd),
	      "select with a timeout returns 0 and clears the set");
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "select updates the timeout to 0");
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	CHECK(select(p[1] + 1, NULL, &wr, NULL, &tv) == 1 && FD_ISSET(p[1], &wr),
	      "select reports writable");

	close(p[1]);
	pf[0].events = POLLIN;
	r = poll(pf, 1, 1000);
	CHECK(r == 1 && (pf[0].revents & POLLHUP), "POLLHUP after writer closes");
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	CHECK(select(p[0] + 1, &rd, NULL, NULL, NULL) == 1,
	      "select: EOF counts as readable");
	close(p[0]);

	pipe(p);
	close(p[0]);
	pf[0].fd = p[1];
	pf[0].events = POLLOUT;
	CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLERR),
	      "POLLERR on write end without readers");
	close(p[1]);

	pf[0].fd = 999;
	pf[0].events = POLLIN;
	CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == POLLNVAL, "POLLNVAL for a bad fd");
	pf[0].fd = -1;
	CHECK(poll(pf, 1, 0) == 0 && pf[0].revents == 0, "negative fd is ignored");
	/* a closed low descriptor (Linux ignores fds beyond its table) */
	r = open("/dev/null", O_RDONLY);
	close(r);
	FD_ZERO(&rd);
	FD_SET(r, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_ERR(select(r + 1, &rd, NULL, NULL, &tv), EBADF);
}

static void test_between_processes(void)
{
	const size_t total = 1024 * 1024;
	static unsigned char buf[65536 + 13];
	int p[2], bad = 0;
	size_t got = 0;
	uint32_t sum = 0, want = 0;
	pid_t pid;
	ssize_t n;

	pipe(p);
	pid = fork();
	if (pid == 0) {
		size_t sent = 0;

		close(p[0]);
		while (sent < total) {
			size_t len = total - sent;

			/* odd sizes so writes and reads do not line up */
			if (len > sizeof(buf))
				len = sizeof(buf);
			for (size_t i = 0; i < len; i++)
				buf[i] = (sent + i) * 7 + ((sent + i) >> 12);
			n = write(p[1], buf, len);
			if (n <= 0)
				_exit(1);
			sent += n;
		}
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, 4099)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned char exp = (got + i) * 7 + ((got + i) >> 12);

			if (buf[i] != exp)
				bad++;
			sum += buf[i];
			want += exp;
		}
		got += n;
	}
	close(p[0]);
	CHECK(got == total, "received 1 MiB from child (%zu)", got);
	CHECK(bad == 0 && sum == want, "data arrived intact and in order");
	CHECK(check_exited(check_wait(pid), 0), "writer child exited 0");
}

int main(void)
{
	test_basic();
	test_epipe();
	test_nonblock();
	test_poll_select();
	test_between_processes();
	return check_done();
}
