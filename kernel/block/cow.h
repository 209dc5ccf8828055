/* COW devices: a ubd unit made of a COW file over a read-only backing file
 * (uml-compat.md §2). ubd.c opens and locks the COW file and decodes its
 * header; this layer picks and checks the backing file, keeps the bitmap
 * in memory and routes each 512-byte sector.
 *
 * Crash safety: data goes to the COW data area at once, the bits that
 * describe it only at cow_dev_flush, after an fdatasync of that data. A
 * kill -9 at any point leaves the COW file readable, showing each sector
 * either as last flushed or newer, and the backing file is never written. */
#ifndef BLOCK_COW_H
#define BLOCK_COW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
/* lib/cow.h: the angle form skips this directory, whose cow.h is this file. */
#include <cow.h>

struct cow_dev;

/* Create cow_file (which must not exist) as a V3 COW file over backing.
 * Logs `Creating "<cow>" as COW file for "<backing>"`. Returns 0 or
 * -errno with a message naming both files in err. */
int cow_create(int unit, const char *cow_file, const char *backing,
	       char *err, size_t errlen);

/* Set up a COW device over the open, locked COW file fd whose header is h.
 * backing is the command-line second file or NULL: a different file with
 * the header's size and mtime replaces the header's path (rewritten in a
 * V3 header unless ro); otherwise the header's path is used. The backing
 * file is opened read-only, read-locked unless shared, and checked against
 * the header's size and mtime; nothing is written when that fails
 * (-EINVAL, UML's message plus both file names in err). fd stays the
 * caller's to close. */
int cow_dev_open(int unit, int fd, const char *cow_file,
		 const struct cow_header *h, const char *backing, bool ro,
		 bool shared, struct cow_dev **res, char *err, size_t errlen);
/* Whether a COW device has this file as its backing file. */
bool cow_backing_in_use(dev_t dev, ino_t ino);
/* Flush nothing; close the backing file (when no other unit uses it). */
void cow_dev_close(struct cow_dev *c);

uint64_t cow_dev_size(const struct cow_dev *c);	/* backing size, bytes */
const char *cow_dev_backing(const struct cow_dev *c);

/* Sector-aligned I/O on the virtual disk (offsets and lengths multiples
 * of 512, inside the device). */
int cow_dev_read(struct cow_dev *c, uint64_t off, const struct iovec *iov,
		 int cnt);
int cow_dev_write(struct cow_dev *c, uint64_t off, const struct iovec *iov,
		  int cnt);
/* Discard (punch) or write-zeroes: the range of the COW data area is
 * punched or zeroed by the host and its sectors marked present, so they
 * read as zeros (UML never clears a bit). -EOPNOTSUPP if the host file
 * system refuses. */
int cow_dev_zero(struct cow_dev *c, uint64_t off, uint64_t len, bool punch);
/* Make written data durable, then write back the changed bitmap bytes. */
int cow_dev_flush(struct cow_dev *c);
#endif
