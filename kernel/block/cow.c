/* COW devices: backing-file choice and checks, the in-memory bitmap, and
 * sector routing between the COW data area and the backing file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "block/cow.h"
#include "block/ubd.h"
#include "lib/log.h"

#define SECTOR	512u

/* Backing files open for COW devices, one descriptor per file shared by
 * the units over it: closing any descriptor of a file drops all of this
 * process's fcntl locks on it. */
struct backing_file {
	int refs;
	int fd;
	bool locked;
	dev_t dev;
	ino_t ino;
};

static struct backing_file backings[UBD_MAX];

struct cow_dev {
	int unit;
	int fd;				/* the COW file (not ours to close) */
	int backing_fd;
	struct backing_file *bf;
	char *backing;
	struct cow_header h;
	uint8_t *bitmap;
	uint64_t covered;		/* sectors with a bit in the file */
	uint64_t dirty_lo, dirty_hi;	/* bitmap bytes not yet written back */
	bool warned_uncovered;
};

static struct backing_file *backing_lookup(dev_t dev, ino_t ino)
{
	for (int i = 0; i < UBD_MAX; i++)
		if (backings[i].refs && backings[i].dev == dev &&
		    backings[i].ino == ino)
			return &backings[i];
	return NULL;
}

bool cow_backing_in_use(dev_t dev, ino_t ino)
{
	return backing_lookup(dev, ino) != NULL;
}

static struct backing_file *backing_slot(void)
{
	for (int i = 0; i < UBD_MAX; i++)
		if (!backings[i].refs)
			return &backings[i];
	return NULL;
}

/* Open a backing file read-only and find its size; returns the fd. */
static int open_backing(const char *path, struct stat *st, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = cow_backing_size(fd, st, size);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Size and mtime of a file without opening it when it is regular: closing
 * any descriptor of a file drops this process's fcntl locks on it, which
 * another unit over the same backing file may hold. */
static int stat_backing(const char *path, struct stat *st, uint64_t *size)
{
	int fd;

	if (stat(path, st) < 0)
		return -errno;
	if (S_ISREG(st->st_mode)) {
		*size = st->st_size;
		return 0;
	}
	fd = open_backing(path, st, size);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int cow_create(int unit, const char *cow_file, const char *backing,
	       char *err, size_t errlen)
{
	char abs[COW_PATH_LEN];
	struct stat st;
	uint64_t size;
	int fd, ret;

	ret = stat_backing(backing, &st, &size);
	if (ret < 0) {
		snprintf(err, errlen, "ubd%c: Can't open backing file \"%s\" "
			 "for COW file \"%s\": errno = %d", 'a' + unit, backing,
			 cow_file, -ret);
		return ret;
	}
	ret = cow_absolute_path(backing, abs, sizeof(abs));
	if (ret < 0) {
		snprintf(err, errlen, "ubd%c: Can't find the absolute path of "
			 "backing file \"%s\": errno = %d", 'a' + unit, backing, -ret);
		return ret;
	}
	fd = open(cow_file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "ubd%c: Can't create COW file \"%s\": "
			 "errno = %d", 'a' + unit, cow_file, -ret);
		return ret;
	}
	ret = cow_write_new(fd, abs, size, (uint32_t)st.st_mtime);
	close(fd);
	if (ret < 0) {
		unlink(cow_file);	/* ours, and unusable */
		snprintf(err, errlen, "ubd%c: Can't write COW file \"%s\" for "
			 "\"%s\": errno = %d", 'a' + unit, cow_file, backing, -ret);
		return ret;
	}
	printk("Creating \"%s\" as COW file for \"%s\"\n", cow_file, backing);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int write_header(int fd, const struct cow_header *h)
{
	uint8_t buf[COW_HEADER_MAX];
	int len = cow_encode(h, buf);

	if (len < 0)
		return len;
	if (pwrite(fd, buf, len, 0) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* The command line named another backing file than the header. UML takes
 * it (and records it) when it has the header's size and mtime, and
 * otherwise keeps the header's. Returns the path to use. */
static const char *choose_backing(int unit, int fd, const char *cow_file,
				  struct cow_header *h, const char *backing,
				  bool ro, char *abs)
{
	struct stat st;
	uint64_t size;
	char msg[160];

	if (cow_absolute_path(backing, abs, COW_PATH_LEN) < 0) {
		strncpy(abs, backing, COW_PATH_LEN - 1);
		abs[COW_PATH_LEN - 1] = '\0';
	}
	if (!strcmp(abs, h->backing) || same_file(backing, h->backing))
		return h->backing;
	if (stat_backing(backing, &st, &size) < 0 ||
	    cow_check_backing(h, size, st.st_mtime, msg, sizeof(msg))) {
		printk_level(KERN_WARNING, "ubd%c: \"%s\" does not match the COW "
			     "header of \"%s\"; using \"%s\"\n", 'a' + unit,
			     backing, cow_file, h->backing);
		return h->backing;
	}
	printk("Backing file mismatch - \"%s\" requested, \"%s\" specified in "
	       "COW header of \"%s\"\n", abs, h->backing, cow_file);
	/* Only a V3 header keeps its layout when rewritten as V3. */
	if (!ro && h->version == 3 && !h->broken_v3) {
		struct cow_header nh = *h;

		strcpy(nh.backing, abs);
		if (write_header(fd, &nh) == 0)
			printk("Switching backing file to '%s'\n", abs);
		else
			printk_level(KERN_WARNING, "ubd%c: could not record the new "
				     "backing file in \"%s\"\n", 'a' + unit, cow_file);
	}
	return abs;
}

int cow_dev_open(int unit, int fd, const char *cow_file,
		 const struct cow_header *hdr, const char *backing, bool ro,
		 bool shared, struct cow_dev **res, char *err, size_t errlen)
{
	struct cow_header h = *hdr;
	char abs[COW_PATH_LEN], msg[160];
	const char *path = h.backing, *why;
	struct cow_dev *c;
	struct backing_file *bf = NULL;
	struct stat st, cst;
	uint64_t size;
	int bfd, ret, other;

	if (backing && *backing)
		path = choose_backing(unit, fd, cow_file, &h, backing, ro, abs);
	if (!*path) {
		snprintf(err, errlen, "ubd%c: COW file \"%s\" names no backing "
			 "file", 'a' + unit, cow_file);
		return -EINVAL;
	}
	if (h.sectorsize != SECTOR) {
		snprintf(err, errlen, "ubd%c: COW file \"%s\": sector size %u is "
			 "not supported", 'a' + unit, cow_file, h.sectorsize);
		return -EINVAL;
	}
	if (stat(path, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "ubd%c: Can't open backing file \"%s\" of "
			 "COW file \"%s\": errno = %d", 'a' + unit, path, cow_file,
			 -ret);
		return ret;
	}
	other = ubd_unit_of_file(st.st_dev, st.st_ino);
	if (other >= 0 || (fstat(fd, &cst) == 0 && cst.st_dev == st.st_dev &&
			   cst.st_ino == st.st_ino)) {
		snprintf(err, errlen, "ubd%c: backing file \"%s\" of COW file "
			 "\"%s\" is in use as ubd%c: errno = %d", 'a' + unit, path,
			 cow_file, 'a' + (other >= 0 ? other : unit), EAGAIN);
		return -EAGAIN;
	}
	bf = backing_lookup(st.st_dev, st.st_ino);
	if (bf) {
		bfd = bf->fd;
		if (fstat(bfd, &st) < 0 || cow_backing_size(bfd, &st, &size) < 0) {
			snprintf(err, errlen, "ubd%c: Can't get the size of backing "
				 "file \"%s\"", 'a' + unit, path);
			return -EIO;
		}
	} else {
		bfd = open_backing(path, &st, &size);
		if (bfd < 0) {
			snprintf(err, errlen, "ubd%c: Can't open backing file \"%s\" "
				 "of COW file \"%s\": errno = %d", 'a' + unit, path,
				 cow_file, -bfd);
			return bfd;
		}
	}
	ret = cow_check_backing(&h, size, st.st_mtime, msg, sizeof(msg));
	if (ret < 0) {
		snprintf(err, errlen, "ubd%c: COW file \"%s\": %s \"%s\"",
			 'a' + unit, cow_file, msg, path);
		goto fail;
	}
	if (!shared && !(bf && bf->locked)) {
		ret = ubd_lock_host_file(bfd, true, unit, path, err, errlen);
		if (ret < 0)
			goto fail;
	}
	if (!bf && !(bf = backing_slot())) {
		ret = -ENFILE;
		snprintf(err, errlen, "ubd%c: too many backing files", 'a' + unit);
		goto fail;
	}

	ret = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->backing = strdup(path))) {
		free(c);
		snprintf(err, errlen, "ubd%c: out of memory", 'a' + unit);
		goto fail;
	}
	ret = cow_read_bitmap(fd, &h, &c->bitmap, &why);
	if (ret < 0) {
		snprintf(err, errlen, "ubd%c: COW file \"%s\": %s", 'a' + unit,
			 cow_file, why ? why : "out of memory");
		free(c->backing);
		free(c);
		goto fail;
	}
	c->unit = unit;
	c->fd = fd;
	c->backing_fd = bfd;
	c->bf = bf;
	if (!bf->refs++) {
		bf->fd = bfd;
		bf->dev = st.st_dev;
		bf->ino = st.st_ino;
	}
	bf->locked |= !shared;
	c->h = h;
	c->covered = cow_covered_sectors(&h);
	c->dirty_lo = UINT64_MAX;
	*res = c;
	return 0;

fail:
	if (!bf || !bf->refs)
		close(bfd);	/* ours alone */
	return ret;
}

void cow_dev_close(struct cow_dev *c)
{
	if (!c)
		return;
	if (!--c->bf->refs) {
		close(c->backing_fd);	/* drops the read lock */
		memset(c->bf, 0, sizeof(*c->bf));
	}
	free(c->bitmap);
	free(c->backing);
	free(c);
}

uint64_t cow_dev_size(const struct cow_dev *c)
{
	return c->h.size;
}

const char *cow_dev_backing(const struct cow_dev *c)
{
	return c->backing;
}

static bool sector_in_cow(const struct cow_dev *c, uint64_t s)
{
	return s < c->covered && cow_bit(c->bitmap, s);
}

/* The bytes [skip, skip + len) of an iovec array as another array. */
static int iov_slice(const struct iovec *iov, int cnt, size_t skip, size_t len,
		     struct iovec *out)
{
	int n = 0;

	for (int i = 0; i < cnt && len; i++) {
		size_t l = iov[i].iov_len, take;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		take = l - skip < len ? l - skip : len;
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n].iov_len = take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t total = 0;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

int cow_dev_read(struct cow_dev *c, uint64_t off, const struct iovec *iov,
		 int cnt)
{
	size_t total = iov_total(iov, cnt);
	uint64_t first = off / SECTOR, n = total / SECTOR, i = 0;
	struct iovec sub[cnt];

	if (off % SECTOR || total % SECTOR)
		return -EINVAL;
	/* Runs of sectors on the same side take one host read each. */
	while (i < n) {
		bool in_cow = sector_in_cow(c, first + i);
		uint64_t j = i + 1;
		int k, ret;

		while (j < n && sector_in_cow(c, first + j) == in_cow)
			j++;
		k = iov_slice(iov, cnt, i * SECTOR, (j - i) * SECTOR, sub);
		if (in_cow)
			ret = ubd_host_io(c->fd, false, c->h.data_offset +
					  (first + i) * SECTOR, sub, k);
		else
			ret = ubd_host_io(c->backing_fd, false,
					  (first + i) * SECTOR, sub, k);
		if (ret < 0)
			return ret;
		i = j;
	}
	return 0;
}

/* Whether sectors [first, first + n) have bits; logs once if not. */
static bool covered(struct cow_dev *c, uint64_t first, uint64_t n)
{
	if (first + n <= c->covered)
		return true;
	/* Only old V1/V2 files, whose bitmap can be a byte short. */
	if (!c->warned_uncovered)
		printk_level(KERN_ERR, "ubd%c: sectors past %llu have no "
			     "bit in the COW bitmap; write refused\n",
			     'a' + c->unit, (unsigned long long)c->covered);
	c->warned_uncovered = true;
	return false;
}

/* Set the bits of sectors [first, first + n), remembering which bitmap
 * bytes changed for cow_dev_flush. */
static void mark_present(struct cow_dev *c, uint64_t first, uint64_t n)
{
	for (uint64_t s = first; s < first + n; s++) {
		if (cow_bit(c->bitmap, s))
			continue;
		cow_set_bit(c->bitmap, s);
		if (s / 8 < c->dirty_lo)
			c->dirty_lo = s / 8;
		if (s / 8 + 1 > c->dirty_hi)
			c->dirty_hi = s / 8 + 1;
	}
}

int cow_dev_write(struct cow_dev *c, uint64_t off, const struct iovec *iov,
		  int cnt)
{
	size_t total = iov_total(iov, cnt);
	uint64_t first = off / SECTOR, n = total / SECTOR;
	int ret;

	if (off % SECTOR || total % SECTOR)
		return -EINVAL;
	if (!covered(c, first, n))
		return -EIO;
	/* Data first: its bits reach the file only in cow_dev_flush. */
	ret = ubd_host_io(c->fd, true, c->h.data_offset + off, iov, cnt);
	if (ret < 0)
		return ret;
	mark_present(c, first, n);
	return 0;
}

int cow_dev_zero(struct cow_dev *c, uint64_t off, uint64_t len, bool punch)
{
	uint64_t first = off / SECTOR, n = len / SECTOR;
	int ret;

	if (off % SECTOR || len % SECTOR)
		return -EINVAL;
	if (!n)
		return 0;
	if (!covered(c, first, n))
		return -EIO;
	/* Like UML: the sectors become present, reading as the zeros (or
	 * hole) of the COW data area; the backing file is never touched. */
	ret = ubd_host_fallocate(c->fd, c->h.data_offset + off, len, punch);
	if (ret < 0)
		return ret;
	mark_present(c, first, n);
	return 0;
}

int cow_dev_flush(struct cow_dev *c)
{
	struct iovec iov;
	int ret;

	if (c->dirty_lo >= c->dirty_hi)
		return 0;
	/* The data must be durable before the bits that point at it. */
	if (fdatasync(c->fd) < 0 && errno != EINVAL)
		return -errno;
	iov.iov_base = c->bitmap + c->dirty_lo;
	iov.iov_len = c->dirty_hi - c->dirty_lo;
	ret = ubd_host_io(c->fd, true, c->h.bitmap_offset + c->dirty_lo, &iov, 1);
	if (ret < 0)
		return ret;
	c->dirty_lo = UINT64_MAX;
	c->dirty_hi = 0;
	return 0;
}
