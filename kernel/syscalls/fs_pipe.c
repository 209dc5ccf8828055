/* pipe and pipe2: a new anonymous pipe as two descriptors. */
#include <errno.h>
#include <fcntl.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/pipe.h"
#include "task/task.h"
#include "mm/uaccess.h"

static long do_pipe2(struct task *t, uint64_t ufds, int flags)
{
	struct fdtable *ft = t->proc->files;
	struct file *rd, *wr;
	bool cloexec = flags & O_CLOEXEC;
	int fds[2], err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	err = pipe_create(flags, &rd, &wr);
	if (err < 0)
		return err;
	fds[0] = fd_install(ft, rd, 0, cloexec, task_nofile(t));
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(ft, wr, 0, cloexec, task_nofile(t));
	if (fds[1] < 0) {
		fd_close(ft, fds[0]);
		file_put(wr);
		return fds[1];
	}
	if (copy_to_user(t, ufds, fds, sizeof(fds))) {
		fd_close(ft, fds[0]);
		fd_close(ft, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(pipe)
{
	return do_pipe2(t, a[0], 0);
}

SYSCALL_DEFINE(pipe2)
{
	return do_pipe2(t, a[0], (int)a[1]);
}
