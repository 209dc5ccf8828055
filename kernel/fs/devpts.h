/* devpts: the names of the pseudo-terminal slaves, /dev/pts/N, and
 * /dev/pts/ptmx. One instance shared by every mount (Linux's legacy
 * single instance); the index space and the nodes' owners live here, the
 * ttys in tty/pty.c. */
#ifndef FS_DEVPTS_H
#define FS_DEVPTS_H
#include "lib/cred.h"

/* Register the "devpts" filesystem type. */
int devpts_init(void);
/* The lowest free pty index, or -ENOSPC past the limit (max= option). */
int devpts_new_index(void);
void devpts_kill_index(int index);
/* /dev/pts/N appears, owned by cred's fsuid and fsgid (or the uid=/gid=
 * options) with the mode= option's permissions. */
void devpts_pty_new(int index, const struct cred *cred);
/* /dev/pts/N goes away (the master closed); the index stays taken until
 * devpts_kill_index. */
void devpts_pty_kill(int index);
#endif
