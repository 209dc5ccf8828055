/* Process identity: pids, process groups, sessions, credentials. */
#include <errno.h>
#include <string.h>
#include "syscalls/syscall.h"
#include "task/task.h"
#include "mm/uaccess.h"

SYSCALL_DEFINE(getpid)
{
	return t->proc->pid;
}

SYSCALL_DEFINE(gettid)
{
	return t->tid;
}

SYSCALL_DEFINE(getppid)
{
	return t->proc->parent ? t->proc->parent->pid : 0;
}

static struct process *pid_or_self(struct task *t, int pid)
{
	return pid == 0 ? t->proc : process_by_pid(pid);
}

SYSCALL_DEFINE(getpgid)
{
	struct process *p = pid_or_self(t, (int)a[0]);

	if ((int)a[0] < 0 || !p || p->zombie)
		return -ESRCH;
	return p->pgid;
}

SYSCALL_DEFINE(getpgrp)
{
	return t->proc->pgid;
}

SYSCALL_DEFINE(getsid)
{
	struct process *p = pid_or_self(t, (int)a[0]);

	if ((int)a[0] < 0 || !p || p->zombie)
		return -ESRCH;
	return p->sid;
}

struct pgrp_query {
	int pgid, sid, found;
};

static int pgrp_in_session(struct process *p, void *arg)
{
	struct pgrp_query *q = arg;

	if (p->pgid == q->pgid && !p->zombie) {
		q->found = 1;
		q->sid = p->sid;
		return 1;
	}
	return 0;
}

SYSCALL_DEFINE(setpgid)
{
	int pid = (int)a[0], pgid = (int)a[1];
	struct process *self = t->proc, *p;

	if (pgid < 0)
		return -EINVAL;
	p = pid ? process_by_pid(pid) : self;
	if (!p || p->zombie)
		return -ESRCH;
	if (p != self && p->parent != self)
		return -ESRCH;
	if (p != self && p->sid != self->sid)
		return -EPERM;
	if (p->sid == p->pid)
		return -EPERM;		/* a session leader keeps its group */
	if (!pgid)
		pgid = p->pid;
	if (pgid != p->pid) {
		struct pgrp_query q = { pgid, 0, 0 };
		for_each_process(pgrp_in_session, &q);
		if (!q.found || q.sid != self->sid)
			return -EPERM;
	}
	p->pgid = pgid;
	return 0;
}

struct leader_query {
	int pid, found;
};

static int is_group_leader_id(struct process *p, void *arg)
{
	struct leader_query *q = arg;

	if (p->pgid == q->pid) {
		q->found = 1;
		return 1;
	}
	return 0;
}

SYSCALL_DEFINE(setsid)
{
	struct process *p = t->proc;
	struct leader_query q = { p->pid, 0 };

	for_each_process(is_group_leader_id, &q);
	if (q.found)
		return -EPERM;
	p->sid = p->pgid = p->pid;
	p->tty_index = -1;
	return p->sid;
}

SYSCALL_DEFINE(getuid) { return t->proc->cred.uid; }
SYSCALL_DEFINE(geteuid) { return t->proc->cred.euid; }
SYSCALL_DEFINE(getgid) { return t->proc->cred.gid; }
SYSCALL_DEFINE(getegid) { return t->proc->cred.egid; }

static bool capable(struct task *t)
{
	return t->proc->cred.euid == 0;
}

/* An id a non-root caller may switch to: one of its real/effective/saved. */
static bool uid_allowed(const struct cred *c, uid_t id)
{
	return id == c->uid || id == c->euid || id == c->suid;
}

static bool gid_allowed(const struct cred *c, gid_t id)
{
	return id == c->gid || id == c->egid || id == c->sgid;
}

SYSCALL_DEFINE(setuid)
{
	struct cred *c = &t->proc->cred;
	uid_t id = (uid_t)a[0];

	if (id == (uid_t)-1)
		return -EINVAL;
	if (capable(t)) {
		c->uid = c->euid = c->suid = c->fsuid = id;
	} else if (id == c->uid || id == c->suid) {
		c->euid = c->fsuid = id;
	} else {
		return -EPERM;
	}
	return 0;
}

SYSCALL_DEFINE(setgid)
{
	struct cred *c = &t->proc->cred;
	gid_t id = (gid_t)a[0];

	if (id == (gid_t)-1)
		return -EINVAL;
	if (capable(t)) {
		c->gid = c->egid = c->sgid = c->fsgid = id;
	} else if (id == c->gid || id == c->sgid) {
		c->egid = c->fsgid = id;
	} else {
		return -EPERM;
	}
	return 0;
}

SYSCALL_DEFINE(setreuid)
{
	struct cred *c = &t->proc->cred, n = *c;
	uid_t r = (uid_t)a[0], e = (uid_t)a[1];

	if (r != (uid_t)-1) {
		if (!capable(t) && r != c->uid && r != c->euid)
			return -EPERM;
		n.uid = r;
	}
	if (e != (uid_t)-1) {
		if (!capable(t) && !uid_allowed(c, e))
			return -EPERM;
		n.euid = e;
	}
	if (r != (uid_t)-1 || (e != (uid_t)-1 && e != c->uid))
		n.suid = n.euid;
	n.fsuid = n.euid;
	*c = n;
	return 0;
}

SYSCALL_DEFINE(setregid)
{
	struct cred *c = &t->proc->cred, n = *c;
	gid_t r = (gid_t)a[0], e = (gid_t)a[1];

	if (r != (gid_t)-1) {
		if (!capable(t) && r != c->gid && r != c->egid)
			return -EPERM;
		n.gid = r;
	}
	if (e != (gid_t)-1) {
		if (!capable(t) && !gid_allowed(c, e))
			return -EPERM;
		n.egid = e;
	}
	if (r != (gid_t)-1 || (e != (gid_t)-1 && e != c->gid))
		n.sgid = n.egid;
	n.fsgid = n.egid;
	*c = n;
	return 0;
}

SYSCALL_DEFINE(setresuid)
{
	struct cred *c = &t->proc->cred;
	uid_t ids[3] = { (uid_t)a[0], (uid_t)a[1], (uid_t)a[2] };

	for (int i = 0; i < 3; i++)
		if (ids[i] != (uid_t)-1 && !capable(t) && !uid_allowed(c, ids[i]))
			return -EPERM;
	if (ids[0] != (uid_t)-1)
		c->uid = ids[0];
	if (ids[1] != (uid_t)-1)
		c->euid = ids[1];
	if (ids[2] != (uid_t)-1)
		c->suid = ids[2];
	c->fsuid = c->euid;
	return 0;
}

SYSCALL_DEFINE(setresgid)
{
	struct cred *c = &t->proc->cred;
	gid_t ids[3] = { (gid_t)a[0], (gid_t)a[1], (gid_t)a[2] };

	for (int i = 0; i < 3; i++)
		if (ids[i] != (gid_t)-1 && !capable(t) && !gid_allowed(c, ids[i]))
			return -EPERM;
	if (ids[0] != (gid_t)-1)
		c->gid = ids[0];
	if (ids[1] != (gid_t)-1)
		c->egid = ids[1];
	if (ids[2] != (gid_t)-1)
		c->sgid = ids[2];
	c->fsgid = c->egid;
	return 0;
}

static long put_ids(struct task *t, const uint64_t *a, const uint32_t ids[3])
{
	for (int i = 0; i < 3; i++)
		if (copy_to_user(t, a[i], &ids[i], sizeof(ids[i])))
			return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(getresuid)
{
	struct cred *c = &t->proc->cred;
	uint32_t ids[3] = { c->uid, c->euid, c->suid };

	return put_ids(t, a, ids);
}

SYSCALL_DEFINE(getresgid)
{
	struct cred *c = &t->proc->cred;
	uint32_t ids[3] = { c->gid, c->egid, c->sgid };

	return put_ids(t, a, ids);
}

SYSCALL_DEFINE(setfsuid)
{
	struct cred *c = &t->proc->cred;
	uid_t old = c->fsuid, id = (uid_t)a[0];

	if (id != (uid_t)-1 && (capable(t) || uid_allowed(c, id) || id == c->fsuid))
		c->fsuid = id;
	return old;
}

SYSCALL_DEFINE(setfsgid)
{
	struct cred *c = &t->proc->cred;
	gid_t old = c->fsgid, id = (gid_t)a[0];

	if (id != (gid_t)-1 && (capable(t) || gid_allowed(c, id) || id == c->fsgid))
		c->fsgid = id;
	return old;
}

SYSCALL_DEFINE(getgroups)
{
	struct cred *c = &t->proc->cred;
	int size = (int)a[0];

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if (size < c->ngroups)
		return -EINVAL;
	if (copy_to_user(t, a[1], c->groups, c->ngroups * sizeof(gid_t)))
		return -EFAULT;
	return c->ngroups;
}

SYSCALL_DEFINE(setgroups)
{
	struct cred *c = &t->proc->cred;
	int size = (int)a[0];
	gid_t groups[32];

	if (!capable(t))
		return -EPERM;
	if (size < 0 || size > 32)
		return -EINVAL;
	if (copy_from_user(t, groups, a[1], size * sizeof(gid_t)))
		return -EFAULT;
	memcpy(c->groups, groups, size * sizeof(gid_t));
	c->ngroups = size;
	return 0;
}

/* The guest has every capability when root and none otherwise. */
SYSCALL_DEFINE(capget)
{
	struct { uint32_t version; int pid; } hdr;
	struct { uint32_t effective, permitted, inheritable; } data[2];
	uint32_t all = t->proc->cred.euid == 0 ? 0xffffffff : 0;

	if (copy_from_user(t, &hdr, a[0], sizeof(hdr)))
		return -EFAULT;
	if (!a[1])
		return 0;
	for (int i = 0; i < 2; i++)
		data[i] = (typeof(data[0])){ all, all, 0 };
	return copy_to_user(t, a[1], data, sizeof(data)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(capset)
{
	return capable(t) ? 0 : -EPERM;
}
