/* Mounts: the tree of mounted superblocks, mount/umount, the root mount,
 * sync and shutdown, and the /proc/mounts text. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <sys/mount.h>
#include "fs/vfs.h"
#include "block/ubd.h"
#include "lib/cred.h"

#define MS_PROPAGATION (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
/* Flags kept per mount; the rest are actions or superblock options. */
#define MNT_FLAGS_KEPT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | \
			MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* Every mount not yet released, attached or detached, in mount order. */
static struct list mounts = LIST_INIT(mounts);
static struct mount *root_mnt;
bool vfs_halted;

void vfs_init(void)
{
	inode_cache_init();
	dcache_init();
}

struct path vfs_root_path(void)
{
	struct path p = { NULL, NULL };

	if (root_mnt) {
		p.mnt = root_mnt;
		p.dentry = root_mnt->root;
	}
	return p;
}

struct mount *mnt_get(struct mount *m)
{
	if (m)
		m->refs++;
	return m;
}

static struct dentry *tree_top(struct dentry *d)
{
	while (d->parent != d)
		d = d->parent;
	return d;
}

static void mnt_release(struct mount *m)
{
	struct super_block *sb = m->sb;

	list_del(&m->node);
	if (--sb->refs > 0) {
		dput(m->root);
	} else {
		d_kill_tree(tree_top(m->root));
		if (sb->op && sb->op->put_super)
			sb->op->put_super(sb);
		else if (sb->op && sb->op->sync)
			sb->op->sync(sb);
	}
	free(m->source);
	free(m);
}

void mnt_put(struct mount *m)
{
	if (!m || vfs_halted)
		return;
	if (--m->refs == 0 && m->detached)
		mnt_release(m);
}

void path_get(struct path *p)
{
	mnt_get(p->mnt);
	dget(p->dentry);
}

void path_put(struct path *p)
{
	dput(p->dentry);
	mnt_put(p->mnt);
}

struct mount *mnt_lookup_on(struct mount *parent, struct dentry *d)
{
	struct mount *found = NULL;
	struct list *pos;

	list_for_each(pos, &mounts) {
		struct mount *m = list_entry(pos, struct mount, node);
		if (!m->detached && m->parent == parent && m->mountpoint == d &&
		    m != parent)
			found = m;
	}
	return found;
}

/* The root dentry to use for a new mount of sb: shared with its other
 * mounts, or a fresh tree. */
static struct dentry *sb_root_dentry(struct super_block *sb)
{
	struct list *pos;

	list_for_each(pos, &mounts) {
		struct mount *m = list_entry(pos, struct mount, node);
		if (m->sb == sb)
			return dget(tree_top(m->root));
	}
	return d_alloc(NULL, "/", iget(sb->root));
}

static struct mount *mnt_alloc(struct super_block *sb, struct dentry *root,
			       const char *source, unsigned long flags)
{
	struct mount *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->source = strdup(source ? source : "none");
	if (!m->source) {
		free(m);
		return NULL;
	}
	m->sb = sb;
	m->root = root;
	m->parent = m;
	m->flags = flags & MNT_FLAGS_KEPT;
	m->refs = 1;
	list_init(&m->node);
	sb->refs++;
	return m;
}

static void attach(struct mount *m, const struct path *at)
{
	m->parent = at->mnt;
	m->mountpoint = dget(at->dentry);
	at->dentry->mounted = m;
	list_del(&m->node);
	list_add_tail(&m->node, &mounts);
}

/* Take m off its mountpoint, fixing the dentry's mounted pointer. */
static void unhook(struct mount *m)
{
	struct dentry *mp = m->mountpoint;
	struct list *pos;

	if (!mp)
		return;
	m->mountpoint = NULL;
	m->parent = m;
	mp->mounted = NULL;
	list_for_each(pos, &mounts) {
		struct mount *o = list_entry(pos, struct mount, node);
		if (!o->detached && o != m && o->mountpoint == mp)
			mp->mounted = o;
	}
	dput(mp);
}

static void detach(struct mount *m)
{
	unhook(m);
	m->detached = true;
	mnt_put(m);
}

static struct mount *first_child(struct mount *m)
{
	struct list *pos;

	list_for_each(pos, &mounts) {
		struct mount *c = list_entry(pos, struct mount, node);
		if (!c->detached && c != m && c->parent == m)
			return c;
	}
	return NULL;
}

static void detach_tree(struct mount *m)
{
	struct mount *c;

	while ((c = first_child(m)))
		detach_tree(c);
	detach(m);
}

static bool capable(const struct nameidata_ctx *ctx)
{
	return !ctx->cred || ctx->cred->euid == 0;
}

/* Is sb on a block device that cannot be written (ubd flag r)? */
static bool sb_bdev_rdonly(const struct super_block *sb)
{
	int unit;

	if (!sb->type || !sb->type->needs_device)
		return false;
	unit = ubd_unit_of(sb->dev);
	return unit >= 0 && ubd_readonly(unit);
}

static int do_remount(struct path *tp, unsigned long flags)
{
	struct mount *m = tp->mnt;
	struct super_block *sb = m->sb;

	if (tp->dentry != m->root)
		return -EINVAL;
	/* Linux's reconfigure_super: EACCES (mount(8) then retries ro). */
	if (!(flags & (MS_BIND | MS_RDONLY)) && sb_bdev_rdonly(sb))
		return -EACCES;
	m->flags = flags & MNT_FLAGS_KEPT;
	if (flags & MS_BIND)
		return 0;
	if (flags & MS_RDONLY) {
		if (!(sb->flags & SB_RDONLY) && sb->op && sb->op->sync)
			sb->op->sync(sb);
		sb->flags |= SB_RDONLY;
	} else {
		sb->flags &= ~SB_RDONLY;
	}
	return 0;
}

static int do_move(const struct nameidata_ctx *ctx, const char *source,
		   struct path *tp)
{
	struct path sp;
	struct mount *m, *p;
	int err = vfs_lookup(ctx, source, LOOKUP_FOLLOW, &sp);

	if (err)
		return err;
	m = sp.mnt;
	err = -EINVAL;
	if (sp.dentry != m->root || m->parent == m || m->detached)
		goto out;
	/* Not below itself. */
	err = -ELOOP;
	for (p = tp->mnt; ; p = p->parent) {
		if (p == m)
			goto out;
		if (p->parent == p)
			break;
	}
	unhook(m);
	attach(m, tp);
	err = 0;
out:
	path_put(&sp);
	return err;
}

static int do_bind(const struct nameidata_ctx *ctx, const char *source,
		   struct path *tp, unsigned long flags)
{
	struct path sp;
	struct mount *m;
	int err = vfs_lookup(ctx, source, LOOKUP_FOLLOW, &sp);

	if (err)
		return err;
	err = -ENOTDIR;
	if (S_ISDIR(sp.dentry->inode->mode) != S_ISDIR(tp->dentry->inode->mode))
		goto out;
	err = -ENOMEM;
	m = mnt_alloc(sp.mnt->sb, dget(sp.dentry), sp.mnt->source,
		      flags | (sp.mnt->flags & MS_RDONLY));
	if (!m) {
		dput(sp.dentry);
		goto out;
	}
	attach(m, tp);
	err = 0;
out:
	path_put(&sp);
	return err;
}

static int do_new_mount(const struct nameidata_ctx *ctx, const char *source,
			struct path *tp, const char *fstype,
			unsigned long flags, const char *data)
{
	const struct fs_type *type = find_filesystem(fstype);
	struct super_block *sb;
	struct dentry *root;
	struct mount *m;
	dev_t dev = 0;
	int err;

	if (!type)
		return -ENODEV;
	if (!S_ISDIR(tp->dentry->inode->mode))
		return -ENOTDIR;
	if (type->needs_device) {
		struct path sp;

		if (!source || !*source)
			return -ENOTBLK;
		err = vfs_lookup(ctx, source, LOOKUP_FOLLOW, &sp);
		if (err)
			return err;
		if (!S_ISBLK(sp.dentry->inode->mode))
			err = -ENOTBLK;
		else if (sp.mnt->flags & MS_NODEV)
			err = -EACCES;
		dev = sp.dentry->inode->rdev;
		path_put(&sp);
		if (err)
			return err;
	}
	err = type->mount(type, dev, source, flags, data, &sb);
	if (err)
		return err;
	if (sb->refs == 0 && (flags & MS_RDONLY))
		sb->flags |= SB_RDONLY;
	root = sb_root_dentry(sb);
	if (!root)
		return -ENOMEM;
	m = mnt_alloc(sb, root, source, flags);
	if (!m) {
		dput(root);
		return -ENOMEM;
	}
	attach(m, tp);
	return 0;
}

int vfs_mount(const struct nameidata_ctx *ctx, const char *source, const char *target,
	      const char *fstype, unsigned long flags, const char *data)
{
	struct path tp;
	int err;

	if (!capable(ctx))
		return -EPERM;
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	err = vfs_lookup(ctx, target, LOOKUP_FOLLOW, &tp);
	if (err)
		return err;
	if (tp.dentry->dead)
		err = -ENOENT;
	else if (flags & MS_REMOUNT)
		err = do_remount(&tp, flags);
	else if (flags & MS_MOVE)
		err = do_move(ctx, source, &tp);
	else if (flags & MS_BIND)
		err = do_bind(ctx, source, &tp, flags);
	else if (flags & MS_PROPAGATION)
		err = 0;	/* one namespace, nothing propagates */
	else
		err = do_new_mount(ctx, source, &tp, fstype, flags, data);
	path_put(&tp);
	return err;
}

int vfs_umount(const struct nameidata_ctx *ctx, const char *target, int flags)
{
	struct path p;
	struct mount *m;
	int err;

	if (!capable(ctx))
		return -EPERM;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	err = vfs_lookup(ctx, target,
			 (flags & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	m = p.mnt;
	if (p.dentry != m->root || m->detached)
		err = -EINVAL;
	else if (m->parent == m)
		err = -EBUSY;
	else if (flags & MNT_DETACH)
		detach_tree(m);
	else if (first_child(m) || m->refs > 2)	/* attached + our lookup */
		err = -EBUSY;
	else
		detach(m);
	path_put(&p);
	return err;
}

int vfs_mount_root(const char *fstype, dev_t dev, const char *source,
		   unsigned long flags, const char *data, struct path *root)
{
	const struct fs_type *type = find_filesystem(fstype);
	struct super_block *sb;
	struct dentry *d;
	struct mount *m;
	int err;

	if (!type)
		return -ENODEV;
	if (root_mnt)
		return -EBUSY;
	err = type->mount(type, dev, source, flags, data, &sb);
	if (err)
		return err;
	if (flags & MS_RDONLY)
		sb->flags |= SB_RDONLY;
	d = d_alloc(NULL, "/", iget(sb->root));
	if (!d)
		return -ENOMEM;
	m = mnt_alloc(sb, d, source, flags);
	if (!m) {
		dput(d);
		return -ENOMEM;
	}
	list_add_tail(&m->node, &mounts);
	root_mnt = m;
	root->mnt = m;
	root->dentry = d;
	path_get(root);
	return 0;
}

/* Is m the first attached mount of its superblock? */
static bool first_of_sb(struct mount *m)
{
	struct list *pos;

	list_for_each(pos, &mounts) {
		struct mount *o = list_entry(pos, struct mount, node);
		if (o->sb == m->sb)
			return o == m;
	}
	return true;
}

int vfs_sync_all(void)
{
	struct list *pos;
	int ret = 0, flushed;

	list_for_each(pos, &mounts) {
		struct mount *m = list_entry(pos, struct mount, node);
		if (first_of_sb(m) && m->sb->op && m->sb->op->sync) {
			int err = m->sb->op->sync(m->sb);
			if (err && !ret)
				ret = err;
		}
	}
	/* As Linux's sync: block device data written outside any
	 * filesystem (dd to /dev/ubdb) too. */
	flushed = ubd_flush_all();
	return ret ? ret : flushed;
}

void vfs_shutdown(void)
{
	struct list *pos;

	if (vfs_halted)
		return;
	for (pos = mounts.prev; pos != &mounts; pos = pos->prev) {
		struct mount *m = list_entry(pos, struct mount, node);
		struct super_block *sb = m->sb;

		if (--sb->refs > 0)
			continue;
		if (sb->op && sb->op->put_super)
			sb->op->put_super(sb);
		else if (sb->op && sb->op->sync)
			sb->op->sync(sb);
	}
	vfs_halted = true;
}

/* ---- /proc/mounts --------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->pos++) {
		if (o->pos + 1 < o->len)
			o->buf[o->pos] = s[i];
	}
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Spaces and friends are octal escapes, as in Linux. */
static void put_escaped(struct out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\') {
			char e[5];

			snprintf(e, sizeof(e), "\\%03o", (unsigned char)*s);
			put(o, e, 4);
		} else {
			put(o, s, 1);
		}
	}
}

size_t vfs_mounts_text(const struct path *root, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char *name = malloc(4096);
	char opts[256];
	struct list *pos;

	if (!name)
		return 0;
	list_for_each(pos, &mounts) {
		struct mount *m = list_entry(pos, struct mount, node);
		struct path mp = { m, m->root };
		struct super_block *sb = m->sb;

		if (m->detached || vfs_path_name(root, &mp, name, 4096) < 0 ||
		    name[0] != '/')
			continue;
		put_escaped(&o, m->source);
		put_str(&o, " ");
		put_escaped(&o, name);
		put_str(&o, " ");
		put_str(&o, sb->type ? sb->type->name : "none");
		put_str(&o, (m->flags & MS_RDONLY) || (sb->flags & SB_RDONLY) ?
			    " ro" : " rw");
		if (m->flags & MS_NOSUID)
			put_str(&o, ",nosuid");
		if (m->flags & MS_NODEV)
			put_str(&o, ",nodev");
		if (m->flags & MS_NOEXEC)
			put_str(&o, ",noexec");
		if (m->flags & MS_NOATIME)
			put_str(&o, ",noatime");
		else if (!(m->flags & MS_STRICTATIME))
			put_str(&o, ",relatime");
		opts[0] = 0;
		if (sb->op && sb->op->show_options)
			sb->op->show_options(sb, opts, sizeof(opts));
		put_str(&o, opts);
		put_str(&o, " 0 0\n");
	}
	free(name);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return o.pos;
}
