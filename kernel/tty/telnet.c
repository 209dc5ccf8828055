/* Telnet option filtering for port: channels; see telnet.h. */
#include <string.h>
#include "tty/telnet.h"

enum { T_DATA, T_IAC, T_OPT, T_SB, T_SB_IAC };

const unsigned char telnet_greeting[9] = {
	TELNET_IAC, TELNET_WILL, TELNET_OPT_ECHO,
	TELNET_IAC, TELNET_WILL, TELNET_OPT_SGA,
	TELNET_IAC, TELNET_DO, TELNET_OPT_NAWS,
};

void telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
	t->state = T_DATA;
}

static void reply3(unsigned char *reply, size_t *len, size_t cap,
		   unsigned char cmd, unsigned char opt)
{
	if (*len + 3 > cap)
		return;		/* a lost refusal only leaves the option off */
	reply[(*len)++] = TELNET_IAC;
	reply[(*len)++] = cmd;
	reply[(*len)++] = opt;
}

/* Options are off unless we offered them: refuse the rest. Agreeing with
 * a state already in effect needs no answer (RFC 854's loop rule). */
static void option(struct telnet *t, unsigned char opt,
		   unsigned char *reply, size_t *len, size_t cap)
{
	switch (t->cmd) {
	case TELNET_DO:
		if (opt != TELNET_OPT_ECHO && opt != TELNET_OPT_SGA)
			reply3(reply, len, cap, TELNET_WONT, opt);
		break;
	case TELNET_WILL:
		if (opt != TELNET_OPT_NAWS && opt != TELNET_OPT_SGA)
			reply3(reply, len, cap, TELNET_DONT, opt);
		break;
	default:
		break;		/* WONT/DONT: it stays off */
	}
}

static void subneg_end(struct telnet *t)
{
	if (!t->sb_overflow && t->sb_len == 5 && t->sb[0] == TELNET_OPT_NAWS) {
		t->cols = t->sb[1] << 8 | t->sb[2];
		t->rows = t->sb[3] << 8 | t->sb[4];
		t->winsize_changed = true;
	}
	t->sb_len = 0;
	t->sb_overflow = false;
}

static void subneg_byte(struct telnet *t, unsigned char c)
{
	if (t->sb_len < sizeof(t->sb))
		t->sb[t->sb_len++] = c;
	else
		t->sb_overflow = true;
}

size_t telnet_input(struct telnet *t, unsigned char *buf, size_t n,
		    unsigned char *reply, size_t *reply_len, size_t reply_cap)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		switch (t->state) {
		case T_DATA:
			if (c == TELNET_IAC) {
				t->state = T_IAC;
				break;
			}
			/* NVT end of line: CR LF or CR NUL stand for CR. */
			if (t->after_cr && (c == '\n' || c == 0)) {
				t->after_cr = false;
				break;
			}
			t->after_cr = c == '\r';
			buf[out++] = c;
			break;
		case T_IAC:
			t->state = T_DATA;
			if (c == TELNET_IAC) {
				t->after_cr = false;
				buf[out++] = c;		/* escaped 0xff */
			} else if (c >= TELNET_WILL && c <= TELNET_DONT) {
				t->cmd = c;
				t->state = T_OPT;
			} else if (c == TELNET_SB) {
				t->sb_len = 0;
				t->sb_overflow = false;
				t->state = T_SB;
			}
			/* other commands (NOP, AYT, GA, ...) are dropped */
			break;
		case T_OPT:
			option(t, c, reply, reply_len, reply_cap);
			t->state = T_DATA;
			break;
		case T_SB:
			if (c == TELNET_IAC)
				t->state = T_SB_IAC;
			else
				subneg_byte(t, c);
			break;
		case T_SB_IAC:
			if (c == TELNET_SE) {
				subneg_end(t);
				t->state = T_DATA;
			} else {
				subneg_byte(t, c);	/* IAC IAC = a 0xff value */
				t->state = T_SB;
			}
			break;
		}
	}
	return out;
}

size_t telnet_escape(const void *in, size_t n, unsigned char *out)
{
	const unsigned char *p = in;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		out[o++] = p[i];
		if (p[i] == TELNET_IAC)
			out[o++] = TELNET_IAC;
	}
	return o;
}
