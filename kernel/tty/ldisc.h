/* The line discipline (Linux's N_TTY): termios state, input editing, echo
 * and output processing. Pure: it knows nothing of tasks, files or the
 * host. Bytes to show go through the output callback, signal characters
 * through the signal callback. */
#ifndef TTY_LDISC_H
#define TTY_LDISC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>	/* flag and c_cc index values: the same as Linux's */

/* The kernel's struct termios as the guest sees it through TCGETS: 36
 * bytes, not glibc's. */
#define KNCCS 19
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[KNCCS];
};

/* struct termios2 (TCGETS2): the same plus the speeds. */
struct ktermios2 {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[KNCCS];
	uint32_t c_ispeed, c_ospeed;
};

#define LDISC_BUF_SIZE 4096

typedef void (*ldisc_out_fn)(void *arg, const char *buf, size_t n);
typedef void (*ldisc_sig_fn)(void *arg, int sig);

struct ldisc {
	struct ktermios termios;
	/* Input: buf[0..count) unread bytes; in canonical mode the first
	 * canon_end of them are complete lines, the rest the line being
	 * edited. mark[] flags line ends and EOF placeholders. */
	unsigned char buf[LDISC_BUF_SIZE];
	unsigned char mark[LDISC_BUF_SIZE];
	size_t count, canon_end;
	int column;		/* output column, for tabs and erase */
	int canon_column;	/* column where the edited line began */
	bool lnext;		/* next byte is literal (VLNEXT) */
	bool stopped;		/* output stopped by VSTOP (IXON) */
	bool hung_up;		/* no more input: reads drain, then 0 */
	ldisc_out_fn output;
	ldisc_sig_fn signal;
	void *arg;
};

/* ldisc_read flags */
#define LDISC_NONBLOCK	1u	/* return partial data rather than wait */
#define LDISC_TIMED_OUT	2u	/* the VTIME wait expired: return what is there */

/* Linux's default termios; output and signal callbacks with their arg. */
void ldisc_init(struct ldisc *ld, ldisc_out_fn output, ldisc_sig_fn signal, void *arg);
void ldisc_default_termios(struct ktermios *t);
/* Install new settings (TCSETS); switching ICANON on makes the pending
 * bytes a readable line, as Linux does. */
void ldisc_set_termios(struct ldisc *ld, const struct ktermios *t);

/* Input from the device. Returns the bytes consumed: fewer than n only
 * when the buffer is full and a reader can make room (the caller keeps the
 * rest and offers it again after a read). A full canonical line drops
 * characters as Linux does, so input never stalls. */
size_t ldisc_receive(struct ldisc *ld, const void *bytes, size_t n);

/* Read up to n bytes: the count, 0 at EOF (VEOF at line start, hangup
 * once drained, VMIN=0 with nothing to read), or -EAGAIN to wait. */
ssize_t ldisc_read(struct ldisc *ld, void *buf, size_t n);
ssize_t ldisc_read_flags(struct ldisc *ld, void *buf, size_t n, unsigned flags);
/* After -EAGAIN: wait at most this many deciseconds (VTIME), 0 = no limit. */
int ldisc_read_timeout(const struct ldisc *ld);

/* Would poll() report POLLIN (VMIN bytes in raw mode with VTIME 0)? */
bool ldisc_readable(const struct ldisc *ld);
/* FIONREAD: bytes of complete lines (canonical) or all bytes. */
size_t ldisc_inq(const struct ldisc *ld);
/* Free room in the input buffer. */
size_t ldisc_room(const struct ldisc *ld);

/* Output processing (OPOST, ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS) of
 * n bytes, passed to out(arg, ...) in chunks. Returns n. */
size_t ldisc_write_process(struct ldisc *ld, const void *in, size_t n,
			   ldisc_out_fn out, void *arg);

void ldisc_flush_input(struct ldisc *ld);
/* The device went away: reads return what is buffered (a partial line
 * too), then 0. */
void ldisc_hangup(struct ldisc *ld);
#endif
