/* execve: load an ELF image (and its interpreter) into a cleared address
 * space, or run a #! script's interpreter. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <cpuid.h>
#include <sys/mman.h>
#include <sys/random.h>
#include "task/exec.h"
#include "task/elf.h"
#include "task/internal.h"
#include "task/exit.h"
#include "signal/deliver.h"
#include "mm/mm.h"
#include "mm/uaccess.h"
#include "fs/vfs.h"
#include "lib/kerrno.h"
#include "lib/log.h"

#define ARG_MAX_BYTES (2UL << 20)
#define MAX_ARGS 65536
#define ET_DYN_BASE 0x555555554000UL
#define MAX_SCRIPT_DEPTH 4

void free_strings(char **v, int n)
{
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int copy_strings_from_user(struct task *t, uint64_t uptr, char ***out, size_t *total)
{
	char **v = NULL, buf[4096];
	int n = 0;

	*out = NULL;
	if (!uptr)
		return 0;
	for (;;) {
		uint64_t p;
		char *s;
		long len;

		if (copy_from_user(t, &p, uptr + 8 * n, 8)) {
			free_strings(v, n);
			return -EFAULT;
		}
		if (!p)
			break;
		if (n >= MAX_ARGS) {
			free_strings(v, n);
			return -E2BIG;
		}
		len = strncpy_from_user(t, buf, p, sizeof(buf));
		if (len == -ENAMETOOLONG) {
			/* Long strings are rare: read them the slow way. */
			size_t cap = 1 << 16;
			char *big = malloc(cap);
			len = big ? strncpy_from_user(t, big, p, cap) : -ENOMEM;
			if (len < 0) {
				free(big);
				free_strings(v, n);
				return len == -ENAMETOOLONG ? -E2BIG : (int)len;
			}
			s = big;
		} else if (len < 0) {
			free_strings(v, n);
			return (int)len;
		} else {
			s = strdup(buf);
		}
		*total += len + 1 + 8;
		char **nv = realloc(v, (n + 2) * sizeof(*v));
		if (!s || !nv || *total > ARG_MAX_BYTES) {
			free(s);
			free_strings(nv ? nv : v, n);
			return !s || !nv ? -ENOMEM : -E2BIG;
		}
		v = nv;
		v[n++] = s;
		v[n] = NULL;
	}
	*out = v;
	return n;
}

static struct nameidata_ctx task_ctx(struct task *t)
{
	struct nameidata_ctx ctx = { t->proc->fs, &t->proc->cred, NULL };
	return ctx;
}

static int open_exec(struct task *t, const char *path, struct file **res)
{
	struct nameidata_ctx ctx = task_ctx(t);
	struct file *f;
	int err = vfs_open(&ctx, path, O_RDONLY, 0, &f);

	if (err)
		return err;
	if (!S_ISREG(f->inode->mode)) {
		file_put(f);
		return -EACCES;
	}
	err = vfs_permission(f->inode, &t->proc->cred, 1);
	if (err) {
		file_put(f);
		return err;
	}
	*res = f;
	return 0;
}

static int read_image(struct file *f, struct elf_image *img)
{
	ssize_t n;

	memset(img, 0, sizeof(*img));
	n = file_pread(f, &img->ehdr, sizeof(img->ehdr), 0);
	if (n != sizeof(img->ehdr) || elf_check_header(&img->ehdr))
		return -ENOEXEC;
	img->phnum = img->ehdr.e_phnum;
	n = file_pread(f, img->phdr, img->phnum * sizeof(Elf64_Phdr), img->ehdr.e_phoff);
	if (n != (ssize_t)(img->phnum * sizeof(Elf64_Phdr)))
		return -ENOEXEC;
	img->min_vaddr = UINT64_MAX;
	for (int i = 0; i < img->phnum; i++) {
		Elf64_Phdr *ph = &img->phdr[i];
		if (ph->p_type == PT_INTERP) {
			if (ph->p_filesz < 2 || ph->p_filesz > sizeof(img->interp))
				return -ENOEXEC;
			if (file_pread(f, img->interp, ph->p_filesz, ph->p_offset) != (ssize_t)ph->p_filesz ||
			    img->interp[ph->p_filesz - 1])
				return -ENOEXEC;
		}
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
		    (ph->p_vaddr & (PAGE_SIZE - 1)) != (ph->p_offset & (PAGE_SIZE - 1)))
			return -ENOEXEC;
		if (PAGE_DOWN(ph->p_vaddr) < img->min_vaddr)
			img->min_vaddr = PAGE_DOWN(ph->p_vaddr);
		if (PAGE_ALIGN(ph->p_vaddr + ph->p_memsz) > img->max_vaddr)
			img->max_vaddr = PAGE_ALIGN(ph->p_vaddr + ph->p_memsz);
	}
	if (img->min_vaddr == UINT64_MAX || img->max_vaddr > GUEST_TOP)
		return -ENOEXEC;
	return 0;
}

static int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/* Map every PT_LOAD: file pages, a zeroed tail, anonymous bss. */
static int map_image(struct task *t, struct file *f, const struct elf_image *img, uint64_t bias)
{
	for (int i = 0; i < img->phnum; i++) {
		const Elf64_Phdr *ph = &img->phdr[i];
		uint64_t vaddr = ph->p_vaddr + bias, start = PAGE_DOWN(vaddr);
		uint64_t file_end = vaddr + ph->p_filesz, end = PAGE_ALIGN(vaddr + ph->p_memsz);
		uint64_t file_map_end = PAGE_ALIGN(file_end);
		long r;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (file_map_end > start) {
			r = mm_mmap(t, start, file_map_end - start, PROT_READ | PROT_WRITE,
				    MAP_FIXED | MAP_PRIVATE, f, ph->p_offset - (vaddr - start));
			if (r < 0)
				return (int)r;
			if (file_map_end > file_end &&
			    clear_user(t, file_end, file_map_end - file_end))
				return -EFAULT;
		}
		if (end > file_map_end) {
			r = mm_mmap(t, file_map_end, end - file_map_end, PROT_READ | PROT_WRITE,
				    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
			if (r < 0)
				return (int)r;
		}
		r = mm_mprotect(t, start, end - start, prot_of(ph->p_flags));
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static uint64_t hwcap(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return d;
}

/* The FPU as a new process finds it: default control words, nothing live. */
static void reset_fpstate(struct task *t)
{
	uint8_t *x;

	if (platform_get_fpstate(&t->pt))
		return;
	x = t->pt.fpstate;
	memset(x, 0, platform_fpstate_size());
	*(uint16_t *)x = 0x37f;			/* FCW */
	*(uint32_t *)(x + 24) = 0x1f80;		/* MXCSR */
	t->pt.fp_dirty = true;
}

/* A process whose memory is shared (a vfork child) or that has other
 * threads gets a fresh host process from the stub; otherwise the old
 * mappings are simply removed. */
static int exec_new_space(struct task *t)
{
	struct process *p = t->proc;
	struct platform_thread fresh;
	struct list *pos, *tmp;
	pid_t old;
	int err;

	if (p->mm->refs == 1 && p->nr_threads == 1)
		return mm_clear(t);
	err = platform_spawn(&fresh);
	if (err)
		return err;
	old = t->pt.host_tid;
	list_for_each_safe(pos, tmp, &p->threads) {
		struct task *o = list_entry(pos, struct task, thread_node);
		if (o != t) {
			o->state = TASK_DEAD;
			p->nr_threads--;
			task_free(o);
		}
	}
	task_unhash_host(t);
	free(t->pt.fpstate);
	t->pt = fresh;
	task_hash_host(t);
	mm_put(p->mm);
	p->mm = mm_new();
	/* The old host process goes; its exit event finds no task. */
	platform_kill(old);
	return p->mm ? 0 : -ENOMEM;
}

static int load_elf(struct task *t, struct file *f, struct elf_image *img, const char *path,
		    char **argv, int argc, char **envp, int envc)
{
	struct process *p = t->proc;
	struct elf_image interp_img;
	struct file *interp = NULL;
	uint64_t bias = 0, interp_base = 0, entry, sp;
	uint8_t random16[16];
	int err;

	if (img->interp[0]) {
		err = open_exec(t, img->interp, &interp);
		if (err)
			return err == -EACCES ? err : -ENOENT;
		err = read_image(interp, &interp_img);
		if (err || interp_img.interp[0]) {
			file_put(interp);
			return -ELIBBAD;
		}
	}
	/* Point of no return: the old image goes. */
	err = exec_new_space(t);
	if (img->ehdr.e_type == ET_DYN)
		bias = ET_DYN_BASE - img->min_vaddr;
	if (!err)
		err = map_image(t, f, img, bias);
	if (!err && interp) {
		uint64_t span = interp_img.max_vaddr - interp_img.min_vaddr;
		uint64_t at = mm_find_free(p->mm, span);
		interp_base = at - interp_img.min_vaddr;
		err = at ? map_image(t, interp, &interp_img, interp_base) : -ENOMEM;
	}
	if (interp)
		file_put(interp);
	if (err)
		goto fatal;
	p->mm->brk_start = p->mm->brk = PAGE_ALIGN(img->max_vaddr + bias);
	p->mm->stack_top = GUEST_STACK_TOP;
	long sr = mm_mmap(t, GUEST_STACK_TOP - STACK_RESERVE, STACK_RESERVE, PROT_READ | PROT_WRITE,
			  MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_GROWSDOWN,
			  NULL, 0);
	if (sr < 0) {
		err = (int)sr;
		goto fatal;
	}
	struct vma *stack = mm_find_vma(p->mm, GUEST_STACK_TOP - 1);
	if (stack)
		stack->name = "[stack]";

	uint64_t auxv[] = {
		AT_MINSIGSTKSZ, platform_fpstate_size() + 1024,
		AT_HWCAP, hwcap(),
		AT_PAGESZ, PAGE_SIZE,
		AT_CLKTCK, 100,
		AT_PHDR, elf_phdr_addr(img, bias),
		AT_PHENT, sizeof(Elf64_Phdr),
		AT_PHNUM, img->phnum,
		AT_BASE, interp_base,
		AT_FLAGS, 0,
		AT_ENTRY, img->ehdr.e_entry + bias,
		AT_UID, p->cred.uid,
		AT_EUID, p->cred.euid,
		AT_GID, p->cred.gid,
		AT_EGID, p->cred.egid,
		AT_SECURE, 0,
	};
	/* No AT_SYSINFO_EHDR: without a vdso every guest time call is a
	 * syscall the kernel answers. */
	struct stack_args sa = { argv, argc, envp, envc, path, auxv,
				 sizeof(auxv) / 16, random16 };
	size_t buflen = 64 * 1024 + ARG_MAX_BYTES / 8;
	for (int i = 0; i < argc; i++)
		buflen += strlen(argv[i]) + 9;
	for (int i = 0; i < envc; i++)
		buflen += strlen(envp[i]) + 9;
	buflen = PAGE_ALIGN(buflen);
	uint8_t *buf = calloc(1, buflen);
	if (!buf) {
		err = -ENOMEM;
		goto fatal;
	}
	if (getrandom(random16, sizeof(random16), 0) != sizeof(random16))
		memset(random16, 0x5a, sizeof(random16));
	sp = elf_build_stack(buf, buflen, GUEST_STACK_TOP, &sa, &p->arg_start, &p->arg_end,
			     &p->env_start, &p->env_end);
	if (!sp || copy_to_user(t, sp, buf + (sp - (GUEST_STACK_TOP - buflen)),
				GUEST_STACK_TOP - sp)) {
		free(buf);
		err = -E2BIG;
		goto fatal;
	}
	free(buf);

	entry = interp ? interp_img.ehdr.e_entry + interp_base : img->ehdr.e_entry + bias;
	struct user_regs_struct *r = &t->pt.regs, old = *r;
	memset(r, 0, sizeof(*r));
	r->cs = old.cs;
	r->ss = old.ss;
	r->ds = old.ds;
	r->es = old.es;
	r->eflags = 0x202;
	r->rip = entry;
	r->rsp = sp;
	r->orig_rax = -1;
	t->pt.regs_dirty = true;
	reset_fpstate(t);
	return 0;
fatal:
	printk_level(KERN_INFO, "exec %s: cannot map the image (%d); killing pid %d\n",
		     path, err, p->pid);
	return -EFAULT;		/* caller kills the process */
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* "#!interp [arg]": returns 1 and fills interp/arg if it is a script. */
static int parse_script(struct file *f, char *interp, size_t ilen, char *arg, size_t alen)
{
	char line[256];
	ssize_t n = file_pread(f, line, sizeof(line) - 1, 0);
	char *s, *e;

	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	line[n] = 0;
	e = strchr(line, '\n');
	if (e)
		*e = 0;
	s = line + 2;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (e == s || (size_t)(e - s) >= ilen)
		return -ENOEXEC;
	memcpy(interp, s, e - s);
	interp[e - s] = 0;
	while (*e == ' ' || *e == '\t')
		e++;
	/* The rest of the line (trailing blanks cut) is one argument. */
	size_t l = strlen(e);
	while (l && (e[l - 1] == ' ' || e[l - 1] == '\t' || e[l - 1] == '\r'))
		l--;
	if (l >= alen)
		return -ENOEXEC;
	memcpy(arg, e, l);
	arg[l] = 0;
	return 1;
}

long do_execve(struct task *t, const char *path, char **argv, int argc, char **envp, int envc)
{
	struct process *p = t->proc;
	char *cur_path = strdup(path), **cur_argv = argv;
	int cur_argc = argc, depth = 0;
	bool own_argv = false;
	struct elf_image *img = malloc(sizeof(*img));
	struct file *f = NULL;
	long err;

	if (!cur_path || !img) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		char interp[256], arg[256];
		int script;

		err = open_exec(t, cur_path, &f);
		if (err)
			goto out;
		script = parse_script(f, interp, sizeof(interp), arg, sizeof(arg));
		if (script < 0) {
			err = script;
			goto out;
		}
		if (!script)
			break;
		if (++depth > MAX_SCRIPT_DEPTH) {
			err = -ELOOP;
			goto out;
		}
		/* argv becomes: interp [arg] path argv[1..] */
		int n = 0, extra = arg[0] ? 3 : 2;
		char **nv = calloc(cur_argc + extra + 1, sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			goto out;
		}
		nv[n++] = strdup(interp);
		if (arg[0])
			nv[n++] = strdup(arg);
		nv[n++] = strdup(cur_path);
		for (int i = 1; i < cur_argc; i++)
			nv[n++] = strdup(cur_argv[i]);
		if (own_argv)
			free_strings(cur_argv, cur_argc);
		cur_argv = nv;
		cur_argc = n;
		own_argv = true;
		file_put(f);
		f = NULL;
		free(cur_path);
		cur_path = strdup(interp);
	}
	err = read_image(f, img);
	if (err)
		goto out;
	err = load_elf(t, f, img, cur_path, cur_argv, cur_argc, envp, envc);
	if (err) {
		if (err == -EFAULT) {
			process_exit(p, SIGSEGV);
			err = -EJUSTRETURN;
		}
		goto out;
	}
	/* The new image is in place: finish the process's transition. */
	fdtable_close_on_exec(p->files);
	signal_reset_for_exec(p);
	t->sas_sp = t->sas_size = 0;
	t->clear_child_tid = 0;
	snprintf(p->comm, sizeof(p->comm), "%s", base_name(cur_path));
	{
		char name[4096];
		struct path root = p->fs->root;
		free(p->exe_path);
		p->exe_path = vfs_path_name(&root, &f->path, name, sizeof(name)) >= 0 ?
			      strdup(name) : strdup(cur_path);
	}
	if (p->vfork_waiter) {
		task_wake(p->vfork_waiter);
		p->vfork_waiter = NULL;
	}
	err = -EJUSTRETURN;
out:
	if (f)
		file_put(f);
	if (own_argv)
		free_strings(cur_argv, cur_argc);
	free(cur_path);
	free(img);
	return err;
}
