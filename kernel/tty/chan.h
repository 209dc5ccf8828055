/* Inside the tty room: a line (console or serial line) and the host
 * channels behind it. A line reads from one channel and writes to another
 * (the same one unless the spec was "<in>,<out>"). Channel types live in
 * chan_fd.c (fd:, tty:, null, file:), chan_pty.c (pts, pty), chan_port.c
 * (port:) and chan_xterm.c (xterm); line.c moves the bytes. */
#ifndef TTY_CHAN_H
#define TTY_CHAN_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "tty/tty.h"

struct chan;
struct line;

struct chan_type {
	const char *name;		/* "fd", "pts", ... */
	/* Open the host side for line minor; arg is the text after "name:"
	 * (NULL when the spec had no colon). On failure return -errno with
	 * a message for the user in err. */
	int (*open)(struct chan *c, const char *arg, int minor, char *err, size_t errlen);
	/* Input bytes from the host, filtered in place (telnet); returns the
	 * length left. NULL = all data. */
	size_t (*filter)(struct chan *c, unsigned char *buf, size_t n);
	/* End of host input. NULL = the guest line sees end of input (its
	 * readers get 0 once drained). */
	void (*eof)(struct chan *c);
	/* Give back what open took (the line was not created). NULL = nothing. */
	void (*release)(struct chan *c);
	/* Output bytes are escaped into the queue (telnet IAC). */
	bool escape_iac;
};

struct chan {
	const struct chan_type *type;
	struct line *line;
	int fd;				/* host fd now; -1 = none (null, port idle) */
	int aux_fd;			/* kept open by the type (a pty slave), -1 */
	bool raw_tty;			/* a raw host terminal: kernel text needs CR LF */
	/* Output is queued and written when the fd is writable, so a host
	 * side that stops reading never stalls the kernel. */
	bool async;
	bool is_in, is_out;		/* which of its line's directions it serves */
	bool no_input;			/* another line reads this fd already */
	bool host_eof;			/* the host side's input ended */
	short watched;			/* poll events registered for fd */
	unsigned char *q;		/* queued output */
	size_t q_len, q_cap;
	char desc[4200];		/* config readback: "fd:0", "file:<path>" */
	void *priv;			/* the type's own state */
};

struct line {
	struct tty *tty;
	struct chan *in, *out;		/* may be the same channel */
	/* Host input the ldisc could not take yet (full buffer). */
	unsigned char pend[1024];
	size_t pend_off, pend_len;
	bool eof;			/* input ended for good */
};

extern const struct chan_type chan_fd_type, chan_tty_type, chan_null_type,
	chan_file_type, chan_pts_type, chan_pty_type, chan_port_type,
	chan_xterm_type;

/* line.c, for channel types. */
/* Recompute which poll events the channel's fd needs. */
void chan_update_watch(struct chan *c);
/* Give the channel a host fd (a port's new client), or take it away (-1). */
void chan_set_fd(struct chan *c, int fd);
/* Flush the output queue as far as the fd takes it now. */
void chan_flush(struct chan *c);
/* Queue bytes to the channel without escaping (telnet negotiation). */
void chan_queue_raw(struct chan *c, const void *buf, size_t n);
/* The host side went away: the guest tty is hung up (SIGHUP to the
 * session, open files return EOF), queued output is dropped. */
void chan_hangup(struct chan *c);
/* "Virtual console N" / "Serial line N" announcement of a host device,
 * to the kernel log and, if the console does not already show it there,
 * host stderr. */
void chan_announce(int minor, const char *dev);
/* Is fd the kernel console's host output (messages already shown)? */
bool chan_console_is(int fd);

/* chan_fd.c: put a host terminal in raw mode, restored at exit. */
void chan_make_raw(int fd);
/* chan_xterm.c: stop the terminal emulators (async-signal-safe). */
void chan_xterm_kill_all(void);
/* chan_pty.c: a new Unix98 pty, raw, master non-blocking; the slave's
 * path in name, an open slave fd in *slave. Returns the master fd or
 * -errno with err filled. */
int chan_pty_open(char *name, size_t namelen, int *slave, char *err, size_t errlen);
/* Close fd and aux_fd (pts, xterm release). */
void chan_pty_release(struct chan *c);
#endif
