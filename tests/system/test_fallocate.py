"""fallocate on ext filesystems: preallocation (also past EOF), hole
punching and zero ranges leave data the host reads back with debugfs and
a filesystem `e2fsck -fn` finds clean; block-mapped (ext2) files take
mode 0 and PUNCH_HOLE only.

busybox's fallocate has no -p/-z, so a static helper built at test time
is written into the image: `/falloc FILE alloc|keep|punch|zero|zerokeep
OFF LEN` prints `<mode>: ok size=S blocks=B` or `<mode>: <strerror>`."""
import re
import subprocess

import pytest

from guest import image_copy, run_shell

KiB = 1024
MiB = 1 << 20

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/falloc.h>

static const struct { const char *name; int mode; } modes[] = {
	{ "alloc", 0 },
	{ "keep", FALLOC_FL_KEEP_SIZE },
	{ "punch", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE },
	{ "zero", FALLOC_FL_ZERO_RANGE },
	{ "zerokeep", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE },
};

int main(int argc, char **argv)
{
	struct stat st;
	int fd, i;

	if (argc != 5)
		return 2;
	for (i = 0; i < 5 && strcmp(modes[i].name, argv[2]); i++)
		;
	if (i == 5)
		return 2;
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (fallocate(fd, modes[i].mode, strtoll(argv[3], NULL, 0),
		      strtoll(argv[4], NULL, 0)) < 0) {
		printf("%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fstat(fd, &st);
	printf("%s: ok size=%lld blocks=%lld\n", argv[2], (long long)st.st_size,
	       (long long)st.st_blocks);
	return 0;
}
"""


def install_helper(tmp_path, img):
    src = tmp_path / "falloc.c"
    src.write_text(SOURCE)
    exe = tmp_path / "falloc"
    cc = subprocess.run(["gcc", "-O2", "-static", "-o", str(exe), str(src)],
                        capture_output=True, text=True)
    if cc.returncode:
        pytest.skip("cannot build a static helper: " + cc.stderr[-300:])
    for cmd in ("write %s /falloc" % exe, "sif /falloc mode 0100755"):
        subprocess.run(["debugfs", "-w", "-R", cmd, img], capture_output=True, check=True)


def fsck_clean(img):
    r = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def host_cat(img, path):
    r = subprocess.run(["debugfs", "-R", "cat " + path, img], capture_output=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def patch(data, off, new):
    return data[:off] + new + data[off + len(new):]


# Fill a file with n bytes of letter c.
def fill(path, c, n):
    return "head -c %d /dev/zero | tr '\\000' %s > %s\n" % (n, c, path)


def test_ext4_fallocate_punch_zero_is_clean_and_reads_back(tmp_path):
    img = image_copy(tmp_path)
    install_helper(tmp_path, img)
    r = run_shell(img,
                  # punch and zero inside written data, prealloc past EOF
                  fill("/fa1", "A", 64 * KiB)
                  + "/falloc /fa1 punch 1000 10000\n"
                  "/falloc /fa1 zero 20000 30000\n"
                  "/falloc /fa1 keep 65536 1048576\n"
                  "truncate -s 70000 /fa1\n"
                  # preallocated, then written into (partly, across blocks)
                  "/falloc /fa2 alloc 0 1048576\n"
                  "echo hello | dd of=/fa2 bs=1 seek=500000 conv=notrunc 2>/dev/null\n"
                  + fill("/tmp/b", "B", 40000)
                  + "dd if=/tmp/b of=/fa2 bs=1000 seek=300 conv=notrunc 2>/dev/null\n"
                  "dd if=/fa2 bs=1 skip=500000 count=5 2>/dev/null; echo\n"
                  # zero range growing the file, and one keeping the size
                  + fill("/fa3", "C", 10000)
                  + "/falloc /fa3 zero 5000 20000\n"
                  "/falloc /fa3 zerokeep 30000 100000\n"
                  # preallocated past EOF and then cut off by a truncate
                  "/falloc /fa4 keep 0 2097152\n"
                  "truncate -s 5000 /fa4\n"
                  "/falloc /fa5 punch 0 4096\n"
                  "/falloc /fa5 alloc 0 0x7fffffffffffffff\n"
                  "/falloc /fa5 alloc 0 0x100000000000\n"
                  "sync; echo guest-done\n")
    out = r.stdout
    assert "guest-done" in out, out[-3000:]
    punch = re.search(r"punch: ok size=65536 blocks=(\d+)", out)
    assert punch and int(punch.group(1)) < 128, out[-3000:]      # 64 KiB less holes
    keep = re.search(r"keep: ok size=65536 blocks=(\d+)", out)
    assert keep and int(keep.group(1)) >= int(punch.group(1)) + MiB // 512, out[-3000:]
    alloc = re.search(r"alloc: ok size=1048576 blocks=(\d+)", out)
    assert alloc and int(alloc.group(1)) >= MiB // 512, out[-3000:]
    assert "\nhello" in out
    assert "zero: ok size=25000" in out, out[-3000:]
    assert "zerokeep: ok size=25000" in out, out[-3000:]
    # /fa5 is empty: a punch is a no-op; the end past the largest offset
    # and past ext4's 16 TiB - 4 KiB limit is EFBIG.
    assert out.count("alloc: File too large") == 2, out[-3000:]
    fsck_clean(img)

    fa1 = b"A" * 65536
    fa1 = patch(fa1, 1000, bytes(10000))
    fa1 = patch(fa1, 20000, bytes(30000))
    fa1 += bytes(70000 - 65536)
    assert host_cat(img, "/fa1") == fa1
    fa2 = patch(bytes(MiB), 500000, b"hello\n")
    fa2 = patch(fa2, 300000, b"B" * 40000)
    assert host_cat(img, "/fa2") == fa2
    assert host_cat(img, "/fa3") == b"C" * 5000 + bytes(20000)
    assert host_cat(img, "/fa4") == bytes(5000)


def test_ext2_block_mapped_files(tmp_path):
    """Mode 0 allocates zeroed blocks; KEEP_SIZE and ZERO_RANGE are
    EOPNOTSUPP, as Linux's ext4 driver answers for block-mapped files;
    PUNCH_HOLE frees blocks."""
    img = image_copy(tmp_path)
    install_helper(tmp_path, img)
    ext2 = str(tmp_path / "ext2.img")
    with open(ext2, "wb") as f:
        f.truncate(16 * MiB)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", ext2], check=True)
    r = run_shell(img,
                  "mount -t ext2 /dev/ubdb /mnt; echo mount-rc=$?\n"
                  + fill("/mnt/f", "D", 50000)
                  + "/falloc /mnt/f alloc 40000 360000\n"
                  + fill("/tmp/e", "E", 30000)
                  # 1 KiB blocks: 280000.. is in the double-indirect tree
                  + "dd if=/tmp/e of=/mnt/f bs=1000 seek=280 conv=notrunc 2>/dev/null\n"
                  "/falloc /mnt/f keep 500000 4096\n"
                  "/falloc /mnt/f zero 0 4096\n"
                  "/falloc /mnt/f punch 4096 8192\n"
                  "/falloc /mnt/f punch 10000 5000\n"
                  "/falloc /mnt/f punch 290000 5000\n"
                  "umount /mnt; echo umount-rc=$?\n",
                  args=["ubd1=" + ext2])
    out = r.stdout
    assert "mount-rc=0" in out and "umount-rc=0" in out, out[-3000:]
    alloc = re.search(r"alloc: ok size=400000 blocks=(\d+)", out)
    assert alloc and int(alloc.group(1)) >= 400000 // 512, out[-3000:]
    assert "keep: Operation not supported" in out
    assert "zero: Operation not supported" in out
    punch = re.findall(r"punch: ok size=400000 blocks=(\d+)", out)
    assert len(punch) == 3 and int(punch[0]) < int(alloc.group(1)), out[-3000:]
    assert int(punch[2]) < int(punch[1]), out[-3000:]
    fsck_clean(ext2)
    f = b"D" * 50000 + bytes(350000)
    f = patch(f, 280000, b"E" * 30000)
    f = patch(f, 4096, bytes(8192))
    f = patch(f, 10000, bytes(5000))
    f = patch(f, 290000, bytes(5000))
    assert host_cat(ext2, "/f") == f
