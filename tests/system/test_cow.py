"""COW files on ubd devices and the uml_mkcow/uml_moo tools, against
Debian's uml-utilities: shared backing files, refusals, merges, crashes."""
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import time

import pexpect
import pytest

from guest import LINUX, ROOT, ROOT_IMG, image_copy
import trimctl

TOOLS = os.path.join(ROOT, "build", "tools")
MKCOW = os.path.join(TOOLS, "uml_mkcow")
MOO = os.path.join(TOOLS, "uml_moo")
DEB_MKCOW = "/usr/bin/uml_mkcow"
DEB_MOO = "/usr/bin/uml_moo"
needs_debian = pytest.mark.skipif(not os.path.exists(DEB_MOO),
                                  reason="Debian uml-utilities not installed")
PROMPT = "/ # "
UML_DIR = None


@pytest.fixture(autouse=True)
def uml_dir(tmp_path):
    """Every instance keeps its umid directory in tmp_path, not ~/.uml."""
    global UML_DIR
    UML_DIR = "uml_dir=" + str(tmp_path / "uml")


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def boot(ubd0, script, args=(), timeout=60):
    """Boot ubd0=<spec> with init=/bin/sh running script, then poweroff."""
    prologue = "mount -t proc proc /proc 2>/dev/null\n"
    return subprocess.run([LINUX, "ubd0=" + ubd0, "init=/bin/sh", UML_DIR, *args],
                          input=prologue + script + "\npoweroff -f\n",
                          capture_output=True, text=True, timeout=timeout)


def spawn(ubd0, umid, uml_dir):
    """An instance on a pty, its umid directory under uml_dir."""
    child = pexpect.spawn(LINUX, ["ubd0=" + ubd0, "init=/bin/sh", "umid=" + umid,
                                  "uml_dir=" + str(uml_dir)],
                          timeout=30, encoding="utf-8",
                          codec_errors="replace")
    child.expect(PROMPT)
    return child


def guest_cat(ubd0, path):
    r = boot(ubd0, "cat %s 2>&1; ls /root" % path)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run(*cmd, **kw):
    if cmd[0] == LINUX:
        cmd = (*cmd, UML_DIR)
    return subprocess.run([*cmd], capture_output=True, text=True, **kw)


def debugfs_cat(img, path):
    return run("debugfs", "-R", "cat " + path, img).stdout


@pytest.fixture
def backing(tmp_path):
    return image_copy(tmp_path, ROOT_IMG, "root.img")


def test_two_instances_share_a_backing_file(tmp_path, backing):
    before = sha(backing)
    a, b = str(tmp_path / "a.cow"), str(tmp_path / "b.cow")
    ia = spawn(a + "," + backing, "cowa", tmp_path)
    ib = spawn(b + "," + backing, "cowb", tmp_path)
    # Both are up at once, each writing its own file.
    ia.sendline("echo from-a > /root/a.txt; sync; echo wrote-$((1+1))")
    ib.sendline("echo from-b > /root/b.txt; sync; echo wrote-$((2+1))")
    ia.expect("wrote-2")
    ib.expect("wrote-3")
    # The backing file is read-locked: nobody may open it read-write.
    r = run(LINUX, "ubd0=" + backing, "init=/bin/sh", timeout=30)
    assert r.returncode != 0
    assert "locked" in r.stderr and backing in r.stderr
    # Nor may a third instance take a COW file in use.
    r = run(LINUX, "ubd0=" + a, "init=/bin/sh", timeout=30)
    assert r.returncode != 0 and "a.cow" in r.stderr
    for child in (ia, ib):
        child.sendline("poweroff -f")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    assert sha(backing) == before
    # Each COW sees only its own change; the COW alone names its backing.
    out = guest_cat(a, "/root/a.txt /root/b.txt")
    assert "from-a" in out and "from-b" not in out
    out = guest_cat(b, "/root/a.txt /root/b.txt")
    assert "from-b" in out and "from-a" not in out
    assert sha(backing) == before


def test_cow_created_with_uml_layout(tmp_path, backing):
    cow = str(tmp_path / "new.cow")
    r = boot(cow + ":" + backing, "true")
    assert r.returncode == 0, r.stderr
    assert 'Creating "%s" as COW file for "%s"' % (cow, backing) in r.stdout + r.stderr
    with open(cow, "rb") as f:
        hdr = f.read(4128)
    size = os.path.getsize(backing)
    magic, version, mtime, hsize, ss, align, fmt = struct.unpack(">IIIQIII", hdr[:32])
    assert (magic, version, hsize, ss, align, fmt) == (0x4F4F4F4D, 3, size, 512, 4096, 0)
    assert mtime == int(os.stat(backing).st_mtime) & 0xffffffff
    assert hdr[32:].rstrip(b"\0").decode() == os.path.realpath(backing)
    bitmap_len = (size // 512 + 7) // 8
    assert os.path.getsize(cow) == (8192 + bitmap_len + 4095) // 4096 * 4096 + size
    # Sparse: a boot wrote little, and only that takes host blocks.
    st = os.stat(cow)
    assert size == 64 << 20 and st.st_blocks * 512 < st.st_size // 16, st


def test_discard_on_a_cow_device(tmp_path, backing):
    """Discard and write-zeroes on a COW device never touch the backing
    file: as in UML, the COW data area is punched (or zeroed) and the
    sectors' bits are set, so they read as zeros, now and after a merge."""
    share = tmp_path / "share"
    share.mkdir()
    hostfs = trimctl.build(share)
    data = str(tmp_path / "data.img")
    with open(data, "wb") as f:
        for s in range(8 * 2048):           # 8 MiB, each sector numbered
            f.write(b"sector%07d" % s + b"." * 499)
    before = sha(data)
    cow = str(tmp_path / "d.cow")
    (share / "t.sh").write_text(
        "head -c 4096 /dev/zero | tr '\\000' W | dd of=/dev/ubdb bs=512 seek=8 conv=fsync"
        " 2>/dev/null\n"
        "blkdiscard -o 4096 -l 65536 /dev/ubdb; echo disc-rc=$?\n"
        "/mnt/host/trimctl /dev/ubdb w zeroout 102400 4096\n"
        "/mnt/host/trimctl /dev/ubdb w discard 0 8389120\n"
        "echo discarded=$(dd if=/dev/ubdb bs=512 skip=8 count=128 2>/dev/null |"
        " tr -d '\\000' | wc -c)\n"
        "echo zeroed=$(dd if=/dev/ubdb bs=512 skip=200 count=8 2>/dev/null |"
        " tr -d '\\000' | wc -c)\n"
        "for s in 7 136 199 208; do dd if=/dev/ubdb bs=512 skip=$s count=1 2>/dev/null |"
        " head -c 13; echo; done\n")
    r = boot(backing, trimctl.MOUNT + "sh /mnt/host/t.sh",
             args=["ubd1=%s,%s" % (cow, data), hostfs])
    out = r.stdout.replace("\r", "")
    assert r.returncode == 0, r.stderr
    assert "disc-rc=0" in out, out[-3000:]
    assert "zeroout: ok" in out and "discard: Invalid argument" in out
    assert "discarded=0" in out and "zeroed=0" in out
    for s in (7, 136, 199, 208):
        assert "sector%07d\n" % s in out
    assert sha(data) == before
    # Bits 8-135 and 200-207 set (bytes 1-16 and 25), none around them.
    with open(cow, "rb") as f:
        f.seek(8192)
        bitmap = f.read(2048)
        f.seek(12288 + 8 * 512)             # data area: sectors 8-135
        area = f.read(128 * 512)
    assert bitmap[0] == 0 and bitmap[1:17] == b"\xff" * 16 and bitmap[17] == 0
    assert bitmap[24] == 0 and bitmap[25] == 0xff and bitmap[26] == 0
    assert area == b"\0" * len(area)
    assert os.stat(cow).st_blocks * 512 < 256 * 1024  # the hole stays sparse
    merged = str(tmp_path / "merged.img")
    assert run(MOO, cow, merged).returncode == 0
    with open(merged, "rb") as f:
        img = f.read()
    assert img[8 * 512:136 * 512] == b"\0" * (128 * 512)
    assert img[200 * 512:208 * 512] == b"\0" * 4096
    assert img[136 * 512:136 * 512 + 13] == b"sector0000136"
    assert img[7 * 512:7 * 512 + 13] == b"sector0000007"


def test_backing_changed_is_refused(tmp_path, backing):
    cow = str(tmp_path / "a.cow")
    assert boot(cow + "," + backing, "echo x > /root/x; sync").returncode == 0
    cow_before = sha(cow)
    st = os.stat(backing)
    os.utime(backing, (st.st_atime, st.st_mtime + 100))
    for spec in (cow, cow + "," + backing):
        r = boot(spec, "true")
        assert r.returncode != 0
        assert "mtime mismatch (%d vs %d) of COW header vs backing file" % (
            int(st.st_mtime), int(st.st_mtime) + 100) in r.stderr
        assert cow in r.stderr and os.path.realpath(backing) in r.stderr
        assert "Linux version" not in r.stdout
    with open(backing, "ab") as f:
        f.write(b"\0" * 512)
    r = boot(cow, "true")
    assert r.returncode != 0
    assert "Size mismatch (%d vs %d)" % (st.st_size, st.st_size + 512) in r.stderr
    assert sha(cow) == cow_before
    # Backing file gone.
    os.unlink(backing)
    r = boot(cow, "true")
    assert r.returncode != 0
    assert "Can't open backing file" in r.stderr and cow in r.stderr
    assert sha(cow) == cow_before


def v3_header(path, size, mtime, **over):
    f = dict(magic=b"OOOM", version=3, ss=512, align=4096, fmt=0)
    f.update(over)
    return (f["magic"] + struct.pack(">IIQIII", f["version"], mtime, size,
                                     f["ss"], f["align"], f["fmt"])
            + path.encode().ljust(4096, b"\0"))


@pytest.mark.parametrize("name,make,message", [
    ("short", lambda p, s, m: b"OOOM\0\0\0\3" + b"\0" * 100, "truncated COW header"),
    ("magic-only", lambda p, s, m: b"MOOO", "truncated COW header"),
    ("version", lambda p, s, m: v3_header(p, s, m, version=9), "unknown COW version"),
    ("swapped-version", lambda p, s, m: v3_header(p, s, m, magic=b"MOOO"), "unknown COW version"),
    ("sectorsize", lambda p, s, m: v3_header(p, s, m, ss=0), "invalid sector size"),
    ("alignment", lambda p, s, m: v3_header(p, s, m, align=0), "invalid alignment"),
    ("format", lambda p, s, m: v3_header(p, s, m, fmt=2), "unknown COW format"),
    ("unterminated", lambda p, s, m: v3_header("/" * 4096, s, m), "not terminated"),
    ("no-backing", lambda p, s, m: v3_header("/nonexistent/root.img", s, m),
     "Can't open backing file \"/nonexistent/root.img\""),
    ("bitmap-cut", lambda p, s, m: v3_header(p, s, m).ljust(8200, b"\0"),
     "COW file ends inside its bitmap"),
])
def test_malformed_cow_header(tmp_path, backing, name, make, message):
    st = os.stat(backing)
    cow = str(tmp_path / "bad.cow")
    data = make(os.path.realpath(backing), st.st_size, int(st.st_mtime))
    with open(cow, "wb") as f:
        f.write(data)
    r = boot(cow, "true")
    assert r.returncode != 0
    assert message in r.stderr and cow in r.stderr
    assert "Linux version" not in r.stdout
    with open(cow, "rb") as f:
        assert f.read() == data


def test_plain_file_with_backing_is_refused(tmp_path, backing):
    img = image_copy(tmp_path, ROOT_IMG, "plain.img")
    before = sha(img)
    r = boot(img + "," + backing, "true")
    assert r.returncode != 0
    assert 'Failed to read COW header from COW file "%s"' % img in r.stderr
    assert sha(img) == before
    r = run(LINUX, "ubd0d=" + img + "," + backing, "init=/bin/sh", timeout=30)
    assert r.returncode != 0
    assert "Can't specify both 'd' and a cow file" in r.stderr


@needs_debian
def test_debian_cow_boots_and_merges(tmp_path, backing):
    before = sha(backing)
    cow = str(tmp_path / "d.cow")
    assert run(DEB_MKCOW, cow, backing).returncode == 0
    r = boot(cow, "echo debian-cow > /root/d.txt; sync")
    assert r.returncode == 0, r.stderr
    assert sha(backing) == before
    assert "debian-cow" in guest_cat(cow, "/root/d.txt")
    # Our kernel's writes merged by Debian's uml_moo and by ours agree.
    deb, ours = str(tmp_path / "deb.img"), str(tmp_path / "ours.img")
    assert run(DEB_MOO, cow, deb).returncode == 0
    r = run(MOO, cow, ours)
    assert r.returncode == 0 and r.stderr == ""
    assert sha(deb) == sha(ours)
    assert os.path.getsize(ours) == os.path.getsize(backing)
    assert "debian-cow" in debugfs_cat(ours, "/root/d.txt")
    assert run("e2fsck", "-fn", ours).returncode == 0
    # In place, with -b for a copy of the backing file (same mtime).
    c1, c2 = str(tmp_path / "c1.img"), str(tmp_path / "c2.img")
    shutil.copy2(backing, c1)
    shutil.copy2(backing, c2)
    assert run(DEB_MOO, "-d", "-b", c1, cow).returncode == 0
    assert run(MOO, "-b", c2, "-d", cow).returncode == 0
    assert sha(c1) == sha(c2) == sha(ours)
    assert sha(backing) == before


@needs_debian
def test_our_tools_match_debian(tmp_path, backing):
    ours, deb = str(tmp_path / "ours.cow"), str(tmp_path / "deb.cow")
    assert run(MKCOW, ours, backing).returncode == 0
    assert run(DEB_MKCOW, deb, backing).returncode == 0
    with open(ours, "rb") as a, open(deb, "rb") as b:
        assert a.read() == b.read()
    # A COW from our uml_mkcow, written by our kernel, read by Debian's moo.
    assert boot(ours, "echo ours > /root/o.txt; sync").returncode == 0
    m = str(tmp_path / "m.img")
    assert run(DEB_MOO, ours, m).returncode == 0
    assert "ours" in debugfs_cat(m, "/root/o.txt")
    # Same exit statuses on errors.
    for tool in (MKCOW, DEB_MKCOW):
        r = run(tool, ours, backing)
        assert r.returncode == 1 and "File exists" in r.stderr
        assert run(tool).returncode == 2
        assert "uml_mkcow [-f] <COW file> <backing file>" in run(tool).stderr
    assert run(MKCOW, "-f", ours, backing).returncode == 0
    for tool in (MOO, DEB_MOO):
        r = run(tool)
        assert r.returncode == 1 and "uml_moo usage" in r.stderr
        r = run(tool, backing, str(tmp_path / "x.img"))
        assert r.returncode == 1
    r = run(MOO, backing, str(tmp_path / "x.img"))
    assert "is not a COW file" in r.stderr


def test_tool_errors_lose_nothing(tmp_path, backing):
    cow = str(tmp_path / "a.cow")
    r = run(MKCOW, cow, str(tmp_path / "missing.img"))
    assert r.returncode == 1 and "missing.img" in r.stderr
    assert not os.path.exists(cow)
    r = run(MKCOW, "-f", backing, backing)
    assert r.returncode == 1
    assert run(MKCOW, "-x", cow, backing).returncode == 2
    assert run(MKCOW, cow, backing, "extra").returncode == 2
    assert run(MKCOW, cow, backing).returncode == 0
    before = sha(backing)
    # A merge may not overwrite its own input.
    for target in (cow, backing):
        r = run(MOO, cow, target)
        assert r.returncode == 1 and "one of the input files" in r.stderr
    assert sha(backing) == before
    # Backing changed: refused naming the file, no output.
    st = os.stat(backing)
    os.utime(backing, (st.st_atime, st.st_mtime + 7))
    out = str(tmp_path / "out.img")
    r = run(MOO, cow, out)
    assert r.returncode == 1
    assert 'mtime mismatch (%d vs %d) of COW header vs backing file "%s"' % (
        int(st.st_mtime), int(st.st_mtime) + 7, os.path.realpath(backing)) in r.stderr
    assert not os.path.exists(out)
    r = run(MOO, "-d", cow)
    assert r.returncode == 1 and sha(backing) == before
    assert run(MOO, "-d", cow, out).returncode == 1


def test_kill9_during_writes(tmp_path, backing):
    before = sha(backing)
    cow = str(tmp_path / "k.cow")
    r = boot(cow + "," + backing, "echo kept > /root/kept.txt; sync")
    assert r.returncode == 0, r.stderr
    child = spawn(cow, "cowk", tmp_path)
    child.sendline("i=0; while true; do dd if=/dev/zero of=/root/big.$((i%3)) "
                   "bs=64k count=8 2>/dev/null; sync; echo round-$i; i=$((i+1)); done")
    child.expect("round-3")
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    time.sleep(0.2)
    assert sha(backing) == before
    out = guest_cat(cow, "/root/kept.txt")
    assert "kept" in out
    r = boot(cow, "echo after > /root/after.txt; sync; cat /root/after.txt")
    assert r.returncode == 0 and "after" in r.stdout
    assert sha(backing) == before
    merged = str(tmp_path / "merged.img")
    assert run(MOO, cow, merged).returncode == 0
    assert "after" in debugfs_cat(merged, "/root/after.txt")


def legacy_cow(version, backing, bits, broken=True):
    """A V1 (x86 byte order), V2 or (broken) V3 COW file's bytes, with the
    sectors in bits present and filled with 0xC0 + sector % 16."""
    st = os.stat(backing)
    size, mtime, path = st.st_size, int(st.st_mtime), os.path.realpath(backing)
    nsec = (size + 511) // 512
    if version == 1:
        hdr = b"MOOO" + struct.pack("<I", 1) + path.encode().ljust(256, b"\0") + \
            struct.pack("<IQi", mtime, size, 512)
    elif version == 2:
        hdr = b"OOOM" + struct.pack(">I", 2) + path.encode().ljust(4096, b"\0") + \
            struct.pack(">IQi", mtime, size, 512)
    else:
        if broken:
            hdr = b"OOOM" + struct.pack(">IIIQIII", 3, mtime, 0, size, 512, 4096, 0) + \
                path.encode().ljust(4096, b"\0") + b"\0" * 4
        else:
            hdr = b"OOOM" + struct.pack(">IIQIII", 3, mtime, size, 512, 4096, 0) + \
                path.encode().ljust(4096, b"\0")
    if version == 3:
        bitmap_off = (len(hdr) + 4095) // 4096 * 4096
        bitmap_len = (nsec + 7) // 8
        data_off = (bitmap_off + bitmap_len + 4095) // 4096 * 4096
    else:
        bitmap_off = len(hdr)
        bitmap_len = (size + 511) // (8 * 512)
        data_off = (len(hdr) + bitmap_len + 511) // 512 * 512
    data = bytearray(data_off + size)
    data[:len(hdr)] = hdr
    for s in bits:
        data[bitmap_off + s // 8] |= 1 << (s % 8)
        data[data_off + s * 512:data_off + (s + 1) * 512] = bytes([0xC0 + s % 16]) * 512
    return bytes(data)


def expected_merge(backing, bits):
    with open(backing, "rb") as f:
        data = bytearray(f.read())
    for s in bits:
        end = min((s + 1) * 512, len(data))
        data[s * 512:end] = bytes([0xC0 + s % 16]) * (end - s * 512)
    return bytes(data)


BITS = [0, 3, 9, 150, 200, 209]
# 208 sectors: whole bitmap bytes, where Debian's reader of the historic
# V1/V2 bitmap length agrees with ours.
OLD_BITS = [0, 3, 9, 150, 200, 207]


@needs_debian
@pytest.mark.parametrize("version,broken", [(1, False), (2, False), (3, True)])
def test_moo_reads_old_formats_like_debian(tmp_path, version, broken):
    backing = str(tmp_path / "small.img")
    with open(backing, "wb") as f:
        f.write(os.urandom(100 * 1024) + b"\0" * 2048 + os.urandom(2048))
    cow = str(tmp_path / "old.cow")
    with open(cow, "wb") as f:
        f.write(legacy_cow(version, backing, OLD_BITS, broken))
    ours, deb = str(tmp_path / "ours.img"), str(tmp_path / "deb.img")
    r = run(MOO, cow, ours)
    assert r.returncode == 0, r.stderr
    assert ("recovering content" in r.stderr) == broken
    assert run(DEB_MOO, cow, deb).returncode == 0
    with open(ours, "rb") as f:
        assert f.read() == expected_merge(backing, OLD_BITS)
    assert sha(ours) == sha(deb)
    # In place, into a copy with the same mtime.
    copy = str(tmp_path / "copy.img")
    shutil.copy2(backing, copy)
    assert run(MOO, "-d", "-b", copy, cow).returncode == 0
    assert sha(copy) == sha(ours)
    # The kernel reads it too, as a second disk.
    root = image_copy(tmp_path, ROOT_IMG, "root.img")
    r = run(LINUX, "ubd0=" + root, "ubd1=" + cow, "init=/bin/sh", timeout=30,
            input="dd if=/dev/ubdb bs=512 skip=9 count=1 2>/dev/null | od -An -tx1 | head -1\n"
                  "poweroff -f\n")
    assert r.returncode == 0, r.stderr
    assert " c9 c9 c9" in r.stdout


def test_moo_keeps_a_partial_last_sector(tmp_path):
    """Debian's uml_moo drops the bytes past the last whole sector; ours
    writes the backing file's full length."""
    backing = str(tmp_path / "odd.img")
    with open(backing, "wb") as f:
        f.write(os.urandom(107496))
    cow = str(tmp_path / "odd.cow")
    with open(cow, "wb") as f:
        f.write(legacy_cow(3, backing, BITS))
    ours = str(tmp_path / "ours.img")
    assert run(MOO, cow, ours).returncode == 0
    with open(ours, "rb") as f:
        assert f.read() == expected_merge(backing, BITS)
