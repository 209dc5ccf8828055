/* The inode cache: one hash table of (superblock, inode number) for every
 * filesystem, and reference counting that evicts at zero. */
#include <stdlib.h>
#include <string.h>
#include "fs/vfs.h"
#include "lib/ktime.h"

#define INODE_HASH_BITS 12
#define INODE_HASH_SIZE (1u << INODE_HASH_BITS)

static struct list inode_hash[INODE_HASH_SIZE];
static bool inode_hash_ready;

void inode_cache_init(void)
{
	if (inode_hash_ready)
		return;
	for (unsigned i = 0; i < INODE_HASH_SIZE; i++)
		list_init(&inode_hash[i]);
	inode_hash_ready = true;
}

static struct list *bucket(struct super_block *sb, uint64_t ino)
{
	uint64_t h = (uint64_t)(uintptr_t)sb * 0x9e3779b97f4a7c15ULL ^
		     ino * 0xc2b2ae3d27d4eb4fULL;

	inode_cache_init();
	return &inode_hash[(h >> 32) & (INODE_HASH_SIZE - 1)];
}

struct inode *iget_cached(struct super_block *sb, uint64_t ino)
{
	struct list *head = bucket(sb, ino), *pos;

	list_for_each(pos, head) {
		struct inode *i = list_entry(pos, struct inode, hash_node);
		if (i->sb == sb && i->ino == ino)
			return iget(i);
	}
	return NULL;
}

struct inode *inode_new(struct super_block *sb, uint64_t ino)
{
	struct inode *i = calloc(1, sizeof(*i));

	if (!i)
		return NULL;
	i->refs = 1;
	i->sb = sb;
	i->ino = ino;
	i->nlink = 1;
	list_add(&i->hash_node, bucket(sb, ino));
	return i;
}

struct inode *iget(struct inode *ino)
{
	if (ino)
		ino->refs++;
	return ino;
}

void iput(struct inode *ino)
{
	if (!ino || vfs_halted)
		return;
	if (--ino->refs > 0)
		return;
	list_del(&ino->hash_node);
	if (ino->sb && ino->sb->op && ino->sb->op->evict_inode)
		ino->sb->op->evict_inode(ino);
	free(ino);
}

void inode_touch(struct inode *ino, unsigned which)
{
	struct timespec now = ktime_real();

	if (which & ATTR_ATIME)
		ino->atime = now;
	if (which & ATTR_MTIME)
		ino->mtime = now;
	if (which & ATTR_CTIME)
		ino->ctime = now;
	if (which && ino->sb && ino->sb->op && ino->sb->op->dirty_inode)
		ino->sb->op->dirty_inode(ino);
}

void inode_set_attrs(struct inode *ino, const struct iattr *attr)
{
	if (attr->valid & ATTR_MODE)
		ino->mode = (ino->mode & S_IFMT) | (attr->mode & 07777);
	if (attr->valid & ATTR_UID)
		ino->uid = attr->uid;
	if (attr->valid & ATTR_GID)
		ino->gid = attr->gid;
	if (attr->valid & ATTR_ATIME)
		ino->atime = attr->atime;
	if (attr->valid & ATTR_MTIME)
		ino->mtime = attr->mtime;
	if (attr->valid & ATTR_CTIME)
		ino->ctime = attr->ctime;
}

void statfs_virtual(struct super_block *sb, struct kstatfs *st, long magic)
{
	memset(st, 0, sizeof(*st));
	st->f_type = magic;
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namelen = 255;
	if (sb) {
		st->f_flags = sb->flags;
		st->f_fsid[0] = (int)sb->dev;
	}
}
