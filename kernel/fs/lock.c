/* Advisory file locks: the per-inode lists, range arithmetic (merge,
 * split, conflict) and the waiting records for deadlock detection. */
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include "fs/lock.h"
#include "fs/vfs.h"

static struct inode_locks *ctx_create(struct inode *ino)
{
	struct inode_locks *ctx = ino->locks;

	if (ctx)
		return ctx;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	list_init(&ctx->records);
	list_init(&ctx->flocks);
	waitq_init(&ctx->wait);
	ino->locks = ctx;
	return ctx;
}

static void forget_inode_waiters(const struct inode *ino);

/* Wake every parked request: each retries and re-parks if it must. */
static void wake_waiters(struct inode *ino)
{
	forget_inode_waiters(ino);
	waitq_wake_all(&ino->locks->wait);
}

/* Free the state once it holds no locks. Waiters exist only while some
 * lock does, and are woken before the last one goes. */
static void ctx_release_if_empty(struct inode *ino)
{
	struct inode_locks *ctx = ino->locks;

	if (!ctx || !list_empty(&ctx->records) || !list_empty(&ctx->flocks))
		return;
	if (!list_empty(&ctx->wait.waiters))
		wake_waiters(ino);
	free(ctx);
	ino->locks = NULL;
}

/* ---- record locks -------------------------------------------------------- */

static bool same_owner(const struct file_lock *a, const struct file_lock *b)
{
	return a->owner == b->owner && a->kind == b->kind;
}

static bool overlaps(const struct file_lock *l, int64_t start, int64_t end)
{
	return l->start <= end && start <= l->end;
}

/* Overlapping or adjacent (starts are >= 0, so start - 1 cannot wrap). */
static bool touches(const struct file_lock *l, int64_t start, int64_t end)
{
	return l->end >= start - 1 && end >= l->start - 1;
}

static bool records_conflict(const struct file_lock *held, const struct file_lock *req)
{
	if (same_owner(held, req) || !overlaps(held, req->start, req->end))
		return false;
	return held->type == F_WRLCK || req->type == F_WRLCK;
}

static struct file_lock *first_conflict(struct inode *ino, const struct file_lock *req)
{
	struct list *pos;

	if (!ino->locks || req->type == F_UNLCK)
		return NULL;
	list_for_each(pos, &ino->locks->records) {
		struct file_lock *l = list_entry(pos, struct file_lock, node);

		if (records_conflict(l, req))
			return l;
	}
	return NULL;
}

bool lock_test(struct inode *ino, const struct file_lock *req,
	       struct file_lock *conflict)
{
	struct file_lock *l = first_conflict(ino, req);

	if (l && conflict) {
		*conflict = *l;
		list_init(&conflict->node);
	}
	return l != NULL;
}

/* Keep the list sorted by start so F_GETLK reports the lowest conflict. */
static void insert_sorted(struct list *head, struct file_lock *n)
{
	struct list *pos;

	list_for_each(pos, head) {
		struct file_lock *l = list_entry(pos, struct file_lock, node);

		if (l->start > n->start)
			break;
	}
	list_insert_between(&n->node, pos->prev, pos);
}

int lock_set(struct inode *ino, const struct file_lock *req, const void **blocker)
{
	struct file_lock *conflict = first_conflict(ino, req);
	struct file_lock *spare[2];
	struct inode_locks *ctx;
	struct list moved, *pos, *tmp;
	int64_t start = req->start, end = req->end;
	bool reduced = false;
	int used = 0;

	if (conflict) {
		if (blocker)
			*blocker = conflict->owner;
		return -EAGAIN;
	}
	if (!ino->locks && req->type == F_UNLCK)
		return 0;
	/* At most one new lock and one split-off piece: allocate both now
	 * so that nothing changes when memory runs out. */
	spare[0] = calloc(1, sizeof(*spare[0]));
	spare[1] = calloc(1, sizeof(*spare[1]));
	ctx = ctx_create(ino);
	if (!spare[0] || !spare[1] || !ctx) {
		free(spare[0]);
		free(spare[1]);
		ctx_release_if_empty(ino);
		return -ENOMEM;
	}
	list_init(&moved);
	list_for_each_safe(pos, tmp, &ctx->records) {
		struct file_lock *l = list_entry(pos, struct file_lock, node);
		bool left, right;

		if (!same_owner(l, req))
			continue;
		if (l->type == req->type) {
			/* Same type, overlapping or adjacent: absorb it.
			 * Same-owner locks never overlap each other, so
			 * only the request's own range matters. */
			if (!touches(l, req->start, req->end))
				continue;
			if (l->start < start)
				start = l->start;
			if (l->end > end)
				end = l->end;
			list_del(&l->node);
			free(l);
			continue;
		}
		if (!overlaps(l, req->start, req->end))
			continue;
		/* Another type (or an unlock): keep what lies outside. */
		if (req->type == F_UNLCK || l->type == F_WRLCK)
			reduced = true;
		left = l->start < req->start;
		right = l->end > req->end;
		if (left && right) {
			struct file_lock *r = spare[used++];

			*r = *l;
			r->start = req->end + 1;
			l->end = req->start - 1;
			list_add_tail(&r->node, &moved);
		} else if (left) {
			l->end = req->start - 1;
		} else if (right) {
			l->start = req->end + 1;
			list_del(&l->node);
			list_add_tail(&l->node, &moved);
		} else {
			list_del(&l->node);
			free(l);
		}
	}
	if (req->type != F_UNLCK) {
		struct file_lock *n = spare[used++];

		*n = *req;
		n->start = start;
		n->end = end;
		list_add_tail(&n->node, &moved);
	}
	while (!list_empty(&moved)) {
		struct file_lock *l = list_entry(moved.next, struct file_lock, node);

		list_del(&l->node);
		insert_sorted(&ctx->records, l);
	}
	while (used < 2)
		free(spare[used++]);
	if (reduced)
		wake_waiters(ino);
	ctx_release_if_empty(ino);
	return 0;
}

/* Remove the locks of the given list that match; wake waiters if any. */
static void drop_matching(struct inode *ino, struct list *head, const void *owner,
			  int kind)
{
	struct list *pos, *tmp;
	bool dropped = false;

	list_for_each_safe(pos, tmp, head) {
		struct file_lock *l = list_entry(pos, struct file_lock, node);

		if (l->owner != owner || l->kind != kind)
			continue;
		list_del(&l->node);
		free(l);
		dropped = true;
	}
	if (dropped)
		wake_waiters(ino);
}

void lock_release_posix(struct inode *ino, const void *owner)
{
	if (!ino || !ino->locks)
		return;
	drop_matching(ino, &ino->locks->records, owner, LOCK_KIND_POSIX);
	ctx_release_if_empty(ino);
}

/* ---- flock --------------------------------------------------------------- */

int lock_flock(struct inode *ino, const void *file, short type)
{
	struct inode_locks *ctx = ino->locks;
	struct file_lock *n;
	struct list *pos;

	if (ctx) {
		list_for_each(pos, &ctx->flocks) {
			struct file_lock *l = list_entry(pos, struct file_lock, node);

			if (l->owner != file)
				continue;
			if (l->type == type)
				return 0;
			list_del(&l->node);
			free(l);
			wake_waiters(ino);
			break;
		}
		if (type != F_UNLCK) {
			list_for_each(pos, &ctx->flocks) {
				struct file_lock *l = list_entry(pos, struct file_lock, node);

				if (l->type == F_WRLCK || type == F_WRLCK) {
					ctx_release_if_empty(ino);
					return -EAGAIN;
				}
			}
		}
	}
	if (type == F_UNLCK) {
		ctx_release_if_empty(ino);
		return 0;
	}
	n = calloc(1, sizeof(*n));
	ctx = ctx_create(ino);
	if (!n || !ctx) {
		free(n);
		ctx_release_if_empty(ino);
		return -ENOMEM;
	}
	n->owner = file;
	n->pid = -1;
	n->type = type;
	n->kind = LOCK_KIND_FLOCK;
	n->start = 0;
	n->end = LOCK_OFFSET_MAX;
	list_add_tail(&n->node, &ctx->flocks);
	return 0;
}

void lock_release_file(struct inode *ino, const void *file)
{
	if (!ino || !ino->locks)
		return;
	drop_matching(ino, &ino->locks->records, file, LOCK_KIND_OFD);
	drop_matching(ino, &ino->locks->flocks, file, LOCK_KIND_FLOCK);
	ctx_release_if_empty(ino);
}

static void free_list(struct list *head)
{
	while (!list_empty(head)) {
		struct file_lock *l = list_entry(head->next, struct file_lock, node);

		list_del(&l->node);
		free(l);
	}
}

void lock_inode_evict(struct inode *ino)
{
	if (!ino || !ino->locks)
		return;
	free_list(&ino->locks->records);
	free_list(&ino->locks->flocks);
	ctx_release_if_empty(ino);
}

struct waitq *lock_waitq(struct inode *ino)
{
	return ino->locks ? &ino->locks->wait : NULL;
}

/* ---- who waits for whom ---------------------------------------------------- */

struct lock_waiter {
	struct list node;
	const void *key;
	int id;
	const void *owner, *blocker;
	const struct inode *ino;
};

static struct list waiters = LIST_INIT(waiters);

static void waiter_free(struct lock_waiter *w)
{
	list_del(&w->node);
	free(w);
}

static void forget_inode_waiters(const struct inode *ino)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &waiters) {
		struct lock_waiter *w = list_entry(pos, struct lock_waiter, node);

		if (w->ino == ino)
			waiter_free(w);
	}
}

void lock_forget_waiting(const void *waiter)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &waiters) {
		struct lock_waiter *w = list_entry(pos, struct lock_waiter, node);

		if (w->key == waiter)
			waiter_free(w);
	}
}

void lock_note_waiting(const void *waiter, int id, const void *owner,
		       const void *blocker, const struct inode *ino)
{
	struct lock_waiter *w;

	lock_forget_waiting(waiter);
	w = calloc(1, sizeof(*w));
	if (!w)
		return;		/* only deadlock detection misses it */
	w->key = waiter;
	w->id = id;
	w->owner = owner;
	w->blocker = blocker;
	w->ino = ino;
	list_add_tail(&w->node, &waiters);
}

/* The owner a parked request of owner waits for, or NULL. Stale records
 * are dropped on the way. */
static const void *waits_for(const void *owner, lock_waiter_alive_fn *still_waiting)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &waiters) {
		struct lock_waiter *w = list_entry(pos, struct lock_waiter, node);

		if (still_waiting && !still_waiting(w->key, w->id)) {
			waiter_free(w);
			continue;
		}
		if (w->owner == owner)
			return w->blocker;
	}
	return NULL;
}

/* Linux gives up after ten steps too (MAX_DEADLK_ITERATIONS). */
#define DEADLOCK_MAX_STEPS 10

bool lock_would_deadlock(const void *owner, const void *blocker,
			 lock_waiter_alive_fn *still_waiting)
{
	for (int i = 0; i < DEADLOCK_MAX_STEPS && blocker; i++) {
		if (blocker == owner)
			return true;
		blocker = waits_for(blocker, still_waiting);
	}
	return false;
}
