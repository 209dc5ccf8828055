/* ubd units: configuration (open, COW detection, host locking) and block
 * I/O through the block cache. The guest-facing device is ubd_blkdev.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <linux/fs.h>
#include "block/ubd.h"
#include "block/bcache.h"
#include "lib/log.h"

struct ubd {
	bool used;
	bool ro;
	int fd;
	char *file;
	uint64_t size;
	unsigned flags;
	int opens;
};

static struct ubd ubds[UBD_MAX];
void (*ubd_publish_hook)(int unit);

static struct ubd *unit_dev(int unit)
{
	if (unit < 0 || unit >= UBD_MAX || !ubds[unit].used)
		return NULL;
	return &ubds[unit];
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* preadv/pwritev until done. A read past the end of the host file (the
 * size is rounded up to 512) reads zeros. */
static int host_io(int fd, bool write, uint64_t off, const struct iovec *iov0,
		   int cnt)
{
	struct iovec iov[cnt];
	int i = 0;

	memcpy(iov, iov0, cnt * sizeof(*iov));
	while (i < cnt) {
		int n_iov = cnt - i > IOV_MAX ? IOV_MAX : cnt - i;
		ssize_t n = write ? pwritev(fd, iov + i, n_iov, off)
				  : preadv(fd, iov + i, n_iov, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			if (write)
				return -EIO;
			for (; i < cnt; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			return 0;
		}
		off += n;
		while (i < cnt && (size_t)n >= iov[i].iov_len) {
			n -= iov[i].iov_len;
			i++;
		}
		if (i < cnt) {
			iov[i].iov_base = (char *)iov[i].iov_base + n;
			iov[i].iov_len -= n;
		}
	}
	return 0;
}

static int ubd_host_read(int unit, uint64_t off, const struct iovec *iov, int cnt)
{
	return host_io(ubds[unit].fd, false, off, iov, cnt);
}

static int ubd_host_write(int unit, uint64_t off, const struct iovec *iov, int cnt)
{
	return host_io(ubds[unit].fd, true, off, iov, cnt);
}

static const struct bcache_backend ubd_backend = {
	.read = ubd_host_read,
	.write = ubd_host_write,
};

static bool is_cow_magic(int fd)
{
	unsigned char m[4];

	if (pread(fd, m, 4, 0) != 4)
		return false;
	return !memcmp(m, "OOOM", 4) || !memcmp(m, "MOOO", 4);
}

static int file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			return -errno;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		*size = st.st_size;
		return 0;
	}
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	*size = end;
	return 0;
}

/* fcntl lock of the whole file: write lock for rw, read lock for ro. */
static int lock_file(int fd, bool ro, int unit, const char *file,
		     char *err, size_t errlen)
{
	struct flock fl = {
		.l_type = ro ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};
	int e;

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	e = errno;
	if (e == EAGAIN || e == EACCES) {
		struct flock who = fl;

		if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK)
			set_err(err, errlen,
				"ubd%c: \"%s\" is locked by pid %d: errno = %d",
				'a' + unit, file, (int)who.l_pid, EAGAIN);
		else
			set_err(err, errlen, "ubd%c: \"%s\" is locked: errno = %d",
				'a' + unit, file, EAGAIN);
		return -EAGAIN;
	}
	set_err(err, errlen, "ubd%c: Failed to lock \"%s\": errno = %d",
		'a' + unit, file, e);
	return -e;
}

int ubd_configure(int unit, const char *file, const char *backing,
		  unsigned flags, char *err, size_t errlen)
{
	struct ubd *u;
	bool ro = flags & UBD_RDONLY;
	int oflags, fd, ret;
	uint64_t size;

	if (err && errlen)
		err[0] = '\0';
	if (unit < 0 || unit >= UBD_MAX) {
		set_err(err, errlen, "Device number out of range");
		return -EINVAL;
	}
	if (ubds[unit].used) {
		set_err(err, errlen, "Device is already configured");
		return -EBUSY;
	}
	if (!file || !*file) {
		set_err(err, errlen, "ubd%c: no file given", 'a' + unit);
		return -EINVAL;
	}
	if (backing && *backing) {
		if (flags & UBD_DATA) {
			set_err(err, errlen, "Can't specify both 'd' and a cow file");
			return -EINVAL;
		}
		set_err(err, errlen, "ubd%d: COW files are not supported yet", unit);
		return -ENOSYS;
	}

	oflags = O_CLOEXEC | (flags & UBD_SYNC ? O_SYNC : 0);
	fd = open(file, oflags | (ro ? O_RDONLY : O_RDWR));
	if (fd < 0 && !ro && (errno == EROFS || errno == EACCES)) {
		ro = true;
		fd = open(file, oflags | O_RDONLY);
	}
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "ubd%c: Can't open \"%s\": errno = %d",
			'a' + unit, file, -ret);
		return ret;
	}
	if (!(flags & UBD_DATA) && is_cow_magic(fd)) {
		close(fd);
		set_err(err, errlen, "ubd%d: COW files are not supported yet", unit);
		return -ENOSYS;
	}
	ret = file_size(fd, &size);
	if (ret < 0) {
		close(fd);
		set_err(err, errlen, "ubd%c: Can't get the size of \"%s\": errno = %d",
			'a' + unit, file, -ret);
		return ret;
	}
	if (flags & UBD_SHARED) {
		printk("ubd%c: not locking \"%s\" on the host\n", 'a' + unit, file);
	} else {
		ret = lock_file(fd, ro, unit, file, err, errlen);
		if (ret < 0) {
			close(fd);
			return ret;
		}
	}

	u = &ubds[unit];
	u->file = strdup(file);
	if (!u->file) {
		close(fd);
		set_err(err, errlen, "ubd%c: out of memory", 'a' + unit);
		return -ENOMEM;
	}
	u->used = true;
	u->ro = ro;
	u->fd = fd;
	u->size = (size + 511) & ~(uint64_t)511;
	u->flags = flags;
	u->opens = 0;
	bcache_attach(unit, u->size, &ubd_backend);
	if (ubd_publish_hook)
		ubd_publish_hook(unit);
	return 0;
}

static void release(struct ubd *u, int unit)
{
	bcache_detach(unit);
	close(u->fd);		/* drops the fcntl lock */
	free(u->file);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

int ubd_remove(int unit, char *err, size_t errlen)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u) {
		set_err(err, errlen, "Device is not configured");
		return -ENODEV;
	}
	if (u->opens) {
		set_err(err, errlen, "Device is busy");
		return -EBUSY;
	}
	ret = ubd_flush(unit);
	if (ret < 0) {
		set_err(err, errlen, "ubd%c: write-back failed: errno = %d",
			'a' + unit, -ret);
		return ret;
	}
	release(u, unit);
	return 0;
}

bool ubd_configured(int unit)
{
	return unit_dev(unit) != NULL;
}

const char *ubd_file(int unit)
{
	struct ubd *u = unit_dev(unit);

	return u ? u->file : NULL;
}

int ubd_unit_of(dev_t dev)
{
	unsigned unit = minor(dev) / 16;

	if (major(dev) != UBD_MAJOR || unit >= UBD_MAX)
		return -1;
	return unit;
}

int ubd_read(int unit, uint64_t off, void *buf, size_t len)
{
	if (!unit_dev(unit))
		return -ENXIO;
	return bcache_read(unit, off, buf, len);
}

int ubd_write(int unit, uint64_t off, const void *buf, size_t len)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u)
		return -ENXIO;
	if (u->ro)
		return -EROFS;
	ret = bcache_write(unit, off, buf, len);
	if (ret == 0 && (u->flags & UBD_SYNC))
		ret = bcache_flush(unit);
	return ret;
}

int ubd_flush(int unit)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u)
		return -ENXIO;
	ret = bcache_flush(unit);
	if (ret < 0)
		return ret;
	if (!u->ro && fdatasync(u->fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

uint64_t ubd_size(int unit)
{
	struct ubd *u = unit_dev(unit);

	return u ? u->size : 0;
}

bool ubd_readonly(int unit)
{
	struct ubd *u = unit_dev(unit);

	return u ? u->ro : true;
}

void ubd_get(int unit)
{
	struct ubd *u = unit_dev(unit);

	if (u)
		u->opens++;
}

void ubd_put(int unit)
{
	struct ubd *u = unit_dev(unit);

	if (u && u->opens > 0)
		u->opens--;
}

void ubd_shutdown(void)
{
	for (int unit = 0; unit < UBD_MAX; unit++) {
		struct ubd *u = unit_dev(unit);
		int ret;

		if (!u)
			continue;
		ret = ubd_flush(unit);
		if (ret < 0)
			printk_level(KERN_ERR, "ubd%c: write-back failed: errno = %d\n",
				     'a' + unit, -ret);
		release(u, unit);
	}
}
