/* Guest address spaces: vma bookkeeping and the host calls behind it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include "mm/mm.h"
#include "task/task.h"
#include "fs/vfs.h"
#include "fs/pagecache.h"
#include "lib/log.h"

static uint64_t mem_limit = 64UL << 20;
static uint64_t committed_total;

void mm_set_limit(uint64_t bytes)
{
	mem_limit = bytes;
}

uint64_t mm_limit(void)
{
	return mem_limit;
}

uint64_t mm_committed_total(void)
{
	return committed_total;
}

static bool mm_committed_total_would_exceed(uint64_t more)
{
	return committed_total + more > mem_limit;
}

static long host_call(struct task *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3, uint64_t a4, uint64_t a5)
{
	return platform_host_syscall(&t->pt, nr, a0, a1, a2, a3, a4, a5);
}

struct mm *mm_new(void)
{
	struct mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->refs = 1;
	list_init(&mm->vmas);
	return mm;
}

static struct vma *vma_alloc(uint64_t start, uint64_t end, int prot, int flags,
			     struct file *file, uint64_t pgoff)
{
	struct vma *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	list_init(&v->node);
	v->start = start;
	v->end = end;
	v->prot = prot;
	v->flags = flags;
	v->file = file ? file_get(file) : NULL;
	v->pgoff = pgoff;
	return v;
}

static void vma_account(struct mm *mm, struct vma *v, bool on)
{
	uint64_t size = v->end - v->start;

	if (on == v->accounted)
		return;
	if (on) {
		mm->committed += size;
		committed_total += size;
	} else {
		mm->committed -= size;
		committed_total -= size;
	}
	v->accounted = on;
}

static bool vma_wants_account(const struct vma *v)
{
	if (v->flags & MAP_NORESERVE)
		return false;
	if ((v->flags & MAP_SHARED) && v->file)
		return false;
	return (v->prot & PROT_WRITE) || !v->file;
}

static void vma_free(struct mm *mm, struct vma *v)
{
	vma_account(mm, v, false);
	list_del(&v->node);
	if (v->pcached)
		pcache_put(v->file->inode);
	if (v->file)
		file_put(v->file);
	free(v);
}

static void vma_insert(struct mm *mm, struct vma *v)
{
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		if (list_entry(pos, struct vma, node)->start > v->start)
			break;
	}
	list_add_tail(&v->node, pos);
}

struct mm *mm_dup(struct mm *old)
{
	struct mm *mm = mm_new();
	struct list *pos;

	if (!mm)
		return NULL;
	mm->brk_start = old->brk_start;
	mm->brk = old->brk;
	mm->stack_top = old->stack_top;
	list_for_each(pos, &old->vmas) {
		struct vma *o = list_entry(pos, struct vma, node);
		struct vma *v = vma_alloc(o->start, o->end, o->prot, o->flags, o->file, o->pgoff);
		if (!v) {
			mm_put(mm);
			return NULL;
		}
		v->name = o->name;
		if (o->pcached && pcache_get(o->file->inode) >= 0)
			v->pcached = true;
		list_add_tail(&v->node, &mm->vmas);
		if (o->accounted)
			vma_account(mm, v, true);
	}
	return mm;
}

static void mm_drop_all(struct mm *mm)
{
	while (!list_empty(&mm->vmas))
		vma_free(mm, list_entry(mm->vmas.next, struct vma, node));
}

void mm_put(struct mm *mm)
{
	if (!mm || --mm->refs > 0)
		return;
	mm_drop_all(mm);
	free(mm);
}

struct vma *mm_find_vma(struct mm *mm, uint64_t addr)
{
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

static bool range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->start < end && start < v->end)
			return false;
	}
	return true;
}

/* The highest gap below MMAP_BASE that holds len bytes. */
uint64_t mm_find_free(struct mm *mm, uint64_t len)
{
	uint64_t gap_start = MMAP_MIN_ADDR, best = 0;
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		uint64_t gap_end = v->start < MMAP_BASE ? v->start : MMAP_BASE;
		if (gap_end > gap_start && gap_end - gap_start >= len)
			best = gap_end - len;
		if (v->end > gap_start)
			gap_start = v->end;
		if (gap_start >= MMAP_BASE)
			break;
	}
	if (gap_start < MMAP_BASE && MMAP_BASE - gap_start >= len)
		best = MMAP_BASE - len;
	return best;
}

/* Make addr a vma boundary. */
static int split_at(struct mm *mm, uint64_t addr)
{
	struct vma *v = mm_find_vma(mm, addr), *n;

	if (!v || v->start == addr)
		return 0;
	n = vma_alloc(addr, v->end, v->prot, v->flags, v->file,
		      v->file ? v->pgoff + (addr - v->start) : 0);
	if (!n)
		return -ENOMEM;
	n->name = v->name;
	n->accounted = v->accounted;
	if (v->pcached && pcache_get(v->file->inode) >= 0)
		n->pcached = true;
	v->end = addr;
	list_add(&n->node, &v->node);
	return 0;
}

/* Write a shared file mapping's contents back to its file. */
static void writeback_vma(struct task *t, struct vma *v)
{
	static char buf[65536];
	uint64_t size, done;

	if (!v->file || !(v->flags & MAP_SHARED) || !(v->prot & PROT_WRITE))
		return;
	if (v->pcached) {
		pcache_writeback(v->file->inode);
		return;
	}
	size = v->file->inode->size > v->pgoff ? v->file->inode->size - v->pgoff : 0;
	if (size > v->end - v->start)
		size = v->end - v->start;
	for (done = 0; done < size;) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		if (platform_read_mem(t->pt.host_tid, buf, v->start + done, n) != (ssize_t)n)
			break;
		if (file_pwrite(v->file, buf, n, v->pgoff + done) != (ssize_t)n)
			break;
		done += n;
	}
}

static void remove_range(struct task *t, struct mm *mm, uint64_t start, uint64_t end,
			 bool writeback)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->start >= start && v->end <= end) {
			if (writeback)
				writeback_vma(t, v);
			vma_free(mm, v);
		}
	}
}

int mm_munmap(struct task *t, uint64_t addr, uint64_t len)
{
	struct mm *mm = t->proc->mm;
	uint64_t end;
	long r;

	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	end = addr + PAGE_ALIGN(len);
	if (end < addr || end > GUEST_TOP)
		return -EINVAL;
	if (split_at(mm, addr) || split_at(mm, end))
		return -ENOMEM;
	remove_range(t, mm, addr, end, true);
	r = host_call(t, SYS_munmap, addr, end - addr, 0, 0, 0, 0);
	return r < 0 ? (int)r : 0;
}

/* Fill [addr, addr+len) of the guest with file bytes from off; the rest of
 * the range stays zero. */
static int fill_from_file(struct task *t, struct file *f, uint64_t addr, uint64_t len,
			  uint64_t off)
{
	static char buf[65536];
	uint64_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t n = file_pread(f, buf, want, off + done);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (platform_write_mem(t->pt.host_tid, addr + done, buf, n) != n)
			return -EFAULT;
		done += n;
	}
	return 0;
}

/* A shared file mapping maps the file's page-cache memfd itself, so every
 * process sharing the file, and read() and write(), see the same pages. */
static long map_page_cache(struct task *t, struct vma *v, uint64_t addr, uint64_t len,
			   int prot, uint64_t off)
{
	struct file *f = v->file;
	int memfd = pcache_get(f->inode);
	long gfd, r;

	if (memfd < 0)
		return memfd;
	v->pcached = true;
	gfd = platform_install_fd(&t->pt, memfd,
				  (f->flags & O_ACCMODE) == O_RDWR ? O_RDWR : O_RDONLY);
	if (gfd < 0)
		return gfd;
	r = host_call(t, SYS_mmap, addr, len, prot, MAP_SHARED | MAP_FIXED, gfd, off);
	host_call(t, SYS_close, gfd, 0, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return (uint64_t)r == addr ? 0 : -ENOMEM;
}

long mm_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, int flags,
	     struct file *file, uint64_t off)
{
	struct mm *mm = t->proc->mm;
	int type = flags & MAP_TYPE;
	int host_flags, host_prot;
	struct vma *v;
	long r;

	if (!len || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE)
		flags = (flags & ~MAP_TYPE) | MAP_SHARED;
	len = PAGE_ALIGN(len);
	if (len == 0 || len > GUEST_TOP)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR || addr + len > GUEST_TOP || addr + len < addr)
			return -EPERM;
		if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len))
			return -EEXIST;
	} else {
		addr = PAGE_DOWN(addr);
		if (addr < MMAP_MIN_ADDR || addr + len > MMAP_BASE ||
		    !range_free(mm, addr, addr + len))
			addr = mm_find_free(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	if (file) {
		if ((file->flags & O_ACCMODE) == O_WRONLY)
			return -EACCES;
		if ((flags & MAP_SHARED) && (prot & PROT_WRITE) &&
		    (file->flags & O_ACCMODE) != O_RDWR)
			return -EACCES;
		if (!S_ISREG(file->inode->mode) && !S_ISBLK(file->inode->mode) &&
		    !S_ISCHR(file->inode->mode))
			return -ENODEV;
	}
	v = vma_alloc(addr, addr + len, prot, flags & (MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS |
						      MAP_GROWSDOWN | MAP_NORESERVE),
		      file, off);
	if (!v)
		return -ENOMEM;
	if (vma_wants_account(v) && mm_committed_total_would_exceed(len)) {
		vma_free(mm, v);
		return -ENOMEM;
	}
	/* MAP_FIXED replaces what was there. */
	if (split_at(mm, addr) || split_at(mm, addr + len)) {
		vma_free(mm, v);
		return -ENOMEM;
	}
	remove_range(t, mm, addr, addr + len, true);

	if (file && (flags & MAP_SHARED) && S_ISREG(file->inode->mode)) {
		r = map_page_cache(t, v, addr, len, prot, off);
		if (r < 0) {
			vma_free(mm, v);
			return r;
		}
		vma_insert(mm, v);
		return (long)addr;
	}
	/* Shared anonymous memory stays shared across host forks; everything
	 * else is private host memory, filled from the file if there is one. */
	host_flags = MAP_FIXED | MAP_ANONYMOUS |
		     ((flags & MAP_SHARED) && !file ? MAP_SHARED : MAP_PRIVATE);
	host_prot = file ? PROT_READ | PROT_WRITE : prot;
	r = host_call(t, SYS_mmap, addr, len, host_prot, host_flags, -1, 0);
	if (r < 0 || (uint64_t)r != addr) {
		vma_free(mm, v);
		return r < 0 ? r : -ENOMEM;
	}
	if (file) {
		int err = fill_from_file(t, file, addr, len, off);
		if (!err && host_prot != prot)
			err = (int)host_call(t, SYS_mprotect, addr, len, prot, 0, 0, 0);
		if (err) {
			host_call(t, SYS_munmap, addr, len, 0, 0, 0, 0);
			vma_free(mm, v);
			return err;
		}
	}
	vma_insert(mm, v);
	if (vma_wants_account(v))
		vma_account(mm, v, true);
	return (long)addr;
}

int mm_mprotect(struct task *t, uint64_t addr, uint64_t len, int prot)
{
	struct mm *mm = t->proc->mm;
	uint64_t end, a;
	struct list *pos;
	long r;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	end = addr + PAGE_ALIGN(len);
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	/* The whole range must be mapped. */
	for (a = addr; a < end;) {
		struct vma *v = mm_find_vma(mm, a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	if (split_at(mm, addr) || split_at(mm, end))
		return -ENOMEM;
	r = host_call(t, SYS_mprotect, addr, end - addr, prot, 0, 0, 0);
	if (r < 0)
		return (int)r;
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->start >= addr && v->end <= end) {
			v->prot = prot;
			vma_account(mm, v, vma_wants_account(v));
		}
	}
	return 0;
}

long mm_mremap(struct task *t, uint64_t old, uint64_t old_len, uint64_t new_len,
	       int flags, uint64_t new_addr)
{
	struct mm *mm = t->proc->mm;
	struct vma *v;
	uint64_t dest;
	long r;

	if ((old & (PAGE_SIZE - 1)) || !new_len)
		return -EINVAL;
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	v = mm_find_vma(mm, old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	if (!(flags & MREMAP_FIXED)) {
		if (new_len <= old_len) {
			if (new_len < old_len)
				mm_munmap(t, old + new_len, old_len - new_len);
			return (long)old;
		}
		/* Grow in place when the next pages are free. */
		if (old + old_len == v->end && range_free(mm, v->end, old + new_len) &&
		    old + new_len <= GUEST_TOP) {
			if (vma_wants_account(v) && mm_committed_total_would_exceed(new_len - old_len))
				return -ENOMEM;
			r = host_call(t, SYS_mremap, old, old_len, new_len, 0, 0, 0);
			if (r < 0)
				return r;
			bool acc = v->accounted;
			vma_account(mm, v, false);
			v->end = old + new_len;
			vma_account(mm, v, acc);
			return (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		dest = mm_find_free(mm, new_len);
		if (!dest)
			return -ENOMEM;
	} else {
		dest = new_addr;
		if ((dest & (PAGE_SIZE - 1)) || dest < MMAP_MIN_ADDR || dest + new_len > GUEST_TOP)
			return -EINVAL;
		if (dest < old + old_len && old < dest + new_len)
			return -EINVAL;
		if (split_at(mm, dest) || split_at(mm, dest + new_len))
			return -ENOMEM;
		remove_range(t, mm, dest, dest + new_len, true);
	}
	if (split_at(mm, old) || split_at(mm, old + old_len))
		return -ENOMEM;
	v = mm_find_vma(mm, old);
	r = host_call(t, SYS_mremap, old, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, dest, 0);
	if (r < 0)
		return r;
	bool acc = v->accounted;
	vma_account(mm, v, false);
	list_del(&v->node);
	v->start = dest;
	v->end = dest + new_len;
	vma_insert(mm, v);
	vma_account(mm, v, acc);
	return (long)dest;
}

long mm_brk(struct task *t, uint64_t brk)
{
	struct mm *mm = t->proc->mm;
	uint64_t old_end = PAGE_ALIGN(mm->brk), new_end = PAGE_ALIGN(brk);

	if (brk < mm->brk_start || brk > mm->brk_start + (1UL << 40))
		return (long)mm->brk;
	if (new_end > old_end) {
		struct vma *heap;
		long r;

		if (!range_free(mm, old_end, new_end))
			return (long)mm->brk;
		if (mm_committed_total_would_exceed(new_end - old_end))
			return (long)mm->brk;
		r = host_call(t, SYS_mmap, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
			      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r < 0)
			return (long)mm->brk;
		heap = old_end > mm->brk_start ? mm_find_vma(mm, old_end - 1) : NULL;
		if (heap && heap->name && !strcmp(heap->name, "[heap]") && heap->end == old_end) {
			vma_account(mm, heap, false);
			heap->end = new_end;
			vma_account(mm, heap, true);
		} else {
			heap = vma_alloc(old_end, new_end, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
			if (!heap)
				return (long)mm->brk;
			heap->name = "[heap]";
			vma_insert(mm, heap);
			vma_account(mm, heap, true);
		}
	} else if (new_end < old_end) {
		mm_munmap(t, new_end, old_end - new_end);
	}
	mm->brk = brk;
	return (long)brk;
}

int mm_msync(struct task *t, uint64_t addr, uint64_t len, int flags)
{
	struct mm *mm = t->proc->mm;
	uint64_t end = addr + PAGE_ALIGN(len);
	struct list *pos;

	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = mm_find_vma(mm, a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->start < end && addr < v->end)
			writeback_vma(t, v);
	}
	return 0;
}

int mm_madvise(struct task *t, uint64_t addr, uint64_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE: {
		struct vma *v = mm_find_vma(t->proc->mm, addr);
		/* Private file pages would refault from the file on Linux;
		 * ours are anonymous copies, so only anonymous memory is
		 * dropped on the host. */
		if (v && !v->file)
			return (int)host_call(t, SYS_madvise, addr, PAGE_ALIGN(len),
					      MADV_DONTNEED, 0, 0, 0);
		return 0;
	}
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
	case MADV_WILLNEED: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_MERGEABLE:
	case MADV_UNMERGEABLE: case MADV_DONTDUMP: case MADV_DODUMP:
		return 0;
	}
	return -EINVAL;
}

void mm_writeback_shared(struct task *t)
{
	struct list *pos;

	list_for_each(pos, &t->proc->mm->vmas)
		writeback_vma(t, list_entry(pos, struct vma, node));
}

int mm_clear(struct task *t)
{
	struct mm *mm = t->proc->mm;
	long r;

	mm_writeback_shared(t);
	mm_drop_all(mm);
	mm->brk_start = mm->brk = 0;
	r = host_call(t, SYS_munmap, MMAP_MIN_ADDR, GUEST_TOP - MMAP_MIN_ADDR, 0, 0, 0, 0);
	return r < 0 ? (int)r : 0;
}

size_t mm_maps_text(struct mm *mm, char *buf, size_t len)
{
	size_t used = 0;
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		char name[256] = "";
		unsigned long ino = 0;
		int n;

		if (v->file) {
			ino = v->file->inode->ino;
			name[0] = 0;
			if (v->file->path.dentry &&
			    vfs_path_name(NULL, &v->file->path, name, sizeof(name)) < 0)
				name[0] = 0;
		} else if (v->name) {
			snprintf(name, sizeof(name), "%s", v->name);
		}
		n = snprintf(buf + used, len - used, "%012lx-%012lx %c%c%c%c %08lx %02x:%02x %-10lu %s%s\n",
			     (unsigned long)v->start, (unsigned long)v->end,
			     v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
			     v->prot & PROT_EXEC ? 'x' : '-', v->flags & MAP_SHARED ? 's' : 'p',
			     (unsigned long)v->pgoff, 0, 0, ino, name[0] ? "    " : "", name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
	return used;
}
