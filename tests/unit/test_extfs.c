/* ext4 through libext2fs on a ubd unit, driven through the fs_type and
 * inode_ops directly (no path walk): every kind of change, then
 * e2fsck -fn must find the image clean. Bad images must not mount. */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "unit.h"
#include "ext_stubs.h"
#include "block/ubd.h"
#include "fs/vfs.h"

int extfs_init(void);

static char dir[] = "/tmp/exttestXXXXXX";

static char *path(const char *name)
{
	return unit_path(dir, name);
}

static int run(const char *fmt, const char *arg)
{
	char cmd[600];
	int st;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *mkfs_opts = "";

static int mkfs(const char *img)
{
	char fmt[200];

	snprintf(fmt, sizeof(fmt), "mke2fs -q -t ext4 %s -F %%s 32M >/dev/null 2>&1",
		 mkfs_opts);
	return run(fmt, img);
}

static int fsck(const char *img)
{
	return run("e2fsck -fn %s >&2", img);
}

static struct inode *look(struct inode *dir, const char *name)
{
	struct inode *res = NULL;

	if (dir->op->lookup(dir, name, &res) < 0)
		return NULL;
	return res;
}

struct names {
	char list[400][64];
	uint64_t ino[400];
	unsigned dtype[400];
	int n;
	int stop_after;		/* stop when n reaches it (0 = never) */
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino,
		   unsigned dtype, uint64_t next)
{
	struct names *nm = ctx;

	if (nm->stop_after && nm->n >= nm->stop_after)
		return 1;
	if (nm->n < 400) {
		snprintf(nm->list[nm->n], 64, "%.*s", (int)len, name);
		nm->ino[nm->n] = ino;
		nm->dtype[nm->n] = dtype;
	}
	nm->n++;
	return 0;
}

static int find(struct names *nm, const char *name)
{
	for (int i = 0; i < nm->n && i < 400; i++)
		if (!strcmp(nm->list[i], name))
			return i;
	return -1;
}

static struct super_block *mount_ext4(const char *type, unsigned long flags, int *ret)
{
	const struct fs_type *t = find_filesystem(type);
	struct super_block *sb = NULL;

	*ret = t ? t->mount(t, ubd_devt(0), "/dev/ubda", flags, NULL, &sb) : -ENODEV;
	return *ret == 0 ? sb : NULL;
}

static void test_main(void)
{
	char err[256];
	struct super_block *sb;
	struct inode *root, *d, *f, *ln, *x, *d2;
	struct kstatfs st;
	int ret;

	CHECK_EQ(mkfs(path("a.img")), 0);
	CHECK_EQ(ubd_configure(0, path("a.img"), NULL, 0, err, sizeof(err)), 0);

	/* ext2 and ext3 refuse an ext4 image, as Linux does. */
	CHECK(!mount_ext4("ext2", 0, &ret));
	CHECK_EQ(ret, -EINVAL);
	CHECK(!mount_ext4("ext3", 0, &ret));
	sb = mount_ext4("ext4", 0, &ret);
	CHECK_EQ(ret, 0);
	if (!sb)
		return;
	root = sb->root;
	CHECK(S_ISDIR(root->mode));
	CHECK_EQ(root->ino, 2);
	CHECK_EQ(sb->dev, makedev(98, 0));
	CHECK_EQ(sb->op->statfs(sb, &st), 0);
	CHECK_EQ(st.f_type, 0xEF53);
	/* mke2fs picks 1 KiB blocks for a "small" 32 MiB filesystem. */
	uint64_t bs = st.f_bsize, total = (32u << 20) / bs;
	CHECK(bs == 1024 || bs == 4096);
	CHECK(st.f_blocks < total && st.f_blocks > total * 3 / 4);
	CHECK(st.f_bfree <= st.f_blocks && st.f_bavail < st.f_bfree);
	uint64_t ffree0 = st.f_ffree;
	nlink_t root_links = root->nlink;

	/* mkdir */
	CHECK_EQ(root->op->mkdir(root, "dir", 0750, 1000, 100, &d), 0);
	CHECK(S_ISDIR(d->mode) && (d->mode & 07777) == 0750);
	CHECK_EQ(d->uid, 1000);
	CHECK_EQ(d->gid, 100);
	CHECK_EQ(d->nlink, 2);
	CHECK_EQ(root->nlink, root_links + 1);
	CHECK_EQ(root->op->mkdir(root, "dir", 0750, 0, 0, &x), -EEXIST);

	/* a regular file with 1 MiB of data */
	CHECK_EQ(d->op->create(d, "file", S_IFREG | 0644, 0, 0, 0, &f), 0);
	CHECK(S_ISREG(f->mode));
	CHECK_EQ(f->size, 0);
	size_t big = 1 << 20;
	uint8_t *data = malloc(big), *back = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 12));
	CHECK_EQ(f->op->write(f, data, 100000, 0), 100000);
	CHECK_EQ(f->op->write(f, data + 100000, big - 100000, 100000), (long long)(big - 100000));
	CHECK_EQ(f->size, big);
	CHECK(f->blocks >= big / 512);
	memset(back, 0, big);
	CHECK_EQ(f->op->read(f, back, big, 0), (long long)big);
	CHECK(!memcmp(data, back, big));
	CHECK_EQ(f->op->read(f, back, 10, big), 0);
	CHECK_EQ(f->op->read(f, back, 100, big - 40), 40);
	CHECK(!memcmp(back, data + big - 40, 40));

	/* symlinks, fast and slow */
	CHECK_EQ(root->op->symlink(root, "link", "dir/file", 0, 0, &ln), 0);
	CHECK(S_ISLNK(ln->mode));
	CHECK_EQ(ln->size, 8);
	char buf[300];
	CHECK_EQ(ln->op->readlink(ln, buf, sizeof(buf)), 8);
	CHECK(!memcmp(buf, "dir/file", 8));
	iput(ln);
	char longt[201];
	memset(longt, 'x', 200);
	longt[200] = 0;
	CHECK_EQ(root->op->symlink(root, "longlink", longt, 0, 0, &ln), 0);
	CHECK_EQ(ln->op->readlink(ln, buf, sizeof(buf)), 200);
	CHECK(!memcmp(buf, longt, 200));
	iput(ln);

	/* hard link */
	CHECK_EQ(root->op->link(root, "hard", f), 0);
	CHECK_EQ(f->nlink, 2);
	x = look(root, "hard");
	CHECK(x == f);
	iput(x);

	/* device nodes (old and new encodings), fifo, socket */
	CHECK_EQ(root->op->create(root, "tty", S_IFCHR | 0620, makedev(4, 5), 0, 5, &x), 0);
	iput(x);
	CHECK_EQ(root->op->create(root, "bigdev", S_IFBLK | 0600, makedev(300, 70000), 0, 0, &x), 0);
	iput(x);
	CHECK_EQ(root->op->create(root, "fifo", S_IFIFO | 0600, 0, 0, 0, &x), 0);
	iput(x);
	CHECK_EQ(root->op->create(root, "sock", S_IFSOCK | 0600, 0, 0, 0, &x), 0);
	iput(x);
	x = look(root, "tty");	/* read back from disk: nothing holds it */
	CHECK(x && S_ISCHR(x->mode) && x->rdev == makedev(4, 5) && x->gid == 5);
	if (x)
		iput(x);
	x = look(root, "bigdev");
	CHECK(x && S_ISBLK(x->mode) && x->rdev == makedev(300, 70000));
	if (x)
		iput(x);
	x = look(root, "fifo");
	CHECK(x && S_ISFIFO(x->mode));
	if (x)
		iput(x);

	/* getdents: everything, with types, and resumable from a position */
	struct names all = { 0 }, part = { 0 };
	uint64_t pos = 0;
	CHECK_EQ(root->op->iterate(root, &pos, collect, &all), 0);
	CHECK(find(&all, ".") >= 0 && find(&all, "..") >= 0);
	CHECK(find(&all, "lost+found") >= 0);
	int i = find(&all, "dir");
	CHECK(i >= 0 && all.dtype[i] == DT_DIR && all.ino[i] == d->ino);
	i = find(&all, "link");
	CHECK(i >= 0 && all.dtype[i] == DT_LNK);
	i = find(&all, "tty");
	CHECK(i >= 0 && all.dtype[i] == DT_CHR);
	CHECK_EQ(all.n, 11);
	pos = 0;
	part.stop_after = 3;
	CHECK_EQ(root->op->iterate(root, &pos, collect, &part), 0);
	CHECK_EQ(part.n, 3);
	CHECK(pos > 0);
	part.stop_after = 0;
	CHECK_EQ(root->op->iterate(root, &pos, collect, &part), 0);
	CHECK_EQ(part.n, all.n);
	CHECK_STR(part.list[3], all.list[3]);
	uint64_t end = pos;
	part.n = 0;
	CHECK_EQ(root->op->iterate(root, &pos, collect, &part), 0);
	CHECK_EQ(part.n, 0);
	CHECK_EQ(pos, end);

	/* a directory that outgrows its first block */
	CHECK_EQ(root->op->mkdir(root, "many", 0755, 0, 0, &x), 0);
	for (int k = 0; k < 300; k++) {
		char name[64];
		struct inode *c;
		snprintf(name, sizeof(name), "a-rather-long-file-name-number-%04d", k);
		ret = x->op->create(x, name, S_IFREG | 0600, 0, 0, 0, &c);
		CHECK_EQ(ret, 0);
		if (ret == 0)
			iput(c);
	}
	CHECK(x->size > 4096);
	struct names *m = calloc(1, sizeof(*m));
	pos = 0;
	CHECK_EQ(x->op->iterate(x, &pos, collect, m), 0);
	CHECK_EQ(m->n, 302);
	free(m);
	struct inode *c = look(x, "a-rather-long-file-name-number-0299");
	CHECK(c != NULL);
	if (c)
		iput(c);
	iput(x);

	/* rename: file across directories, replacing an existing file */
	CHECK_EQ(root->op->create(root, "victim", S_IFREG | 0644, 0, 0, 0, &x), 0);
	uint64_t victim_ino = x->ino;
	iput(x);
	CHECK_EQ(d->op->rename(d, "file", root, "victim", 0), 0);
	CHECK(look(d, "file") == NULL);
	x = look(root, "victim");
	CHECK(x == f);
	if (x)
		iput(x);
	(void)victim_ino;
	CHECK_EQ(root->op->rename(root, "victim", root, "hard", RENAME_NOREPLACE), -EEXIST);

	/* rename a directory into another: ".." and link counts follow */
	CHECK_EQ(root->op->mkdir(root, "d2", 0755, 0, 0, &d2), 0);
	CHECK_EQ(root->nlink, root_links + 3);
	CHECK_EQ(root->op->rename(root, "dir", d2, "moved", 0), 0);
	CHECK_EQ(root->nlink, root_links + 2);
	CHECK_EQ(d2->nlink, 3);
	x = look(d, "..");
	CHECK(x == d2);
	if (x)
		iput(x);
	/* exchange two names */
	CHECK_EQ(root->op->rename(root, "link", root, "longlink", RENAME_EXCHANGE), 0);
	x = look(root, "link");
	CHECK(x && x->size == 200);
	if (x)
		iput(x);

	/* setattr: truncate, chmod, chown, times with nanoseconds */
	struct iattr ia = { .valid = ATTR_SIZE, .size = 5000 };
	CHECK_EQ(f->op->setattr(f, &ia), 0);
	CHECK_EQ(f->size, 5000);
	CHECK_EQ(f->op->read(f, back, 10000, 0), 5000);
	CHECK(!memcmp(back, data, 5000));
	ia.size = 20000;	/* grows with zeros */
	CHECK_EQ(f->op->setattr(f, &ia), 0);
	CHECK_EQ(f->op->read(f, back, 20000, 0), 20000);
	CHECK(back[4999] == data[4999] && back[5000] == 0 && back[19999] == 0);
	ia.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME;
	ia.mode = 04711;
	ia.uid = 70000;
	ia.gid = 80000;
	ia.atime = (struct timespec){ 1234567890, 123456789 };
	ia.mtime = (struct timespec){ 1500000000, 5 };
	CHECK_EQ(f->op->setattr(f, &ia), 0);
	CHECK(S_ISREG(f->mode) && (f->mode & 07777) == 04711);
	CHECK_EQ(f->uid, 70000);
	CHECK_EQ(f->gid, 80000);
	CHECK_EQ(f->atime.tv_nsec, 123456789);
	CHECK_EQ(f->mtime.tv_sec, 1500000000);
	CHECK_EQ(f->mtime.tv_nsec, 5);

	/* unlink while open: the data stays until the last reference */
	CHECK_EQ(sb->op->statfs(sb, &st), 0);
	uint64_t free_before = st.f_bfree;
	CHECK_EQ(root->op->unlink(root, "victim"), 0);
	CHECK_EQ(f->nlink, 1);
	CHECK_EQ(root->op->unlink(root, "hard"), 0);
	CHECK_EQ(f->nlink, 0);
	CHECK_EQ(f->op->read(f, back, 100, 0), 100);
	CHECK(!memcmp(back, data, 100));
	CHECK(look(root, "hard") == NULL);
	CHECK_EQ(sb->op->statfs(sb, &st), 0);
	CHECK_EQ(st.f_bfree, free_before);
	iput(f);
	CHECK_EQ(sb->op->statfs(sb, &st), 0);
	CHECK(st.f_bfree >= free_before + 4000 / bs);	/* 5000 bytes of data, the rest a hole */
	CHECK_EQ(root->op->unlink(root, "hard"), -ENOENT);

	/* rmdir */
	CHECK_EQ(root->op->rmdir(root, "d2"), -ENOTEMPTY);
	CHECK_EQ(d2->op->rmdir(d2, "moved"), 0);
	CHECK_EQ(d->nlink, 0);
	CHECK_EQ(d2->nlink, 2);
	iput(d);
	CHECK_EQ(root->op->rmdir(root, "d2"), 0);
	iput(d2);
	CHECK_EQ(root->nlink, root_links + 1);	/* "many" is left */

	CHECK_EQ(sb->op->statfs(sb, &st), 0);
	CHECK_EQ(st.f_ffree, ffree0 - 301 - 2 - 4);	/* many + files, 2 symlinks, 4 nodes */

	CHECK_EQ(sb->op->sync(sb), 0);
	sb->op->put_super(sb);
	CHECK_EQ(fsck(path("a.img")), 0);

	/* Mount again: the data is still there; read-only refuses changes. */
	sb = mount_ext4("ext4", SB_RDONLY, &ret);
	CHECK_EQ(ret, 0);
	if (sb) {
		root = sb->root;
		x = look(root, "link");
		CHECK(x && x->op->readlink(x, buf, sizeof(buf)) == 200);
		if (x)
			iput(x);
		x = look(root, "many");
		CHECK(x != NULL);
		if (x) {
			c = look(x, "a-rather-long-file-name-number-0123");
			CHECK(c && S_ISREG(c->mode));
			if (c)
				iput(c);
			iput(x);
		}
		CHECK_EQ(root->op->create(root, "nope", S_IFREG | 0644, 0, 0, 0, &x), -EROFS);
		CHECK_EQ(root->op->unlink(root, "tty"), -EROFS);
		sb->op->put_super(sb);
	}
	CHECK_EQ(fsck(path("a.img")), 0);
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);
	free(data);
	free(back);
}

static void test_bad_images(void)
{
	char err[256];
	int ret, fd;

	/* A wrecked superblock: no mount, an error, no crash. */
	CHECK_EQ(mkfs(path("bad.img")), 0);
	fd = open(path("bad.img"), O_RDWR);
	CHECK_EQ(pwrite(fd, "\0\0", 2, 1024 + 56), 2);	/* s_magic */
	close(fd);
	CHECK_EQ(ubd_configure(0, path("bad.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK(!mount_ext4("ext4", 0, &ret));
	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);

	/* A journal that needs recovery is refused. */
	CHECK_EQ(mkfs(path("rec.img")), 0);
	CHECK_EQ(run("debugfs -w -R 'feature needs_recovery' %s >/dev/null 2>&1",
		     path("rec.img")), 0);
	CHECK_EQ(ubd_configure(0, path("rec.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK(!mount_ext4("ext4", 0, &ret));
	CHECK_EQ(ret, -EINVAL);
	CHECK(!mount_ext4("ext4", SB_RDONLY, &ret));
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);

	/* No device. */
	CHECK(!mount_ext4("ext4", 0, &ret));
	CHECK_EQ(ret, -ENXIO);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (run("command -v %s >/dev/null", "mke2fs") != 0) {
		printf("mke2fs missing\n");
		return 1;
	}
	extfs_init();
	test_main();
	mkfs_opts = "-b 4096";		/* the same with 4 KiB blocks */
	test_main();
	mkfs_opts = "";
	test_bad_images();
	ubd_shutdown();
	run("rm -rf %s", dir);
	return unit_done();
}
