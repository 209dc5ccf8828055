/* Guest address spaces: the kernel's record of every mapping (vma) of a
 * guest process, kept in step with the host mappings it orders through the
 * platform. The kernel picks every address itself; host mmap is always
 * MAP_FIXED inside the guest. */
#ifndef MM_MM_H
#define MM_MM_H
#include <stdint.h>
#include <stdbool.h>
#include "lib/list.h"

struct task;
struct file;

#undef PAGE_SIZE
#define PAGE_SIZE 4096UL
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

/* Lowest address a guest may map (like vm.mmap_min_addr). */
#define MMAP_MIN_ADDR	0x10000UL
#define STACK_RESERVE	(8UL << 20)
#define MMAP_BASE	0x7fee00000000UL

struct vma {
	struct list node;		/* sorted by start */
	uint64_t start, end;
	int prot;			/* PROT_* */
	int flags;			/* MAP_PRIVATE/MAP_SHARED/MAP_ANONYMOUS/MAP_GROWSDOWN/MAP_NORESERVE */
	struct file *file;		/* referenced; NULL for anonymous */
	uint64_t pgoff;			/* file offset of start */
	const char *name;		/* "[stack]", "[heap]" or NULL */
	bool accounted;			/* counted against mem= */
	bool pcached;			/* a shared file mapping of the page cache */
};

struct mm {
	int refs;			/* threads of a process share one mm */
	struct list vmas;
	uint64_t brk_start, brk;
	uint64_t stack_top;
	uint64_t committed;		/* bytes counted against mem= */
};

/* The mem= limit and the total committed by all guests. */
void mm_set_limit(uint64_t bytes);
uint64_t mm_limit(void);
uint64_t mm_committed_total(void);

struct mm *mm_new(void);
/* Fork: the host copied the memory; copy the kernel's records. */
struct mm *mm_dup(struct mm *mm);
void mm_put(struct mm *mm);

/* The operations act on t's address space through t's stopped thread. */
long mm_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, int flags,
	     struct file *file, uint64_t off);
int mm_munmap(struct task *t, uint64_t addr, uint64_t len);
int mm_mprotect(struct task *t, uint64_t addr, uint64_t len, int prot);
long mm_mremap(struct task *t, uint64_t old, uint64_t old_len, uint64_t new_len,
	       int flags, uint64_t new_addr);
long mm_brk(struct task *t, uint64_t brk);
int mm_msync(struct task *t, uint64_t addr, uint64_t len, int flags);
int mm_madvise(struct task *t, uint64_t addr, uint64_t len, int advice);
/* Unmap everything (exec). */
int mm_clear(struct task *t);
/* Find a free range of len bytes, top-down below hint-free area. */
uint64_t mm_find_free(struct mm *mm, uint64_t len);
struct vma *mm_find_vma(struct mm *mm, uint64_t addr);
/* Before the process exits: write back shared file mappings. */
void mm_writeback_shared(struct task *t);
/* Text of /proc/PID/maps. */
size_t mm_maps_text(struct mm *mm, char *buf, size_t len);
#endif
