/* The COW format (lib/cow.c) and COW ubd devices (block/cow.c): header
 * round trips for every version and byte order, layout and bitmap math,
 * every validation error, and the device's sector routing, bitmap
 * write-back and refusals. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "ext_stubs.h"
#include "block/ubd.h"
#include "block/bcache.h"
#include <cow.h>

static char dir[] = "/tmp/cowtestXXXXXX";

static char *path(const char *name)
{
	return unit_path(dir, name);
}

static void fill_header(struct cow_header *h, int version, bool swapped,
			uint64_t size)
{
	memset(h, 0, sizeof(*h));
	h->version = version;
	h->swapped = swapped;
	strcpy(h->backing, "/srv/uml/backing");
	h->mtime = 0x5E0D5DA5;
	h->size = size;
	h->sectorsize = 512;
	h->alignment = 4096;
	cow_layout(h);
}

/* Encode, decode, and compare every field. */
static void round_trip(const struct cow_header *h, int want_len)
{
	uint8_t buf[COW_HEADER_MAX];
	struct cow_header d;
	const char *why = "unset";

	CHECK_EQ(cow_encode(h, buf), want_len);
	CHECK_EQ(cow_decode(buf, want_len, &d, &why), 1);
	CHECK(why == NULL);
	CHECK_EQ(d.version, h->version);
	CHECK_EQ(d.broken_v3, h->broken_v3);
	CHECK_EQ(d.swapped, h->swapped);
	CHECK_STR(d.backing, h->backing);
	CHECK_EQ(d.mtime, h->mtime);
	CHECK_EQ(d.size, h->size);
	CHECK_EQ(d.sectorsize, h->sectorsize);
	CHECK_EQ(d.alignment, h->alignment);
	CHECK_EQ(d.bitmap_offset, h->bitmap_offset);
	CHECK_EQ(d.bitmap_len, h->bitmap_len);
	CHECK_EQ(d.data_offset, h->data_offset);
	/* One byte short is a truncated header. */
	CHECK_EQ(cow_decode(buf, want_len - 1, &d, &why), -EINVAL);
	CHECK_STR(why, "truncated COW header");
}

static void test_v3(void)
{
	/* uml-compat.md §2.1: Debian's uml_mkcow over a 102400-byte file. */
	static const uint8_t want[48] = {
		0x4f, 0x4f, 0x4f, 0x4d, 0, 0, 0, 3, 0x5e, 0x0d, 0x5d, 0xa5, 0, 0, 0, 0,
		0x00, 0x01, 0x90, 0x00, 0, 0, 2, 0, 0, 0, 0x10, 0, 0, 0, 0, 0,
		'/', 's', 'r', 'v', '/', 'u', 'm', 'l', '/', 'b', 'a', 'c', 'k', 'i', 'n', 'g',
	};
	uint8_t buf[COW_HEADER_MAX];
	struct cow_header h;

	CHECK_EQ(cow_init_v3(&h, "/srv/uml/backing", 102400, 0x5E0D5DA5), 0);
	CHECK_EQ(cow_encode(&h, buf), COW_V3_HEADER_SIZE);
	CHECK(!memcmp(buf, want, sizeof(want)));
	CHECK_EQ(buf[48], 0);
	round_trip(&h, COW_V3_HEADER_SIZE);

	/* The worked examples: nsectors, bitmap_len, data_offset, length. */
	static const uint64_t ex[][5] = {
		{ 1000, 2, 1, 12288, 13288 },
		{ 102400, 200, 25, 12288, 114688 },
		{ 1 << 20, 2048, 256, 12288, 1060864 },
		{ 2 << 20, 4096, 512, 12288, 2109440 },
	};
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		CHECK_EQ(cow_init_v3(&h, "/b", ex[i][0], 1), 0);
		CHECK_EQ(h.bitmap_offset, 8192);
		CHECK_EQ(h.nsectors, ex[i][1]);
		CHECK_EQ(h.bitmap_len, ex[i][2]);
		CHECK_EQ(h.data_offset, ex[i][3]);
		CHECK_EQ(h.data_offset + h.size, ex[i][4]);
		CHECK_EQ(cow_bitmap_room(&h), ex[i][2]);
		CHECK_EQ(cow_covered_sectors(&h), ex[i][1]);
	}
	/* A V3 file with the magic byte-swapped reads its version that way. */
	fill_header(&h, 3, true, 102400);
	round_trip(&h, COW_V3_HEADER_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V3_HEADER_SIZE);
	CHECK(!memcmp(buf, "MOOO\3\0\0\0", 8));

	/* Path limits. */
	char longp[COW_PATH_LEN + 1];
	memset(longp, 'a', COW_PATH_LEN);
	longp[COW_PATH_LEN] = '\0';
	CHECK_EQ(cow_init_v3(&h, longp, 1, 1), -ENAMETOOLONG);
	longp[COW_PATH_LEN - 1] = '\0';
	CHECK_EQ(cow_init_v3(&h, longp, 1, 1), 0);
	round_trip(&h, COW_V3_HEADER_SIZE);
	CHECK_EQ(cow_init_v3(&h, "/b", COW_SIZE_MAX + 1, 1), -EFBIG);
}

static void test_broken_v3(void)
{
	uint8_t buf[COW_HEADER_MAX];
	struct cow_header h;

	fill_header(&h, 3, false, 102400);
	h.broken_v3 = true;
	cow_layout(&h);
	CHECK_EQ(h.header_size, COW_V3_BROKEN_SIZE);
	CHECK_EQ(h.bitmap_offset, 8192);
	round_trip(&h, COW_V3_BROKEN_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V3_BROKEN_SIZE);
	/* mtime in bytes 8-11, 12-15 zero, size at 16, path at 36. */
	CHECK(!memcmp(buf + 8, "\x5e\x0d\x5d\xa5\0\0\0\0", 8));
	CHECK(!memcmp(buf + 16, "\0\0\0\0\0\x01\x90\0", 8));
	CHECK(!memcmp(buf + 32, "\0\0\0\0/srv", 8));
	/* Alignment 512 puts the bitmap right after the padded header. */
	h.alignment = 512;
	cow_layout(&h);
	CHECK_EQ(h.bitmap_offset, 4608);
	round_trip(&h, COW_V3_BROKEN_SIZE);
}

static void test_v1_v2(void)
{
	uint8_t buf[COW_HEADER_MAX];
	struct cow_header h;

	/* V2: 4120-byte header, bitmap right after it, data at 4608. */
	fill_header(&h, 2, false, 102400);
	CHECK_EQ(h.bitmap_offset, 4120);
	CHECK_EQ(h.bitmap_len, 25);
	CHECK_EQ(h.data_offset, 4608);
	CHECK_EQ(h.alignment, 512);
	round_trip(&h, COW_V2_HEADER_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V2_HEADER_SIZE);
	CHECK(!memcmp(buf, "OOOM\0\0\0\2/srv", 12));
	CHECK(!memcmp(buf + 4104, "\x5e\x0d\x5d\xa5\0\0\0\0\0\x01\x90\0\0\0\2\0", 16));
	/* A swapped magic swaps only the version; V2 fields stay BE. */
	fill_header(&h, 2, true, 102400);
	round_trip(&h, COW_V2_HEADER_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V2_HEADER_SIZE);
	CHECK(!memcmp(buf, "MOOO\2\0\0\0", 8));
	CHECK(!memcmp(buf + 4104, "\x5e\x0d\x5d\xa5", 4));

	/* V1 as written on x86: "MOOO", little-endian fields, data at 512. */
	fill_header(&h, 1, true, 102400);
	CHECK_EQ(h.bitmap_offset, 280);
	CHECK_EQ(h.data_offset, 512);
	round_trip(&h, COW_V1_HEADER_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V1_HEADER_SIZE);
	CHECK(!memcmp(buf, "MOOO\1\0\0\0/srv", 12));
	CHECK(!memcmp(buf + 264, "\xa5\x5d\x0d\x5e\0\x90\x01\0\0\0\0\0\0\2\0\0", 16));
	/* V1 from a big-endian writer. */
	fill_header(&h, 1, false, 102400);
	round_trip(&h, COW_V1_HEADER_SIZE);
	CHECK_EQ(cow_encode(&h, buf), COW_V1_HEADER_SIZE);
	CHECK(!memcmp(buf + 264, "\x5e\x0d\x5d\xa5", 4));
	/* V1 has 256 bytes of path. */
	memset(h.backing, 'p', 256);
	h.backing[256] = '\0';
	CHECK_EQ(cow_encode(&h, buf), -EINVAL);
	h.backing[255] = '\0';
	round_trip(&h, COW_V1_HEADER_SIZE);
}

static void test_bitmap(void)
{
	uint8_t map[32] = { 0 };
	struct cow_header h;

	cow_set_bit(map, 0);
	CHECK_EQ(map[0], 0x01);
	cow_set_bit(map, 3);
	CHECK_EQ(map[0], 0x09);
	cow_set_bit(map, 199);
	CHECK_EQ(map[24], 0x80);
	CHECK(cow_bit(map, 3) && cow_bit(map, 199) && !cow_bit(map, 2) && !cow_bit(map, 198));

	/* The historic V1/V2 formula is a byte short for 9 sectors; the
	 * padding before the data area holds the missing bits. */
	fill_header(&h, 1, true, 9 * 512);
	CHECK_EQ(h.bitmap_len, 1);
	CHECK_EQ(cow_bitmap_bytes(&h), 2);
	CHECK_EQ(cow_bitmap_room(&h), 2);
	CHECK_EQ(cow_covered_sectors(&h), 9);
	/* ...unless there is no padding: 280 + 232 = 512 exactly. */
	fill_header(&h, 1, true, 1857 * 512);
	CHECK_EQ(h.bitmap_len, 232);
	CHECK_EQ(h.data_offset, 512);
	CHECK_EQ(cow_bitmap_room(&h), 232);
	CHECK_EQ(cow_covered_sectors(&h), 1856);
	/* A partial last sector still counts. */
	CHECK_EQ(cow_init_v3(&h, "/b", 513, 1), 0);
	CHECK_EQ(h.nsectors, 2);
	CHECK_EQ(cow_init_v3(&h, "/b", 0, 1), 0);
	CHECK_EQ(h.nsectors, 0);
	CHECK_EQ(h.data_offset, 8192);
}

static void expect_bad(const uint8_t *buf, size_t len, const char *want)
{
	struct cow_header h;
	const char *why = NULL;

	CHECK_EQ(cow_decode(buf, len, &h, &why), -EINVAL);
	CHECK_STR(why, want);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void test_validation(void)
{
	uint8_t buf[COW_HEADER_MAX], good[COW_HEADER_MAX];
	struct cow_header h;
	const char *why;

	/* Not COW files: no magic, or too short to have one. */
	memset(buf, 0x4f, sizeof(buf));
	CHECK_EQ(cow_decode(buf, sizeof(buf), &h, &why), 0);
	CHECK_EQ(cow_decode("OOO", 3, &h, &why), 0);
	CHECK_EQ(cow_decode("\x53\xef\0\0", 4, &h, &why), 0);
	CHECK_EQ(cow_decode("", 0, &h, &why), 0);

	expect_bad((const uint8_t *)"OOOM", 4, "truncated COW header");
	expect_bad((const uint8_t *)"OOOM\0\0\0", 7, "truncated COW header");

	CHECK_EQ(cow_init_v3(&h, "/b", 102400, 7), 0);
	CHECK_EQ(cow_encode(&h, good), COW_V3_HEADER_SIZE);
	expect_bad(good, COW_V3_HEADER_SIZE - 1, "truncated COW header");
	expect_bad(good, 100, "truncated COW header");

	for (uint32_t v = 0; v < 6; v += 4) {		/* 0 and 4 */
		memcpy(buf, good, sizeof(buf));
		put_be32(buf + 4, v);
		expect_bad(buf, sizeof(buf), "unknown COW version");
	}
	memcpy(buf, good, sizeof(buf));
	put_be32(buf + 4, 0x03000000);		/* LE 3 under a BE magic */
	expect_bad(buf, sizeof(buf), "unknown COW version");

	static const uint32_t bad_ss[] = { 0, 100, 256, 768, 131072 };
	for (size_t i = 0; i < sizeof(bad_ss) / sizeof(bad_ss[0]); i++) {
		memcpy(buf, good, sizeof(buf));
		put_be32(buf + 20, bad_ss[i]);
		expect_bad(buf, sizeof(buf), "invalid sector size in COW header");
	}
	static const uint32_t bad_align[] = { 0, 3, 4097, 1u << 21 };
	for (size_t i = 0; i < sizeof(bad_align) / sizeof(bad_align[0]); i++) {
		memcpy(buf, good, sizeof(buf));
		put_be32(buf + 24, bad_align[i]);
		expect_bad(buf, sizeof(buf), "invalid alignment in COW header");
	}
	memcpy(buf, good, sizeof(buf));
	put_be32(buf + 28, 1);
	expect_bad(buf, sizeof(buf), "unknown COW format in header");
	memcpy(buf, good, sizeof(buf));
	put_be32(buf + 12, 0x20000000);		/* 2^61 bytes */
	expect_bad(buf, sizeof(buf), "backing file size in COW header is too large");
	memcpy(buf, good, sizeof(buf));
	memset(buf + 32, '/', COW_PATH_LEN);
	expect_bad(buf, sizeof(buf), "backing file name in COW header is not terminated");

	/* V1 with an unterminated 256-byte path. */
	fill_header(&h, 1, true, 4096);
	CHECK_EQ(cow_encode(&h, buf), COW_V1_HEADER_SIZE);
	memset(buf + 8, 'x', 256);
	expect_bad(buf, COW_V1_HEADER_SIZE, "backing file name in COW header is not terminated");
	/* V2 with sector size 0. */
	fill_header(&h, 2, false, 4096);
	CHECK_EQ(cow_encode(&h, buf), COW_V2_HEADER_SIZE);
	memset(buf + 4116, 0, 4);
	expect_bad(buf, COW_V2_HEADER_SIZE, "invalid sector size in COW header");
	/* A broken V3 must have all 4136 bytes. */
	fill_header(&h, 3, false, 4096);
	h.broken_v3 = true;
	CHECK_EQ(cow_encode(&h, buf), COW_V3_BROKEN_SIZE);
	expect_bad(buf, COW_V3_HEADER_SIZE, "truncated COW header");

	/* Backing checks: size first, then mtime, UML's words. */
	char msg[160];
	CHECK_EQ(cow_init_v3(&h, "/b", 1000, 5), 0);
	CHECK_EQ(cow_check_backing(&h, 1000, 5, msg, sizeof(msg)), 0);
	CHECK_EQ(cow_check_backing(&h, 1001, 6, msg, sizeof(msg)), -EINVAL);
	CHECK_STR(msg, "Size mismatch (1000 vs 1001) of COW header vs backing file");
	CHECK_EQ(cow_check_backing(&h, 1000, 6, msg, sizeof(msg)), -EINVAL);
	CHECK_STR(msg, "mtime mismatch (5 vs 6) of COW header vs backing file");
}

static void test_paths(void)
{
	char out[COW_PATH_LEN], want[COW_PATH_LEN + 300], cwd[1024];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_EQ(cow_absolute_path("img", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/img", cwd);
	CHECK_STR(out, want);
	CHECK_EQ(cow_absolute_path("./img", out, sizeof(out)), 0);
	CHECK_STR(out, want);
	CHECK_EQ(cow_absolute_path("/img", out, sizeof(out)), 0);
	CHECK_STR(out, "/img");
	/* The directory's symlinks are resolved, the last name is kept. */
	CHECK_EQ(mkdir(path("real"), 0755), 0);
	CHECK_EQ(symlink(path("real"), path("link")), 0);
	CHECK_EQ(symlink("target", path("real/name")), 0);
	char in[300];
	snprintf(in, sizeof(in), "%s/link/../link/name", dir);
	CHECK_EQ(cow_absolute_path(in, out, sizeof(out)), 0);
	char real[COW_PATH_LEN];
	CHECK(realpath(path("real"), real) != NULL);
	snprintf(want, sizeof(want), "%s/name", real);
	CHECK_STR(out, want);
	CHECK_EQ(cow_absolute_path("/nonexistent-dir/x", out, sizeof(out)), -ENOENT);
	CHECK_EQ(cow_absolute_path("dir/", out, sizeof(out)), -EISDIR);
	char longp[COW_PATH_LEN + 8];
	longp[0] = '/';
	memset(longp + 1, 'n', COW_PATH_LEN);
	longp[COW_PATH_LEN + 1] = '\0';
	CHECK_EQ(cow_absolute_path(longp, out, sizeof(out)), -ENAMETOOLONG);
}

static void write_file(const char *file, const void *data, size_t len)
{
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 13 + (off >> 9) + 1);
}

static void make_backing(const char *file, size_t size)
{
	uint8_t *buf = malloc(size);

	for (size_t i = 0; i < size; i++)
		buf[i] = pattern(i);
	write_file(file, buf, size);
	free(buf);
}

static void test_files(void)
{
	struct cow_header h;
	const char *why;
	uint8_t *map;
	struct stat st;
	int fd;

	fd = open(path("f.cow"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ(cow_write_new(fd, "/x/back", 102400, 77), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 114688);
	CHECK(st.st_blocks < 64);		/* sparse */
	CHECK_EQ(cow_read_header(fd, &h, &why), 1);
	CHECK_STR(h.backing, "/x/back");
	CHECK_EQ(h.mtime, 77);
	CHECK_EQ(cow_read_bitmap(fd, &h, &map, &why), 0);
	CHECK_EQ(map[0] | map[24], 0);
	free(map);
	/* A file cut inside its bitmap. */
	CHECK_EQ(ftruncate(fd, 8192 + 10), 0);
	CHECK_EQ(cow_read_bitmap(fd, &h, &map, &why), -EINVAL);
	CHECK_STR(why, "COW file ends inside its bitmap");
	/* Cut inside its header. */
	CHECK_EQ(ftruncate(fd, 4000), 0);
	CHECK_EQ(cow_read_header(fd, &h, &why), -EINVAL);
	CHECK_STR(why, "truncated COW header");
	close(fd);
}

/* Bytes of a host file, read in a child so no lock of ours is dropped. */
static bool host_bytes_are(const char *file, uint64_t off, const void *want,
			   size_t len)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		uint8_t *buf = malloc(len);
		int fd = open(file, O_RDONLY);
		_exit(pread(fd, buf, len, off) == (ssize_t)len &&
		      !memcmp(buf, want, len) ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Whether another process could write-lock the file. */
static bool can_write_lock(const char *file)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(file, O_RDWR);
		_exit(fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static void test_device(void)
{
	const size_t size = 300 * 1024 + 100;	/* not a multiple of 4096 */
	char err[512];
	uint8_t buf[16384], data[8192];
	struct stat before, after;
	struct cow_header h;
	const char *why;
	bool ok = true;

	make_backing(path("back.img"), size);
	CHECK_EQ(stat(path("back.img"), &before), 0);

	/* A missing COW file is created over the backing file. */
	CHECK_EQ(ubd_configure(0, path("a.cow"), path("back.img"), 0, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(ubd_size(0), (size + 511) / 512 * 512);
	int fd = open(path("a.cow"), O_RDONLY);
	CHECK_EQ(cow_read_header(fd, &h, &why), 1);
	close(fd);
	CHECK_EQ(h.version, 3);
	CHECK_EQ(h.size, size);
	CHECK_EQ(h.mtime, (uint32_t)before.st_mtime);
	char abs[COW_PATH_LEN];
	CHECK(realpath(path("back.img"), abs) != NULL);
	CHECK_STR(h.backing, abs);

	/* Reads come from the backing file, the tail zero-filled. */
	CHECK_EQ(ubd_read(0, 307200, buf, 512), 0);
	for (size_t i = 0; i < 512; i++)
		ok &= buf[i] == (i < 100 ? pattern(307200 + i) : 0);
	CHECK(ok);

	/* Writes land in the COW data area once flushed; bits follow. */
	memset(data, 0xab, sizeof(data));
	CHECK_EQ(ubd_write(0, 1536, data, 1000), 0);
	CHECK_EQ(ubd_write(0, 40960, data, 8192), 0);
	CHECK_EQ(ubd_flush(0), 0);
	CHECK(host_bytes_are(path("a.cow"), h.data_offset + 1536, data, 1000));
	CHECK(host_bytes_are(path("a.cow"), h.data_offset + 40960, data, 8192));
	/* Block 0 (sectors 0-7) and sectors 80-95: bits 0xff at bytes 0, 10, 11. */
	CHECK(host_bytes_are(path("a.cow"), h.bitmap_offset, "\xff\0\0\0\0\0\0\0\0\0\xff\xff\0", 13));
	/* The untouched neighbours of the small write were copied over. */
	uint8_t nb[512];
	for (int i = 0; i < 512; i++)
		nb[i] = pattern(i);
	CHECK(host_bytes_are(path("a.cow"), h.data_offset, nb, 512));
	/* The backing file is untouched. */
	CHECK_EQ(stat(path("back.img"), &after), 0);
	CHECK_EQ(after.st_mtime, before.st_mtime);
	uint8_t orig[1000];
	for (int i = 0; i < 1000; i++)
		orig[i] = pattern(1536 + i);
	CHECK(host_bytes_are(path("back.img"), 1536, orig, 1000));
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);

	/* The COW file alone takes its backing file from the header, and
	 * shows the earlier writes around the backing data. */
	CHECK_EQ(ubd_configure(1, path("a.cow"), NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_read(1, 0, buf, 16384), 0);
	ok = true;
	for (int i = 0; i < 16384; i++) {
		bool written = i >= 1536 && i < 2536;
		ok &= buf[i] == (written ? 0xab : pattern(i));
	}
	CHECK(ok);
	CHECK_EQ(ubd_read(1, 40960 - 512, buf, 9216), 0);
	CHECK_EQ(buf[511], pattern(40959));
	CHECK_EQ(buf[512], 0xab);
	CHECK_EQ(buf[8703], 0xab);
	CHECK_EQ(buf[8704], pattern(49152));
	/* A kill -9 after the data reached the COW file but before its bits
	 * did: the data is there, and the file still reads as before. */
	pid_t child = fork();
	if (child == 0) {
		memset(data, 0xcd, sizeof(data));
		if (ubd_write(1, 200 * 1024, data, 4096) == 0 &&
		    bcache_flush(1) == 0)
			kill(getpid(), SIGKILL);
		_exit(1);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(ubd_remove(1, err, sizeof(err)), 0);
	memset(data, 0xcd, sizeof(data));
	CHECK(host_bytes_are(path("a.cow"), h.data_offset + 200 * 1024, data, 4096));
	CHECK_EQ(ubd_configure(1, path("a.cow"), NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_read(1, 200 * 1024, buf, 4096), 0);
	CHECK_EQ(buf[0], pattern(200 * 1024));
	CHECK_EQ(buf[4095], pattern(200 * 1024 + 4095));
	CHECK_EQ(ubd_read(1, 1536, buf, 1), 0);
	CHECK_EQ(buf[0], 0xab);
	CHECK_EQ(ubd_remove(1, err, sizeof(err)), 0);

	/* Two COW files over one backing file at once, each its own view. */
	CHECK_EQ(ubd_configure(2, path("b.cow"), path("back.img"), 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_configure(3, path("a.cow"), path("back.img"), 0, err, sizeof(err)), 0);
	memset(data, 0x11, 4096);
	CHECK_EQ(ubd_write(2, 0, data, 4096), 0);
	CHECK_EQ(ubd_flush(2), 0);
	CHECK_EQ(ubd_read(3, 0, buf, 4096), 0);
	CHECK_EQ(buf[0], pattern(0));
	CHECK_EQ(buf[1536], 0xab);
	/* One unit gone, the other still holds the backing file's lock. */
	CHECK_EQ(ubd_remove(2, err, sizeof(err)), 0);
	CHECK(!can_write_lock(path("back.img")));
	/* Files in use by a unit are refused for another. */
	CHECK_EQ(ubd_configure(5, path("back.img"), NULL, 0, err, sizeof(err)), -EAGAIN);
	CHECK(strstr(err, "is in use as a backing file") != NULL);
	CHECK_EQ(ubd_configure(5, path("a.cow"), NULL, UBD_DATA, err, sizeof(err)), -EAGAIN);
	CHECK(strstr(err, "is already in use as ubdd") != NULL);
	make_backing(path("plain.img"), 8192);
	CHECK_EQ(ubd_configure(5, path("plain.img"), NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_configure(6, path("p.cow"), path("plain.img"), 0, err, sizeof(err)), -EAGAIN);
	CHECK(strstr(err, "is in use as ubdf") != NULL);
	CHECK(access(path("p.cow"), F_OK) != 0);	/* made, then removed */
	CHECK_EQ(ubd_remove(5, err, sizeof(err)), 0);
	CHECK_EQ(ubd_remove(3, err, sizeof(err)), 0);
	CHECK(can_write_lock(path("back.img")));

	/* Read-only COW device. */
	CHECK_EQ(ubd_configure(4, path("a.cow"), NULL, UBD_RDONLY, err, sizeof(err)), 0);
	CHECK(ubd_readonly(4));
	CHECK_EQ(ubd_write(4, 0, data, 512), -EROFS);
	CHECK_EQ(ubd_remove(4, err, sizeof(err)), 0);
	/* The d flag: the COW file is plain data. */
	CHECK_EQ(ubd_configure(4, path("a.cow"), NULL, UBD_DATA, err, sizeof(err)), 0);
	CHECK_EQ(ubd_size(4), (h.data_offset + size + 511) / 512 * 512);
	CHECK_EQ(ubd_remove(4, err, sizeof(err)), 0);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "cp -p --sparse=always '%s' '%s'", from, to);
	CHECK_EQ(system(cmd), 0);
}

/* Refusals: each names what is wrong and writes nothing. */
static void test_device_errors(void)
{
	char err[512], want[COW_PATH_LEN * 2 + 300], abs[COW_PATH_LEN];
	uint8_t before[COW_V3_HEADER_SIZE];
	struct timespec ts[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };

	CHECK(realpath(path("back.img"), abs) != NULL);
	int fd = open(path("a.cow"), O_RDONLY);
	CHECK_EQ(pread(fd, before, sizeof(before), 0), sizeof(before));
	close(fd);

	/* Backing file changed: mtime, then size. */
	copy_file(path("back.img"), path("back.save"));
	CHECK_EQ(utimensat(AT_FDCWD, path("back.img"), ts, 0), 0);
	CHECK_EQ(ubd_configure(0, path("a.cow"), NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "mtime mismatch (") != NULL);
	snprintf(want, sizeof(want), " vs 1000000000) of COW header vs backing file \"%s\"", abs);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "ubda: COW file \"%s\": ", path("a.cow"));
	CHECK(!strncmp(err, want, strlen(want)));
	CHECK(!ubd_configured(0));
	CHECK(host_bytes_are(path("a.cow"), 0, before, sizeof(before)));
	/* The same with the backing file named on the command line. */
	CHECK_EQ(ubd_configure(0, path("a.cow"), path("back.img"), 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "mtime mismatch") != NULL);
	fd = open(path("back.img"), O_WRONLY | O_APPEND);
	CHECK_EQ(write(fd, "x", 1), 1);
	close(fd);
	CHECK_EQ(ubd_configure(0, path("a.cow"), NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "Size mismatch (307300 vs 307301) of COW header vs backing file") != NULL);
	CHECK(host_bytes_are(path("a.cow"), 0, before, sizeof(before)));
	rename(path("back.save"), path("back.img"));

	/* A backing file that moved: a matching copy named on the command
	 * line is taken and recorded in the header. */
	copy_file(path("back.img"), path("moved.img"));
	struct stat st;
	CHECK_EQ(stat(path("back.img"), &st), 0);
	struct timespec same[2] = { st.st_mtim, st.st_mtim };
	CHECK_EQ(utimensat(AT_FDCWD, path("moved.img"), same, 0), 0);
	copy_file(path("a.cow"), path("m.cow"));
	CHECK_EQ(ubd_configure(0, path("m.cow"), path("moved.img"), 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);
	struct cow_header h;
	const char *why;
	char mabs[COW_PATH_LEN];
	CHECK(realpath(path("moved.img"), mabs) != NULL);
	fd = open(path("m.cow"), O_RDONLY);
	CHECK_EQ(cow_read_header(fd, &h, &why), 1);
	close(fd);
	CHECK_STR(h.backing, mabs);
	/* A different, non-matching file is ignored for the header's. */
	make_backing(path("other.img"), 4096);
	CHECK_EQ(ubd_configure(0, path("a.cow"), path("other.img"), 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_size(0), 307712);
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);

	/* Backing file missing. */
	rename(path("back.img"), path("gone.img"));
	CHECK_EQ(ubd_configure(0, path("a.cow"), NULL, 0, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "ubda: Can't open backing file \"%s\" of COW file \"%s\": errno = 2",
		 abs, path("a.cow"));
	CHECK_STR(err, want);
	/* Creating a COW over a missing backing file leaves nothing. */
	CHECK_EQ(ubd_configure(0, path("new.cow"), path("back.img"), 0, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "ubda: Can't open backing file \"%s\" for COW file \"%s\": errno = 2",
		 path("back.img"), path("new.cow"));
	CHECK_STR(err, want);
	CHECK(access(path("new.cow"), F_OK) != 0);
	rename(path("gone.img"), path("back.img"));

	/* A plain image given a backing file. */
	make_backing(path("plain.img"), 8192);
	CHECK_EQ(ubd_configure(0, path("plain.img"), path("back.img"), 0, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "ubda: Failed to read COW header from COW file \"%s\" (backing file \"%s\")",
		 path("plain.img"), path("back.img"));
	CHECK_STR(err, want);
	CHECK_EQ(ubd_configure(0, path("plain.img"), path("back.img"), UBD_DATA, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "Can't specify both 'd' and a cow file");

	/* Malformed headers. */
	static const struct { const char *bytes; size_t len; const char *why; } bad[] = {
		{ "OOOM", 4, "truncated COW header" },
		{ "OOOM\0\0\0\3", 8, "truncated COW header" },
		{ "OOOM\0\0\0\x09", 8, "unknown COW version" },
		{ "MOOO\x09\0\0\0", 8, "unknown COW version" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path("bad.cow"), bad[i].bytes, bad[i].len);
		CHECK_EQ(ubd_configure(0, path("bad.cow"), NULL, 0, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "ubda: COW file \"%s\": %s", path("bad.cow"), bad[i].why);
		CHECK_STR(err, want);
	}
	/* A header naming no backing file. */
	uint8_t hb[COW_HEADER_MAX];
	CHECK_EQ(cow_init_v3(&h, "", 4096, 1), 0);
	h.version = 2;		/* an empty V3 path would read as broken V3 */
	cow_layout(&h);
	CHECK_EQ(cow_encode(&h, hb), COW_V2_HEADER_SIZE);
	write_file(path("nob.cow"), hb, COW_V2_HEADER_SIZE);
	CHECK_EQ(truncate(path("nob.cow"), h.data_offset + 4096), 0);
	CHECK_EQ(ubd_configure(0, path("nob.cow"), NULL, 0, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "ubda: COW file \"%s\" names no backing file", path("nob.cow"));
	CHECK_STR(err, want);
	/* A truncated bitmap. */
	copy_file(path("a.cow"), path("t.cow"));
	CHECK_EQ(truncate(path("t.cow"), 8200), 0);
	CHECK_EQ(ubd_configure(0, path("t.cow"), NULL, 0, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "ubda: COW file \"%s\": COW file ends inside its bitmap", path("t.cow"));
	CHECK_STR(err, want);
	CHECK(!ubd_configured(0));
}

/* Old formats work as devices: a V2 file written by hand. */
static void test_device_v2(void)
{
	struct cow_header h;
	uint8_t hb[COW_HEADER_MAX], buf[4096];
	char err[512], abs[COW_PATH_LEN];
	struct stat st;

	CHECK(realpath(path("back.img"), abs) != NULL);
	CHECK_EQ(stat(abs, &st), 0);
	memset(&h, 0, sizeof(h));
	h.version = 2;
	strcpy(h.backing, abs);
	h.mtime = st.st_mtime;
	h.size = st.st_size;
	h.sectorsize = 512;
	cow_layout(&h);
	CHECK_EQ(cow_encode(&h, hb), COW_V2_HEADER_SIZE);
	write_file(path("v2.cow"), hb, COW_V2_HEADER_SIZE);
	CHECK_EQ(truncate(path("v2.cow"), h.data_offset + h.size), 0);
	/* Sector 1 from the COW file. */
	int fd = open(path("v2.cow"), O_RDWR);
	CHECK_EQ(pwrite(fd, "\x02", 1, h.bitmap_offset), 1);
	memset(buf, 0x77, 512);
	CHECK_EQ(pwrite(fd, buf, 512, h.data_offset + 512), 512);
	close(fd);
	CHECK_EQ(ubd_configure(0, path("v2.cow"), NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(ubd_read(0, 0, buf, 4096), 0);
	CHECK_EQ(buf[0], pattern(0));
	CHECK_EQ(buf[511], pattern(511));
	CHECK_EQ(buf[512], 0x77);
	CHECK_EQ(buf[1023], 0x77);
	CHECK_EQ(buf[1024], pattern(1024));
	CHECK_EQ(ubd_remove(0, err, sizeof(err)), 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_v3();
	test_broken_v3();
	test_v1_v2();
	test_bitmap();
	test_validation();
	test_paths();
	test_files();
	test_device();
	test_device_errors();
	test_device_v2();
	ubd_shutdown();
	unit_remove_tree(dir);
	return unit_done();
}
