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
struct path;

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
 * permission checks, read-only checks, name validation (no "/", not "." or
 * "..", length at most 255) and existence checks before calling; methods
 * still must not trust a name to be absent (-EEXIST) or present (-ENOENT).
 *
 * Inodes returned through **res carry a new reference for the caller (from
 * iget/inode_new/iget_cached). Modes passed in are final: the caller has
 * applied the umask and the type bits are set. Methods that change a
 * directory update its mtime/ctime, nlink and size themselves, and setattr
 * applies the change to the in-memory inode as well as storing it. Missing
 * methods mean the operation is not supported (-EPERM for namespace
 * operations, -EINVAL for data ones). */
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
	/* Emit entries from *pos on (including "." and ".."), updating *pos
	 * to the next_pos of each entry the callback accepted. */
	int (*iterate)(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx);
	int (*fsync)(struct inode *ino);
	int (*fallocate)(struct inode *ino, int mode, uint64_t off, uint64_t len);
	/* Optional, for "magic" symlinks (procfs fd/N, cwd, root): the target
	 * itself as a referenced path, which a walk steps onto instead of
	 * following the readlink text. -ENOSYS: use readlink after all. */
	int (*get_link)(struct inode *ino, struct path *res);
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
	const struct inode_ops *op;	/* never NULL for a filesystem inode */
	/* File operations for opens of this inode; NULL = the generic ones
	 * for its type (regular files and directories through op, devices
	 * through the driver registry, FIFOs through the pipe code). */
	const struct file_ops *fop;
	void *priv;			/* filesystem's own data */
	struct list hash_node;		/* inode cache */
	void *fifo;			/* pipe state while a FIFO is open */
	struct pcache *pcache;		/* page cache while shared-mapped */
	struct inode_locks *locks;	/* fs/lock.c: fcntl/flock locks, NULL if none */
};

/* The inode cache, one table for all filesystems: a filesystem that keeps
 * no inodes of its own gets one struct inode per (sb, ino).
 * iget_cached returns the cached inode with a new reference, or NULL. */
struct inode *iget_cached(struct super_block *sb, uint64_t ino);
/* A new zeroed inode with refs 1, added to the cache (NULL if out of
 * memory). The filesystem fills in mode, op, times and so on. */
struct inode *inode_new(struct super_block *sb, uint64_t ino);
struct inode *iget(struct inode *ino);	/* take a reference */
/* Drop a reference. At zero the inode leaves the cache, the superblock's
 * evict_inode runs, and the VFS frees the struct inode. A filesystem that
 * must keep an inode alive while it has links (tmpfs) holds a reference. */
void iput(struct inode *ino);
/* Set ATTR_ATIME/ATTR_MTIME/ATTR_CTIME (bits of which) to now, in memory;
 * the superblock's dirty_inode method, if any, hears about it. */
void inode_touch(struct inode *ino, unsigned which);
/* Copy the mode (permission bits), owner and time fields attr sets into
 * an in-memory inode; ATTR_SIZE is the caller's business. */
void inode_set_attrs(struct inode *ino, const struct iattr *attr);

/* ---- superblocks and filesystem types -------------------------------- */

#define SB_RDONLY 1UL			/* = MS_RDONLY */

struct kstatfs {
	uint64_t f_type, f_bsize, f_blocks, f_bfree, f_bavail;
	uint64_t f_files, f_ffree, f_namelen, f_frsize, f_flags;
	int f_fsid[2];
};
/* statfs of a filesystem without blocks (procfs, devpts, pipefs): 4 KiB
 * units, 255-byte names, the superblock's flags and device. */
void statfs_virtual(struct super_block *sb, struct kstatfs *st, long magic);

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
	/* Optional: inode_touch changed times in memory; store them lazily. */
	void (*dirty_inode)(struct inode *ino);
};

struct super_block {
	const struct fs_type *type;
	const struct super_ops *op;
	struct inode *root;
	dev_t dev;			/* st_dev of its inodes */
	unsigned long flags;		/* SB_RDONLY */
	int refs;			/* mounts using it */
	void *priv;
	/* Names change behind the VFS's back (procfs): every walk asks
	 * lookup again instead of trusting cached dentries. */
	bool dcache_off;
};

struct fs_type {
	const char *name;
	bool needs_device;		/* source must be a block device */
	/* dev is the block device (needs_device) or 0; data is the mount
	 * data string (may be NULL). Returns a superblock with root set (the
	 * superblock owns that reference; put_super drops it), dev set and
	 * refs as it was: the VFS counts mounts in refs. A filesystem may
	 * return an already-mounted superblock for the same device. */
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
 * major number; the driver's open() looks at the minor and may replace
 * f->op with per-minor operations. Majors are below 512; registering a
 * taken major is -EBUSY. */
#define MAX_DEV_MAJOR 512
int register_chrdev(unsigned major, const struct file_ops *fops);
int register_blkdev(unsigned major, const struct file_ops *fops);
const struct file_ops *chrdev_fops(dev_t rdev);
const struct file_ops *blkdev_fops(dev_t rdev);
/* The pipe code's operations for opening FIFO inodes (ENXIO until set). */
void register_fifo_fops(const struct file_ops *fops);

/* ---- files ----------------------------------------------------------- */

struct file_ops {
	/* Called once when the file is opened; may set f->priv or replace
	 * f->op. On failure release is not called. */
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

/* A file with refs 1 and an empty path; takes its own reference on ino
 * (which may be NULL for pipes and sockets). Does not call fop->open. */
struct file *file_alloc(struct inode *ino, const struct file_ops *fop, unsigned flags);
struct file *file_get(struct file *f);
/* At zero: op->release, then the path and inode references go. */
void file_put(struct file *f);
/* Reads and writes with O_APPEND, position and type handling: -EBADF for
 * the wrong access mode or an O_PATH file, -EISDIR for directories,
 * -EINVAL without a method, -ESPIPE for pread/pwrite on pipes, sockets
 * and FIFOs. Writes to regular files update mtime and ctime. */
ssize_t file_read(struct file *f, void *buf, size_t len);
ssize_t file_write(struct file *f, const void *buf, size_t len);
ssize_t file_pread(struct file *f, void *buf, size_t len, uint64_t off);
ssize_t file_pwrite(struct file *f, const void *buf, size_t len, uint64_t off);
/* op->poll, or POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM without one. */
unsigned file_poll(struct file *f, struct poll_table *pt);
/* lseek: op->llseek or the default (SEEK_SET/CUR/END against the inode
 * size, SEEK_DATA/SEEK_HOLE treating the file as all data; -EINVAL for a
 * negative result or bad whence, -ESPIPE for pipes, sockets and FIFOs). */
int64_t file_llseek(struct file *f, int64_t off, int whence);
/* The default lseek against a given size, for llseek methods of files
 * whose size is not the inode's (devices, generated text). */
int64_t llseek_in_size(struct file *f, int64_t off, int whence, uint64_t size);
/* Directory listing: f->op->iterate, or -ENOTDIR. */
int file_iterate(struct file *f, filldir_t fill, void *ctx);

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
/* Lowest free fd >= minfd below limit, installing f (takes the reference).
 * -EMFILE if there is none (the reference is then still the caller's). */
int fd_install(struct fdtable *t, struct file *f, int minfd, bool cloexec, int limit);
struct file *fd_get(struct fdtable *t, int fd);	/* borrowed, NULL if bad */
int fd_close(struct fdtable *t, int fd);	/* 0 or -EBADF */
/* dup2/dup3: put f at fd (takes the reference), closing what was there.
 * -EBADF for a negative fd, -ENOMEM if the table cannot grow. */
int fd_replace(struct fdtable *t, int fd, struct file *f, bool cloexec);

/* CLONE_FS */
struct fs_context {
	int refs;
	struct path root, cwd;
	mode_t umask;
};

/* A context with root and cwd at root (references taken), umask 022. */
struct fs_context *fs_context_new(const struct path *root);
struct fs_context *fs_context_dup(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);
/* chdir/chroot: replace the path (takes a new reference on p). */
void fs_context_set_cwd(struct fs_context *fs, const struct path *p);
void fs_context_set_root(struct fs_context *fs, const struct path *p);

/* ---- names and mounts ---------------------------------------------------- */

/* Dentries form one tree per superblock, shared by all its mounts. A
 * child holds a reference on its parent, a dentry on its inode. Unused
 * dentries (refs 0) stay cached up to a limit; dead ones are freed. */
struct dentry {
	int refs;
	char *name;
	struct dentry *parent;		/* self for a filesystem root */
	struct inode *inode;
	struct mount *mounted;		/* a mount covering this dentry */
	struct list children;
	struct list sibling;
	bool dead;			/* unlinked or its fs unmounted */
	struct list hash;		/* (parent, name) lookup table */
	struct list lru;		/* unused-dentry list while refs == 0 */
	struct super_block *sb;
};

struct mount {
	struct super_block *sb;
	struct dentry *root;
	struct mount *parent;		/* self for the root mount */
	struct dentry *mountpoint;
	unsigned long flags;		/* MS_RDONLY, MS_NOSUID, ... */
	char *source;			/* device name shown in /proc/mounts */
	struct list node;		/* all mounts, in mount order */
	/* Paths referring to it (files, cwd, root) plus one while it is
	 * attached; umount is -EBUSY while others hold it. */
	int refs;
	bool detached;
};

/* Both take/drop a mount and a dentry reference; empty paths are fine. */
void path_get(struct path *p);
void path_put(struct path *p);
static inline bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Lookup flags */
#define LOOKUP_FOLLOW	 1u	/* follow a trailing symlink */
#define LOOKUP_DIRECTORY 2u	/* the result must be a directory */
#define LOOKUP_PARENT	 4u	/* internal */
#define LOOKUP_EMPTY	 8u	/* AT_EMPTY_PATH: "" means the base itself */

/* The caller's context for one path operation. cred NULL means the kernel
 * itself: no permission checks. A dirfile without a path (pipe) or that is
 * not a directory makes relative paths fail with -ENOTDIR; "" with
 * LOOKUP_EMPTY on a pathless dirfile is -EBADF (stat its f->inode). */
struct nameidata_ctx {
	struct fs_context *fs;		/* root and cwd */
	const struct cred *cred;
	struct file *dirfile;		/* base for a relative path, or NULL = cwd */
};

#define MAY_EXEC	1
#define MAY_WRITE	2
#define MAY_READ	4

/* Path rules: "" is -ENOENT (unless LOOKUP_EMPTY), a path of 4096 bytes
 * or more or a component over 255 is -ENAMETOOLONG, more than 40 symlinks
 * are -ELOOP, a trailing slash requires a directory, ".." never leaves the
 * fs_context root. Every directory walked through needs MAY_EXEC.
 *
 * Modes given to vfs_open (with O_CREAT), vfs_mknod and vfs_mkdir are used
 * as they are: the syscall layer applies fs->umask first. New files get
 * uid = cred->fsuid and gid = cred->fsgid, or the directory's gid when it
 * is set-group-ID (subdirectories then inherit S_ISGID). */

/* On success *res holds references; release with path_put. */
int vfs_lookup(const struct nameidata_ctx *ctx, const char *path,
	       unsigned flags, struct path *res);
/* open(2) semantics: O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW,
 * O_PATH (no access check, no I/O; with O_NOFOLLOW yields the symlink),
 * O_APPEND. O_TMPFILE is -EOPNOTSUPP. f->flags keeps the access mode and
 * status flags (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_CLOEXEC dropped);
 * the caller installs the fd with its own cloexec. */
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
/* Fill st from an inode (fstat on files without a path). */
void vfs_stat_inode(struct inode *ino, struct stat *st);
/* Apply attr (ctime is set to now as well); -EROFS on read-only mounts,
 * -EISDIR/-EINVAL for sizes of directories/non-regular files. Permission
 * is the caller's business: see vfs_setattr_permission. A chown of a
 * non-directory clears set-user-ID (and set-group-ID if group-exec). */
int vfs_setattr(const struct path *p, const struct iattr *attr);
/* chmod/chown/utimes rules for cred: ATTR_MODE and explicit times need the
 * owner (or root), ATTR_UID root, ATTR_GID the owner changing to one of
 * its groups, ATTR_SIZE write permission; times_now (utimes(NULL)) is
 * allowed to anyone with write permission. -EPERM or -EACCES. */
int vfs_setattr_permission(struct inode *ino, const struct cred *cred,
			   const struct iattr *attr, bool times_now);
/* Permission check of mask (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1). fsuid 0
 * passes read and write checks; exec needs a directory or some x bit. */
int vfs_permission(struct inode *ino, const struct cred *cred, int mask);
/* vfs_permission plus the mount: -EROFS for writes to files, directories
 * and symlinks on read-only mounts, -EACCES for exec on noexec mounts. */
int vfs_path_permission(const struct path *p, const struct cred *cred, int mask);
/* Read-only mount or superblock? */
bool vfs_path_rdonly(const struct path *p);
/* The path of p as seen from root, for getcwd and /proc: "/" and names;
 * " (deleted)" is appended for unlinked entries (getcwd callers check
 * p->dentry->dead themselves) and a path outside root starts with
 * "(unreachable)". Returns the length (NUL written too) or -ENAMETOOLONG
 * if it does not fit in len. */
int vfs_path_name(const struct path *root, const struct path *p, char *buf, size_t len);
/* mount(2): needs euid 0 (cred NULL = kernel). MS_REMOUNT changes the
 * flags of the mount at target, MS_BIND mounts the source path, the
 * propagation-only flags (MS_SHARED, MS_PRIVATE, ...) succeed doing
 * nothing. needs_device filesystems get the rdev of the block device at
 * source (-ENOTBLK otherwise); others get dev 0. Unknown fstype: -ENODEV. */
int vfs_mount(const struct nameidata_ctx *ctx, const char *source, const char *target,
	      const char *fstype, unsigned long flags, const char *data);
/* umount2: target must be a mount root (-EINVAL); -EBUSY for the root
 * mount, a mount with child mounts or one in use (open files, cwd), unless
 * MNT_DETACH, which detaches it (and its children) at once and releases it
 * when the last user goes. UMOUNT_NOFOLLOW is honoured. */
int vfs_umount(const struct nameidata_ctx *ctx, const char *target, int flags);
/* Mount the root filesystem at boot; becomes "/" of every fs_context. */
int vfs_mount_root(const char *fstype, dev_t dev, const char *source,
		   unsigned long flags, const char *data, struct path *root);
int vfs_sync_all(void);
/* Unmount everything in reverse order (halt): sync and put_super each
 * superblock. Afterwards iput/file_put of leftovers do nothing. */
void vfs_shutdown(void);
/* Text of /proc/mounts for mounts visible under root, one line each:
 * "source target fstype rw,relatime[opts] 0 0". Like snprintf: returns the
 * full length, writes at most len-1 bytes and a NUL. */
size_t vfs_mounts_text(const struct path *root, char *buf, size_t len);

/* Boot: set up the caches. tmpfs_init registers "tmpfs". */
void vfs_init(void);
int tmpfs_init(void);

/* ---- internals shared by the fs core (and filesystems that need them) -- */

struct dentry *dget(struct dentry *d);
void dput(struct dentry *d);
/* The cached child called name, with a new reference, or NULL. */
struct dentry *d_lookup(struct dentry *parent, const char *name);
/* A new child holding ino (the reference is handed over). NULL parent
 * makes a filesystem root. NULL if out of memory (ino is then put). */
struct dentry *d_alloc(struct dentry *parent, const char *name, struct inode *ino);
/* Unlinked: mark dead and take out of the tree (freed at refs 0). */
void d_delete(struct dentry *d);
/* Renamed: move d under new_parent as name. */
int d_move(struct dentry *d, struct dentry *new_parent, const char *name);
/* Unmount of a whole superblock: free every cached dentry below root. */
void d_kill_tree(struct dentry *root);
/* Drop unused cached dentries (all of them with 0). */
void d_shrink(unsigned keep);
/* Is a ancestor-or-self of d? */
bool d_is_ancestor(struct dentry *a, struct dentry *d);
struct mount *mnt_get(struct mount *m);
void mnt_put(struct mount *m);
/* The mount on top of dentry d of parent mount m, or NULL. */
struct mount *mnt_lookup_on(struct mount *m, struct dentry *d);
/* The operations an open of ino uses: ino->fop, the generic regular file
 * and directory ones, or the device/FIFO registries; NULL with *err set
 * (-ENXIO for unregistered devices and sockets). */
const struct file_ops *vfs_file_ops_for(struct inode *ino, int *err);
/* A file for ino with the ops its type opens with, the driver's open run
 * (it sees O_NOCTTY, dropped afterwards); no path (the caller sets f->path
 * if it has one). */
int vfs_open_inode(struct inode *ino, unsigned flags, struct file **res);
/* O_PATH files: no methods. */
extern const struct file_ops vfs_path_fops;
/* The pipe code's FIFO operations, NULL until registered. */
const struct file_ops *vfs_fifo_fops(void);
/* The root mount's root, for lookups without an fs_context (not referenced). */
struct path vfs_root_path(void);

/* Two-step walks for operations that create or remove names. */
#define LOOKUP_NOMOUNT	16u	/* do not cross into a mount on the last name */
enum { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };
struct nameidata {
	struct path parent;		/* referenced */
	char last[256];
	int last_type;			/* LAST_* */
	bool trailing_slash;
};
/* Walk to the directory holding the last component of path. */
int vfs_walk_parent(const struct nameidata_ctx *ctx, const char *path,
		    struct nameidata *nd);
/* Look the last component up in nd->parent (LOOKUP_FOLLOW, _DIRECTORY and
 * _NOMOUNT apply; a trailing slash adds FOLLOW and DIRECTORY). */
int vfs_walk_last(const struct nameidata_ctx *ctx, const struct nameidata *nd,
		  unsigned flags, struct path *res);
/* True after vfs_shutdown. */
extern bool vfs_halted;
void inode_cache_init(void);
void dcache_init(void);

#endif
