/* Looking at files: the stat family, access checks, statfs, readlink,
 * directory listings and getcwd. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include "syscalls/syscall.h"
#include "syscalls/fs_util.h"
#include "fs/vfs.h"
#include "task/task.h"
#include "mm/uaccess.h"

/* statfs f_flags: the flags are valid (Linux-only, not in glibc). */
#define ST_VALID 0x0020

#ifndef AT_STATX_SYNC_TYPE
#define AT_STATX_SYNC_TYPE 0x6000
#endif

/* stat of path relative to dirfd; flags are AT_SYMLINK_NOFOLLOW and
 * AT_EMPTY_PATH ("" = dirfd itself, which may be any open file). */
static int stat_at(struct task *t, int dirfd, uint64_t upath, int flags, struct stat *st)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	struct path p;
	long err;

	err = get_user_path(t, upath, path);
	if (err < 0)
		return err;
	if (!path[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		struct file *f = task_file(t, dirfd);

		return f ? file_stat(f, st) : -EBADF;
	}
	err = at_context(t, dirfd, path, &ctx);
	if (err < 0)
		return err;
	err = vfs_lookup(&ctx, path,
			 ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			 ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &p);
	if (err < 0)
		return err;
	err = vfs_stat(&p, st);
	path_put(&p);
	return err;
}

static long put_stat(struct task *t, uint64_t ubuf, int err, const struct stat *st)
{
	if (err < 0)
		return err;
	return copy_to_user(t, ubuf, st, sizeof(*st)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(stat)
{
	struct stat st;

	return put_stat(t, a[1], stat_at(t, AT_FDCWD, a[0], 0, &st), &st);
}

SYSCALL_DEFINE(lstat)
{
	struct stat st;

	return put_stat(t, a[1], stat_at(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &st), &st);
}

SYSCALL_DEFINE(fstat)
{
	struct file *f = task_file(t, (int)a[0]);
	struct stat st;

	if (!f)
		return -EBADF;
	return put_stat(t, a[1], file_stat(f, &st), &st);
}

SYSCALL_DEFINE(newfstatat)
{
	int flags = (int)a[3];
	struct stat st;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return put_stat(t, a[2], stat_at(t, (int)a[0], a[1], flags, &st), &st);
}

SYSCALL_DEFINE(statx)
{
	int flags = (int)a[2];
	unsigned mask = (unsigned)a[3];
	struct statx sx;
	struct stat st;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		      AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	err = stat_at(t, (int)a[0], a[1], flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &st);
	if (err < 0)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = st.st_blksize;
	sx.stx_nlink = st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = st.st_size;
	sx.stx_blocks = st.st_blocks;
	sx.stx_atime.tv_sec = st.st_atim.tv_sec;
	sx.stx_atime.tv_nsec = st.st_atim.tv_nsec;
	sx.stx_mtime.tv_sec = st.st_mtim.tv_sec;
	sx.stx_mtime.tv_nsec = st.st_mtim.tv_nsec;
	sx.stx_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.stx_ctime.tv_nsec = st.st_ctim.tv_nsec;
	sx.stx_rdev_major = major(st.st_rdev);
	sx.stx_rdev_minor = minor(st.st_rdev);
	sx.stx_dev_major = major(st.st_dev);
	sx.stx_dev_minor = minor(st.st_dev);
	return copy_to_user(t, a[4], &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* access(2) family: by default with the real uid and gid, as a set-uid
 * program asks "may my caller do this". */
static long do_access(struct task *t, int dirfd, uint64_t upath, int mode, int flags)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	struct cred cred = t->proc->cred;
	struct path p;
	long err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!(flags & AT_EACCESS)) {
		cred.fsuid = cred.euid = cred.uid;
		cred.fsgid = cred.egid = cred.gid;
	}
	err = get_user_path(t, upath, path);
	if (err < 0)
		return err;
	err = at_context(t, dirfd, path, &ctx);
	if (err < 0)
		return err;
	ctx.cred = &cred;
	err = vfs_lookup(&ctx, path,
			 ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			 ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &p);
	if (err < 0)
		return err;
	/* MAY_* and ?_OK have the same values. */
	err = mode ? vfs_path_permission(&p, &cred, mode) : 0;
	path_put(&p);
	return err;
}

SYSCALL_DEFINE(access)
{
	return do_access(t, AT_FDCWD, a[0], (int)a[1], 0);
}

SYSCALL_DEFINE(faccessat)
{
	return do_access(t, (int)a[0], a[1], (int)a[2], 0);
}

SYSCALL_DEFINE(faccessat2)
{
	return do_access(t, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

/* ST_* flags of a mount, as statfs reports them. */
static unsigned long mount_st_flags(const struct path *p)
{
	static const struct {
		unsigned long ms, st;
	} map[] = {
		{ MS_NOSUID, ST_NOSUID }, { MS_NODEV, ST_NODEV },
		{ MS_NOEXEC, ST_NOEXEC }, { MS_SYNCHRONOUS, ST_SYNCHRONOUS },
		{ MS_MANDLOCK, ST_MANDLOCK }, { MS_NOATIME, ST_NOATIME },
		{ MS_NODIRATIME, ST_NODIRATIME }, { MS_RELATIME, ST_RELATIME },
	};
	unsigned long mf = p->mnt ? p->mnt->flags : 0, fl = ST_VALID;
	size_t i;

	if ((mf & MS_RDONLY) || (p->mnt && (p->mnt->sb->flags & SB_RDONLY)))
		fl |= ST_RDONLY;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (mf & map[i].ms)
			fl |= map[i].st;
	return fl;
}

static long put_statfs(struct task *t, uint64_t ubuf, struct super_block *sb,
		       unsigned long st_flags)
{
	struct kstatfs k;
	struct statfs s;
	int err = 0;

	memset(&k, 0, sizeof(k));
	k.f_bsize = 4096;
	k.f_namelen = 255;
	if (sb && sb->op && sb->op->statfs)
		err = sb->op->statfs(sb, &k);
	if (err < 0)
		return err;
	memset(&s, 0, sizeof(s));
	s.f_type = k.f_type;
	s.f_bsize = k.f_bsize;
	s.f_blocks = k.f_blocks;
	s.f_bfree = k.f_bfree;
	s.f_bavail = k.f_bavail;
	s.f_files = k.f_files;
	s.f_ffree = k.f_ffree;
	memcpy(&s.f_fsid, k.f_fsid, sizeof(s.f_fsid));
	if (!k.f_fsid[0] && !k.f_fsid[1] && sb) {
		/* Linux derives it from the device number. */
		s.f_fsid.__val[0] = (int)(major(sb->dev) << 8 | (minor(sb->dev) & 0xff) |
					  ((minor(sb->dev) & ~0xffu) << 12));
	}
	s.f_namelen = k.f_namelen;
	s.f_frsize = k.f_frsize ? k.f_frsize : k.f_bsize;
	s.f_flags = st_flags | (k.f_flags & ~(unsigned long)ST_VALID);
	return copy_to_user(t, ubuf, &s, sizeof(s)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(statfs)
{
	char path[KPATH_MAX];
	struct nameidata_ctx ctx;
	struct path p;
	long err;

	err = get_user_path(t, a[0], path);
	if (err < 0)
		return err;
	at_context(t, AT_FDCWD, path, &ctx);
	err = vfs_lookup(&ctx, path, LOOKUP_FOLLOW, &p);
	if (err < 0)
		return err;
	err = put_statfs(t, a[1], p.dentry->inode->sb, mount_st_flags(&p));
	path_put(&p);
	return err;
}

SYSCALL_DEFINE(fstatfs)
{
	struct file *f = task_file(t, (int)a[0]);

	if (!f)
		return -EBADF;
	if (f->path.dentry)
		return put_statfs(t, a[1], f->path.dentry->inode->sb, mount_st_flags(&f->path));
	return put_statfs(t, a[1], f->inode ? f->inode->sb : NULL, ST_VALID);
}

static long do_readlink(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf, long size)
{
	char path[KPATH_MAX], buf[KPATH_MAX];
	struct nameidata_ctx ctx;
	long err;

	if (size <= 0)
		return -EINVAL;
	err = get_user_path(t, upath, path);
	if (err < 0)
		return err;
	err = at_context(t, dirfd, path, &ctx);
	if (err < 0)
		return err;
	err = vfs_readlink(&ctx, path, buf, size < KPATH_MAX ? size : KPATH_MAX);
	if (err < 0)
		return err;
	return copy_to_user(t, ubuf, buf, err) ? -EFAULT : err;
}

SYSCALL_DEFINE(readlink)
{
	return do_readlink(t, AT_FDCWD, a[0], a[1], (long)(int)a[2]);
}

SYSCALL_DEFINE(readlinkat)
{
	return do_readlink(t, (int)a[0], a[1], a[2], (long)(int)a[3]);
}

/* ---- directory listings ---- */

struct dirent_buf {
	char *buf;
	size_t size, used;
	uint64_t next_pos;
	int count;
	bool legacy;			/* getdents: struct linux_dirent */
	bool too_small;
};

static int fill_dirent(void *p, const char *name, size_t namelen, uint64_t ino,
		       unsigned dtype, uint64_t next_pos)
{
	struct dirent_buf *d = p;
	size_t reclen;
	char *rec;

	/* linux_dirent64: ino, off, reclen (2), type (1), name, NUL.
	 * linux_dirent: ino, off, reclen (2), name, NUL, pad, type. */
	reclen = d->legacy ? 18 + namelen + 2 : 19 + namelen + 1;
	reclen = (reclen + 7) & ~(size_t)7;
	if (d->used + reclen > d->size) {
		if (!d->count)
			d->too_small = true;
		return 1;
	}
	rec = d->buf + d->used;
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &next_pos, 8);
	memcpy(rec + 16, &(uint16_t){ reclen }, 2);
	if (d->legacy) {
		memcpy(rec + 18, name, namelen);
		rec[reclen - 1] = (char)dtype;
	} else {
		rec[18] = (char)dtype;
		memcpy(rec + 19, name, namelen);
	}
	d->used += reclen;
	d->next_pos = next_pos;
	d->count++;
	return 0;
}

static char dirent_bounce[RW_CHUNK];

static long do_getdents(struct task *t, int fd, uint64_t ubuf, size_t count, bool legacy)
{
	struct file *f = task_file(t, fd);
	struct dirent_buf d = { .buf = dirent_bounce, .legacy = legacy };
	int err;

	if (!f)
		return -EBADF;
	d.size = count < RW_CHUNK ? count : RW_CHUNK;
	err = file_iterate(f, fill_dirent, &d);
	if (err < 0 && !d.count)
		return err;
	if (d.too_small)
		return -EINVAL;
	if (!d.count)
		return 0;
	/* Resume after the last entry the guest got, whatever the
	 * filesystem did with the one that did not fit. */
	f->pos = d.next_pos;
	return copy_to_user(t, ubuf, d.buf, d.used) ? -EFAULT : (long)d.used;
}

SYSCALL_DEFINE(getdents64)
{
	return do_getdents(t, (int)a[0], a[1], (unsigned)a[2], false);
}

SYSCALL_DEFINE(getdents)
{
	return do_getdents(t, (int)a[0], a[1], (unsigned)a[2], true);
}

SYSCALL_DEFINE(getcwd)
{
	struct fs_context *fs = t->proc->fs;
	char buf[KPATH_MAX];
	size_t size = a[1], len;
	int err;

	if (fs->cwd.dentry && fs->cwd.dentry->dead)
		return -ENOENT;
	err = vfs_path_name(&fs->root, &fs->cwd, buf, sizeof(buf));
	if (err < 0)
		return err;
	len = strlen(buf) + 1;
	if (len > size)
		return -ERANGE;
	return copy_to_user(t, a[0], buf, len) ? -EFAULT : (long)len;
}
