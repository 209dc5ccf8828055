/* procfs: the "proc" filesystem, generated from the kernel's state. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H

/* Register the filesystem type "proc" (boot, after vfs_init). */
int procfs_init(void);
/* The kernel command line shown in /proc/cmdline (copied). */
void procfs_set_cmdline(const char *cmdline);
/* The value written to /proc/exitcode (default 0): UML exits with it. */
int procfs_exitcode(void);
#endif
