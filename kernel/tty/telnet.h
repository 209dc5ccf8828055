/* A minimal telnet server side for port: channels (RFC 854/857/858/1073).
 * Pure: it knows nothing of sockets. We offer WILL ECHO and WILL
 * SUPPRESS-GO-AHEAD so clients send each key at once and let the guest
 * echo, and ask DO NAWS to learn the window size. */
#ifndef TTY_TELNET_H
#define TTY_TELNET_H
#include <stdbool.h>
#include <stddef.h>

#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_SE	240
#define TELNET_OPT_ECHO	1
#define TELNET_OPT_SGA	3
#define TELNET_OPT_NAWS	31

struct telnet {
	int state;
	unsigned char cmd;		/* WILL/WONT/DO/DONT awaiting its option */
	unsigned char sb[8];		/* subnegotiation bytes (NAWS needs 5) */
	size_t sb_len;
	bool sb_overflow;
	bool after_cr;			/* drop the LF or NUL that follows a CR */
	/* Set when a NAWS report arrived; the caller clears it. */
	bool winsize_changed;
	unsigned short cols, rows;
};

/* The server's opening negotiation. */
extern const unsigned char telnet_greeting[9];

void telnet_init(struct telnet *t);

/* Remove telnet commands from buf[0..n) in place and return the length of
 * the data left. Answers (refusals of options we don't do) are appended
 * to reply, at most reply_cap bytes in all; *reply_len is updated. State
 * carries over between calls, so a command may be split anywhere. */
size_t telnet_input(struct telnet *t, unsigned char *buf, size_t n,
		    unsigned char *reply, size_t *reply_len, size_t reply_cap);

/* Copy n data bytes to out doubling IAC (out needs room for 2 * n);
 * returns the bytes written. */
size_t telnet_escape(const void *in, size_t n, unsigned char *out);
#endif
