"""procfs as busybox sees it: one boot runs every probe, each test checks
its own section of the console output."""
import os
import re

import pytest

import guest

# A kernel binary other than build/linux (e.g. a private build) for trying
# out changes before they are wired in.
LINUX = os.environ.get("UMLINUX_LINUX", guest.LINUX)

# Each probe prints a marker line "@@=name" (made by printf, so the echoed
# command line never looks like one) followed by its output.
PROBES = [
    ("self", "sh -c 'echo pid=$$; exec readlink /proc/self'"),
    ("stat", "sh -c 'echo pid=$$; exec cat /proc/self/stat'"),
    ("stat1", "cat /proc/1/stat"),
    ("status", "sh -c 'echo pid=$$; exec cat /proc/self/status'"),
    ("cmdline", "sh -c 'exec cat /proc/self/cmdline' | tr '\\0' '|'; echo"),
    ("maps", "cat /proc/self/maps"),
    ("fd", "sleep 1 | ls -l /proc/self/fd/"),
    ("fdopen", "echo filedata > /tmp/f; exec 7</tmp/f; cat /proc/self/fd/7; exec 7<&-"),
    ("fdpipe", "(echo piped; sleep 1) | cat /dev/stdin"),
    ("meminfo", "cat /proc/meminfo"),
    ("free", "free"),
    ("cpuinfo", "cat /proc/cpuinfo"),
    ("mounts", "cat /proc/mounts"),
    ("mount", "mount"),
    ("uptime", "cat /proc/uptime"),
    ("uptimecmd", "uptime"),
    ("ls", "ls /proc"),
    ("ps", "sleep 30 & sleep 0.3; kill -STOP $!; ps; ps -o pid,stat,comm; kill -9 $!"),
    ("zombie", "sh -c 'sleep 0.1 & exec sleep 2' & sleep 1; ps -o pid,stat,comm; wait"),
    ("hostname", "echo probe-host > /proc/sys/kernel/hostname; hostname; "
                 "cat /proc/sys/kernel/hostname"),
    ("statfs", "stat -f -c %t /proc"),
    ("version", "cat /proc/version /proc/sys/kernel/osrelease"),
    ("exitcode", "cat /proc/exitcode; echo 42 > /proc/exitcode; cat /proc/exitcode"),
]


@pytest.fixture(scope="module")
def boot(tmp_path_factory):
    if not os.path.exists(guest.ROOT_IMG):
        pytest.skip("build/root.img missing (make image)")
    image = guest.image_copy(tmp_path_factory.mktemp("procfs"))
    script = "".join(f"printf '@@=%s\\n' {name}\n{cmd}\n" for name, cmd in PROBES)
    saved, guest.LINUX = guest.LINUX, LINUX
    try:
        r = guest.run_shell(image, script, timeout=90)
    finally:
        guest.LINUX = saved
    sections, name = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"^@@=(\w+)$", line.strip())
        if m:
            name = m.group(1)
            sections[name] = []
        elif name:
            sections[name].append(line.rstrip("\r"))
    return r, {k: "\n".join(v) for k, v in sections.items()}


def section(boot, name):
    out = boot[1].get(name)
    assert out is not None, f"no output for {name}:\n{boot[0].stdout}"
    return out


def pid_of(text):
    m = re.search(r"^pid=(\d+)$", text, re.M)
    assert m, text
    return m.group(1)


def test_self_is_the_caller(boot):
    out = section(boot, "self")
    pid = pid_of(out)
    assert re.search(rf"^{pid}$", out, re.M), out


def test_stat_fields(boot):
    out = section(boot, "stat")
    pid = pid_of(out)
    line = next(l for l in out.splitlines() if l.startswith(pid + " ("))
    f = line.split()
    assert len(f) == 52, line
    assert f[1] == "(cat)" and f[2] == "R", line
    assert int(f[19]) == 1                      # num_threads
    assert int(f[22]) > 0 and int(f[23]) > 0    # vsize, rss


def test_stat_of_init(boot):
    out = section(boot, "stat1")
    f = next(l for l in out.splitlines() if l.startswith("1 (")).split()
    assert f[1] == "(sh)" and f[2] == "S"
    assert f[3] == "0" and f[4] == "1" and f[5] == "1"   # ppid, pgrp, session


def test_status(boot):
    out = section(boot, "status")
    pid = pid_of(out)
    assert re.search(r"^Name:\tcat$", out, re.M), out
    assert re.search(r"^State:\tR \(running\)$", out, re.M), out
    assert re.search(rf"^Tgid:\t{pid}$", out, re.M), out
    assert re.search(rf"^Pid:\t{pid}$", out, re.M), out
    assert re.search(r"^Uid:\t0\t0\t0\t0$", out, re.M), out
    assert re.search(r"^VmSize:\s+[1-9]\d* kB$", out, re.M), out
    assert re.search(r"^Threads:\t1$", out, re.M), out
    for sig in ("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"):
        assert re.search(rf"^{sig}:\t[0-9a-f]{{16}}$", out, re.M), out


def test_cmdline(boot):
    assert "cat|/proc/self/cmdline|" in section(boot, "cmdline")


def test_maps(boot):
    out = section(boot, "maps")
    assert re.search(r"^[0-9a-f]+-[0-9a-f]+ r-xp .* /bin/busybox$", out, re.M), out
    assert re.search(r" \[stack\]$", out, re.M), out


def test_fd_links(boot):
    out = section(boot, "fd")
    assert re.search(r" 0 -> pipe:\[\d+\]$", out, re.M), out
    assert re.search(r" 1 -> /dev/console$", out, re.M), out


def test_open_through_fd_link(boot):
    assert "filedata" in section(boot, "fdopen").splitlines()


def test_open_pipe_through_dev_stdin(boot):
    assert "piped" in section(boot, "fdpipe").splitlines()


def test_meminfo_and_free(boot):
    out = section(boot, "meminfo")
    m = re.search(r"^MemTotal:\s+(\d+) kB$", out, re.M)
    assert m and int(m.group(1)) > 0, out
    for key in ("MemFree", "MemAvailable", "Buffers", "Cached"):
        assert re.search(rf"^{key}:\s+\d+ kB$", out, re.M), out
    assert re.search(r"^SwapTotal:\s+0 kB$", out, re.M), out
    free = section(boot, "free")
    assert re.search(rf"^Mem:\s+{m.group(1)}\s", free, re.M), free


def test_cpuinfo(boot):
    out = section(boot, "cpuinfo")
    assert re.search(r"^processor\t: 0$", out, re.M), out
    assert re.search(r"^vendor_id\t: User Mode Linux$", out, re.M), out
    assert re.search(r"^model name\t: UML$", out, re.M), out
    assert re.search(r"^mode\t\t: skas$", out, re.M), out
    assert re.search(r"^host\t\t: Linux ", out, re.M), out
    assert re.search(r"^bogomips\t: \d+\.\d\d$", out, re.M), out


def test_mounts(boot):
    out = section(boot, "mounts")
    assert re.search(r"^/dev/ubda / ext4 rw", out, re.M), out
    assert re.search(r"^proc /proc proc rw", out, re.M), out
    assert "proc on /proc type proc" in section(boot, "mount")


def test_uptime(boot):
    out = section(boot, "uptime")
    assert re.search(r"^\d+\.\d\d \d+\.\d\d$", out, re.M), out
    assert "load average: 0.00" in section(boot, "uptimecmd")


def test_listing(boot):
    names = section(boot, "ls").split()
    for n in ("1", "self", "meminfo", "cpuinfo", "mounts", "sys", "uptime"):
        assert n in names, names


def test_ps_lists_shell_and_stopped(boot):
    out = section(boot, "ps")
    assert re.search(r"^\s+1 \S+\s+/bin/sh$", out, re.M), out
    assert re.search(r"^\s*\d+ \S+\s+sleep 30$", out, re.M), out
    assert re.search(r"^\s*\d+ T\s+sleep$", out, re.M), out


def test_ps_shows_zombie(boot):
    out = section(boot, "zombie")
    assert re.search(r"^\s*\d+ Z\s+sleep$", out, re.M), out


def test_hostname_read_write(boot):
    lines = section(boot, "hostname").splitlines()
    assert lines.count("probe-host") == 2, lines


def test_statfs_magic(boot):
    assert "9fa0" in section(boot, "statfs").splitlines()


def test_version(boot):
    out = section(boot, "version")
    assert re.search(r"^Linux version 6\.12\.0-umlinux \(umlinux\) #1", out, re.M), out
    assert "6.12.0-umlinux" in out.splitlines()


def test_exitcode(boot):
    lines = section(boot, "exitcode").splitlines()
    assert "0" in lines and "42" in lines, lines
    assert boot[0].returncode == 42, boot[0].returncode
