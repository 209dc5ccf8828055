/* mconsole proc and stack: reading guest state for the host
 * (uml-compat.md §3.5). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs/vfs.h"
#include "lib/cred.h"
#include "lib/log.h"
#include "task/task.h"
#include "platform/platform.h"
#include "mconsole/internal.h"

/* Longest /proc file returned; the rest is cut with a note. */
#define PROC_READ_MAX (1 << 20)

int mc_with_init_ctx(int (*fn)(const struct nameidata_ctx *ctx, void *arg), void *arg)
{
	static const struct cred root_cred;	/* all ids 0 */
	struct process *init = process_by_pid(1);
	struct task *saved = current;
	struct nameidata_ctx ctx;
	int ret;

	if (!init || !init->fs || list_empty(&init->threads))
		return -ESRCH;
	ctx = (struct nameidata_ctx){ init->fs, &root_cred, NULL };
	/* procfs answers /proc/self for current: make that init. */
	current = list_entry(init->threads.next, struct task, thread_node);
	ret = fn(&ctx, arg);
	current = saved;
	return ret;
}

/* The kernel's own procfs instance, mounted nowhere: proc works before
 * (and whether or not) the guest mounts /proc, and a name is looked up
 * inside it only, never through the guest's tree. */
static struct super_block *internal_proc(void)
{
	static struct super_block *sb;
	const struct fs_type *type;

	if (!sb) {
		type = find_filesystem("proc");
		if (!type || type->mount(type, 0, "proc", 0, NULL, &sb))
			sb = NULL;
	}
	return sb;
}

/* Look name up from the procfs root with the filesystem's own lookup.
 * Relative symlinks (self, mounts) are followed inside procfs; "..",
 * absolute symlinks and fd/N links to other files would leave it and
 * are refused with -EXDEV. */
static int proc_walk(struct super_block *sb, const char *name, struct inode **res)
{
	static char bufs[2][2 * PATH_MAX];
	char target[PATH_MAX], comp[NAME_MAX + 1];
	struct inode *dir = iget(sb->root), *ino;
	const char *p = name;
	int links = 0, which = 0, err = 0;

	for (;;) {
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "/");
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, len);
		comp[len] = 0;
		p += len;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			err = -EXDEV;
			break;
		}
		if (!S_ISDIR(dir->mode)) {
			err = -ENOTDIR;
			break;
		}
		err = dir->op->lookup(dir, comp, &ino);
		if (err)
			break;
		if (!S_ISLNK(ino->mode)) {
			iput(dir);
			dir = ino;
			continue;
		}
		/* A symlink: go on with its text, then the rest of the name. */
		err = ++links > 40 ? -ELOOP : ino->op->readlink(ino, target, sizeof(target) - 1);
		iput(ino);
		if (err < 0)
			break;
		target[err] = 0;
		err = 0;
		if (target[0] == '/') {
			err = -EXDEV;
			break;
		}
		which ^= 1;
		if ((size_t)snprintf(bufs[which], sizeof(bufs[which]), "%s/%s", target, p) >=
		    sizeof(bufs[which])) {
			err = -ENAMETOOLONG;
			break;
		}
		p = bufs[which];
	}
	if (err) {
		iput(dir);
		return err;
	}
	*res = dir;
	return 0;
}

/* Open an inode of the internal instance for reading (no path: the file
 * is reached through no mount). */
static int proc_open_inode(struct inode *ino, struct file **res)
{
	return vfs_open_inode(ino, O_RDONLY, res);
}

struct proc_read {
	char *buf;
	size_t len;
	bool cut;
};

/* The whole file, up to PROC_READ_MAX bytes. */
static int read_all(struct file *f, struct proc_read *pr)
{
	size_t cap = 4096;

	pr->buf = malloc(cap);
	if (!pr->buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (pr->len + 1 >= cap) {
			char *b;

			if (cap >= PROC_READ_MAX) {
				pr->cut = true;
				break;
			}
			b = realloc(pr->buf, cap * 2);
			if (!b)
				return -ENOMEM;
			pr->buf = b;
			cap *= 2;
		}
		n = file_read(f, pr->buf + pr->len, cap - 1 - pr->len);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		pr->len += n;
	}
	pr->buf[pr->len] = 0;
	return 0;
}

/* Read name with /proc/self meaning init (or nothing before init runs). */
static int read_proc_file(struct super_block *sb, const char *name, struct proc_read *pr,
			  bool *opened)
{
	struct process *init = process_by_pid(1);
	struct task *saved = current;
	struct inode *ino;
	struct file *f = NULL;
	int ret;

	current = init && !list_empty(&init->threads) ?
		  list_entry(init->threads.next, struct task, thread_node) : NULL;
	ret = proc_walk(sb, name, &ino);
	if (!ret) {
		ret = proc_open_inode(ino, &f);
		iput(ino);
	}
	if (!ret) {
		*opened = true;
		ret = read_all(f, pr);
		file_put(f);
	}
	current = saved;
	return ret;
}

void mc_cmd_proc(struct mc_request *r)
{
	struct super_block *sb = internal_proc();
	struct proc_read pr = { 0 };
	const char *name = r->args;
	bool opened = false;
	int ret;

	while (*name == '/')
		name++;
	if (!*name) {
		mc_err(r, "Please specify a file in /proc");
		return;
	}
	if (!sb) {
		mc_err(r, "Proc not available");
		return;
	}
	ret = read_proc_file(sb, name, &pr, &opened);
	/* UML's replies carry no detail; the reason goes to the kernel log. */
	if (ret == -ENOMEM) {
		mc_err(r, "Failed to allocate buffer");
	} else if (ret && !opened) {
		printk_level(KERN_ERR, "mconsole: open /proc/%s: %s\n", name,
			     ret == -EXDEV ? "leaves procfs" : strerror(-ret));
		mc_err(r, "Failed to open file");
	} else if (ret) {
		printk_level(KERN_ERR, "mconsole: read /proc/%s: %s\n", name, strerror(-ret));
		mc_err(r, "Read of file failed");
	} else {
		/* UML's shape: a newline, the content, then an empty last packet. */
		mc_reply(r, "\n", 0, 1);
		/* NULs (cmdline, environ) would end the text early. */
		for (size_t i = 0; i < pr.len; i++)
			pr.buf[i] = pr.buf[i] ? pr.buf[i] : ' ';
		if (pr.len)
			mc_reply(r, pr.buf, 0, 1);
		if (pr.cut)
			mc_reply(r, "\n[output cut at 1 MiB]\n", 0, 1);
		mc_reply(r, "", 0, 0);
	}
	free(pr.buf);
}

static const char *state_name(enum task_state s)
{
	switch (s) {
	case TASK_RUNNING: return "running in guest mode";
	case TASK_READY: return "ready";
	case TASK_BLOCKED: return "sleeping in a system call";
	case TASK_STOPPED: return "stopped";
	case TASK_DEAD: return "dead";
	}
	return "?";
}

static void show_task(struct task *t)
{
	const struct user_regs_struct *g = &t->pt.regs;
	uint64_t words[32];
	ssize_t n;

	printk("Pid: %d, comm: %.16s, state: %s%s\n", t->tid, t->proc->comm,
	       state_name(t->state),
	       t->state == TASK_RUNNING ? " (registers as of its last stop)" : "");
	printk("RIP: %04llx:%016llx EFLAGS: %08llx ORIG_RAX: %016llx\n", g->cs, g->rip,
	       g->eflags, g->orig_rax);
	printk("RSP: %04llx:%016llx\n", g->ss, g->rsp);
	printk("RAX: %016llx RBX: %016llx RCX: %016llx\n", g->rax, g->rbx, g->rcx);
	printk("RDX: %016llx RSI: %016llx RDI: %016llx\n", g->rdx, g->rsi, g->rdi);
	printk("RBP: %016llx R08: %016llx R09: %016llx\n", g->rbp, g->r8, g->r9);
	printk("R10: %016llx R11: %016llx R12: %016llx\n", g->r10, g->r11, g->r12);
	printk("R13: %016llx R14: %016llx R15: %016llx\n", g->r13, g->r14, g->r15);
	printk("FS_BASE: %016llx GS_BASE: %016llx\n", g->fs_base, g->gs_base);
	n = platform_read_mem(t->pt.host_tid, words, g->rsp, sizeof(words));
	if (n <= 0) {
		printk("Stack: unreadable at %016llx (%s)\n", g->rsp,
		       strerror(n < 0 ? (int)-n : EFAULT));
		return;
	}
	printk("Stack:\n");
	for (ssize_t i = 0; i < n / 8; i += 4) {
		char line[128];
		int len = snprintf(line, sizeof(line), " %016llx:",
				   (unsigned long long)(g->rsp + i * 8));
		for (ssize_t j = i; j < i + 4 && j < n / 8; j++)
			len += snprintf(line + len, sizeof(line) - len, " %016llx",
					(unsigned long long)words[j]);
		printk("%s\n", line);
	}
}

void mc_cmd_stack(struct mc_request *r)
{
	unsigned long seq = log_seq();
	struct task *t = NULL;
	char *end;
	long pid;

	if (!*r->args) {
		mc_err(r, "Please specify a pid");
		return;
	}
	pid = strtol(r->args, &end, 10);
	if (end == r->args || (*end && *end != ' ' && *end != '\n')) {
		mc_err(r, "Please specify a pid");
		return;
	}
	if (pid > 0 && pid < 0x40000000) {
		t = task_by_tid((int)pid);
		if (!t) {
			struct process *p = process_by_pid((int)pid);
			if (p && !list_empty(&p->threads))
				t = list_entry(p->threads.next, struct task, thread_node);
		}
	}
	if (!t || t->state == TASK_DEAD) {
		mc_err(r, "Couldn't find that pid");
		return;
	}
	show_task(t);
	mc_reply_log_since(r, seq);
}
