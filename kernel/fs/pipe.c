/* Pipe and FIFO files: anonymous pipes, FIFO opens, and the file
 * operations over the state machine in pipe_ring.c. Every change that
 * could let someone proceed (data, room, an end opening or closing) wakes
 * the matching wait queue; the syscall layer parks callers that got
 * -EAGAIN.
 *
 * FIFO opens block until the other side appears. In this kernel a blocked
 * syscall is retried from the start, so a waiting open keeps a record
 * (struct fifo_opener) holding its end's count: the partner sees it as
 * present, and the retry finds the record and completes once the partner's
 * open counter has moved. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "fs/pipe.h"
#include "task/task.h"
#include "mm/uaccess.h"
#include "lib/ktime.h"

/* ---- FIFO open records ---- */

struct fifo_opener {
	struct list node;
	int tid;
	bool reader;			/* which count it holds */
	unsigned long seen;		/* partner's open counter at the start */
};

/* The inode's pipe goes when the last end (or waiting open) does. */
static void pipe_maybe_free(struct pipe *p)
{
	struct inode *ino;

	if (p->readers || p->writers || !list_empty(&p->openers))
		return;
	ino = p->inode;
	if (ino) {
		ino->fifo = NULL;
		p->inode = NULL;
	}
	pipe_free(p);
	iput(ino);
}

static void opener_drop(struct pipe *p, struct fifo_opener *o)
{
	if (o->reader)
		p->readers--;
	else
		p->writers--;
	list_del(&o->node);
	free(o);
	pipe_wake_all(p);
}

static bool in_open_syscall(const struct task *t)
{
	return t->sc_nr == __NR_open || t->sc_nr == __NR_openat ||
	       t->sc_nr == __NR_creat || t->sc_nr == __NR_openat2;
}

/* Forget records of tasks that are gone or have given up the open without
 * cancelling (killed while parked). */
static void fifo_purge(struct pipe *p)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p->openers) {
		struct fifo_opener *o = list_entry(pos, struct fifo_opener, node);
		struct task *t = task_by_tid(o->tid);

		if (!t || t->state == TASK_DEAD || !in_open_syscall(t))
			opener_drop(p, o);
	}
}

static struct fifo_opener *opener_find(struct pipe *p, int tid)
{
	struct list *pos;

	list_for_each(pos, &p->openers) {
		struct fifo_opener *o = list_entry(pos, struct fifo_opener, node);
		if (o->tid == tid)
			return o;
	}
	return NULL;
}

static int opener_add(struct pipe *p, int tid, bool reader)
{
	struct fifo_opener *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->tid = tid;
	o->reader = reader;
	o->seen = reader ? p->w_counter : p->r_counter;
	list_add_tail(&o->node, &p->openers);
	return 0;
}

bool fifo_open_wait(struct inode *ino, struct poll_table *pt)
{
	struct pipe *p = ino ? ino->fifo : NULL;

	if (!p)
		return false;
	poll_wait(pt, &p->open_wait);
	return true;
}

void fifo_open_cancel(struct inode *ino, int tid)
{
	struct pipe *p = ino ? ino->fifo : NULL;
	struct fifo_opener *o;

	if (!p)
		return;
	o = opener_find(p, tid);
	if (o) {
		opener_drop(p, o);
		pipe_maybe_free(p);
	}
}

/* ---- file operations ---- */

/* Per open file: its pipe and, for a FIFO reader opened without a writer,
 * the writer counter then (no POLLHUP until a writer has come). */
struct pipe_end {
	struct pipe *pipe;
	unsigned long w_seen;
};

static const struct file_ops pipe_fops;

static struct pipe *file_pipe(const struct file *f)
{
	const struct pipe_end *e = f->priv;

	return f->op == &pipe_fops && e ? e->pipe : NULL;
}

static bool can_read(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool can_write(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static ssize_t pipe_fop_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct pipe *p = file_pipe(f);

	if (!p)
		return -EBADF;
	return pipe_read_data(p, buf, len);
}

static ssize_t pipe_fop_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct pipe *p = file_pipe(f);

	if (!p)
		return -EBADF;
	if (!list_empty(&p->openers))
		fifo_purge(p);
	return pipe_write_data(p, buf, len);
}

static int64_t pipe_fop_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static unsigned pipe_fop_poll(struct file *f, struct poll_table *pt)
{
	struct pipe_end *e = f->priv;
	struct pipe *p = file_pipe(f);
	bool rd, wr;

	if (!p)
		return POLLNVAL;
	rd = can_read(f);
	wr = can_write(f);
	if (rd)
		poll_wait(pt, &p->rd_wait);
	if (wr)
		poll_wait(pt, &p->wr_wait);
	return pipe_poll_mask(p, rd, wr, e->w_seen != p->w_counter);
}

static long pipe_fop_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct pipe *p = file_pipe(f);
	int n;

	if (!p)
		return -EBADF;
	if (cmd != FIONREAD)
		return -ENOTTY;
	n = (int)p->ring.used;
	if (!current)
		return -EFAULT;
	return put_user(current, arg, &n);
}

static void pipe_fop_release(struct file *f)
{
	struct pipe_end *e = f->priv;
	struct pipe *p = e ? e->pipe : NULL;

	if (!p)
		return;
	if (can_read(f))
		p->readers--;
	if (can_write(f))
		p->writers--;
	f->priv = NULL;
	free(e);
	pipe_wake_all(p);
	pipe_maybe_free(p);
}

static int pipe_end_attach(struct file *f, struct pipe *p, unsigned long w_seen)
{
	struct pipe_end *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->pipe = p;
	e->w_seen = w_seen;
	f->priv = e;
	return 0;
}

/* Undo the counts an open took (no file is left to release them). */
static void fifo_open_undo(struct pipe *p, int acc)
{
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != O_RDONLY)
		p->writers--;
	pipe_wake_all(p);
	pipe_maybe_free(p);
}

static int fifo_open(struct inode *ino, struct file *f)
{
	struct pipe *p = ino->fifo;
	int acc = f->flags & O_ACCMODE;
	bool nonblock = (f->flags & O_NONBLOCK) || !current;
	int tid = current ? current->tid : 0;
	unsigned long w_seen = 0;
	struct fifo_opener *o;
	int err;

	if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR)
		return -EINVAL;
	if (!p) {
		p = pipe_alloc();
		if (!p)
			return -ENOMEM;
		p->inode = iget(ino);
		ino->fifo = p;
	}
	fifo_purge(p);

	/* The retry of an open that parked: its count is already held. */
	o = current ? opener_find(p, tid) : NULL;
	if (o && o->reader != (acc == O_RDONLY)) {
		opener_drop(p, o);
		o = NULL;
	}
	if (o) {
		if ((o->reader ? p->w_counter : p->r_counter) == o->seen)
			return -EAGAIN;
		list_del(&o->node);
		free(o);
		goto attach;
	}

	switch (acc) {
	case O_RDONLY:
		p->readers++;
		p->r_counter++;
		pipe_wake_all(p);
		if (!p->writers) {
			if (nonblock) {
				w_seen = p->w_counter;
				break;
			}
			err = opener_add(p, tid, true);
			if (err < 0) {
				fifo_open_undo(p, acc);
				return err;
			}
			return -EAGAIN;
		}
		break;
	case O_WRONLY:
		if (!p->readers && nonblock) {
			pipe_maybe_free(p);
			return -ENXIO;
		}
		p->writers++;
		p->w_counter++;
		pipe_wake_all(p);
		if (!p->readers) {
			err = opener_add(p, tid, false);
			if (err < 0) {
				fifo_open_undo(p, acc);
				return err;
			}
			return -EAGAIN;
		}
		break;
	default:
		/* O_RDWR never waits (Linux allows it; POSIX leaves it open). */
		p->readers++;
		p->writers++;
		p->r_counter++;
		p->w_counter++;
		pipe_wake_all(p);
		break;
	}
attach:
	err = pipe_end_attach(f, p, w_seen);
	if (err < 0) {
		fifo_open_undo(p, acc);
		return err;
	}
	return 0;
}

static const struct file_ops pipe_fops = {
	.open = fifo_open,
	.read = pipe_fop_read,
	.write = pipe_fop_write,
	.llseek = pipe_fop_llseek,
	.ioctl = pipe_fop_ioctl,
	.poll = pipe_fop_poll,
	.release = pipe_fop_release,
};

bool file_is_pipe(const struct file *f)
{
	return f && file_pipe(f);
}

size_t pipe_file_room(const struct file *f)
{
	struct pipe *p = file_pipe(f);

	return p ? p->ring.size - p->ring.used : 0;
}

long pipe_file_get_size(const struct file *f)
{
	struct pipe *p = file_pipe(f);

	return p ? (long)p->ring.size : -EBADF;
}

long pipe_file_set_size(struct file *f, unsigned long size, bool privileged)
{
	struct pipe *p = file_pipe(f);
	size_t n = PIPE_MIN_SIZE;
	int err;

	if (!p)
		return -EBADF;
	if (size > PIPE_MAX_SIZE && !privileged)
		return -EPERM;
	if (size > (1ul << 30))
		return -EINVAL;
	while (n < size)
		n <<= 1;
	err = pipe_ring_resize(&p->ring, n);
	if (err < 0)
		return err;
	pipe_wake_all(p);
	return (long)n;
}

/* ---- anonymous pipes ---- */

static int pipefs_statfs(struct super_block *sb, struct kstatfs *st)
{
	statfs_virtual(sb, st, 0x50495045 /* PIPEFS_MAGIC */);
	return 0;
}

static const struct super_ops pipefs_sops = {
	.statfs = pipefs_statfs,
};

static const struct inode_ops pipefs_iops;

static struct super_block pipefs_sb = {
	.op = &pipefs_sops,
	.flags = 0,
	.refs = 1,
};
static uint64_t pipefs_next_ino = 1;

static struct inode *pipe_inode_new(void)
{
	struct inode *ino;
	struct timespec now = ktime_real();

	if (!pipefs_sb.dev)
		pipefs_sb.dev = new_anon_dev();
	ino = inode_new(&pipefs_sb, pipefs_next_ino++);
	if (!ino)
		return NULL;
	ino->mode = S_IFIFO | 0600;
	ino->nlink = 1;
	if (current) {
		ino->uid = current->proc->cred.fsuid;
		ino->gid = current->proc->cred.fsgid;
	}
	ino->atime = ino->mtime = ino->ctime = now;
	ino->op = &pipefs_iops;
	ino->fop = &pipe_fops;
	return ino;
}

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	unsigned extra = flags & (O_NONBLOCK | O_DIRECT);
	struct inode *ino;
	struct pipe *p;
	struct file *r = NULL, *w = NULL;
	int err = -ENOMEM;

	p = pipe_alloc();
	if (!p)
		return -ENOMEM;
	ino = pipe_inode_new();
	if (!ino) {
		pipe_free(p);
		return -ENOMEM;
	}
	/* Like a FIFO opened once each way: the inode holds the pipe. */
	p->inode = ino;
	ino->fifo = p;
	p->r_counter = p->w_counter = 1;
	r = file_alloc(ino, &pipe_fops, O_RDONLY | extra);
	w = file_alloc(ino, &pipe_fops, O_WRONLY | extra);
	if (!r || !w || pipe_end_attach(r, p, 0) < 0 || pipe_end_attach(w, p, 0) < 0)
		goto fail;
	p->readers = p->writers = 1;
	*rd = r;
	*wr = w;
	return 0;
fail:
	/* Nothing counted yet: drop the files (no ends attached count) and
	 * then the pipe with the inode reference it holds. */
	if (r) {
		free(r->priv);
		r->priv = NULL;
		file_put(r);
	}
	if (w) {
		free(w->priv);
		w->priv = NULL;
		file_put(w);
	}
	p->readers = p->writers = 0;
	pipe_maybe_free(p);
	return err;
}

int pipe_init(void)
{
	register_fifo_fops(&pipe_fops);
	return 0;
}
