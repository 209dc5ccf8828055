/* swapon(2) and swapoff(2): path handling and privilege checks; the
 * areas themselves are block/swap.c. */
#include <errno.h>
#include <fcntl.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "block/swap.h"

SYSCALL_DEFINE(swapon)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	int flags = (int)a[1];
	struct file *f;
	long err;

	if (t->proc->cred.euid != 0)
		return -EPERM;
	if (flags & ~SWAP_FLAGS_VALID)
		return -EINVAL;
	err = get_user_path(t, a[0], path);
	if (err < 0)
		return err;
	err = at_context(t, AT_FDCWD, path, &ctx);
	if (err < 0)
		return err;
	err = vfs_open(&ctx, path, O_RDWR | KO_LARGEFILE, 0, &f);
	if (err < 0)
		return err;
	err = swap_on(f, flags);
	file_put(f);
	return err;
}

SYSCALL_DEFINE(swapoff)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	struct path p;
	long err;

	if (t->proc->cred.euid != 0)
		return -EPERM;
	err = get_user_path(t, a[0], path);
	if (err < 0)
		return err;
	err = at_context(t, AT_FDCWD, path, &ctx);
	if (err < 0)
		return err;
	err = vfs_lookup(&ctx, path, LOOKUP_FOLLOW, &p);
	if (err < 0)
		return err;
	err = swap_off(p.dentry->inode);
	path_put(&p);
	return err;
}
