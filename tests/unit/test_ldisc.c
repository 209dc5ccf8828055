/* The line discipline: editing, echo, signals, raw mode, output. */
#include <errno.h>
#include <signal.h>
#include "tty/ldisc.h"
#include "unit.h"

static char out[8192];
static size_t out_len;
static int sigs[8];
static int nsigs;

static void cap_out(void *arg, const char *buf, size_t n)
{
	if (out_len + n < sizeof(out)) {
		memcpy(out + out_len, buf, n);
		out_len += n;
		out[out_len] = 0;
	}
}

static void cap_sig(void *arg, int sig)
{
	if (nsigs < 8)
		sigs[nsigs++] = sig;
}

static void reset(struct ldisc *ld)
{
	ldisc_init(ld, cap_out, cap_sig, NULL);
	out_len = 0;
	out[0] = 0;
	nsigs = 0;
}

static void clear_out(void)
{
	out_len = 0;
	out[0] = 0;
}

static size_t feed(struct ldisc *ld, const char *s)
{
	return ldisc_receive(ld, s, strlen(s));
}

/* Read into a NUL-terminated string; returns the read result. */
static ssize_t rd(struct ldisc *ld, char *buf, size_t n)
{
	ssize_t r = ldisc_read(ld, buf, n);

	buf[r > 0 ? r : 0] = 0;
	return r;
}

static void test_defaults(void)
{
	struct ktermios t;

	CHECK_EQ(sizeof(struct ktermios), 36);
	CHECK_EQ(sizeof(struct ktermios2), 44);
	ldisc_default_termios(&t);
	CHECK_EQ(t.c_iflag, 0x500);		/* ICRNL|IXON */
	CHECK_EQ(t.c_oflag, 0x5);		/* OPOST|ONLCR */
	CHECK_EQ(t.c_cflag, 0x4bf);		/* B38400|CS8|CREAD|HUPCL */
	CHECK_EQ(t.c_lflag, 0x8a3b);		/* Linux's default lflag */
	CHECK_EQ(t.c_cc[VINTR], 3);
	CHECK_EQ(t.c_cc[VERASE], 0x7f);
	CHECK_EQ(t.c_cc[VEOF], 4);
	CHECK_EQ(t.c_cc[VMIN], 1);
	CHECK_EQ(t.c_cc[VTIME], 0);
	CHECK_EQ(t.c_cc[VWERASE], 027);
	CHECK_EQ(t.c_cc[VLNEXT], 026);
	CHECK_EQ(t.c_cc[VREPRINT], 022);
}

static void test_canonical(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(feed(&ld, "hello"), 5);
	CHECK(!ldisc_readable(&ld));
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_STR(out, "hello");
	feed(&ld, "\r");			/* ICRNL */
	CHECK(ldisc_readable(&ld));
	CHECK_EQ(ldisc_inq(&ld), 6);
	CHECK_STR(out, "hello\r\n");		/* echo through ONLCR */
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 6);
	CHECK_STR(buf, "hello\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);

	/* Two lines: one read returns one line. */
	feed(&ld, "ab\ncd\nef");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "ab\n");
	/* A short buffer gets part of the line; the rest follows. */
	CHECK_EQ(rd(&ld, buf, 2), 2);
	CHECK_STR(buf, "cd");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 1);
	CHECK_STR(buf, "\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);	/* "ef" is unfinished */
}

static void test_erase_kill_werase(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	feed(&ld, "abc\x7f\x7f" "d\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "ad\n");
	CHECK_STR(out, "abc\b \b\b \bd\r\n");	/* ECHOE */

	/* Erase at line start does nothing, and cannot eat a finished line. */
	clear_out();
	feed(&ld, "x\n\x7f\x7fy\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "x\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "y\n");

	/* Kill with ECHOKE erases the line visually. */
	clear_out();
	feed(&ld, "junk\x15ok\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "ok\n");
	CHECK_STR(out, "junk\b \b\b \b\b \b\b \bok\r\n");

	/* Kill without ECHOKE: echo ^U and a newline (ECHOK). */
	ld.termios.c_lflag &= ~ECHOKE;
	clear_out();
	feed(&ld, "zz\x15" "a\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "a\n");
	CHECK_STR(out, "zz^U\r\na\r\n");

	/* Werase removes the last word and the blanks after it. */
	reset(&ld);
	feed(&ld, "echo foo bar  \x17" "baz\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 13);
	CHECK_STR(buf, "echo foo baz\n");
	feed(&ld, "/usr/lib/\x17\n");
	rd(&ld, buf, sizeof(buf));
	CHECK_STR(buf, "/usr/\n");

	/* Erasing a control character echoed as ^A takes two columns. */
	clear_out();
	feed(&ld, "\x01\x7f\n");
	CHECK_STR(out, "^A\b \b\b \b\r\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 1);

	/* Erasing a tab moves back to where the tab started. */
	clear_out();
	feed(&ld, "ab\t\x7f\n");
	CHECK_STR(out, "ab\t\b\b\b\b\b\b\r\n");
	rd(&ld, buf, sizeof(buf));
	CHECK_STR(buf, "ab\n");

	/* Without ECHOE the erase character itself is echoed. */
	reset(&ld);
	ld.termios.c_lflag &= ~ECHOE;
	feed(&ld, "ab\x7f\n");
	CHECK_STR(out, "ab^?\r\n");
	rd(&ld, buf, sizeof(buf));
	CHECK_STR(buf, "a\n");

	/* IUTF8: one erase removes a whole multibyte character. */
	reset(&ld);
	ld.termios.c_iflag |= IUTF8;
	feed(&ld, "a\xc3\xa9\x7f\n");
	CHECK_STR(out, "a\xc3\xa9\b \b\r\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "a\n");
}

static void test_eof(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	/* ^D at line start: a 0-length read, then normal input. */
	feed(&ld, "\x04");
	CHECK(ldisc_readable(&ld));
	CHECK_EQ(ldisc_inq(&ld), 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_STR(out, "");			/* VEOF is not echoed */

	/* ^D mid-line makes the line readable without the ^D. */
	feed(&ld, "abc\x04");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "abc");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);

	/* "abc^D^D": data, then EOF. */
	feed(&ld, "abc\x04\x04");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);

	/* VEOL ends a line too (and is kept). */
	ld.termios.c_cc[VEOL] = ';';
	feed(&ld, "a;b");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "a;");
}

static void test_isig(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	feed(&ld, "partial\x03");
	CHECK_EQ(nsigs, 1);
	CHECK_EQ(sigs[0], SIGINT);
	CHECK_STR(out, "partial^C");		/* ECHOCTL */
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);	/* flushed */
	feed(&ld, "x\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "x\n");

	feed(&ld, "\x1c\x1a");
	CHECK_EQ(nsigs, 3);
	CHECK_EQ(sigs[1], SIGQUIT);
	CHECK_EQ(sigs[2], SIGTSTP);

	/* NOFLSH keeps the input. */
	ld.termios.c_lflag |= NOFLSH;
	feed(&ld, "keep\x03\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "keep\n");

	/* Without ISIG, ^C is data (and echoed as ^C by ECHOCTL). */
	reset(&ld);
	ld.termios.c_lflag &= ~ISIG;
	feed(&ld, "\x03\n");
	CHECK_EQ(nsigs, 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_EQ(buf[0], 3);

	/* Without ECHOCTL control characters echo raw. */
	reset(&ld);
	ld.termios.c_lflag &= ~ECHOCTL;
	feed(&ld, "\x03");
	CHECK_EQ(out_len, 1);
	CHECK_EQ(out[0], 3);
	CHECK_EQ(nsigs, 1);
}

static void test_echo_modes(void)
{
	struct ldisc ld;
	char buf[64];

	/* No ECHO: silence, but editing still works. */
	reset(&ld);
	ld.termios.c_lflag &= ~ECHO;
	feed(&ld, "secreX\x7ft\n");
	CHECK_EQ(out_len, 0);
	rd(&ld, buf, sizeof(buf));
	CHECK_STR(buf, "secret\n");

	/* ECHONL echoes just the newline. */
	ld.termios.c_lflag |= ECHONL;
	feed(&ld, "pw\n");
	CHECK_STR(out, "\r\n");

	/* ^V makes the next character literal. */
	reset(&ld);
	feed(&ld, "a\x16\x7f\x16\x03\n");
	CHECK_EQ(nsigs, 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 4);
	CHECK_EQ(buf[1], 0x7f);
	CHECK_EQ(buf[2], 3);
	CHECK_STR(out, "a^\b^?^\b^C\r\n");

	/* ^R reprints the line being edited. */
	reset(&ld);
	feed(&ld, "ls\x12");
	CHECK_STR(out, "ls^R\r\nls");

	/* IGNCR drops CR; INLCR turns NL into CR. */
	reset(&ld);
	ld.termios.c_iflag |= IGNCR;
	feed(&ld, "a\r\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "a\n");
	reset(&ld);
	ld.termios.c_lflag &= ~ICANON;
	ld.termios.c_iflag |= INLCR;
	feed(&ld, "\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], '\r');

	/* IXON eats ^S and ^Q. */
	reset(&ld);
	feed(&ld, "a\x13" "b\x11\n");
	CHECK(!ld.stopped);
	rd(&ld, buf, sizeof(buf));
	CHECK_STR(buf, "ab\n");
}

static void set_raw(struct ldisc *ld, int vmin, int vtime)
{
	struct ktermios t = ld->termios;

	t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(ICRNL | IXON);
	t.c_cc[VMIN] = vmin;
	t.c_cc[VTIME] = vtime;
	ldisc_set_termios(ld, &t);
}

static void test_raw(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	set_raw(&ld, 1, 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK(!ldisc_readable(&ld));
	CHECK_EQ(ldisc_read_timeout(&ld), 0);
	feed(&ld, "\x7f\r\x03\x04q");
	CHECK_EQ(out_len, 0);
	CHECK_EQ(nsigs, 0);
	CHECK(ldisc_readable(&ld));
	CHECK_EQ(ldisc_inq(&ld), 5);
	CHECK_EQ(rd(&ld, buf, 2), 2);
	CHECK_EQ(buf[0], 0x7f);
	CHECK_EQ(buf[1], '\r');
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_EQ(buf[2], 'q');

	/* VMIN=3: wait for three bytes unless non-blocking. */
	set_raw(&ld, 3, 0);
	feed(&ld, "ab");
	CHECK(!ldisc_readable(&ld));
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(ldisc_read_flags(&ld, buf, 1, 0), 1);	/* min(VMIN, n) */
	CHECK_EQ(ldisc_read_flags(&ld, buf, sizeof(buf), LDISC_NONBLOCK), 1);
	feed(&ld, "cde");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "cde");

	/* VMIN=0 VTIME=0: a poll; 0 when empty. */
	set_raw(&ld, 0, 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);
	CHECK(!ldisc_readable(&ld));
	feed(&ld, "z");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 1);

	/* VMIN=0 VTIME=5: wait at most half a second, then 0. */
	set_raw(&ld, 0, 5);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(ldisc_read_timeout(&ld), 5);
	CHECK_EQ(ldisc_read_flags(&ld, buf, sizeof(buf), LDISC_TIMED_OUT), 0);
	feed(&ld, "y");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 1);

	/* VMIN=2 VTIME=3: no timer before the first byte, then inter-byte. */
	set_raw(&ld, 2, 3);
	CHECK_EQ(ldisc_read_timeout(&ld), 0);
	feed(&ld, "1");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(ldisc_read_timeout(&ld), 3);
	CHECK_EQ(ldisc_read_flags(&ld, buf, sizeof(buf), LDISC_TIMED_OUT), 1);

	/* Switching to canonical makes pending bytes a line. */
	set_raw(&ld, 1, 0);
	feed(&ld, "pend");
	ldisc_set_termios(&ld, &(struct ktermios){ 0 });
	{
		struct ktermios t;

		ldisc_default_termios(&t);
		ldisc_set_termios(&ld, &t);
	}
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "pend");
}

static void test_limits(void)
{
	struct ldisc ld;
	static char big[5000];
	char buf[5000];

	/* A canonical line keeps 4095 characters plus the newline. */
	reset(&ld);
	ld.termios.c_lflag &= ~ECHO;
	memset(big, 'a', sizeof(big));
	CHECK_EQ(ldisc_receive(&ld, big, sizeof(big)), sizeof(big));
	CHECK_EQ(ld.count, 4095);
	feed(&ld, "\n");
	CHECK_EQ(ldisc_read(&ld, buf, sizeof(buf)), 4096);
	CHECK_EQ(buf[4095], '\n');

	/* With a complete line waiting, a full buffer pushes back. */
	feed(&ld, "line\n");
	CHECK_EQ(ldisc_receive(&ld, big, sizeof(big)), 4090);
	CHECK_EQ(ldisc_read(&ld, buf, sizeof(buf)), 5);
	CHECK_EQ(ldisc_room(&ld), 6);

	/* Raw mode pushes back when full. */
	reset(&ld);
	set_raw(&ld, 1, 0);
	CHECK_EQ(ldisc_receive(&ld, big, sizeof(big)), 4096);
	CHECK_EQ(ldisc_room(&ld), 0);
	CHECK_EQ(ldisc_read(&ld, buf, 100), 100);
	CHECK_EQ(ldisc_receive(&ld, big, sizeof(big)), 100);
}

static void test_output(void)
{
	struct ldisc ld;

	reset(&ld);
	ldisc_write_process(&ld, "a\nb\n", 4, cap_out, NULL);
	CHECK_STR(out, "a\r\nb\r\n");

	clear_out();
	ld.termios.c_oflag &= ~OPOST;
	ldisc_write_process(&ld, "a\nb\n", 4, cap_out, NULL);
	CHECK_STR(out, "a\nb\n");

	clear_out();
	ld.termios.c_oflag = OPOST | OCRNL;
	ldisc_write_process(&ld, "x\r", 2, cap_out, NULL);
	CHECK_STR(out, "x\n");

	/* ONOCR: no CR at column 0 (the OCRNL '\n' left column 1). */
	clear_out();
	CHECK_EQ(ld.column, 1);
	ld.termios.c_oflag = OPOST | ONOCR | ONLCR;
	ldisc_write_process(&ld, "\r\nab\r", 5, cap_out, NULL);
	CHECK_STR(out, "\r\r\nab\r");
	clear_out();
	ldisc_write_process(&ld, "\r", 1, cap_out, NULL);
	CHECK_STR(out, "");

	/* XTABS expands tabs to the next multiple of 8. */
	clear_out();
	ld.termios.c_oflag = OPOST | XTABS;
	ldisc_write_process(&ld, "abc\tZ", 5, cap_out, NULL);
	CHECK_STR(out, "abc     Z");

	/* Long output arrives whole across chunks. */
	clear_out();
	ld.termios.c_oflag = OPOST | ONLCR;
	{
		char big[1000];

		memset(big, '\n', sizeof(big));
		ldisc_write_process(&ld, big, sizeof(big), cap_out, NULL);
		CHECK_EQ(out_len, 2000);
		CHECK(!memcmp(out, "\r\n\r\n", 4));
	}
}

static void test_hangup(void)
{
	struct ldisc ld;
	char buf[64];

	reset(&ld);
	feed(&ld, "one\ntwo");
	ldisc_hangup(&ld);
	CHECK(ldisc_readable(&ld));
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "one\n");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 3);	/* the partial line */
	CHECK_STR(buf, "two");
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);

	reset(&ld);
	set_raw(&ld, 1, 0);
	ldisc_hangup(&ld);
	CHECK_EQ(rd(&ld, buf, sizeof(buf)), 0);
	CHECK(ldisc_readable(&ld));
}

int main(void)
{
	test_defaults();
	test_canonical();
	test_erase_kill_werase();
	test_eof();
	test_isig();
	test_echo_modes();
	test_raw();
	test_limits();
	test_output();
	test_hangup();
	return unit_done();
}
