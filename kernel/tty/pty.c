/* Unix98 pseudo-terminals: the pair behind /dev/ptmx and /dev/pts/N.
 *
 * The slave is an ordinary struct tty (tty.c does its files, ldisc and job
 * control); this file is its driver. The slave's processed output is
 * queued here for the master to read; what the master writes is fed to
 * the slave's line discipline, which echoes back through the same queue.
 * Life: the master's close removes /dev/pts/N and hangs the slave up; the
 * pair (and its index) goes when both sides are closed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "fs/devpts.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include "task/task.h"
#include "tty/pty.h"
#include "tty/tty.h"

/* Slave writers wait once this much output is unread; echo (which cannot
 * wait) is dropped past the hard limit. */
#define OUTQ_SOFT	8192
#define OUTQ_HARD	65536

struct pty {
	int index;			/* N of /dev/pts/N */
	struct tty *slave;
	bool locked;			/* TIOCSPTLCK: slave opens fail with EIO */
	bool master_open;
	bool slave_closed;		/* its last file went: master reads EIO */
	char *out;			/* slave output the master has not read */
	size_t out_len, out_cap;
	struct waitq wq;		/* master readers, writers and pollers */
};

/* Owner of ptys opened by the kernel itself (no current task). */
static const struct cred kernel_cred;

static void pty_free(struct pty *pty)
{
	tty_unregister(pty->slave);
	devpts_kill_index(pty->index);
	free(pty->out);
	free(pty);
}

/* ---- the slave's driver ------------------------------------------------ */

static void slave_write(struct tty *tty, const char *buf, size_t n)
{
	struct pty *pty = tty->driver_data;
	size_t cap;
	char *nb;

	if (!pty->master_open || !n)
		return;
	if (n > OUTQ_HARD - pty->out_len)
		n = OUTQ_HARD - pty->out_len;
	if (pty->out_len + n > pty->out_cap) {
		cap = pty->out_cap ? pty->out_cap : 1024;
		while (cap < pty->out_len + n)
			cap *= 2;
		nb = realloc(pty->out, cap);
		if (!nb)
			return;
		pty->out = nb;
		pty->out_cap = cap;
	}
	memcpy(pty->out + pty->out_len, buf, n);
	pty->out_len += n;
	waitq_wake_all(&pty->wq);
}

static size_t slave_write_room(struct tty *tty)
{
	struct pty *pty = tty->driver_data;

	if (!pty->master_open)
		return (size_t)-1;	/* hung up: nothing is kept anyway */
	return pty->out_len < OUTQ_SOFT ? OUTQ_SOFT - pty->out_len : 0;
}

/* A slave read made room: a master writer can go on. */
static void slave_unthrottle(struct tty *tty)
{
	struct pty *pty = tty->driver_data;

	waitq_wake_all(&pty->wq);
}

static int slave_open(struct tty *tty)
{
	struct pty *pty = tty->driver_data;

	if (!pty->master_open || pty->locked)
		return -EIO;
	pty->slave_closed = false;
	return 0;
}

static void slave_close(struct tty *tty)
{
	struct pty *pty = tty->driver_data;

	pty->slave_closed = true;
	waitq_wake_all(&pty->wq);
	if (!pty->master_open)
		pty_free(pty);
}

static const struct tty_driver_ops slave_ops = {
	.write = slave_write,
	.unthrottle = slave_unthrottle,
	.write_room = slave_write_room,
	.open = slave_open,
	.close = slave_close,
};

/* ---- the master's file ------------------------------------------------- */

static ssize_t master_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct pty *pty = f->priv;

	if (!len)
		return 0;
	if (!pty->out_len)
		return pty->slave_closed ? -EIO : -EAGAIN;
	if (len > pty->out_len)
		len = pty->out_len;
	memcpy(buf, pty->out, len);
	memmove(pty->out, pty->out + len, pty->out_len - len);
	pty->out_len -= len;
	waitq_wake_all(&pty->slave->wq);	/* slave writers have room */
	return len;
}

/* Raw bytes into the slave's line discipline (the master's own termios
 * is raw on Linux too). */
static ssize_t master_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct pty *pty = f->priv;
	size_t took;

	if (!len)
		return 0;
	took = tty_receive(pty->slave, buf, len);
	return took ? (ssize_t)took : -EAGAIN;
}

static unsigned master_poll(struct file *f, struct poll_table *pt)
{
	struct pty *pty = f->priv;
	unsigned mask = 0;

	poll_wait(pt, &pty->wq);
	if (pty->out_len)
		mask |= POLLIN | POLLRDNORM;
	if (pty->slave_closed)
		mask |= POLLHUP;
	if (ldisc_room(&pty->slave->ld))
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static int64_t master_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

/* TIOCGPTPEER: open /dev/pts/N (as the caller's root sees it) for the
 * caller without a name lookup of its own. */
static long open_peer(struct pty *pty, uint64_t arg)
{
	struct process *p = current->proc;
	struct nameidata_ctx ctx = { p->fs, NULL, NULL };
	int flags = (int)arg & (O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	rlim_t lim = p->rlim[RLIMIT_NOFILE].rlim_cur;
	struct path path;
	struct file *f;
	char name[32];
	bool ours;
	int r;

	snprintf(name, sizeof(name), "/dev/pts/%d", pty->index);
	r = vfs_lookup(&ctx, name, LOOKUP_FOLLOW, &path);
	if (r)
		return r;
	ours = S_ISCHR(path.dentry->inode->mode) &&
	       path.dentry->inode->rdev == makedev(PTY_SLAVE_MAJOR, pty->index);
	path_put(&path);
	if (!ours)
		return -EIO;
	r = vfs_open(&ctx, name, flags & ~O_CLOEXEC, 0, &f);
	if (r)
		return r;
	r = fd_install(p->files, f, 0, flags & O_CLOEXEC,
		       lim > (1u << 20) ? (1 << 20) : (int)lim);
	if (r < 0)
		file_put(f);
	return r;
}

static long master_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct pty *pty = f->priv;
	struct tty *slave = pty->slave;
	unsigned n;
	int v, r;

	switch (cmd) {
	case TIOCGPTN:
		n = pty->index;
		return put_user(current, arg, &n);
	case TIOCSPTLCK:
		r = get_user(current, &v, arg);
		if (r)
			return r;
		pty->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		v = pty->locked;
		return put_user(current, arg, &v);
	case TIOCGPTPEER:
		return open_peer(pty, arg);
	case FIONREAD:
		v = pty->out_len;
		return put_user(current, arg, &v);
	case TIOCOUTQ:
		v = ldisc_inq(&slave->ld);
		return put_user(current, arg, &v);
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			pty->out_len = 0;
		if (arg == TCOFLUSH || arg == TCIOFLUSH)
			ldisc_flush_input(&slave->ld);
		waitq_wake_all(&slave->wq);
		return 0;
	case TIOCGPGRP:
		/* The slave's foreground group, asked from outside (as Linux). */
		v = slave->pgrp;
		return put_user(current, arg, &v);
	case TIOCPKT:
		/* Packet mode is not supported; turning it off is fine. */
		r = get_user(current, &v, arg);
		if (r)
			return r;
		return v ? -EINVAL : 0;
	case TIOCGPKT:
		v = 0;
		return put_user(current, arg, &v);
	case TIOCSCTTY:
		return -EINVAL;		/* a master as controlling tty: not supported */
	case TIOCNOTTY:
		return -ENOTTY;		/* never anyone's controlling tty */
	default:
		/* termios, window size (SIGWINCH to the slave's foreground),
		 * FIONBIO...: on the slave, as Linux's tty_pair_get_tty. */
		return tty_ioctl_tty(slave, f, cmd, arg);
	}
}

static void master_release(struct file *f)
{
	struct pty *pty = f->priv;

	if (!pty)
		return;
	f->priv = NULL;
	devpts_pty_kill(pty->index);
	/* Still open while the hangup signals go out: a slave close they
	 * might cause cannot free the pair under us. */
	tty_hangup(pty->slave);
	pty->master_open = false;
	pty->out_len = 0;
	if (!pty->slave->open_count)
		pty_free(pty);
}

static const struct file_ops master_fops = {
	.read = master_read,
	.write = master_write,
	.llseek = master_llseek,
	.ioctl = master_ioctl,
	.poll = master_poll,
	.release = master_release,
};

int pty_open_master(struct inode *ino, struct file *f)
{
	int index = devpts_new_index();
	struct pty *pty;

	if (index < 0)
		return index;
	pty = calloc(1, sizeof(*pty));
	if (!pty) {
		devpts_kill_index(index);
		return -ENOMEM;
	}
	pty->index = index;
	pty->slave = tty_register(TTY_PTY_BASE + index, &slave_ops, pty);
	if (!pty->slave) {
		devpts_kill_index(index);
		free(pty);
		return -ENOMEM;
	}
	memset(&pty->slave->ws, 0, sizeof(pty->slave->ws));	/* 0x0, as Linux */
	waitq_init(&pty->wq);
	pty->locked = true;
	pty->master_open = true;
	devpts_pty_new(index, current ? &current->proc->cred : &kernel_cred);
	f->op = &master_fops;
	f->priv = pty;
	return 0;
}

int pty_init(void)
{
	return devpts_init();
}
