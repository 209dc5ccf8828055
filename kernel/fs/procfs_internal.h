/* Shared by the files of procfs (procfs*.c), not for other subsystems.
 *
 * Every procfs inode is named by its number alone, so lookups of the same
 * name give the same cached inode and nothing needs freeing:
 *   global entries (/proc/meminfo, /proc/sys/...): ino = index + 1
 *   per-process entries: ino = id << 32 | thread-view bit | kind << 20 | fd
 * where id is the pid (or the tid in a task/<tid> view), kind is an index
 * into the per-process table or one of the PK_* kinds, and fd the number
 * of an fd/ or fdinfo/ entry. */
#ifndef FS_PROCFS_INTERNAL_H
#define FS_PROCFS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs/vfs.h"

struct process;
struct task;

#define PROC_SUPER_MAGIC	0x9fa0
#define PROC_ID_SHIFT		32
#define PROC_THREAD_BIT		(1ULL << 31)
#define PROC_KIND_SHIFT		20
#define PROC_KIND_MASK		0x7ffULL
#define PROC_FD_MASK		0xfffffULL
#define PROC_TICKS_NS		10000000ULL	/* USER_HZ = 100 */

/* Per-process kinds besides the table indexes. */
#define PK_DIR		0		/* /proc/PID itself */
#define PK_FD_LINK	0x7f0		/* fd/N */
#define PK_FDINFO_FILE	0x7f1		/* fdinfo/N */

/* A growing text buffer the generators print into. */
struct pbuf {
	char *data;
	size_t len, cap;
	bool oom;
};

void pb_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pb_write(struct pbuf *b, const void *s, size_t n);
void pb_free(struct pbuf *b);

/* What a per-process entry is about. t is the thread for a task/<tid>
 * view, else the first live thread (NULL for a zombie). */
struct proc_target {
	struct process *p;
	struct task *t;
	bool thread_view;
	int fd;
};

/* An entry of a fixed table. Directories have none of the methods. */
struct proc_entry {
	const char *name;
	mode_t mode;			/* with the type bits */
	int parent;			/* global table: index of the directory */
	/* Regular files: the contents, made at open. */
	int (*show)(struct pbuf *b, const struct proc_target *pt);
	/* Writable files: one write(2). Returns bytes taken or -errno. */
	ssize_t (*write)(const struct proc_target *pt, const char *buf, size_t len);
	/* Symlinks: the text (length) ... */
	int (*link)(const struct proc_target *pt, char *buf, size_t len);
	/* ... and, for magic links, the target itself (referenced). */
	int (*get_path)(const struct proc_target *pt, struct path *res);
	bool not_in_thread;		/* absent from task/<tid> views */
};

/* procfs_sys.c: the global table; entry 0 is the root directory. */
extern const struct proc_entry proc_global[];
extern const int proc_global_count;

/* procfs_pid.c: the per-process table; entry 0 (PK_DIR) is unused. */
extern const struct proc_entry proc_pid_entries[];
extern const int proc_pid_count;
/* fd/N and fdinfo/N of the target's pt->fd. */
int proc_fd_link(const struct proc_target *pt, char *buf, size_t len);
int proc_fd_get_path(const struct proc_target *pt, struct path *res);
int proc_fdinfo_show(struct pbuf *b, const struct proc_target *pt);

/* procfs_util.c: helpers shared by the generators. */
/* The caller's root, for path names (the VFS root if there is no caller). */
struct path proc_caller_root(void);
/* The first thread that has not exited, or NULL. */
struct task *proc_live_thread(struct process *p);
/* Read another process's memory [start, end), at most max bytes. */
int proc_read_guest(struct process *p, uint64_t start, uint64_t end,
		    size_t max, struct pbuf *b);
/* Resident pages of the process, from the host's view of its memory. */
unsigned long proc_rss_pages(struct process *p);
uint64_t proc_vsize(struct process *p);

#endif
