/* The line discipline: Linux N_TTY behaviour without the locking. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "tty/ldisc.h"

/* mark[] bits */
#define M_EOL	1	/* this byte ends a line */
#define M_EOF	2	/* placeholder for VEOF: ends a line, never copied */

#define I(ld, f)	((ld)->termios.c_iflag & (f))
#define O(ld, f)	((ld)->termios.c_oflag & (f))
#define L(ld, f)	((ld)->termios.c_lflag & (f))
#define CC(ld, i)	((ld)->termios.c_cc[i])

void ldisc_default_termios(struct ktermios *t)
{
	static const uint8_t cc[KNCCS] = {
		[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025,
		[VEOF] = 004, [VTIME] = 0, [VMIN] = 1, [VSWTC] = 0,
		[VSTART] = 021, [VSTOP] = 023, [VSUSP] = 032, [VEOL] = 0,
		[VREPRINT] = 022, [VDISCARD] = 017, [VWERASE] = 027,
		[VLNEXT] = 026, [VEOL2] = 0,
	};

	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->c_cc, cc, sizeof(cc));
}

void ldisc_init(struct ldisc *ld, ldisc_out_fn output, ldisc_sig_fn signal, void *arg)
{
	memset(ld, 0, sizeof(*ld));
	ldisc_default_termios(&ld->termios);
	ld->output = output;
	ld->signal = signal;
	ld->arg = arg;
}

/* A c_cc entry of 0 is disabled (_POSIX_VDISABLE). */
static bool is_cc(const struct ldisc *ld, int idx, unsigned char c)
{
	return CC(ld, idx) && CC(ld, idx) == c;
}

static bool is_ctrl(unsigned char c)
{
	return c < 32 || c == 127;
}

static bool is_utf8_cont(const struct ldisc *ld, unsigned char c)
{
	return I(ld, IUTF8) && (c & 0xc0) == 0x80;
}

/* ---- output ------------------------------------------------------------ */

struct outbuf {
	char b[256];
	size_t n;
	ldisc_out_fn fn;
	void *arg;
};

static void ob_flush(struct outbuf *ob)
{
	if (ob->n && ob->fn)
		ob->fn(ob->arg, ob->b, ob->n);
	ob->n = 0;
}

static void ob_put(struct outbuf *ob, char c)
{
	if (ob->n == sizeof(ob->b))
		ob_flush(ob);
	ob->b[ob->n++] = c;
}

/* One byte through OPOST processing, tracking the column. */
static void output_char(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	int spaces;

	if (!O(ld, OPOST)) {
		ob_put(ob, c);
		return;
	}
	switch (c) {
	case '\n':
		if (O(ld, ONLRET))
			ld->column = 0;
		if (O(ld, ONLCR)) {
			ld->column = 0;
			ob_put(ob, '\r');
		}
		break;
	case '\r':
		if (O(ld, ONOCR) && ld->column == 0)
			return;
		if (O(ld, OCRNL)) {
			c = '\n';
			if (O(ld, ONLRET))
				ld->column = 0;
			break;
		}
		ld->column = 0;
		break;
	case '\t':
		spaces = 8 - (ld->column & 7);
		ld->column += spaces;
		if ((ld->termios.c_oflag & TABDLY) == XTABS) {
			while (spaces--)
				ob_put(ob, ' ');
			return;
		}
		break;
	case '\b':
		if (ld->column > 0)
			ld->column--;
		break;
	default:
		if (!is_ctrl(c)) {
			if (O(ld, OLCUC))
				c = toupper(c);
			if (!is_utf8_cont(ld, c))
				ld->column++;
		}
		break;
	}
	ob_put(ob, c);
}

size_t ldisc_write_process(struct ldisc *ld, const void *in, size_t n,
			   ldisc_out_fn out, void *arg)
{
	const unsigned char *p = in;
	struct outbuf ob = { .n = 0, .fn = out, .arg = arg };

	if (!O(ld, OPOST)) {
		if (n && out)
			out(arg, in, n);
		return n;
	}
	for (size_t i = 0; i < n; i++)
		output_char(ld, &ob, p[i]);
	ob_flush(&ob);
	return n;
}

/* Echo goes through output processing like any output. */
static void echo_raw(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	output_char(ld, ob, c);
}

static void echo_str(struct ldisc *ld, struct outbuf *ob, const char *s)
{
	while (*s)
		echo_raw(ld, ob, *s++);
}

/* A character as the user sees it: ^X for controls with ECHOCTL. */
static void echo_char(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	if (L(ld, ECHOCTL) && is_ctrl(c) && c != '\t') {
		echo_raw(ld, ob, '^');
		echo_raw(ld, ob, c ^ 0100);
	} else {
		echo_raw(ld, ob, c);
	}
}

/* ---- input ------------------------------------------------------------- */

static void store(struct ldisc *ld, unsigned char c, unsigned char mark)
{
	ld->buf[ld->count] = c;
	ld->mark[ld->count] = mark;
	ld->count++;
}

static void end_line(struct ldisc *ld, unsigned char c, unsigned char mark)
{
	store(ld, c, mark);
	ld->canon_end = ld->count;
}

void ldisc_flush_input(struct ldisc *ld)
{
	ld->count = 0;
	ld->canon_end = 0;
	ld->lnext = false;
}

/* Column of the edited line up to buffer position end, for erasing tabs. */
static int line_column(struct ldisc *ld, size_t end)
{
	int col = ld->canon_column;

	for (size_t i = ld->canon_end; i < end; i++) {
		unsigned char c = ld->buf[i];

		if (c == '\t')
			col = (col | 7) + 1;
		else if (is_ctrl(c))
			col += L(ld, ECHOCTL) ? 2 : 0;
		else if (!is_utf8_cont(ld, c))
			col++;
	}
	return col;
}

enum { KILL_ERASE, KILL_WERASE, KILL_LINE };

/* VERASE, VWERASE and VKILL in canonical mode. */
static void eraser(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	int kind;
	int seen_alnum = 0;

	if (ld->count == ld->canon_end)
		return;
	if (is_cc(ld, VERASE, c)) {
		kind = KILL_ERASE;
	} else if (is_cc(ld, VWERASE, c)) {
		kind = KILL_WERASE;
	} else {
		kind = KILL_LINE;
		if (!L(ld, ECHO)) {
			ld->count = ld->canon_end;
			return;
		}
		if (!L(ld, ECHOK) || !L(ld, ECHOKE) || !L(ld, ECHOE)) {
			ld->count = ld->canon_end;
			echo_char(ld, ob, c);
			if (L(ld, ECHOK))
				echo_raw(ld, ob, '\n');
			return;
		}
	}

	while (ld->count > ld->canon_end) {
		size_t start = ld->count - 1;
		unsigned char e;

		while (start > ld->canon_end && is_utf8_cont(ld, ld->buf[start]))
			start--;
		e = ld->buf[start];
		if (kind == KILL_WERASE) {
			/* BSD's ALTWERASE: a word is alphanumerics and '_'. */
			if (isalnum(e) || e == '_')
				seen_alnum = 1;
			else if (seen_alnum)
				break;
		}
		if (L(ld, ECHO)) {
			if (kind == KILL_ERASE && !L(ld, ECHOE)) {
				echo_char(ld, ob, CC(ld, VERASE));
			} else if (e == '\t') {
				int from = line_column(ld, start);
				int width = ((from | 7) + 1) - from;

				while (width--)
					echo_raw(ld, ob, '\b');
			} else {
				if (is_ctrl(e) && L(ld, ECHOCTL))
					echo_str(ld, ob, "\b \b");
				if (!is_ctrl(e) || L(ld, ECHOCTL))
					echo_str(ld, ob, "\b \b");
			}
		}
		ld->count = start;
		if (kind == KILL_ERASE)
			break;
	}
}

static void reprint(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	echo_char(ld, ob, c);
	echo_raw(ld, ob, '\n');
	ld->canon_column = ld->column;
	for (size_t i = ld->canon_end; i < ld->count; i++)
		echo_char(ld, ob, ld->buf[i]);
}

static void isig(struct ldisc *ld, struct outbuf *ob, int sig, unsigned char c)
{
	if (!L(ld, NOFLSH))
		ldisc_flush_input(ld);
	if (I(ld, IXON))
		ld->stopped = false;
	if (L(ld, ECHO))
		echo_char(ld, ob, c);
	ob_flush(ob);
	if (ld->signal)
		ld->signal(ld->arg, sig);
}

/* Can c be stored? Canonical mode keeps the last slot for a terminator. */
static bool has_room(const struct ldisc *ld, bool terminator)
{
	if (L(ld, ICANON) && !terminator)
		return ld->count < LDISC_BUF_SIZE - 1;
	return ld->count < LDISC_BUF_SIZE;
}

/* A reader can free space, so the sender should wait rather than drop. */
static bool reader_can_drain(const struct ldisc *ld)
{
	return L(ld, ICANON) ? ld->canon_end > 0 : ld->count > 0;
}

enum { RX_DONE, RX_FULL };

/* One input byte. Returns RX_FULL, having done nothing, if it must wait. */
static int receive_char(struct ldisc *ld, struct outbuf *ob, unsigned char c)
{
	bool canon = L(ld, ICANON);
	bool literal = false;
	unsigned char mark = 0;

	if (I(ld, ISTRIP))
		c &= 0x7f;
	if (I(ld, IUCLC) && L(ld, IEXTEN))
		c = tolower(c);

	if (ld->lnext) {
		literal = true;
		goto data;
	}
	if (I(ld, IXON)) {
		if (is_cc(ld, VSTART, c)) {
			ld->stopped = false;
			return RX_DONE;
		}
		if (is_cc(ld, VSTOP, c)) {
			ld->stopped = true;
			return RX_DONE;
		}
		if (ld->stopped && I(ld, IXANY))
			ld->stopped = false;
	}
	if (L(ld, ISIG)) {
		int sig = is_cc(ld, VINTR, c) ? SIGINT :
			  is_cc(ld, VQUIT, c) ? SIGQUIT :
			  is_cc(ld, VSUSP, c) ? SIGTSTP : 0;

		if (sig) {
			isig(ld, ob, sig, c);
			return RX_DONE;
		}
	}
	if (c == '\r') {
		if (I(ld, IGNCR))
			return RX_DONE;
		if (I(ld, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(ld, INLCR)) {
		c = '\r';
	}

	if (canon) {
		if (is_cc(ld, VERASE, c) || is_cc(ld, VKILL, c) ||
		    (is_cc(ld, VWERASE, c) && L(ld, IEXTEN))) {
			eraser(ld, ob, c);
			return RX_DONE;
		}
		if (is_cc(ld, VLNEXT, c) && L(ld, IEXTEN)) {
			ld->lnext = true;
			if (L(ld, ECHO) && L(ld, ECHOCTL)) {
				echo_raw(ld, ob, '^');
				echo_raw(ld, ob, '\b');
			}
			return RX_DONE;
		}
		if (is_cc(ld, VREPRINT, c) && L(ld, ECHO) && L(ld, IEXTEN)) {
			reprint(ld, ob, c);
			return RX_DONE;
		}
		if (c == '\n') {
			if (!has_room(ld, true))
				goto full;
			if (L(ld, ECHO) || L(ld, ECHONL))
				echo_raw(ld, ob, '\n');
			end_line(ld, c, M_EOL);
			return RX_DONE;
		}
		if (is_cc(ld, VEOF, c)) {
			/* Not echoed: the line so far becomes readable. */
			if (!has_room(ld, true))
				goto full;
			end_line(ld, c, M_EOL | M_EOF);
			return RX_DONE;
		}
		if (is_cc(ld, VEOL, c) || (is_cc(ld, VEOL2, c) && L(ld, IEXTEN)))
			mark = M_EOL;
	}

data:
	if (!has_room(ld, mark != 0))
		goto full;
	ld->lnext = false;
	if (L(ld, ECHO)) {
		if (canon && ld->count == ld->canon_end)
			ld->canon_column = ld->column;
		if (c == '\n' && !literal)
			echo_raw(ld, ob, '\n');
		else
			echo_char(ld, ob, c);
	} else if (c == '\n' && L(ld, ECHONL)) {
		echo_raw(ld, ob, '\n');
	}
	store(ld, c, mark);
	if (mark)
		ld->canon_end = ld->count;
	return RX_DONE;

full:
	if (reader_can_drain(ld))
		return RX_FULL;
	/* A canonical line longer than the buffer: drop, as Linux does. */
	ld->lnext = false;
	if (L(ld, ECHO) && I(ld, IMAXBEL))
		echo_raw(ld, ob, '\a');
	return RX_DONE;
}

size_t ldisc_receive(struct ldisc *ld, const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	struct outbuf ob = { .n = 0, .fn = ld->output, .arg = ld->arg };
	size_t i;

	for (i = 0; i < n; i++) {
		if (receive_char(ld, &ob, p[i]) == RX_FULL)
			break;
	}
	ob_flush(&ob);
	return i;
}

/* ---- reading ----------------------------------------------------------- */

static void consume(struct ldisc *ld, size_t k)
{
	memmove(ld->buf, ld->buf + k, ld->count - k);
	memmove(ld->mark, ld->mark + k, ld->count - k);
	ld->count -= k;
	ld->canon_end = ld->canon_end > k ? ld->canon_end - k : 0;
}

static ssize_t read_canon(struct ldisc *ld, unsigned char *out, size_t n)
{
	size_t lim = ld->canon_end, i = 0, copied = 0;

	if (!lim) {
		if (!ld->hung_up)
			return -EAGAIN;
		lim = ld->count;	/* hung up: a partial line is all there is */
		if (!lim)
			return 0;
	}
	while (i < lim && copied < n) {
		unsigned char m = ld->mark[i];

		if (m & M_EOF) {
			i++;
			break;
		}
		out[copied++] = ld->buf[i++];
		if (m & M_EOL)
			break;
	}
	consume(ld, i);
	return copied;
}

static ssize_t read_raw(struct ldisc *ld, unsigned char *out, size_t n, unsigned flags)
{
	unsigned vmin = CC(ld, VMIN), vtime = CC(ld, VTIME);
	size_t want = vmin ? vmin : 1, i = 0, copied = 0;

	if (want > n)
		want = n;
	if (!ld->count) {
		if (ld->hung_up)
			return 0;
		if (!vmin && (!vtime || (flags & LDISC_TIMED_OUT)))
			return 0;
		return -EAGAIN;
	}
	if (ld->count < want && !ld->hung_up && vmin &&
	    !(flags & (LDISC_NONBLOCK | LDISC_TIMED_OUT)))
		return -EAGAIN;
	while (i < ld->count && copied < n) {
		if (!(ld->mark[i] & M_EOF))
			out[copied++] = ld->buf[i];
		i++;
	}
	consume(ld, i);
	if (!copied)
		return ld->hung_up ? 0 : -EAGAIN;
	return copied;
}

ssize_t ldisc_read_flags(struct ldisc *ld, void *buf, size_t n, unsigned flags)
{
	if (!n)
		return 0;
	if (L(ld, ICANON))
		return read_canon(ld, buf, n);
	return read_raw(ld, buf, n, flags);
}

ssize_t ldisc_read(struct ldisc *ld, void *buf, size_t n)
{
	return ldisc_read_flags(ld, buf, n, 0);
}

int ldisc_read_timeout(const struct ldisc *ld)
{
	if (L(ld, ICANON) || !CC(ld, VTIME))
		return 0;
	/* VMIN > 0: VTIME is an inter-byte timer, started by the first byte. */
	if (CC(ld, VMIN) && !ld->count)
		return 0;
	return CC(ld, VTIME);
}

bool ldisc_readable(const struct ldisc *ld)
{
	size_t amt = 1;

	if (ld->hung_up)
		return true;
	if (L(ld, ICANON))
		return ld->canon_end > 0;
	if (!CC(ld, VTIME) && CC(ld, VMIN))
		amt = CC(ld, VMIN);
	return ld->count >= amt;
}

size_t ldisc_inq(const struct ldisc *ld)
{
	size_t lim = L(ld, ICANON) ? ld->canon_end : ld->count, n = 0;

	for (size_t i = 0; i < lim; i++)
		if (!(ld->mark[i] & M_EOF))
			n++;
	return n;
}

size_t ldisc_room(const struct ldisc *ld)
{
	return LDISC_BUF_SIZE - ld->count;
}

void ldisc_set_termios(struct ldisc *ld, const struct ktermios *t)
{
	bool was_canon = L(ld, ICANON);

	ld->termios = *t;
	if (!was_canon && L(ld, ICANON))
		ld->canon_end = ld->count;	/* pending bytes form a line */
	if (!L(ld, ICANON))
		ld->lnext = false;
	if (!I(ld, IXON))
		ld->stopped = false;
}

void ldisc_hangup(struct ldisc *ld)
{
	ld->hung_up = true;
	ld->lnext = false;
}
