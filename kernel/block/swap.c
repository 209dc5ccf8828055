/* Swap areas (see swap.h). The header checks and the /proc/swaps layout
 * follow Linux's mm/swapfile.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "block/swap.h"
#include "fs/vfs.h"
#include "lib/log.h"

#define SWAP_PAGE	4096u
#define SWAP_SIG_OFF	(SWAP_PAGE - 10)
#define SWAP_NAME_MAX	256

struct swap_area {
	struct file *file;
	char name[SWAP_NAME_MAX];
	uint64_t pages;			/* usable pages */
	int prio;
};

static struct swap_area areas[SWAP_MAX_AREAS];
static int least_priority = -1;

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);	/* the header is in the host's byte order */
	return v;
}

static bool same_area(struct inode *a, struct inode *b)
{
	return a == b || (S_ISBLK(a->mode) && S_ISBLK(b->mode) && a->rdev == b->rdev);
}

static struct swap_area *find_area(struct inode *ino)
{
	for (int i = 0; i < SWAP_MAX_AREAS; i++)
		if (areas[i].file && same_area(areas[i].file->inode, ino))
			return &areas[i];
	return NULL;
}

/* Usable pages of the area per its header, or -EINVAL (logged). */
static int64_t read_header(struct file *f, const char *name)
{
	unsigned char *page = malloc(SWAP_PAGE);
	uint64_t size, last, maxpages, bad;
	int64_t end;
	ssize_t n;
	int64_t ret = -EINVAL;

	if (!page)
		return -ENOMEM;
	end = file_llseek(f, 0, SEEK_END);
	size = end > 0 ? (uint64_t)end : 0;
	n = file_pread(f, page, SWAP_PAGE, 0);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (n < (ssize_t)SWAP_PAGE || memcmp(page + SWAP_SIG_OFF, "SWAPSPACE2", 10)) {
		printk_level(KERN_ERR, "Unable to find swap-space signature on %s\n", name);
		goto out;
	}
	if (get_u32(page + 1024) != 1) {
		printk_level(KERN_WARNING, "Unable to handle swap header version %u on %s\n",
			     get_u32(page + 1024), name);
		goto out;
	}
	last = get_u32(page + 1028);
	bad = get_u32(page + 1032);
	maxpages = size / SWAP_PAGE;
	if (last + 1 > maxpages && maxpages)
		printk_level(KERN_WARNING, "Truncating oversized swap area, only using %lluk out of %lluk\n",
			     (unsigned long long)(maxpages - 1) * 4,
			     (unsigned long long)last * 4);
	else
		maxpages = last + 1;
	if (!last || maxpages < 2 || bad >= maxpages - 1) {
		printk_level(KERN_WARNING, "Empty swap-file %s\n", name);
		goto out;
	}
	ret = maxpages - 1 - bad;
out:
	free(page);
	return ret;
}

int swap_on(struct file *f, int flags)
{
	struct inode *ino = f->inode;
	struct swap_area *a = NULL;
	char name[SWAP_NAME_MAX];
	int64_t pages;

	if (!ino || (!S_ISBLK(ino->mode) && !S_ISREG(ino->mode)))
		return -EINVAL;
	if (find_area(ino))
		return -EBUSY;
	for (int i = 0; i < SWAP_MAX_AREAS && !a; i++)
		if (!areas[i].file)
			a = &areas[i];
	if (!a)
		return -EPERM;
	if (vfs_path_name(NULL, &f->path, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "(unnamed)");
	pages = read_header(f, name);
	if (pages < 0)
		return pages;
	a->file = file_get(f);
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->pages = pages;
	a->prio = flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK
					   : --least_priority;
	printk("Adding %lluk swap on %s.  Priority:%d extents:1 across:%lluk\n",
	       (unsigned long long)pages * 4, name, a->prio,
	       (unsigned long long)pages * 4);
	return 0;
}

int swap_off(struct inode *ino)
{
	struct swap_area *a = find_area(ino);
	int prio;

	if (!a)
		return -EINVAL;
	prio = a->prio;
	file_put(a->file);
	memset(a, 0, sizeof(*a));
	/* Default priorities stay dense: -2, -3, ... as in Linux. */
	if (prio < 0) {
		for (int i = 0; i < SWAP_MAX_AREAS; i++)
			if (areas[i].file && areas[i].prio < prio)
				areas[i].prio++;
		least_priority++;
	}
	return 0;
}

size_t swap_text(char *buf, size_t len)
{
	size_t used = 0;
	char dummy;

	if (!len) {
		buf = &dummy;
		len = 1;
	}
#define OUT(...) do { \
		int _n = snprintf(buf + (used < len ? used : len - 1), \
				  used < len ? len - used : 1, __VA_ARGS__); \
		used += _n > 0 ? _n : 0; \
	} while (0)
	OUT("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (int i = 0; i < SWAP_MAX_AREAS; i++) {
		struct swap_area *a = &areas[i];
		unsigned long long kb = a->pages * (SWAP_PAGE / 1024);
		int nlen = strlen(a->name);

		if (!a->file)
			continue;
		OUT("%s%*s%s\t%llu\t%s%u\t%s%d\n", a->name,
		    nlen < 40 ? 40 - nlen : 1, " ",
		    S_ISBLK(a->file->inode->mode) ? "partition" : "file\t",
		    kb, kb < 10000000 ? "\t" : "", 0u, "\t", a->prio);
	}
#undef OUT
	return used;
}

void swap_totals(uint64_t *total_kb, uint64_t *free_kb)
{
	uint64_t total = 0;

	for (int i = 0; i < SWAP_MAX_AREAS; i++)
		if (areas[i].file)
			total += areas[i].pages * (SWAP_PAGE / 1024);
	*total_kb = total;
	*free_kb = total;
}
