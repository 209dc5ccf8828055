/* Path walking: from a starting path through each component, crossing
 * mounts down and ".." up (never above the caller's root), following
 * symlinks up to MAX_SYMLINKS in all. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "fs/vfs.h"

#define MAX_SYMLINKS	40
#define PATH_LEN_MAX	4096	/* including the NUL */
#define NAME_LEN_MAX	255

struct walk {
	const struct nameidata_ctx *ctx;
	struct path root;		/* borrowed from the fs_context */
	struct path cur;		/* referenced */
	int links;
};

static int walk_path(struct walk *w, const char *s, unsigned flags);

static bool is_dir(const struct path *p)
{
	return S_ISDIR(p->dentry->inode->mode);
}

static void walk_set(struct walk *w, const struct path *p)
{
	struct path n = *p;

	path_get(&n);
	path_put(&w->cur);
	w->cur = n;
}

static int may_lookup(struct walk *w)
{
	struct inode *ino = w->cur.dentry->inode;

	if (!S_ISDIR(ino->mode))
		return -ENOTDIR;
	return vfs_permission(ino, w->ctx->cred, MAY_EXEC);
}

/* Step onto whatever is mounted on p, repeatedly (stacked mounts). */
static void follow_mounts(struct path *p)
{
	struct mount *m;

	while (p->dentry->mounted && (m = mnt_lookup_on(p->mnt, p->dentry))) {
		struct path next = { m, m->root };

		path_get(&next);
		path_put(p);
		*p = next;
	}
}

static void step_dotdot(struct walk *w)
{
	bool moved = false;

	for (;;) {
		struct mount *m = w->cur.mnt;

		if (path_equal(&w->cur, &w->root))
			break;
		if (w->cur.dentry != m->root) {
			struct dentry *parent = dget(w->cur.dentry->parent);

			dput(w->cur.dentry);
			w->cur.dentry = parent;
			moved = true;
			break;
		}
		if (m->parent == m || !m->mountpoint)
			break;
		struct path up = { m->parent, m->mountpoint };
		walk_set(w, &up);
	}
	if (moved)
		follow_mounts(&w->cur);
}

/* The child called name of the directory dir, from the cache or the
 * filesystem. A filesystem with dcache_off is asked every time. */
static int lookup_child(struct dentry *dir, const char *name, struct dentry **res)
{
	struct inode *dino = dir->inode, *ino;
	struct dentry *d;
	int err;

	if (dir->dead)
		return -ENOENT;
	d = d_lookup(dir, name);
	if (d && !dir->sb->dcache_off) {
		*res = d;
		return 0;
	}
	if (!dino->op || !dino->op->lookup) {
		if (d)
			dput(d);
		return -ENOENT;
	}
	err = dino->op->lookup(dino, name, &ino);
	if (d) {
		if (!err && ino == d->inode) {
			iput(ino);
			*res = d;
			return 0;
		}
		d_delete(d);
		dput(d);
	}
	if (err)
		return err;
	d = d_alloc(dir, name, ino);
	if (!d)
		return -ENOMEM;
	*res = d;
	return 0;
}

static int follow_link(struct walk *w, const struct path *link)
{
	struct inode *li = link->dentry->inode;
	char *buf;
	int n, err;

	if (++w->links > MAX_SYMLINKS)
		return -ELOOP;
	if (li->op && li->op->get_link) {
		struct path target;

		err = li->op->get_link(li, &target);
		if (err != -ENOSYS) {
			if (!err) {
				walk_set(w, &target);
				path_put(&target);
			}
			return err;
		}
	}
	if (!li->op || !li->op->readlink)
		return -ENOENT;
	buf = malloc(PATH_LEN_MAX);
	if (!buf)
		return -ENOMEM;
	n = li->op->readlink(li, buf, PATH_LEN_MAX - 1);
	if (n >= 0)
		buf[n] = 0;
	err = n < 0 ? n : n == 0 ? -ENOENT : walk_path(w, buf, LOOKUP_FOLLOW);
	free(buf);
	return err;
}

/* One component of w->cur. flags: LOOKUP_FOLLOW, LOOKUP_DIRECTORY,
 * LOOKUP_NOMOUNT. */
static int walk_one(struct walk *w, const char *name, size_t len, unsigned flags)
{
	char buf[NAME_LEN_MAX + 1];
	struct dentry *d;
	int err;

	if (len > NAME_LEN_MAX)
		return -ENAMETOOLONG;
	err = may_lookup(w);
	if (err)
		return err;
	if (len == 1 && name[0] == '.') {
		/* nothing to do */
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		step_dotdot(w);
	} else {
		memcpy(buf, name, len);
		buf[len] = 0;
		err = lookup_child(w->cur.dentry, buf, &d);
		if (err)
			return err;
		struct path next = { mnt_get(w->cur.mnt), d };
		if (!(flags & LOOKUP_NOMOUNT))
			follow_mounts(&next);
		if (S_ISLNK(next.dentry->inode->mode) && (flags & LOOKUP_FOLLOW)) {
			err = follow_link(w, &next);
			path_put(&next);
			if (err)
				return err;
		} else {
			path_put(&w->cur);
			w->cur = next;
		}
	}
	if ((flags & LOOKUP_DIRECTORY) && !is_dir(&w->cur))
		return -ENOTDIR;
	return 0;
}

struct last {
	const char *name;
	size_t len;
	int type;
	bool slash;
};

/* Walk everything but the last component of s. */
static int walk_to_parent(struct walk *w, const char *s, struct last *last)
{
	if (*s == '/') {
		walk_set(w, &w->root);
		while (*s == '/')
			s++;
	}
	for (;;) {
		const char *e = s, *next;
		int err;

		if (!*s) {
			*last = (struct last){ "", 0, LAST_ROOT, false };
			return 0;
		}
		while (*e && *e != '/')
			e++;
		next = e;
		while (*next == '/')
			next++;
		if (!*next) {
			size_t len = e - s;

			last->name = s;
			last->len = len;
			last->slash = e != next;
			last->type = len == 1 && s[0] == '.' ? LAST_DOT :
				     len == 2 && s[0] == '.' && s[1] == '.' ?
				     LAST_DOTDOT : LAST_NORM;
			return len > NAME_LEN_MAX ? -ENAMETOOLONG : 0;
		}
		err = walk_one(w, s, e - s, LOOKUP_FOLLOW | LOOKUP_DIRECTORY);
		if (err)
			return err;
		s = next;
	}
}

static int walk_path(struct walk *w, const char *s, unsigned flags)
{
	struct last last;
	int err = walk_to_parent(w, s, &last);

	if (err)
		return err;
	if (last.slash)
		flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	if (last.type == LAST_ROOT)
		return (flags & LOOKUP_DIRECTORY) && !is_dir(&w->cur) ? -ENOTDIR : 0;
	return walk_one(w, last.name, last.len, flags);
}

/* Set up w at the base for path: root, the dirfile or the cwd. */
static int walk_start(struct walk *w, const struct nameidata_ctx *ctx,
		      const char *path)
{
	size_t len;

	if (!path)
		return -EFAULT;
	len = strnlen(path, PATH_LEN_MAX);
	if (len >= PATH_LEN_MAX)
		return -ENAMETOOLONG;
	w->ctx = ctx;
	w->links = 0;
	w->root = ctx->fs ? ctx->fs->root : vfs_root_path();
	if (!w->root.mnt)
		return -ENOENT;
	if (path[0] == '/' || (!ctx->dirfile && !ctx->fs)) {
		w->cur = w->root;
	} else if (ctx->dirfile) {
		w->cur = ctx->dirfile->path;
		if (!w->cur.dentry)
			return path[0] ? -ENOTDIR : -EBADF;
	} else {
		w->cur = ctx->fs->cwd;
	}
	path_get(&w->cur);
	return 0;
}

int vfs_lookup(const struct nameidata_ctx *ctx, const char *path,
	       unsigned flags, struct path *res)
{
	struct walk w;
	int err = walk_start(&w, ctx, path);

	if (err)
		return err;
	if (!path[0]) {
		if (!(flags & LOOKUP_EMPTY)) {
			path_put(&w.cur);
			return -ENOENT;
		}
		*res = w.cur;
		return 0;
	}
	err = walk_path(&w, path, flags & (LOOKUP_FOLLOW | LOOKUP_DIRECTORY |
					   LOOKUP_NOMOUNT));
	if (err) {
		path_put(&w.cur);
		return err;
	}
	*res = w.cur;
	return 0;
}

int vfs_walk_parent(const struct nameidata_ctx *ctx, const char *path,
		    struct nameidata *nd)
{
	struct walk w;
	struct last last;
	int err = walk_start(&w, ctx, path);

	if (err)
		return err;
	if (!path[0]) {
		path_put(&w.cur);
		return -ENOENT;
	}
	err = walk_to_parent(&w, path, &last);
	if (!err && !is_dir(&w.cur))
		err = -ENOTDIR;
	if (err) {
		path_put(&w.cur);
		return err;
	}
	nd->parent = w.cur;
	memcpy(nd->last, last.name, last.len);
	nd->last[last.len] = 0;
	nd->last_type = last.type;
	nd->trailing_slash = last.slash;
	return 0;
}

int vfs_walk_last(const struct nameidata_ctx *ctx, const struct nameidata *nd,
		  unsigned flags, struct path *res)
{
	struct walk w = { .ctx = ctx, .cur = nd->parent };
	int err = 0;

	w.root = ctx->fs ? ctx->fs->root : vfs_root_path();
	path_get(&w.cur);
	if (nd->trailing_slash)
		flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	if (nd->last_type != LAST_ROOT)
		err = walk_one(&w, nd->last, strlen(nd->last), flags);
	else if ((flags & LOOKUP_DIRECTORY) && !is_dir(&w.cur))
		err = -ENOTDIR;
	if (err) {
		path_put(&w.cur);
		return err;
	}
	*res = w.cur;
	return 0;
}

/* ---- path names ------------------------------------------------------ */

static bool prepend(char *buf, size_t *pos, const char *s, size_t n)
{
	if (n > *pos)
		return false;
	*pos -= n;
	memcpy(buf + *pos, s, n);
	return true;
}

int vfs_path_name(const struct path *root, const struct path *p, char *buf, size_t len)
{
	struct mount *m = p->mnt;
	struct dentry *d = p->dentry;
	bool unreachable = false, ok = true;
	size_t pos, end;

	if (len == 0)
		return -ENAMETOOLONG;
	pos = len - 1;
	buf[pos] = 0;
	if (d->dead && d->parent != d)
		ok = prepend(buf, &pos, " (deleted)", 10);
	end = pos;
	while (ok) {
		if (root && m == root->mnt && d == root->dentry)
			break;
		if (d == m->root) {
			if (m->parent == m || !m->mountpoint) {
				unreachable = root != NULL;
				break;
			}
			d = m->mountpoint;
			m = m->parent;
			continue;
		}
		if (d->parent == d) {
			unreachable = true;
			break;
		}
		ok = prepend(buf, &pos, d->name, strlen(d->name)) &&
		     prepend(buf, &pos, "/", 1);
		d = d->parent;
	}
	if (ok && pos == end)
		ok = prepend(buf, &pos, "/", 1);
	if (ok && unreachable)
		ok = prepend(buf, &pos, "(unreachable)", 13);
	if (!ok)
		return -ENAMETOOLONG;
	memmove(buf, buf + pos, len - pos);
	return len - 1 - pos;
}
