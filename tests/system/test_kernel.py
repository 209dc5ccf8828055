"""Kernel-wide behaviour: the mem= limit, reboot, the log of missing
system calls, the console in raw mode."""
import os
import re
import subprocess
import time

import pexpect
import pytest

from guest import LINUX, image_copy, run_shell, spawn

PROMPT = r"umlinux:[^\r\n]*# "


def test_mem_limit_bounds_guest_memory(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "dd if=/dev/zero of=/dev/null bs=100M count=1; echo big-rc=$?\n"
                       "dd if=/dev/zero of=/dev/null bs=8M count=2; echo small-rc=$?\n"
                       "grep MemTotal /proc/meminfo\n", args=["mem=64M"])
    assert "big-rc=1" in r.stdout       # a 100 MiB buffer is refused (ENOMEM)
    assert "small-rc=0" in r.stdout
    assert re.search(r"MemTotal:\s+65536 kB", r.stdout), r.stdout[-1500:]
    r = run_shell(img, "dd if=/dev/zero of=/dev/null bs=100M count=1; echo big-rc=$?\n"
                       "grep MemTotal /proc/meminfo\n", args=["mem=256M"])
    assert "big-rc=0" in r.stdout
    assert re.search(r"MemTotal:\s+262144 kB", r.stdout)


def test_reboot_restarts_in_the_same_process(tmp_path):
    img = image_copy(tmp_path)
    # An init that reboots on its first run and powers off on the second.
    run_shell(img, "printf '#!/bin/sh\\nif [ -e /root/booted ]; then echo second-boot; "
                   "poweroff -f; fi\\ntouch /root/booted; sync; reboot -f\\n' > /root/rb\n"
                   "chmod +x /root/rb; cat /root/rb\n")
    p = subprocess.Popen([LINUX, "ubd0=" + img, "init=/root/rb"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=60)
    assert out.count("Linux version") == 2, out
    assert "second-boot" in out
    assert p.returncode == 0


def test_missing_syscall_logged_once_by_name(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "adjtimex; adjtimex; echo rc=$?; echo count=$(dmesg | grep -c 'clock_adjtime.*not implemented')\n")
    assert "Function not implemented" in r.stdout
    assert re.search(r"\ncount=1\r?\n", r.stdout), r.stdout[-1500:]
    assert r.returncode == 0


def test_vi_raw_mode(tmp_path):
    img = image_copy(tmp_path)
    child = spawn(img)
    child.expect("login: ")
    child.sendline("root")
    child.expect(PROMPT)
    child.sendline("vi /root/v.txt")
    time.sleep(1)
    child.send("ihello from vi")
    time.sleep(0.3)
    child.send("\x1b")
    time.sleep(0.5)
    child.send(":wq\r")
    child.expect(PROMPT)
    child.sendline("cat /root/v.txt; stty -a | head -1")
    child.expect("hello from vi")
    child.expect(r"rows (\d+); columns (\d+)")
    assert child.match.group(1) == "40" and child.match.group(2) == "120"
    child.expect(PROMPT)
    child.sendline("poweroff")
    child.expect(pexpect.EOF, timeout=30)


def test_kernel_fault_in_a_syscall_kills_only_the_caller(tmp_path):
    """A bug in a syscall handler (injected: sync faults) is an oops: the
    calling process dies, the kernel and the other processes go on."""
    img = image_copy(tmp_path)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/sh"],
                       input="sh -c sync; echo sync-rc=$?\necho still-here\n",
                       capture_output=True, text=True, timeout=60,
                       env={"UMLINUX_FAIL_SYSCALL": "162", "PATH": "/usr/bin:/bin"})
    assert "BUG: kernel fault (signal 11) in syscall sync" in r.stdout
    assert "sync-rc=137" in r.stdout
    assert "still-here" in r.stdout


def umldir(tmp_path):
    """Keep the umid directory (mconsole socket, pid file) in the test's tmp."""
    return "uml_dir=%s" % tmp_path


def test_pid1_shell_survives_signals_and_adopts_orphans(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "echo pid=$$\n"
                       "kill -TERM 1; echo after-term\n"
                       "sh -c 'kill -SEGV 1; kill -INT 1; kill -TERM 1; echo child-sent'\n"
                       "echo alive-$$\n"
                       # the sleeper's parent exits at once: init adopts it
                       "P=$(sh -c 'sleep 5 >/dev/null 2>&1 & echo $!'); echo orphan=$P\n"
                       "grep PPid /proc/$P/status\n"
                       "kill $P; sleep 0.2; echo reaped=$(grep -c . /proc/$P/status 2>/dev/null || echo gone)\n",
                  args=[umldir(tmp_path)])
    out = r.stdout
    assert "pid=1" in out
    assert "after-term" in out and "child-sent" in out and "alive-1" in out, out[-2000:]
    assert re.search(r"orphan=\d+", out)
    assert re.search(r"PPid:\s+1\r?\n", out), out[-2000:]
    assert "reaped=gone" in out, out[-2000:]         # init waited for it
    assert "Attempted to kill init" not in out + r.stderr
    assert r.returncode == 0


def test_pid1_default_signals_are_ignored(tmp_path):
    """A script as init has default dispositions: signals that would kill
    any other process are dropped for init, even SIGKILL and SIGSEGV.
    (Not SIGINT: ash catches it and exits itself, on Linux too.)"""
    img = image_copy(tmp_path)
    script = tmp_path / "init.sh"
    script.write_text("#!/bin/sh\n"
                      "echo init-pid=$$\n"
                      "kill -TERM 1; kill -SEGV 1; kill -KILL 1; kill -QUIT 1\n"
                      "sh -c 'kill -HUP 1; kill -KILL 1; kill -USR1 1'\n"
                      "echo init-survived\n"
                      "poweroff -f\n")
    for cmd in ("write %s /sbin/pid1-test" % script, "sif /sbin/pid1-test mode 0100755"):
        subprocess.run(["debugfs", "-w", "-R", cmd, img], capture_output=True, check=True)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/sbin/pid1-test", umldir(tmp_path)],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "init-pid=1" in r.stdout, r.stdout[-2000:]
    assert "init-survived" in r.stdout, r.stdout[-2000:]
    assert "Attempted to kill init" not in r.stdout + r.stderr
    assert r.returncode == 0


def test_halt_prints_system_halted(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "echo before-halt; halt -f; echo not-reached\n",
                  args=[umldir(tmp_path)])
    assert "before-halt" in r.stdout
    assert "reboot: System halted" in r.stdout, r.stdout[-1500:]
    assert "Power down" not in r.stdout
    assert r.returncode == 0


def test_image_that_cannot_be_read(tmp_path):
    """A directory (and, for a non-root user, a mode-000 file) as ubd0=:
    one clear error line and a failing exit, no boot."""
    cases = [str(tmp_path / "a-directory")]
    os.mkdir(cases[0])
    if os.geteuid() != 0:
        locked = image_copy(tmp_path, name="locked.img")
        os.chmod(locked, 0)
        cases.append(locked)
    for path in cases:
        r = subprocess.run([LINUX, "ubd0=" + path, umldir(tmp_path)], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert r.returncode != 0
        errors = [l for l in r.stderr.splitlines() if path in l]
        assert len(errors) == 1, r.stderr
        assert "Can't open" in errors[0] and "errno" in errors[0], errors[0]
        assert "Linux version" not in r.stdout


def test_version_is_the_guest_release_and_help_looks_like_uml(tmp_path):
    v = subprocess.run([LINUX, "--version"], capture_output=True, text=True, timeout=10)
    assert v.returncode == 0
    release = v.stdout.strip()
    assert release and "\n" not in release
    img = image_copy(tmp_path)
    r = run_shell(img, "echo release=$(uname -r)\n", args=[umldir(tmp_path)])
    assert "release=%s\r" % release in r.stdout or "release=%s\n" % release in r.stdout, \
        (release, r.stdout[-1000:])
    h = subprocess.run([LINUX, "--help"], capture_output=True, text=True, timeout=10)
    assert h.returncode == 0
    lines = h.stdout.split("\n")
    # As UML: "User Mode Linux v<release>", an indented line, a blank line.
    assert lines[0] == "User Mode Linux v" + release, lines[:3]
    assert lines[1].startswith("\t") and lines[1].strip()
    assert lines[2] == ""
    for opt in ("mem=", "ubd", "umid=", "uml_dir=", "con", "init="):
        assert opt in h.stdout, opt


@pytest.mark.parametrize("init,err", [("/nonexistent", -2), ("/etc", -13)])
def test_failed_init_panics_instead_of_booting_another(tmp_path, init, err):
    """As Linux since 4.x: an explicit init= that cannot run is a panic
    (one line), not a fallback to /sbin/init."""
    img = image_copy(tmp_path)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=" + init, umldir(tmp_path)],
                       input="echo booted-$((1+1))\n", capture_output=True, text=True,
                       timeout=30)
    out = r.stdout + r.stderr
    line = "Kernel panic - not syncing: Requested init %s failed (error %d)." % (init, err)
    assert out.count(line) == 1, out
    assert out.count("Kernel panic") == 1, out
    assert "booted-2" not in out and "login:" not in out
    assert r.returncode != 0
