/* Memory system calls: thin wrappers over mm/. */
#include <errno.h>
#include <sys/mman.h>
#include "syscalls/syscall.h"
#include "task/task.h"
#include "mm/mm.h"
#include "fs/vfs.h"

SYSCALL_DEFINE(brk)
{
	return mm_brk(t, a[0]);
}

SYSCALL_DEFINE(mmap)
{
	uint64_t addr = a[0], len = a[1], off = a[5];
	int prot = (int)a[2], flags = (int)a[3], fd = (int)a[4];
	struct file *f = NULL;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get(t->proc->files, fd);
		if (!f)
			return -EBADF;
		off = a[5];
	} else {
		off = 0;
	}
	return mm_mmap(t, addr, len, prot & (PROT_READ | PROT_WRITE | PROT_EXEC), flags, f, off);
}

SYSCALL_DEFINE(munmap)
{
	return mm_munmap(t, a[0], a[1]);
}

SYSCALL_DEFINE(mprotect)
{
	return mm_mprotect(t, a[0], a[1], (int)a[2]);
}

SYSCALL_DEFINE(mremap)
{
	return mm_mremap(t, a[0], a[1], a[2], (int)a[3], a[4]);
}

SYSCALL_DEFINE(msync)
{
	return mm_msync(t, a[0], a[1], (int)a[2]);
}

SYSCALL_DEFINE(madvise)
{
	return mm_madvise(t, a[0], a[1], (int)a[2]);
}

/* Guest memory is never swapped by us; locking is bookkeeping only. */
SYSCALL_DEFINE(mlock)
{
	return (a[0] & 4095) ? 0 : 0;
}
SYSCALL_ALIAS(munlock, mlock);
SYSCALL_ALIAS(mlockall, mlock);
SYSCALL_ALIAS(munlockall, mlock);
