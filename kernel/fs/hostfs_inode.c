/* hostfs inodes: lookup and the namespace operations as *at() calls on
 * the directory's fd with a single name, attributes straight from the
 * host. Host errors come back as the same errno. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fs/hostfs.h"

void hostfs_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static void fill(struct inode *ino, const struct stat *st)
{
	ino->mode = st->st_mode;
	ino->nlink = st->st_nlink;
	ino->uid = st->st_uid;
	ino->gid = st->st_gid;
	ino->size = st->st_size;
	ino->blocks = st->st_blocks;
	ino->rdev = st->st_rdev;
	ino->atime = st->st_atim;
	ino->mtime = st->st_mtim;
	ino->ctime = st->st_ctim;
}

int hostfs_refresh(struct inode *ino)
{
	struct stat st;

	if (fstat(HOSTFS_I(ino)->fd, &st))
		return -errno;
	fill(ino, &st);
	return 0;
}

/* Directories open through hostfs, regular files through the generic
 * code (and our read/write); device nodes, FIFOs and sockets are the
 * guest's own (the driver registries). */
static void set_ops(struct inode *ino)
{
	ino->op = &hostfs_iops;
	ino->fop = S_ISDIR(ino->mode) ? &hostfs_dir_fops : NULL;
}

int hostfs_iget_fd(struct super_block *sb, int fd, struct inode **res)
{
	struct hostfs_inode *hi;
	struct inode *ino;
	struct stat st;

	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	ino = iget_cached(sb, st.st_ino);
	if (ino && HOSTFS_I(ino) && HOSTFS_I(ino)->host_dev == st.st_dev) {
		/* Keep the newest fd: the old one may be a deleted file
		 * whose inode number the host reused. */
		close(HOSTFS_I(ino)->fd);
		HOSTFS_I(ino)->fd = fd;
		fill(ino, &st);
		set_ops(ino);
		*res = ino;
		return 0;
	}
	iput(ino);	/* same number on another host filesystem */
	hi = calloc(1, sizeof(*hi));
	ino = hi ? inode_new(sb, st.st_ino) : NULL;
	if (!ino) {
		free(hi);
		close(fd);
		return -ENOMEM;
	}
	hi->fd = fd;
	hi->host_dev = st.st_dev;
	hi->io_fd = -1;
	ino->priv = hi;
	fill(ino, &st);
	set_ops(ino);
	*res = ino;
	return 0;
}

/* The VFS never passes these; refusing them here keeps every host call
 * inside the directory whatever a caller does. */
static bool name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static int dir_fd(struct inode *dir)
{
	return HOSTFS_I(dir)->fd;
}

/* The child called name, without following a symlink. */
static int iget_at(struct inode *dir, const char *name, struct inode **res)
{
	int fd = openat(dir_fd(dir), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return hostfs_iget_fd(dir->sb, fd, res);
}

/* A cached inode for the child called name changed (link count, ctime):
 * read its attributes again. */
static void refresh_child(struct inode *dir, const char *name)
{
	struct stat st;
	struct inode *ino;

	if (fstatat(dir_fd(dir), name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	ino = iget_cached(dir->sb, st.st_ino);
	if (ino && HOSTFS_I(ino))
		hostfs_refresh(ino);
	iput(ino);
}

static struct inode *cached_child(struct inode *dir, const char *name)
{
	struct stat st;

	if (fstatat(dir_fd(dir), name, &st, AT_SYMLINK_NOFOLLOW))
		return NULL;
	return iget_cached(dir->sb, st.st_ino);
}

static int hostfs_lookup(struct inode *dir, const char *name, struct inode **res)
{
	if (!name_ok(name))
		return -ENOENT;
	return iget_at(dir, name, res);
}

/* A new name: its inode, with the mode the guest asked for (the host's
 * umask must not narrow it). */
static int finish_create(struct inode *dir, const char *name, mode_t mode,
			 struct inode **res)
{
	int err = iget_at(dir, name, res);
	char path[32];

	hostfs_refresh(dir);
	if (err)
		return err;
	if (!S_ISLNK(mode) && ((*res)->mode & 07777) != (mode & 07777)) {
		hostfs_fd_path(HOSTFS_I(*res)->fd, path);
		if (chmod(path, mode & 07777) == 0)
			hostfs_refresh(*res);
	}
	return 0;
}

static int hostfs_create(struct inode *dir, const char *name, mode_t mode,
			 dev_t rdev, uid_t uid, gid_t gid, struct inode **res)
{
	if (!name_ok(name))
		return -EINVAL;
	if (mknodat(dir_fd(dir), name, mode, rdev))
		return -errno;
	return finish_create(dir, name, mode, res);
}

static int hostfs_mkdir(struct inode *dir, const char *name, mode_t mode,
			uid_t uid, gid_t gid, struct inode **res)
{
	if (!name_ok(name))
		return -EINVAL;
	if (mkdirat(dir_fd(dir), name, mode & 07777))
		return -errno;
	return finish_create(dir, name, S_IFDIR | (mode & 07777), res);
}

static int hostfs_symlink(struct inode *dir, const char *name, const char *target,
			  uid_t uid, gid_t gid, struct inode **res)
{
	if (!name_ok(name))
		return -EINVAL;
	if (symlinkat(target, dir_fd(dir), name))
		return -errno;
	return finish_create(dir, name, S_IFLNK | 0777, res);
}

/* target is an inode of this mount (the VFS refuses others with EXDEV),
 * so the new name and the file both stay inside. */
static int hostfs_link(struct inode *dir, const char *name, struct inode *target)
{
	int fd = HOSTFS_I(target)->fd;
	char path[32];

	if (!name_ok(name) || target->sb != dir->sb)
		return -EXDEV;
	if (linkat(fd, "", dir_fd(dir), name, AT_EMPTY_PATH)) {
		/* Without CAP_DAC_READ_SEARCH: through the fd's proc link,
		 * which names the file itself. */
		if (errno != ENOENT && errno != EPERM)
			return -errno;
		hostfs_fd_path(fd, path);
		if (linkat(AT_FDCWD, path, dir_fd(dir), name, AT_SYMLINK_FOLLOW))
			return -errno;
	}
	hostfs_refresh(target);
	hostfs_refresh(dir);
	return 0;
}

static int remove_name(struct inode *dir, const char *name, int flags)
{
	struct inode *victim;
	int err = 0;

	if (!name_ok(name))
		return -ENOENT;
	victim = cached_child(dir, name);
	if (unlinkat(dir_fd(dir), name, flags))
		err = -errno;
	if (victim && HOSTFS_I(victim))
		hostfs_refresh(victim);
	iput(victim);
	hostfs_refresh(dir);
	return err;
}

static int hostfs_unlink(struct inode *dir, const char *name)
{
	return remove_name(dir, name, 0);
}

static int hostfs_rmdir(struct inode *dir, const char *name)
{
	return remove_name(dir, name, AT_REMOVEDIR);
}

static int hostfs_rename(struct inode *odir, const char *oname,
			 struct inode *ndir, const char *nname, unsigned flags)
{
	struct inode *replaced;
	int err = 0;

	if (!name_ok(oname) || !name_ok(nname))
		return -ENOENT;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	replaced = cached_child(ndir, nname);
	if (renameat2(dir_fd(odir), oname, dir_fd(ndir), nname, flags))
		err = -errno;
	if (replaced && HOSTFS_I(replaced))
		hostfs_refresh(replaced);
	iput(replaced);
	if (!err) {
		refresh_child(ndir, nname);
		if (flags & RENAME_EXCHANGE)
			refresh_child(odir, oname);
	}
	hostfs_refresh(odir);
	if (ndir != odir)
		hostfs_refresh(ndir);
	return err;
}

static int hostfs_readlink(struct inode *ino, char *buf, size_t size)
{
	ssize_t n = readlinkat(HOSTFS_I(ino)->fd, "", buf, size);

	return n < 0 ? -errno : (int)n;
}

static int set_times(int fd, const struct iattr *a)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
	};

	if (a->valid & ATTR_ATIME)
		ts[0] = a->atime;
	if (a->valid & ATTR_MTIME)
		ts[1] = a->mtime;
	return utimensat(fd, "", ts, AT_EMPTY_PATH) ? -errno : 0;
}

/* Each change is the host's call, subject to the host's privileges; the
 * host sets ctime itself. */
static int hostfs_setattr(struct inode *ino, const struct iattr *a)
{
	int fd = HOSTFS_I(ino)->fd, err = 0;
	char path[32];

	hostfs_fd_path(fd, path);
	if (a->valid & ATTR_SIZE) {
		if (!S_ISREG(ino->mode))
			return -EINVAL;
		if (truncate(path, a->size))
			err = -errno;
	}
	if (!err && (a->valid & (ATTR_UID | ATTR_GID)) &&
	    fchownat(fd, "", (a->valid & ATTR_UID) ? a->uid : (uid_t)-1,
		     (a->valid & ATTR_GID) ? a->gid : (gid_t)-1, AT_EMPTY_PATH))
		err = -errno;
	/* After chown, which may clear set-user-ID on the host. */
	if (!err && (a->valid & ATTR_MODE) && !S_ISLNK(ino->mode) &&
	    chmod(path, a->mode & 07777))
		err = -errno;
	/* A size change sets the times on the host already; explicit
	 * times would need ownership there. */
	if (!err && !(a->valid & ATTR_SIZE) && (a->valid & (ATTR_ATIME | ATTR_MTIME)))
		err = set_times(fd, a);
	hostfs_refresh(ino);
	return err;
}

const struct inode_ops hostfs_iops = {
	.lookup = hostfs_lookup,
	.create = hostfs_create,
	.mkdir = hostfs_mkdir,
	.symlink = hostfs_symlink,
	.link = hostfs_link,
	.unlink = hostfs_unlink,
	.rmdir = hostfs_rmdir,
	.rename = hostfs_rename,
	.readlink = hostfs_readlink,
	.setattr = hostfs_setattr,
	.read = hostfs_read,
	.write = hostfs_write,
	.fsync = hostfs_fsync,
	.fallocate = hostfs_fallocate,
};
