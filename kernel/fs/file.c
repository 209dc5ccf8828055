/* Open files: reference counting, reads and writes with access-mode,
 * O_APPEND and position handling, and the generic operations of regular
 * files and directories (through the inode's operations). */
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mount.h>
#include "fs/vfs.h"
#include "fs/pagecache.h"
#include "fs/lock.h"
#include "lib/ktime.h"

#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct file *file_alloc(struct inode *ino, const struct file_ops *fop, unsigned flags)
{
	struct file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->flags = flags;
	f->inode = iget(ino);
	f->op = fop;
	return f;
}

struct file *file_get(struct file *f)
{
	if (f)
		f->refs++;
	return f;
}

void file_put(struct file *f)
{
	if (!f || vfs_halted || --f->refs > 0)
		return;
	/* OFD and flock locks belong to the open file description, and
	 * an inode this file holds last can keep no lock at all. */
	lock_release_file(f->inode, f);
	if (f->inode && f->inode->refs == 1)
		lock_inode_evict(f->inode);
	if (f->op && f->op->release)
		f->op->release(f);
	/* The inode first: the path may hold the last use of its mount. */
	iput(f->inode);
	path_put(&f->path);
	free(f);
}

static bool can_read(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool can_write(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;

	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

static bool seekable(const struct file *f)
{
	return f->inode && !S_ISFIFO(f->inode->mode) && !S_ISSOCK(f->inode->mode);
}

static ssize_t do_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (!can_read(f))
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!f->op || !f->op->read)
		return -EINVAL;
	return f->op->read(f, buf, len, pos);
}

static ssize_t do_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	if (!can_write(f))
		return -EBADF;
	if (!f->op || !f->op->write)
		return -EINVAL;
	if ((f->flags & O_APPEND) && f->inode && S_ISREG(f->inode->mode))
		*pos = f->inode->size;
	return f->op->write(f, buf, len, pos);
}

ssize_t file_read(struct file *f, void *buf, size_t len)
{
	uint64_t pos = f->pos;
	ssize_t ret = do_read(f, buf, len, &pos);

	if (ret >= 0)
		f->pos = pos;
	return ret;
}

ssize_t file_write(struct file *f, const void *buf, size_t len)
{
	uint64_t pos = f->pos;
	ssize_t ret = do_write(f, buf, len, &pos);

	if (ret >= 0)
		f->pos = pos;
	return ret;
}

ssize_t file_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	if (!can_read(f))
		return -EBADF;
	if (!seekable(f))
		return -ESPIPE;
	if ((int64_t)off < 0)
		return -EINVAL;
	return do_read(f, buf, len, &off);
}

/* Like Linux, pwrite on an O_APPEND file appends. */
ssize_t file_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
	if (!can_write(f))
		return -EBADF;
	if (!seekable(f))
		return -ESPIPE;
	if ((int64_t)off < 0)
		return -EINVAL;
	return do_write(f, buf, len, &off);
}

unsigned file_poll(struct file *f, struct poll_table *pt)
{
	if (f->op && f->op->poll)
		return f->op->poll(f, pt);
	return DEFAULT_POLLMASK;
}

int64_t llseek_in_size(struct file *f, int64_t off, int whence, uint64_t size)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* No holes are reported: data up to the size, a hole after. */
		if (off < 0 || (uint64_t)off >= size)
			return -ENXIO;
		if (whence == SEEK_HOLE)
			off = size;
		base = 0;
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

int64_t file_llseek(struct file *f, int64_t off, int whence)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (f->op && f->op->llseek)
		return f->op->llseek(f, off, whence);
	if (!seekable(f))
		return -ESPIPE;
	return llseek_in_size(f, off, whence, f->inode->size);
}

int file_iterate(struct file *f, filldir_t fill, void *ctx)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->op || !f->op->iterate)
		return -ENOTDIR;
	if (f->path.dentry && f->path.dentry->dead)
		return -ENOENT;
	return f->op->iterate(f, fill, ctx);
}

/* ---- generic operations ------------------------------------------------ */

static bool ts_before_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

/* relatime: update atime only if it is not newer than mtime/ctime or is
 * a day old, so reads rarely write inodes back. */
static void read_touch(struct file *f)
{
	struct inode *ino = f->inode;
	struct timespec now;

	if ((f->flags & O_NOATIME) || !f->path.mnt ||
	    (f->path.mnt->flags & MS_NOATIME) || vfs_path_rdonly(&f->path))
		return;
	now = ktime_real();
	if (ts_before_eq(ino->atime, ino->mtime) ||
	    ts_before_eq(ino->atime, ino->ctime) ||
	    now.tv_sec - ino->atime.tv_sec >= 24 * 3600)
		inode_touch(ino, ATTR_ATIME);
}

static ssize_t reg_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	ssize_t ret;

	if (!ino->op || !ino->op->read)
		return -EINVAL;
	if (ino->pcache)
		ret = pcache_read(ino, buf, len, *pos);
	else
		ret = ino->op->read(ino, buf, len, *pos);
	if (ret > 0) {
		*pos += ret;
		read_touch(f);
	}
	return ret;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	ssize_t ret;

	if (!ino->op || !ino->op->write)
		return -EINVAL;
	if (*pos > (uint64_t)INT64_MAX - len)
		return -EFBIG;
	if (len == 0)
		return 0;
	if (ino->pcache)
		pcache_writeback(ino);	/* mapped stores first, then this write */
	ret = ino->op->write(ino, buf, len, *pos);
	if (ret > 0) {
		if (ino->pcache)
			pcache_write(ino, buf, ret, *pos);
		*pos += ret;
		inode_touch(ino, ATTR_MTIME | ATTR_CTIME);
	}
	return ret;
}

static int reg_fsync(struct file *f)
{
	struct inode *ino = f->inode;

	if (ino->pcache)
		pcache_writeback(ino);
	return ino->op && ino->op->fsync ? ino->op->fsync(ino) : 0;
}

static int dir_iterate(struct file *f, filldir_t fill, void *ctx)
{
	struct inode *ino = f->inode;

	if (!ino->op || !ino->op->iterate)
		return -ENOTDIR;
	return ino->op->iterate(ino, &f->pos, fill, ctx);
}

static const struct file_ops reg_fops = {
	.read = reg_read,
	.write = reg_write,
	.fsync = reg_fsync,
};

static const struct file_ops dir_fops = {
	.iterate = dir_iterate,
	.fsync = reg_fsync,
};

const struct file_ops vfs_path_fops = { 0 };

const struct file_ops *vfs_file_ops_for(struct inode *ino, int *err)
{
	const struct file_ops *fop = NULL;

	*err = 0;
	if (ino->fop)
		return ino->fop;
	switch (ino->mode & S_IFMT) {
	case S_IFREG:
		return &reg_fops;
	case S_IFDIR:
		return &dir_fops;
	case S_IFCHR:
		fop = chrdev_fops(ino->rdev);
		break;
	case S_IFBLK:
		fop = blkdev_fops(ino->rdev);
		break;
	case S_IFIFO:
		fop = vfs_fifo_fops();
		break;
	case S_IFLNK:
		*err = -ELOOP;
		return NULL;
	}
	if (!fop)
		*err = -ENXIO;
	return fop;
}

int vfs_open_inode(struct inode *ino, unsigned flags, struct file **res)
{
	const struct file_ops *fop;
	struct file *f;
	int err;

	fop = vfs_file_ops_for(ino, &err);
	if (!fop)
		return err;
	f = file_alloc(ino, fop, flags);
	if (!f)
		return -ENOMEM;
	if (fop->open) {
		err = fop->open(ino, f);
		if (err) {
			f->op = NULL;	/* no release for a failed open */
			file_put(f);
			return err;
		}
	}
	f->flags &= ~O_NOCTTY;	/* for the open method only, as Linux */
	*res = f;
	return 0;
}
