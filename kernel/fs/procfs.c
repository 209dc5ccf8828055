/* procfs: the "proc" filesystem. Names are worked out on every lookup
 * (the superblock has dcache_off), inodes are named by number only (see
 * procfs_internal.h) and the contents of a file are made when it is
 * opened, so a reader sees one consistent snapshot. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include "fs/procfs.h"
#include "fs/procfs_internal.h"
#include "task/task.h"
#include "lib/ktime.h"

static const struct inode_ops proc_iops;
static const struct file_ops proc_file_fops;

/* A decoded inode number. */
struct proc_ref {
	int index;			/* global entry, or -1 */
	int id;				/* pid or tid */
	bool thread;
	int kind;
	int fd;
};

/* Files registered by other subsystems: global entries numbered after the
 * fixed table, all in the /proc root. */
#define PROC_EXTRA_MAX 8
static const struct procfs_file *extra_files[PROC_EXTRA_MAX];
static struct proc_entry extra_entries[PROC_EXTRA_MAX];
static int extra_count;

static int global_count(void)
{
	return proc_global_count + extra_count;
}

static const struct proc_entry *global_entry(int index)
{
	if (index < proc_global_count)
		return &proc_global[index];
	return &extra_entries[index - proc_global_count];
}

int procfs_register_file(const struct procfs_file *file)
{
	if (!file->write || !*file->name || strchr(file->name, '/'))
		return -EINVAL;
	for (int i = 1; i < global_count(); i++) {
		if (global_entry(i)->parent == 0 && !strcmp(global_entry(i)->name, file->name))
			return -EEXIST;
	}
	if (extra_count == PROC_EXTRA_MAX)
		return -ENOSPC;
	extra_files[extra_count] = file;
	extra_entries[extra_count] = (struct proc_entry){
		.name = file->name, .mode = S_IFREG | (file->mode & 07777),
	};
	extra_count++;
	return 0;
}

static uint64_t global_ino(int index)
{
	return (uint64_t)index + 1;
}

static uint64_t pid_ino(int id, bool thread, int kind, int fd)
{
	return (uint64_t)id << PROC_ID_SHIFT | (thread ? PROC_THREAD_BIT : 0) |
	       (uint64_t)kind << PROC_KIND_SHIFT | ((uint64_t)fd & PROC_FD_MASK);
}

static struct proc_ref decode(uint64_t ino)
{
	struct proc_ref r = { .index = -1 };

	if (ino >> PROC_ID_SHIFT == 0) {
		r.index = (int)ino - 1;
		return r;
	}
	r.id = ino >> PROC_ID_SHIFT;
	r.thread = ino & PROC_THREAD_BIT;
	r.kind = (ino >> PROC_KIND_SHIFT) & PROC_KIND_MASK;
	r.fd = ino & PROC_FD_MASK;
	return r;
}

static unsigned dtype(mode_t mode)
{
	return (mode >> 12) & 15;
}

/* The process (and thread) a per-process reference is about; -ENOENT
 * once it is gone. */
static int resolve(const struct proc_ref *r, struct proc_target *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->fd = r->fd;
	pt->thread_view = r->thread;
	if (r->thread) {
		struct task *t = task_by_tid(r->id);

		if (!t || !t->proc || t->proc->reaped)
			return -ENOENT;
		pt->p = t->proc;
		pt->t = t;
		return 0;
	}
	pt->p = process_by_pid(r->id);
	if (!pt->p || pt->p->reaped)
		return -ENOENT;
	pt->t = proc_live_thread(pt->p);
	return 0;
}

/* The table entry of a per-process kind, NULL for the special kinds. */
static const struct proc_entry *pid_entry(int kind)
{
	return kind > 0 && kind < proc_pid_count ? &proc_pid_entries[kind] : NULL;
}

static mode_t ref_mode(const struct proc_ref *r)
{
	if (r->index >= 0)
		return global_entry(r->index)->mode;
	switch (r->kind) {
	case PK_DIR:
		return S_IFDIR | 0555;
	case PK_FD_LINK:
		return S_IFLNK | 0700;
	case PK_FDINFO_FILE:
		return S_IFREG | 0444;
	}
	return pid_entry(r->kind)->mode;
}

/* The inode for number ino, cached or new; ownership follows the
 * process's effective ids, which may change between lookups. */
static struct inode *proc_inode(struct super_block *sb, uint64_t ino,
				const struct process *owner)
{
	struct inode *i = iget_cached(sb, ino);

	if (!i) {
		struct proc_ref r = decode(ino);
		struct timespec now = ktime_real();

		i = inode_new(sb, ino);
		if (!i)
			return NULL;
		i->mode = ref_mode(&r);
		i->op = &proc_iops;
		i->nlink = S_ISDIR(i->mode) ? 2 : 1;
		i->atime = i->mtime = i->ctime = now;
		if (S_ISREG(i->mode))
			i->fop = &proc_file_fops;
	}
	if (owner) {
		i->uid = owner->cred.euid;
		i->gid = owner->cred.egid;
	}
	return i;
}

/* ---- lookup ----------------------------------------------------------- */

static int parse_number(const char *name)
{
	long n = 0;

	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (const char *s = name; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return (int)n;
}

static int lookup_global(struct inode *dir, int index, const char *name,
			 struct inode **res)
{
	for (int i = 1; i < global_count(); i++) {
		if (global_entry(i)->parent == index && !strcmp(global_entry(i)->name, name)) {
			*res = proc_inode(dir->sb, global_ino(i), NULL);
			return *res ? 0 : -ENOMEM;
		}
	}
	if (index == 0) {
		int id = parse_number(name);
		struct process *p;
		struct task *t;

		if (id <= 0)
			return -ENOENT;
		p = process_by_pid(id);
		if (p && !p->reaped) {
			*res = proc_inode(dir->sb, pid_ino(id, false, PK_DIR, 0), p);
			return *res ? 0 : -ENOMEM;
		}
		/* Threads other than the leader are there but not listed. */
		t = task_by_tid(id);
		if (t && t->proc && !t->proc->reaped) {
			*res = proc_inode(dir->sb, pid_ino(id, true, PK_DIR, 0), t->proc);
			return *res ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static bool has_fd(struct process *p, int fd)
{
	return p->files && fd >= 0 && fd_get(p->files, fd);
}

static int proc_lookup(struct inode *dir, const char *name, struct inode **res)
{
	struct proc_ref r = decode(dir->ino);
	const struct proc_entry *e;
	struct proc_target pt;
	int err, n;

	if (r.index >= 0)
		return lookup_global(dir, r.index, name, res);
	err = resolve(&r, &pt);
	if (err)
		return err;
	if (r.kind == PK_DIR) {
		for (int k = 1; k < proc_pid_count; k++) {
			e = &proc_pid_entries[k];
			if (strcmp(e->name, name) || (r.thread && e->not_in_thread))
				continue;
			*res = proc_inode(dir->sb, pid_ino(r.id, r.thread, k, 0), pt.p);
			return *res ? 0 : -ENOMEM;
		}
		return -ENOENT;
	}
	e = pid_entry(r.kind);
	n = parse_number(name);
	if (!e || n < 0)
		return -ENOENT;
	if (!strcmp(e->name, "fd") || !strcmp(e->name, "fdinfo")) {
		bool link = !e->name[2];
		struct file *f;

		if (!has_fd(pt.p, n) || (uint64_t)n > PROC_FD_MASK)
			return -ENOENT;
		*res = proc_inode(dir->sb, pid_ino(r.id, r.thread,
				  link ? PK_FD_LINK : PK_FDINFO_FILE, n), pt.p);
		if (!*res)
			return -ENOMEM;
		/* The link's permissions show the file's access mode. */
		f = fd_get(pt.p->files, n);
		if (link && !(f->flags & O_PATH)) {
			int acc = f->flags & O_ACCMODE;

			(*res)->mode = S_IFLNK |
				(acc != O_WRONLY ? 0500 : 0) | (acc != O_RDONLY ? 0300 : 0);
		}
		return 0;
	}
	if (!strcmp(e->name, "task")) {
		struct task *t = task_by_tid(n);

		if (!t || t->proc != pt.p)
			return -ENOENT;
		*res = proc_inode(dir->sb, pid_ino(n, true, PK_DIR, 0), pt.p);
		return *res ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

/* ---- directory listing -------------------------------------------------- */

#define POS_DYNAMIC 0x1000	/* positions of numbered entries: base + n */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

struct id_list {
	int *ids;
	int n, cap;
};

static void id_add(struct id_list *l, int id)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		int *ids = realloc(l->ids, cap * sizeof(int));

		if (!ids)
			return;
		l->ids = ids;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
}

static int add_pid(struct process *p, void *arg)
{
	if (!p->reaped)
		id_add(arg, p->pid);
	return 0;
}

/* Numbered entries in increasing order from *pos on. */
static int emit_ids(struct id_list *l, uint64_t *pos, filldir_t fill, void *ctx,
		    uint64_t (*ino_of)(int id, void *arg), void *arg, unsigned type)
{
	char name[16];

	qsort(l->ids, l->n, sizeof(int), cmp_int);
	for (int i = 0; i < l->n; i++) {
		uint64_t p = POS_DYNAMIC + (uint64_t)l->ids[i];
		int len;

		if (p < *pos)
			continue;
		len = snprintf(name, sizeof(name), "%d", l->ids[i]);
		if (fill(ctx, name, len, ino_of(l->ids[i], arg), type, p + 1))
			break;
		*pos = p + 1;
	}
	free(l->ids);
	return 0;
}

static int emit_dots(struct inode *dir, uint64_t parent_ino, uint64_t *pos,
		     filldir_t fill, void *ctx)
{
	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 1;
		*pos = 1;
	}
	if (*pos == 1) {
		if (fill(ctx, "..", 2, parent_ino, DT_DIR, 2))
			return 1;
		*pos = 2;
	}
	return 0;
}

static uint64_t pid_dir_ino(int id, void *arg)
{
	return pid_ino(id, arg != NULL, PK_DIR, 0);
}

struct fd_ino_arg {
	int id;
	bool thread;
	int kind;
};

static uint64_t fd_ino(int fd, void *arg)
{
	struct fd_ino_arg *a = arg;

	return pid_ino(a->id, a->thread, a->kind, fd);
}

static int iterate_global(struct inode *dir, int index, uint64_t *pos,
			  filldir_t fill, void *ctx)
{
	int parent = global_entry(index)->parent;

	if (emit_dots(dir, global_ino(index ? parent : 0), pos, fill, ctx))
		return 0;
	for (int i = 1; i < global_count() && *pos < POS_DYNAMIC; i++) {
		const struct proc_entry *e = global_entry(i);

		if (e->parent != index || (uint64_t)i + 2 < *pos)
			continue;
		if (fill(ctx, e->name, strlen(e->name), global_ino(i), dtype(e->mode), i + 3))
			return 0;
		*pos = i + 3;
	}
	if (index == 0) {
		struct id_list l = { 0 };

		if (*pos < POS_DYNAMIC)
			*pos = POS_DYNAMIC;
		for_each_process(add_pid, &l);
		return emit_ids(&l, pos, fill, ctx, pid_dir_ino, NULL, DT_DIR);
	}
	return 0;
}

static int proc_iterate(struct inode *dir, uint64_t *pos, filldir_t fill, void *ctx)
{
	struct proc_ref r = decode(dir->ino);
	const struct proc_entry *e;
	struct proc_target pt;
	struct id_list l = { 0 };
	int err;

	if (r.index >= 0)
		return iterate_global(dir, r.index, pos, fill, ctx);
	err = resolve(&r, &pt);
	if (err)
		return err;
	if (r.kind == PK_DIR) {
		if (emit_dots(dir, global_ino(0), pos, fill, ctx))
			return 0;
		for (int k = 1; k < proc_pid_count; k++) {
			e = &proc_pid_entries[k];
			if ((uint64_t)k + 2 < *pos || (r.thread && e->not_in_thread))
				continue;
			if (fill(ctx, e->name, strlen(e->name),
				 pid_ino(r.id, r.thread, k, 0), dtype(e->mode), k + 3))
				return 0;
			*pos = k + 3;
		}
		return 0;
	}
	e = pid_entry(r.kind);
	if (!e || !S_ISDIR(e->mode))
		return -ENOTDIR;
	if (emit_dots(dir, pid_ino(r.id, r.thread, PK_DIR, 0), pos, fill, ctx))
		return 0;
	if (*pos < POS_DYNAMIC)
		*pos = POS_DYNAMIC;
	if (!strcmp(e->name, "task")) {
		struct list *p;

		list_for_each(p, &pt.p->threads) {
			struct task *t = list_entry(p, struct task, thread_node);
			if (t->state != TASK_DEAD)
				id_add(&l, t->tid);
		}
		return emit_ids(&l, pos, fill, ctx, pid_dir_ino, (void *)1, DT_DIR);
	}
	/* fd and fdinfo */
	struct fd_ino_arg a = { r.id, r.thread, e->name[2] ? PK_FDINFO_FILE : PK_FD_LINK };
	for (int fd = 0; pt.p->files && fd < pt.p->files->size; fd++) {
		if (pt.p->files->fd[fd])
			id_add(&l, fd);
	}
	return emit_ids(&l, pos, fill, ctx, fd_ino, &a,
			a.kind == PK_FD_LINK ? DT_LNK : DT_REG);
}

/* ---- symlinks ----------------------------------------------------------- */

static const struct proc_entry *link_entry(struct inode *ino, struct proc_target *pt,
					   int *err)
{
	struct proc_ref r = decode(ino->ino);
	static const struct proc_entry fd_entry = {
		.name = "fd", .link = proc_fd_link, .get_path = proc_fd_get_path,
	};

	memset(pt, 0, sizeof(*pt));
	*err = 0;
	if (r.index >= 0)
		return global_entry(r.index);
	*err = resolve(&r, pt);
	if (*err)
		return NULL;
	if (r.kind == PK_FD_LINK)
		return &fd_entry;
	return pid_entry(r.kind);
}

static int proc_readlink(struct inode *ino, char *buf, size_t size)
{
	struct proc_target pt;
	const struct proc_entry *e;
	char *tmp;
	int err, n;

	e = link_entry(ino, &pt, &err);
	if (!e)
		return err ? err : -EINVAL;
	if (!e->link)
		return -EINVAL;
	tmp = malloc(4096);
	if (!tmp)
		return -ENOMEM;
	n = e->link(&pt, tmp, 4096);
	if (n >= 0) {
		if ((size_t)n > size)
			n = size;
		memcpy(buf, tmp, n);
	}
	free(tmp);
	return n;
}

static int proc_get_link(struct inode *ino, struct path *res)
{
	struct proc_target pt;
	const struct proc_entry *e;
	int err;

	e = link_entry(ino, &pt, &err);
	if (!e)
		return err ? err : -EINVAL;
	if (!e->get_path)
		return -ENOSYS;
	return e->get_path(&pt, res);
}

/* Truncation on open (echo > /proc/sys/...) changes nothing. */
static int proc_setattr(struct inode *ino, const struct iattr *a)
{
	if (a->valid & (ATTR_MODE | ATTR_UID | ATTR_GID))
		return -EPERM;
	return 0;
}

static const struct inode_ops proc_iops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.setattr = proc_setattr,
	.iterate = proc_iterate,
	.get_link = proc_get_link,
};

/* ---- files ---------------------------------------------------------------- */

struct proc_file {
	struct pbuf text;
	const struct proc_entry *e;
	struct proc_ref ref;
};

static int proc_file_open(struct inode *ino, struct file *f)
{
	struct proc_file *pf = calloc(1, sizeof(*pf));
	struct proc_target pt = { 0 };
	int err = 0;

	if (!pf)
		return -ENOMEM;
	pf->ref = decode(ino->ino);
	if (pf->ref.index >= 0) {
		pf->e = global_entry(pf->ref.index);
	} else {
		err = resolve(&pf->ref, &pt);
		if (!err)
			pf->e = pid_entry(pf->ref.kind);
	}
	if (!err) {
		if (pf->ref.index < 0 && pf->ref.kind == PK_FDINFO_FILE)
			err = proc_fdinfo_show(&pf->text, &pt);
		else if (pf->e && pf->e->show)
			err = pf->e->show(&pf->text, &pt);
		else if (!pf->e)
			err = -ENOENT;
	}
	if (!err && pf->text.oom)
		err = -ENOMEM;
	if (err) {
		pb_free(&pf->text);
		free(pf);
		return err;
	}
	f->priv = pf;
	return 0;
}

static ssize_t proc_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct proc_file *pf = f->priv;

	/* No show method (a registered file): EIO, as Linux proc files without
	 * a read method. */
	if (pf->e && !pf->e->show)
		return -EIO;
	if (*pos >= pf->text.len)
		return 0;
	if (len > pf->text.len - *pos)
		len = pf->text.len - *pos;
	memcpy(buf, pf->text.data + *pos, len);
	*pos += len;
	return len;
}

static ssize_t proc_file_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct proc_file *pf = f->priv;
	struct proc_target pt = { 0 };
	ssize_t n;

	if (pf->ref.index >= proc_global_count)
		n = extra_files[pf->ref.index - proc_global_count]->write(buf, len);
	else if (!pf->e || !pf->e->write)
		return -EINVAL;
	else if (pf->ref.index < 0 && resolve(&pf->ref, &pt))
		return -ESRCH;
	else
		n = pf->e->write(&pt, buf, len);
	if (n > 0)
		*pos += n;
	return n;
}

static int64_t proc_file_llseek(struct file *f, int64_t off, int whence)
{
	struct proc_file *pf = f->priv;

	return llseek_in_size(f, off, whence, pf->text.len);
}

static void proc_file_release(struct file *f)
{
	struct proc_file *pf = f->priv;

	if (pf) {
		pb_free(&pf->text);
		free(pf);
	}
}

static const struct file_ops proc_file_fops = {
	.open = proc_file_open,
	.read = proc_file_read,
	.write = proc_file_write,
	.llseek = proc_file_llseek,
	.release = proc_file_release,
};

/* ---- superblock ------------------------------------------------------------ */

static int proc_statfs(struct super_block *sb, struct kstatfs *st)
{
	statfs_virtual(sb, st, PROC_SUPER_MAGIC);
	return 0;
}

static int proc_sync(struct super_block *sb)
{
	return 0;
}

static void proc_put_super(struct super_block *sb)
{
	iput(sb->root);
	free(sb);
}

static const struct super_ops proc_sops = {
	.statfs = proc_statfs,
	.sync = proc_sync,
	.put_super = proc_put_super,
};

static int proc_mount(const struct fs_type *type, dev_t dev, const char *source,
		      unsigned long flags, const char *data, struct super_block **res)
{
	struct super_block *sb = calloc(1, sizeof(*sb));

	if (!sb)
		return -ENOMEM;
	sb->type = type;
	sb->op = &proc_sops;
	sb->dev = new_anon_dev();
	sb->flags = flags & SB_RDONLY;
	sb->dcache_off = true;
	sb->root = proc_inode(sb, global_ino(0), NULL);
	if (!sb->root) {
		free(sb);
		return -ENOMEM;
	}
	*res = sb;
	return 0;
}

static struct fs_type proc_type = {
	.name = "proc",
	.mount = proc_mount,
};

int procfs_init(void)
{
	register_filesystem(&proc_type);
	return 0;
}
