/* File descriptor tables (CLONE_FILES) and filesystem contexts (CLONE_FS). */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "fs/vfs.h"
#include "fs/lock.h"

/* Closing any descriptor of an inode drops the table's POSIX locks on
 * it (the table is the lock owner, as files_struct is on Linux). */
static void fd_release(struct fdtable *t, struct file *f)
{
	if (f)
		lock_release_posix(f->inode, t);
	file_put(f);
}

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));

	if (t)
		t->refs = 1;
	return t;
}

static int grow(struct fdtable *t, int need)
{
	int size = t->size ? t->size : 64;
	struct file **fd;
	unsigned char *cl;

	if (need <= t->size)
		return 0;
	while (size < need)
		size *= 2;
	fd = realloc(t->fd, size * sizeof(*fd));
	if (!fd)
		return -ENOMEM;
	t->fd = fd;
	cl = realloc(t->cloexec, size);
	if (!cl)
		return -ENOMEM;
	t->cloexec = cl;
	memset(t->fd + t->size, 0, (size - t->size) * sizeof(*fd));
	memset(t->cloexec + t->size, 0, size - t->size);
	t->size = size;
	return 0;
}

struct fdtable *fdtable_dup(struct fdtable *t)
{
	struct fdtable *n = fdtable_new();

	if (!n)
		return NULL;
	if (grow(n, t->size)) {
		fdtable_put(n);
		return NULL;
	}
	for (int i = 0; i < t->size; i++) {
		n->fd[i] = file_get(t->fd[i]);
		n->cloexec[i] = t->cloexec[i];
	}
	return n;
}

void fdtable_put(struct fdtable *t)
{
	if (!t || --t->refs > 0)
		return;
	for (int i = 0; i < t->size; i++) {
		struct file *f = t->fd[i];

		t->fd[i] = NULL;
		fd_release(t, f);
	}
	free(t->fd);
	free(t->cloexec);
	free(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int i = 0; i < t->size; i++) {
		if (t->fd[i] && t->cloexec[i])
			fd_close(t, i);
	}
}

int fd_install(struct fdtable *t, struct file *f, int minfd, bool cloexec, int limit)
{
	if (minfd < 0)
		return -EINVAL;
	for (int fd = minfd; fd < limit; fd++) {
		if (fd >= t->size && grow(t, fd + 1))
			return -ENOMEM;
		if (!t->fd[fd]) {
			t->fd[fd] = f;
			t->cloexec[fd] = cloexec;
			return fd;
		}
	}
	return -EMFILE;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	if (!t || fd < 0 || fd >= t->size)
		return NULL;
	return t->fd[fd];
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = fd_get(t, fd);

	if (!f)
		return -EBADF;
	t->fd[fd] = NULL;
	t->cloexec[fd] = 0;
	fd_release(t, f);
	return 0;
}

int fd_replace(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	struct file *old;

	if (fd < 0)
		return -EBADF;
	if (fd >= t->size && grow(t, fd + 1))
		return -ENOMEM;
	old = t->fd[fd];
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	fd_release(t, old);
	return 0;
}

/* ---- fs_context ------------------------------------------------------- */

struct fs_context *fs_context_new(const struct path *root)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root = *root;
	fs->cwd = *root;
	path_get(&fs->root);
	path_get(&fs->cwd);
	fs->umask = 022;
	return fs;
}

struct fs_context *fs_context_dup(struct fs_context *fs)
{
	struct fs_context *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	*n = *fs;
	n->refs = 1;
	path_get(&n->root);
	path_get(&n->cwd);
	return n;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	free(fs);
}

static void set_path(struct path *dst, const struct path *p)
{
	struct path n = *p;

	path_get(&n);
	path_put(dst);
	*dst = n;
}

void fs_context_set_cwd(struct fs_context *fs, const struct path *p)
{
	set_path(&fs->cwd, p);
}

void fs_context_set_root(struct fs_context *fs, const struct path *p)
{
	set_path(&fs->root, p);
}
