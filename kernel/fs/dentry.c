/* The dentry cache: one tree of names per superblock, a (parent, name)
 * hash for lookups, and an LRU of unused entries so a long directory walk
 * does not pin every inode it passed. There are no negative entries. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "fs/vfs.h"

#define D_HASH_BITS 12
#define D_HASH_SIZE (1u << D_HASH_BITS)
/* Unused dentries kept for reuse; beyond this the oldest go. */
#define D_LRU_MAX 8192

static struct list d_hash_table[D_HASH_SIZE];
static bool d_hash_ready;
static struct list d_lru = LIST_INIT(d_lru);
static unsigned d_lru_count;

void dcache_init(void)
{
	if (d_hash_ready)
		return;
	for (unsigned i = 0; i < D_HASH_SIZE; i++)
		list_init(&d_hash_table[i]);
	d_hash_ready = true;
}

static struct list *d_bucket(const struct dentry *parent, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uintptr_t)parent;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	dcache_init();
	return &d_hash_table[(h ^ (h >> 29)) & (D_HASH_SIZE - 1)];
}

static void lru_remove(struct dentry *d)
{
	if (!list_empty(&d->lru)) {
		list_del(&d->lru);
		d_lru_count--;
	}
}

struct dentry *dget(struct dentry *d)
{
	if (d) {
		if (d->refs++ == 0)
			lru_remove(d);
	}
	return d;
}

/* Free d; returns the parent whose reference d held (NULL for a root). */
static struct dentry *d_free(struct dentry *d)
{
	struct dentry *parent = d->parent != d ? d->parent : NULL;

	list_del(&d->hash);
	list_del(&d->sibling);
	lru_remove(d);
	iput(d->inode);
	free(d->name);
	free(d);
	return parent;
}

static void d_prune_one(void)
{
	struct dentry *d = list_entry(d_lru.next, struct dentry, lru);

	dput(d_free(d));
}

void dput(struct dentry *d)
{
	if (vfs_halted)
		return;
	while (d) {
		if (--d->refs > 0)
			return;
		if (!d->dead && d->parent != d && !d->sb->dcache_off) {
			list_add_tail(&d->lru, &d_lru);
			if (++d_lru_count > D_LRU_MAX)
				d_prune_one();
			return;
		}
		if (d->parent == d && !d->dead)
			return;	/* a live root goes with its superblock */
		d = d_free(d);
	}
}

struct dentry *d_lookup(struct dentry *parent, const char *name)
{
	struct list *head = d_bucket(parent, name), *pos;

	list_for_each(pos, head) {
		struct dentry *d = list_entry(pos, struct dentry, hash);
		if (d->parent == parent && !d->dead && !strcmp(d->name, name))
			return dget(d);
	}
	return NULL;
}

struct dentry *d_alloc(struct dentry *parent, const char *name, struct inode *ino)
{
	struct dentry *d = calloc(1, sizeof(*d));

	if (d)
		d->name = strdup(name ? name : "/");
	if (!d || !d->name) {
		free(d);
		iput(ino);
		return NULL;
	}
	d->refs = 1;
	d->inode = ino;
	d->sb = ino ? ino->sb : parent ? parent->sb : NULL;
	list_init(&d->children);
	list_init(&d->sibling);
	list_init(&d->hash);
	list_init(&d->lru);
	if (!parent) {
		d->parent = d;
		return d;
	}
	d->parent = dget(parent);
	list_add_tail(&d->sibling, &parent->children);
	list_add(&d->hash, d_bucket(parent, d->name));
	return d;
}

void d_delete(struct dentry *d)
{
	d->dead = true;
	list_del(&d->hash);
	list_del(&d->sibling);
}

int d_move(struct dentry *d, struct dentry *new_parent, const char *name)
{
	char *n = strdup(name);
	struct dentry *old_parent = d->parent;

	if (!n)
		return -ENOMEM;
	list_del(&d->hash);
	list_del(&d->sibling);
	free(d->name);
	d->name = n;
	d->dead = false;
	if (new_parent != old_parent)
		d->parent = dget(new_parent);
	list_add_tail(&d->sibling, &new_parent->children);
	list_add(&d->hash, d_bucket(new_parent, n));
	if (new_parent != old_parent)
		dput(old_parent);
	return 0;
}

void d_kill_tree(struct dentry *root)
{
	while (!list_empty(&root->children)) {
		struct dentry *c = list_entry(root->children.next,
					      struct dentry, sibling);
		d_kill_tree(c);
	}
	root->dead = true;
	list_del(&root->hash);
	list_del(&root->sibling);
	lru_remove(root);
	iput(root->inode);
	free(root->name);
	free(root);
}

void d_shrink(unsigned keep)
{
	while (d_lru_count > keep)
		d_prune_one();
}

bool d_is_ancestor(struct dentry *a, struct dentry *d)
{
	for (;;) {
		if (d == a)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}
