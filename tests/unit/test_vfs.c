/* VFS core and tmpfs: path walk, mounts, names, permissions, files. */
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include "unit.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "lib/cred.h"

static struct path root;
static struct fs_context *fs;
static struct cred root_cred;
static struct nameidata_ctx ctx;

static struct nameidata_ctx as(const struct cred *c)
{
	return (struct nameidata_ctx){ fs, c, NULL };
}

static int lookup(const char *p, unsigned flags)
{
	struct path res;
	int err = vfs_lookup(&ctx, p, flags, &res);

	if (!err)
		path_put(&res);
	return err;
}

static uint64_t ino_of(const char *p)
{
	struct path res;
	uint64_t ino;

	if (vfs_lookup(&ctx, p, LOOKUP_FOLLOW, &res))
		return 0;
	ino = res.dentry->inode->ino;
	path_put(&res);
	return ino;
}

static struct stat stat_of(const char *p, unsigned flags)
{
	struct stat st = { 0 };
	struct path res;

	if (!vfs_lookup(&ctx, p, flags, &res)) {
		vfs_stat(&res, &st);
		path_put(&res);
	}
	return st;
}

static int put_file(const struct nameidata_ctx *c, const char *p, const char *data)
{
	struct file *f;
	int err = vfs_open(c, p, O_CREAT | O_WRONLY | O_TRUNC, 0644, &f);

	if (err)
		return err;
	if (data)
		err = file_write(f, data, strlen(data));
	file_put(f);
	return err < 0 ? err : 0;
}

static int get_file(const char *p, char *buf, size_t len)
{
	struct file *f;
	int n, err = vfs_open(&ctx, p, O_RDONLY, 0, &f);

	if (err)
		return err;
	n = file_read(f, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	file_put(f);
	return n;
}

static void test_walk(void)
{
	char name[300], *longp;
	struct path p, base;
	struct file *dir;

	CHECK_EQ(vfs_mkdir(&ctx, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/a/b", 0755), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/a/b", 0755), -EEXIST);
	CHECK_EQ(vfs_mkdir(&ctx, "/", 0755), -EEXIST);
	CHECK_EQ(vfs_mkdir(&ctx, "/nope/x", 0755), -ENOENT);
	CHECK_EQ(put_file(&ctx, "/a/b/f", "hello"), 0);
	CHECK_EQ(lookup("/a/./b/../b/f", 0), 0);
	CHECK_EQ(lookup("a//b///f", 0), 0);
	CHECK_EQ(ino_of("/a/b/../../a/b/f"), ino_of("/a/b/f"));
	CHECK_EQ(ino_of("/.."), ino_of("/"));
	CHECK_EQ(lookup("/a/b/f/", LOOKUP_FOLLOW), -ENOTDIR);
	CHECK_EQ(lookup("/a/b/f/x", 0), -ENOTDIR);
	CHECK_EQ(lookup("/a/b/f/..", 0), -ENOTDIR);
	CHECK_EQ(lookup("/a/b/g", 0), -ENOENT);
	CHECK_EQ(lookup("", 0), -ENOENT);
	CHECK_EQ(lookup("/a/b/f", LOOKUP_DIRECTORY), -ENOTDIR);
	CHECK_EQ(lookup("/a/b/", LOOKUP_DIRECTORY), 0);

	/* dirfile base and LOOKUP_EMPTY */
	CHECK_EQ(vfs_open(&ctx, "/a", O_RDONLY | O_DIRECTORY, 0, &dir), 0);
	struct nameidata_ctx dctx = { fs, &root_cred, dir };
	CHECK_EQ(vfs_lookup(&dctx, "b/f", 0, &p), 0);
	CHECK_EQ(p.dentry->inode->ino, ino_of("/a/b/f"));
	path_put(&p);
	CHECK_EQ(vfs_lookup(&dctx, "", LOOKUP_EMPTY, &base), 0);
	CHECK(base.dentry == dir->path.dentry);
	path_put(&base);
	CHECK_EQ(vfs_lookup(&dctx, "", 0, &base), -ENOENT);
	file_put(dir);
	CHECK_EQ(vfs_open(&ctx, "/a/b/f", O_RDONLY, 0, &dir), 0);
	dctx.dirfile = dir;
	CHECK_EQ(vfs_lookup(&dctx, "x", 0, &p), -ENOTDIR);
	CHECK_EQ(vfs_lookup(&dctx, "/a", 0, &p), 0);
	path_put(&p);
	file_put(dir);

	/* name and path length limits */
	memset(name, 'n', 256);
	strcpy(name + 256, "");
	char full[400];
	snprintf(full, sizeof(full), "/a/%s", name);
	CHECK_EQ(lookup(full, 0), -ENAMETOOLONG);
	CHECK_EQ(put_file(&ctx, full, NULL), -ENAMETOOLONG);
	full[3 + 255] = 0;
	CHECK_EQ(put_file(&ctx, full, NULL), 0);
	CHECK_EQ(lookup(full, 0), 0);
	CHECK_EQ(vfs_unlink(&ctx, full, 0), 0);
	longp = malloc(5000);
	for (int i = 0; i < 4999; i++)
		longp[i] = i % 2 ? '/' : '.';
	longp[4999] = 0;
	CHECK_EQ(lookup(longp, 0), -ENAMETOOLONG);
	longp[4096] = 0;	/* 4096 bytes: too long with the NUL */
	CHECK_EQ(lookup(longp, 0), -ENAMETOOLONG);
	longp[4095] = 0;
	CHECK_EQ(lookup(longp, 0), 0);
	free(longp);
}

static void test_symlinks(void)
{
	char buf[64], a[32], b[32];
	struct stat st;

	CHECK_EQ(vfs_symlink("b", &ctx, "/a/lb"), 0);
	CHECK_EQ(vfs_symlink("/a/b/f", &ctx, "/a/lf"), 0);
	CHECK_EQ(vfs_symlink("", &ctx, "/a/empty"), -ENOENT);
	CHECK_EQ(ino_of("/a/lb/f"), ino_of("/a/b/f"));
	CHECK_EQ(ino_of("/a/lf"), ino_of("/a/b/f"));
	st = stat_of("/a/lf", 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 6);
	CHECK_EQ(vfs_readlink(&ctx, "/a/lf", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "/a/b/f", 6));
	CHECK_EQ(vfs_readlink(&ctx, "/a/lf", buf, 2), 2);
	CHECK_EQ(vfs_readlink(&ctx, "/a/b/f", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(lookup("/a/lf/", LOOKUP_FOLLOW), -ENOTDIR);
	CHECK_EQ(lookup("/a/lb/", 0), 0);	/* trailing slash follows */

	/* loops and the 40-link limit */
	CHECK_EQ(vfs_symlink("loop2", &ctx, "/a/loop1"), 0);
	CHECK_EQ(vfs_symlink("loop1", &ctx, "/a/loop2"), 0);
	CHECK_EQ(lookup("/a/loop1", LOOKUP_FOLLOW), -ELOOP);
	CHECK_EQ(lookup("/a/loop1", 0), 0);
	CHECK_EQ(lookup("/a/loop1/x", 0), -ELOOP);
	CHECK_EQ(vfs_symlink("/a/b/f", &ctx, "/a/c0"), 0);
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof(a), "c%d", i - 1);
		snprintf(b, sizeof(b), "/a/c%d", i);
		CHECK_EQ(vfs_symlink(a, &ctx, b), 0);
	}
	CHECK_EQ(lookup("/a/c39", LOOKUP_FOLLOW), 0);	/* 40 links */
	CHECK_EQ(lookup("/a/c40", LOOKUP_FOLLOW), -ELOOP);	/* 41 */

	/* open and O_NOFOLLOW */
	struct file *f;
	CHECK_EQ(vfs_open(&ctx, "/a/lf", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	CHECK_EQ(vfs_open(&ctx, "/a/lf", O_PATH | O_NOFOLLOW, 0, &f), 0);
	CHECK(S_ISLNK(f->inode->mode));
	CHECK_EQ(file_read(f, buf, 1), -EBADF);
	file_put(f);
	CHECK_EQ(vfs_open(&ctx, "/a/lf", O_RDONLY, 0, &f), 0);
	CHECK_EQ(file_read(f, buf, sizeof(buf)), 5);
	file_put(f);
	CHECK_EQ(vfs_unlink(&ctx, "/a/lf", 0), 0);
	CHECK_EQ(lookup("/a/b/f", 0), 0);

	/* O_CREAT through a dangling symlink creates the target */
	CHECK_EQ(vfs_symlink("b/made", &ctx, "/a/dangling"), 0);
	CHECK_EQ(lookup("/a/dangling", LOOKUP_FOLLOW), -ENOENT);
	CHECK_EQ(vfs_open(&ctx, "/a/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644, &f),
		 -EEXIST);
	CHECK_EQ(vfs_open(&ctx, "/a/dangling", O_CREAT | O_WRONLY, 0644, &f), 0);
	file_put(f);
	CHECK(S_ISREG(stat_of("/a/b/made", 0).st_mode));
	CHECK_EQ(ino_of("/a/dangling"), ino_of("/a/b/made"));
	CHECK_EQ(vfs_open(&ctx, "/a/loop1", O_CREAT | O_WRONLY, 0644, &f), -ELOOP);
}

static void test_mounts(void)
{
	struct path p, mroot;
	struct stat st;
	struct file *f;
	char buf[1024];
	size_t n;

	CHECK_EQ(vfs_mkdir(&ctx, "/mnt", 0755), 0);
	CHECK_EQ(vfs_mount(&ctx, "none", "/mnt", "nosuchfs", 0, NULL), -ENODEV);
	CHECK_EQ(vfs_mount(&ctx, "none", "/a/b/f", "tmpfs", 0, NULL), -ENOTDIR);
	CHECK_EQ(put_file(&ctx, "/mnt/hidden", "under"), 0);
	CHECK_EQ(vfs_mount(&ctx, "none", "/mnt", "tmpfs", 0, "size=1m,mode=755"), 0);
	CHECK_EQ(lookup("/mnt/hidden", 0), -ENOENT);
	CHECK_EQ(stat_of("/mnt", LOOKUP_FOLLOW).st_mode & 07777, 0755);
	CHECK(stat_of("/mnt", 0).st_dev != stat_of("/", 0).st_dev);
	CHECK_EQ(put_file(&ctx, "/mnt/x", "on mnt"), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/sub", 0755), 0);
	/* tmpfs on tmpfs */
	CHECK_EQ(vfs_mount(&ctx, "inner", "/mnt/sub", "tmpfs", 0, NULL), 0);
	CHECK_EQ(put_file(&ctx, "/mnt/sub/y", "deep"), 0);
	CHECK_EQ(get_file("/mnt/sub/../x", buf, sizeof(buf)), 6);
	CHECK_EQ(ino_of("/mnt/sub/../.."), ino_of("/"));
	CHECK_EQ(ino_of("/mnt/sub/../../a/b/f"), ino_of("/a/b/f"));

	CHECK_EQ(vfs_lookup(&ctx, "/mnt/sub/y", 0, &p), 0);
	CHECK_EQ(vfs_path_name(&root, &p, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "/mnt/sub/y");
	CHECK_EQ(vfs_path_name(&root, &p, buf, 5), -ENAMETOOLONG);
	path_put(&p);

	n = vfs_mounts_text(&root, buf, sizeof(buf));
	CHECK_EQ(n, strlen(buf));
	CHECK(strstr(buf, "rootfs / tmpfs rw,relatime 0 0\n") != NULL);
	CHECK(strstr(buf, "none /mnt tmpfs rw,relatime,size=1024k,mode=755 0 0\n") != NULL);
	CHECK(strstr(buf, "inner /mnt/sub tmpfs rw,relatime 0 0\n") != NULL);
	CHECK(strstr(buf, "/mnt/sub") > strstr(buf, " /mnt "));
	CHECK_EQ(vfs_mounts_text(&root, buf, 10), n);
	CHECK_EQ(strlen(buf), 9);

	/* across mounts */
	CHECK_EQ(vfs_rename(&ctx, "/mnt/x", &ctx, "/a/x", 0), -EXDEV);
	CHECK_EQ(vfs_link(&ctx, "/mnt/x", &ctx, "/a/x", 0), -EXDEV);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/sub", AT_REMOVEDIR), -EBUSY);
	CHECK_EQ(vfs_rename(&ctx, "/mnt/sub", &ctx, "/mnt/sub2", 0), -EBUSY);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt", AT_REMOVEDIR), -EBUSY);

	/* a chroot-like context at /mnt: ".." stays inside */
	CHECK_EQ(vfs_lookup(&ctx, "/mnt", LOOKUP_FOLLOW, &mroot), 0);
	struct fs_context *jail = fs_context_new(&mroot);
	struct nameidata_ctx jctx = { jail, &root_cred, NULL };
	CHECK_EQ(vfs_lookup(&jctx, "/../../sub/../x", 0, &p), 0);
	CHECK_EQ(p.dentry->inode->ino, ino_of("/mnt/x"));
	CHECK_EQ(vfs_path_name(&mroot, &p, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "/x");
	path_put(&p);
	CHECK_EQ(vfs_lookup(&jctx, "/sub/y", 0, &p), 0);
	CHECK_EQ(vfs_path_name(&mroot, &p, buf, sizeof(buf)), 6);
	CHECK_STR(buf, "/sub/y");
	path_put(&p);
	CHECK_EQ(vfs_lookup(&ctx, "/a", 0, &p), 0);
	vfs_path_name(&mroot, &p, buf, sizeof(buf));
	CHECK_STR(buf, "(unreachable)/a");
	path_put(&p);
	n = vfs_mounts_text(&mroot, buf, sizeof(buf));
	CHECK(strstr(buf, "none / tmpfs") != NULL);
	CHECK(strstr(buf, "inner /sub tmpfs") != NULL);
	CHECK(strstr(buf, "rootfs") == NULL);
	fs_context_put(jail);

	/* umount: busy while used or with children */
	CHECK_EQ(vfs_umount(&ctx, "/mnt", 0), -EBUSY);	/* child, and mroot */
	CHECK_EQ(vfs_open(&ctx, "/mnt/sub/y", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_umount(&ctx, "/mnt/sub", 0), -EBUSY);
	CHECK_EQ(vfs_umount(&ctx, "/mnt/sub/y", 0), -EINVAL);
	file_put(f);
	CHECK_EQ(vfs_umount(&ctx, "/mnt/sub", 0), 0);
	CHECK_EQ(lookup("/mnt/sub/y", 0), -ENOENT);
	CHECK_EQ(lookup("/mnt/sub", 0), 0);
	CHECK_EQ(vfs_umount(&ctx, "/mnt", 0), -EBUSY);	/* mroot still held */
	path_put(&mroot);

	/* read-only remount */
	CHECK_EQ(vfs_mount(&ctx, NULL, "/mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK_EQ(put_file(&ctx, "/mnt/new", NULL), -EROFS);
	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/d", 0755), -EROFS);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/x", 0), -EROFS);
	CHECK_EQ(vfs_open(&ctx, "/mnt/x", O_WRONLY, 0, &f), -EROFS);
	CHECK_EQ(vfs_open(&ctx, "/mnt/x", O_RDONLY, 0, &f), 0);
	file_put(f);
	n = vfs_mounts_text(&root, buf, sizeof(buf));
	CHECK(strstr(buf, "none /mnt tmpfs ro,relatime") != NULL);
	CHECK_EQ(vfs_mount(&ctx, NULL, "/mnt", NULL, MS_REMOUNT, NULL), 0);
	CHECK_EQ(put_file(&ctx, "/mnt/new", NULL), 0);

	/* lazy unmount with a user, then the mountpoint is visible again */
	CHECK_EQ(vfs_open(&ctx, "/mnt/x", O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_umount(&ctx, "/mnt", MNT_DETACH), 0);
	CHECK_EQ(get_file("/mnt/hidden", buf, sizeof(buf)), 5);
	CHECK_EQ(file_read(f, buf, sizeof(buf)), 6);
	file_put(f);
	n = vfs_mounts_text(&root, buf, sizeof(buf));
	CHECK(strstr(buf, "/mnt") == NULL);
	CHECK_EQ(vfs_umount(&ctx, "/", 0), -EBUSY);

	/* bind mount shares the tree */
	CHECK_EQ(vfs_mkdir(&ctx, "/bind", 0755), 0);
	CHECK_EQ(vfs_mount(&ctx, "/a", "/bind", NULL, MS_BIND, NULL), 0);
	CHECK_EQ(ino_of("/bind/b/f"), ino_of("/a/b/f"));
	CHECK_EQ(ino_of("/bind/.."), ino_of("/"));
	CHECK_EQ(vfs_umount(&ctx, "/bind", 0), 0);
	CHECK_EQ(lookup("/bind/b", 0), -ENOENT);
	CHECK_EQ(lookup("/a/b/f", 0), 0);
	(void)st;
}

static void test_names(void)
{
	struct stat st;
	struct file *f;
	struct path p;
	char buf[64];

	CHECK_EQ(vfs_mkdir(&ctx, "/r", 0755), 0);
	CHECK_EQ(put_file(&ctx, "/r/f1", "one"), 0);
	CHECK_EQ(put_file(&ctx, "/r/f2", "two"), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/r/d1", 0755), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/r/d2", 0755), 0);
	CHECK_EQ(put_file(&ctx, "/r/d2/inside", NULL), 0);
	CHECK_EQ(stat_of("/r", 0).st_nlink, 4);

	/* rename */
	CHECK_EQ(vfs_rename(&ctx, "/r/f1", &ctx, "/r/f2", RENAME_NOREPLACE), -EEXIST);
	CHECK_EQ(vfs_rename(&ctx, "/r/f1", &ctx, "/r/f2", 0), 0);
	CHECK_EQ(lookup("/r/f1", 0), -ENOENT);
	CHECK_EQ(get_file("/r/f2", buf, sizeof(buf)), 3);
	CHECK_STR(buf, "one");
	CHECK_EQ(vfs_rename(&ctx, "/r/d1", &ctx, "/r/f2", 0), -ENOTDIR);
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/d1", 0), -EISDIR);
	CHECK_EQ(vfs_rename(&ctx, "/r/d1", &ctx, "/r/d2", 0), -ENOTEMPTY);
	CHECK_EQ(vfs_rename(&ctx, "/r", &ctx, "/r/d1/x", 0), -EINVAL);
	CHECK_EQ(vfs_rename(&ctx, "/r/d1", &ctx, "/r/d1/x", 0), -EINVAL);
	CHECK_EQ(vfs_rename(&ctx, "/r/d2/inside", &ctx, "/r/d2", 0), -EISDIR);
	CHECK_EQ(vfs_rename(&ctx, "/r/nope", &ctx, "/r/x", 0), -ENOENT);
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/f2", 0), 0);
	CHECK_EQ(vfs_rename(&ctx, "/r/.", &ctx, "/r/x", 0), -EBUSY);
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/x/", 0), -ENOTDIR);
	CHECK_EQ(vfs_rename(&ctx, "/r/d1", &ctx, "/r/d2/d1", 0), 0);
	CHECK_EQ(stat_of("/r", 0).st_nlink, 3);
	CHECK_EQ(stat_of("/r/d2", 0).st_nlink, 3);
	CHECK_EQ(ino_of("/r/d2/d1/.."), ino_of("/r/d2"));
	CHECK_EQ(vfs_rename(&ctx, "/r/d2/d1", &ctx, "/r/d3", RENAME_NOREPLACE), 0);
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/d3", RENAME_EXCHANGE), 0);
	CHECK(S_ISDIR(stat_of("/r/f2", 0).st_mode));
	CHECK(S_ISREG(stat_of("/r/d3", 0).st_mode));
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/d1", 0), 0);
	CHECK_EQ(vfs_rename(&ctx, "/r/d3", &ctx, "/r/f2", 0), 0);

	/* unlink and rmdir */
	CHECK_EQ(vfs_unlink(&ctx, "/r/d1", 0), -EISDIR);
	CHECK_EQ(vfs_unlink(&ctx, "/r/d2", AT_REMOVEDIR), -ENOTEMPTY);
	CHECK_EQ(vfs_unlink(&ctx, "/r/f2", AT_REMOVEDIR), -ENOTDIR);
	CHECK_EQ(vfs_unlink(&ctx, "/r/f2/", 0), -ENOTDIR);
	CHECK_EQ(vfs_unlink(&ctx, "/r/.", AT_REMOVEDIR), -EINVAL);
	CHECK_EQ(vfs_unlink(&ctx, "/r/..", AT_REMOVEDIR), -ENOTEMPTY);
	CHECK_EQ(vfs_unlink(&ctx, "/r/nope", 0), -ENOENT);
	CHECK_EQ(vfs_unlink(&ctx, "/r/d1", AT_REMOVEDIR), 0);
	CHECK_EQ(lookup("/r/d1", 0), -ENOENT);

	/* hard links */
	CHECK_EQ(vfs_link(&ctx, "/r/f2", &ctx, "/r/l2", 0), 0);
	CHECK_EQ(stat_of("/r/f2", 0).st_nlink, 2);
	CHECK_EQ(ino_of("/r/l2"), ino_of("/r/f2"));
	CHECK_EQ(vfs_link(&ctx, "/r/f2", &ctx, "/r/l2", 0), -EEXIST);
	CHECK_EQ(vfs_link(&ctx, "/r/d2", &ctx, "/r/ld", 0), -EPERM);
	CHECK_EQ(vfs_rename(&ctx, "/r/f2", &ctx, "/r/l2", 0), 0);	/* same inode */
	CHECK_EQ(stat_of("/r/l2", 0).st_nlink, 2);

	/* an open, unlinked file keeps its data; its name says deleted */
	CHECK_EQ(vfs_open(&ctx, "/r/l2", O_RDWR, 0, &f), 0);
	CHECK_EQ(vfs_unlink(&ctx, "/r/l2", 0), 0);
	CHECK_EQ(vfs_unlink(&ctx, "/r/f2", 0), 0);
	vfs_stat(&f->path, &st);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(file_write(f, "more", 4), 4);
	CHECK_EQ(file_pread(f, buf, sizeof(buf), 0), 4);
	CHECK(!memcmp(buf, "more", 4));
	CHECK_EQ(vfs_path_name(&root, &f->path, buf, sizeof(buf)), 15);
	CHECK_STR(buf, "/r/l2 (deleted)");
	struct nameidata_ctx fctx = { fs, &root_cred, f };
	CHECK_EQ(vfs_link(&fctx, "", &ctx, "/r/again", AT_EMPTY_PATH), -ENOENT);
	CHECK_EQ(vfs_link(&ctx, "", &ctx, "/r/again", AT_EMPTY_PATH), -EPERM);
	file_put(f);

	/* mknod and device opens */
	CHECK_EQ(vfs_mknod(&ctx, "/r/fifo", S_IFIFO | 0644, 0), 0);
	CHECK_EQ(vfs_mknod(&ctx, "/r/dev", S_IFCHR | 0644, makedev(42, 1)), 0);
	CHECK_EQ(vfs_mknod(&ctx, "/r/dir", S_IFDIR | 0644, 0), -EPERM);
	st = stat_of("/r/dev", 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(42, 1));
	CHECK_EQ(vfs_open(&ctx, "/r/dev", O_RDWR, 0, &f), -ENXIO);
	CHECK_EQ(vfs_open(&ctx, "/r/fifo", O_RDONLY, 0, &f), -ENXIO);

	/* a cwd that is removed */
	CHECK_EQ(vfs_mkdir(&ctx, "/r/cwd", 0755), 0);
	CHECK_EQ(vfs_lookup(&ctx, "/r/cwd", 0, &p), 0);
	fs_context_set_cwd(fs, &p);
	path_put(&p);
	CHECK_EQ(put_file(&ctx, "rel", "x"), 0);
	CHECK_EQ(lookup("/r/cwd/rel", 0), 0);
	CHECK_EQ(vfs_unlink(&ctx, "rel", 0), 0);
	CHECK_EQ(vfs_unlink(&ctx, "/r/cwd", AT_REMOVEDIR), 0);
	CHECK(fs->cwd.dentry->dead);
	CHECK_EQ(put_file(&ctx, "rel", "x"), -ENOENT);
	CHECK_EQ(ino_of(".."), ino_of("/r"));
	fs_context_set_cwd(fs, &root);
}

static void test_permissions(void)
{
	struct cred user = { .uid = 1000, .euid = 1000, .fsuid = 1000,
			     .gid = 1000, .egid = 1000, .fsgid = 1000 };
	struct cred other = user;
	struct nameidata_ctx u, o;
	struct file *f;
	struct path p;

	other.uid = other.euid = other.fsuid = 1001;
	other.ngroups = 1;
	other.groups[0] = 50;
	u = as(&user);
	o = as(&other);

	CHECK_EQ(vfs_mkdir(&ctx, "/p", 0755), 0);
	CHECK_EQ(put_file(&u, "/p/x", NULL), -EACCES);
	CHECK_EQ(vfs_mkdir(&u, "/p/d", 0755), -EACCES);
	CHECK_EQ(put_file(&ctx, "/p/secret", "s"), 0);
	CHECK_EQ(vfs_lookup(&ctx, "/p/secret", 0, &p), 0);
	struct iattr a = { .valid = ATTR_MODE, .mode = 0600 };
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &user, &a, false), -EPERM);
	CHECK_EQ(vfs_setattr(&p, &a), 0);
	CHECK_EQ(vfs_open(&u, "/p/secret", O_RDONLY, 0, &f), -EACCES);
	a.mode = 0640;
	a.valid = ATTR_MODE | ATTR_GID;
	a.gid = 50;
	CHECK_EQ(vfs_setattr(&p, &a), 0);
	CHECK_EQ(vfs_open(&o, "/p/secret", O_RDONLY, 0, &f), 0);	/* group */
	file_put(f);
	CHECK_EQ(vfs_open(&o, "/p/secret", O_WRONLY, 0, &f), -EACCES);
	CHECK_EQ(vfs_open(&u, "/p/secret", O_RDONLY, 0, &f), -EACCES);
	CHECK_EQ(vfs_permission(p.dentry->inode, &root_cred, MAY_READ | MAY_WRITE), 0);
	CHECK_EQ(vfs_permission(p.dentry->inode, &root_cred, MAY_EXEC), -EACCES);
	a.valid = ATTR_MODE;
	a.mode = 0744;
	CHECK_EQ(vfs_setattr(&p, &a), 0);
	CHECK_EQ(vfs_permission(p.dentry->inode, &root_cred, MAY_EXEC), 0);
	CHECK_EQ(vfs_permission(p.dentry->inode, &user, MAY_EXEC), -EACCES);
	path_put(&p);

	/* search permission on directories */
	CHECK_EQ(vfs_mkdir(&ctx, "/p/closed", 0700), 0);
	CHECK_EQ(put_file(&ctx, "/p/closed/in", NULL), 0);
	CHECK_EQ(vfs_lookup(&u, "/p/closed/in", 0, &p), -EACCES);
	CHECK_EQ(vfs_lookup(&u, "/p/closed", 0, &p), 0);
	path_put(&p);
	CHECK_EQ(vfs_lookup(&ctx, "/p/closed/in", 0, &p), 0);
	path_put(&p);

	/* a sticky world-writable directory */
	CHECK_EQ(vfs_mkdir(&ctx, "/tmp", 01777), 0);
	CHECK_EQ(put_file(&u, "/tmp/mine", "m"), 0);
	CHECK_EQ(stat_of("/tmp/mine", 0).st_uid, 1000);
	CHECK_EQ(vfs_unlink(&o, "/tmp/mine", 0), -EPERM);
	CHECK_EQ(vfs_rename(&o, "/tmp/mine", &o, "/tmp/stolen", 0), -EPERM);
	CHECK_EQ(vfs_unlink(&u, "/tmp/mine", 0), 0);

	/* set-group-ID directories pass their group on */
	CHECK_EQ(vfs_mkdir(&ctx, "/sg", 02777), 0);
	CHECK_EQ(stat_of("/sg", 0).st_mode & 07777, 0777);	/* as Linux */
	CHECK_EQ(vfs_lookup(&ctx, "/sg", 0, &p), 0);
	a.valid = ATTR_GID | ATTR_MODE;
	a.mode = 02777;
	a.gid = 77;
	CHECK_EQ(vfs_setattr(&p, &a), 0);
	path_put(&p);
	CHECK_EQ(put_file(&u, "/sg/file", NULL), 0);
	CHECK_EQ(stat_of("/sg/file", 0).st_gid, 77);
	CHECK_EQ(vfs_mkdir(&u, "/sg/sub", 0755), 0);
	CHECK_EQ(stat_of("/sg/sub", 0).st_mode & 07777, 02755);

	/* chown rules */
	CHECK_EQ(vfs_lookup(&ctx, "/sg/file", 0, &p), 0);
	a.valid = ATTR_UID;
	a.uid = 0;
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &user, &a, false), -EPERM);
	a.valid = ATTR_GID;
	a.gid = 1000;
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &user, &a, false), 0);
	a.gid = 5;
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &user, &a, false), -EPERM);
	a.valid = ATTR_MTIME | ATTR_ATIME;
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &other, &a, true), -EACCES);
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &other, &a, false), -EPERM);
	CHECK_EQ(vfs_setattr_permission(p.dentry->inode, &user, &a, false), 0);
	path_put(&p);
	CHECK_EQ(vfs_mount(&u, "none", "/tmp", "tmpfs", 0, NULL), -EPERM);
}

struct collect {
	int calls, seen_dot, seen_dotdot, files, stop_after, count;
	char seen[100];
};

static int fill(void *c, const char *name, size_t len, uint64_t ino,
		unsigned dtype, uint64_t next)
{
	struct collect *col = c;

	if (col->count == col->stop_after)
		return 1;
	col->count++;
	if (len == 1 && name[0] == '.')
		col->seen_dot++;
	else if (len == 2 && !memcmp(name, "..", 2))
		col->seen_dotdot++;
	else if (len > 4 && !memcmp(name, "file", 4) && dtype == DT_REG)
		col->seen[atoi(name + 4)]++;
	return 0;
}

static void test_getdents(void)
{
	struct collect col = { 0 };
	struct file *f;
	char name[32];
	int ok = 1;

	CHECK_EQ(vfs_mkdir(&ctx, "/ls", 0755), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "/ls/file%d", i);
		CHECK_EQ(put_file(&ctx, name, NULL), 0);
	}
	CHECK_EQ(vfs_mkdir(&ctx, "/ls/subdir", 0755), 0);
	CHECK_EQ(vfs_open(&ctx, "/ls", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	/* Seven entries per call, deleting some names between calls. */
	for (;;) {
		col.count = 0;
		col.stop_after = 7;
		CHECK_EQ(file_iterate(f, fill, &col), 0);
		if (!col.count)
			break;
		col.calls++;
		if (col.calls == 3) {
			CHECK_EQ(vfs_unlink(&ctx, "/ls/file0", 0), 0);
			CHECK_EQ(vfs_unlink(&ctx, "/ls/file99", 0), 0);
		}
	}
	CHECK_EQ(col.seen_dot, 1);
	CHECK_EQ(col.seen_dotdot, 1);
	CHECK(col.calls >= 14);
	for (int i = 1; i < 99; i++)
		ok &= col.seen[i] == 1;
	CHECK(ok);
	CHECK_EQ(col.seen[99], 0);
	CHECK_EQ(file_read(f, name, 1), -EISDIR);
	CHECK_EQ(file_llseek(f, 0, SEEK_SET), 0);
	col = (struct collect){ .stop_after = 1000 };
	CHECK_EQ(file_iterate(f, fill, &col), 0);
	CHECK_EQ(col.count, 2 + 98 + 1);
	file_put(f);
	CHECK_EQ(vfs_open(&ctx, "/ls", O_WRONLY, 0, &f), -EISDIR);
	CHECK_EQ(vfs_open(&ctx, "/ls/file1", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	CHECK_EQ(vfs_open(&ctx, "/ls/file1", O_RDONLY, 0, &f), 0);
	CHECK_EQ(file_iterate(f, fill, &col), -ENOTDIR);
	file_put(f);
}

static void test_files(void)
{
	static char big[10000];
	struct file *f;
	char buf[64];
	struct stat st;
	struct path p;

	CHECK_EQ(vfs_open(&ctx, "/data", O_CREAT | O_EXCL | O_RDWR, 0600, &f), 0);
	CHECK_EQ(f->flags & (O_CREAT | O_EXCL), 0);
	CHECK_EQ(file_write(f, "hello world", 11), 11);
	CHECK_EQ(f->pos, 11);
	CHECK_EQ(file_pwrite(f, "W", 1, 6), 1);
	CHECK_EQ(f->pos, 11);
	CHECK_EQ(file_llseek(f, 0, SEEK_SET), 0);
	CHECK_EQ(file_read(f, buf, sizeof(buf)), 11);
	CHECK(!memcmp(buf, "hello World", 11));
	CHECK_EQ(file_read(f, buf, sizeof(buf)), 0);
	CHECK_EQ(file_llseek(f, -1, SEEK_END), 10);
	CHECK_EQ(file_llseek(f, -100, SEEK_CUR), -EINVAL);
	CHECK_EQ(file_llseek(f, 0, 42), -EINVAL);
	CHECK_EQ(file_pread(f, buf, 1, (uint64_t)-1), -EINVAL);
	/* a sparse file */
	CHECK_EQ(file_pwrite(f, "Z", 1, 1ULL << 40), 1);
	vfs_stat(&f->path, &st);
	CHECK_EQ(st.st_size, (1LL << 40) + 1);
	CHECK(st.st_blocks <= 16);
	CHECK_EQ(st.st_blksize, 4096);
	memset(big, 'x', sizeof(big));
	CHECK_EQ(file_pread(f, big, sizeof(big), 5000), sizeof(big));
	int zero = 1;
	for (size_t i = 0; i < sizeof(big); i++)
		zero &= big[i] == 0;
	CHECK(zero);
	CHECK_EQ(file_pread(f, buf, 10, 1ULL << 40), 1);
	CHECK_EQ(buf[0], 'Z');
	/* truncate then extend: the tail reads as zeros */
	struct iattr a = { .valid = ATTR_SIZE, .size = 3 };
	CHECK_EQ(vfs_setattr(&f->path, &a), 0);
	a.size = 8;
	CHECK_EQ(vfs_setattr(&f->path, &a), 0);
	CHECK_EQ(file_pread(f, buf, sizeof(buf), 0), 8);
	CHECK(!memcmp(buf, "hel\0\0\0\0\0", 8));
	vfs_stat(&f->path, &st);
	CHECK_EQ(st.st_blocks, 8);
	file_put(f);
	CHECK_EQ(vfs_open(&ctx, "/data", O_CREAT | O_EXCL | O_RDWR, 0600, &f), -EEXIST);

	/* access modes and O_APPEND */
	CHECK_EQ(vfs_open(&ctx, "/data", O_WRONLY | O_APPEND, 0, &f), 0);
	CHECK_EQ(file_read(f, buf, 1), -EBADF);
	CHECK_EQ(file_pread(f, buf, 1, 0), -EBADF);
	CHECK_EQ(file_write(f, "!", 1), 1);
	CHECK_EQ(f->pos, 9);
	CHECK_EQ(file_pwrite(f, "?", 1, 0), 1);	/* appends, as Linux */
	file_put(f);
	CHECK_EQ(get_file("/data", buf, sizeof(buf)), 10);
	CHECK(!memcmp(buf + 8, "!?", 2));
	CHECK_EQ(vfs_open(&ctx, "/data", O_RDONLY, 0, &f), 0);
	CHECK_EQ(file_write(f, "x", 1), -EBADF);
	CHECK_EQ(file_poll(f, NULL) & POLLIN, POLLIN);
	file_put(f);
	CHECK_EQ(vfs_open(&ctx, "/data", O_RDWR | O_TRUNC, 0, &f), 0);
	CHECK_EQ(f->inode->size, 0);
	file_put(f);
	CHECK_EQ(vfs_open(&ctx, "/data/", O_CREAT | O_RDWR, 0644, &f), -EISDIR);
	CHECK_EQ(vfs_open(&ctx, "/", O_CREAT | O_RDWR, 0644, &f), -EISDIR);
	CHECK_EQ(vfs_open(&ctx, "/nodir/x", O_CREAT | O_RDWR, 0644, &f), -ENOENT);
	CHECK_EQ(vfs_open(&ctx, "/t", O_TMPFILE | O_RDWR, 0644, &f), -EOPNOTSUPP);

	/* setattr times and modes */
	CHECK_EQ(vfs_lookup(&ctx, "/data", 0, &p), 0);
	a = (struct iattr){ .valid = ATTR_MTIME | ATTR_ATIME | ATTR_MODE,
			    .mode = 04755 | S_IFDIR };
	a.atime.tv_sec = 1000;
	a.mtime.tv_sec = 2000;
	CHECK_EQ(vfs_setattr(&p, &a), 0);
	vfs_stat(&p, &st);
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mode, S_IFREG | 04755);
	/* relatime: a read after the atime-older-than-mtime setting touches it */
	CHECK_EQ(vfs_open(&ctx, "/data", O_RDWR, 0, &f), 0);
	CHECK_EQ(file_write(f, "abc", 3), 3);
	vfs_stat(&p, &st);
	CHECK(st.st_mtim.tv_sec > 2000);
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(file_pread(f, buf, 3, 0), 3);
	vfs_stat(&p, &st);
	CHECK(st.st_atim.tv_sec > 2000);
	file_put(f);
	a = (struct iattr){ .valid = ATTR_UID, .uid = 5 };
	CHECK_EQ(vfs_setattr(&p, &a), 0);	/* chown strips set-user-ID */
	vfs_stat(&p, &st);
	CHECK_EQ(st.st_mode, S_IFREG | 0755);
	CHECK_EQ(st.st_uid, 5);
	path_put(&p);
	CHECK_EQ(vfs_lookup(&ctx, "/ls", 0, &p), 0);
	a = (struct iattr){ .valid = ATTR_SIZE };
	CHECK_EQ(vfs_setattr(&p, &a), -EISDIR);
	path_put(&p);
}

static void test_fdtable(void)
{
	struct fdtable *t = fdtable_new(), *t2;
	struct file *f;

	CHECK_EQ(vfs_open(&ctx, "/a/b/f", O_RDONLY, 0, &f), 0);
	CHECK_EQ(fd_install(t, f, 0, false, 1024), 0);
	CHECK_EQ(fd_install(t, file_get(f), 0, true, 1024), 1);
	CHECK_EQ(fd_install(t, file_get(f), 100, false, 1024), 100);
	CHECK(fd_get(t, 100) == f);
	CHECK(fd_get(t, 99) == NULL);
	CHECK(fd_get(t, -1) == NULL);
	CHECK_EQ(fd_install(t, f, 2, false, 2), -EMFILE);
	CHECK_EQ(fd_close(t, 0), 0);
	CHECK_EQ(fd_close(t, 0), -EBADF);
	CHECK_EQ(fd_replace(t, 5000, file_get(f), false), 0);
	CHECK(fd_get(t, 5000) == f);
	CHECK_EQ(f->refs, 3);
	t2 = fdtable_dup(t);
	CHECK(fd_get(t2, 1) == f);
	CHECK_EQ(f->refs, 6);
	fdtable_close_on_exec(t2);
	CHECK(fd_get(t2, 1) == NULL);
	CHECK(fd_get(t2, 100) == f);
	fdtable_put(t2);
	fdtable_put(t);
}

static void test_dcache_pressure(void)
{
	char name[32];
	int ok = 1;

	CHECK_EQ(vfs_mkdir(&ctx, "/many", 0755), 0);
	for (int i = 0; i < 10000 && ok; i++) {
		snprintf(name, sizeof(name), "/many/%d", i);
		ok &= put_file(&ctx, name, "x") == 0;
	}
	CHECK(ok);
	d_shrink(0);
	for (int i = 0; i < 10000 && ok; i += 7) {
		snprintf(name, sizeof(name), "/many/%d", i);
		ok &= lookup(name, 0) == 0;
	}
	CHECK(ok);
	CHECK_EQ(lookup("/many/10000", 0), -ENOENT);
	CHECK_EQ(vfs_unlink(&ctx, "/many/5", 0), 0);
	d_shrink(0);
	CHECK_EQ(lookup("/many/5", 0), -ENOENT);
}

static void test_statfs(void)
{
	struct kstatfs sfs;
	struct path p;

	CHECK_EQ(vfs_lookup(&ctx, "/", 0, &p), 0);
	CHECK_EQ(p.mnt->sb->op->statfs(p.mnt->sb, &sfs), 0);
	CHECK_EQ(sfs.f_type, 0x01021994);
	CHECK_EQ(sfs.f_bsize, 4096);
	CHECK(sfs.f_bfree < sfs.f_blocks);
	path_put(&p);
}

int main(void)
{
	vfs_init();
	tmpfs_init();
	/* tmpfs defaults to half the guest's memory: room for the dcache
	 * test's 10,000 one-page files */
	mm_set_limit(1ULL << 30);
	CHECK(find_filesystem("tmpfs") != NULL);
	CHECK_EQ(vfs_mount_root("tmpfs", 0, "rootfs", 0, NULL, &root), 0);
	fs = fs_context_new(&root);
	ctx = as(&root_cred);
	CHECK_EQ(register_chrdev(1, &vfs_path_fops), 0);
	CHECK_EQ(register_chrdev(1, (const struct file_ops *)&ctx), -EBUSY);
	CHECK(chrdev_fops(makedev(1, 3)) == &vfs_path_fops);

	test_walk();
	test_symlinks();
	test_mounts();
	test_names();
	test_permissions();
	test_getdents();
	test_files();
	test_fdtable();
	test_dcache_pressure();
	test_statfs();

	CHECK_EQ(vfs_sync_all(), 0);
	fs_context_put(fs);
	path_put(&root);
	vfs_shutdown();
	return unit_done();
}
