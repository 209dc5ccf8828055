/* Reading DOS and GPT partition tables (see partition.h). The rules are
 * Linux's (block/partitions/msdos.c, efi.c): a GPT needs a protective
 * MBR, a damaged primary GPT falls back to the backup at the last sector,
 * a DOS table with a protective entry is left to GPT, and partitions are
 * clipped to the disk. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "block/partition.h"
#include "lib/log.h"

#define MBR_SIG_OFF	510
#define MBR_TABLE_OFF	446
#define MBR_ENTRY_SIZE	16
#define DOS_EXT_MAX	128		/* EBR links followed before giving up */
#define TYPE_GPT_PMBR	0xee
#define GPT_HEADER_MIN	92
#define GPT_ENTRY_SIZE	128
#define GPT_ENTRIES_MAX	(1u << 20)	/* bytes of entry array we accept */

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

uint32_t part_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = ~0u;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

struct scan {
	const char *name;
	uint64_t nsect;			/* disk size in sectors */
	part_read_t rd;
	void *ctx;
	struct part_table *pt;
};

static int read_sector(struct scan *s, uint64_t lba, unsigned char *buf)
{
	if (lba >= s->nsect)
		return -EIO;
	return s->rd(s->ctx, lba * PART_SECTOR, buf, PART_SECTOR);
}

/* Record partition n, clipped to the disk as Linux does. */
static void put_part(struct scan *s, int n, uint64_t start, uint64_t nsect)
{
	if (n < 1 || n > PART_MAX || !nsect)
		return;
	if (start >= s->nsect) {
		printk_level(KERN_WARNING, "%s: p%d start %llu is beyond EOD, skipped\n",
			     s->name, n, (unsigned long long)start);
		return;
	}
	if (nsect > s->nsect - start) {
		printk_level(KERN_WARNING, "%s: p%d size %llu extends beyond EOD, truncated\n",
			     s->name, n, (unsigned long long)nsect);
		nsect = s->nsect - start;
	}
	s->pt->p[n].start = start;
	s->pt->p[n].nsect = nsect;
}

/* ---- DOS ---- */

struct dos_entry {
	unsigned char boot, type;
	uint32_t start, nsect;
};

static void dos_entry(const unsigned char *sect, int i, struct dos_entry *e)
{
	const unsigned char *p = sect + MBR_TABLE_OFF + i * MBR_ENTRY_SIZE;

	e->boot = p[0];
	e->type = p[4];
	e->start = get_le32(p + 8);
	e->nsect = get_le32(p + 12);
}

static bool has_mbr_sig(const unsigned char *sect)
{
	return sect[MBR_SIG_OFF] == 0x55 && sect[MBR_SIG_OFF + 1] == 0xaa;
}

static bool is_extended(unsigned char type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* Follow the chain of extended boot records: each holds one logical
 * partition (relative to itself) and a link to the next EBR (relative to
 * the start of the extended partition). */
static int dos_logical(struct scan *s, uint64_t ext_start, uint64_t ext_nsect,
		       int *slot)
{
	unsigned char sect[PART_SECTOR];
	uint64_t ebr = ext_start;

	for (int loop = 0; loop < DOS_EXT_MAX && *slot <= PART_MAX; loop++) {
		struct dos_entry e;
		uint64_t next = 0;
		int ret = read_sector(s, ebr, sect);

		if (ret == -EIO)
			return 0;	/* a link past the end: stop there */
		if (ret < 0)
			return ret;
		if (!has_mbr_sig(sect))
			return 0;
		for (int i = 0; i < 4; i++) {
			dos_entry(sect, i, &e);
			if (!e.nsect || is_extended(e.type))
				continue;
			put_part(s, (*slot)++, ebr + e.start, e.nsect);
			break;
		}
		for (int i = 0; i < 4; i++) {
			dos_entry(sect, i, &e);
			if (e.nsect && is_extended(e.type)) {
				next = ext_start + e.start;
				break;
			}
		}
		if (!next || next == ebr || next >= ext_start + ext_nsect)
			return 0;
		ebr = next;
	}
	return 0;
}

static int dos_scan(struct scan *s, const unsigned char *mbr)
{
	struct dos_entry e[4];
	int slot = 5, ret;

	for (int i = 0; i < 4; i++) {
		dos_entry(mbr, i, &e[i]);
		if (e[i].boot != 0 && e[i].boot != 0x80)
			return 0;	/* not a partition table (a boot sector) */
	}
	s->pt->label = PART_DOS;
	for (int i = 0; i < 4; i++) {
		if (!e[i].nsect || !e[i].type)
			continue;
		/* Linux shows an extended partition as its first 1 KiB. */
		put_part(s, i + 1, e[i].start,
			 is_extended(e[i].type) && e[i].nsect > 2 ? 2 : e[i].nsect);
	}
	for (int i = 0; i < 4; i++) {
		if (!e[i].nsect || !is_extended(e[i].type) || e[i].start >= s->nsect)
			continue;
		ret = dos_logical(s, e[i].start, e[i].nsect, &slot);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- GPT ---- */

struct gpt_header {
	uint64_t alternate, first_usable, last_usable, entries_lba;
	uint32_t nentries, entry_size, entries_crc;
};

/* 1 if the header at lba is valid (entries and their CRC included, read
 * into *entries), 0 if not, -errno on a read error. */
static int gpt_read(struct scan *s, uint64_t lba, struct gpt_header *h,
		    unsigned char **entries)
{
	unsigned char sect[PART_SECTOR];
	uint32_t hsize, crc;
	size_t bytes;
	unsigned char *buf;
	int ret = read_sector(s, lba, sect);

	if (ret == -EIO)
		return 0;
	if (ret < 0)
		return ret;
	if (memcmp(sect, "EFI PART", 8))
		return 0;
	hsize = get_le32(sect + 12);
	if (hsize < GPT_HEADER_MIN || hsize > PART_SECTOR)
		return 0;
	crc = get_le32(sect + 16);
	memset(sect + 16, 0, 4);
	if (part_crc32(sect, hsize) != crc)
		return 0;
	if (get_le64(sect + 24) != lba)
		return 0;
	h->alternate = get_le64(sect + 32);
	h->first_usable = get_le64(sect + 40);
	h->last_usable = get_le64(sect + 48);
	h->entries_lba = get_le64(sect + 72);
	h->nentries = get_le32(sect + 80);
	h->entry_size = get_le32(sect + 84);
	h->entries_crc = get_le32(sect + 88);
	if (h->first_usable > h->last_usable || h->last_usable >= s->nsect)
		return 0;
	if (h->entry_size != GPT_ENTRY_SIZE || !h->nentries ||
	    h->nentries > GPT_ENTRIES_MAX / GPT_ENTRY_SIZE)
		return 0;
	bytes = (size_t)h->nentries * GPT_ENTRY_SIZE;
	if (h->entries_lba >= s->nsect ||
	    (bytes + PART_SECTOR - 1) / PART_SECTOR > s->nsect - h->entries_lba)
		return 0;
	buf = malloc(bytes);
	if (!buf)
		return -ENOMEM;
	ret = s->rd(s->ctx, h->entries_lba * PART_SECTOR, buf, bytes);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	if (part_crc32(buf, bytes) != h->entries_crc) {
		free(buf);
		return 0;
	}
	*entries = buf;
	return 1;
}

static int gpt_scan(struct scan *s)
{
	static const unsigned char unused[16];
	struct gpt_header h;
	unsigned char *entries = NULL;
	int ret = gpt_read(s, 1, &h, &entries);

	if (ret == 0) {
		ret = gpt_read(s, s->nsect - 1, &h, &entries);
		if (ret > 0)
			printk_level(KERN_WARNING, "%s: Primary GPT is invalid, using alternate GPT.\n",
				     s->name);
	}
	if (ret <= 0) {
		if (ret == 0)
			printk_level(KERN_WARNING, "%s: protective MBR but no valid GPT\n",
				     s->name);
		return ret;
	}
	s->pt->label = PART_GPT;
	for (uint32_t i = 0; i < h.nentries && i < PART_MAX; i++) {
		const unsigned char *e = entries + i * GPT_ENTRY_SIZE;
		uint64_t first = get_le64(e + 32), last = get_le64(e + 40);

		if (!memcmp(e, unused, 16) || first > last || last >= s->nsect)
			continue;
		put_part(s, i + 1, first, last - first + 1);
	}
	free(entries);
	return 0;
}

static void log_table(struct scan *s)
{
	char line[256];
	int len = snprintf(line, sizeof(line), " %s:", s->name);

	for (int n = 1; n <= PART_MAX; n++)
		if (s->pt->p[n].nsect && len < (int)sizeof(line))
			len += snprintf(line + len, sizeof(line) - len, " %s%d",
					s->name, n);
	printk("%s\n", line);
}

int part_scan(const char *name, uint64_t size, part_read_t rd, void *ctx,
	      struct part_table *pt)
{
	struct scan s = { name, size / PART_SECTOR, rd, ctx, pt };
	unsigned char mbr[PART_SECTOR];
	bool protective = false;
	int ret, count = 0;

	memset(pt, 0, sizeof(*pt));
	if (s.nsect < 2)
		return 0;
	ret = read_sector(&s, 0, mbr);
	if (ret < 0)
		return ret;
	if (!has_mbr_sig(mbr))
		return 0;
	for (int i = 0; i < 4; i++) {
		struct dos_entry e;

		dos_entry(mbr, i, &e);
		protective |= e.type == TYPE_GPT_PMBR;
	}
	ret = protective ? gpt_scan(&s) : dos_scan(&s, mbr);
	if (ret < 0) {
		memset(pt, 0, sizeof(*pt));
		return ret;
	}
	for (int n = 1; n <= PART_MAX; n++)
		count += pt->p[n].nsect != 0;
	if (pt->label != PART_NONE)
		log_table(&s);
	return count;
}
