/* Copying between kernel memory and a guest address space. Every bad guest
 * pointer becomes -EFAULT; nothing here can crash the kernel. */
#ifndef MM_UACCESS_H
#define MM_UACCESS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct task;

int copy_from_user(struct task *t, void *dst, uint64_t src, size_t len);
int copy_to_user(struct task *t, uint64_t dst, const void *src, size_t len);
/* Copy a NUL-terminated string of at most max-1 chars. Returns its length,
 * -EFAULT, or -ENAMETOOLONG if no NUL within max bytes. */
long strncpy_from_user(struct task *t, char *dst, uint64_t src, size_t max);
/* Zero guest memory. */
int clear_user(struct task *t, uint64_t dst, size_t len);

/* Typed helpers. */
#define get_user(t, kptr, uaddr) copy_from_user(t, kptr, uaddr, sizeof(*(kptr)))
#define put_user(t, uaddr, kptr) copy_to_user(t, uaddr, kptr, sizeof(*(kptr)))
#endif
