/* Partition table parsing: DOS primaries, extended/logical chains, GPT
 * with its checksums and backup header, and the malformed cases (bad boot
 * flags, entries beyond the disk, EBR loops, protective MBR without GPT). */
#include <errno.h>
#include <stdint.h>
#include "unit.h"
#include "block/partition.h"

#define DISK_SECTORS	8192u		/* 4 MiB */

static unsigned char disk[DISK_SECTORS * PART_SECTOR];
static int reads;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	reads++;
	if (off + len > *(uint64_t *)ctx)
		return -EIO;
	memcpy(buf, disk + off, len);
	return 0;
}

static int scan(uint64_t size, struct part_table *pt)
{
	return part_scan("ubdb", size, mem_read, &size, pt);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, v >> 32);
}

/* A DOS entry i in the boot record at sector lba. */
static void dos_entry(uint64_t lba, int i, int boot, int type,
		      uint32_t start, uint32_t nsect)
{
	unsigned char *s = disk + lba * PART_SECTOR;
	unsigned char *e = s + 446 + 16 * i;

	e[0] = boot;
	e[4] = type;
	put_le32(e + 8, start);
	put_le32(e + 12, nsect);
	s[510] = 0x55;
	s[511] = 0xaa;
}

static void wipe(void)
{
	memset(disk, 0, sizeof(disk));
}

static void test_crc32(void)
{
	CHECK_EQ(part_crc32("123456789", 9), 0xcbf43926u);
	CHECK_EQ(part_crc32("", 0), 0);
}

static void test_no_table(void)
{
	struct part_table pt;

	wipe();
	CHECK_EQ(scan(sizeof(disk), &pt), 0);
	CHECK_EQ(pt.label, PART_NONE);
	/* A signature with a bogus boot flag is a boot sector, not a table. */
	dos_entry(0, 0, 0x12, 0x83, 2048, 100);
	CHECK_EQ(scan(sizeof(disk), &pt), 0);
	CHECK_EQ(pt.p[1].nsect, 0);
	/* Too small to hold anything. */
	CHECK_EQ(scan(512, &pt), 0);
}

static void test_dos_primary(void)
{
	struct part_table pt;

	wipe();
	dos_entry(0, 0, 0x80, 0x83, 2048, 2048);
	dos_entry(0, 2, 0, 0x82, 4096, 1024);
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
	CHECK_EQ(pt.label, PART_DOS);
	CHECK_EQ(pt.p[1].start, 2048);
	CHECK_EQ(pt.p[1].nsect, 2048);
	CHECK_EQ(pt.p[2].nsect, 0);
	CHECK_EQ(pt.p[3].start, 4096);
	CHECK_EQ(pt.p[3].nsect, 1024);
}

static void test_dos_beyond_end(void)
{
	struct part_table pt;

	wipe();
	dos_entry(0, 0, 0, 0x83, 8000, 1000);		/* clipped to 192 */
	dos_entry(0, 1, 0, 0x83, 9000, 10);		/* starts past the end */
	CHECK_EQ(scan(sizeof(disk), &pt), 1);
	CHECK_EQ(pt.p[1].nsect, DISK_SECTORS - 8000);
	CHECK_EQ(pt.p[2].nsect, 0);
}

static void test_dos_logical(void)
{
	struct part_table pt;

	wipe();
	dos_entry(0, 0, 0, 0x83, 2048, 1024);
	dos_entry(0, 1, 0, 0x05, 4096, 4096);		/* extended */
	/* EBR 1 at 4096: logical at +2048, next EBR at ext+1024. */
	dos_entry(4096, 0, 0, 0x83, 2048, 512);
	dos_entry(4096, 1, 0, 0x05, 1024, 1024);
	/* EBR 2 at 5120: logical at +64, no next. */
	dos_entry(5120, 0, 0, 0x83, 64, 256);
	CHECK_EQ(scan(sizeof(disk), &pt), 4);
	CHECK_EQ(pt.p[2].start, 4096);
	CHECK_EQ(pt.p[2].nsect, 2);			/* shown as 1 KiB */
	CHECK_EQ(pt.p[5].start, 6144);
	CHECK_EQ(pt.p[5].nsect, 512);
	CHECK_EQ(pt.p[6].start, 5184);
	CHECK_EQ(pt.p[6].nsect, 256);
}

static void test_dos_ebr_loop(void)
{
	struct part_table pt;
	int n;

	wipe();
	dos_entry(0, 0, 0, 0x0f, 100, 8000);
	/* Two EBRs pointing at each other: stops after the 15th minor. */
	dos_entry(100, 0, 0, 0x83, 10, 5);
	dos_entry(100, 1, 0, 0x05, 200, 100);
	dos_entry(300, 0, 0, 0x83, 10, 5);
	dos_entry(300, 1, 0, 0x05, 0, 100);
	reads = 0;
	n = scan(sizeof(disk), &pt);
	CHECK_EQ(n, 12);				/* p1 + p5..p15 */
	CHECK(reads < 40);
	CHECK_EQ(pt.p[6].start, 310);
	CHECK_EQ(pt.p[15].start, 110);
	/* A link to itself ends the chain. */
	wipe();
	dos_entry(0, 0, 0, 0x05, 100, 8000);
	dos_entry(100, 0, 0, 0x83, 10, 5);
	dos_entry(100, 1, 0, 0x05, 0, 100);
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
}

/* A GPT header at lba with nent entries at entries_lba (already filled). */
static void gpt_header(uint64_t lba, uint64_t alt, uint64_t entries_lba, uint32_t nent)
{
	unsigned char *h = disk + lba * PART_SECTOR;

	memset(h, 0, PART_SECTOR);
	memcpy(h, "EFI PART", 8);
	put_le32(h + 8, 0x00010000);
	put_le32(h + 12, 92);
	put_le64(h + 24, lba);
	put_le64(h + 32, alt);
	put_le64(h + 40, 34);
	put_le64(h + 48, DISK_SECTORS - 34);
	put_le64(h + 72, entries_lba);
	put_le32(h + 80, nent);
	put_le32(h + 84, 128);
	put_le32(h + 88, part_crc32(disk + entries_lba * PART_SECTOR, nent * 128));
	put_le32(h + 16, part_crc32(h, 92));
}

static void gpt_entry(uint64_t entries_lba, int i, uint64_t first, uint64_t last)
{
	unsigned char *e = disk + entries_lba * PART_SECTOR + i * 128;

	memset(e, 0x11, 16);		/* some type GUID */
	memset(e + 16, 0x22 + i, 16);
	put_le64(e + 32, first);
	put_le64(e + 40, last);
}

static void make_gpt(void)
{
	wipe();
	dos_entry(0, 0, 0, 0xee, 1, DISK_SECTORS - 1);
	gpt_entry(2, 0, 2048, 4095);
	gpt_entry(2, 2, 4096, 8000);
	gpt_entry(2, 20, 100, 200);			/* beyond minor 15 */
	memcpy(disk + (DISK_SECTORS - 33) * PART_SECTOR, disk + 2 * PART_SECTOR,
	       32 * PART_SECTOR);
	gpt_header(1, DISK_SECTORS - 1, 2, 128);
	gpt_header(DISK_SECTORS - 1, 1, DISK_SECTORS - 33, 128);
}

static void test_gpt(void)
{
	struct part_table pt;

	make_gpt();
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
	CHECK_EQ(pt.label, PART_GPT);
	CHECK_EQ(pt.p[1].start, 2048);
	CHECK_EQ(pt.p[1].nsect, 2048);
	CHECK_EQ(pt.p[3].start, 4096);
	CHECK_EQ(pt.p[3].nsect, 3905);
	CHECK_EQ(pt.p[2].nsect, 0);
}

static void test_gpt_backup(void)
{
	struct part_table pt;

	/* A corrupted primary header: the backup at the last sector serves. */
	make_gpt();
	disk[PART_SECTOR + 40] ^= 1;
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
	CHECK_EQ(pt.p[1].start, 2048);
	/* A corrupted primary entry array: same. */
	make_gpt();
	disk[2 * PART_SECTOR + 33] ^= 1;
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
	CHECK_EQ(pt.p[1].start, 2048);
	/* Both broken: a protective MBR alone gives no partitions (and no DOS
	 * partition of type 0xee either). */
	disk[(DISK_SECTORS - 1) * PART_SECTOR + 40] ^= 1;
	CHECK_EQ(scan(sizeof(disk), &pt), 0);
	CHECK_EQ(pt.p[1].nsect, 0);
	/* The disk shrank: the backup is no longer at the last sector. */
	make_gpt();
	disk[PART_SECTOR + 40] ^= 1;
	CHECK_EQ(scan(sizeof(disk) - PART_SECTOR, &pt), 0);
}

static void test_gpt_bad_header(void)
{
	struct part_table pt;
	unsigned char *h = disk + PART_SECTOR;

	/* Entry size other than 128 is refused even with a right CRC. */
	make_gpt();
	memcpy(disk + (DISK_SECTORS - 1) * PART_SECTOR, "XXXXXXXX", 8);
	put_le32(h + 84, 256);
	put_le32(h + 16, 0);
	put_le32(h + 16, part_crc32(h, 92));
	CHECK_EQ(scan(sizeof(disk), &pt), 0);
	/* A huge entry count is refused without reading it. */
	make_gpt();
	memcpy(disk + (DISK_SECTORS - 1) * PART_SECTOR, "XXXXXXXX", 8);
	put_le32(h + 80, 0x7fffffff);
	put_le32(h + 16, 0);
	put_le32(h + 16, part_crc32(h, 92));
	CHECK_EQ(scan(sizeof(disk), &pt), 0);
	/* Entries past the last LBA are skipped. */
	make_gpt();
	gpt_entry(2, 1, 100, DISK_SECTORS);
	gpt_header(1, DISK_SECTORS - 1, 2, 128);
	CHECK_EQ(scan(sizeof(disk), &pt), 2);
	CHECK_EQ(pt.p[2].nsect, 0);
}

static int failing_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return -EIO;
}

static void test_read_error(void)
{
	struct part_table pt;

	CHECK_EQ(part_scan("ubdb", sizeof(disk), failing_read, NULL, &pt), -EIO);
	CHECK_EQ(pt.label, PART_NONE);
}

int main(void)
{
	test_crc32();
	test_no_table();
	test_dos_primary();
	test_dos_beyond_end();
	test_dos_logical();
	test_dos_ebr_loop();
	test_gpt();
	test_gpt_backup();
	test_gpt_bad_header();
	test_read_error();
	return unit_done();
}
