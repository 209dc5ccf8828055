/* ubd units: configuration (open, COW detection, host locking) and block
 * I/O through the block cache, which sits above either a plain host file
 * or a COW device (cow.c). The guest-facing device is ubd_blkdev.c. */
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
#include "block/cow.h"
#include "lib/log.h"

struct ubd {
	bool used;
	bool ro;
	int fd;			/* the image, or the COW file */
	struct cow_dev *cow;	/* NULL for a plain image */
	dev_t dev;		/* of fd's file */
	ino_t ino;
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
int ubd_host_io(int fd, bool write, uint64_t off, const struct iovec *iov0,
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
	if (ubds[unit].cow)
		return cow_dev_read(ubds[unit].cow, off, iov, cnt);
	return ubd_host_io(ubds[unit].fd, false, off, iov, cnt);
}

static int ubd_host_write(int unit, uint64_t off, const struct iovec *iov, int cnt)
{
	if (ubds[unit].cow)
		return cow_dev_write(ubds[unit].cow, off, iov, cnt);
	return ubd_host_io(ubds[unit].fd, true, off, iov, cnt);
}

static const struct bcache_backend ubd_backend = {
	.read = ubd_host_read,
	.write = ubd_host_write,
};

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
int ubd_lock_host_file(int fd, bool ro, int unit, const char *file,
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

static int open_host_file(const char *file, unsigned flags, bool *ro)
{
	int oflags = O_CLOEXEC | (flags & UBD_SYNC ? O_SYNC : 0);
	int fd = open(file, oflags | (*ro ? O_RDONLY : O_RDWR));

	if (fd < 0 && !*ro && (errno == EROFS || errno == EACCES)) {
		*ro = true;
		fd = open(file, oflags | O_RDONLY);
	}
	return fd;
}

/* Unless the d flag says data, a COW header makes the unit a COW device;
 * a file without one is a plain image, or an error if a backing file was
 * named. */
static int setup_cow(int unit, int fd, const char *file, const char *backing,
		     unsigned flags, bool ro, struct cow_dev **cow,
		     char *err, size_t errlen)
{
	struct cow_header h;
	const char *why;
	int ret;

	*cow = NULL;
	if (flags & UBD_DATA)
		return 0;
	ret = cow_read_header(fd, &h, &why);
	if (ret < 0) {
		set_err(err, errlen, "ubd%c: COW file \"%s\": %s", 'a' + unit,
			file, why);
		return ret;
	}
	if (ret == 0) {
		if (!backing)
			return 0;
		set_err(err, errlen, "ubd%c: Failed to read COW header from COW "
			"file \"%s\" (backing file \"%s\")", 'a' + unit, file,
			backing);
		return -EINVAL;
	}
	return cow_dev_open(unit, fd, file, &h, backing, ro,
			    flags & UBD_SHARED, cow, err, errlen);
}

int ubd_unit_of_file(dev_t dev, ino_t ino)
{
	for (int unit = 0; unit < UBD_MAX; unit++)
		if (ubds[unit].used && ubds[unit].dev == dev &&
		    ubds[unit].ino == ino)
			return unit;
	return -1;
}

/* Closing any descriptor of a file drops all of this process's fcntl
 * locks on it, so a file another unit holds is refused before opening,
 * as the lock refuses it to other processes. */
static int check_not_in_use(int unit, const char *file, char *err,
			    size_t errlen)
{
	struct stat st;
	int other;

	if (stat(file, &st) < 0)
		return 0;
	other = ubd_unit_of_file(st.st_dev, st.st_ino);
	if (other >= 0) {
		set_err(err, errlen, "ubd%c: \"%s\" is already in use as ubd%c: "
			"errno = %d", 'a' + unit, file, 'a' + other, EAGAIN);
		return -EAGAIN;
	}
	if (cow_backing_in_use(st.st_dev, st.st_ino)) {
		set_err(err, errlen, "ubd%c: \"%s\" is in use as a backing file: "
			"errno = %d", 'a' + unit, file, EAGAIN);
		return -EAGAIN;
	}
	return 0;
}

int ubd_configure(int unit, const char *file, const char *backing,
		  unsigned flags, char *err, size_t errlen)
{
	struct ubd *u;
	struct cow_dev *cow;
	struct stat st;
	bool ro = flags & UBD_RDONLY, created = false;
	int fd, ret;
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
	if (backing && !*backing)
		backing = NULL;
	if (backing && (flags & UBD_DATA)) {
		set_err(err, errlen, "Can't specify both 'd' and a cow file");
		return -EINVAL;
	}

	ret = check_not_in_use(unit, file, err, errlen);
	if (ret < 0)
		return ret;
	fd = open_host_file(file, flags, &ro);
	if (fd < 0 && errno == ENOENT && backing) {
		ret = cow_create(unit, file, backing, err, errlen);
		if (ret < 0)
			return ret;
		created = true;
		fd = open_host_file(file, flags, &ro);
	}
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "ubd%c: Can't open \"%s\": errno = %d",
			'a' + unit, file, -ret);
		return ret;
	}
	/* Lock before reading anything: another instance may be writing. */
	if (flags & UBD_SHARED) {
		printk("ubd%c: not locking \"%s\" on the host\n", 'a' + unit, file);
	} else {
		ret = ubd_lock_host_file(fd, ro, unit, file, err, errlen);
		if (ret < 0) {
			close(fd);
			return ret;
		}
	}
	ret = setup_cow(unit, fd, file, backing, flags, ro, &cow, err, errlen);
	if (ret < 0) {
		close(fd);
		if (created)
			unlink(file);	/* made just now, nothing in it */
		return ret;
	}
	if (cow) {
		size = cow_dev_size(cow);
	} else if ((ret = file_size(fd, &size)) < 0) {
		close(fd);
		set_err(err, errlen, "ubd%c: Can't get the size of \"%s\": errno = %d",
			'a' + unit, file, -ret);
		return ret;
	}

	u = &ubds[unit];
	u->file = strdup(file);
	if (!u->file) {
		cow_dev_close(cow);
		close(fd);
		set_err(err, errlen, "ubd%c: out of memory", 'a' + unit);
		return -ENOMEM;
	}
	u->used = true;
	u->ro = ro;
	u->fd = fd;
	u->cow = cow;
	if (fstat(fd, &st) == 0) {
		u->dev = st.st_dev;
		u->ino = st.st_ino;
	}
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
	cow_dev_close(u->cow);
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

const char *ubd_backing(int unit)
{
	struct ubd *u = unit_dev(unit);

	return u && u->cow ? cow_dev_backing(u->cow) : NULL;
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

/* Cached blocks to the host file; for COW, then the bitmap bits. */
static int write_back(struct ubd *u, int unit)
{
	int ret = bcache_flush(unit);

	if (ret == 0 && u->cow)
		ret = cow_dev_flush(u->cow);
	return ret;
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
		ret = write_back(u, unit);
	return ret;
}

int ubd_flush(int unit)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u)
		return -ENXIO;
	ret = write_back(u, unit);
	if (ret < 0)
		return ret;
	if (!u->ro && fdatasync(u->fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

int ubd_flush_all(void)
{
	int ret = 0;

	for (int unit = 0; unit < UBD_MAX; unit++) {
		int err = unit_dev(unit) ? ubd_flush(unit) : 0;

		if (err < 0 && !ret)
			ret = err;
	}
	return ret;
}

int ubd_host_fallocate(int fd, uint64_t off, uint64_t len, bool punch)
{
	int mode = FALLOC_FL_KEEP_SIZE |
		   (punch ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);

	while (fallocate(fd, mode, off, len) < 0) {
		if (errno == EINTR)
			continue;
		/* ENODEV: not a regular file or block device; EINVAL: a
		 * host device with larger sectors. */
		if (errno == EOPNOTSUPP || errno == ENOSYS || errno == ENODEV ||
		    errno == EINVAL)
			return -EOPNOTSUPP;
		return -errno;
	}
	return 0;
}

/* Zeros through the host write path (the COW layer sets bits), in chunks.
 * For a plain regular file the part past its end already reads as zeros
 * and is left alone, so the file does not grow. */
static int write_zeros(struct ubd *u, int unit, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[64 << 10];
	struct stat st;

	if (!u->cow && fstat(u->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		uint64_t end = st.st_size;

		if (off >= end)
			return 0;
		if (len > end - off)
			len = end - off;
	}
	while (len) {
		struct iovec iov = {
			.iov_base = (void *)zeros,
			.iov_len = len < sizeof(zeros) ? len : sizeof(zeros),
		};
		int ret = ubd_host_write(unit, off, &iov, 1);

		if (ret < 0)
			return ret;
		off += iov.iov_len;
		len -= iov.iov_len;
	}
	return 0;
}

static int check_trim_range(struct ubd *u, uint64_t off, uint64_t len)
{
	if ((off | len) % 512 || off > u->size || len > u->size - off)
		return -EINVAL;
	return u->ro ? -EROFS : 0;
}

/* After a host zeroing: the cache must not keep (or later write back)
 * what was there, and `s` units get it durable now. */
static int trim_done(struct ubd *u, int unit, uint64_t off, uint64_t len)
{
	bcache_zero_range(unit, off, len);
	if (!(u->flags & UBD_SYNC))
		return 0;
	if (u->cow)
		return cow_dev_flush(u->cow);	/* syncs the data, then bits */
	if (fdatasync(u->fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

bool ubd_can_discard(int unit)
{
	struct ubd *u = unit_dev(unit);

	return u && !(u->flags & UBD_NOTRIM);
}

int ubd_discard(int unit, uint64_t off, uint64_t len)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u)
		return -ENXIO;
	if (u->flags & UBD_NOTRIM)
		return -EOPNOTSUPP;
	ret = check_trim_range(u, off, len);
	if (ret < 0 || !len)
		return ret;
	if (u->cow)
		ret = cow_dev_zero(u->cow, off, len, true);
	else
		ret = ubd_host_fallocate(u->fd, off, len, true);
	if (ret < 0)
		return ret;
	return trim_done(u, unit, off, len);
}

int ubd_zeroout(int unit, uint64_t off, uint64_t len)
{
	struct ubd *u = unit_dev(unit);
	int ret;

	if (!u)
		return -ENXIO;
	ret = check_trim_range(u, off, len);
	if (ret < 0 || !len)
		return ret;
	/* Without TRIM, Linux's block layer writes pages of zeros instead. */
	ret = -EOPNOTSUPP;
	if (!(u->flags & UBD_NOTRIM))
		ret = u->cow ? cow_dev_zero(u->cow, off, len, false)
			     : ubd_host_fallocate(u->fd, off, len, false);
	if (ret == -EOPNOTSUPP)
		ret = write_zeros(u, unit, off, len);
	if (ret < 0)
		return ret;
	return trim_done(u, unit, off, len);
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
