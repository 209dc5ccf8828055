/* Internals shared by the ext2/3/4 files (extfs*.c): the per-mount state
 * and the helpers that keep struct inode in step with the disk inode. */
#ifndef FS_EXTFS_H
#define FS_EXTFS_H
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include "fs/vfs.h"

struct ext_sb {
	ext2_filsys fs;
	int unit;
	char name[12];			/* "ubda", "ubdb1": for messages */
	bool rw;
	bool was_valid;			/* s_state had VALID_FS at mount */
	struct super_block *sb;
	struct list node;		/* mounted ext superblocks */
};

static inline struct ext_sb *EXT_SB(struct super_block *sb)
{
	return sb->priv;
}

static inline ext2_filsys EXT_FS(struct super_block *sb)
{
	return EXT_SB(sb)->fs;
}

/* Register "ext2", "ext3" and "ext4". */
int extfs_init(void);

/* The io_manager over ubd (extfs_io.c): names are "ubd:<dev_t>". */
extern io_manager ext_io_manager;

/* libext2fs error code -> negative errno. */
int ext_errno(errcode_t err);

/* Disk inode access: the full large inode, zeroed beyond what the disk
 * holds. ext_write_new also clears the rest of the on-disk slot. */
int ext_read_raw(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw);
int ext_write_raw(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw);
int ext_write_new(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw);

/* Copy the disk inode into struct inode (mode, links, ids, size, blocks,
 * times, rdev). */
void ext_fill(struct inode *ino, const struct ext2_inode_large *raw);
/* Re-read the disk inode into ino. */
int ext_refresh(struct inode *ino);
/* The struct inode for ino, from the cache or read from disk. */
int ext_iget(struct super_block *sb, ext2_ino_t ino, struct inode **res);
/* Disk inode ino changed behind the cache: update a cached struct inode,
 * or free the inode at once if it has no links and nothing holds it. */
void ext_changed(struct super_block *sb, ext2_ino_t ino,
		 const struct ext2_inode_large *raw);
/* Release the blocks, attributes and the inode itself (nlink 0). */
int ext_free_inode(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw);

/* Timestamps with nanoseconds where the inode has room for them. */
void ext_set_atime(struct ext2_inode_large *raw, struct timespec ts);
void ext_set_mtime(struct ext2_inode_large *raw, struct timespec ts);
void ext_set_ctime(struct ext2_inode_large *raw, struct timespec ts);
void ext_set_crtime(struct ext2_inode_large *raw, struct timespec ts);
/* A device number into i_block, old or new encoding as Linux does. */
void ext_encode_rdev(struct ext2_inode_large *raw, dev_t rdev);
void ext_set_ids(struct ext2_inode_large *raw, uid_t uid, gid_t gid);

static inline bool ext_rdonly(struct inode *ino)
{
	return (ino->sb->flags & SB_RDONLY) || !EXT_SB(ino->sb)->rw;
}

extern const struct inode_ops ext_inode_ops;

/* extfs_inode.c: data and attributes. */
ssize_t ext_read(struct inode *ino, void *buf, size_t len, uint64_t off);
ssize_t ext_write(struct inode *ino, const void *buf, size_t len, uint64_t off);
int ext_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
int ext_setattr(struct inode *ino, const struct iattr *attr);
int ext_readlink(struct inode *ino, char *buf, size_t size);
int ext_fsync(struct inode *ino);
/* extfs.c */
int ext_sync_fs(struct super_block *sb);
#endif
