/* uml_mkcow: create a UML COW file over a backing file (uml-compat.md §2.8).
 *
 *   uml_mkcow [-f] <COW file> <backing file>
 *
 * Exit 0 silently on success, 1 on an error, 2 on bad usage, as Debian's
 * uml-utilities. Unlike it, a missing backing file leaves no empty COW
 * file behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cow.h"

static void usage(void)
{
	fprintf(stderr, "uml_mkcow usage: \n"
		"\tuml_mkcow [-f] <COW file> <backing file>\n"
		"\t-f forces overwrite of an existing COW file\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char abs[COW_PATH_LEN];
	const char *cow, *backing;
	bool force = false;
	struct stat st, cst;
	uint64_t size;
	int opt, bfd, fd, ret;

	while ((opt = getopt(argc, argv, "+f")) != -1) {
		if (opt != 'f')
			usage();
		force = true;
	}
	if (argc - optind != 2)
		usage();
	cow = argv[optind];
	backing = argv[optind + 1];

	bfd = open(backing, O_RDONLY);
	if (bfd < 0 || fstat(bfd, &st) < 0 ||
	    (ret = cow_backing_size(bfd, &st, &size)) < 0) {
		fprintf(stderr, "uml_mkcow: backing file \"%s\": %s\n", backing,
			strerror(errno));
		return 1;
	}
	close(bfd);
	ret = cow_absolute_path(backing, abs, sizeof(abs));
	if (ret < 0) {
		fprintf(stderr, "uml_mkcow: absolute path of backing file \"%s\": %s\n",
			backing, strerror(-ret));
		return 1;
	}
	if (size > COW_SIZE_MAX) {
		fprintf(stderr, "uml_mkcow: backing file \"%s\" is too large\n",
			backing);
		return 1;
	}

	if (stat(cow, &cst) == 0 && cst.st_dev == st.st_dev &&
	    cst.st_ino == st.st_ino) {
		fprintf(stderr, "uml_mkcow: COW file \"%s\" is the backing file "
			"\"%s\"\n", cow, backing);
		return 1;
	}
	/* -f keeps what is past the header, as the reference does. */
	fd = open(cow, O_RDWR | O_CREAT | (force ? 0 : O_EXCL), 0644);
	if (fd < 0) {
		fprintf(stderr, "uml_mkcow: open COW file \"%s\": %s\n", cow,
			strerror(errno));
		return 1;
	}
	ret = cow_write_new(fd, abs, size, (uint32_t)st.st_mtime);
	if (ret == 0 && close(fd) < 0)
		ret = -errno;
	if (ret < 0) {
		fprintf(stderr, "uml_mkcow: writing COW file \"%s\": %s\n", cow,
			strerror(-ret));
		if (!force)
			unlink(cow);	/* we created it */
		return 1;
	}
	return 0;
}
