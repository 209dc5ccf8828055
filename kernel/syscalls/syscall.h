/* System call handlers. Each handler file defines its calls with
 * SYSCALL_DEFINE(name); the linker gathers them into the table, so files
 * never edit a shared list. A handler gets the calling task and the six
 * raw argument registers and returns the result or a negative errno (or a
 * kernel-internal code from lib/kerrno.h). */
#ifndef SYSCALLS_SYSCALL_H
#define SYSCALLS_SYSCALL_H
#include <stdint.h>
#include <sys/syscall.h>
#include "lib/kerrno.h"

struct task;
typedef long syscall_fn(struct task *t, const uint64_t *a);

struct syscall_entry {
	long nr;
	const char *name;
	syscall_fn *fn;
};

#define SYSCALL_DEFINE(name)						\
	static long sys_##name(struct task *t, const uint64_t *a);	\
	static const struct syscall_entry __sc_##name			\
	__attribute__((used, section("syscalls"), aligned(8))) =	\
		{ __NR_##name, #name, sys_##name };			\
	static long sys_##name(struct task *t, const uint64_t *a)

/* Another number served by an existing handler in the same file. */
#define SYSCALL_ALIAS(name, handler)					\
	static const struct syscall_entry __sc_##name			\
	__attribute__((used, section("syscalls"), aligned(8))) =	\
		{ __NR_##name, #name, sys_##handler }

void syscall_table_init(void);
/* Run syscall nr for t; the result goes in the task's rax. */
long syscall_dispatch(struct task *t, long nr, const uint64_t *args);
const char *syscall_name(long nr);
#endif
