/* Advisory file locks, kept per inode: fcntl record locks (POSIX, owned
 * by a descriptor table like Linux's current->files; OFD, owned by an
 * open file description) and flock(2) locks (owned by an open file
 * description). Pure bookkeeping: no guest memory, no tasks. A request
 * that conflicts gets -EAGAIN; a caller that blocks parks on
 * lock_waitq() and retries when woken, which happens whenever a lock on
 * the inode is released or reduced.
 *
 * Lifetime: every lock belongs to an owner that holds an open file on
 * the inode (a POSIX owner's locks go when it closes any fd of the
 * inode, OFD and flock locks when their file goes), so the per-inode
 * state is gone before the inode is evicted; it is freed as soon as the
 * last lock goes. */
#ifndef FS_LOCK_H
#define FS_LOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"
#include "lib/waitq.h"

struct inode;

enum lock_kind {
	LOCK_KIND_POSIX,
	LOCK_KIND_OFD,
	LOCK_KIND_FLOCK,
};

/* End of a lock that runs to end of file (and beyond). */
#define LOCK_OFFSET_MAX INT64_MAX

struct file_lock {
	struct list node;
	const void *owner;	/* fdtable (POSIX), struct file (OFD, flock) */
	int pid;		/* l_pid F_GETLK reports: a tgid, -1 for OFD */
	short type;		/* F_RDLCK, F_WRLCK; F_UNLCK only in requests */
	unsigned char kind;	/* enum lock_kind */
	int64_t start, end;	/* inclusive byte range, 0 <= start <= end */
};

/* The state struct inode->locks points to (NULL: no locks). */
struct inode_locks {
	struct list records;	/* POSIX and OFD locks, sorted by start */
	struct list flocks;	/* flock locks */
	struct waitq wait;	/* requests waiting for any of them */
};

/* Record locks (kind POSIX or OFD). Does a lock of another owner
 * conflict with req? The first such (lowest start) is copied to
 * *conflict if that is not NULL. */
bool lock_test(struct inode *ino, const struct file_lock *req,
	       struct file_lock *conflict);
/* Lock, relock (merge, split, upgrade, downgrade) or unlock (type
 * F_UNLCK) req's range for req's owner. -EAGAIN on conflict, with the
 * conflicting lock's owner in *blocker if that is not NULL; -ENOMEM.
 * Nothing changes on failure. */
int lock_set(struct inode *ino, const struct file_lock *req, const void **blocker);
/* close(): drop every POSIX lock owner holds on ino. */
void lock_release_posix(struct inode *ino, const void *owner);

/* flock: take (F_RDLCK shared, F_WRLCK exclusive), convert or drop
 * (F_UNLCK) file's lock. Converting drops the old lock first, as Linux
 * does, so a conversion that fails with -EAGAIN leaves none. */
int lock_flock(struct inode *ino, const void *file, short type);

/* The last reference to an open file description went: drop its OFD and
 * flock locks. */
void lock_release_file(struct inode *ino, const void *file);
/* Drop everything on ino and wake its waiters (the inode is going). */
void lock_inode_evict(struct inode *ino);

/* Where a conflicting request parks; NULL if ino has no locks (then
 * there is nothing to wait for: retry). */
struct waitq *lock_waitq(struct inode *ino);

/* Deadlock detection for blocking POSIX requests (Linux's: follow "owner
 * waits for owner" through parked requests, a few steps deep). A waiter
 * is a parked request, named by an opaque key and id; still_waiting says
 * whether it is still parked (records of interrupted waits go stale).
 * Records are dropped when their inode's waiters are woken. */
typedef bool lock_waiter_alive_fn(const void *waiter, int id);
void lock_note_waiting(const void *waiter, int id, const void *owner,
		       const void *blocker, const struct inode *ino);
void lock_forget_waiting(const void *waiter);
/* Would owner waiting for blocker close a cycle? */
bool lock_would_deadlock(const void *owner, const void *blocker,
			 lock_waiter_alive_fn *still_waiting);
#endif
