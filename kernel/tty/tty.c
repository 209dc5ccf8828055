/* Terminal devices: file operations, controlling terminals, job control. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "fs/vfs.h"
#include "lib/kerrno.h"
#include "lib/ktime.h"
#include "mm/uaccess.h"
#include "signal/signal.h"
#include "task/task.h"
#include "tty/pty.h"
#include "tty/tty.h"

/* TCGETS2 and friends, spelled out: the header macros need struct termios2. */
#define KTCGETS2	0x802c542aU
#define KTCSETS2	0x402c542bU
#define KTCSETSW2	0x402c542cU
#define KTCSETSF2	0x402c542dU

static struct tty *ttys[TTY_NR_TTYS];
static int console_minor;

/* An open tty file: which tty, and which hangup generation it belongs to. */
struct tty_file {
	struct tty *tty;
	unsigned gen;
};

static struct process *cur_proc(void)
{
	return current ? current->proc : NULL;
}

/* ---- the ldisc's callbacks ------------------------------------------------ */

static void driver_out(void *arg, const char *buf, size_t n)
{
	struct tty *tty = arg;

	if (tty->ops && tty->ops->write)
		tty->ops->write(tty, buf, n);
}

static void ldisc_sig(void *arg, int sig)
{
	struct tty *tty = arg;

	if (tty->pgrp > 0)
		signal_send_pgrp(tty->pgrp, sig);
	waitq_wake_all(&tty->wq);
}

/* ---- registry ---------------------------------------------------------------- */

static bool is_pty(int index)
{
	return index >= TTY_PTY_BASE && index < TTY_NR_TTYS;
}

static void tty_name_for(int minor, char *buf, size_t len)
{
	if (is_pty(minor))
		snprintf(buf, len, "pts/%d", minor - TTY_PTY_BASE);
	else if (minor >= TTY_SERIAL_BASE)
		snprintf(buf, len, "ttyS%d", minor - TTY_SERIAL_BASE);
	else
		snprintf(buf, len, "tty%d", minor);
}

struct tty *tty_register(int minor, const struct tty_driver_ops *ops, void *data)
{
	struct tty *tty;

	if (minor < 0 || minor >= TTY_NR_TTYS ||
	    (minor >= TTY_NR_CONSOLES && minor < TTY_SERIAL_BASE))
		return NULL;
	if (ttys[minor])
		return NULL;
	tty = calloc(1, sizeof(*tty));
	if (!tty)
		return NULL;
	tty->index = minor;
	tty_name_for(minor, tty->name, sizeof(tty->name));
	ldisc_init(&tty->ld, driver_out, ldisc_sig, tty);
	waitq_init(&tty->wq);
	tty->ws.ws_row = 24;
	tty->ws.ws_col = 80;
	tty->ops = ops;
	tty->driver_data = data;
	ttys[minor] = tty;
	return tty;
}

struct tty *tty_lookup(int minor)
{
	if (minor < 0 || minor >= TTY_NR_TTYS)
		return NULL;
	return ttys[minor];
}

void tty_unregister(struct tty *tty)
{
	if (ttys[tty->index] == tty)
		ttys[tty->index] = NULL;
	free(tty);
}

int tty_set_console(const char *name)
{
	char *end;
	long n;

	if (!strncmp(name, "ttyS", 4)) {
		n = strtol(name + 4, &end, 10);
		if (end == name + 4 || *end || n < 0 || n >= TTY_NR_SERIAL)
			return -EINVAL;
		console_minor = TTY_SERIAL_BASE + n;
		return 0;
	}
	if (strncmp(name, "tty", 3))
		return -EINVAL;
	if (!name[3]) {
		console_minor = 0;
		return 0;
	}
	n = strtol(name + 3, &end, 10);
	if (*end || n < 0 || n >= TTY_NR_CONSOLES)
		return -EINVAL;
	console_minor = n;
	return 0;
}

struct tty *tty_console(void)
{
	return tty_lookup(console_minor);
}

dev_t tty_devt(int index)
{
	if (index < 0 || index >= TTY_NR_TTYS)
		return 0;
	if (is_pty(index))
		return makedev(PTY_SLAVE_MAJOR, index - TTY_PTY_BASE);
	return makedev(TTY_MAJOR, index);
}

static void disassociate(struct tty *tty);

/* ---- backend side -------------------------------------------------------- */

size_t tty_receive(struct tty *tty, const void *buf, size_t n)
{
	size_t took = ldisc_receive(&tty->ld, buf, n);

	if (n)
		waitq_wake_all(&tty->wq);
	return took;
}

void tty_input_hangup(struct tty *tty)
{
	ldisc_hangup(&tty->ld);
	waitq_wake_all(&tty->wq);
}

void tty_hangup(struct tty *tty)
{
	int sid = tty->session;

	/* The session leader hears of it too, as with Linux's tty_vhangup. */
	if (sid > 0 && sid != tty->pgrp) {
		signal_send_pgrp(sid, SIGHUP);
		signal_send_pgrp(sid, SIGCONT);
	}
	disassociate(tty);
	ldisc_flush_input(&tty->ld);
	tty->hangup_gen++;
	waitq_wake_all(&tty->wq);
}

void tty_set_winsize(struct tty *tty, const struct winsize *ws)
{
	if (!memcmp(ws, &tty->ws, sizeof(*ws)))
		return;
	tty->ws = *ws;
	if (tty->pgrp > 0)
		signal_send_pgrp(tty->pgrp, SIGWINCH);
}

/* ---- sessions and process groups ----------------------------------------- */

struct pgrp_query {
	int pgid, sid;
	bool found;		/* a member exists */
	int member_sid;
	bool outside_parent;	/* a member's parent keeps the group attached */
};

static int pgrp_query_fn(struct process *p, void *arg)
{
	struct pgrp_query *q = arg;
	struct process *par = p->parent;

	if (p->pgid != q->pgid || p->zombie)
		return 0;
	if (!q->found) {
		q->found = true;
		q->member_sid = p->sid;
	}
	if (par && par->pid != 1 && par->pgid != q->pgid && par->sid == q->sid)
		q->outside_parent = true;
	return 0;
}

static void pgrp_query(struct pgrp_query *q, int pgid, int sid)
{
	memset(q, 0, sizeof(*q));
	q->pgid = pgid;
	q->sid = sid;
	for_each_process(pgrp_query_fn, q);
}

static int clear_ctty_fn(struct process *p, void *arg)
{
	if (p->sid == *(int *)arg)
		p->tty_index = -1;
	return 0;
}

/* Every process of the session loses its controlling tty. */
static void session_clear_tty(int sid)
{
	for_each_process(clear_ctty_fn, &sid);
}

static void set_ctty(struct tty *tty, struct process *p)
{
	tty->session = p->sid;
	tty->pgrp = p->pgid;
	p->tty_index = tty->index;
}

/* The session lets go of the tty: SIGHUP and SIGCONT to the foreground. */
static void disassociate(struct tty *tty)
{
	int sid = tty->session, pgrp = tty->pgrp;

	tty->session = 0;
	tty->pgrp = 0;
	if (sid)
		session_clear_tty(sid);
	if (pgrp > 0) {
		signal_send_pgrp(pgrp, SIGHUP);
		signal_send_pgrp(pgrp, SIGCONT);
	}
}

void tty_session_exit(int sid)
{
	if (sid <= 0)
		return;
	for (int i = 0; i < TTY_NR_TTYS; i++) {
		struct tty *tty = ttys[i];

		if (!tty || tty->session != sid)
			continue;
		disassociate(tty);
		/* As Linux: a pty slave stays usable (only the master's close
		 * hangs it up). */
		if (!is_pty(i))
			tty->hangup_gen++;
		waitq_wake_all(&tty->wq);
	}
}

/* Linux's tty_check_change: may the caller act on the tty now? A
 * background group gets sig (SIGTTIN/SIGTTOU) and the call restarts after
 * the stop; if it can't be stopped, reads fail with EIO and writes go on. */
static int tty_check_change(struct tty *tty, int sig)
{
	struct process *p = cur_proc();
	struct pgrp_query q;

	if (!p || p->tty_index != tty->index || tty->pgrp <= 0 || p->pgid == tty->pgrp)
		return 0;
	if (signal_ignored(p, sig) || signal_blocked(current, sig))
		return sig == SIGTTIN ? -EIO : 0;
	pgrp_query(&q, p->pgid, p->sid);
	if (!q.outside_parent)
		return -EIO;		/* orphaned: nobody would continue it */
	signal_send_pgrp(p->pgid, sig);
	return -ERESTARTSYS;
}

/* ---- file operations --------------------------------------------------- */

static bool file_hung(struct tty_file *tf)
{
	return tf->gen != tf->tty->hangup_gen;
}

static int tty_open(struct inode *ino, struct file *f)
{
	unsigned maj = major(ino->rdev), min = minor(ino->rdev);
	struct process *p = cur_proc();
	bool noctty = f->flags & O_NOCTTY;
	struct tty_file *tf;
	struct tty *tty;

	if (maj == TTYAUX_MAJOR) {
		if (min == 0) {
			if (!p || p->tty_index < 0)
				return -ENXIO;
			tty = tty_lookup(p->tty_index);
			if (!tty)
				return -ENXIO;
		} else if (min == 1) {
			tty = tty_console();
			if (!tty)
				return -ENODEV;
		} else if (min == 2) {
			return pty_open_master(ino, f);
		} else {
			return -ENODEV;
		}
		noctty = true;		/* as Linux: /dev/tty, /dev/console */
	} else if (maj == PTY_SLAVE_MAJOR) {
		tty = min < TTY_NR_PTYS ? tty_lookup(TTY_PTY_BASE + min) : NULL;
		if (!tty)
			return -ENXIO;
	} else {
		tty = min < TTY_NR_MINORS ? tty_lookup(min) : NULL;
		if (!tty)
			return -ENODEV;
	}
	if (tty->ops && tty->ops->open) {
		int r = tty->ops->open(tty);

		if (r)
			return r;
	}
	tf = malloc(sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	tf->tty = tty;
	tf->gen = tty->hangup_gen;
	f->priv = tf;
	tty->open_count++;
	if (!noctty && p && p->pid == p->sid && p->tty_index < 0 && !tty->session)
		set_ctty(tty, p);
	return 0;
}

static void tty_release(struct file *f)
{
	struct tty_file *tf = f->priv;

	if (tf) {
		struct tty *tty = tf->tty;

		free(tf);
		f->priv = NULL;
		if (--tty->open_count == 0 && tty->ops && tty->ops->close)
			tty->ops->close(tty);	/* may free tty */
	}
}

/* VTIME: park with a deadline, restarted whenever a byte arrives. */
static void vtime_arm(struct tty *tty, int deciseconds)
{
	uint64_t now = ktime_ns();

	if (tty->vtime_tid != current->tid || !tty->vtime_deadline ||
	    tty->vtime_count != tty->ld.count) {
		tty->vtime_tid = current->tid;
		tty->vtime_deadline = now + (uint64_t)deciseconds * 100000000ULL;
		tty->vtime_count = tty->ld.count;
	}
	task_wait_until(current, tty->vtime_deadline);
}

static bool vtime_expired(struct tty *tty)
{
	return current && tty->vtime_deadline && tty->vtime_tid == current->tid &&
	       tty->vtime_count == tty->ld.count && ktime_ns() >= tty->vtime_deadline;
}

static ssize_t tty_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	unsigned flags = 0;
	ssize_t n;
	int r, to;

	if (file_hung(tf))
		return 0;
	r = tty_check_change(tty, SIGTTIN);
	if (r)
		return r;
	if (f->flags & O_NONBLOCK)
		flags |= LDISC_NONBLOCK;
	if (vtime_expired(tty))
		flags |= LDISC_TIMED_OUT;
	n = ldisc_read_flags(&tty->ld, buf, len, flags);
	if (n == -EAGAIN && !(f->flags & O_NONBLOCK) && current &&
	    (to = ldisc_read_timeout(&tty->ld)) > 0) {
		vtime_arm(tty, to);
	} else if (current && tty->vtime_tid == current->tid) {
		tty->vtime_tid = 0;
		tty->vtime_deadline = 0;
	}
	if (n > 0 && tty->ops && tty->ops->unthrottle)
		tty->ops->unthrottle(tty);
	return n;
}

static size_t write_room(struct tty *tty)
{
	return tty->ops && tty->ops->write_room ? tty->ops->write_room(tty) : (size_t)-1;
}

static ssize_t tty_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	size_t room;

	if (file_hung(tf))
		return -EIO;
	if (tty->ld.termios.c_lflag & TOSTOP) {
		int r = tty_check_change(tty, SIGTTOU);

		if (r)
			return r;
	}
	/* The host side is behind (a pty nobody reads, a port without a
	 * client): wait rather than pile up output. */
	room = write_room(tty);
	if (!room && len)
		return -EAGAIN;
	if (len > room)
		len = room;
	return ldisc_write_process(&tty->ld, buf, len, driver_out, tty);
}

static unsigned tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	unsigned mask = write_room(tty) ? POLLOUT | POLLWRNORM : 0;

	poll_wait(pt, &tty->wq);
	if (file_hung(tf))
		return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	if (ldisc_readable(&tty->ld))
		mask |= POLLIN | POLLRDNORM;
	if (tty->ld.hung_up)
		mask |= POLLHUP;
	return mask;
}

static int put_int(uint64_t arg, int v)
{
	return put_user(current, arg, &v);
}

static long set_termios(struct tty *tty, uint64_t arg, bool v2, bool flush)
{
	struct ktermios2 t2;
	struct ktermios t;
	int r = tty_check_change(tty, SIGTTOU);

	if (r)
		return r;
	if (v2) {
		r = copy_from_user(current, &t2, arg, sizeof(t2));
		memcpy(&t, &t2, sizeof(t));
	} else {
		r = copy_from_user(current, &t, arg, sizeof(t));
	}
	if (r)
		return r;
	if (flush)
		ldisc_flush_input(&tty->ld);
	ldisc_set_termios(&tty->ld, &t);
	waitq_wake_all(&tty->wq);	/* readability may have changed */
	return 0;
}

static long tiocsctty(struct tty *tty, uint64_t arg)
{
	struct process *p = cur_proc();

	if (p->pid == p->sid && tty->session == p->sid)
		return 0;
	if (p->pid != p->sid || p->tty_index >= 0)
		return -EPERM;
	if (tty->session) {
		if (arg != 1 || p->cred.euid != 0)
			return -EPERM;
		session_clear_tty(tty->session);
	}
	set_ctty(tty, p);
	return 0;
}

static long tiocspgrp(struct tty *tty, uint64_t arg)
{
	struct process *p = cur_proc();
	struct pgrp_query q;
	int pgrp, r;

	if (p->tty_index != tty->index || tty->session != p->sid)
		return -ENOTTY;
	r = tty_check_change(tty, SIGTTOU);
	if (r)
		return r;
	r = get_user(current, &pgrp, arg);
	if (r)
		return r;
	if (pgrp < 0)
		return -EINVAL;
	pgrp_query(&q, pgrp, p->sid);
	if (!q.found)
		return -ESRCH;
	if (q.member_sid != p->sid)
		return -EPERM;
	tty->pgrp = pgrp;
	return 0;
}

static long tty_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct tty_file *tf = f->priv;

	if (file_hung(tf))
		return -EIO;
	return tty_ioctl_tty(tf->tty, f, cmd, arg);
}

long tty_ioctl_tty(struct tty *tty, struct file *f, unsigned cmd, uint64_t arg)
{
	struct process *p = cur_proc();
	struct ktermios2 t2;
	struct winsize ws;
	dev_t dev;
	int v, r;

	if (!p)
		return -ENOTTY;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(current, arg, &tty->ld.termios, sizeof(struct ktermios));
	case KTCGETS2:
		memcpy(&t2, &tty->ld.termios, sizeof(struct ktermios));
		t2.c_ispeed = t2.c_ospeed = 38400;
		return copy_to_user(current, arg, &t2, sizeof(t2));
	case TCSETS:
	case TCSETSW:
		return set_termios(tty, arg, false, false);
	case TCSETSF:
		return set_termios(tty, arg, false, true);
	case KTCSETS2:
	case KTCSETSW2:
		return set_termios(tty, arg, true, false);
	case KTCSETSF2:
		return set_termios(tty, arg, true, true);
	case TCFLSH:
		r = tty_check_change(tty, SIGTTOU);
		if (r)
			return r;
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			ldisc_flush_input(&tty->ld);
		return 0;
	case TCXONC:
		r = tty_check_change(tty, SIGTTOU);
		if (r)
			return r;
		return arg > TCION ? -EINVAL : 0;
	case TCSBRK:
	case TCSBRKP:
	case TIOCSBRK:
	case TIOCCBRK:
	case TIOCEXCL:
	case TIOCNXCL:
		return 0;		/* output is never queued */
	case TIOCGWINSZ:
		return copy_to_user(current, arg, &tty->ws, sizeof(ws));
	case TIOCSWINSZ:
		r = copy_from_user(current, &ws, arg, sizeof(ws));
		if (r)
			return r;
		tty_set_winsize(tty, &ws);
		return 0;
	case TIOCSCTTY:
		return tiocsctty(tty, arg);
	case TIOCNOTTY:
		if (p->tty_index != tty->index)
			return -ENOTTY;
		if (p->pid == p->sid)
			disassociate(tty);
		else
			p->tty_index = -1;
		return 0;
	case TIOCGPGRP:
		if (p->tty_index != tty->index)
			return -ENOTTY;
		return put_int(arg, tty->pgrp);
	case TIOCSPGRP:
		return tiocspgrp(tty, arg);
	case TIOCGSID:
		if (p->tty_index != tty->index || !tty->session)
			return -ENOTTY;
		return put_int(arg, tty->session);
	case FIONREAD:
		return put_int(arg, ldisc_inq(&tty->ld));
	case TIOCOUTQ:
		return put_int(arg, 0);
	case TIOCGETD:
		return put_int(arg, 0);		/* N_TTY */
	case TIOCSETD:
		r = get_user(current, &v, arg);
		if (r)
			return r;
		return v == 0 ? 0 : -EINVAL;
	case TIOCGDEV:
		dev = tty_devt(tty->index);
		return put_int(arg, (major(dev) << 8) | (minor(dev) & 0xff) |
			       ((minor(dev) & ~0xffu) << 12));
	case FIONBIO:
		r = get_user(current, &v, arg);
		if (r)
			return r;
		if (v)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~O_NONBLOCK;
		return 0;
	case TIOCSTI:
		return -EIO;		/* legacy_tiocsti=0, as current Linux */
	default:
		return -ENOTTY;
	}
}

static int64_t tty_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_ops tty_fops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.llseek = tty_llseek,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
	.release = tty_release,
};

int tty_init(void)
{
	int r = register_chrdev(TTY_MAJOR, &tty_fops);

	if (!r)
		r = register_chrdev(TTYAUX_MAJOR, &tty_fops);
	if (!r)
		r = register_chrdev(PTY_SLAVE_MAJOR, &tty_fops);
	if (!r)
		r = pty_init();
	return r;
}
