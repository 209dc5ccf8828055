/* Guest memory access through the host's process_vm_* calls: a fault on a
 * guest address is a short transfer, reported as -EFAULT. */
#include <errno.h>
#include <string.h>
#include "mm/uaccess.h"
#include "task/task.h"

/* Guest pointers above this cannot be valid (the stub and the host's
 * kernel half live there). */
static bool bad_range(uint64_t addr, size_t len)
{
	return addr + len < addr || addr + len > GUEST_TOP;
}

int copy_from_user(struct task *t, void *dst, uint64_t src, size_t len)
{
	if (!len)
		return 0;
	if (bad_range(src, len))
		return -EFAULT;
	if (platform_read_mem(t->pt.host_tid, dst, src, len) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

int copy_to_user(struct task *t, uint64_t dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (bad_range(dst, len))
		return -EFAULT;
	if (platform_write_mem(t->pt.host_tid, dst, src, len) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

int clear_user(struct task *t, uint64_t dst, size_t len)
{
	static const char zeros[4096];

	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		if (copy_to_user(t, dst, zeros, n))
			return -EFAULT;
		dst += n;
		len -= n;
	}
	return 0;
}

/* Strings are read a page-bounded chunk at a time, so a string that ends
 * just before an unmapped page still reads. */
long strncpy_from_user(struct task *t, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;

	while (done < max) {
		uint64_t addr = src + done;
		size_t chunk = 4096 - (addr & 4095);
		ssize_t n;
		char *nul;

		if (chunk > max - done)
			chunk = max - done;
		if (bad_range(addr, chunk))
			return -EFAULT;
		n = platform_read_mem(t->pt.host_tid, dst + done, addr, chunk);
		if (n <= 0)
			return -EFAULT;
		nul = memchr(dst + done, 0, n);
		if (nul)
			return nul - dst;
		done += n;
	}
	return -ENAMETOOLONG;
}
