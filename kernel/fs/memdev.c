/* The major-1 character devices: null, zero, full, random, urandom, kmsg.
 * One set of operations dispatches on the minor of the opened inode. */
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <linux/random.h>
#include "fs/vfs.h"
#include "fs/devfs.h"
#include "task/task.h"
#include "mm/uaccess.h"
#include "lib/log.h"

enum {
	MEM_NULL = 3,
	MEM_ZERO = 5,
	MEM_FULL = 7,
	MEM_RANDOM = 8,
	MEM_URANDOM = 9,
	MEM_KMSG = 11,
};

#define KMSG_RECORD_MAX 2048

static unsigned mem_minor(const struct file *f)
{
	return f->inode ? minor(f->inode->rdev) : 0;
}

ssize_t host_random(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -errno;
		}
		done += n;
	}
	return done;
}

/* kmsg: f->priv is the sequence number of the next record to read. */
static ssize_t kmsg_read(struct file *f, void *buf, size_t len)
{
	char rec[KMSG_RECORD_MAX];
	unsigned long seq = (unsigned long)(uintptr_t)f->priv;
	ssize_t n;

	for (;;) {
		if (seq >= log_seq())
			return -EAGAIN;
		n = log_read_record(seq, rec, sizeof(rec));
		if (n == -EPIPE) {
			/* Overwritten: tell the reader once, then go on from
			 * the oldest record, as Linux does. */
			while (log_read_record(seq, rec, sizeof(rec)) == -EPIPE &&
			       seq < log_seq())
				seq++;
			f->priv = (void *)(uintptr_t)seq;
			return -EPIPE;
		}
		if (n < 0) {
			seq++;
			continue;
		}
		if ((size_t)n > len)
			return -EINVAL;
		memcpy(buf, rec, n);
		f->priv = (void *)(uintptr_t)(seq + 1);
		return n;
	}
}

/* A write is one message; a leading "<n>" picks its level. */
static ssize_t kmsg_write(const void *buf, size_t len)
{
	char text[1024];
	size_t n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
	const char *s = text;
	int level = KERN_INFO;

	memcpy(text, buf, n);
	text[n] = 0;
	if (s[0] == '<' && s[1] >= '0' && s[1] <= '7' && s[2] == '>') {
		level = s[1] - '0';
		s += 3;
	}
	n = strlen(s);
	while (n && s[n - 1] == '\n')
		n--;
	printk_level(level, "%.*s\n", (int)n, s);
	return len;
}

static int mem_open(struct inode *ino, struct file *f)
{
	switch (minor(ino->rdev)) {
	case MEM_NULL:
	case MEM_ZERO:
	case MEM_FULL:
	case MEM_RANDOM:
	case MEM_URANDOM:
		return 0;
	case MEM_KMSG:
		f->priv = (void *)(uintptr_t)0;
		return 0;
	default:
		return -ENXIO;
	}
}

static ssize_t mem_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	switch (mem_minor(f)) {
	case MEM_NULL:
		return 0;
	case MEM_ZERO:
	case MEM_FULL:
		memset(buf, 0, len);
		return len;
	case MEM_RANDOM:
	case MEM_URANDOM:
		return host_random(buf, len);
	case MEM_KMSG:
		return kmsg_read(f, buf, len);
	default:
		return -ENXIO;
	}
}

static ssize_t mem_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	switch (mem_minor(f)) {
	case MEM_NULL:
	case MEM_ZERO:
	case MEM_RANDOM:	/* "adds entropy": accepted and dropped */
	case MEM_URANDOM:
		return len;
	case MEM_FULL:
		return -ENOSPC;		/* even for an empty write, as Linux */
	case MEM_KMSG:
		return kmsg_write(buf, len);
	default:
		return -ENXIO;
	}
}

static int64_t mem_llseek(struct file *f, int64_t off, int whence)
{
	if (mem_minor(f) != MEM_KMSG) {
		/* Like Linux's null_lseek: the position stays 0. */
		f->pos = 0;
		return 0;
	}
	if (off != 0)
		return -ESPIPE;
	switch (whence) {
	case SEEK_SET:
		f->priv = (void *)(uintptr_t)0;
		return 0;
	case SEEK_END:
		f->priv = (void *)(uintptr_t)log_seq();
		return 0;
	case SEEK_DATA:
		return 0;
	default:
		return -EINVAL;
	}
}

/* kmsg has no queue the log wakes: it polls readable when a record is new
 * and otherwise relies on the caller's timeout or a signal. */
static unsigned mem_poll(struct file *f, struct poll_table *pt)
{
	unsigned long seq;

	if (mem_minor(f) != MEM_KMSG)
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	seq = (unsigned long)(uintptr_t)f->priv;
	return (seq < log_seq() ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

static long mem_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	unsigned m = mem_minor(f);
	int count = 4096;

	if (m != MEM_RANDOM && m != MEM_URANDOM)
		return -ENOTTY;
	switch (cmd) {
	case RNDGETENTCNT:
		if (!current)
			return -EFAULT;
		return put_user(current, arg, &count);
	case RNDADDTOENTCNT:
	case RNDADDENTROPY:
	case RNDZAPENTCNT:
	case RNDCLEARPOOL:
		if (!current || current->proc->cred.euid != 0)
			return -EPERM;
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_ops mem_fops = {
	.open = mem_open,
	.read = mem_read,
	.write = mem_write,
	.llseek = mem_llseek,
	.ioctl = mem_ioctl,
	.poll = mem_poll,
};

int memdev_init(void)
{
	return register_chrdev(1, &mem_fops);
}
