/* Changing the namespace and attributes: mkdir, mknod, unlink, rename,
 * link, symlink, chdir/chroot, chmod/chown, times, truncation, syncing and
 * mounting. The VFS validates names and types; these handlers copy the
 * arguments, apply the umask and the permission rules for attributes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/mount.h>
#include <utime.h>
#include <linux/falloc.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "task/task.h"
#include "mm/uaccess.h"
#include "lib/ktime.h"

#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 8
#endif
#define MS_MGC_MASK 0xffff0000UL
#define MS_MGC_MAGIC 0xC0ED0000UL

/* A path argument and the context it is relative to. */
struct upath {
	char name[KPATH_MAX];
	struct nameidata_ctx ctx;
};

static long get_at_path(struct task *t, int dirfd, uint64_t uaddr, struct upath *p)
{
	long err = get_user_path(t, uaddr, p->name);

	if (err < 0)
		return err;
	return at_context(t, dirfd, p->name, &p->ctx);
}

static mode_t umask_of(struct task *t)
{
	return t->proc->fs->umask;
}

/* ---- creating and removing names ---- */

static long do_mkdirat(struct task *t, int dirfd, uint64_t upath, mode_t mode)
{
	struct upath p;
	long err = get_at_path(t, dirfd, upath, &p);

	if (err < 0)
		return err;
	return vfs_mkdir(&p.ctx, p.name, mode & 01777 & ~umask_of(t));
}

SYSCALL_DEFINE(mkdir)
{
	return do_mkdirat(t, AT_FDCWD, a[0], (mode_t)a[1]);
}

SYSCALL_DEFINE(mkdirat)
{
	return do_mkdirat(t, (int)a[0], a[1], (mode_t)a[2]);
}

static long do_mknodat(struct task *t, int dirfd, uint64_t upath, mode_t mode,
		       uint32_t dev)
{
	struct upath p;
	long err = get_at_path(t, dirfd, upath, &p);

	if (err < 0)
		return err;
	/* The syscall's dev is the 32-bit encoding, which glibc's dev_t
	 * matches for every number it can hold. */
	mode = (mode & S_IFMT) | (mode & 07777 & ~umask_of(t));
	return vfs_mknod(&p.ctx, p.name, mode, (dev_t)dev);
}

SYSCALL_DEFINE(mknod)
{
	return do_mknodat(t, AT_FDCWD, a[0], (mode_t)a[1], (uint32_t)a[2]);
}

SYSCALL_DEFINE(mknodat)
{
	return do_mknodat(t, (int)a[0], a[1], (mode_t)a[2], (uint32_t)a[3]);
}

static long do_unlinkat(struct task *t, int dirfd, uint64_t upath, int flags)
{
	struct upath p;
	long err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	err = get_at_path(t, dirfd, upath, &p);
	if (err < 0)
		return err;
	return vfs_unlink(&p.ctx, p.name, flags);
}

SYSCALL_DEFINE(unlink)
{
	return do_unlinkat(t, AT_FDCWD, a[0], 0);
}

SYSCALL_DEFINE(unlinkat)
{
	return do_unlinkat(t, (int)a[0], a[1], (int)a[2]);
}

SYSCALL_DEFINE(rmdir)
{
	return do_unlinkat(t, AT_FDCWD, a[0], AT_REMOVEDIR);
}

static struct upath path_a, path_b;	/* two paths: too big for the stack twice */

static long do_renameat2(struct task *t, int odfd, uint64_t opath, int ndfd,
			 uint64_t npath, unsigned flags)
{
	long err = get_at_path(t, odfd, opath, &path_a);

	if (err < 0)
		return err;
	err = get_at_path(t, ndfd, npath, &path_b);
	if (err < 0)
		return err;
	return vfs_rename(&path_a.ctx, path_a.name, &path_b.ctx, path_b.name, flags);
}

SYSCALL_DEFINE(rename)
{
	return do_renameat2(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DEFINE(renameat)
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3], 0);
}

SYSCALL_DEFINE(renameat2)
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}

static long do_linkat(struct task *t, int odfd, uint64_t opath, int ndfd,
		      uint64_t npath, int flags)
{
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = get_at_path(t, odfd, opath, &path_a);
	if (err < 0)
		return err;
	err = get_at_path(t, ndfd, npath, &path_b);
	if (err < 0)
		return err;
	return vfs_link(&path_a.ctx, path_a.name, &path_b.ctx, path_b.name, flags);
}

SYSCALL_DEFINE(link)
{
	return do_linkat(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DEFINE(linkat)
{
	return do_linkat(t, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

static long do_symlinkat(struct task *t, uint64_t utarget, int dirfd, uint64_t upath)
{
	long err = get_user_path(t, utarget, path_a.name);

	if (err < 0)
		return err;
	err = get_at_path(t, dirfd, upath, &path_b);
	if (err < 0)
		return err;
	return vfs_symlink(path_a.name, &path_b.ctx, path_b.name);
}

SYSCALL_DEFINE(symlink)
{
	return do_symlinkat(t, a[0], AT_FDCWD, a[1]);
}

SYSCALL_DEFINE(symlinkat)
{
	return do_symlinkat(t, a[0], (int)a[1], a[2]);
}

/* ---- working directory and root ---- */

/* Look up a directory the caller may search. */
static long lookup_dir(struct task *t, uint64_t upath, struct path *res)
{
	struct upath p;
	long err = get_at_path(t, AT_FDCWD, upath, &p);

	if (err < 0)
		return err;
	err = vfs_lookup(&p.ctx, p.name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, res);
	if (err < 0)
		return err;
	err = vfs_path_permission(res, &t->proc->cred, MAY_EXEC);
	if (err < 0)
		path_put(res);
	return err;
}

SYSCALL_DEFINE(chdir)
{
	struct path p;
	long err = lookup_dir(t, a[0], &p);

	if (err < 0)
		return err;
	fs_context_set_cwd(t->proc->fs, &p);
	path_put(&p);
	return 0;
}

SYSCALL_DEFINE(fchdir)
{
	struct file *f = task_file(t, (int)a[0]);
	int err;

	if (!f)
		return -EBADF;
	if (!f->path.dentry || !S_ISDIR(f->path.dentry->inode->mode))
		return -ENOTDIR;
	err = vfs_path_permission(&f->path, &t->proc->cred, MAY_EXEC);
	if (err < 0)
		return err;
	fs_context_set_cwd(t->proc->fs, &f->path);
	return 0;
}

SYSCALL_DEFINE(chroot)
{
	struct path p;
	long err = lookup_dir(t, a[0], &p);

	if (err < 0)
		return err;
	if (t->proc->cred.euid != 0) {
		path_put(&p);
		return -EPERM;
	}
	fs_context_set_root(t->proc->fs, &p);
	path_put(&p);
	return 0;
}

/* ---- attributes ---- */

/* Check and apply attr to an open file or a looked-up path. */
static long setattr_checked(struct task *t, const struct path *p, struct inode *ino,
			    struct iattr *attr, bool times_now)
{
	const struct cred *cred = &t->proc->cred;
	int err;

	/* Like Linux, a chmod by someone outside the file's group (and not
	 * root) drops set-group-ID. */
	if ((attr->valid & ATTR_MODE) && cred->fsuid != 0 && !cred_in_group(cred, ino->gid))
		attr->mode &= ~S_ISGID;
	err = vfs_setattr_permission(ino, cred, attr, times_now);
	if (err < 0)
		return err;
	if (p && p->dentry)
		return vfs_setattr(p, attr);
	/* A file without a name (pipe): only the in-memory inode. */
	if (attr->valid & ATTR_SIZE)
		return -EINVAL;
	inode_set_attrs(ino, attr);
	ino->ctime = ktime_real();
	return 0;
}

/* Apply attr to path relative to dirfd; lookup flags AT_SYMLINK_NOFOLLOW
 * and AT_EMPTY_PATH. */
static long setattr_at(struct task *t, int dirfd, uint64_t upath, int flags,
		       struct iattr *attr, bool times_now)
{
	struct upath up;
	struct path p;
	long err;

	err = get_at_path(t, dirfd, upath, &up);
	if (err < 0)
		return err;
	if (!up.name[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		struct file *f = task_file(t, dirfd);

		if (!f || !f->inode)
			return -EBADF;
		return setattr_checked(t, &f->path, f->inode, attr, times_now);
	}
	err = vfs_lookup(&up.ctx, up.name,
			 ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			 ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &p);
	if (err < 0)
		return err;
	err = setattr_checked(t, &p, p.dentry->inode, attr, times_now);
	path_put(&p);
	return err;
}

static long setattr_fd(struct task *t, int fd, struct iattr *attr, bool times_now)
{
	struct file *f = task_file(t, fd);

	if (!f || !f->inode)
		return -EBADF;
	if (f->flags & O_PATH)
		return -EBADF;
	return setattr_checked(t, &f->path, f->inode, attr, times_now);
}

static void mode_attr(struct iattr *attr, mode_t mode)
{
	memset(attr, 0, sizeof(*attr));
	attr->valid = ATTR_MODE;
	attr->mode = mode & 07777;
}

SYSCALL_DEFINE(chmod)
{
	struct iattr attr;

	mode_attr(&attr, (mode_t)a[1]);
	return setattr_at(t, AT_FDCWD, a[0], 0, &attr, false);
}

SYSCALL_DEFINE(fchmod)
{
	struct iattr attr;

	mode_attr(&attr, (mode_t)a[1]);
	return setattr_fd(t, (int)a[0], &attr, false);
}

SYSCALL_DEFINE(fchmodat)
{
	struct iattr attr;

	mode_attr(&attr, (mode_t)a[2]);
	return setattr_at(t, (int)a[0], a[1], 0, &attr, false);
}

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

SYSCALL_DEFINE(fchmodat2)
{
	int flags = (int)a[3];
	struct iattr attr;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* Symlink modes cannot change; Linux says so for NOFOLLOW on one. */
	if (flags & AT_SYMLINK_NOFOLLOW) {
		struct stat st;
		struct upath up;
		struct path p;
		long err = get_at_path(t, (int)a[0], a[1], &up);

		if (err < 0)
			return err;
		if (up.name[0]) {
			err = vfs_lookup(&up.ctx, up.name, 0, &p);
			if (err < 0)
				return err;
			vfs_stat(&p, &st);
			path_put(&p);
			if (S_ISLNK(st.st_mode))
				return -EOPNOTSUPP;
		}
	}
	mode_attr(&attr, (mode_t)a[2]);
	return setattr_at(t, (int)a[0], a[1], flags, &attr, false);
}

static void own_attr(struct iattr *attr, uint32_t uid, uint32_t gid)
{
	memset(attr, 0, sizeof(*attr));
	if (uid != (uint32_t)-1) {
		attr->valid |= ATTR_UID;
		attr->uid = uid;
	}
	if (gid != (uint32_t)-1) {
		attr->valid |= ATTR_GID;
		attr->gid = gid;
	}
	/* chown(-1, -1) still changes ctime, as in Linux. */
	attr->valid |= ATTR_CTIME;
	attr->ctime = ktime_real();
}

SYSCALL_DEFINE(chown)
{
	struct iattr attr;

	own_attr(&attr, (uint32_t)a[1], (uint32_t)a[2]);
	return setattr_at(t, AT_FDCWD, a[0], 0, &attr, false);
}

SYSCALL_DEFINE(lchown)
{
	struct iattr attr;

	own_attr(&attr, (uint32_t)a[1], (uint32_t)a[2]);
	return setattr_at(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &attr, false);
}

SYSCALL_DEFINE(fchown)
{
	struct iattr attr;

	own_attr(&attr, (uint32_t)a[1], (uint32_t)a[2]);
	return setattr_fd(t, (int)a[0], &attr, false);
}

SYSCALL_DEFINE(fchownat)
{
	int flags = (int)a[4];
	struct iattr attr;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	own_attr(&attr, (uint32_t)a[2], (uint32_t)a[3]);
	return setattr_at(t, (int)a[0], a[1], flags, &attr, false);
}

/* ---- times ---- */

/* Build the attributes for new times ts (NULL = now): -EINVAL for a bad
 * nanosecond value, 1 if both are UTIME_OMIT (nothing to do). */
static int times_attr(const struct timespec *ts, struct iattr *attr, bool *now)
{
	struct timespec cur = ktime_real();

	memset(attr, 0, sizeof(*attr));
	*now = !ts || (ts[0].tv_nsec == UTIME_NOW && ts[1].tv_nsec == UTIME_NOW);
	if (!ts) {
		attr->valid = ATTR_ATIME | ATTR_MTIME;
		attr->atime = attr->mtime = cur;
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		long ns = ts[i].tv_nsec;

		if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns > 999999999))
			return -EINVAL;
	}
	if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 1;
	if (ts[0].tv_nsec != UTIME_OMIT) {
		attr->valid |= ATTR_ATIME;
		attr->atime = ts[0].tv_nsec == UTIME_NOW ? cur : ts[0];
	}
	if (ts[1].tv_nsec != UTIME_OMIT) {
		attr->valid |= ATTR_MTIME;
		attr->mtime = ts[1].tv_nsec == UTIME_NOW ? cur : ts[1];
	}
	return 0;
}

/* ts NULL = now. upath 0 = dirfd itself (utimensat's futimens form). */
static long do_utimes(struct task *t, int dirfd, uint64_t upath,
		      const struct timespec *ts, int flags)
{
	struct iattr attr;
	bool now;
	int r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = times_attr(ts, &attr, &now);
	if (r < 0)
		return r;
	if (!upath) {
		struct file *f;

		if (dirfd == AT_FDCWD)
			return -EFAULT;
		if (flags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		f = task_file(t, dirfd);
		if (!f || !f->inode)
			return -EBADF;
		return r ? 0 : setattr_checked(t, &f->path, f->inode, &attr, now);
	}
	if (r) {
		/* Nothing changes, but the name must still exist. */
		struct upath up;
		struct path p;
		long err = get_at_path(t, dirfd, upath, &up);

		if (err < 0)
			return err;
		err = vfs_lookup(&up.ctx, up.name,
				 (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
		if (err < 0)
			return err;
		path_put(&p);
		return 0;
	}
	return setattr_at(t, dirfd, upath, flags, &attr, now);
}

SYSCALL_DEFINE(utimensat)
{
	struct timespec ts[2];

	if (a[2] && copy_from_user(t, ts, a[2], sizeof(ts)))
		return -EFAULT;
	return do_utimes(t, (int)a[0], a[1], a[2] ? ts : NULL, (int)a[3]);
}

static long timeval_utimes(struct task *t, int dirfd, uint64_t upath, uint64_t utv)
{
	struct timeval tv[2];
	struct timespec ts[2];

	if (!utv)
		return do_utimes(t, dirfd, upath, NULL, 0);
	if (copy_from_user(t, tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return do_utimes(t, dirfd, upath, ts, 0);
}

SYSCALL_DEFINE(utimes)
{
	if (!a[0])
		return -EFAULT;
	return timeval_utimes(t, AT_FDCWD, a[0], a[1]);
}

SYSCALL_DEFINE(futimesat)
{
	if (!a[1])
		return -EFAULT;
	return timeval_utimes(t, (int)a[0], a[1], a[2]);
}

SYSCALL_DEFINE(utime)
{
	struct utimbuf ub;
	struct timespec ts[2];

	if (!a[0])
		return -EFAULT;
	if (!a[1])
		return do_utimes(t, AT_FDCWD, a[0], NULL, 0);
	if (copy_from_user(t, &ub, a[1], sizeof(ub)))
		return -EFAULT;
	ts[0].tv_sec = ub.actime;
	ts[1].tv_sec = ub.modtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return do_utimes(t, AT_FDCWD, a[0], ts, 0);
}

/* ---- sizes and syncing ---- */

SYSCALL_DEFINE(truncate)
{
	struct upath up;
	struct path p;
	struct iattr attr = { .valid = ATTR_SIZE, .size = a[1] };
	struct inode *ino;
	long err;

	if ((int64_t)a[1] < 0)
		return -EINVAL;
	err = get_at_path(t, AT_FDCWD, a[0], &up);
	if (err < 0)
		return err;
	err = vfs_lookup(&up.ctx, up.name, LOOKUP_FOLLOW, &p);
	if (err < 0)
		return err;
	ino = p.dentry->inode;
	if (S_ISDIR(ino->mode))
		err = -EISDIR;
	else if (!S_ISREG(ino->mode))
		err = -EINVAL;
	else
		err = vfs_path_permission(&p, &t->proc->cred, MAY_WRITE);
	if (!err)
		err = vfs_setattr(&p, &attr);
	path_put(&p);
	return err;
}

SYSCALL_DEFINE(ftruncate)
{
	struct file *f = task_file(t, (int)a[0]);
	struct iattr attr = { .valid = ATTR_SIZE, .size = a[1] };

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->path.dentry ||
	    !f->inode || !S_ISREG(f->inode->mode))
		return -EINVAL;
	return vfs_setattr(&f->path, &attr);
}

/* The mode bits Linux knows; the others are EOPNOTSUPP before anything. */
#define FALLOC_KNOWN (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | \
		      FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | \
		      FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)

/* The checks of Linux's vfs_fallocate on the mode alone, in its order. */
static int falloc_mode_check(int mode)
{
	if (mode & ~FALLOC_KNOWN)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_COLLAPSE_RANGE) && (mode & ~FALLOC_FL_COLLAPSE_RANGE))
		return -EINVAL;
	if ((mode & FALLOC_FL_INSERT_RANGE) && (mode & ~FALLOC_FL_INSERT_RANGE))
		return -EINVAL;
	if ((mode & FALLOC_FL_UNSHARE_RANGE) &&
	    (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)))
		return -EINVAL;
	return 0;
}

SYSCALL_DEFINE(fallocate)
{
	struct file *f = task_file(t, (int)a[0]);
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	struct inode *ino;
	int err;

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	err = falloc_mode_check(mode);
	if (err)
		return err;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	ino = f->inode;
	if (!ino)
		return -ENODEV;
	if (S_ISFIFO(ino->mode))
		return -ESPIPE;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -ENODEV;
	/* The end wrapping past the largest offset; the filesystem checks
	 * its own, smaller, limit. */
	if (off > INT64_MAX - len)
		return -EFBIG;
	if (f->path.dentry && vfs_path_rdonly(&f->path))
		return -EROFS;
	if (ino->op && ino->op->fallocate)
		return ino->op->fallocate(ino, mode, off, len);
	/* Without the method, plain preallocation is extending the size. */
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && (uint64_t)(off + len) > ino->size) {
		struct iattr attr = { .valid = ATTR_SIZE, .size = off + len };

		return vfs_setattr(&f->path, &attr);
	}
	return 0;
}

static long do_fsync(struct task *t, int fd)
{
	struct file *f = task_file(t, fd);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (f->op && f->op->fsync)
		return f->op->fsync(f);
	if (!f->inode || file_is_stream(f))
		return -EINVAL;
	if (f->inode->op && f->inode->op->fsync)
		return f->inode->op->fsync(f->inode);
	return 0;
}

SYSCALL_DEFINE(fsync)
{
	return do_fsync(t, (int)a[0]);
}

SYSCALL_DEFINE(fdatasync)
{
	return do_fsync(t, (int)a[0]);
}

SYSCALL_DEFINE(sync)
{
	vfs_sync_all();
	return 0;
}

SYSCALL_DEFINE(syncfs)
{
	struct file *f = task_file(t, (int)a[0]);
	struct super_block *sb;

	if (!f)
		return -EBADF;
	sb = f->inode ? f->inode->sb : NULL;
	if (sb && sb->op && sb->op->sync)
		return sb->op->sync(sb);
	return 0;
}

/* ---- mounting ---- */

/* An optional string argument: NULL stays NULL. */
static long get_opt_string(struct task *t, uint64_t uaddr, char *buf, char **res)
{
	long err;

	*res = NULL;
	if (!uaddr)
		return 0;
	err = strncpy_from_user(t, buf, uaddr, KPATH_MAX);
	if (err < 0)
		return err;
	*res = buf;
	return 0;
}

SYSCALL_DEFINE(mount)
{
	static char source[KPATH_MAX], fstype[256], data[KPATH_MAX];
	char *src, *type = NULL, *dat;
	unsigned long flags = a[3];
	struct upath target;
	long err;

	if (t->proc->cred.euid != 0)
		return -EPERM;
	err = get_opt_string(t, a[0], source, &src);
	if (err < 0)
		return err;
	err = get_at_path(t, AT_FDCWD, a[1], &target);
	if (err < 0)
		return err;
	if (a[2]) {
		err = strncpy_from_user(t, fstype, a[2], sizeof(fstype));
		if (err < 0)
			return err == -ENAMETOOLONG ? -ENODEV : err;
		type = fstype;
	}
	err = get_opt_string(t, a[4], data, &dat);
	if (err < 0)
		return err;
	if ((flags & MS_MGC_MASK) == MS_MGC_MAGIC)
		flags &= ~MS_MGC_MASK;
	return vfs_mount(&target.ctx, src, target.name, type, flags, dat);
}

SYSCALL_DEFINE(umount2)
{
	int flags = (int)a[1];
	struct upath target;
	long err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	if (t->proc->cred.euid != 0)
		return -EPERM;
	err = get_at_path(t, AT_FDCWD, a[0], &target);
	if (err < 0)
		return err;
	return vfs_umount(&target.ctx, target.name, flags);
}
