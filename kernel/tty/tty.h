/* Terminal devices: a line discipline, job control and a driver backend.
 *
 * Minors (= the index stored in struct process's tty_index): 0..15 are the
 * consoles /dev/tty0..15 (major 4), 64..127 the serial lines
 * /dev/ttyS0..63, 128..191 the pseudo-terminal slaves /dev/pts/0..63
 * (major 136, tty/pty.c). Major 5 holds /dev/tty (5:0, the caller's
 * controlling tty), /dev/console (5:1, the console= line) and /dev/ptmx
 * (5:2, which makes a new pty pair).
 *
 * Boot order for main:
 *   1. tty_init()                         register majors 4, 5 and 136, devpts
 *   2. tty_console_setup(0, 0, 1)         con0 = fd:0,fd:1 (or the con=,
 *      tty_line_setup_spec(...)           conN=, ssl=, sslN= options)
 *   3. tty_set_console("tty0")            console= option (default tty0)
 * Exit paths and fatal signal handlers call tty_restore_host(); the
 * kernel's SIGWINCH calls tty_host_winch(); a session leader's exit calls
 * tty_session_exit(sid); setsid() must set tty_index = -1 itself. */
#ifndef TTY_TTY_H
#define TTY_TTY_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include "lib/waitq.h"
#include "tty/ldisc.h"

#define TTY_MAJOR	4
#define TTYAUX_MAJOR	5
#define TTY_NR_CONSOLES	16
#define TTY_SERIAL_BASE	64
#define TTY_NR_SERIAL	64
#define TTY_NR_MINORS	(TTY_SERIAL_BASE + TTY_NR_SERIAL)	/* lines */
#define PTY_SLAVE_MAJOR	136
#define TTY_PTY_BASE	TTY_NR_MINORS
#define TTY_NR_PTYS	64
#define TTY_NR_TTYS	(TTY_PTY_BASE + TTY_NR_PTYS)	/* all indexes */

struct tty;
struct file;

/* The backend: lines over host channels (line.c and chan_*.c). */
struct tty_driver_ops {
	/* Output after processing; the backend takes it all. */
	void (*write)(struct tty *tty, const char *buf, size_t n);
	/* The ldisc has room again after a read: push held-back input. */
	void (*unthrottle)(struct tty *tty);
	/* Bytes a writer may send before it has to wait (the backend wakes
	 * tty->wq when there is room again). NULL = no limit. */
	size_t (*write_room)(struct tty *tty);
	/* Optional: may a file of the tty be opened now? 0 or -errno. */
	int (*open)(struct tty *tty);
	/* Optional: the last file of the tty was closed; may unregister it. */
	void (*close)(struct tty *tty);
};

struct tty {
	int index;			/* minor */
	char name[12];			/* "tty0", "ttyS3", "pts/2" */
	struct ldisc ld;
	struct waitq wq;		/* input, hangup, termios changes */
	int session;			/* sid it controls, 0 = none */
	int pgrp;			/* foreground process group, 0 = none */
	struct winsize ws;
	const struct tty_driver_ops *ops;
	void *driver_data;
	unsigned hangup_gen;		/* files opened before it are hung up */
	int open_count;
	/* VTIME wait of the reader in progress. */
	int vtime_tid;
	uint64_t vtime_deadline;
	size_t vtime_count;
};

int tty_init(void);

/* Create line `minor` with its backend; -EEXIST if configured. */
struct tty *tty_register(int minor, const struct tty_driver_ops *ops, void *data);
struct tty *tty_lookup(int minor);		/* NULL if not configured */
/* Take the tty out of the table and free it (no files may be open, no
 * process may have it as controlling tty: hang it up first). */
void tty_unregister(struct tty *tty);

/* console=: "tty0".."tty15", "ttyS0".."ttyS63"; -EINVAL otherwise. */
int tty_set_console(const char *name);
struct tty *tty_console(void);			/* NULL if none */

/* Backend side. tty_receive returns the bytes taken (the rest is offered
 * again from the unthrottle hook). */
size_t tty_receive(struct tty *tty, const void *buf, size_t n);
/* End of input from the device: reads drain the buffer, then return 0. */
void tty_input_hangup(struct tty *tty);
/* The host side went away (a port client left): SIGHUP and SIGCONT to
 * the session and foreground group, files opened before return EOF/EIO,
 * unread input is dropped. New opens work as before. */
void tty_hangup(struct tty *tty);
/* New window size; SIGWINCH to the foreground group if it changed. */
void tty_set_winsize(struct tty *tty, const struct winsize *ws);

/* The session sid is gone (its leader exited): SIGHUP and SIGCONT to the
 * foreground group, the files it had open are hung up, and every process
 * of the session loses its controlling tty. */
void tty_session_exit(int sid);

/* For /proc: the device number of a tty index, 0 if none. */
dev_t tty_devt(int index);

/* The ioctls of a tty on behalf of file f (termios, window size, job
 * control), for drivers with files of their own (the pty master). */
long tty_ioctl_tty(struct tty *tty, struct file *f, unsigned cmd, uint64_t arg);

/* line.c: lines over host channels. in_fd/out_fd -1 = null channel. */
int tty_console_setup(int index, int in_fd, int out_fd);
int tty_serial_setup(int index, int in_fd, int out_fd);
/* A con=/ssl= spec: "<chan>" or "<in>,<out>", each of fd:N, null,
 * tty:<dev>, file:<path> (output appended; no input), pts, pty,
 * port:<tcp-port>, xterm; or "none". minor as above. On failure returns
 * -errno with the reason in err ("No match for configured backends", ...)
 * and no line is created. */
int tty_line_config(int minor, const char *spec, char *err, size_t errlen);
/* The same, logging "Failed to set up <line> N with configuration string
 * ..." on failure. */
int tty_line_setup_spec(int minor, const char *spec);
/* Config readback, e.g. "fd:0,fd:1", "pts:/dev/pts/3", "port:9000". */
int tty_line_describe(int minor, char *buf, size_t len);
/* xterm= option: emulator, title switch, exec switch (NULL = xterm, -T, -e). */
void tty_set_xterm(const char *emulator, const char *title_switch,
		   const char *exec_switch);
void tty_restore_host(void);		/* async-signal-safe; stops xterms too */
void tty_host_winch(void);
void tty_console_write_kernel(const char *buf, size_t len);
#endif
