/* The namespace operations: open, create, remove, rename and link names,
 * stat and setattr, and the permission rules they share. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include "fs/vfs.h"
#include "fs/pagecache.h"
#include "lib/cred.h"
#include "lib/ktime.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

/* ---- permissions ------------------------------------------------------ */

int vfs_permission(struct inode *ino, const struct cred *cred, int mask)
{
	mode_t mode = ino->mode;
	int bits;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (!cred || !mask)
		return 0;
	if (cred->fsuid == 0) {
		if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	if (cred->fsuid == ino->uid)
		bits = (mode >> 6) & 7;
	else if (cred_in_group(cred, ino->gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	return (mask & ~bits) ? -EACCES : 0;
}

bool vfs_path_rdonly(const struct path *p)
{
	return (p->mnt->flags & MS_RDONLY) || (p->mnt->sb->flags & SB_RDONLY);
}

int vfs_path_permission(const struct path *p, const struct cred *cred, int mask)
{
	struct inode *ino = p->dentry->inode;
	mode_t t = ino->mode & S_IFMT;

	if ((mask & MAY_WRITE) && vfs_path_rdonly(p) &&
	    (t == S_IFREG || t == S_IFDIR || t == S_IFLNK))
		return -EROFS;
	if ((mask & MAY_EXEC) && t == S_IFREG && (p->mnt->flags & MS_NOEXEC))
		return -EACCES;
	return vfs_permission(ino, cred, mask);
}

/* Creating a name in the directory dir. */
static int may_create(const struct nameidata_ctx *ctx, const struct path *dir)
{
	if (dir->dentry->dead)
		return -ENOENT;
	if (vfs_path_rdonly(dir))
		return -EROFS;
	return vfs_permission(dir->dentry->inode, ctx->cred, MAY_WRITE | MAY_EXEC);
}

/* Removing (or renaming away) victim from the directory dir. */
static int may_delete(const struct nameidata_ctx *ctx, const struct path *dir,
		      struct dentry *victim)
{
	struct inode *d = dir->dentry->inode, *v = victim->inode;
	const struct cred *c = ctx->cred;
	int err;

	if (vfs_path_rdonly(dir))
		return -EROFS;
	err = vfs_permission(d, c, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	if ((d->mode & S_ISVTX) && c && c->fsuid != 0 &&
	    c->fsuid != v->uid && c->fsuid != d->uid)
		return -EPERM;
	if (victim->mounted)
		return -EBUSY;
	return 0;
}

static void new_owner(const struct nameidata_ctx *ctx, struct inode *dir,
		      mode_t *mode, uid_t *uid, gid_t *gid)
{
	*uid = ctx->cred ? ctx->cred->fsuid : 0;
	*gid = ctx->cred ? ctx->cred->fsgid : 0;
	if (dir->mode & S_ISGID) {
		*gid = dir->gid;
		if (S_ISDIR(*mode))
			*mode |= S_ISGID;
	}
}

/* ---- creating names ----------------------------------------------------- */

/* Walk to the parent of path and check the name can be created there. */
static int prepare_create(const struct nameidata_ctx *ctx, const char *path,
			  struct nameidata *nd, bool want_dir)
{
	struct nameidata plain;
	struct path ex;
	int err = vfs_walk_parent(ctx, path, nd);

	if (err)
		return err;
	err = -EEXIST;
	if (nd->last_type != LAST_NORM)
		goto fail;
	plain = *nd;
	plain.trailing_slash = false;
	err = vfs_walk_last(ctx, &plain, LOOKUP_NOMOUNT, &ex);
	if (!err) {
		path_put(&ex);
		err = -EEXIST;
		goto fail;
	}
	if (err != -ENOENT)
		goto fail;
	if (nd->trailing_slash && !want_dir)
		goto fail;
	err = may_create(ctx, &nd->parent);
	if (!err)
		return 0;
fail:
	path_put(&nd->parent);
	return err;
}

enum { MK_NODE, MK_DIR, MK_SYMLINK };

static int create_at(const struct nameidata_ctx *ctx, struct nameidata *nd,
		     int kind, mode_t mode, dev_t rdev, const char *target,
		     struct path *res)
{
	struct inode *dir = nd->parent.dentry->inode, *ino = NULL;
	const struct inode_ops *op = dir->op;
	struct dentry *d;
	uid_t uid;
	gid_t gid;
	int err = -EPERM;

	new_owner(ctx, dir, &mode, &uid, &gid);
	if (kind == MK_NODE && op->create)
		err = op->create(dir, nd->last, mode, rdev, uid, gid, &ino);
	else if (kind == MK_DIR && op->mkdir)
		err = op->mkdir(dir, nd->last, mode, uid, gid, &ino);
	else if (kind == MK_SYMLINK && op->symlink)
		err = op->symlink(dir, nd->last, target, uid, gid, &ino);
	if (err)
		return err;
	d = d_alloc(nd->parent.dentry, nd->last, ino);
	if (!d)
		return -ENOMEM;
	if (res) {
		res->mnt = mnt_get(nd->parent.mnt);
		res->dentry = d;
	} else {
		dput(d);
	}
	return 0;
}

int vfs_mknod(const struct nameidata_ctx *ctx, const char *path, mode_t mode, dev_t dev)
{
	struct nameidata nd;
	int err;

	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		dev = 0;
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (ctx->cred && ctx->cred->euid != 0)
			return -EPERM;
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	err = prepare_create(ctx, path, &nd, false);
	if (err)
		return err;
	err = create_at(ctx, &nd, MK_NODE, (mode & S_IFMT) | (mode & 07777),
			dev, NULL, NULL);
	path_put(&nd.parent);
	return err;
}

int vfs_mkdir(const struct nameidata_ctx *ctx, const char *path, mode_t mode)
{
	struct nameidata nd;
	int err = prepare_create(ctx, path, &nd, true);

	if (err)
		return err;
	err = create_at(ctx, &nd, MK_DIR, S_IFDIR | (mode & 01777), 0, NULL, NULL);
	path_put(&nd.parent);
	return err;
}

int vfs_symlink(const char *target, const struct nameidata_ctx *ctx, const char *path)
{
	struct nameidata nd;
	int err;

	if (!target[0])
		return -ENOENT;
	if (strnlen(target, 4096) >= 4096)
		return -ENAMETOOLONG;
	err = prepare_create(ctx, path, &nd, false);
	if (err)
		return err;
	err = create_at(ctx, &nd, MK_SYMLINK, S_IFLNK | 0777, 0, target, NULL);
	path_put(&nd.parent);
	return err;
}

int vfs_link(const struct nameidata_ctx *octx, const char *oldpath,
	     const struct nameidata_ctx *nctx, const char *newpath, unsigned flags)
{
	struct nameidata nd;
	struct path old;
	struct inode *dir, *ino;
	struct dentry *d;
	int err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = vfs_lookup(octx, oldpath,
			 ((flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0) |
			 ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &old);
	if (err)
		return err;
	ino = old.dentry->inode;
	err = -EPERM;
	if (S_ISDIR(ino->mode))
		goto out;
	err = prepare_create(nctx, newpath, &nd, false);
	if (err)
		goto out;
	dir = nd.parent.dentry->inode;
	if (old.mnt != nd.parent.mnt)
		err = -EXDEV;
	else if (ino->nlink == 0)
		err = -ENOENT;
	else if (!dir->op->link)
		err = -EPERM;
	else
		err = dir->op->link(dir, nd.last, ino);
	if (!err) {
		d = d_alloc(nd.parent.dentry, nd.last, iget(ino));
		if (d)
			dput(d);
	}
	path_put(&nd.parent);
out:
	path_put(&old);
	return err;
}

/* ---- removing and renaming --------------------------------------------- */

int vfs_unlink(const struct nameidata_ctx *ctx, const char *path, int flags)
{
	bool rmdir = flags & AT_REMOVEDIR;
	struct nameidata nd, plain;
	struct path victim;
	struct inode *dir, *vino;
	int err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	err = vfs_walk_parent(ctx, path, &nd);
	if (err)
		return err;
	if (nd.last_type != LAST_NORM) {
		err = !rmdir ? -EISDIR : nd.last_type == LAST_DOT ? -EINVAL :
		      nd.last_type == LAST_DOTDOT ? -ENOTEMPTY : -EBUSY;
		goto out_parent;
	}
	plain = nd;
	plain.trailing_slash = false;
	err = vfs_walk_last(ctx, &plain, LOOKUP_NOMOUNT, &victim);
	if (err)
		goto out_parent;
	dir = nd.parent.dentry->inode;
	vino = victim.dentry->inode;
	if (rmdir && !S_ISDIR(vino->mode))
		err = -ENOTDIR;
	else if (!rmdir && S_ISDIR(vino->mode))
		err = -EISDIR;
	else if (!rmdir && nd.trailing_slash)
		err = -ENOTDIR;
	else
		err = may_delete(ctx, &nd.parent, victim.dentry);
	if (!err) {
		int (*op)(struct inode *, const char *) =
			rmdir ? dir->op->rmdir : dir->op->unlink;

		err = op ? op(dir, nd.last) : -EPERM;
	}
	if (!err)
		d_delete(victim.dentry);
	path_put(&victim);
out_parent:
	path_put(&nd.parent);
	return err;
}

static int rename_checks(const struct nameidata_ctx *octx, struct nameidata *ond,
			 struct path *old, const struct nameidata_ctx *nctx,
			 struct nameidata *nnd, struct path *new, bool have_new,
			 unsigned flags)
{
	struct inode *oi = old->dentry->inode;
	bool exchange = flags & RENAME_EXCHANGE;
	bool odir = S_ISDIR(oi->mode);
	int err;

	if (ond->trailing_slash && !odir)
		return -ENOTDIR;
	if (!have_new) {
		if (exchange)
			return -ENOENT;
		if (nnd->trailing_slash && !odir)
			return -ENOTDIR;
	} else {
		struct inode *ni = new->dentry->inode;
		bool ndir = S_ISDIR(ni->mode);

		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (exchange && nnd->trailing_slash && !ndir)
			return -ENOTDIR;
		if (!exchange && odir && !ndir)
			return -ENOTDIR;
		if (!exchange && !odir && ndir)
			return -EISDIR;
		if (d_is_ancestor(new->dentry, ond->parent.dentry))
			return exchange ? -EINVAL : -ENOTEMPTY;
	}
	if (odir && d_is_ancestor(old->dentry, nnd->parent.dentry))
		return -EINVAL;
	if (have_new && exchange && S_ISDIR(new->dentry->inode->mode) &&
	    d_is_ancestor(new->dentry, nnd->parent.dentry))
		return -EINVAL;
	err = may_delete(octx, &ond->parent, old->dentry);
	if (err)
		return err;
	err = have_new ? may_delete(nctx, &nnd->parent, new->dentry) :
			 may_create(nctx, &nnd->parent);
	if (err)
		return err;
	/* A directory changing parent rewrites its "..". */
	if (odir && ond->parent.dentry != nnd->parent.dentry)
		err = vfs_permission(oi, octx->cred, MAY_WRITE);
	if (!err && exchange && S_ISDIR(new->dentry->inode->mode) &&
	    ond->parent.dentry != nnd->parent.dentry)
		err = vfs_permission(new->dentry->inode, nctx->cred, MAY_WRITE);
	return err;
}

int vfs_rename(const struct nameidata_ctx *octx, const char *oldpath,
	       const struct nameidata_ctx *nctx, const char *newpath, unsigned flags)
{
	struct nameidata ond, nnd, plain;
	struct path old, new;
	struct inode *odir, *ndir;
	bool have_new;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_WHITEOUT) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
		return -EINVAL;
	err = vfs_walk_parent(octx, oldpath, &ond);
	if (err)
		return err;
	err = vfs_walk_parent(nctx, newpath, &nnd);
	if (err)
		goto out_old_parent;
	err = -EXDEV;
	if (ond.parent.mnt != nnd.parent.mnt)
		goto out_parents;
	err = -EBUSY;
	if (ond.last_type != LAST_NORM)
		goto out_parents;
	if (nnd.last_type != LAST_NORM) {
		err = (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
		goto out_parents;
	}
	plain = ond;
	plain.trailing_slash = false;
	err = vfs_walk_last(octx, &plain, LOOKUP_NOMOUNT, &old);
	if (err)
		goto out_parents;
	plain = nnd;
	plain.trailing_slash = false;
	err = vfs_walk_last(nctx, &plain, LOOKUP_NOMOUNT, &new);
	have_new = !err;
	if (err && err != -ENOENT)
		goto out_old;
	if (have_new && (old.dentry == new.dentry ||
			 old.dentry->inode == new.dentry->inode)) {
		err = 0;	/* the same file: nothing to do */
		goto out_new;
	}
	err = rename_checks(octx, &ond, &old, nctx, &nnd, &new, have_new, flags);
	if (err)
		goto out_new;
	odir = ond.parent.dentry->inode;
	ndir = nnd.parent.dentry->inode;
	err = odir->op->rename ? odir->op->rename(odir, ond.last, ndir, nnd.last, flags)
			       : -EPERM;
	if (err)
		goto out_new;
	if (flags & RENAME_EXCHANGE) {
		if (d_move(old.dentry, nnd.parent.dentry, nnd.last))
			d_delete(old.dentry);
		if (d_move(new.dentry, ond.parent.dentry, ond.last))
			d_delete(new.dentry);
	} else {
		if (have_new)
			d_delete(new.dentry);
		if (d_move(old.dentry, nnd.parent.dentry, nnd.last))
			d_delete(old.dentry);
	}
out_new:
	if (have_new)
		path_put(&new);
out_old:
	path_put(&old);
out_parents:
	path_put(&nnd.parent);
out_old_parent:
	path_put(&ond.parent);
	return err;
}

int vfs_readlink(const struct nameidata_ctx *ctx, const char *path, char *buf, size_t len)
{
	struct path p;
	struct inode *ino;
	int err;

	if ((ssize_t)len <= 0)
		return -EINVAL;
	err = vfs_lookup(ctx, path, LOOKUP_EMPTY, &p);
	if (err)
		return err;
	ino = p.dentry->inode;
	if (!S_ISLNK(ino->mode) || !ino->op || !ino->op->readlink)
		err = -EINVAL;
	else
		err = ino->op->readlink(ino, buf, len > 4096 ? 4096 : len);
	path_put(&p);
	return err;
}

/* ---- attributes --------------------------------------------------------- */

void vfs_stat_inode(struct inode *ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ino->sb ? ino->sb->dev : 0;
	st->st_ino = ino->ino;
	st->st_mode = ino->mode;
	st->st_nlink = ino->nlink;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = ino->rdev;
	st->st_size = ino->size;
	st->st_blksize = 4096;
	st->st_blocks = ino->blocks;
	st->st_atim = ino->atime;
	st->st_mtim = ino->mtime;
	st->st_ctim = ino->ctime;
}

int vfs_stat(const struct path *p, struct stat *st)
{
	vfs_stat_inode(p->dentry->inode, st);
	return 0;
}

int vfs_setattr(const struct path *p, const struct iattr *attr)
{
	struct inode *ino = p->dentry->inode;
	struct timespec now = ktime_real();
	struct iattr a = *attr;

	if (!a.valid)
		return 0;
	if (vfs_path_rdonly(p) && !S_ISCHR(ino->mode) && !S_ISBLK(ino->mode) &&
	    !S_ISFIFO(ino->mode) && !S_ISSOCK(ino->mode))
		return -EROFS;
	if (a.valid & ATTR_SIZE) {
		if (S_ISDIR(ino->mode))
			return -EISDIR;
		if (!S_ISREG(ino->mode))
			return -EINVAL;
		if ((int64_t)a.size < 0)
			return -EINVAL;
		if (a.size != ino->size && !(a.valid & ATTR_MTIME)) {
			a.valid |= ATTR_MTIME;
			a.mtime = now;
		}
	}
	if (a.valid & ATTR_MODE)
		a.mode = (ino->mode & S_IFMT) | (a.mode & 07777);
	/* A chown strips set-user-ID (and set-group-ID with group exec). */
	if ((a.valid & (ATTR_UID | ATTR_GID)) && !(a.valid & ATTR_MODE) &&
	    !S_ISDIR(ino->mode)) {
		mode_t m = ino->mode & ~S_ISUID;

		if ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			m &= ~S_ISGID;
		if (m != ino->mode) {
			a.valid |= ATTR_MODE;
			a.mode = m;
		}
	}
	if (!(a.valid & ATTR_CTIME)) {
		a.valid |= ATTR_CTIME;
		a.ctime = now;
	}
	if ((a.valid & ATTR_SIZE) && ino->pcache) {
		/* Mapped stores reach the file before its size changes. */
		pcache_writeback(ino);
		pcache_resize(ino, a.size);
	}
	if (ino->op && ino->op->setattr)
		return ino->op->setattr(ino, &a);
	if (a.valid & ATTR_SIZE)
		return -EINVAL;
	if (a.valid & ATTR_MODE)
		ino->mode = a.mode;
	if (a.valid & ATTR_UID)
		ino->uid = a.uid;
	if (a.valid & ATTR_GID)
		ino->gid = a.gid;
	if (a.valid & ATTR_ATIME)
		ino->atime = a.atime;
	if (a.valid & ATTR_MTIME)
		ino->mtime = a.mtime;
	ino->ctime = a.ctime;
	return 0;
}

int vfs_setattr_permission(struct inode *ino, const struct cred *cred,
			   const struct iattr *attr, bool times_now)
{
	bool owner;

	if (!cred || cred->fsuid == 0)
		return 0;
	owner = cred->fsuid == ino->uid;
	if ((attr->valid & ATTR_UID) && (attr->uid != ino->uid || !owner))
		return -EPERM;
	if ((attr->valid & ATTR_GID) &&
	    (!owner || (attr->gid != ino->gid && !cred_in_group(cred, attr->gid))))
		return -EPERM;
	if ((attr->valid & ATTR_MODE) && !owner)
		return -EPERM;
	if ((attr->valid & ATTR_SIZE) && vfs_permission(ino, cred, MAY_WRITE))
		return -EACCES;
	if (attr->valid & (ATTR_ATIME | ATTR_MTIME)) {
		if (times_now) {
			if (!owner && vfs_permission(ino, cred, MAY_WRITE))
				return -EACCES;
		} else if (!owner) {
			return -EPERM;
		}
	}
	return 0;
}

/* ---- open ------------------------------------------------------------------ */

static int open_create(const struct nameidata_ctx *ctx, const char *path,
		       int flags, mode_t mode, struct path *res, bool *created,
		       int depth);

/* O_CREAT through a dangling symlink creates its target, as in Linux. */
static int create_link_target(const struct nameidata_ctx *ctx, struct nameidata *nd,
			      const struct path *link, int flags, mode_t mode,
			      struct path *res, bool *created, int depth)
{
	struct inode *li = link->dentry->inode;
	struct file base = { .path = nd->parent };
	struct nameidata_ctx lctx = { ctx->fs, ctx->cred, &base };
	char *target;
	int n;

	if (depth >= 40)
		return -ELOOP;
	if (!li->op || !li->op->readlink)
		return -ENOENT;
	target = malloc(4096);
	if (!target)
		return -ENOMEM;
	n = li->op->readlink(li, target, 4095);
	if (n > 0) {
		target[n] = 0;
		n = open_create(&lctx, target, flags, mode, res, created, depth + 1);
	} else if (n == 0) {
		n = -ENOENT;
	}
	free(target);
	return n;
}

/* O_CREAT: find or create the last component. */
static int open_create(const struct nameidata_ctx *ctx, const char *path,
		       int flags, mode_t mode, struct path *res, bool *created,
		       int depth)
{
	struct nameidata nd;
	struct path ex;
	int err = vfs_walk_parent(ctx, path, &nd);

	if (err)
		return err;
	err = -EISDIR;
	if (nd.last_type != LAST_NORM || nd.trailing_slash)
		goto out;
	err = vfs_walk_last(ctx, &nd, (flags & (O_NOFOLLOW | O_EXCL)) ? 0 : LOOKUP_FOLLOW,
			    res);
	if (!err) {
		if (flags & O_EXCL) {
			path_put(res);
			err = -EEXIST;
		}
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	if (!vfs_walk_last(ctx, &nd, LOOKUP_NOMOUNT, &ex)) {
		/* The name is there: a dangling symlink (O_NOFOLLOW and
		 * O_EXCL found it above). */
		if (S_ISLNK(ex.dentry->inode->mode))
			err = create_link_target(ctx, &nd, &ex, flags, mode, res,
						 created, depth);
		path_put(&ex);
		goto out;
	}
	err = may_create(ctx, &nd.parent);
	if (!err)
		err = create_at(ctx, &nd, MK_NODE, S_IFREG | (mode & 07777), 0,
				NULL, res);
	*created = !err;
out:
	path_put(&nd.parent);
	return err;
}

int vfs_open(const struct nameidata_ctx *ctx, const char *path, int flags,
	     mode_t mode, struct file **res)
{
	bool created = false;
	struct inode *ino;
	struct file *f;
	struct path p;
	int acc, mask, err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (flags & O_CREAT)
		err = open_create(ctx, path, flags, mode, &p, &created, 0);
	else
		err = vfs_lookup(ctx, path,
				 ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				 ((flags & O_DIRECTORY) ? LOOKUP_DIRECTORY : 0), &p);
	if (err)
		return err;
	ino = p.dentry->inode;
	acc = flags & O_ACCMODE;
	err = -ELOOP;
	if (S_ISLNK(ino->mode) && !(flags & O_PATH))
		goto fail;
	err = -ENOTDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		goto fail;
	if (flags & O_PATH) {
		err = -ENOMEM;
		f = file_alloc(ino, &vfs_path_fops, flags & ~O_CLOEXEC);
		if (!f)
			goto fail;
		f->path = p;
		*res = f;
		return 0;
	}
	err = -EISDIR;
	if (S_ISDIR(ino->mode) &&
	    (acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
		goto fail;
	mask = acc == O_RDONLY ? MAY_READ : acc == O_WRONLY ? MAY_WRITE :
	       MAY_READ | MAY_WRITE;
	if (flags & O_TRUNC)
		mask |= MAY_WRITE;
	if (!created) {
		err = vfs_path_permission(&p, ctx->cred, mask);
		if (err)
			goto fail;
	}
	err = -EACCES;
	if ((S_ISCHR(ino->mode) || S_ISBLK(ino->mode)) && (p.mnt->flags & MS_NODEV))
		goto fail;
	err = vfs_open_inode(ino, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), &f);
	if (err)
		goto fail;
	f->path = p;
	if ((flags & O_TRUNC) && S_ISREG(ino->mode) && !created) {
		struct iattr a = { .valid = ATTR_SIZE | ATTR_MTIME, .size = 0,
				   .mtime = ktime_real() };

		err = vfs_setattr(&p, &a);
		if (err) {
			file_put(f);
			return err;
		}
	}
	*res = f;
	return 0;
fail:
	path_put(&p);
	return err;
}
