/* The UML COW (copy-on-write) file format, shared by the kernel's COW
 * devices and the uml_mkcow/uml_moo tools (uml-compat.md §2).
 *
 * A COW file is a header naming a backing file, a bitmap with one bit per
 * sector (set: the sector's contents are in the COW file) and a data area
 * laid out like the backing file. Only V3 is ever written; V1, V2 and the
 * unpacked "broken V3" of old 64-bit tools are read.
 *
 * The first part is pure (encode, decode, layout, bitmap bits); the second
 * does the few host-file steps both the kernel and the tools need. */
#ifndef LIB_COW_H
#define LIB_COW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define COW_MAGIC		0x4F4F4F4Du	/* "OOOM" stored big-endian */
#define COW_V1_HEADER_SIZE	280
#define COW_V2_HEADER_SIZE	4120
#define COW_V3_HEADER_SIZE	4128
#define COW_V3_BROKEN_SIZE	4136
#define COW_HEADER_MAX		COW_V3_BROKEN_SIZE
#define COW_V1_PATH_LEN		256
#define COW_PATH_LEN		4096		/* path field, NUL included */
#define COW_SECTOR_SIZE		512		/* what V3 writers use */
#define COW_ALIGNMENT		4096
/* Backing sizes above this are refused: offsets must not overflow. */
#define COW_SIZE_MAX		(1ULL << 60)

struct cow_header {
	int version;			/* 1, 2 or 3 */
	bool broken_v3;			/* V3 with the unpacked 64-bit layout */
	bool swapped;			/* magic stored "MOOO" (x86 native order) */
	char backing[COW_PATH_LEN];	/* NUL-terminated */
	uint32_t mtime;			/* backing st_mtime, low 32 bits */
	uint64_t size;			/* backing size in bytes */
	uint32_t sectorsize;
	uint32_t alignment;		/* V3; V1/V2 use sectorsize */
	uint32_t cow_format;		/* 0 = bitmap */

	/* Layout, filled by cow_layout (and so by decode and init). */
	uint32_t header_size;
	uint64_t nsectors;
	uint64_t bitmap_offset;
	uint64_t bitmap_len;		/* bytes the format defines (V1/V2 may be short) */
	uint64_t data_offset;
};

/* Compute the layout fields from version, size, sectorsize, alignment. */
void cow_layout(struct cow_header *h);

/* A fresh V3 header for a backing file of this size and mtime (the path
 * must already be absolute). -ENAMETOOLONG if it does not fit, -EFBIG
 * past COW_SIZE_MAX. */
int cow_init_v3(struct cow_header *h, const char *backing, uint64_t size,
		uint32_t mtime);

/* Decode the first len bytes of a file (at most COW_HEADER_MAX are used).
 * Returns 1 with *h filled for a COW header, 0 when the magic does not
 * match in either byte order (not a COW file: no message), or -EINVAL
 * with *why naming what is wrong (truncated header, unknown version, bad
 * sector size, alignment or format, unterminated path, size too big). */
int cow_decode(const void *buf, size_t len, struct cow_header *h,
	       const char **why);

/* Encode h in its own version's layout (V1 in the magic's byte order,
 * V2/V3 big-endian, broken V3 unpacked) into buf, which must hold
 * COW_HEADER_MAX bytes; the rest of the header is zeroed. Returns the
 * header size, or -EINVAL for an unknown version or a path that does not
 * fit. Writers only ever use V3. */
int cow_encode(const struct cow_header *h, void *buf);

/* Bit of sector s: byte s / 8, bit s % 8, least significant first. */
static inline bool cow_bit(const uint8_t *bitmap, uint64_t s)
{
	return bitmap[s / 8] >> (s % 8) & 1;
}

static inline void cow_set_bit(uint8_t *bitmap, uint64_t s)
{
	bitmap[s / 8] |= 1u << (s % 8);
}

/* Bytes an in-memory bitmap needs to hold a bit for every sector. */
static inline uint64_t cow_bitmap_bytes(const struct cow_header *h)
{
	return (h->nsectors + 7) / 8;
}

/* Bitmap bytes that exist in the file: the format's length, and for the
 * historic V1/V2 formula that can be one byte short, the padding up to
 * the data area. Bits of sectors past this are clear and cannot be set. */
uint64_t cow_bitmap_room(const struct cow_header *h);

/* Sectors coverable by the bitmap in the file (<= nsectors). */
uint64_t cow_covered_sectors(const struct cow_header *h);

/* --- Host files --- */

/* pread until len bytes or end of file: bytes read, or -errno. */
ssize_t cow_pread_full(int fd, void *buf, size_t len, uint64_t off);
/* pwrite all of buf: 0 or -errno. */
int cow_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* Read and decode the header of an open file: as cow_decode. */
int cow_read_header(int fd, struct cow_header *h, const char **why);

/* The absolute form of a backing path as UML stores it: the directory
 * resolved (symlinks included), the last component kept as given.
 * Returns 0, or -errno (-ENAMETOOLONG past COW_PATH_LEN - 1). */
int cow_absolute_path(const char *path, char *out, size_t outlen);

/* Size of a backing file from its stat (block devices asked by ioctl). */
int cow_backing_size(int fd, const struct stat *st, uint64_t *size);

/* Check a backing file against the header: size first, then mtime.
 * Returns 0, or -EINVAL with msg set to UML's text
 * ("Size mismatch (<hdr> vs <actual>) of COW header vs backing file"). */
int cow_check_backing(const struct cow_header *h, uint64_t size, uint32_t mtime,
		      char *msg, size_t msglen);

/* Make fd (open rw, empty or to be overwritten) a V3 COW file for the
 * backing file with this absolute path, size and mtime: header at 0 and
 * one zero byte at the end of the data area (the bitmap stays a hole).
 * Existing bitmap and data past the header are left as they are. */
int cow_write_new(int fd, const char *backing_abs, uint64_t size,
		  uint32_t mtime);

/* Read the file's bitmap into a zeroed buffer of cow_bitmap_bytes(h)
 * (at least 1) bytes, malloc'd into *bitmap. -EINVAL with *why if the
 * file ends before the bitmap does. */
int cow_read_bitmap(int fd, const struct cow_header *h, uint8_t **bitmap,
		    const char **why);
#endif
