/* ext2/3/4 through libext2fs: the filesystem types, mounting and the
 * superblock operations. Inodes are in extfs_inode.c, directories in
 * extfs_namei.c, the block I/O bridge in extfs_io.c.
 *
 * libext2fs never touches the journal, so an image whose journal needs
 * recovery is refused. A read-write mount clears VALID_FS in the on-disk
 * superblock until unmount, as ext2 does, so a crash leads to a check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <et/com_err.h>
#include "fs/extfs.h"
#include "block/ubd.h"
#include "block/partition.h"
#include "lib/ktime.h"
#include "lib/log.h"

/* What Linux's ext4 driver accepts when mounting as ext2 / ext3. */
#define LINUX_EXT2_INCOMPAT	(EXT2_FEATURE_INCOMPAT_FILETYPE | \
				 EXT2_FEATURE_INCOMPAT_META_BG)
#define LINUX_EXT3_INCOMPAT	(LINUX_EXT2_INCOMPAT | \
				 EXT3_FEATURE_INCOMPAT_RECOVER)
#define LINUX_EXT23_RO_COMPAT	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | \
				 EXT2_FEATURE_RO_COMPAT_LARGE_FILE | \
				 0x0004 /* btree_dir */)

static struct list ext_mounts = LIST_INIT(ext_mounts);
static const struct super_ops ext_super_ops;

static bool features_ok(const char *type, const struct ext2_super_block *es,
			bool ro)
{
	__u32 incompat;

	if (!strcmp(type, "ext4"))
		return true;	/* libext2fs itself refuses what it lacks */
	if (!strcmp(type, "ext3")) {
		incompat = LINUX_EXT3_INCOMPAT;
		if (!(es->s_feature_compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL))
			return false;
	} else {
		incompat = LINUX_EXT2_INCOMPAT;
	}
	if (es->s_feature_incompat & ~incompat)
		return false;
	return ro || !(es->s_feature_ro_compat & ~LINUX_EXT23_RO_COMPAT);
}

/* Metadata blocks, which statfs leaves out of f_blocks as Linux does. */
static blk64_t overhead_blocks(ext2_filsys fs)
{
	struct ext2_super_block *es = fs->super;
	blk64_t total = es->s_first_data_block;

	if (es->s_overhead_clusters)
		return (blk64_t)es->s_overhead_clusters * EXT2FS_CLUSTER_RATIO(fs);
	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		blk_t used = 0;

		ext2fs_super_and_bgd_loc2(fs, g, NULL, NULL, NULL, &used);
		total += used + 2 + fs->inode_blocks_per_group;
	}
	if (ext2fs_has_feature_journal(es) && es->s_journal_inum) {
		struct ext2_inode_large raw;

		if (ext_read_raw(fs, es->s_journal_inum, &raw) == 0)
			total += EXT2_I_SIZE(&raw) / fs->blocksize;
	}
	return total;
}

static void format_uuid(const __u8 *u, char *out)
{
	for (int i = 0; i < 16; i++)
		out += sprintf(out, "%s%02x",
			       i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
}

static void mount_fail(const char *name, const char *what, errcode_t err)
{
	if (err == EXT2_ET_BAD_MAGIC || err == EXT2_ET_SB_CSUM_INVALID ||
	    err == EXT2_ET_CORRUPT_SUPERBLOCK || err == EXT2_ET_UNEXPECTED_BLOCK_SIZE)
		printk_level(KERN_ERR, "EXT4-fs (%s): VFS: Can't find ext4 filesystem (%s)\n",
			     name, error_message(err));
	else
		printk_level(KERN_ERR, "EXT4-fs (%s): %s: %s\n", name, what,
			     error_message(err));
}

static int ext_mount(const struct fs_type *type, dev_t dev, const char *source,
		     unsigned long flags, const char *data, struct super_block **res)
{
	int unit = -1;
	uint64_t part_start, part_len;
	bool ro = flags & SB_RDONLY;
	struct ext_sb *es;
	struct super_block *sb;
	struct inode *root = NULL;
	struct list *pos;
	ext2_filsys fs = NULL;
	char chan[32], uuid[40];
	errcode_t err;
	int ret = -EINVAL;

	if (ubd_dev_extent(dev, &unit, &part_start, &part_len) < 0)
		return -ENXIO;
	list_for_each(pos, &ext_mounts) {
		es = list_entry(pos, struct ext_sb, node);
		if (es->sb->dev == dev) {
			if (es->sb->type != type)
				return -EBUSY;
			*res = es->sb;
			return 0;
		}
	}
	if (ubd_readonly(unit))
		ro = true;
	es = calloc(1, sizeof(*es));
	sb = calloc(1, sizeof(*sb));
	if (!es || !sb) {
		free(es);
		free(sb);
		return -ENOMEM;
	}
	es->unit = unit;
	if (minor(dev) % 16)
		snprintf(es->name, sizeof(es->name), "ubd%c%u", 'a' + unit, minor(dev) % 16);
	else
		snprintf(es->name, sizeof(es->name), "ubd%c", 'a' + unit);
	snprintf(chan, sizeof(chan), "ubd:%llu", (unsigned long long)dev);

	err = ext2fs_open2(chan, NULL, EXT2_FLAG_64BITS | EXT2_FLAG_MASTER_SB_ONLY |
			   (ro ? 0 : EXT2_FLAG_RW), 0, 0, ext_io_manager, &fs);
	if (err) {
		mount_fail(es->name, "cannot open the filesystem", err);
		fs = NULL;
		goto fail;
	}
	if (!features_ok(type->name, fs->super, ro)) {
		printk_level(KERN_ERR, "EXT4-fs (%s): couldn't mount as %s due to feature incompatibilities\n",
			     es->name, type->name);
		goto fail;
	}
	if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
		printk_level(KERN_ERR, "EXT4-fs (%s): the journal needs recovery, which is not supported: run e2fsck on the image\n",
			     es->name);
		goto fail;
	}
	err = ext2fs_read_bitmaps(fs);
	if (err) {
		mount_fail(es->name, "cannot read the allocation bitmaps", err);
		goto fail;
	}

	es->fs = fs;
	es->rw = !ro;
	es->sb = sb;
	sb->type = type;
	sb->op = &ext_super_ops;
	sb->dev = dev;
	sb->flags = ro ? SB_RDONLY : 0;
	sb->priv = es;
	ret = ext_iget(sb, EXT2_ROOT_INO, &root);
	if (ret < 0 || !S_ISDIR(root->mode)) {
		printk_level(KERN_ERR, "EXT4-fs (%s): get root inode failed\n", es->name);
		if (root)
			iput(root);
		ret = -EINVAL;
		goto fail;
	}
	sb->root = root;

	if (es->rw) {
		struct ext2_super_block *s = fs->super;

		es->was_valid = s->s_state & EXT2_VALID_FS;
		if (!es->was_valid)
			printk_level(KERN_WARNING, "EXT4-fs (%s): warning: mounting unchecked fs, running e2fsck is recommended\n",
				     es->name);
		s->s_state &= ~EXT2_VALID_FS;
		s->s_mnt_count++;
		s->s_mtime = (__u32)ktime_real().tv_sec;
		ext2fs_mark_super_dirty(fs);
		err = ext2fs_flush(fs);
		if (err)
			printk_level(KERN_ERR, "EXT4-fs (%s): superblock write failed: %s\n",
				     es->name, error_message(err));
	}
	format_uuid(fs->super->s_uuid, uuid);
	printk("EXT4-fs (%s): mounted filesystem %s %s without journal.\n",
	       es->name, uuid, ro ? "ro" : "r/w");
	list_add_tail(&es->node, &ext_mounts);
	/* A mounted partition keeps its table from being re-read. */
	ubd_dev_get(dev);
	*res = sb;
	return 0;

fail:
	if (fs)
		ext2fs_close_free(&fs);
	free(es);
	free(sb);
	return ret;
}

int ext_sync_fs(struct super_block *sb)
{
	struct ext_sb *es = EXT_SB(sb);
	int ret = 0;

	if (es->rw) {
		errcode_t err = ext2fs_flush(es->fs);
		if (err) {
			printk_level(KERN_ERR, "EXT4-fs (%s): sync failed: %s\n",
				     es->name, error_message(err));
			ret = ext_errno(err);
		}
		int r = ubd_flush(es->unit);
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

static int ext_statfs(struct super_block *sb, struct kstatfs *st)
{
	ext2_filsys fs = EXT_FS(sb);
	struct ext2_super_block *s = fs->super;
	blk64_t blocks = ext2fs_blocks_count(s), over = overhead_blocks(fs);
	blk64_t bfree = ext2fs_free_blocks_count(s), rsv = ext2fs_r_blocks_count(s);
	uint64_t lo, hi;

	memset(st, 0, sizeof(*st));
	st->f_type = EXT2_SUPER_MAGIC;
	st->f_bsize = fs->blocksize;
	st->f_frsize = fs->blocksize;
	st->f_blocks = blocks > over ? blocks - over : 0;
	st->f_bfree = bfree;
	st->f_bavail = bfree > rsv ? bfree - rsv : 0;
	st->f_files = s->s_inodes_count;
	st->f_ffree = s->s_free_inodes_count;
	st->f_namelen = EXT2_NAME_LEN;
	st->f_flags = (sb->flags & SB_RDONLY) ? ST_RDONLY : 0;
	/* Linux: the two halves of the UUID xor'ed. */
	memcpy(&lo, s->s_uuid, 8);
	memcpy(&hi, s->s_uuid + 8, 8);
	lo ^= hi;
	st->f_fsid[0] = (int)(lo & 0xffffffff);
	st->f_fsid[1] = (int)(lo >> 32);
	return 0;
}

static int ext_sync(struct super_block *sb)
{
	return ext_sync_fs(sb);
}

static void ext_evict_inode(struct inode *ino)
{
	struct ext_sb *es = EXT_SB(ino->sb);
	struct ext2_inode_large raw;

	if (!es->rw || !es->fs)
		return;
	if (ext_read_raw(es->fs, ino->ino, &raw) < 0)
		return;
	if (raw.i_links_count == 0 && (raw.i_mode || raw.i_dtime == 0) &&
	    ext2fs_test_inode_bitmap2(es->fs->inode_map, ino->ino)) {
		int ret = ext_free_inode(es->fs, ino->ino, &raw);
		if (ret < 0)
			printk_level(KERN_ERR, "EXT4-fs (%s): freeing inode %llu failed: errno = %d\n",
				     es->name, (unsigned long long)ino->ino, -ret);
	}
}

/* inode_touch changed times in memory: store them. */
static void ext_dirty_inode(struct inode *ino)
{
	struct ext_sb *es = EXT_SB(ino->sb);
	struct ext2_inode_large raw;

	if (ext_rdonly(ino) || ext_read_raw(es->fs, ino->ino, &raw) < 0)
		return;
	ext_set_atime(&raw, ino->atime);
	ext_set_mtime(&raw, ino->mtime);
	ext_set_ctime(&raw, ino->ctime);
	ext_write_raw(es->fs, ino->ino, &raw);
}

static void ext_put_super(struct super_block *sb)
{
	struct ext_sb *es = EXT_SB(sb);
	errcode_t err;

	if (sb->root) {
		iput(sb->root);
		sb->root = NULL;
	}
	if (es->rw) {
		if (es->was_valid)
			es->fs->super->s_state |= EXT2_VALID_FS;
		ext2fs_mark_super_dirty(es->fs);
	}
	err = ext2fs_close_free(&es->fs);
	if (err)
		printk_level(KERN_ERR, "EXT4-fs (%s): unmount write failed: %s\n",
			     es->name, error_message(err));
	if (es->rw)
		ubd_flush(es->unit);
	ubd_dev_put(sb->dev);
	list_del(&es->node);
	free(es);
	free(sb);
}

static void ext_show_options(struct super_block *sb, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
}

static const struct super_ops ext_super_ops = {
	.statfs = ext_statfs,
	.sync = ext_sync,
	.evict_inode = ext_evict_inode,
	.put_super = ext_put_super,
	.show_options = ext_show_options,
	.dirty_inode = ext_dirty_inode,
};

/* Registered in Linux's order, so probing an image without a type picks
 * ext3 for ext3, ext2 for ext2 and ext4 for the rest. */
static struct fs_type ext_types[] = {
	{ .name = "ext3", .needs_device = true, .mount = ext_mount },
	{ .name = "ext2", .needs_device = true, .mount = ext_mount },
	{ .name = "ext4", .needs_device = true, .mount = ext_mount },
};

int extfs_init(void)
{
	initialize_ext2_error_table();
	for (size_t i = 0; i < sizeof(ext_types) / sizeof(ext_types[0]); i++)
		register_filesystem(&ext_types[i]);
	return 0;
}
