/* hostfs: a host directory mounted in the guest (uml-compat.md §6).
 *
 *   mount -t hostfs none /mnt -o /host/dir
 *
 * The mount data is the host path, relative to the hostfs= directory of
 * the command line (host "/" without one). With hostfs= every mount is
 * confined below that directory, more strictly than UML: the mount path
 * is resolved with openat2(RESOLVE_BENEATH), and after that every host
 * call is an *at() call naming one component (never "." or "..") in a
 * directory the filesystem already holds an fd for, without following
 * symlinks. Symlinks are followed by the guest's path walk, inside the
 * guest's namespace, so no guest path reaches the host outside the share. */
#ifndef FS_HOSTFS_H
#define FS_HOSTFS_H
#include <stdbool.h>
#include "fs/vfs.h"
#include "cmdline.h"

/* Register the "hostfs" filesystem type. */
int hostfs_init(void);
/* Take the hostfs= directory and append flag from the command line. */
void hostfs_setup(const struct boot_config *cfg);

/* ---- internals shared by hostfs*.c ------------------------------------- */

#define HOSTFS_MAGIC 0x00C0FFEE

struct hostfs_sb {
	int root_fd;			/* O_PATH fd of the mounted directory */
	char *data;			/* mount data as given, for /proc/mounts */
	bool append;			/* hostfs=...,append: files opened O_APPEND */
};

/* Every inode holds an O_PATH fd on its host file (a symlink's fd is the
 * link itself), obtained from its parent's fd and one name. The dentries
 * are not cached (dcache_off), so only inodes in use hold fds. */
struct hostfs_inode {
	int fd;
	dev_t host_dev;
	int io_fd;			/* for reads and writes, -1 until needed */
	int io_mode;			/* its access mode */
};

static inline struct hostfs_inode *HOSTFS_I(struct inode *ino)
{
	return ino->priv;
}

static inline struct hostfs_sb *HOSTFS_SB(struct super_block *sb)
{
	return sb->priv;
}

/* hostfs_inode.c */
extern const struct inode_ops hostfs_iops;
/* The inode for the host file open at fd (an O_PATH fd the call takes
 * over): the cached one for the same host file, or a new one. */
int hostfs_iget_fd(struct super_block *sb, int fd, struct inode **res);
/* Re-read the host attributes into ino. */
int hostfs_refresh(struct inode *ino);
/* "/proc/self/fd/N" for the inode's fd: reopens and the calls that have
 * no empty-path form go through it (it names the file itself). */
void hostfs_fd_path(int fd, char buf[32]);

/* hostfs_file.c: file data through the inode's I/O fd, directory opens. */
ssize_t hostfs_read(struct inode *ino, void *buf, size_t len, uint64_t off);
ssize_t hostfs_write(struct inode *ino, const void *buf, size_t len, uint64_t off);
int hostfs_fsync(struct inode *ino);
int hostfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
extern const struct file_ops hostfs_dir_fops;
#endif
