/* The virtual filesystem: inodes, superblocks, dentries, mounts, files.
 *
 * Filesystems (ext via libext2fs, tmpfs, procfs, devfs, hostfs) implement
 * struct fs_type, struct super_ops and struct inode_ops. Drivers (tty, ubd,
 * memory devices, pipes) implement struct file_ops. Syscall handlers call
 * the vfs_* functions below; nothing here knows about guest memory except
 * through the ioctl argument, which drivers copy with uaccess.h. */
#ifndef FS_VFS_H
#define FS_VFS_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>
#include "lib/list.h"
#include "lib/waitq.h"

struct inode;
struct file;
struct dentry;
struct mount;
struct super_block;
struct cred;

/* ---- inodes ---------------------------------------------------------- */

#define ATTR_MODE	(1u << 0)
#define ATTR_UID	(1u << 1)
#define ATTR_GID	(1u << 2)
#define ATTR_SIZE	(1u << 3)
#define ATTR_ATIME	(1u << 4)
#define ATTR_MTIME	(1u << 5)
#define ATTR_CTIME	(1u << 6)

struct iattr {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	struct timespec atime, mtime, ctime;
};

/* getdents callback: returns nonzero to stop (buffer full). next_pos is the
 * position to resume after this entry. */
typedef int (*filldir_t)(void *ctx, const char *name, size_t namelen,
			 uint64_t ino, unsigned dtype, uint64_t next_pos);

/* Directory and data operations of a filesystem. Every method returns 0 or
 * a byte count on success and a negative errno on failure. The VFS has done
 * permission checks, name validation (no "/", not "." or "..", length at
 * most 255) and existence checks before calling; methods still must not
 * trust a name to be absent (-EEXIST) or present (-ENOENT). */
struct inode_ops {
	int (*lookup)(struct inode *dir, const char *name, struct inode **res);
	/* Regular files, device nodes, FIFOs and sockets (mode has the type). */
	int (*create)(struct inode *dir, const char *name, mode_t mode,
		      dev_t rdev, uid_t uid, gid_t gid, struct inode **res);
	int (*mkdir)(struct inode *dir, const char *name, mode_t mode,
		     uid_t uid, gid_t gid, struct inode **res);
	int (*symlink)(struct inode *dir, const char *name, const char *target,
		       uid_t uid, gid_t gid, struct inode **res);
	int (*link)(struct inode *dir, const char *name, struct inode *target);
	int (*unlink)(struct inode *dir, const char *name);
	/* -ENOTEMPTY if the directory has entries other than . and .. */
	int (*rmdir)(struct inode *dir, const char *name);
	/* Replaces an existing target (VFS checked type compatibility);
	 * flags are RENAME_NOREPLACE / RENAME_EXCHANGE. */
	int (*rename)(struct inode *odir, const char *oname,
		      struct inode *ndir, const char *nname, unsigned flags);
	/* Returns the length copied (no NUL added). */
	int (*readlink)(struct inode *ino, char *buf, size_t size);
	int (*setattr)(struct inode *ino, const struct iattr *attr);
	ssize_t (*read)(struct inode *ino, void *buf, size_t len, uint64_t off);
	ssize_t (*write)(struct inode *ino, const void *buf, size_t len, uint64_t off);
	/* Emit entries from *pos on (including "." and ".."), updating *pos. */
	int (*iterate)(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx);
	int (*fsync)(struct inode *ino);
	int (*fallocate)(struct inode *ino, int mode, uint64_t off, uint64_t len);
};

struct inode {
	int refs;
	struct super_block *sb;
	uint64_t ino;
	mode_t mode;
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	uint64_t blocks;		/* 512-byte units */
	dev_t rdev;
	struct timespec atime, mtime, ctime;
	const struct inode_ops *op;
	/* File operations for opens of this inode; NULL = the generic ones
	 * for its type (regular files and directories through op, devices
	 * through the driver registry, FIFOs through the pipe code). */
	const struct file_ops *fop;
	void *priv;			/* filesystem's own data */
	struct list hash_node;		/* inode cache */
	void *fifo;			/* pipe state while a FIFO is open */
};

/* The inode cache, one table for all filesystems: a filesystem that keeps
 * no inodes of its own gets one struct inode per (sb, ino). */
struct inode *iget_cached(struct super_block *sb, uint64_t ino);
/* A new inode with refs 1, added to the cache. */
struct inode *inode_new(struct super_block *sb, uint64_t ino);
struct inode *iget(struct inode *ino);	/* take a reference */
void iput(struct inode *ino);		/* drop; evicts at zero */
void inode_touch(struct inode *ino, unsigned which); /* ATTR_[AMC]TIME = now */

/* ---- superblocks and filesystem types -------------------------------- */

#define SB_RDONLY 1UL			/* = MS_RDONLY */

struct kstatfs {
	uint64_t f_type, f_bsize, f_blocks, f_bfree, f_bavail;
	uint64_t f_files, f_ffree, f_namelen, f_frsize, f_flags;
	int f_fsid[2];
};

struct super_ops {
	int (*statfs)(struct super_block *sb, struct kstatfs *st);
	/* Write everything back (sync, syncfs, unmount, halt). */
	int (*sync)(struct super_block *sb);
	/* Last reference to the inode went away; free it if nlink is 0. */
	void (*evict_inode)(struct inode *ino);
	/* Unmount: sync and release everything. */
	void (*put_super)(struct super_block *sb);
	/* Extra text for /proc/mounts options, e.g. ",size=..". */
	void (*show_options)(struct super_block *sb, char *buf, size_t len);
};

struct super_block {
	const struct fs_type *type;
	const struct super_ops *op;
	struct inode *root;
	dev_t dev;			/* st_dev of its inodes */
	unsigned long flags;		/* SB_RDONLY */
	int refs;			/* mounts using it */
	void *priv;
};

struct fs_type {
	const char *name;
	bool needs_device;		/* source must be a block device */
	/* dev is the block device (needs_device) or 0; data is the mount
	 * data string (may be NULL). */
	int (*mount)(const struct fs_type *type, dev_t dev, const char *source,
		     unsigned long flags, const char *data, struct super_block **res);
	struct list node;
};

void register_filesystem(struct fs_type *type);
const struct fs_type *find_filesystem(const char *name);
/* Allocate an anonymous device number for a filesystem without a device. */
dev_t new_anon_dev(void);

/* ---- device drivers --------------------------------------------------- */

/* Opening a character or block device inode finds its file_ops here by
 * major number; the driver's open() looks at the minor. */
int register_chrdev(unsigned major, const struct file_ops *fops);
int register_blkdev(unsigned major, const struct file_ops *fops);
const struct file_ops *chrdev_fops(dev_t rdev);
const struct file_ops *blkdev_fops(dev_t rdev);

/* ---- files ----------------------------------------------------------- */

struct file_ops {
	/* Called once when the file is opened; may set f->priv. */
	int (*open)(struct inode *ino, struct file *f);
	/* -EAGAIN means "would block": the caller parks unless O_NONBLOCK. */
	ssize_t (*read)(struct file *f, void *buf, size_t len, uint64_t *pos);
	ssize_t (*write)(struct file *f, const void *buf, size_t len, uint64_t *pos);
	/* NULL = the default (SEEK_SET/CUR/END against inode size). */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	int (*iterate)(struct file *f, filldir_t fill, void *ctx);
	/* arg is a guest address or value; copy with uaccess.h. */
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
	/* Return POLL* bits ready now, registering on queues via poll_wait. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	int (*fsync)(struct file *f);
	/* Last reference dropped. */
	void (*release)(struct file *f);
};

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

struct file {
	int refs;
	unsigned flags;			/* O_ACCMODE, O_APPEND, O_NONBLOCK, ... */
	uint64_t pos;
	struct path path;		/* empty for pipes and sockets */
	struct inode *inode;		/* referenced */
	const struct file_ops *op;
	void *priv;
};

struct file *file_alloc(struct inode *ino, const struct file_ops *fop, unsigned flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);
/* Reads and writes with O_APPEND, position and type handling. */
ssize_t file_read(struct file *f, void *buf, size_t len);
ssize_t file_write(struct file *f, const void *buf, size_t len);
ssize_t file_pread(struct file *f, void *buf, size_t len, uint64_t off);
ssize_t file_pwrite(struct file *f, const void *buf, size_t len, uint64_t off);
unsigned file_poll(struct file *f, struct poll_table *pt);

/* ---- per-process state shared by clone flags ---------------------------- */

/* CLONE_FILES */
struct fdtable {
	int refs;
	int size;
	struct file **fd;
	unsigned char *cloexec;
};

struct fdtable *fdtable_new(void);
struct fdtable *fdtable_dup(struct fdtable *t);	/* fork without CLONE_FILES */
void fdtable_put(struct fdtable *t);		/* closes all at zero */
void fdtable_close_on_exec(struct fdtable *t);
/* Lowest free fd >= minfd below limit, installing f (takes the reference). */
int fd_install(struct fdtable *t, struct file *f, int minfd, bool cloexec, int limit);
struct file *fd_get(struct fdtable *t, int fd);	/* borrowed, NULL if bad */
int fd_close(struct fdtable *t, int fd);

/* CLONE_FS */
struct fs_context {
	int refs;
	struct path root, cwd;
	mode_t umask;
};

struct fs_context *fs_context_dup(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);

/* ---- names and mounts ---------------------------------------------------- */

struct dentry {
	int refs;
	char *name;
	struct dentry *parent;		/* self for a filesystem root */
	struct inode *inode;
	struct mount *mounted;		/* a mount covering this dentry */
	struct list children;
	struct list sibling;
	bool dead;			/* unlinked or its fs unmounted */
};

struct mount {
	struct super_block *sb;
	struct dentry *root;
	struct mount *parent;		/* self for the root mount */
	struct dentry *mountpoint;
	unsigned long flags;		/* MS_RDONLY, MS_NOSUID, ... */
	char *source;			/* device name shown in /proc/mounts */
	struct list node;		/* all mounts, in mount order */
};

void path_get(struct path *p);
void path_put(struct path *p);

/* Lookup flags */
#define LOOKUP_FOLLOW	 1u	/* follow a trailing symlink */
#define LOOKUP_DIRECTORY 2u	/* the result must be a directory */
#define LOOKUP_PARENT	 4u	/* internal */
#define LOOKUP_EMPTY	 8u	/* AT_EMPTY_PATH: "" means the base itself */

/* The caller's context for one path operation. */
struct nameidata_ctx {
	struct fs_context *fs;		/* root and cwd */
	const struct cred *cred;
	struct file *dirfile;		/* base for a relative path, or NULL = cwd */
};

int vfs_lookup(const struct nameidata_ctx *ctx, const char *path,
	       unsigned flags, struct path *res);
int vfs_open(const struct nameidata_ctx *ctx, const char *path, int flags,
	     mode_t mode, struct file **res);
int vfs_mknod(const struct nameidata_ctx *ctx, const char *path, mode_t mode, dev_t dev);
int vfs_mkdir(const struct nameidata_ctx *ctx, const char *path, mode_t mode);
int vfs_unlink(const struct nameidata_ctx *ctx, const char *path, int flags /* AT_REMOVEDIR */);
int vfs_rename(const struct nameidata_ctx *octx, const char *oldpath,
	       const struct nameidata_ctx *nctx, const char *newpath, unsigned flags);
int vfs_link(const struct nameidata_ctx *octx, const char *oldpath,
	     const struct nameidata_ctx *nctx, const char *newpath, unsigned flags);
int vfs_symlink(const char *target, const struct nameidata_ctx *ctx, const char *path);
int vfs_readlink(const struct nameidata_ctx *ctx, const char *path, char *buf, size_t len);
int vfs_stat(const struct path *p, struct stat *st);
int vfs_setattr(const struct path *p, const struct iattr *attr);
/* Permission check of mask (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1). */
int vfs_permission(struct inode *ino, const struct cred *cred, int mask);
/* The path of p as seen from root, for getcwd and /proc. */
int vfs_path_name(const struct path *root, const struct path *p, char *buf, size_t len);
int vfs_mount(const struct nameidata_ctx *ctx, const char *source, const char *target,
	      const char *fstype, unsigned long flags, const char *data);
int vfs_umount(const struct nameidata_ctx *ctx, const char *target, int flags);
/* Mount the root filesystem at boot; becomes "/" of every fs_context. */
int vfs_mount_root(const char *fstype, dev_t dev, const char *source,
		   unsigned long flags, const char *data, struct path *root);
int vfs_sync_all(void);
/* Unmount everything in reverse order (halt). */
void vfs_shutdown(void);
/* Text of /proc/mounts. */
size_t vfs_mounts_text(const struct path *root, char *buf, size_t len);

#endif
