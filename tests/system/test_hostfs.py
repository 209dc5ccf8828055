"""hostfs (uml-compat.md §6): a host directory mounted in the guest.

One boot with hostfs=<share> runs every probe; each test checks its
section of the console and the host side afterwards. Escapes from the
share must fail and show nothing of the host outside it."""
import os
import re
import shutil
import subprocess

import pytest

import guest

SECRET = "HOST-SECRET-7d1f0c"

# A static program run from the share itself (exec and mmap read through
# hostfs): errno pass-through, mmap at offsets, MAP_SHARED write-back, and
# the escapes busybox cannot express (rename out, link of an outside file).
PROBE_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void say(const char *what, int r)
{
	printf("%s=%s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

static int errnos(const char *d)
{
	char p[4][256];
	int fd;

	snprintf(p[0], 256, "%s/e", d);
	snprintf(p[1], 256, "%s/e/f", d);
	snprintf(p[2], 256, "%s/e/f/x", d);
	snprintf(p[3], 256, "%s/nothere", d);
	say("open_missing", open(p[3], O_RDONLY));
	say("mkdir", mkdir(p[0], 0755));
	say("mkdir_again", mkdir(p[0], 0755));
	fd = open(p[1], O_CREAT | O_WRONLY, 0644);
	say("create", fd);
	close(fd);
	say("rmdir_full", rmdir(p[0]));
	say("open_notdir", open(p[2], O_RDONLY));
	say("open_dir_w", open(p[0], O_WRONLY));
	say("unlink_dir", unlink(p[0]));
	say("rmdir_file", rmdir(p[1]));
	say("create_excl", open(p[1], O_CREAT | O_EXCL | O_WRONLY, 0644));
	say("link_outside", link("/etc/passwd", p[3]));
	say("rename_out", rename(p[1], "/tmp/stolen"));
	snprintf(p[2], 256, "%s/../stolen", d);
	say("rename_dotdot", rename(p[1], p[2]));
	say("link_out", link(p[1], "/tmp/stolen"));
	return 0;
}

static int maps(const char *file)
{
	int fd = open(file, O_RDWR);
	struct stat st;
	char *buf, *m, *m2;

	if (fd < 0 || fstat(fd, &st))
		return say("mmap_open", -1), 1;
	buf = malloc(st.st_size);
	if (pread(fd, buf, st.st_size, 0) != st.st_size)
		return say("mmap_pread", -1), 1;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return say("mmap_private", -1), 1;
	printf("mmap_private=%s\n", memcmp(m, buf, st.st_size) ? "differs" : "same");
	m2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 3 * 4096);
	printf("mmap_offset=%s\n", m2 != MAP_FAILED && !memcmp(m2, buf + 3 * 4096, 4096) ?
	       "same" : "differs");
	m2 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	if (m2 == MAP_FAILED)
		return say("mmap_shared", -1), 1;
	memcpy(m2 + 5, "SHARED", 6);
	say("msync", msync(m2, 8192, MS_SYNC));
	say("munmap", munmap(m2, 8192));
	say("fsync", fsync(fd));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "errno"))
		return errnos(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mmap"))
		return maps(argv[2]);
	return 2;
}
"""

# (name, shell commands); the share is at /mnt/host.
PROBES = [
    ("mounts", "grep hostfs /proc/mounts"),
    ("read", "cat /mnt/host/hello"),
    ("offset", "dd if=/mnt/host/big bs=1 skip=12345 count=8 2>/dev/null | od -An -tx1"),
    ("write", "echo guest-data > /mnt/host/w; cat /mnt/host/w"),
    ("names", "mkdir /mnt/host/dir && touch /mnt/host/dir/a && mv /mnt/host/dir/a /mnt/host/dir/b"
              " && mkdir /mnt/host/gone && rmdir /mnt/host/gone && touch /mnt/host/rm"
              " && rm /mnt/host/rm && echo names-ok"),
    ("symlink", "ln -s some/target /mnt/host/sl && readlink /mnt/host/sl"),
    ("link", "echo l > /mnt/host/l1 && ln /mnt/host/l1 /mnt/host/l2 && stat -c %h /mnt/host/l1"),
    ("chmod", "echo c > /mnt/host/c && chmod 0604 /mnt/host/c && stat -c %a /mnt/host/c"),
    ("chown", "echo o > /mnt/host/o && chown 123:456 /mnt/host/o && stat -c %u:%g /mnt/host/o"),
    ("truncate", "echo 123456789 > /mnt/host/t && truncate -s 3 /mnt/host/t && cat /mnt/host/t"),
    ("utimes", "echo u > /mnt/host/u && touch -d '2001-02-03 04:05:06' /mnt/host/u"
               " && stat -c %Y /mnt/host/u"),
    ("readdir", "ls -a /mnt/host | tr '\\n' ' '"),
    ("attrs", "stat -c '%i %a %u %g %s %h %Y' /mnt/host/hello"),
    ("statfs", "stat -f -c '%t %b %S %c' /mnt/host"),
    ("fifo", "mkfifo /mnt/host/fifo && stat -c %F /mnt/host/fifo"),
    ("errno", "/mnt/host/probe errno /mnt/host"),
    ("mmap", "/mnt/host/probe mmap /mnt/host/big"),
    ("badpath", "mount -t hostfs none /mnt/x -o /nothere; echo rc=$?"),
    # Escapes: every one must fail and show nothing of the host outside.
    ("esc_mount_abs", "mount -t hostfs none /mnt/x -o /../../etc; echo rc=$?; ls /mnt/x"),
    ("esc_mount_rel", "mount -t hostfs none /mnt/x -o ../..; echo rc=$?; ls /mnt/x"),
    ("esc_mount_link", "mount -t hostfs none /mnt/x -o /hostrel; echo rc=$?; ls /mnt/x"),
    ("esc_dotdot", "cd /mnt/host && cd .. && pwd && ls; cd /"),
    ("esc_host_abs", "cat /mnt/host/hostabs; echo rc=$?"),
    ("esc_host_rel", "cat /mnt/host/hostrel/secret; echo rc=$?"),
    ("esc_host_passwd", "cat /mnt/host/pw | md5sum; cat /etc/passwd | md5sum"),
    ("esc_guest_abs", "ln -s {outside}/secret /mnt/host/gabs; cat /mnt/host/gabs; echo rc=$?"),
    ("esc_guest_rel", "ln -s ../../../outside/secret /mnt/host/grel; cat /mnt/host/grel; "
                      "echo rc=$?"),
    ("esc_write_through", "ln -s {outside}/new /mnt/host/gnew; echo pwned > /mnt/host/gnew; "
                          "echo rc=$?"),
    ("esc_link", "ln /etc/passwd /mnt/host/stolen; echo rc=$?"),
]


def host_stat_line(path):
    st = os.lstat(path)
    return (f"{st.st_ino} {st.st_mode & 0o7777:o} {st.st_uid} {st.st_gid} "
            f"{st.st_size} {st.st_nlink} {int(st.st_mtime)}")


def sections_of(stdout):
    sections, name = {}, None
    for line in stdout.splitlines():
        m = re.match(r"^@@=(\w+)$", line.strip())
        if m:
            name = m.group(1)
            sections[name] = []
        elif name:
            sections[name].append(line.rstrip("\r"))
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def boot(tmp, script, args):
    image = guest.image_copy(tmp)
    return guest.run_shell(image, script, timeout=90, args=args)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not os.path.exists(guest.ROOT_IMG):
        pytest.skip("build/root.img missing (make image)")
    tmp = tmp_path_factory.mktemp("hostfs")
    share, outside = tmp / "share", tmp / "outside"
    share.mkdir()
    outside.mkdir()
    (outside / "secret").write_text(SECRET + "\n")
    (share / "hello").write_text("hello from the host\n")
    (share / "big").write_bytes(os.urandom(5 * 4096 + 123))
    os.symlink(str(outside / "secret"), share / "hostabs")
    os.symlink("../outside", share / "hostrel")
    os.symlink("/etc/passwd", share / "pw")
    src = tmp / "probe.c"
    src.write_text(PROBE_C)
    cc = subprocess.run(["gcc", "-O2", "-static", "-o", str(share / "probe"), str(src)],
                        capture_output=True, text=True)
    if cc.returncode:
        pytest.skip("cannot build a static probe: " + cc.stderr[-300:])
    big_before = (share / "big").read_bytes()
    # Run from a file in the share, so the console does not echo commands.
    (share / "probes.sh").write_text(
        "".join(f"printf '\\n@@=%s\\n' {name}\n{cmd.format(outside=outside)}\n"
                for name, cmd in PROBES) + "printf '@@=end\\n'\n")
    script = ("mkdir -p /mnt/host /mnt/x\nmount -t hostfs none /mnt/host -o /\n"
              "sh /mnt/host/probes.sh\n")
    r = boot(tmp, script, ["hostfs=" + str(share)])
    return {"share": share, "outside": outside, "out": r.stdout + r.stderr,
            "sec": sections_of(r.stdout), "big": big_before}


def test_mount_and_proc_mounts(world):
    assert world["sec"]["mounts"] == "none /mnt/host hostfs rw,relatime,/ 0 0"


def test_read_and_offsets(world):
    assert world["sec"]["read"] == "hello from the host"
    want = " ".join(f"{b:02x}" for b in world["big"][12345:12353])
    assert world["sec"]["offset"] == want


def test_write(world):
    assert world["sec"]["write"] == "guest-data"
    assert (world["share"] / "w").read_text() == "guest-data\n"


def test_create_mkdir_rename_unlink_rmdir(world):
    share = world["share"]
    assert world["sec"]["names"] == "names-ok"
    assert (share / "dir" / "b").exists() and not (share / "dir" / "a").exists()
    assert not (share / "gone").exists() and not (share / "rm").exists()


def test_symlink_readlink(world):
    assert world["sec"]["symlink"] == "some/target"
    assert os.readlink(world["share"] / "sl") == "some/target"


def test_hard_link(world):
    share = world["share"]
    assert world["sec"]["link"] == "2"
    assert os.stat(share / "l1").st_ino == os.stat(share / "l2").st_ino
    assert os.stat(share / "l1").st_nlink == 2


def test_chmod(world):
    assert world["sec"]["chmod"] == "604"
    assert os.stat(world["share"] / "c").st_mode & 0o7777 == 0o604


def test_chown(world):
    st = os.stat(world["share"] / "o")
    if os.geteuid() == 0:
        assert world["sec"]["chown"] == "123:456"
        assert (st.st_uid, st.st_gid) == (123, 456)
    else:
        # The host's privileges decide: an unprivileged kernel cannot.
        assert "Operation not permitted" in world["sec"]["chown"]
        assert st.st_uid == os.geteuid()


def test_truncate(world):
    assert world["sec"]["truncate"] == "123"
    assert (world["share"] / "t").read_text() == "123"


def test_utimes(world):
    mtime = int(os.stat(world["share"] / "u").st_mtime)
    assert world["sec"]["utimes"] == str(mtime)
    assert mtime == 981173106  # 2001-02-03 04:05:06 UTC


def test_readdir(world):
    names = world["sec"]["readdir"].split()
    for n in (".", "..", "hello", "big", "probe", "hostabs", "w", "dir", "probes.sh"):
        assert n in names


def test_attributes_are_the_hosts(world):
    assert world["sec"]["attrs"] == host_stat_line(world["share"] / "hello")


def test_statfs(world):
    vfs = os.statvfs(world["share"])
    typ, blocks, bsize, files = world["sec"]["statfs"].split()
    assert typ == "c0ffee"
    assert (int(blocks), int(bsize), int(files)) == (vfs.f_blocks, vfs.f_frsize, vfs.f_files)


def test_fifo(world):
    assert world["sec"]["fifo"] == "fifo"
    assert (os.stat(world["share"] / "fifo").st_mode & 0o170000) == 0o010000


def test_errno_pass_through(world):
    got = dict(line.split("=", 1) for line in world["sec"]["errno"].splitlines())
    assert got == {
        "open_missing": "ENOENT", "mkdir": "ok", "mkdir_again": "EEXIST", "create": "ok",
        "rmdir_full": "ENOTEMPTY", "open_notdir": "ENOTDIR", "open_dir_w": "EISDIR",
        "unlink_dir": "EISDIR", "rmdir_file": "ENOTDIR", "create_excl": "EEXIST",
        "link_outside": "EXDEV", "rename_out": "EXDEV", "rename_dotdot": "EXDEV",
        "link_out": "EXDEV",
    }
    assert (world["share"] / "e" / "f").exists()


def test_mmap_and_fsync(world):
    got = dict(line.split("=", 1) for line in world["sec"]["mmap"].splitlines())
    assert got == {"mmap_private": "same", "mmap_offset": "same", "msync": "ok",
                   "munmap": "ok", "fsync": "ok"}
    big, before = (world["share"] / "big").read_bytes(), world["big"]
    assert big[4096 + 5:4096 + 11] == b"SHARED"
    assert big[:4096 + 5] == before[:4096 + 5] and big[4096 + 11:] == before[4096 + 11:]


def test_bad_mount_path(world):
    sec = world["sec"]["badpath"]
    assert "No such file or directory" in sec and "rc=0" not in sec


@pytest.mark.parametrize("name", ["esc_mount_abs", "esc_mount_rel", "esc_mount_link"])
def test_escape_mount_path(world, name):
    sec = world["sec"][name]
    assert "Permission denied" in sec and "rc=0" not in sec
    # /mnt/x stays the empty guest directory: nothing listed.
    assert sec.splitlines()[-1].startswith("rc=")


def test_escape_dotdot_at_mount_root(world):
    assert world["sec"]["esc_dotdot"].split() == ["/mnt", "host", "x"]


@pytest.mark.parametrize("name", ["esc_host_abs", "esc_host_rel", "esc_guest_abs",
                                  "esc_guest_rel", "esc_write_through"])
def test_escape_symlinks(world, name):
    sec = world["sec"][name]
    # busybox sh says "nonexistent directory" for ENOENT on a redirection.
    assert re.search("No such file or directory|nonexistent directory", sec)
    assert "rc=0" not in sec


def test_escape_symlink_to_passwd_is_the_guests(world):
    ours, theirs = world["sec"]["esc_host_passwd"].split("\n")
    assert ours == theirs


def test_escape_hard_link(world):
    sec = world["sec"]["esc_link"]
    assert "cross-device" in sec and "rc=0" not in sec
    assert not (world["share"] / "stolen").exists()


def test_nothing_outside_touched_or_shown(world):
    assert SECRET not in world["out"]
    assert sorted(os.listdir(world["outside"])) == ["secret"]
    assert (world["outside"] / "secret").read_text() == SECRET + "\n"
    assert not os.path.exists(os.path.join(os.path.dirname(world["share"]), "stolen"))


def test_append_and_no_data(tmp_path):
    if not os.path.exists(guest.ROOT_IMG):
        pytest.skip("build/root.img missing (make image)")
    share = tmp_path / "share"
    share.mkdir()
    (share / "f").write_text("base\n")
    script = ("mkdir -p /mnt/h && mount -t hostfs none /mnt/h && grep hostfs /proc/mounts\n"
              "echo x | dd of=/mnt/h/f conv=notrunc 2>/dev/null; cat /mnt/h/f\n")
    r = boot(tmp_path, script, [f"hostfs={share},append"])
    assert "none /mnt/h hostfs rw,relatime,append 0 0" in r.stdout
    assert (share / "f").read_text() == "base\nx\n"


def test_without_hostfs_option_the_host_root_is_the_prefix(tmp_path):
    if not os.path.exists(guest.ROOT_IMG):
        pytest.skip("build/root.img missing (make image)")
    d = tmp_path / "anywhere"
    d.mkdir()
    (d / "file").write_text("reachable\n")
    script = f"mkdir -p /mnt/h && mount -t hostfs none /mnt/h -o {d} && cat /mnt/h/file\n"
    r = boot(tmp_path, script, [])
    assert "reachable" in r.stdout


def test_hostfs_as_the_root_filesystem(tmp_path):
    """UML's root=/dev/root rootfstype=hostfs rootflags=HOSTDIR."""
    import shutil
    import subprocess
    from guest import LINUX
    root = tmp_path / "hostroot"
    for d in ("bin", "dev", "proc", "tmp"):
        (root / d).mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    (root / "bin" / "sh").symlink_to("busybox")
    r = subprocess.run([LINUX, "root=/dev/root", "rootfstype=hostfs", "rootflags=" + str(root),
                        "init=/bin/sh"],
                       input="echo made-in-guest > /tmp/from-guest; /bin/busybox ls /bin\n"
                             "/bin/busybox poweroff -f\n",
                       capture_output=True, text=True, timeout=60)
    assert "busybox  sh" in r.stdout or ("busybox" in r.stdout and "sh" in r.stdout)
    assert (root / "tmp" / "from-guest").read_text() == "made-in-guest\n"
    assert r.returncode == 0
