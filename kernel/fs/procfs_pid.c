/* procfs: the files of /proc/PID (and /proc/PID/task/TID), in the formats
 * Linux uses, since procps and busybox parse them field by field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include "fs/procfs_internal.h"
#include "task/task.h"
#include "mm/mm.h"
#include "tty/tty.h"

#define ARGS_MAX	(128u << 10)	/* cmdline/environ shown at most */
#define FULL_CAPS	0x000001ffffffffffULL

/* ---- process state ---------------------------------------------------- */

static char state_letter(const struct proc_target *pt)
{
	struct process *p = pt->p;
	bool stopped = p->stopped;
	struct list *pos;

	if (p->zombie)
		return 'Z';
	if (current && current->proc == p && (!pt->thread_view || current == pt->t))
		return 'R';
	if (pt->thread_view && pt->t) {
		switch (pt->t->state) {
		case TASK_RUNNING:
		case TASK_READY:
			return 'R';
		case TASK_STOPPED:
			return 'T';
		case TASK_DEAD:
			return 'X';
		default:
			return 'S';
		}
	}
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);

		if (t->state == TASK_RUNNING || t->state == TASK_READY)
			return 'R';
		if (t->state == TASK_STOPPED)
			stopped = true;
	}
	return stopped ? 'T' : 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	case 'X': return "X (dead)";
	}
	return "S (sleeping)";
}

static int live_threads(struct process *p)
{
	struct list *pos;
	int n = 0;

	list_for_each(pos, &p->threads) {
		if (list_entry(pos, struct task, thread_node)->state != TASK_DEAD)
			n++;
	}
	return n;
}

/* Any thread, for the per-thread fields of a process (may be NULL). */
static struct task *some_thread(const struct proc_target *pt)
{
	if (pt->t)
		return pt->t;
	if (!list_empty(&pt->p->threads))
		return list_entry(pt->p->threads.next, struct task, thread_node);
	return NULL;
}

static void sig_sets(const struct proc_target *pt, uint64_t *pending, uint64_t *shared,
		     uint64_t *blocked, uint64_t *ignored, uint64_t *caught)
{
	struct task *t = some_thread(pt);
	struct sighand *sh = pt->p->sighand;

	*pending = t ? t->pending.set : 0;
	*shared = pt->p->shared_pending.set;
	*blocked = t ? t->blocked : 0;
	*ignored = *caught = 0;
	for (int i = 0; sh && i < KSIG_NSIG; i++) {
		if (sh->action[i].handler == 1)
			*ignored |= 1ULL << i;
		else if (sh->action[i].handler > 1)
			*caught |= 1ULL << i;
	}
}

/* tty_nr as Linux encodes a device number in stat. */
static unsigned tty_nr(struct process *p)
{
	dev_t d = p->tty_index >= 0 ? tty_devt(p->tty_index) : 0;
	unsigned ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

static int tty_pgrp(struct process *p)
{
	struct tty *tty = p->tty_index >= 0 ? tty_lookup(p->tty_index) : NULL;

	return tty && tty->pgrp ? tty->pgrp : -1;
}

/* Sizes of kinds of mappings, in bytes. */
struct vm_sizes {
	uint64_t total, data, stack, exe, lib;
	uint64_t start_code, end_code;
};

static void vm_sizes(struct process *p, struct vm_sizes *s)
{
	struct list *pos;

	memset(s, 0, sizeof(*s));
	if (!p->mm)
		return;
	list_for_each(pos, &p->mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		uint64_t n = v->end - v->start;

		s->total += n;
		if (v->name && !strcmp(v->name, "[stack]"))
			s->stack += n;
		else if ((v->prot & PROT_EXEC) && v->file) {
			if (!s->start_code) {
				s->start_code = v->start;
				s->end_code = v->end;
				s->exe += n;
			} else {
				s->lib += n;
			}
		} else if ((v->prot & PROT_WRITE) && !(v->flags & MAP_SHARED))
			s->data += n;
	}
}

static bool may_inspect(struct process *p)
{
	if (!current || !current->proc)
		return true;
	return current->proc->cred.euid == 0 || current->proc == p ||
	       current->proc->cred.euid == p->cred.euid;
}

/* ---- stat, statm, status ---------------------------------------------------- */

static int show_stat(struct pbuf *b, const struct proc_target *pt)
{
	struct process *p = pt->p;
	struct vm_sizes vs;
	uint64_t pend, shpend, blk, ign, cgt;
	int id = pt->thread_view && pt->t ? pt->t->tid : p->pid;
	unsigned long long rsslim = p->rlim[RLIMIT_RSS].rlim_cur;
	bool has_mm = p->mm != NULL;

	vm_sizes(p, &vs);
	sig_sets(pt, &pend, &shpend, &blk, &ign, &cgt);
	pb_printf(b, "%d (%s) %c %d %d %d %u %d %u %lu %lu %lu %lu ",
		  id, p->comm, state_letter(pt), p->parent ? p->parent->pid : 0,
		  p->pgid, p->sid, tty_nr(p), tty_pgrp(p),
		  0x400000u /* PF_RANDOMIZE-less user task */, 0UL, 0UL, 0UL, 0UL);
	pb_printf(b, "%llu %llu %llu %llu %d %d %d %d %llu %llu %lu %llu ",
		  (unsigned long long)(p->utime_ns / PROC_TICKS_NS),
		  (unsigned long long)(p->stime_ns / PROC_TICKS_NS),
		  (unsigned long long)(p->cutime_ns / PROC_TICKS_NS),
		  (unsigned long long)(p->cstime_ns / PROC_TICKS_NS),
		  20, 0, live_threads(p), 0,
		  (unsigned long long)(p->start_time_ns / PROC_TICKS_NS),
		  (unsigned long long)vs.total, has_mm ? proc_rss_pages(p) : 0UL, rsslim);
	pb_printf(b, "%llu %llu %llu 0 0 %llu %llu %llu %llu 0 0 0 17 0 0 0 0 0 0 ",
		  (unsigned long long)(has_mm ? vs.start_code : 0),
		  (unsigned long long)(has_mm ? vs.end_code : 0),
		  (unsigned long long)(has_mm ? p->mm->stack_top : 0),
		  (unsigned long long)((pend | shpend) & 0xffffffffULL),
		  (unsigned long long)(blk & 0xffffffffULL),
		  (unsigned long long)(ign & 0xffffffffULL),
		  (unsigned long long)(cgt & 0xffffffffULL));
	pb_printf(b, "%llu %llu %llu %llu %llu %llu %llu %d\n",
		  0ULL, 0ULL,
		  (unsigned long long)(has_mm ? p->mm->brk_start : 0),
		  (unsigned long long)(has_mm ? p->arg_start : 0),
		  (unsigned long long)(has_mm ? p->arg_end : 0),
		  (unsigned long long)(has_mm ? p->env_start : 0),
		  (unsigned long long)(has_mm ? p->env_end : 0),
		  p->zombie ? p->exit_code : 0);
	return 0;
}

static int show_statm(struct pbuf *b, const struct proc_target *pt)
{
	struct vm_sizes vs;
	unsigned long rss = proc_rss_pages(pt->p);

	vm_sizes(pt->p, &vs);
	pb_printf(b, "%llu %lu 0 %llu 0 %llu 0\n",
		  (unsigned long long)(vs.total / PAGE_SIZE), rss,
		  (unsigned long long)(vs.exe / PAGE_SIZE),
		  (unsigned long long)((vs.data + vs.stack) / PAGE_SIZE));
	return 0;
}

static void kb_line(struct pbuf *b, const char *name, uint64_t bytes)
{
	pb_printf(b, "%s\t%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

static int show_status(struct pbuf *b, const struct proc_target *pt)
{
	struct process *p = pt->p;
	const struct cred *c = &p->cred;
	uint64_t pend, shpend, blk, ign, cgt, caps;
	int id = pt->thread_view && pt->t ? pt->t->tid : p->pid;
	struct vm_sizes vs;

	sig_sets(pt, &pend, &shpend, &blk, &ign, &cgt);
	pb_printf(b, "Name:\t%s\n", p->comm);
	if (p->fs)
		pb_printf(b, "Umask:\t%04o\n", (unsigned)p->fs->umask);
	pb_printf(b, "State:\t%s\n", state_name(state_letter(pt)));
	pb_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		  p->pid, id, p->parent ? p->parent->pid : 0);
	pb_printf(b, "Uid:\t%u\t%u\t%u\t%u\n", (unsigned)c->uid, (unsigned)c->euid,
		  (unsigned)c->suid, (unsigned)c->fsuid);
	pb_printf(b, "Gid:\t%u\t%u\t%u\t%u\n", (unsigned)c->gid, (unsigned)c->egid,
		  (unsigned)c->sgid, (unsigned)c->fsgid);
	pb_printf(b, "FDSize:\t%d\nGroups:\t", p->files ? p->files->size : 0);
	for (int i = 0; i < c->ngroups && i < 32; i++)
		pb_printf(b, "%u ", (unsigned)c->groups[i]);
	pb_printf(b, "\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		  p->pid, id, p->pgid, p->sid);
	if (p->mm) {
		uint64_t rss = (uint64_t)proc_rss_pages(p) * PAGE_SIZE;

		vm_sizes(p, &vs);
		kb_line(b, "VmPeak:", vs.total);
		kb_line(b, "VmSize:", vs.total);
		kb_line(b, "VmLck:", 0);
		kb_line(b, "VmPin:", 0);
		kb_line(b, "VmHWM:", rss);
		kb_line(b, "VmRSS:", rss);
		kb_line(b, "RssAnon:", rss);
		kb_line(b, "RssFile:", 0);
		kb_line(b, "RssShmem:", 0);
		kb_line(b, "VmData:", vs.data);
		kb_line(b, "VmStk:", vs.stack);
		kb_line(b, "VmExe:", vs.exe);
		kb_line(b, "VmLib:", vs.lib);
		kb_line(b, "VmPTE:", 0);
		kb_line(b, "VmSwap:", 0);
	}
	pb_printf(b, "Threads:\t%d\n", live_threads(p));
	pb_printf(b, "SigQ:\t0/%llu\n", (unsigned long long)p->rlim[RLIMIT_SIGPENDING].rlim_cur);
	pb_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n"
		  "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
		  (unsigned long long)pend, (unsigned long long)shpend,
		  (unsigned long long)blk, (unsigned long long)ign, (unsigned long long)cgt);
	caps = c->euid == 0 ? FULL_CAPS : 0;
	pb_printf(b, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		  "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", 0ULL,
		  (unsigned long long)caps, (unsigned long long)caps,
		  (unsigned long long)FULL_CAPS, 0ULL);
	pb_printf(b, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		  "Speculation_Store_Bypass:\tthread vulnerable\n"
		  "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
		  "Mems_allowed:\t1\nMems_allowed_list:\t0\n"
		  "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
	return 0;
}

/* ---- memory of the process ------------------------------------------------- */

static int show_cmdline(struct pbuf *b, const struct proc_target *pt)
{
	return proc_read_guest(pt->p, pt->p->arg_start, pt->p->arg_end, ARGS_MAX, b);
}

static int show_environ(struct pbuf *b, const struct proc_target *pt)
{
	if (!may_inspect(pt->p))
		return -EACCES;
	return proc_read_guest(pt->p, pt->p->env_start, pt->p->env_end, ARGS_MAX, b);
}

static int show_comm(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "%s\n", pt->p->comm);
	return 0;
}

static ssize_t write_comm(const struct proc_target *pt, const char *buf, size_t len)
{
	size_t n = len;

	if (current && current->proc != pt->p)
		return -EINVAL;
	if (n && buf[n - 1] == '\n')
		n--;
	if (n > sizeof(pt->p->comm) - 1)
		n = sizeof(pt->p->comm) - 1;
	memcpy(pt->p->comm, buf, n);
	pt->p->comm[n] = 0;
	return len;
}

static int show_maps(struct pbuf *b, const struct proc_target *pt)
{
	size_t cap = 16384;

	if (!pt->p->mm)
		return 0;
	/* mm_maps_text stops before a line that does not fit. */
	for (;;) {
		char *buf = malloc(cap);
		size_t n;

		if (!buf)
			return -ENOMEM;
		n = mm_maps_text(pt->p->mm, buf, cap);
		if (n + 1024 < cap) {
			pb_write(b, buf, n);
			free(buf);
			return 0;
		}
		free(buf);
		cap *= 2;
	}
}

/* ---- links ---------------------------------------------------------------- */

static int copy_link(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n > len)
		n = len;
	memcpy(buf, s, n);
	return n;
}

static int link_exe(const struct proc_target *pt, char *buf, size_t len)
{
	if (!may_inspect(pt->p))
		return -EACCES;
	if (!pt->p->exe_path || !pt->p->mm)
		return -ENOENT;
	return copy_link(buf, len, pt->p->exe_path);
}

static const struct path *fs_path(const struct proc_target *pt, bool root)
{
	if (!pt->p->fs)
		return NULL;
	return root ? &pt->p->fs->root : &pt->p->fs->cwd;
}

static int path_link(const struct path *p, char *buf, size_t len)
{
	struct path root = proc_caller_root();

	if (!p || !p->dentry)
		return -ENOENT;
	return vfs_path_name(&root, p, buf, len);
}

static int link_cwd(const struct proc_target *pt, char *buf, size_t len)
{
	return may_inspect(pt->p) ? path_link(fs_path(pt, false), buf, len) : -EACCES;
}

static int link_root(const struct proc_target *pt, char *buf, size_t len)
{
	return may_inspect(pt->p) ? path_link(fs_path(pt, true), buf, len) : -EACCES;
}

static int get_fs_path(const struct proc_target *pt, bool root, struct path *res)
{
	const struct path *p = fs_path(pt, root);

	if (!may_inspect(pt->p))
		return -EACCES;
	if (!p || !p->dentry)
		return -ENOENT;
	*res = *p;
	path_get(res);
	return 0;
}

static int get_cwd(const struct proc_target *pt, struct path *res)
{
	return get_fs_path(pt, false, res);
}

static int get_root(const struct proc_target *pt, struct path *res)
{
	return get_fs_path(pt, true, res);
}

/* ---- fd/ and fdinfo/ ------------------------------------------------------- */

static struct file *target_file(const struct proc_target *pt)
{
	if (!pt->p->files || pt->fd < 0)
		return NULL;
	return fd_get(pt->p->files, pt->fd);
}

/* A path made for a file without one (below): not a real name. */
static bool orphan_path(const struct path *p)
{
	return p->dentry && p->dentry->parent == p->dentry && p->dentry->dead;
}

int proc_fd_link(const struct proc_target *pt, char *buf, size_t len)
{
	struct file *f;
	char tmp[64];

	if (!may_inspect(pt->p))
		return -EACCES;
	f = target_file(pt);
	if (!f)
		return -ENOENT;
	if (f->path.dentry && f->path.mnt && !orphan_path(&f->path))
		return path_link(&f->path, buf, len);
	if (f->inode && S_ISFIFO(f->inode->mode))
		snprintf(tmp, sizeof(tmp), "pipe:[%llu]", (unsigned long long)f->inode->ino);
	else if (f->inode && S_ISSOCK(f->inode->mode))
		snprintf(tmp, sizeof(tmp), "socket:[%llu]", (unsigned long long)f->inode->ino);
	else
		snprintf(tmp, sizeof(tmp), "anon_inode:[%s]",
			 f->inode && f->inode->sb && f->inode->sb->type ?
			 f->inode->sb->type->name : "anon");
	return copy_link(buf, len, tmp);
}

/* Opening fd/N opens the same file, whether or not it has a name: a file
 * without a path gets a nameless dentry for its inode. */
int proc_fd_get_path(const struct proc_target *pt, struct path *res)
{
	struct path root = proc_caller_root();
	struct dentry *d;
	struct file *f;

	if (!may_inspect(pt->p))
		return -EACCES;
	f = target_file(pt);
	if (!f)
		return -ENOENT;
	if (f->path.dentry && f->path.mnt) {
		*res = f->path;
		path_get(res);
		return 0;
	}
	if (!f->inode || !root.mnt)
		return -ENOENT;
	d = d_alloc(NULL, "anon", iget(f->inode));
	if (!d)
		return -ENOMEM;
	d->dead = true;		/* freed with its last reference */
	res->mnt = mnt_get(root.mnt);
	res->dentry = d;
	return 0;
}

int proc_fdinfo_show(struct pbuf *b, const struct proc_target *pt)
{
	struct file *f;

	if (!may_inspect(pt->p))
		return -EACCES;
	f = target_file(pt);
	if (!f)
		return -ENOENT;
	pb_printf(b, "pos:\t%llu\nflags:\t0%o\nmnt_id:\t0\nino:\t%llu\n",
		  (unsigned long long)f->pos,
		  f->flags | (pt->p->files->cloexec && pt->p->files->cloexec[pt->fd] ?
			      O_CLOEXEC : 0),
		  (unsigned long long)(f->inode ? f->inode->ino : 0));
	return 0;
}

/* ---- mounts ---------------------------------------------------------------- */

static int mounts_text(struct process *p, struct pbuf *b)
{
	size_t n;

	if (!p->fs)
		return 0;
	n = vfs_mounts_text(&p->fs->root, NULL, 0);
	if (!n)
		return 0;
	char *buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	vfs_mounts_text(&p->fs->root, buf, n + 1);
	pb_write(b, buf, n);
	free(buf);
	return 0;
}

static int show_mounts(struct pbuf *b, const struct proc_target *pt)
{
	return mounts_text(pt->p, b);
}

/* mountinfo from the mounts text: ids by order, the parent being the
 * latest earlier mount whose target is a prefix of this one. */
static int show_mountinfo(struct pbuf *b, const struct proc_target *pt)
{
	struct pbuf m = { 0 };
	char *targets[256];
	int n = 0, err = mounts_text(pt->p, &m);

	if (err || !m.data) {
		pb_free(&m);
		return err;
	}
	for (char *line = m.data, *next; line && *line && n < 256; line = next) {
		char src[256], dir[1024], type[64], opts[512];
		int parent = n ? 21 : 1;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%255s %1023s %63s %511s", src, dir, type, opts) != 4)
			continue;
		for (int i = n - 1; i >= 0; i--) {
			size_t l = strlen(targets[i]);

			if (!strcmp(targets[i], "/") ||
			    (!strncmp(targets[i], dir, l) && dir[l] == '/')) {
				parent = 21 + i;
				break;
			}
		}
		targets[n] = strdup(dir);
		if (!targets[n])
			break;
		pb_printf(b, "%d %d 0:%d / %s %s - %s %s %s\n", 21 + n, parent, n + 1,
			  dir, opts, type, src, strncmp(opts, "ro", 2) ? "rw" : "ro");
		n++;
	}
	for (int i = 0; i < n; i++)
		free(targets[i]);
	pb_free(&m);
	return 0;
}

static int show_limits(struct pbuf *b, const struct proc_target *pt)
{
	static const struct { int res; const char *name, *unit; } lim[] = {
		{ RLIMIT_CPU, "Max cpu time", "seconds" },
		{ RLIMIT_FSIZE, "Max file size", "bytes" },
		{ RLIMIT_DATA, "Max data size", "bytes" },
		{ RLIMIT_STACK, "Max stack size", "bytes" },
		{ RLIMIT_CORE, "Max core file size", "bytes" },
		{ RLIMIT_RSS, "Max resident set", "bytes" },
		{ RLIMIT_NPROC, "Max processes", "processes" },
		{ RLIMIT_NOFILE, "Max open files", "files" },
		{ RLIMIT_MEMLOCK, "Max locked memory", "bytes" },
		{ RLIMIT_AS, "Max address space", "bytes" },
		{ RLIMIT_LOCKS, "Max file locks", "locks" },
		{ RLIMIT_SIGPENDING, "Max pending signals", "signals" },
		{ RLIMIT_MSGQUEUE, "Max msgqueue size", "bytes" },
		{ RLIMIT_NICE, "Max nice priority", "" },
		{ RLIMIT_RTPRIO, "Max realtime priority", "" },
		{ RLIMIT_RTTIME, "Max realtime timeout", "us" },
	};

	pb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (unsigned i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		const struct rlimit *r = &pt->p->rlim[lim[i].res];
		char s[24], h[24];

		if (r->rlim_cur == RLIM_INFINITY)
			strcpy(s, "unlimited");
		else
			snprintf(s, sizeof(s), "%llu", (unsigned long long)r->rlim_cur);
		if (r->rlim_max == RLIM_INFINITY)
			strcpy(h, "unlimited");
		else
			snprintf(h, sizeof(h), "%llu", (unsigned long long)r->rlim_max);
		pb_printf(b, "%-25s %-20s %-20s %-10s\n", lim[i].name, s, h, lim[i].unit);
	}
	return 0;
}

static int show_zero(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "0");
	return 0;
}

static int show_oom_adj(struct pbuf *b, const struct proc_target *pt)
{
	pb_printf(b, "0\n");
	return 0;
}

static ssize_t write_ignored(const struct proc_target *pt, const char *buf, size_t len)
{
	return len;
}

const struct proc_entry proc_pid_entries[] = {
	{ .name = "" },
	{ "stat", S_IFREG | 0444, .show = show_stat },
	{ "status", S_IFREG | 0444, .show = show_status },
	{ "statm", S_IFREG | 0444, .show = show_statm },
	{ "cmdline", S_IFREG | 0444, .show = show_cmdline },
	{ "environ", S_IFREG | 0400, .show = show_environ },
	{ "comm", S_IFREG | 0644, .show = show_comm, .write = write_comm },
	{ "maps", S_IFREG | 0444, .show = show_maps },
	{ "exe", S_IFLNK | 0777, .link = link_exe },
	{ "cwd", S_IFLNK | 0777, .link = link_cwd, .get_path = get_cwd },
	{ "root", S_IFLNK | 0777, .link = link_root, .get_path = get_root },
	{ .name = "fd", .mode = S_IFDIR | 0500 },
	{ .name = "fdinfo", .mode = S_IFDIR | 0500 },
	{ "mounts", S_IFREG | 0444, .show = show_mounts },
	{ "mountinfo", S_IFREG | 0444, .show = show_mountinfo },
	{ "limits", S_IFREG | 0444, .show = show_limits },
	{ "wchan", S_IFREG | 0444, .show = show_zero },
	{ "oom_score_adj", S_IFREG | 0644, .show = show_oom_adj, .write = write_ignored },
	{ "task", S_IFDIR | 0555, .not_in_thread = true },
};

const int proc_pid_count = sizeof(proc_pid_entries) / sizeof(proc_pid_entries[0]);
