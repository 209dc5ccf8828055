"""Boot the default image the way a user does: console login, job control,
persistence across boots, clean shutdown."""
import os
import re
import signal
import subprocess
import time

import pexpect
import pytest

from guest import LINUX, ROOT_IMG, image_copy, run_shell, spawn

PROMPT = r"umlinux:[^\r\n]*# "


def login(child):
    child.expect("umlinux login: ")
    child.sendline("root")
    child.expect(PROMPT)


def test_login_and_poweroff(tmp_path):
    img = image_copy(tmp_path)
    child = spawn(img)
    child.expect("Linux version")
    login(child)
    child.sendline("echo $((6*7)); uname -r; id -u")
    child.expect(r"42\r\n6\.12\.0-umlinux\r\n0\r\n")
    child.expect(PROMPT)
    child.sendline("poweroff")
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 0


def test_job_control(tmp_path):
    img = image_copy(tmp_path)
    child = spawn(img)
    login(child)
    # ^C interrupts the foreground job.
    child.sendline("sleep 100")
    time.sleep(0.5)
    child.sendcontrol("c")
    child.expect(PROMPT)
    child.sendline("echo rc=$?")
    child.expect("rc=130")
    child.expect(PROMPT)
    # ^Z stops it; bg resumes it; jobs lists it; fg + ^C ends it.
    child.sendline("sleep 100")
    time.sleep(0.5)
    child.sendcontrol("z")
    child.expect("Stopped")
    child.expect(PROMPT)
    child.sendline("bg; jobs")
    child.expect(r"Running\s+sleep 100")
    child.expect(PROMPT)
    child.sendline("fg")
    time.sleep(0.5)
    child.sendcontrol("c")
    child.expect(PROMPT)
    child.sendline("sleep 100 & jobs")
    child.expect(r"\[1\]\+\s+Running")
    child.expect(PROMPT)
    child.sendline("kill %1; poweroff")
    child.expect(pexpect.EOF, timeout=30)


def test_quit_key_and_window_size(tmp_path):
    """^\\ sends SIGQUIT to the foreground job only; resizing the host
    terminal reaches the guest's terminal."""
    img = image_copy(tmp_path)
    child = spawn(img, args=["uml_dir=%s" % tmp_path])
    login(child)
    child.sendline("sleep 100")
    time.sleep(0.5)
    child.sendcontrol("\\")
    child.expect("Quit")
    child.expect(PROMPT)
    child.sendline("echo rc=$?; jobs; echo jobs-$((1+1))")
    child.expect(r"rc=131\r\n")
    child.expect(r"jobs-2")
    assert "sleep" not in child.before     # the job is gone
    child.expect(PROMPT)
    child.sendline("stty size")
    child.expect(r"\r\n40 120\r\n")
    child.expect(PROMPT)
    child.setwinsize(33, 99)
    time.sleep(0.3)
    child.sendline("stty size")
    child.expect(r"\r\n33 99\r\n")
    child.expect(PROMPT)
    child.setwinsize(50, 160)
    time.sleep(0.3)
    child.sendline("stty size")
    child.expect(r"\r\n50 160\r\n")
    child.expect(PROMPT)
    child.sendline("poweroff")
    child.expect(pexpect.EOF, timeout=30)


def test_file_persists_across_boots_and_fsck_clean(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "echo persistent-data > /root/note\nmkdir -p /root/d/e\n"
                       "ln -s note /root/link\nsync\npoweroff -f\n")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_shell(img, "cat /root/link; ls /root/d\n")
    assert "persistent-data" in r.stdout
    assert "\ne\r" in r.stdout or "\ne\n" in r.stdout
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_pipe_input_runs_script(tmp_path):
    img = image_copy(tmp_path)
    r = run_shell(img, "echo hi | tr a-z A-Z\nfor i in 1 2 3; do echo n$i; done\n")
    assert "HI" in r.stdout
    assert "n3" in r.stdout
    assert r.returncode == 0


def test_end_of_input_is_hangup(tmp_path):
    """With a pipe as console, end of input ends the shell (init exits)."""
    img = image_copy(tmp_path)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/sh"], input="echo last\n",
                       capture_output=True, text=True, timeout=60)
    assert "last" in r.stdout
    assert "Attempted to kill init" in r.stdout + r.stderr
    assert r.returncode != 0


def test_unknown_words_reach_init(tmp_path):
    """As on Linux: name=value words become init's environment, other
    words its arguments."""
    img = image_copy(tmp_path)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/usr/bin/env", "foo=bar", "mem=96M"],
                       capture_output=True, text=True, timeout=60)
    assert "foo=bar" in r.stdout
    assert "mem=96M" in r.stdout
    assert "HOME=/" in r.stdout and "TERM=linux" in r.stdout
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/echo", "word1", "--", "word2"],
                       capture_output=True, text=True, timeout=60)
    assert "word1 word2" in r.stdout


def test_sigterm_halts_cleanly(tmp_path):
    img = image_copy(tmp_path)
    p = subprocess.Popen([LINUX, "ubd0=" + img, "init=/bin/sh"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write("echo data > /root/x; echo written\n")
    p.stdin.flush()
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert "written" in out
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
    debugfs = subprocess.run(["debugfs", "-R", "cat /root/x", img], capture_output=True,
                             text=True)
    assert "data" in debugfs.stdout


def guest_host_pids(kernel_pid):
    """Host processes in the kernel's session (it calls setsid): the guest
    processes, each a host process of its own."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,sid="], capture_output=True,
                         text=True).stdout
    pids = []
    for line in out.splitlines():
        pid, sid = (int(x) for x in line.split())
        if sid == kernel_pid and pid != kernel_pid:
            pids.append(pid)
    return pids


def test_sigkill_leaves_nothing_running(tmp_path):
    img = image_copy(tmp_path)
    p = subprocess.Popen([LINUX, "ubd0=" + img, "init=/bin/sh"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write("sleep 100 & sleep 100 & echo started\n")
    p.stdin.flush()
    deadline = time.time() + 20
    pids = []
    while time.time() < deadline and len(pids) < 3:
        pids = guest_host_pids(p.pid)
        time.sleep(0.2)
    assert len(pids) >= 3, "guest processes are host processes under the kernel"
    p.kill()
    p.wait(timeout=10)
    time.sleep(1)
    alive = [x for x in pids if os.path.exists("/proc/%d" % x) and
             open("/proc/%d/stat" % x).read().split()[2] != "Z"]
    assert not alive


BAD_CMDLINES = [
    (["ubd0=/nonexistent/image.img"], "nonexistent/image.img"),
    (["ubd0=%(img)s", "mem=lots"], "mem="),
    (["ubd0=%(img)s", "mem=1K"], "mem="),
    (["ubd0=%(img)s", "root=/dev/hdz"], "root="),
    (["ubd1=%(img)s"], "ubd0"),
]


@pytest.mark.parametrize("args,needle", BAD_CMDLINES)
def test_bad_command_line(tmp_path, args, needle):
    img = image_copy(tmp_path)
    argv = [a % {"img": img} for a in args]
    r = subprocess.run([LINUX, *argv], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert any(needle in l for l in lines), r.stderr
    assert "Linux version" not in r.stdout


def test_help_and_version():
    r = subprocess.run([LINUX, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip()
    r = subprocess.run([LINUX, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "ubd" in r.stdout


def test_guest_crashes_do_not_take_the_kernel_down(tmp_path):
    img = image_copy(tmp_path)
    script = (
        # a NULL dereference in a guest process
        "cat > /tmp/null.sh <<'E'\nkill -SEGV $$\nE\n"
        "sh /tmp/null.sh; echo segv-rc=$?\n"
        # more processes than the kernel allows (mem=64M: 512)
        "i=0; while [ $i -lt 600 ]; do sleep 60 & i=$((i+1)); done 2>/dev/null\n"
        "echo forked-$i\n"
        "set -- /proc/[0-9]*; echo live-$#\n"     # no fork needed
        "kill -9 -1 2>/dev/null; sleep 1\n"
        "echo still-alive\n")
    r = run_shell(img, script, timeout=120, args=["mem=64M"])
    assert "segv-rc=139" in r.stdout
    # Either the process limit stops the shell at a failed fork, or the
    # commit limit fails the children's exec (they are killed): the
    # guest never gets all 600.
    forked = int(re.search(r"forked-(\d+)", r.stdout).group(1))
    live = int(re.search(r"live-(\d+)", r.stdout).group(1))
    assert forked < 600 or "cannot map the image (-12)" in r.stdout, forked
    assert live <= 512, live
    assert "still-alive" in r.stdout
    assert r.returncode == 0


def run_on_pty(img, script, end_signal=None):
    """Run the kernel with a fresh host pty as its terminal; return the
    slave's termios before and after."""
    import termios
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    p = subprocess.Popen([LINUX, "ubd0=" + img, "init=/bin/sh",
                          "uml_dir=%s/" % os.path.dirname(img)], stdin=slave, stdout=slave,
                         stderr=slave, close_fds=True)
    time.sleep(1.5)
    during = termios.tcgetattr(slave)
    if end_signal:
        p.send_signal(end_signal)
    else:
        os.write(master, script.encode())
    deadline = time.time() + 30
    import select
    while p.poll() is None and time.time() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            os.read(master, 65536)      # keep the pty drained
    p.wait(timeout=5)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return before, during, after


def test_host_terminal_raw_while_running_and_restored(tmp_path):
    import termios
    img = image_copy(tmp_path)
    before, during, after = run_on_pty(img, "poweroff -f\r")
    assert not (during[3] & termios.ICANON) and not (during[3] & termios.ECHO)
    assert after == before
    before, during, after = run_on_pty(img, None, end_signal=signal.SIGTERM)
    assert after == before


@pytest.mark.parametrize("sig", [signal.SIGQUIT, signal.SIGABRT, signal.SIGSEGV])
def test_host_terminal_restored_when_the_kernel_dies_of_a_signal(tmp_path, sig):
    img = image_copy(tmp_path)
    before, during, after = run_on_pty(img, None, end_signal=sig)
    assert during != before
    assert after == before
