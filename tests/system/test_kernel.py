"""Kernel-wide behaviour: the mem= limit, reboot, the log of missing
system calls, the console in raw mode."""
import re
import subprocess
import time

import pexpect

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
