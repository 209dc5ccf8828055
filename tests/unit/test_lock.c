/* The lock manager's range logic: merge, split, upgrade/downgrade,
 * conflicts, close and file release, flock conversion, wake-ups and
 * deadlock chains. */
#include <errno.h>
#include <fcntl.h>
#include "unit.h"
#include "fs/vfs.h"
#include "fs/lock.h"

static int owner_a, owner_b, owner_c;	/* their addresses are owners */
#define A ((const void *)&owner_a)
#define B ((const void *)&owner_b)
#define C ((const void *)&owner_c)
#define END LOCK_OFFSET_MAX

static struct file_lock rec(const void *owner, int kind, short type,
			    int64_t start, int64_t end)
{
	struct file_lock l = {
		.owner = owner, .kind = kind, .type = type,
		.start = start, .end = end, .pid = owner == A ? 1 : 2,
	};

	return l;
}

static int set(struct inode *ino, const void *owner, short type, int64_t s, int64_t e)
{
	struct file_lock l = rec(owner, LOCK_KIND_POSIX, type, s, e);

	return lock_set(ino, &l, NULL);
}

/* The record list as text: "aW0-9 bR20-29", owner letter, type, range. */
static const char *dump(struct inode *ino)
{
	static char buf[512];
	struct list *pos;
	size_t n = 0;

	buf[0] = 0;
	if (!ino->locks)
		return buf;
	list_for_each(pos, &ino->locks->records) {
		struct file_lock *l = list_entry(pos, struct file_lock, node);
		char who = l->owner == A ? 'a' : l->owner == B ? 'b' : 'c';

		if (l->end == END)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%c%c%lld-",
				      n ? " " : "", who, l->type == F_WRLCK ? 'W' : 'R',
				      (long long)l->start);
		else
			n += snprintf(buf + n, sizeof(buf) - n, "%s%c%c%lld-%lld",
				      n ? " " : "", who, l->type == F_WRLCK ? 'W' : 'R',
				      (long long)l->start, (long long)l->end);
	}
	return buf;
}

static int woken;

static void count_wake(struct wait_entry *e)
{
	woken++;
}

static void park(struct inode *ino, struct wait_entry *e)
{
	e->wake = count_wake;
	waitq_add(lock_waitq(ino), e);
}

static void test_merge_split(void)
{
	struct inode ino = { .refs = 1 };

	CHECK_EQ(set(&ino, A, F_WRLCK, 0, 9), 0);
	CHECK_EQ(set(&ino, A, F_WRLCK, 10, 19), 0);
	CHECK_STR(dump(&ino), "aW0-19");
	CHECK_EQ(set(&ino, A, F_WRLCK, 30, 39), 0);
	CHECK_EQ(set(&ino, A, F_WRLCK, 15, 32), 0);
	CHECK_STR(dump(&ino), "aW0-39");
	/* Unlock in the middle: two pieces. */
	CHECK_EQ(set(&ino, A, F_UNLCK, 5, 14), 0);
	CHECK_STR(dump(&ino), "aW0-4 aW15-39");
	/* Downgrade the middle of a lock: three pieces. */
	CHECK_EQ(set(&ino, A, F_RDLCK, 20, 24), 0);
	CHECK_STR(dump(&ino), "aW0-4 aW15-19 aR20-24 aW25-39");
	/* Upgrade it back: all merge again. */
	CHECK_EQ(set(&ino, A, F_WRLCK, 20, 24), 0);
	CHECK_STR(dump(&ino), "aW0-4 aW15-39");
	/* A read lock over several write locks replaces them. */
	CHECK_EQ(set(&ino, A, F_RDLCK, 0, 50), 0);
	CHECK_STR(dump(&ino), "aR0-50");
	/* To EOF, and unlock of a head that leaves the tail. */
	CHECK_EQ(set(&ino, A, F_RDLCK, 51, END), 0);
	CHECK_STR(dump(&ino), "aR0-");
	CHECK_EQ(set(&ino, A, F_UNLCK, 0, 99), 0);
	CHECK_STR(dump(&ino), "aR100-");
	CHECK_EQ(set(&ino, A, F_UNLCK, 0, END), 0);
	CHECK(ino.locks == NULL);	/* freed with the last lock */
	CHECK_EQ(set(&ino, A, F_UNLCK, 0, END), 0);
	CHECK(ino.locks == NULL);
}

static void test_conflicts(void)
{
	struct inode ino = { .refs = 1 };
	struct file_lock q, c;
	const void *blocker = NULL;

	CHECK_EQ(set(&ino, A, F_RDLCK, 0, 9), 0);
	CHECK_EQ(set(&ino, B, F_RDLCK, 5, 14), 0);	/* read + read */
	q = rec(C, LOCK_KIND_POSIX, F_WRLCK, 12, 20);
	CHECK_EQ(lock_set(&ino, &q, &blocker), -EAGAIN);
	CHECK(blocker == B);
	CHECK(lock_test(&ino, &q, &c));
	CHECK(c.owner == B && c.start == 5 && c.end == 14 && c.type == F_RDLCK);
	q = rec(C, LOCK_KIND_POSIX, F_WRLCK, 0, END);
	CHECK(lock_test(&ino, &q, &c));
	CHECK(c.owner == A && c.start == 0);		/* the lowest one */
	q = rec(C, LOCK_KIND_POSIX, F_WRLCK, 15, 20);
	CHECK(!lock_test(&ino, &q, &c));
	/* B cannot upgrade over A's share; nothing changes. */
	CHECK_EQ(set(&ino, B, F_WRLCK, 5, 14), -EAGAIN);
	CHECK_STR(dump(&ino), "aR0-9 bR5-14");
	/* OFD and POSIX locks of the same owner pointer are different owners. */
	q = rec(A, LOCK_KIND_OFD, F_WRLCK, 0, 0);
	CHECK_EQ(lock_set(&ino, &q, NULL), -EAGAIN);
	/* Close: all of A's POSIX locks go, waiters are woken. */
	struct wait_entry e;

	woken = 0;
	park(&ino, &e);
	lock_release_posix(&ino, A);
	CHECK_EQ(woken, 1);
	CHECK_STR(dump(&ino), "bR5-14");
	CHECK_EQ(set(&ino, B, F_WRLCK, 5, 14), 0);	/* now it can */
	lock_release_posix(&ino, B);
	CHECK(ino.locks == NULL);
}

static void test_wakeups(void)
{
	struct inode ino = { .refs = 1 };
	struct wait_entry e;

	CHECK_EQ(set(&ino, A, F_WRLCK, 0, 9), 0);
	woken = 0;
	park(&ino, &e);
	CHECK_EQ(set(&ino, A, F_WRLCK, 10, 19), 0);	/* growth: no wake */
	CHECK_EQ(woken, 0);
	CHECK_EQ(set(&ino, A, F_RDLCK, 0, 4), 0);	/* downgrade wakes */
	CHECK_EQ(woken, 1);
	park(&ino, &e);
	CHECK_EQ(set(&ino, A, F_UNLCK, 100, 200), 0);	/* nothing there */
	CHECK_EQ(woken, 1);
	CHECK_EQ(set(&ino, A, F_UNLCK, 0, END), 0);
	CHECK_EQ(woken, 2);
	CHECK(ino.locks == NULL);
}

static void test_flock(void)
{
	struct inode ino = { .refs = 1 };
	struct wait_entry e;

	CHECK_EQ(lock_flock(&ino, A, F_RDLCK), 0);
	CHECK_EQ(lock_flock(&ino, B, F_RDLCK), 0);
	CHECK_EQ(lock_flock(&ino, C, F_WRLCK), -EAGAIN);
	/* Independent of record locks. */
	CHECK_EQ(set(&ino, C, F_WRLCK, 0, END), 0);
	CHECK_EQ(set(&ino, C, F_UNLCK, 0, END), 0);
	/* A failed conversion loses the old lock. */
	CHECK_EQ(lock_flock(&ino, A, F_WRLCK), -EAGAIN);
	CHECK_EQ(lock_flock(&ino, B, F_WRLCK), 0);
	CHECK_EQ(lock_flock(&ino, B, F_WRLCK), 0);
	woken = 0;
	park(&ino, &e);
	lock_release_file(&ino, B);
	CHECK_EQ(woken, 1);
	CHECK(ino.locks == NULL);
	CHECK_EQ(lock_flock(&ino, A, F_UNLCK), 0);
	CHECK(ino.locks == NULL);
}

static bool all_alive(const void *w, int id)
{
	return id != 99;
}

static void test_deadlock(void)
{
	int wa, wb;
	struct inode ino = { .refs = 1 };

	/* A waits for B; B wanting A's lock would close the cycle. */
	lock_note_waiting(&wa, 1, A, B, &ino);
	CHECK(lock_would_deadlock(B, A, all_alive));
	CHECK(!lock_would_deadlock(C, A, all_alive));
	/* Three owners: B waits for C, C wanting A's lock. */
	lock_note_waiting(&wb, 2, B, C, &ino);
	CHECK(lock_would_deadlock(C, A, all_alive));
	/* A stale record (the waiter was interrupted) breaks the chain. */
	lock_note_waiting(&wa, 99, A, B, &ino);
	CHECK(!lock_would_deadlock(B, A, all_alive));
	lock_forget_waiting(&wb);
	lock_forget_waiting(&wa);
	CHECK(!lock_would_deadlock(B, A, NULL));
	/* Waking an inode's waiters drops their records. */
	lock_note_waiting(&wa, 1, A, B, &ino);
	CHECK_EQ(set(&ino, B, F_WRLCK, 0, 0), 0);
	CHECK_EQ(set(&ino, B, F_UNLCK, 0, 0), 0);
	CHECK(!lock_would_deadlock(B, A, all_alive));
}

static void test_evict(void)
{
	struct inode ino = { .refs = 1 };
	struct wait_entry e;

	CHECK_EQ(set(&ino, A, F_WRLCK, 0, 9), 0);
	CHECK_EQ(lock_flock(&ino, B, F_WRLCK), 0);
	woken = 0;
	park(&ino, &e);
	lock_inode_evict(&ino);
	CHECK_EQ(woken, 1);
	CHECK(ino.locks == NULL);
}

int main(void)
{
	test_merge_split();
	test_conflicts();
	test_wakeups();
	test_flock();
	test_deadlock();
	test_evict();
	return unit_done();
}
