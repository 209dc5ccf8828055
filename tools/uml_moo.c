/* uml_moo: merge a UML COW file with its backing file (uml-compat.md §2.9).
 *
 *   uml_moo [-b <actual backing file>] <COW file> <new file>
 *   uml_moo -d [-b <actual backing file>] <COW file>
 *
 * The first form writes a new image (sparse: all-zero sectors but the last
 * are skipped); -d writes the COW's sectors into the backing file in
 * place. Exit 0 silently on success, 1 on any error or bad usage, as
 * Debian's uml-utilities; -d and -b are taken in either order. Files are
 * locked so a merge cannot race a running kernel, and the new file may
 * not be one of the inputs. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cow.h"

#define CHUNK_BYTES	(1u << 20)

static void usage(void)
{
	fprintf(stderr, "uml_moo usage:\n"
		"\tuml_moo [ -b <actual backing file> ] <COW file> <new backing file>\n"
		"\tuml_moo [ -b <actual backing file> ] -d <COW file>\n"
		"Creates a new filesystem image from the COW file and its backing file.\n"
		"Specifying -d will cause a destructive, in-place merge of the COW file into\n"
		"its current backing file\n"
		"Specifying -b overrides the backing_file specified in the COW file.  This is\n"
		"needed when dealing with a COW file that was created inside a chroot jail.\n"
		"uml_moo supports version 1,2 and 3 COW files.\n");
	exit(1);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("uml_moo: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* A whole-file fcntl lock, as the kernel takes on its images. */
static int lock(int fd, bool write, const char *what, const char *file)
{
	struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES) {
		struct flock who = fl;

		if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK)
			return fail("%s \"%s\" is in use by process %d", what, file,
				    (int)who.l_pid);
		return fail("%s \"%s\" is in use", what, file);
	}
	return 0;	/* no locking on this filesystem: go on */
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && !memcmp(p, p + 1, len - 1));
}

struct merge {
	const struct cow_header *h;
	const uint8_t *bitmap;
	uint64_t covered;		/* sectors with a bit in the file */
	int cow_fd, backing_fd, out_fd;
};

static bool in_cow(const struct merge *m, uint64_t s)
{
	return s < m->covered && cow_bit(m->bitmap, s);
}

/* Bytes of sectors [s, s + n) that lie inside the disk. */
static size_t span(const struct merge *m, uint64_t s, uint64_t n)
{
	uint64_t start = s * m->h->sectorsize, end = (s + n) * m->h->sectorsize;

	return (end < m->h->size ? end : m->h->size) - start;
}

/* Read sectors [s, s + n) of the merged disk into buf (zeros past EOF). */
static int read_merged(const struct merge *m, uint64_t s, uint64_t n,
		       uint8_t *buf)
{
	uint32_t ss = m->h->sectorsize;
	uint64_t i = 0;

	while (i < n) {
		bool c = in_cow(m, s + i);
		uint64_t j = i + 1;
		size_t len;
		ssize_t got;

		while (j < n && in_cow(m, s + j) == c)
			j++;
		len = span(m, s + i, j - i);
		got = c ? cow_pread_full(m->cow_fd, buf + i * ss, len,
					 m->h->data_offset + (s + i) * ss)
			: cow_pread_full(m->backing_fd, buf + i * ss, len,
					 (s + i) * ss);
		if (got < 0)
			return got;
		memset(buf + i * ss + got, 0, len - got);
		i = j;
	}
	return 0;
}

/* A new image: every sector, all-zero ones skipped but the last. */
static int merge_new(const struct merge *m)
{
	uint32_t ss = m->h->sectorsize;
	uint64_t nsec = m->h->nsectors, per = CHUNK_BYTES / ss;
	uint8_t *buf = malloc(CHUNK_BYTES);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t s = 0; s < nsec && !ret; s += per) {
		uint64_t n = nsec - s < per ? nsec - s : per, i = 0;

		ret = read_merged(m, s, n, buf);
		while (!ret && i < n) {
			uint64_t j = i;

			while (j < n && (!all_zero(buf + j * ss, ss) || s + j == nsec - 1))
				j++;
			if (j > i)
				ret = cow_pwrite_full(m->out_fd, buf + i * ss,
						      span(m, s + i, j - i), (s + i) * ss);
			while (j < n && all_zero(buf + j * ss, ss) && s + j != nsec - 1)
				j++;
			i = j;
		}
	}
	free(buf);
	return ret;
}

/* In place: copy the COW's sectors into the backing file. */
static int merge_in_place(const struct merge *m)
{
	uint32_t ss = m->h->sectorsize;
	uint64_t per = CHUNK_BYTES / ss, s = 0;
	uint8_t *buf = malloc(CHUNK_BYTES);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (s < m->covered && !ret) {
		uint64_t n = 0;

		if (!in_cow(m, s)) {
			s++;
			continue;
		}
		while (n < per && s + n < m->covered && in_cow(m, s + n))
			n++;
		ret = read_merged(m, s, n, buf);
		if (!ret)
			ret = cow_pwrite_full(m->backing_fd, buf, span(m, s, n), s * ss);
		s += n;
	}
	free(buf);
	return ret;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int main(int argc, char **argv)
{
	const char *cow_file, *new_file = NULL, *backing = NULL, *why;
	struct stat cst, bst, nst;
	struct cow_header h;
	struct merge m = { .h = &h, .out_fd = -1 };
	uint8_t *bitmap;
	bool in_place = false;
	uint64_t size;
	char msg[160];
	int opt, ret;

	while ((opt = getopt(argc, argv, "+db:")) != -1) {
		if (opt == 'd')
			in_place = true;
		else if (opt == 'b')
			backing = optarg;
		else
			usage();
	}
	if (argc - optind != (in_place ? 1 : 2))
		usage();
	cow_file = argv[optind];
	if (!in_place)
		new_file = argv[optind + 1];

	m.cow_fd = open(cow_file, O_RDONLY);
	if (m.cow_fd < 0 || fstat(m.cow_fd, &cst) < 0)
		return fail("COW file \"%s\": %s", cow_file, strerror(errno));
	if (lock(m.cow_fd, false, "COW file", cow_file))
		return 1;
	ret = cow_read_header(m.cow_fd, &h, &why);
	if (ret == 0)
		return fail("\"%s\" is not a COW file", cow_file);
	if (ret < 0)
		return fail("COW file \"%s\": %s", cow_file, why);
	if (h.broken_v3)
		fprintf(stderr, "uml_moo: \"%s\" has the broken 64-bit V3 header "
			"layout; recovering content\n", cow_file);
	if (!backing)
		backing = h.backing;
	if (!*backing)
		return fail("COW file \"%s\" names no backing file (give -b)",
			    cow_file);

	m.backing_fd = open(backing, in_place ? O_RDWR : O_RDONLY);
	if (m.backing_fd < 0 || fstat(m.backing_fd, &bst) < 0)
		return fail("backing file \"%s\": %s", backing, strerror(errno));
	if (lock(m.backing_fd, in_place, "backing file", backing))
		return 1;
	ret = cow_backing_size(m.backing_fd, &bst, &size);
	if (ret < 0)
		return fail("backing file \"%s\": %s", backing, strerror(-ret));
	if (cow_check_backing(&h, size, bst.st_mtime, msg, sizeof(msg))) {
		fprintf(stderr, "%s \"%s\"\n", msg, backing);
		return 1;
	}
	if (same_inode(&cst, &bst))
		return fail("COW file \"%s\" is its own backing file", cow_file);
	ret = cow_read_bitmap(m.cow_fd, &h, &bitmap, &why);
	if (ret < 0)
		return fail("COW file \"%s\": %s", cow_file,
			    why ? why : strerror(-ret));
	m.bitmap = bitmap;
	m.covered = cow_covered_sectors(&h);

	if (in_place) {
		ret = merge_in_place(&m);
		if (ret == 0 && fsync(m.backing_fd) < 0)
			ret = -errno;
		if (ret < 0)
			return fail("merging into \"%s\": %s", backing, strerror(-ret));
		return 0;
	}

	if (stat(new_file, &nst) == 0 &&
	    (same_inode(&nst, &cst) || same_inode(&nst, &bst)))
		return fail("new file \"%s\" is one of the input files", new_file);
	m.out_fd = open(new_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (m.out_fd < 0)
		return fail("new file \"%s\": %s", new_file, strerror(errno));
	ret = merge_new(&m);
	if (ret == 0 && fsync(m.out_fd) < 0)
		ret = -errno;
	if (ret == 0 && close(m.out_fd) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(new_file);	/* a partial image is worse than none */
		return fail("writing \"%s\": %s", new_file, strerror(-ret));
	}
	return 0;
}
