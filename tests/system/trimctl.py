"""A static guest helper for the block TRIM ioctls, built at test time.

busybox's blkdiscard issues BLKDISCARD and BLKSECDISCARD but nothing
issues BLKZEROOUT, and none of them opens the device read-only (for
EBADF). The tests put this program in a hostfs share and run it as
`/mnt/host/trimctl DEV r|w discard|zeroout|secdiscard OFF LEN`; it prints
`<op>: ok` or `<op>: <strerror>` (or `open: <strerror>`)."""
import subprocess

import pytest

SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

int main(int argc, char **argv)
{
	uint64_t range[2];
	unsigned long cmd;
	int fd;

	if (argc != 6)
		return 2;
	fd = open(argv[1], argv[2][0] == 'w' ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(argv[3], "discard"))
		cmd = BLKDISCARD;
	else if (!strcmp(argv[3], "zeroout"))
		cmd = BLKZEROOUT;
	else
		cmd = BLKSECDISCARD;
	range[0] = strtoull(argv[4], NULL, 0);
	range[1] = strtoull(argv[5], NULL, 0);
	if (ioctl(fd, cmd, range) < 0) {
		printf("%s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	printf("%s: ok\n", argv[3]);
	return 0;
}
"""

# Shell lines mounting the share at /mnt/host (hostfs=<share> on the
# kernel command line).
MOUNT = "mkdir -p /mnt/host; mount -t hostfs none /mnt/host -o /\n"


def build(share):
    """Compile trimctl into the directory share; skip if gcc cannot."""
    src = share / "trimctl.c"
    src.write_text(SOURCE)
    cc = subprocess.run(["gcc", "-O2", "-static", "-o", str(share / "trimctl"), str(src)],
                        capture_output=True, text=True)
    if cc.returncode:
        pytest.skip("cannot build a static helper: " + cc.stderr[-300:])
    return "hostfs=" + str(share)
