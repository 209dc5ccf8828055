/* flock(2): whole-file locks owned by the open file description,
 * independent of fcntl record locks (as on Linux). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "fs/lock.h"
#include "task/task.h"

#ifndef LOCK_MAND
#define LOCK_MAND 32
#endif

SYSCALL_DEFINE(flock)
{
	unsigned cmd = (unsigned)a[1];
	struct file *f;
	struct waitq *wq;
	short type;
	int err;

	/* Linux ignores the old, never-working LOCK_MAND requests. */
	if (cmd & LOCK_MAND)
		return 0;
	switch (cmd & ~LOCK_NB) {
	case LOCK_SH:
		type = F_RDLCK;
		break;
	case LOCK_EX:
		type = F_WRLCK;
		break;
	case LOCK_UN:
		type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	f = task_file(t, (int)a[0]);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (!f->inode)
		return -ENOLCK;
	err = lock_flock(f->inode, f, type);
	if (err != -EAGAIN)
		return err;
	if (cmd & LOCK_NB)
		return -EWOULDBLOCK;
	wq = lock_waitq(f->inode);
	if (!wq)
		return -ENOLCK;
	task_wait_on(t, wq);
	return -EBLOCK;
}
