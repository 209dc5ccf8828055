/* The syscall table, gathered from every handler's SYSCALL_DEFINE entry. */
#include <errno.h>
#include <stdbool.h>
#include "syscalls/syscall.h"
#include "lib/log.h"

#define NR_SYSCALLS 512

extern const struct syscall_entry __start_syscalls[], __stop_syscalls[];

static const char *const host_names[NR_SYSCALLS] = {
#include "syscall_names.h"
};

static syscall_fn *table[NR_SYSCALLS];
static const char *names[NR_SYSCALLS];
static bool warned[NR_SYSCALLS];

void syscall_table_init(void)
{
	for (const struct syscall_entry *e = __start_syscalls; e < __stop_syscalls; e++) {
		if (e->nr < 0 || e->nr >= NR_SYSCALLS)
			continue;
		table[e->nr] = e->fn;
		names[e->nr] = e->name;
	}
}

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= NR_SYSCALLS)
		return "?";
	if (names[nr])
		return names[nr];
	return host_names[nr] ? host_names[nr] : "?";
}

long syscall_dispatch(struct task *t, long nr, const uint64_t *args)
{
	if (nr >= 0 && nr < NR_SYSCALLS && table[nr])
		return table[nr](t, args);
	/* Each missing call is reported once, by name. */
	if (nr >= 0 && nr < NR_SYSCALLS) {
		if (!warned[nr]) {
			warned[nr] = true;
			printk_level(KERN_DEBUG, "syscall %s (%ld) not implemented\n",
				     syscall_name(nr), nr);
		}
	}
	return -ENOSYS;
}
