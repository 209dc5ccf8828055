/* The UML COW header: decode (V1, V2, V3, broken V3), encode, layout, and
 * the host-file steps shared by the kernel and the tools. See cow.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "cow.h"

#define ALIGNMENT_MAX	(1u << 20)

static uint32_t get32(const uint8_t *p, bool le)
{
	if (le)
		return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p, bool le)
{
	uint64_t lo = get32(p + (le ? 0 : 4), le);
	uint64_t hi = get32(p + (le ? 4 : 0), le);

	return hi << 32 | lo;
}

static void put32(uint8_t *p, uint32_t v, bool le)
{
	for (int i = 0; i < 4; i++)
		p[le ? i : 3 - i] = v >> (8 * i);
}

static void put64(uint8_t *p, uint64_t v, bool le)
{
	put32(p + (le ? 0 : 4), (uint32_t)v, le);
	put32(p + (le ? 4 : 0), v >> 32, le);
}

static uint64_t round_up(uint64_t n, uint64_t align)
{
	return (n + align - 1) / align * align;
}

static bool power_of_two(uint32_t n)
{
	return n && !(n & (n - 1));
}

void cow_layout(struct cow_header *h)
{
	uint32_t ss = h->sectorsize;

	h->nsectors = (h->size + ss - 1) / ss;
	if (h->version == 3) {
		h->header_size = h->broken_v3 ? COW_V3_BROKEN_SIZE : COW_V3_HEADER_SIZE;
		h->bitmap_offset = round_up(h->header_size, h->alignment);
		h->bitmap_len = (h->nsectors + 7) / 8;
		h->data_offset = round_up(h->bitmap_offset + h->bitmap_len,
					  h->alignment);
		return;
	}
	/* V1/V2: the historic formula, which can be a byte short. */
	h->header_size = h->version == 1 ? COW_V1_HEADER_SIZE : COW_V2_HEADER_SIZE;
	h->alignment = ss;
	h->bitmap_offset = h->header_size;
	h->bitmap_len = (h->size + ss - 1) / (8ULL * ss);
	h->data_offset = round_up(h->header_size + h->bitmap_len, ss);
}

uint64_t cow_bitmap_room(const struct cow_header *h)
{
	uint64_t room = h->data_offset - h->bitmap_offset;
	uint64_t need = cow_bitmap_bytes(h);

	return need < room ? need : room;
}

uint64_t cow_covered_sectors(const struct cow_header *h)
{
	uint64_t n = cow_bitmap_room(h) * 8;

	return n < h->nsectors ? n : h->nsectors;
}

int cow_init_v3(struct cow_header *h, const char *backing, uint64_t size,
		uint32_t mtime)
{
	memset(h, 0, sizeof(*h));
	if (strlen(backing) >= COW_PATH_LEN)
		return -ENAMETOOLONG;
	if (size > COW_SIZE_MAX)
		return -EFBIG;
	h->version = 3;
	strcpy(h->backing, backing);
	h->mtime = mtime;
	h->size = size;
	h->sectorsize = COW_SECTOR_SIZE;
	h->alignment = COW_ALIGNMENT;
	h->cow_format = 0;
	cow_layout(h);
	return 0;
}

/* Copy a NUL-terminated path field; false if it has no NUL. */
static bool get_path(char *dst, const uint8_t *src, size_t field)
{
	const void *nul = memchr(src, 0, field);

	if (!nul)
		return false;
	memcpy(dst, src, (const uint8_t *)nul - src + 1);
	return true;
}

int cow_decode(const void *buf, size_t len, struct cow_header *h,
	       const char **why)
{
	const uint8_t *p = buf;
	bool le;
	uint32_t version;
	size_t need;

	*why = NULL;
	if (len < 4)
		return 0;
	if (get32(p, false) == COW_MAGIC)
		le = false;
	else if (get32(p, true) == COW_MAGIC)
		le = true;
	else
		return 0;

	memset(h, 0, sizeof(*h));
	h->swapped = le;
	*why = "truncated COW header";
	if (len < 8)
		return -EINVAL;
	/* The version is in the magic's byte order. */
	version = get32(p + 4, le);
	h->version = version;
	switch (version) {
	case 1:
		if (len < COW_V1_HEADER_SIZE)
			return -EINVAL;
		/* V1 is in the writer's byte order, which the magic shows. */
		if (!get_path(h->backing, p + 8, COW_V1_PATH_LEN))
			goto bad_path;
		h->mtime = get32(p + 264, le);
		h->size = get64(p + 268, le);
		h->sectorsize = get32(p + 276, le);
		break;
	case 2:
		if (len < COW_V2_HEADER_SIZE)
			return -EINVAL;
		if (!get_path(h->backing, p + 8, COW_PATH_LEN))
			goto bad_path;
		h->mtime = get32(p + 4104, false);
		h->size = get64(p + 4108, false);
		h->sectorsize = get32(p + 4116, false);
		break;
	case 3:
		if (len < COW_V3_HEADER_SIZE)
			return -EINVAL;
		/* A valid V3 path starts with '/' at 32; zeros there are the
		 * cow_format of the unpacked 64-bit layout. */
		h->broken_v3 = !memcmp(p + 32, "\0\0\0\0", 4);
		need = h->broken_v3 ? COW_V3_BROKEN_SIZE : COW_V3_HEADER_SIZE;
		if (len < need)
			return -EINVAL;
		h->mtime = get32(p + 8, false);
		p += h->broken_v3 ? 4 : 0;
		h->size = get64(p + 12, false);
		h->sectorsize = get32(p + 20, false);
		h->alignment = get32(p + 24, false);
		h->cow_format = get32(p + 28, false);
		if (!get_path(h->backing, p + 32, COW_PATH_LEN))
			goto bad_path;
		break;
	default:
		*why = "unknown COW version";
		return -EINVAL;
	}

	if (!power_of_two(h->sectorsize) || h->sectorsize < 512 ||
	    h->sectorsize > 65536) {
		*why = "invalid sector size in COW header";
		return -EINVAL;
	}
	if (version == 3 && (!power_of_two(h->alignment) ||
			     h->alignment > ALIGNMENT_MAX)) {
		*why = "invalid alignment in COW header";
		return -EINVAL;
	}
	if (h->cow_format != 0) {
		*why = "unknown COW format in header";
		return -EINVAL;
	}
	if (h->size > COW_SIZE_MAX) {
		*why = "backing file size in COW header is too large";
		return -EINVAL;
	}
	cow_layout(h);
	*why = NULL;
	return 1;

bad_path:
	*why = "backing file name in COW header is not terminated";
	return -EINVAL;
}

int cow_encode(const struct cow_header *h, void *buf)
{
	uint8_t *p = buf;
	bool le = h->swapped;
	size_t plen = strnlen(h->backing, COW_PATH_LEN);

	memset(p, 0, COW_HEADER_MAX);
	put32(p, COW_MAGIC, le);
	put32(p + 4, h->version, le);
	switch (h->version) {
	case 1:
		if (plen >= COW_V1_PATH_LEN)
			return -EINVAL;
		memcpy(p + 8, h->backing, plen);
		put32(p + 264, h->mtime, le);
		put64(p + 268, h->size, le);
		put32(p + 276, h->sectorsize, le);
		return COW_V1_HEADER_SIZE;
	case 2:
		if (plen >= COW_PATH_LEN)
			return -EINVAL;
		memcpy(p + 8, h->backing, plen);
		put32(p + 4104, h->mtime, false);
		put64(p + 4108, h->size, false);
		put32(p + 4116, h->sectorsize, false);
		return COW_V2_HEADER_SIZE;
	case 3:
		if (plen >= COW_PATH_LEN)
			return -EINVAL;
		put32(p + 8, h->mtime, false);
		p += h->broken_v3 ? 4 : 0;
		put64(p + 12, h->size, false);
		put32(p + 20, h->sectorsize, false);
		put32(p + 24, h->alignment, false);
		put32(p + 28, h->cow_format, false);
		memcpy(p + 32, h->backing, plen);
		return h->broken_v3 ? COW_V3_BROKEN_SIZE : COW_V3_HEADER_SIZE;
	default:
		return -EINVAL;
	}
}

/* --- Host files --- */

ssize_t cow_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int cow_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

int cow_read_header(int fd, struct cow_header *h, const char **why)
{
	uint8_t buf[COW_HEADER_MAX];
	ssize_t n = cow_pread_full(fd, buf, sizeof(buf), 0);

	if (n < 0) {
		*why = "cannot read the COW header";
		return n;
	}
	return cow_decode(buf, n, h, why);
}

int cow_absolute_path(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	const char *last = slash ? slash + 1 : path;
	char dir[PATH_MAX], *resolved;
	int n;

	if (!*last)
		return -EISDIR;
	if (!slash) {
		if (!getcwd(dir, sizeof(dir)))
			return -errno;
		resolved = dir;
	} else {
		size_t dlen = slash - path;

		if (dlen >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
		resolved = realpath(dlen ? dir : "/", NULL);
		if (!resolved)
			return -errno;
	}
	n = snprintf(out, outlen, "%s%s%s", resolved,
		     strcmp(resolved, "/") ? "/" : "", last);
	if (resolved != dir)
		free(resolved);
	if (n < 0 || (size_t)n >= outlen || n >= COW_PATH_LEN)
		return -ENAMETOOLONG;
	return 0;
}

int cow_backing_size(int fd, const struct stat *st, uint64_t *size)
{
	off_t end;

	if (S_ISBLK(st->st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (S_ISREG(st->st_mode)) {
		*size = st->st_size;
		return 0;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	*size = end;
	return 0;
}

int cow_check_backing(const struct cow_header *h, uint64_t size, uint32_t mtime,
		      char *msg, size_t msglen)
{
	if (size != h->size) {
		snprintf(msg, msglen,
			 "Size mismatch (%llu vs %llu) of COW header vs backing file",
			 (unsigned long long)h->size, (unsigned long long)size);
		return -EINVAL;
	}
	if (mtime != h->mtime) {
		snprintf(msg, msglen,
			 "mtime mismatch (%u vs %u) of COW header vs backing file",
			 h->mtime, mtime);
		return -EINVAL;
	}
	return 0;
}

int cow_write_new(int fd, const char *backing_abs, uint64_t size,
		  uint32_t mtime)
{
	struct cow_header h;
	uint8_t buf[COW_HEADER_MAX];
	int len, ret;

	ret = cow_init_v3(&h, backing_abs, size, mtime);
	if (ret < 0)
		return ret;
	len = cow_encode(&h, buf);
	if (len < 0)
		return len;
	ret = cow_pwrite_full(fd, buf, len, 0);
	if (ret < 0)
		return ret;
	/* The length; the bitmap and data area stay holes. */
	return cow_pwrite_full(fd, "", 1, h.data_offset + h.size - 1);
}

int cow_read_bitmap(int fd, const struct cow_header *h, uint8_t **bitmap,
		    const char **why)
{
	uint64_t bytes = cow_bitmap_bytes(h), room = cow_bitmap_room(h);
	uint8_t *map;
	ssize_t n;

	*why = NULL;
	if (bytes > SIZE_MAX / 2)
		return -ENOMEM;
	map = calloc(bytes ? bytes : 1, 1);
	if (!map)
		return -ENOMEM;
	n = cow_pread_full(fd, map, room, h->bitmap_offset);
	if (n < 0) {
		free(map);
		*why = "cannot read the COW bitmap";
		return n;
	}
	if ((uint64_t)n < h->bitmap_len) {
		free(map);
		*why = "COW file ends inside its bitmap";
		return -EINVAL;
	}
	*bitmap = map;
	return 0;
}
