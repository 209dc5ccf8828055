/* hostfs data: reads and writes of regular files through one host fd per
 * inode (the generic file code, the page cache and mmap call these at any
 * offset), and directory opens with a host fd of their own. Host fds are
 * reopened from the inode's O_PATH fd, so they work for unlinked files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "fs/hostfs.h"

/* The inode's I/O fd, able to write if write is set. O_RDWR when the host
 * allows it, else just the access needed (whose refusal is the host's
 * permission check). */
static int io_fd(struct inode *ino, bool write)
{
	struct hostfs_inode *hi = HOSTFS_I(ino);
	int want = write ? O_WRONLY : O_RDONLY;
	int extra = O_CLOEXEC | O_NOCTTY | (HOSTFS_SB(ino->sb)->append ? O_APPEND : 0);
	char path[32];
	int fd, mode = O_RDWR;

	if (hi->io_fd >= 0 && (hi->io_mode == O_RDWR || hi->io_mode == want))
		return hi->io_fd;
	hostfs_fd_path(hi->fd, path);
	fd = open(path, O_RDWR | extra);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS ||
		       errno == ETXTBSY)) {
		mode = want;
		fd = open(path, want | extra);
	}
	if (fd < 0)
		return -errno;
	if (hi->io_fd >= 0)
		close(hi->io_fd);
	hi->io_fd = fd;
	hi->io_mode = mode;
	return fd;
}

ssize_t hostfs_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	int fd = io_fd(ino, false);
	size_t done = 0;

	if (fd < 0)
		return fd;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !done)
			return -errno;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

/* With hostfs=...,append the host fd has O_APPEND: every write lands at
 * the end, whatever off says (as in UML). */
ssize_t hostfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	int fd = io_fd(ino, true);
	size_t done = 0;

	if (fd < 0)
		return fd;
	if (off > (uint64_t)INT64_MAX - len)
		return -EFBIG;
	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !done)
			return -errno;
		if (n <= 0)
			break;
		done += n;
	}
	hostfs_refresh(ino);
	return done;
}

int hostfs_fsync(struct inode *ino)
{
	int fd;

	if (!S_ISREG(ino->mode))
		return 0;
	fd = io_fd(ino, false);
	if (fd < 0)
		return fd;
	return fsync(fd) ? -errno : 0;
}

int hostfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	int fd = io_fd(ino, true);

	if (fd < 0)
		return fd;
	if (fallocate(fd, mode, off, len))
		return -errno;
	hostfs_refresh(ino);
	return 0;
}

/* ---- directories ----------------------------------------------------- */

/* f->priv holds the host fd plus one, so a NULL priv is no fd. */
static int file_fd(struct file *f)
{
	return (int)(intptr_t)f->priv - 1;
}

static int hostfs_dir_open(struct inode *ino, struct file *f)
{
	int fd = openat(HOSTFS_I(ino)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	f->priv = (void *)(intptr_t)(fd + 1);
	return 0;
}

/* Positions are the host's directory cookies (d_off), so a guest's
 * telldir/seekdir and a short buffer resume where the host would. */
static int hostfs_iterate(struct file *f, filldir_t fill, void *ctx)
{
	char buf[8192];
	int fd = file_fd(f);

	if (lseek(fd, f->pos, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (fill(ctx, d->d_name, strlen(d->d_name), d->d_ino, d->d_type,
				 d->d_off))
				return 0;
			f->pos = d->d_off;
			off += d->d_reclen;
		}
	}
}

static int hostfs_dir_fsync(struct file *f)
{
	return fsync(file_fd(f)) ? -errno : 0;
}

static void hostfs_dir_release(struct file *f)
{
	if (f->priv)
		close(file_fd(f));
	f->priv = NULL;
}

const struct file_ops hostfs_dir_fops = {
	.open = hostfs_dir_open,
	.iterate = hostfs_iterate,
	.fsync = hostfs_dir_fsync,
	.release = hostfs_dir_release,
};
