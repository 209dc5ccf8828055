/* hostfs through the VFS on a tmpfs root: every operation checked on the
 * host side too, host errors passed through, and escapes from the
 * hostfs= directory refused without touching the host outside. */
#include <fcntl.h>
#include <errno.h>
#include <dirent.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/resource.h>
#include "unit.h"
#include "fs/vfs.h"
#include "fs/hostfs.h"
#include "lib/cred.h"

static char top[] = "/tmp/hostfstestXXXXXX";
static struct path root;
static struct fs_context *fs;
static struct cred root_cred;
static struct nameidata_ctx ctx;

static char *host(const char *name)
{
	static char buf[8][512];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 512, "%s/%s", top, name);
	return p;
}

static void host_write(const char *name, const char *data)
{
	FILE *f = fopen(host(name), "w");

	if (f) {
		fputs(data, f);
		fclose(f);
	}
}

static char *host_read(const char *name)
{
	static char buf[256];
	FILE *f = fopen(host(name), "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return f ? buf : NULL;
}

static int configure(const char *dir, bool append)
{
	struct boot_config cfg = { 0 };

	cfg.hostfs = dir;
	cfg.hostfs_append = append;
	hostfs_setup(&cfg);
	return 0;
}

static int mount_at(const char *target, const char *data)
{
	vfs_mkdir(&ctx, target, 0755);
	return vfs_mount(&ctx, "none", target, "hostfs", 0, data);
}

static int put_file(const char *p, const char *data)
{
	struct file *f;
	int err = vfs_open(&ctx, p, O_CREAT | O_WRONLY | O_TRUNC, 0666, &f);

	if (err)
		return err;
	err = file_write(f, data, strlen(data));
	file_put(f);
	return err < 0 ? err : 0;
}

static char *get_file(const char *p)
{
	static char buf[256];
	struct file *f;
	ssize_t n;

	if (vfs_open(&ctx, p, O_RDONLY, 0, &f))
		return NULL;
	n = file_read(f, buf, sizeof(buf) - 1);
	file_put(f);
	buf[n > 0 ? n : 0] = 0;
	return n < 0 ? NULL : buf;
}

static struct stat guest_stat(const char *p, unsigned flags)
{
	struct stat st = { 0 };
	struct path res;

	if (!vfs_lookup(&ctx, p, flags, &res)) {
		vfs_stat(&res, &st);
		path_put(&res);
	}
	return st;
}

static int setattr(const char *p, struct iattr *a)
{
	struct path res;
	int err = vfs_lookup(&ctx, p, LOOKUP_FOLLOW, &res);

	if (err)
		return err;
	err = vfs_setattr(&res, a);
	path_put(&res);
	return err;
}

struct names {
	char text[1024];
};

static int collect(void *c, const char *name, size_t len, uint64_t ino,
		   unsigned dtype, uint64_t next)
{
	struct names *n = c;

	snprintf(n->text + strlen(n->text), sizeof(n->text) - strlen(n->text),
		 "%.*s/", (int)len, name);
	return 0;
}

static bool listed(const char *dir, const char *name)
{
	struct names n = { "" };
	char want[300];
	struct file *f;

	if (vfs_open(&ctx, dir, O_RDONLY | O_DIRECTORY, 0, &f))
		return false;
	file_iterate(f, collect, &n);
	file_put(f);
	snprintf(want, sizeof(want), "/%s/", name);
	memmove(n.text + 1, n.text, strlen(n.text) + 1);
	n.text[0] = '/';
	return strstr(n.text, want) != NULL;
}

/* fsync through the file's operations. */
static int reg_fsync_ok(struct file *f)
{
	return f->op->fsync ? f->op->fsync(f) : -EINVAL;
}

static void test_files(void)
{
	struct stat gs, hs;
	struct file *f;
	char buf[64];

	CHECK_EQ(put_file("/mnt/a", "hello"), 0);
	CHECK_STR(host_read("share/a"), "hello");
	/* The guest's mode, not narrowed by the host umask (077 here). */
	CHECK_EQ(stat(host("share/a"), &hs), 0);
	CHECK_EQ(hs.st_mode & 0777, 0666);
	/* Attributes are the host's. */
	gs = guest_stat("/mnt/a", 0);
	CHECK_EQ(gs.st_ino, hs.st_ino);
	CHECK_EQ(gs.st_mode, hs.st_mode);
	CHECK_EQ(gs.st_size, 5);
	CHECK_EQ(gs.st_nlink, 1);
	CHECK_EQ(gs.st_uid, hs.st_uid);
	CHECK_EQ(gs.st_mtim.tv_sec, hs.st_mtim.tv_sec);
	CHECK_EQ(gs.st_mtim.tv_nsec, hs.st_mtim.tv_nsec);

	/* Reads at any offset, writes in the middle. */
	CHECK_EQ(vfs_open(&ctx, "/mnt/a", O_RDWR, 0, &f), 0);
	CHECK_EQ(file_pread(f, buf, 3, 2), 3);
	CHECK(!memcmp(buf, "llo", 3));
	CHECK_EQ(file_pwrite(f, "XY", 2, 1), 2);
	CHECK_EQ(file_pwrite(f, "!", 1, 9), 1);
	CHECK_EQ(f->inode->size, 10);
	CHECK_EQ(file_llseek(f, 0, SEEK_END), 10);
	CHECK_EQ(file_llseek(f, -2, SEEK_CUR), 8);
	CHECK_EQ(reg_fsync_ok(f), 0);
	file_put(f);
	CHECK_EQ(memcmp(host_read("share/a"), "hXYlo\0\0\0\0!", 10), 0);

	/* A file the host made after the mount appears. */
	host_write("share/fromhost", "host data");
	CHECK_STR(get_file("/mnt/fromhost"), "host data");
	CHECK(listed("/mnt", "fromhost"));
	CHECK(listed("/mnt", "a"));

	/* O_APPEND from the guest. */
	CHECK_EQ(vfs_open(&ctx, "/mnt/fromhost", O_WRONLY | O_APPEND, 0, &f), 0);
	CHECK_EQ(file_write(f, "+", 1), 1);
	file_put(f);
	CHECK_STR(host_read("share/fromhost"), "host data+");
}

static void test_names(void)
{
	struct stat hs, gs;
	char buf[64];
	struct file *f;

	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/d", 0750), 0);
	CHECK_EQ(stat(host("share/d"), &hs), 0);
	CHECK(S_ISDIR(hs.st_mode));
	CHECK_EQ(hs.st_mode & 0777, 0750);
	CHECK_EQ(put_file("/mnt/d/f", "x"), 0);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/d", AT_REMOVEDIR), -ENOTEMPTY);
	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/d", 0755), -EEXIST);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/nothere", 0), -ENOENT);
	CHECK_EQ(vfs_open(&ctx, "/mnt/d/f/x", O_RDONLY, 0, &f), -ENOTDIR);
	CHECK_EQ(vfs_open(&ctx, "/mnt/d", O_WRONLY, 0, &f), -EISDIR);

	/* rename, also over an existing file and between directories */
	CHECK_EQ(vfs_rename(&ctx, "/mnt/d/f", &ctx, "/mnt/g", 0), 0);
	CHECK_EQ(access(host("share/d/f"), F_OK), -1);
	CHECK_STR(host_read("share/g"), "x");
	CHECK_EQ(put_file("/mnt/h", "h"), 0);
	CHECK_EQ(vfs_rename(&ctx, "/mnt/h", &ctx, "/mnt/g", 0), 0);
	CHECK_STR(host_read("share/g"), "h");
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/d", AT_REMOVEDIR), 0);
	CHECK_EQ(access(host("share/d"), F_OK), -1);
	/* Host errors come through: a directory replacing a file. */
	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/e", 0755), 0);
	CHECK_EQ(put_file("/mnt/e/in", "1"), 0);
	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/e2", 0755), 0);
	CHECK_EQ(vfs_rename(&ctx, "/mnt/e2", &ctx, "/mnt/e", 0), -ENOTEMPTY);

	/* symlink and readlink */
	CHECK_EQ(vfs_symlink("g", &ctx, "/mnt/sl"), 0);
	CHECK_EQ(readlink(host("share/sl"), buf, sizeof(buf)), 1);
	CHECK_EQ(vfs_readlink(&ctx, "/mnt/sl", buf, sizeof(buf)), 1);
	CHECK_STR(get_file("/mnt/sl"), "h");

	/* hard link: one host inode, two names, counts on both sides */
	CHECK_EQ(vfs_link(&ctx, "/mnt/g", &ctx, "/mnt/g2", 0), 0);
	CHECK_EQ(stat(host("share/g2"), &hs), 0);
	CHECK_EQ(hs.st_nlink, 2);
	gs = guest_stat("/mnt/g", 0);
	CHECK_EQ(gs.st_nlink, 2);
	CHECK_EQ(gs.st_ino, hs.st_ino);
	CHECK_EQ(vfs_unlink(&ctx, "/mnt/g2", 0), 0);
	CHECK_EQ(guest_stat("/mnt/g", 0).st_nlink, 1);
	CHECK_EQ(vfs_link(&ctx, "/mnt/g", &ctx, "/mnt/sl", 0), -EEXIST);

	/* mknod of a FIFO */
	CHECK_EQ(vfs_mknod(&ctx, "/mnt/fifo", S_IFIFO | 0600, 0), 0);
	CHECK_EQ(stat(host("share/fifo"), &hs), 0);
	CHECK(S_ISFIFO(hs.st_mode));
}

static void test_attrs(void)
{
	struct iattr a = { 0 };
	struct stat hs;
	struct statfs hsf;
	struct kstatfs k;
	struct path p;

	a.valid = ATTR_MODE;
	a.mode = 0604;
	CHECK_EQ(setattr("/mnt/g", &a), 0);
	CHECK_EQ(stat(host("share/g"), &hs), 0);
	CHECK_EQ(hs.st_mode & 07777, 0604);
	CHECK_EQ(guest_stat("/mnt/g", 0).st_mode & 07777, 0604);

	a.valid = ATTR_UID | ATTR_GID;
	a.uid = 1234;
	a.gid = 2345;
	if (geteuid() == 0) {
		CHECK_EQ(setattr("/mnt/g", &a), 0);
		CHECK_EQ(stat(host("share/g"), &hs), 0);
		CHECK_EQ(hs.st_uid, 1234);
		CHECK_EQ(hs.st_gid, 2345);
		CHECK_EQ(guest_stat("/mnt/g", 0).st_uid, 1234);
	} else {
		CHECK_EQ(setattr("/mnt/g", &a), -EPERM);
	}

	a.valid = ATTR_SIZE;
	a.size = 7;
	CHECK_EQ(setattr("/mnt/g", &a), 0);
	CHECK_EQ(stat(host("share/g"), &hs), 0);
	CHECK_EQ(hs.st_size, 7);
	CHECK_EQ(guest_stat("/mnt/g", 0).st_size, 7);

	a.valid = ATTR_ATIME | ATTR_MTIME;
	a.atime = (struct timespec){ 1000000000, 5 };
	a.mtime = (struct timespec){ 1100000000, 7 };
	CHECK_EQ(setattr("/mnt/g", &a), 0);
	CHECK_EQ(stat(host("share/g"), &hs), 0);
	CHECK_EQ(hs.st_mtim.tv_sec, 1100000000);
	CHECK_EQ(hs.st_mtim.tv_nsec, 7);
	CHECK_EQ(hs.st_atim.tv_sec, 1000000000);
	CHECK_EQ(guest_stat("/mnt/g", 0).st_mtim.tv_sec, 1100000000);

	CHECK_EQ(vfs_lookup(&ctx, "/mnt", LOOKUP_FOLLOW, &p), 0);
	CHECK_EQ(p.mnt->sb->op->statfs(p.mnt->sb, &k), 0);
	path_put(&p);
	CHECK_EQ(statfs(host("share"), &hsf), 0);
	CHECK_EQ(k.f_type, 0x00C0FFEE);
	CHECK_EQ(k.f_blocks, hsf.f_blocks);
	CHECK_EQ(k.f_bsize, hsf.f_bsize);
}

/* Nothing outside the share may be read, created or changed. */
static void test_escapes(void)
{
	struct path p;
	struct file *f;
	char buf[64];

	CHECK_EQ(mount_at("/m1", "/../outside"), -EACCES);
	CHECK_EQ(mount_at("/m1", "../.."), -EACCES);
	CHECK_EQ(mount_at("/m1", "e/../../outside"), -EACCES);
	CHECK_EQ(mount_at("/m1", "/nothere"), -ENOENT);
	CHECK_EQ(mount_at("/m1", "/a"), -ENOTDIR);
	/* A symlink in the share pointing out cannot be the mount path. */
	CHECK_EQ(symlink(host("outside"), host("share/toabs")), 0);
	CHECK_EQ(symlink("../outside", host("share/torel")), 0);
	CHECK_EQ(mount_at("/m1", "/toabs"), -EACCES);
	CHECK_EQ(mount_at("/m1", "/torel"), -EACCES);

	/* ".." at the mount root is the guest's parent, not the host's. */
	CHECK_EQ(vfs_lookup(&ctx, "/mnt/..", LOOKUP_FOLLOW, &p), 0);
	CHECK(path_equal(&p, &root));
	path_put(&p);
	CHECK_EQ(vfs_lookup(&ctx, "/mnt/../outside", LOOKUP_FOLLOW, &p), -ENOENT);

	/* Symlinks resolve in the guest: neither kind reaches the host. */
	CHECK(get_file("/mnt/toabs/secret") == NULL);
	CHECK(get_file("/mnt/torel/secret") == NULL);
	CHECK_EQ(vfs_symlink(host("outside/secret"), &ctx, "/mnt/gabs"), 0);
	CHECK_EQ(vfs_symlink("../../outside/secret", &ctx, "/mnt/grel"), 0);
	CHECK(get_file("/mnt/gabs") == NULL);
	CHECK(get_file("/mnt/grel") == NULL);
	/* Creating through them makes nothing on the host outside. */
	CHECK(put_file("/mnt/gabs", "pwned") != 0);
	CHECK_EQ(vfs_symlink(host("outside/new"), &ctx, "/mnt/gnew"), 0);
	CHECK(put_file("/mnt/gnew", "pwned") != 0);
	CHECK_EQ(access(host("outside/new"), F_OK), -1);
	CHECK_EQ(vfs_open(&ctx, "/mnt/toabs", O_RDONLY | O_DIRECTORY, 0, &f), -ENOENT);

	/* Links and renames out of the mount. */
	CHECK_EQ(put_file("/tmpfile", "guest"), 0);
	CHECK_EQ(vfs_link(&ctx, "/tmpfile", &ctx, "/mnt/in", 0), -EXDEV);
	CHECK_EQ(vfs_link(&ctx, "/mnt/a", &ctx, "/out", 0), -EXDEV);
	CHECK_EQ(vfs_rename(&ctx, "/mnt/a", &ctx, "/out", 0), -EXDEV);
	CHECK_EQ(vfs_rename(&ctx, "/mnt/a", &ctx, "/mnt/../out", 0), -EXDEV);
	CHECK_EQ(vfs_link(&ctx, "/mnt/gabs", &ctx, "/mnt/in", AT_SYMLINK_FOLLOW), -ENOENT);
	CHECK_EQ(access(host("share/in"), F_OK), -1);

	CHECK_STR(host_read("outside/secret"), "secret");
	CHECK(!listed("/mnt", "secret"));
	CHECK_EQ(vfs_readlink(&ctx, "/mnt/torel", buf, sizeof(buf)), 10);
}

static void test_subdir_and_append(void)
{
	struct file *f;
	char text[2048];

	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/sub", 0755), 0);
	CHECK_EQ(mount_at("/m2", "sub"), 0);
	CHECK_EQ(put_file("/m2/x", "in sub"), 0);
	CHECK_STR(host_read("share/sub/x"), "in sub");
	CHECK_STR(get_file("/m2/../mnt/sub/x"), "in sub");

	/* /proc/mounts: the data as given. */
	vfs_mounts_text(&root, text, sizeof(text));
	CHECK(strstr(text, "none /mnt hostfs rw,relatime,/ 0 0\n") != NULL);
	CHECK(strstr(text, "none /m2 hostfs rw,relatime,sub 0 0\n") != NULL);

	configure(host("share"), true);
	CHECK_EQ(mount_at("/m3", ""), 0);
	CHECK_EQ(vfs_open(&ctx, "/m3/sub/x", O_WRONLY, 0, &f), 0);
	CHECK_EQ(file_pwrite(f, "+", 1, 0), 1);
	file_put(f);
	CHECK_STR(host_read("share/sub/x"), "in sub+");
	vfs_mounts_text(&root, text, sizeof(text));
	CHECK(strstr(text, "none /m3 hostfs rw,relatime,append 0 0\n") != NULL);

	/* Without hostfs= the host root is the prefix, as in UML. */
	hostfs_setup(&(struct boot_config){ 0 });
	CHECK_EQ(mount_at("/m4", host("outside")), 0);
	CHECK_STR(get_file("/m4/secret"), "secret");
	CHECK_EQ(vfs_umount(&ctx, "/m4", 0), 0);
}

/* Inodes in use hold host fds; none may leak, or a low fd limit fails. */
static void test_many_files(void)
{
	struct rlimit old, low = { 48, 48 };
	char p[64];
	int bad = 0;

	CHECK_EQ(vfs_mkdir(&ctx, "/mnt/many", 0755), 0);
	getrlimit(RLIMIT_NOFILE, &old);
	low.rlim_max = old.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/mnt/many/%d", i);
		bad += put_file(p, "n") != 0;
	}
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/mnt/many/%d", i);
		bad += !get_file(p);
	}
	setrlimit(RLIMIT_NOFILE, &old);
	CHECK_EQ(bad, 0);
}

int main(void)
{
	umask(077);
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	mkdir(host("share"), 0755);
	mkdir(host("outside"), 0755);
	host_write("outside/secret", "secret");
	vfs_init();
	tmpfs_init();
	hostfs_init();
	CHECK_EQ(vfs_mount_root("tmpfs", 0, "rootfs", 0, NULL, &root), 0);
	fs = fs_context_new(&root);
	ctx = (struct nameidata_ctx){ fs, &root_cred, NULL };
	configure(host("share"), false);
	CHECK_EQ(mount_at("/mnt", "/"), 0);

	test_files();
	test_names();
	test_attrs();
	test_escapes();
	test_subdir_and_append();
	test_many_files();

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd))
		perror("rm");
	return unit_done();
}
