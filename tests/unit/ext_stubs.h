/* Weak stand-ins for the few kernel symbols the block and ext tests reach
 * but do not exercise (guest memory, the current task, devfs, halt state).
 * Weak, so linking against libkernel.a uses the real ones when present. */
#ifndef EXT_STUBS_H
#define EXT_STUBS_H
#include <errno.h>
#include <string.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

struct task;
__attribute__((weak)) struct task *current;
__attribute__((weak)) bool vfs_halted;

__attribute__((weak)) int copy_to_user(struct task *t, uint64_t dst,
				       const void *src, size_t len)
{
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

__attribute__((weak)) int devfs_add_node(const char *name, mode_t mode, dev_t rdev)
{
	return 0;
}
#endif
