/* fork, vfork, clone: the host forks or spawns a thread through the stub
 * on the kernel's orders; the kernel copies its own records. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "task/fork.h"
#include "task/internal.h"
#include "signal/signal.h"
#include "task/sched.h"
#include "mm/mm.h"
#include "mm/uaccess.h"
#include "fs/vfs.h"
#include "lib/kerrno.h"
#include "lib/log.h"
#include "lib/ktime.h"

#define HOST_THREAD_FLAGS (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | \
			   CLONE_FILES | CLONE_SYSVSEM)
#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
			 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

static struct sighand *sighand_copy(struct sighand *old)
{
	struct sighand *sh = malloc(sizeof(*sh));

	if (!sh)
		return NULL;
	*sh = *old;
	sh->refs = 1;
	return sh;
}

static struct process *new_process(struct process *parent, unsigned long flags)
{
	struct process *p = process_alloc();
	int pid;

	if (!p)
		return NULL;
	pid = alloc_pid();
	if (pid < 0) {
		process_free(p);
		return NULL;
	}
	p->pid = pid;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->cred = parent->cred;
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	p->exe_path = parent->exe_path ? strdup(parent->exe_path) : NULL;
	p->arg_start = parent->arg_start;
	p->arg_end = parent->arg_end;
	p->env_start = parent->env_start;
	p->env_end = parent->env_end;
	p->tty_index = parent->tty_index;
	p->start_time_ns = ktime_ns();
	p->cont_reported = true;
	ktimer_init(&p->itimer_real, process_itimer_fired);
	p->parent = (flags & CLONE_PARENT) && parent->parent ? parent->parent : parent;
	list_add_tail(&p->sibling, &p->parent->children);

	if (flags & CLONE_VM) {
		/* vfork: the child borrows the parent's memory until exec. */
		p->mm = parent->mm;
		p->mm->refs++;
	} else {
		p->mm = mm_dup(parent->mm);
	}
	if (flags & CLONE_FILES) {
		p->files = parent->files;
		p->files->refs++;
	} else {
		p->files = fdtable_dup(parent->files);
	}
	if (flags & CLONE_FS) {
		p->fs = parent->fs;
		p->fs->refs++;
	} else {
		p->fs = fs_context_dup(parent->fs);
	}
	p->sighand = sighand_copy(parent->sighand);
	if (!p->mm || !p->files || !p->fs || !p->sighand) {
		/* Released by the exit path like any dead process. */
		p->zombie = true;
		return NULL;
	}
	return p;
}

long do_clone(struct task *t, unsigned long flags, uint64_t newsp, uint64_t parent_tid,
	      uint64_t child_tid, uint64_t tls)
{
	struct process *p = t->proc, *np;
	struct platform_thread child_pt;
	struct task *child;
	bool thread = flags & CLONE_THREAD;
	long host;
	int tid;

	if (t->vfork_child) {
		/* A vfork parent woken: the child has exec'd or exited. */
		struct process *c = process_by_pid(t->vfork_child);
		int pid = t->vfork_child;
		if (c && c->vfork_waiter == t && !c->zombie) {
			t->block_intr = pid;
			return -EBLOCK;
		}
		t->vfork_child = 0;
		return pid;
	}
	if (flags & NAMESPACE_FLAGS)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_VM) && !thread && !(flags & CLONE_VFORK)) {
		printk_level(KERN_WARNING, "clone: CLONE_VM without CLONE_THREAD is not supported\n");
		return -EINVAL;
	}
	if (nr_processes() >= (int)p->rlim[RLIMIT_NPROC].rlim_cur && p->cred.uid != 0)
		return -EAGAIN;
	/* Like Linux's threads-max: a share of guest memory per task. */
	if (nr_processes() >= (int)(mm_limit() / (128 << 10)))
		return -EAGAIN;

	if (thread) {
		tid = alloc_pid();
		if (tid < 0)
			return -EAGAIN;
		host = platform_clone(&t->pt, HOST_THREAD_FLAGS, &child_pt);
		if (host < 0)
			return -EAGAIN;
		np = p;
	} else {
		np = new_process(p, flags);
		if (!np)
			return -ENOMEM;
		tid = np->pid;
		host = platform_clone(&t->pt, (flags & CLONE_VM) | SIGCHLD, &child_pt);
		if (host < 0) {
			np->zombie = true;
			process_free(np);
			return -EAGAIN;
		}
	}
	child = task_alloc(np, tid);
	if (!child) {
		platform_kill(host);
		return -ENOMEM;
	}
	child->pt = child_pt;
	child->pt.regs = t->pt.regs;
	child->pt.regs.rax = 0;
	if (newsp)
		child->pt.regs.rsp = newsp;
	if (flags & CLONE_SETTLS)
		child->pt.regs.fs_base = tls;
	child->pt.regs_dirty = true;
	child->blocked = t->blocked;
	child->sas_sp = t->sas_sp;
	child->sas_size = t->sas_size;
	if (flags & CLONE_CHILD_CLEARTID)
		child->clear_child_tid = child_tid;
	task_hash_host(child);
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(t, parent_tid, &tid, sizeof(tid));
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(child, child_tid, &tid, sizeof(tid));
	if (!thread)
		np->cred = p->cred;
	sched_make_ready(child);
	if (flags & CLONE_VFORK) {
		np->vfork_waiter = t;
		t->vfork_child = tid;
		t->block_intr = tid;
		return -EBLOCK;
	}
	return tid;
}

struct task *spawn_init_task(void)
{
	struct process *p = process_alloc();
	struct task *t;

	if (!p)
		return NULL;
	p->pid = alloc_pid();
	/* As on Linux, init leads its own session and process group. */
	p->pgid = p->sid = p->pid;
	p->start_time_ns = ktime_ns();
	p->cont_reported = true;
	ktimer_init(&p->itimer_real, process_itimer_fired);
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i].rlim_cur = p->rlim[i].rlim_max = RLIM_INFINITY;
	p->rlim[RLIMIT_STACK].rlim_cur = 8UL << 20;
	p->rlim[RLIMIT_CORE].rlim_cur = 0;
	p->rlim[RLIMIT_NOFILE].rlim_cur = 1024;
	p->rlim[RLIMIT_NOFILE].rlim_max = 4096;
	p->rlim[RLIMIT_NPROC].rlim_cur = p->rlim[RLIMIT_NPROC].rlim_max = 4096;
	p->rlim[RLIMIT_SIGPENDING].rlim_cur = p->rlim[RLIMIT_SIGPENDING].rlim_max = 1024;
	p->rlim[RLIMIT_MEMLOCK].rlim_cur = p->rlim[RLIMIT_MEMLOCK].rlim_max = 8UL << 20;
	p->rlim[RLIMIT_MSGQUEUE].rlim_cur = p->rlim[RLIMIT_MSGQUEUE].rlim_max = 819200;
	p->sighand = calloc(1, sizeof(*p->sighand));
	p->mm = mm_new();
	p->files = fdtable_new();
	if (!p->sighand || !p->mm || !p->files)
		return NULL;
	p->sighand->refs = 1;
	strcpy(p->comm, "swapper");
	t = task_alloc(p, p->pid);
	if (!t)
		return NULL;
	if (platform_spawn(&t->pt) < 0)
		return NULL;
	task_hash_host(t);
	t->state = TASK_READY;
	return t;
}
