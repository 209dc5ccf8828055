/* procfs: the "proc" filesystem, generated from the kernel's state. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H
#include <stddef.h>
#include <sys/types.h>

/* Register the filesystem type "proc" (boot, after vfs_init). */
int procfs_init(void);
/* The kernel command line shown in /proc/cmdline (copied). */
void procfs_set_cmdline(const char *cmdline);
/* The value written to /proc/exitcode (default 0): UML exits with it. */
int procfs_exitcode(void);

/* A file another subsystem adds to the /proc root (e.g. the mconsole's
 * /proc/mconsole), so procfs need not know it. Like a kernel proc file
 * without a read method, reading it fails with EIO. */
struct procfs_file {
	const char *name;
	mode_t mode;			/* permission bits */
	/* One write(2): bytes taken or -errno. */
	ssize_t (*write)(const char *buf, size_t len);
};
/* Register at boot (the struct must stay alive): 0, -EEXIST for a name
 * already in the /proc root, -ENOSPC when the few slots are used up,
 * -EINVAL without a write method or a plain name. */
int procfs_register_file(const struct procfs_file *file);
#endif
