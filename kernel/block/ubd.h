/* ubd: the UML block devices, units 0-15 over host files.
 *
 * A unit is configured (host file opened and locked) from the command line
 * or mconsole; its data is reached through ubd_read/ubd_write, which go
 * through the block cache, and from the guest through /dev/ubda.. (block
 * major 98, minor unit*16). */
#ifndef BLOCK_UBD_H
#define BLOCK_UBD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>

#define UBD_MAJOR	98
#define UBD_MAX		16

/* Configuration flags (the letters of ubd<n><flags>=). */
#define UBD_RDONLY	(1u << 0)	/* r */
#define UBD_SYNC	(1u << 1)	/* s: O_SYNC, and the cache writes through */
#define UBD_DATA	(1u << 2)	/* d: never a COW file */
#define UBD_SHARED	(1u << 3)	/* c: no host lock */
#define UBD_NOTRIM	(1u << 4)	/* t */

/* Open and lock the host file for unit now. Returns 0, or -errno with a
 * one-line message in err (e.g. `ubda: Can't open "x": errno = 2`). An rw
 * open that fails with EROFS/EACCES falls back to read-only. A lock held
 * by another process is -EAGAIN. A file with the COW magic (unless
 * UBD_DATA), or any file given a backing file, is a COW device (block/cow.h);
 * a missing COW file with a backing file is created. If ubd_init has run,
 * /dev/ubdX is created in devfs. */
int ubd_configure(int unit, const char *file, const char *backing,
		  unsigned flags, char *err, size_t errlen);
/* Flush, unlock and close a unit; -EBUSY while the guest has it open. */
int ubd_remove(int unit, char *err, size_t errlen);
bool ubd_configured(int unit);
const char *ubd_file(int unit);		/* host file name or NULL */
/* The backing file of a COW unit, NULL for a plain image. */
const char *ubd_backing(int unit);

static inline dev_t ubd_devt(int unit)
{
	return makedev(UBD_MAJOR, unit * 16);
}

/* The unit behind a device number (any partition minor), or -1. */
int ubd_unit_of(dev_t dev);

/* Block I/O. Offsets and lengths are bytes; the range must lie inside the
 * device (-EIO otherwise). Returns 0 or -errno. Writes to a read-only unit
 * are -EROFS. */
int ubd_read(int unit, uint64_t off, void *buf, size_t len);
int ubd_write(int unit, uint64_t off, const void *buf, size_t len);
/* Write back the cache, then fdatasync the host file. */
int ubd_flush(int unit);
/* ubd_flush of every configured unit (sync(2)): 0 or the first error. */
int ubd_flush_all(void);
/* TRIM (uml-compat.md §1.3). The range is 512-aligned and inside the
 * device (-EINVAL otherwise). Discard punches a hole in the host file (in
 * the COW data area for a COW unit, marking the sectors present), so the
 * range reads as zeros; -EOPNOTSUPP with the `t` flag or when the host
 * cannot punch. Write-zeroes asks the host for a zeroed range and writes
 * zeros if it refuses (always, with `t`). Both keep the block cache
 * coherent and are -EROFS on a read-only unit. */
int ubd_discard(int unit, uint64_t off, uint64_t len);
int ubd_zeroout(int unit, uint64_t off, uint64_t len);
bool ubd_can_discard(int unit);
uint64_t ubd_size(int unit);		/* bytes, multiple of 512; 0 if none */
bool ubd_readonly(int unit);
/* Guest opens of the device (ubd_remove refuses while nonzero). */
void ubd_get(int unit);
void ubd_put(int unit);

/* Create /dev/ubdX for a configured unit (a no-op before ubd_init).
 * ubd_init installs it as the hook ubd_configure calls, which keeps the
 * block I/O core free of devfs. */
void ubd_publish(int unit);
extern void (*ubd_publish_hook)(int unit);

/* Host-file helpers shared with the COW layer. ubd_host_io transfers
 * everything (reads past the end of file give zeros); ubd_lock_host_file
 * takes the whole-file fcntl lock (read lock if ro), -EAGAIN naming the
 * holder when another process has it. */
int ubd_host_io(int fd, bool write, uint64_t off, const struct iovec *iov,
		int cnt);
/* fallocate(PUNCH_HOLE or ZERO_RANGE, KEEP_SIZE) on a host file: 0, or
 * -EOPNOTSUPP when its file system (or device) cannot, or -errno. */
int ubd_host_fallocate(int fd, uint64_t off, uint64_t len, bool punch);
int ubd_lock_host_file(int fd, bool ro, int unit, const char *file,
		       char *err, size_t errlen);
/* The unit whose image or COW file is this inode, or -1. */
int ubd_unit_of_file(dev_t dev, ino_t ino);

/* Register block major 98 and add /dev/ubdX nodes of configured units. */
int ubd_init(void);
/* Halt: flush every unit, unlock and close. */
void ubd_shutdown(void);
#endif
