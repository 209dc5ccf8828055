/* hostfs: the filesystem type, mounting (where confinement starts) and
 * the superblock operations. Inodes are in hostfs_inode.c, open files in
 * hostfs_file.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "fs/hostfs.h"
#include "lib/log.h"

/* hostfs= from the command line: NULL means host "/" without confinement. */
static char *hostfs_root;
static bool hostfs_append;

void hostfs_setup(const struct boot_config *cfg)
{
	struct stat st;

	free(hostfs_root);
	hostfs_root = cfg->hostfs ? strdup(cfg->hostfs) : NULL;
	hostfs_append = cfg->hostfs_append;
	if (hostfs_root && (stat(hostfs_root, &st) || !S_ISDIR(st.st_mode)))
		printk_level(KERN_WARNING, "hostfs: hostfs=%s is not a host directory; "
			     "hostfs mounts will fail\n", hostfs_root);
}

/* Without openat2: one component at a time, never following a symlink
 * and refusing "..", which is stricter but never wrong. */
static int walk_beneath(int base, const char *rel)
{
	char *copy = strdup(rel), *name, *save;
	int fd = dup(base);

	if (!copy || fd < 0) {
		free(copy);
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	for (name = strtok_r(copy, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		int next;

		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			close(fd);
			fd = -EXDEV;
			break;
		}
		next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0) {
			fd = errno == ELOOP ? -EXDEV : -errno;
			break;
		}
		fd = next;
	}
	free(copy);
	return fd;
}

/* rel below base: ".." may not climb out and symlinks may not point out
 * (absolute ones never resolve). Returns an fd or a negative errno,
 * -EXDEV for an escape. */
static int open_beneath(int base, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = syscall(SYS_openat2, base, rel, &how, sizeof(how));

	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		return walk_beneath(base, rel);
	return -errno;
}

/* The host directory a mount with data names, as an O_PATH fd. */
static int open_mount_root(const char *data)
{
	const char *prefix = hostfs_root ? hostfs_root : "/";
	const char *rel = data ? data : "";
	int base, fd;

	/* UML joins prefix "/" data; leading slashes of data add nothing. */
	while (*rel == '/')
		rel++;
	base = open(prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0) {
		fd = -errno;
		printk_level(KERN_ERR, "hostfs: cannot open the hostfs= directory %s: %s\n",
			     prefix, strerror(errno));
		return fd;
	}
	if (!*rel)
		return base;
	if (hostfs_root) {
		fd = open_beneath(base, rel);
		if (fd == -EXDEV) {
			printk_level(KERN_WARNING, "hostfs: mount path %s leaves the hostfs= "
				     "directory %s: refused\n", data, prefix);
			fd = -EACCES;
		}
	} else {
		fd = openat(base, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	close(base);
	return fd;
}

/* ---- superblock operations ------------------------------------------- */

static int hostfs_statfs(struct super_block *sb, struct kstatfs *k)
{
	struct statfs st;

	if (fstatfs(HOSTFS_SB(sb)->root_fd, &st))
		return -errno;
	memset(k, 0, sizeof(*k));
	k->f_type = HOSTFS_MAGIC;
	k->f_bsize = st.f_bsize;
	k->f_frsize = st.f_frsize;
	k->f_blocks = st.f_blocks;
	k->f_bfree = st.f_bfree;
	k->f_bavail = st.f_bavail;
	k->f_files = st.f_files;
	k->f_ffree = st.f_ffree;
	k->f_namelen = st.f_namelen;
	return 0;
}

static int hostfs_sync(struct super_block *sb)
{
	return 0;	/* every write went to the host at once */
}

static void hostfs_evict(struct inode *ino)
{
	struct hostfs_inode *hi = HOSTFS_I(ino);

	if (!hi)
		return;
	if (hi->io_fd >= 0)
		close(hi->io_fd);
	close(hi->fd);
	free(hi);
	ino->priv = NULL;
}

static void hostfs_put_super(struct super_block *sb)
{
	struct hostfs_sb *s = HOSTFS_SB(sb);

	iput(sb->root);
	close(s->root_fd);
	free(s->data);
	free(s);
	free(sb);
}

/* As UML: the data relative to hostfs=, then ",append". */
static void hostfs_show_options(struct super_block *sb, char *buf, size_t len)
{
	struct hostfs_sb *s = HOSTFS_SB(sb);

	snprintf(buf, len, "%s%s%s", *s->data ? "," : "", s->data,
		 s->append ? ",append" : "");
}

static const struct super_ops hostfs_sops = {
	.statfs = hostfs_statfs,
	.sync = hostfs_sync,
	.evict_inode = hostfs_evict,
	.put_super = hostfs_put_super,
	.show_options = hostfs_show_options,
};

static int hostfs_mount(const struct fs_type *type, dev_t dev, const char *source,
			unsigned long flags, const char *data, struct super_block **res)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct hostfs_sb *s = calloc(1, sizeof(*s));
	int fd, err = -ENOMEM;

	if (!sb || !s || !(s->data = strdup(data ? data : "")))
		goto fail;
	fd = open_mount_root(data);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	s->root_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->root_fd < 0) {
		err = -errno;
		close(fd);
		goto fail;
	}
	s->append = hostfs_append;
	sb->type = type;
	sb->op = &hostfs_sops;
	sb->priv = s;
	sb->dev = new_anon_dev();
	sb->flags = flags & SB_RDONLY;
	/* Host-side changes show up at the next walk. */
	sb->dcache_off = true;
	err = hostfs_iget_fd(sb, fd, &sb->root);
	if (err) {
		close(s->root_fd);
		goto fail;
	}
	*res = sb;
	return 0;
fail:
	if (s)
		free(s->data);
	free(s);
	free(sb);
	return err;
}

static struct fs_type hostfs_type = {
	.name = "hostfs",
	.mount = hostfs_mount,
};

int hostfs_init(void)
{
	register_filesystem(&hostfs_type);
	return 0;
}
