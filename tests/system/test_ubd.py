"""ubd devices as raw block devices inside the guest: dd, ioctls, read-only
units, mke2fs + mount, tar archives, DOS/GPT partitions (host tables,
guest fdisk, re-reading), swap areas and bad inputs."""
import os
import re
import shutil
import subprocess
import threading

import pytest

from guest import LINUX, image_copy, run_shell
import trimctl

MiB = 1 << 20
UML_DIR = None


@pytest.fixture(autouse=True)
def uml_dir(tmp_path):
    """Every instance keeps its umid directory in tmp_path, not ~/.uml."""
    global UML_DIR
    UML_DIR = "uml_dir=" + str(tmp_path / "uml")


def shell(image, script, args=(), **kw):
    return run_shell(image, script, args=[*args, UML_DIR], **kw)


def pattern_file(path, size):
    """A file whose every 512-byte sector starts with its own number."""
    with open(path, "wb") as f:
        for s in range(size // 512):
            f.write(b"sector%07d" % s + b"." * 499)


def sectors_of(path, first, count):
    with open(path, "rb") as f:
        f.seek(first * 512)
        return f.read(count * 512)


def sfdisk(img, script):
    if not shutil.which("sfdisk"):
        pytest.fail("sfdisk is missing: run tools/install-deps.sh (package fdisk)")
    subprocess.run(["sfdisk", "-q", img], input=script, text=True, check=True,
                   capture_output=True)


def test_raw_io_sizes_readonly_odd_size_and_tar(tmp_path):
    img = image_copy(tmp_path)
    data = str(tmp_path / "data.img")
    pattern_file(data, 8 * MiB)
    ro = str(tmp_path / "ro.img")
    pattern_file(ro, 1 * MiB)
    odd = str(tmp_path / "odd.img")
    with open(odd, "wb") as f:
        f.write(b"\xab" * 1000)                 # not a multiple of 512
    src = tmp_path / "src"
    src.mkdir()
    (src / "hello.txt").write_text("hello from the host\n")
    (src / "second").write_text("2\n")
    tar = str(tmp_path / "archive.tar")
    subprocess.run(["tar", "cf", tar, "-C", str(src), "hello.txt", "second"], check=True)

    r = shell(img,
                  "ls -l /dev/ubdb /dev/ubdc /dev/ubdd /dev/ubde\n"
                  "echo size=$(blockdev --getsize64 /dev/ubdb) sz=$(blockdev --getsz /dev/ubdb)\n"
                  "echo guest-wrote-this | dd of=/dev/ubdb bs=512 seek=100 conv=sync,fsync\n"
                  "dd if=/dev/ubdb bs=512 skip=100 count=1 2>/dev/null | head -c 16; echo\n"
                  "dd if=/dev/ubdb bs=512 skip=101 count=1 2>/dev/null | head -c 13; echo\n"
                  "echo x | dd of=/dev/ubdc bs=512 conv=sync; echo ro-rc=$?\n"
                  "echo ro=$(blockdev --getro /dev/ubdc)\n"
                  "echo odd=$(blockdev --getsize64 /dev/ubdd)\n"
                  "dd if=/dev/ubdd bs=1024 count=1 2>/dev/null | od -An -tx1 | tail -2\n"
                  "tar tf /dev/ubde; tar xOf /dev/ubde hello.txt\n",
                  args=["ubd1=" + data, "ubd2r=" + ro, "ubd3=" + odd, "ubd4r=" + tar])
    out = r.stdout
    assert re.search(r"brw-rw----\s+1 root\s+root\s+98,\s+16 .*/dev/ubdb", out), out
    assert re.search(r"98,\s+64 .*/dev/ubde", out)
    assert "size=8388608 sz=16384" in out
    assert "guest-wrote-thi" in out and "sector0000101" in out
    assert "Read-only file system" in out and "ro-rc=1" in out
    assert "ro=1" in out
    assert "odd=1024" in out
    # The 24 bytes past the end of the host file read as zeros.
    assert re.search(r"ab ab ab ab ab ab ab ab 00 00 00 00 00 00 00 00\s+"
                     r"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", out), out
    assert "hello.txt\nsecond\n" in out.replace("\r", "")
    assert "hello from the host" in out
    assert r.returncode == 0
    # The host file has the bytes, its neighbours are untouched, the
    # read-only image is unchanged and the odd-sized image kept its size.
    assert sectors_of(data, 100, 1).startswith(b"guest-wrote-this\n\0")
    assert sectors_of(data, 99, 1).startswith(b"sector0000099")
    assert sectors_of(data, 101, 1).startswith(b"sector0000101")
    assert sectors_of(ro, 0, 1).startswith(b"sector0000000")
    assert os.path.getsize(odd) == 1000


def boot_piped(img, data):
    """A kernel with data.img as ubd1, its console on pipes, driven line
    by line (see send and read_until)."""
    return subprocess.Popen([LINUX, "ubd0=" + img, "ubd1=" + data, "init=/bin/sh", UML_DIR],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)


def send(p, lines, marker):
    """Run lines in the guest, then wait for marker on the console."""
    p.stdin.write(lines + "echo %s\n" % marker)
    p.stdin.flush()
    return read_until(p, marker)


def power_off(p):
    """Halt the guest; a kernel that does not go is killed."""
    try:
        p.stdin.write("poweroff -f\n")
        p.stdin.close()
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_fsync_reaches_the_host_while_running(tmp_path):
    """Written data is in the block cache; fsync and BLKFLSBUF put it on the
    host file before the guest goes on."""
    img = image_copy(tmp_path)
    data = str(tmp_path / "data.img")
    pattern_file(data, 4 * MiB)
    p = boot_piped(img, data)
    try:
        send(p, "echo fsynced | dd of=/dev/ubdb bs=512 seek=7 conv=sync,fsync 2>/dev/null\n",
             "MARK-ONE")
        assert sectors_of(data, 7, 1).startswith(b"fsynced\n")
        send(p, "echo flushed | dd of=/dev/ubdb bs=512 seek=9 conv=sync 2>/dev/null\n"
                "blockdev --flushbufs /dev/ubdb\n", "MARK-TWO")
        assert sectors_of(data, 9, 1).startswith(b"flushed\n")
    finally:
        power_off(p)


def test_mke2fs_mount_in_guest_gives_valid_host_fs(tmp_path):
    img = image_copy(tmp_path)
    data = str(tmp_path / "data.img")
    with open(data, "wb") as f:
        f.truncate(16 * MiB)
    r = shell(img,
                  "mke2fs /dev/ubdb > /dev/null; echo mkfs-rc=$?\n"
                  "mount /dev/ubdb /mnt; echo mount-rc=$?\n"
                  "echo x > /mnt/f; umount /mnt; echo umount-rc=$?\n"
                  # Raw reads after the unmount see what the fs wrote.
                  "dd if=/dev/ubdb bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1\n"
                  "mount -t ext2 /dev/ubdb /mnt && cat /mnt/f && echo extra > /mnt/g\n",
                  args=["ubd1=" + data])
    out = r.stdout
    assert "mkfs-rc=0" in out and "mount-rc=0" in out and "umount-rc=0" in out, out
    assert " 53 ef" in out                      # ext magic through the raw device
    assert "\nx\r\n" in out or "\nx\n" in out
    # The second mount was never unmounted: poweroff wrote it back.
    fsck = subprocess.run(["e2fsck", "-fn", data], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    cat = subprocess.run(["debugfs", "-R", "cat /f", data], capture_output=True, text=True)
    assert cat.stdout == "x\n"
    cat = subprocess.run(["debugfs", "-R", "cat /g", data], capture_output=True, text=True)
    assert cat.stdout == "extra\n"


def test_host_partition_tables_dos_and_gpt(tmp_path):
    img = image_copy(tmp_path)
    dos = str(tmp_path / "dos.img")
    pattern_file(dos, 32 * MiB)
    sfdisk(dos, "label: dos\n,8M,83\n,4M,82\n,,5\n,2M,83\n,2M,83\n")
    gpt = str(tmp_path / "gpt.img")
    pattern_file(gpt, 16 * MiB)
    sfdisk(gpt, "label: gpt\n,4M\n,2M\n")
    r = shell(img,
                  "ls /dev/ubdb* /dev/ubdc*\n"
                  "for p in b1 b2 b3 b5 b6 c1 c2; do echo $p=$(blockdev --getsize64 /dev/ubd$p); done\n"
                  "dd if=/dev/ubdb5 bs=13 count=1 2>/dev/null; echo\n"
                  "dd if=/dev/ubdc2 bs=13 count=1 2>/dev/null; echo\n"
                  # A write running past the end of partition 6 stops there.
                  "dd if=/dev/zero of=/dev/ubdb6 bs=1M count=3; echo past-rc=$?\n"
                  "ls /dev/ubdc3; echo nop3\n",
                  args=["ubd1=" + dos, "ubd2=" + gpt])
    out = r.stdout
    for dev in ("ubdb1", "ubdb2", "ubdb3", "ubdb5", "ubdb6", "ubdc1", "ubdc2"):
        assert "/dev/" + dev in out, out
    assert "/dev/ubdb4" not in out
    assert "b1=8388608" in out and "b2=4194304" in out and "b3=1024" in out
    assert "b5=2097152" in out and "b6=2097152" in out
    assert "c1=4194304" in out and "c2=2097152" in out
    assert "sector0028672" in out               # p5 starts at sector 28672
    assert "sector0010240" in out               # GPT p2 at 2048 + 8192
    assert "No space left on device" in out and "past-rc=1" in out
    assert " ubdb: ubdb1 ubdb2 ubdb3 ubdb5 ubdb6" in out + r.stderr  # boot log
    assert "nop3" in out and "/dev/ubdc3:" in out  # ls failed on p3
    # Partition 6 (sectors 34816-38911) is zero; its neighbours are not.
    assert sectors_of(dos, 38911, 1) == b"\0" * 512
    assert sectors_of(dos, 38912, 1).startswith(b"sector0038912")
    assert sectors_of(dos, 34815, 1).startswith(b"sector0034815")


def test_damaged_primary_gpt_uses_backup(tmp_path):
    img = image_copy(tmp_path)
    gpt = str(tmp_path / "gpt.img")
    with open(gpt, "wb") as f:
        f.truncate(8 * MiB)
    sfdisk(gpt, "label: gpt\n,2M\n")
    with open(gpt, "r+b") as f:                 # break the primary header CRC
        f.seek(512 + 40)
        f.write(b"\x77")
    r = shell(img, "echo p1=$(blockdev --getsize64 /dev/ubdb1)\n", args=["ubd1=" + gpt])
    assert "Primary GPT is invalid, using alternate GPT." in r.stdout + r.stderr
    assert "p1=2097152" in r.stdout


def test_guest_fdisk_and_rereading(tmp_path):
    img = image_copy(tmp_path)
    disk = str(tmp_path / "part.img")
    with open(disk, "wb") as f:
        f.truncate(16 * MiB)
    r = shell(img,
                  "printf 'n\\np\\n1\\n\\n+4M\\nn\\np\\n2\\n\\n\\nw\\n' | fdisk /dev/ubdb > /dev/null\n"
                  "echo fdisk-rc=$?\n"
                  "echo p1=$(blockdev --getsize64 /dev/ubdb1) p2=$(blockdev --getsize64 /dev/ubdb2)\n"
                  # BLKRRPART: busy while a partition is open, EINVAL on a partition.
                  "exec 3</dev/ubdb1\n"
                  "blockdev --rereadpt /dev/ubdb; echo busy-rc=$?\n"
                  "exec 3<&-\n"
                  "blockdev --rereadpt /dev/ubdb1; echo part-rc=$?\n"
                  "blockdev --rereadpt /dev/ubdb; echo rr-rc=$?\n"
                  # Wiping the table by hand: re-read on the last close.
                  "dd if=/dev/ubdb of=/tmp/mbr bs=512 count=1 2>/dev/null\n"
                  "dd if=/dev/zero of=/dev/ubdb bs=512 count=1 2>/dev/null\n"
                  "cat /dev/ubdb1 > /dev/null; echo gone-rc=$?\n"
                  "dd if=/tmp/mbr of=/dev/ubdb 2>/dev/null\n"
                  "echo back=$(blockdev --getsize64 /dev/ubdb2)\n"
                  "mke2fs /dev/ubdb2 > /dev/null; echo mkfs-rc=$?\n",
                  args=["ubd1=" + disk])
    out = r.stdout
    assert "fdisk-rc=0" in out, out
    assert "p1=4194304" in out
    assert "p2=12566528" in out                  # 16 MiB less 4 MiB and 16 KiB
    assert "Device or resource busy" in out and "busy-rc=1" in out
    assert "part-rc=1" in out and "rr-rc=0" in out
    assert "gone-rc=1" in out
    assert "back=12566528" in out
    assert "mkfs-rc=0" in out
    # The host sees the table fdisk wrote and the filesystem in partition 2.
    listing = subprocess.run(["sfdisk", "-d", disk], capture_output=True, text=True).stdout
    starts = re.findall(r"start=\s*(\d+), size=\s*(\d+), type=83", listing)
    assert starts == [("32", "8192"), ("8224", "24544")], listing
    part = str(tmp_path / "p2.img")
    with open(disk, "rb") as f, open(part, "wb") as o:
        f.seek(8224 * 512)
        o.write(f.read(24544 * 512))
    fsck = subprocess.run(["e2fsck", "-fn", part], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout


def test_swap_on_ubd_and_file(tmp_path):
    img = image_copy(tmp_path)
    sw = str(tmp_path / "swap.img")
    with open(sw, "wb") as f:
        f.truncate(16 * MiB)
    blank = str(tmp_path / "blank.img")
    with open(blank, "wb") as f:
        f.truncate(1 * MiB)
    r = shell(img,
                  "mkswap /dev/ubdb > /dev/null; swapon /dev/ubdb; echo on-rc=$?\n"
                  "swapon /dev/ubdb; echo twice-rc=$?\n"
                  "dd if=/dev/zero of=/tmp/sf bs=1M count=2 2>/dev/null; mkswap /tmp/sf >/dev/null\n"
                  "swapon /tmp/sf; echo file-rc=$?\n"
                  "cat /proc/swaps\n"
                  "swapoff /dev/ubdb; echo off-rc=$?\n"
                  "swapoff /dev/ubdb; echo offagain-rc=$?\n"
                  "swapon /dev/ubdc; echo nosig-rc=$?\n"
                  "swapon /dev/null; echo chr-rc=$?\n"
                  "su nobody -s /bin/sh -c 'swapon /tmp/sf'; echo user-rc=$?\n"
                  "cat /proc/swaps; swapoff /tmp/sf\n"
                  "echo END; cat /proc/swaps\n",
                  args=["ubd1=" + sw, "ubd2=" + blank])
    out = r.stdout.replace("\r", "")
    assert "on-rc=0" in out and "file-rc=0" in out, out
    assert "Device or resource busy" in out and "twice-rc=1" in out
    assert re.search(r"/dev/ubdb\s+partition\t16380\t\t0\t\t-2\n", out), out
    assert re.search(r"/tmp/sf\s+file\t\t2044\t\t0\t\t-3\n", out)
    assert "off-rc=0" in out and "offagain-rc=1" in out
    assert "Unable to find swap-space signature on /dev/ubdc" in out
    assert "nosig-rc=1" in out and "chr-rc=1" in out and "user-rc=1" in out
    # After swapoff of ubdb the file moves up to -2; at the end none is left.
    assert re.search(r"/tmp/sf\s+file\t\t2044\t\t0\t\t-2\n", out)
    assert out.split("END\n")[-1].startswith("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/ #")


def test_bad_inputs(tmp_path):
    img = image_copy(tmp_path)
    ext = str(tmp_path / "ext.img")
    with open(ext, "wb") as f:
        f.truncate(8 * MiB)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", ext], check=True)
    with open(ext, "r+b") as f:                 # the superblock magic
        f.seek(1024 + 56)
        f.write(b"\0\0")
    spare = str(tmp_path / "spare.img")
    with open(spare, "wb") as f:
        f.truncate(MiB)
    r = shell(img,
                  "mount /dev/ubdb /mnt; echo mount-rc=$?\n"
                  "mount -t ext4 /dev/ubdb /mnt; echo mount4-rc=$?\n"
                  "echo alive; ls /dev/ubdq; echo spare=$(blockdev --getsize64 /dev/ubdc)\n",
                  args=["ubd1=" + ext, "ubd16=" + spare, "ubd2=" + spare])
    out = r.stdout
    assert "Device number out of range" in out + r.stderr
    assert "mount-rc=255" in out or "mount-rc=1" in out
    assert "mount4-rc=255" in out and "Invalid argument" in out
    assert "EXT4-fs (ubdb): VFS: Can't find ext4 filesystem" in out
    assert "alive" in out and "spare=1048576" in out
    assert r.returncode == 0
    # Nothing was written to the broken image.
    with open(ext, "rb") as f:
        f.seek(1024 + 56)
        assert f.read(2) == b"\0\0"


def test_same_file_on_two_units_is_refused(tmp_path):
    img = image_copy(tmp_path)
    data = str(tmp_path / "data.img")
    with open(data, "wb") as f:
        f.truncate(MiB)
    r = shell(img, "ls /dev/ubdc; echo listed\n", args=["ubd1=" + data, "ubd2=" + data])
    assert re.search(r'ubdc: ".*data\.img" is already in use as ubdb', r.stdout + r.stderr)
    assert "No such file or directory" in r.stdout


def test_ext_filesystem_on_a_partition(tmp_path):
    root = image_copy(tmp_path)
    disk = str(tmp_path / "parts.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["sfdisk", "-q", disk], input="label: dos\n,32M,L\n,,L\n", text=True,
                   check=True)
    r = shell(root, "mke2fs -q /dev/ubdb2 && mount -t ext2 /dev/ubdb2 /mnt && "
                        "echo on-part2 > /mnt/f && umount /mnt && echo made\n"
                        "mount -t ext2 /dev/ubdb2 /mnt && cat /mnt/f\n",
                  args=["ubd1=" + disk])
    assert "made" in r.stdout and "on-part2" in r.stdout, r.stdout[-2000:]
    # The filesystem is inside partition 2 on the host: extract and check it.
    part = str(tmp_path / "p2.img")
    subprocess.run(["dd", "if=" + disk, "of=" + part, "bs=1M", "skip=33", "status=none"],
                   check=True)
    fsck = subprocess.run(["e2fsck", "-fn", part], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout


def read_until(p, marker, timeout=30):
    """Console lines of p up to the one starting with marker; the kernel is
    killed if that takes longer than timeout seconds."""
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    lines = []
    try:
        for line in p.stdout:
            lines.append(line)
            if line.startswith(marker):
                return "".join(lines)
    finally:
        timer.cancel()
    pytest.fail("no %r on the console:\n%s" % (marker, "".join(lines)[-2000:]))


def test_numeric_names_and_flags_s_and_c(tmp_path):
    """/dev/ubdN names the same disk as /dev/ubdX; with `s` a write is on
    the host file when the syscall returns; with `c` no host lock is taken,
    so a second instance may open the image, which it cannot without."""
    import time
    img = image_copy(tmp_path)
    data = str(tmp_path / "sync.img")
    lazy = str(tmp_path / "lazy.img")
    for path in (data, lazy):
        with open(path, "wb") as f:
            f.truncate(MiB)
    p = subprocess.Popen([LINUX, "ubd0=" + img, "ubd1s=" + data, "ubd2=" + lazy,
                          "init=/bin/sh", UML_DIR],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        # The marker is computed, so the echoed command line never matches.
        p.stdin.write("ls -l /dev/ubd1 /dev/ubdb\n"
                      "echo sync-write | dd of=/dev/ubd1 bs=512 seek=3 conv=sync 2>/dev/null\n"
                      "echo lazy-write | dd of=/dev/ubd2 bs=512 seek=3 conv=sync 2>/dev/null\n"
                      "echo written-$((40+2))\n")
        p.stdin.flush()
        out = read_until(p, "written-42")
        # No waiting: dd has returned, so the `s` unit's write is on the host.
        assert sectors_of(data, 3, 1).startswith(b"sync-write\n\0")
        # The other unit's write is in the write-back cache, which reaches
        # the host only on sync, eviction (32 MiB) and halt: not yet.
        assert sectors_of(lazy, 3, 1) == b"\0" * 512
        # A second instance on the same image: refused (locked) ...
        img2 = image_copy(tmp_path, name="second.img")
        r = shell(img2, "echo up\n", args=["ubd1=" + data])
        assert "locked" in r.stdout + r.stderr or "errno = 11" in r.stdout + r.stderr
    finally:
        p.stdin.write("poweroff -f\n")
        rest, _ = p.communicate(timeout=30)
    out += rest
    assert "98,  16" in out and out.count("98,  16") >= 2
    assert sectors_of(lazy, 3, 1).startswith(b"lazy-write\n\0")
    # ... while with `c` neither instance locks it.
    shared = str(tmp_path / "shared.img")
    with open(shared, "wb") as f:
        f.truncate(MiB)
    p = subprocess.Popen([LINUX, "ubd0=" + img, "ubd1c=" + shared, "init=/bin/sh", UML_DIR],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        img2 = image_copy(tmp_path, name="third.img")
        r = shell(img2, "ls /dev/ubdb && echo second-has-it\n", args=["ubd1c=" + shared])
        assert "second-has-it" in r.stdout
    finally:
        p.stdin.write("poweroff -f\n")
        p.communicate(timeout=30)


def test_proc_partitions_lists_disks_and_partitions(tmp_path):
    root = image_copy(tmp_path)
    disk = str(tmp_path / "parts.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["sfdisk", "-q", disk], input="label: dos\n,32M,L\n,,L\n", text=True,
                   check=True)
    r = shell(root, "cat /proc/partitions\n", args=["ubd1=" + disk])
    assert re.search(r"\n\s+98\s+16\s+65536 ubdb\r?\n", r.stdout), r.stdout[-1500:]
    assert re.search(r"\n\s+98\s+17\s+32768 ubdb1\r?\n", r.stdout)
    assert re.search(r"\n\s+98\s+18\s+31744 ubdb2\r?\n", r.stdout)


def probes(share, lines):
    """Write a guest script of (label, command) probes into the share: each
    prints `@label <output>` (stdout and stderr). Run from the share, the
    console does not echo it. Returns the shell line that runs it."""
    (share / "probes.sh").write_text(
        "".join('echo "@%s $(%s 2>&1)"\n' % (label, cmd) for label, cmd in lines))
    return trimctl.MOUNT + "sh /mnt/host/probes.sh\n"


def probe_results(out):
    return dict(re.findall(r"^@(\S+) ?(.*?)\r?$", out, re.M))


def nonzero(dev, first, count):
    """Guest command: how many bytes of the sectors are not zero."""
    return "dd if=%s bs=512 skip=%d count=%d 2>/dev/null | tr -d '\\000' | wc -c" % (
        dev, first, count)


def test_discard_and_zeroout(tmp_path):
    """BLKDISCARD punches a hole in the host file, BLKZEROOUT zeroes the
    range; both on disks and partitions (offsets relative to the partition),
    keeping the block cache coherent; bad ranges, `t`, `r` and read-only
    descriptors fail as on Linux."""
    img = image_copy(tmp_path)
    share = tmp_path / "share"
    share.mkdir()
    hostfs = trimctl.build(share)
    data = str(tmp_path / "data.img")
    pattern_file(data, 8 * MiB)
    part = str(tmp_path / "part.img")
    pattern_file(part, 16 * MiB)
    sfdisk(part, "label: dos\n,4M,83\n,4M,83\n")  # sectors 2048.. and 10240..
    notrim = str(tmp_path / "notrim.img")
    pattern_file(notrim, MiB)
    ro = str(tmp_path / "ro.img")
    pattern_file(ro, MiB)
    blocks_before = os.stat(data).st_blocks
    T = "/mnt/host/trimctl "
    run = probes(share, [
        ("disc", "blkdiscard -o 1048576 -l 1048576 /dev/ubdb && echo ok"),
        ("zero", T + "/dev/ubdb w zeroout 4194304 65536"),
        ("discread", nonzero("/dev/ubdb", 2048, 2048)),
        ("zeroread", nonzero("/dev/ubdb", 8192, 128)),
        # Dirty cached blocks: sectors 64-79 cut by a discard of 68-75,
        # 96-103 wholly discarded (and never written back afterwards).
        ("dirty", "head -c 8192 /dev/zero | tr '\\000' A | dd of=/dev/ubdb bs=512 seek=64"
                  " 2>/dev/null; head -c 4096 /dev/zero | tr '\\000' B |"
                  " dd of=/dev/ubdb bs=512 seek=96 2>/dev/null; echo done"),
        ("cut", "blkdiscard -o 34816 -l 4096 /dev/ubdb && " + nonzero("/dev/ubdb", 64, 16)),
        ("whole", "blkdiscard -o 49152 -l 4096 /dev/ubdb && " + nonzero("/dev/ubdb", 96, 8)),
        ("unaligned", T + "/dev/ubdb w discard 100 512"),
        ("oddlen", T + "/dev/ubdb w zeroout 0 1000"),
        ("empty", T + "/dev/ubdb w zeroout 0 0"),
        ("past", T + "/dev/ubdb w discard 8388096 1024"),
        ("huge", T + "/dev/ubdb w discard 512 0xfffffffffffffe00"),
        ("secure", "blkdiscard -s /dev/ubdb"),
        ("rdonly", T + "/dev/ubdb r discard 0 512"),
        ("rdzero", T + "/dev/ubdb r zeroout 0 512"),
        ("rdsec", T + "/dev/ubdb r secdiscard 0 512"),
        # Partitions: ranges are relative to the partition and end with it.
        ("p1", "blkdiscard -o 0 -l 4096 /dev/ubdc1 && echo ok"),
        ("p1past", "blkdiscard -o 0 -l 4194816 /dev/ubdc1"),
        ("p2last", T + "/dev/ubdc2 w zeroout 4193792 512"),
        ("p2past", T + "/dev/ubdc2 w zeroout 4193792 1024"),
        # `t`: no discard, but write-zeroes falls back to writing zeros.
        ("tdisc", "blkdiscard /dev/ubdd"),
        ("tzero", T + "/dev/ubdd w zeroout 4096 4096"),
        # `r`: not even opened for writing.
        ("rodisc", "blkdiscard /dev/ubde"),
        ("ronly", T + "/dev/ubde r discard 0 512"),
        ("alive", "echo yes"),
    ])
    r = shell(img, run, args=["ubd1=" + data, "ubd2=" + part, "ubd3t=" + notrim,
                              "ubd4r=" + ro, hostfs])
    res = probe_results(r.stdout)
    assert res.get("disc") == "ok", r.stdout[-3000:]
    assert res["zero"] == "zeroout: ok"
    assert res["discread"] == "0" and res["zeroread"] == "0"
    assert res["dirty"] == "done"
    assert res["cut"] == "4096" and res["whole"] == "0"
    for key, op in (("unaligned", "discard"), ("oddlen", "zeroout"), ("empty", "zeroout"),
                    ("past", "discard"), ("huge", "discard"), ("p2past", "zeroout")):
        assert res[key] == op + ": Invalid argument", key
    assert res["secure"] == "blkdiscard: /dev/ubdb: BLKSECDISCARD failed: Operation not supported"
    assert res["rdonly"] == "discard: Bad file descriptor"
    assert res["rdzero"] == "zeroout: Bad file descriptor"
    assert res["rdsec"] == "secdiscard: Bad file descriptor"
    assert res["p1"] == "ok"
    assert res["p1past"] == "blkdiscard: /dev/ubdc1: BLKDISCARD failed: Invalid argument"
    assert res["p2last"] == "zeroout: ok"
    assert res["tdisc"] == "blkdiscard: /dev/ubdd: BLKDISCARD failed: Operation not supported"
    assert res["tzero"] == "zeroout: ok"
    assert "Read-only file system" in res["rodisc"]
    assert res["ronly"] == "discard: Bad file descriptor"
    assert res["alive"] == "yes" and r.returncode == 0
    # The plain image: holes read as zeros and free their blocks.
    assert sectors_of(data, 2048, 2048) == b"\0" * MiB
    assert sectors_of(data, 2047, 1).startswith(b"sector0002047")
    assert sectors_of(data, 4096, 1).startswith(b"sector0004096")
    assert os.stat(data).st_blocks <= blocks_before - 2048
    assert sectors_of(data, 8192, 128) == b"\0" * 65536
    assert sectors_of(data, 8320, 1).startswith(b"sector0008320")
    # Around the dirty blocks: the discarded part stays zero after the
    # write-back at halt, the rest is what the guest wrote.
    assert sectors_of(data, 64, 4) == b"A" * 2048
    assert sectors_of(data, 68, 8) == b"\0" * 4096
    assert sectors_of(data, 76, 4) == b"A" * 2048
    assert sectors_of(data, 96, 8) == b"\0" * 4096
    assert sectors_of(data, 104, 1).startswith(b"sector0000104")
    # The partitioned image: p1 starts at sector 2048, p2 ends at 18431.
    assert sectors_of(part, 2048, 8) == b"\0" * 4096
    assert sectors_of(part, 2047, 1).startswith(b"sector0002047")
    assert sectors_of(part, 2056, 1).startswith(b"sector0002056")
    assert sectors_of(part, 18431, 1) == b"\0" * 512
    assert sectors_of(part, 18430, 1).startswith(b"sector0018430")
    assert sectors_of(part, 18432, 1).startswith(b"sector0018432")
    # `t`: zeroed by writing; `r`: untouched.
    assert sectors_of(notrim, 8, 8) == b"\0" * 4096
    assert sectors_of(notrim, 0, 1).startswith(b"sector0000000")
    assert sectors_of(notrim, 16, 1).startswith(b"sector0000016")
    assert sectors_of(ro, 0, 1).startswith(b"sector0000000")


def test_flags_r_and_d(tmp_path):
    """`r`: an ext filesystem mounts read-only and refuses changes with
    EROFS. `d`: a COW file is a plain disk, header and all."""
    img = image_copy(tmp_path)
    ext = str(tmp_path / "ext.img")
    with open(ext, "wb") as f:
        f.truncate(8 * MiB)
    subprocess.run(["mke2fs", "-q", "-F", ext], check=True)
    (tmp_path / "f").write_text("on-the-host\n")
    subprocess.run(["debugfs", "-w", "-R", "write %s f" % (tmp_path / "f"), ext],
                   check=True, capture_output=True)
    ext_before = open(ext, "rb").read()
    backing = str(tmp_path / "backing.img")
    pattern_file(backing, MiB)
    cow = str(tmp_path / "raw.cow")
    mkcow = os.path.join(os.path.dirname(LINUX), "tools", "uml_mkcow")
    subprocess.run([mkcow, cow, backing], check=True)
    cow_size = os.path.getsize(cow)
    r = shell(img,
              "mount /dev/ubdb /mnt; echo mount-rc=$?\n"
              "grep ubdb /proc/mounts\n"
              "cat /mnt/f\n"
              "touch /mnt/new; echo touch-rc=$?\n"
              "echo more >> /mnt/f; echo append-rc=$?\n"
              "umount /mnt; echo umount-rc=$?\n"
              "echo dsize=$(blockdev --getsize64 /dev/ubdc)\n"
              "echo magic=$(dd if=/dev/ubdc bs=4 count=1 2>/dev/null)\n"
              "echo raw-write | dd of=/dev/ubdc bs=512 seek=30 conv=sync,fsync 2>/dev/null\n",
              args=["ubd1r=" + ext, "ubd2d=" + cow])
    out = r.stdout.replace("\r", "")
    assert "mount-rc=0" in out, out[-3000:]
    assert re.search(r"^/dev/ubdb /mnt ext\d ro[,\s]", out, re.M), out[-3000:]
    assert "on-the-host" in out
    assert "touch: /mnt/new: Read-only file system" in out and "touch-rc=1" in out
    assert "append-rc=1" in out and "umount-rc=0" in out
    assert open(ext, "rb").read() == ext_before
    # ubdc is the COW file itself: its magic, its size, writes at raw offsets.
    assert "dsize=%d" % cow_size in out
    assert "magic=OOOM" in out
    assert 'COW file for' not in out + r.stderr
    assert os.path.getsize(cow) == cow_size
    with open(cow, "rb") as f:
        assert f.read(4) == b"OOOM"
        f.seek(30 * 512)
        assert f.read(10) == b"raw-write\n"


def test_sync_writes_back_raw_device_data(tmp_path):
    """sync(2) flushes every ubd unit, not only mounted filesystems: what
    dd wrote to /dev/ubdb without conv=fsync is on the host file once
    sync returns (while the guest still runs)."""
    img = image_copy(tmp_path)
    data = str(tmp_path / "data.img")
    pattern_file(data, 4 * MiB)
    p = boot_piped(img, data)
    try:
        send(p, "echo cached | dd of=/dev/ubdb bs=512 seek=11 conv=sync 2>/dev/null\n",
             "MARK-WRITTEN")
        # Still in the write-back block cache: the test sees sync at work.
        assert sectors_of(data, 11, 1).startswith(b"sector0000011")
        send(p, "sync\n", "MARK-SYNCED")
        assert sectors_of(data, 11, 1).startswith(b"cached\n")
        assert sectors_of(data, 12, 1).startswith(b"sector0000012")
    finally:
        power_off(p)


def test_remount_rw_on_readonly_unit_is_refused(tmp_path):
    """An ext filesystem on a read-only unit (ubd1r=) stays ro: remount,rw
    fails with EACCES, as Linux's reconfigure_super answers for a
    read-only block device, and /proc/mounts keeps `ro`."""
    img = image_copy(tmp_path)
    ext = str(tmp_path / "ext.img")
    with open(ext, "wb") as f:
        f.truncate(8 * MiB)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", ext], check=True)
    ext_before = open(ext, "rb").read()
    r = shell(img,
              "mount /dev/ubdb /mnt; echo mount-rc=$?\n"
              "mount -o remount,rw /mnt; echo remount-rc=$?\n"
              "grep ubdb /proc/mounts\n"
              "touch /mnt/new; echo touch-rc=$?\n"
              "mount -o remount,ro,noatime /mnt; echo ro-rc=$?\n"
              "grep ubdb /proc/mounts\n"
              "umount /mnt; echo umount-rc=$?\n",
              args=["ubd1r=" + ext])
    out = r.stdout.replace("\r", "")
    assert "mount-rc=0" in out, out[-3000:]
    assert "mount: mounting /dev/ubdb on /mnt failed: Permission denied" in out, out[-3000:]
    assert "remount-rc=0" not in out
    assert re.search(r"^/dev/ubdb /mnt ext4 ro,relatime ", out, re.M), out[-3000:]
    assert "touch-rc=1" in out
    # Staying read-only is allowed, and changes the mount flags.
    assert "ro-rc=0" in out
    assert re.search(r"^/dev/ubdb /mnt ext4 ro,noatime ", out, re.M), out[-3000:]
    assert "umount-rc=0" in out
    assert open(ext, "rb").read() == ext_before
