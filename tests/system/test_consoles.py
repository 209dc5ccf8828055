"""Consoles and serial lines over host channels: pts, port (telnet), file,
null, fd pairs, bad channel specs, xterm without $DISPLAY, and the kernel
log as dmesg and /dev/kmsg show it."""
import os
import shutil
import re
import socket
import subprocess
import threading
import time

import pexpect
import pexpect.fdpexpect
import pytest

from guest import LINUX, image_copy, run_shell

PROMPT = r"[^\r\n]*# "
PROLOGUE = b"mount -t proc proc /proc; mount -t tmpfs tmpfs /tmp\n"
GETTY_LOOP = "(while :; do getty -L 0 {tty} vt100; done) &\n"


class Guest:
    """A kernel booted with init=/bin/sh reading commands from a pipe; its
    stdout and stderr are collected in the background."""

    def __init__(self, tmp_path, args, env=None, pass_fds=()):
        img = image_copy(tmp_path)
        self.proc = subprocess.Popen(
            [LINUX, "ubd0=" + img, "init=/bin/sh", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, pass_fds=pass_fds)
        self.out = {"stdout": b"", "stderr": b""}
        self.lock = threading.Lock()
        for name in self.out:
            threading.Thread(target=self._collect, args=(name,), daemon=True).start()
        self.send(PROLOGUE.decode())

    def _collect(self, name):
        stream = getattr(self.proc, name)
        while True:
            data = stream.read1(4096)
            if not data:
                return
            with self.lock:
                self.out[name] += data

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_for(self, pattern, stream="stdout", timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                m = re.search(pattern, self.out[stream])
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError("no %r on %s; got %r" % (pattern, stream, self.out[stream]))

    def finish(self):
        self.send("poweroff -f\n")
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0
        return self.out["stdout"].decode(errors="replace")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def recv_until(sock, pattern, timeout=15):
    """Bytes from sock up to a match of pattern (telnet bytes included)."""
    buf = b""
    end = time.time() + timeout
    sock.settimeout(0.2)
    while time.time() < end:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        buf += data
        if re.search(pattern, buf):
            return buf
    raise AssertionError("no %r from the port; got %r" % (pattern, buf[-500:]))


@pytest.mark.parametrize("opt,line,dev", [("ssl0=pts", "Serial line 0", "ttyS0"),
                                          ("con1=pts", "Virtual console 1", "tty1"),
                                          # no BSD ptys on Debian hosts: a Unix98 one
                                          ("ssl2=pty", "Serial line 2", "ttyS2")])
def test_pts_login_through_getty(tmp_path, opt, line, dev):
    g = Guest(tmp_path, [opt])
    m = g.wait_for((line + r" assigned device '(/dev/pts/\d+)'").encode(), "stderr")
    path = m.group(1).decode()
    # The same line is in the kernel log on the console.
    g.wait_for((line + " assigned device '" + path + "'").encode())
    g.send(GETTY_LOOP.format(tty=dev))
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        c = pexpect.fdpexpect.fdspawn(fd, timeout=20, encoding="utf-8",
                                      codec_errors="replace")
        c.expect("login: ")
        c.send("root\r")
        c.expect(PROMPT)
        c.send("echo $((6*7)); tty\r")
        c.expect(r"42\r\n/dev/" + dev + r"\r\n")
    finally:
        os.close(fd)
    g.finish()


def test_port_login_banner_hangup_and_winsize(tmp_path):
    port = free_port()
    g = Guest(tmp_path, ["ssl0=port:%d" % port])
    g.wait_for(b"Serial line 0 listening on 127.0.0.1:%d" % port)
    g.send(GETTY_LOOP.format(tty="ttyS0"))
    a = socket.create_connection(("127.0.0.1", port))
    first = recv_until(a, rb"login: ")
    # Telnet: WILL ECHO, WILL SUPPRESS-GO-AHEAD, DO NAWS first.
    assert first.startswith(b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f")
    # The line is taken: a second client gets the banner and waits.
    b = socket.create_connection(("127.0.0.1", port))
    assert b"No umlinux console or serial line is waiting" in recv_until(b, rb"(?s)\*{4}.*\*{4}\r\n")
    # Window size by NAWS (100x30), a refused option, an escaped 0xff.
    a.sendall(b"\xff\xfb\x1f\xff\xfa\x1f\x00\x64\x00\x1e\xff\xf0\xff\xfd\x18")
    assert b"\xff\xfc\x18" in recv_until(a, rb"\xff\xfc\x18")   # WONT TERMINAL-TYPE
    a.sendall(b"root\r\n")
    recv_until(a, PROMPT.encode())
    a.sendall(b"stty size; tty; echo $((6*7))\r\0")
    recv_until(a, rb"30 100\r\n/dev/ttyS0\r\n42\r\n")
    # The first client leaves: the guest is hung up, the waiting client
    # gets the line and a fresh getty.
    a.close()
    recv_until(b, rb"login: ")
    b.sendall(b"root\r\n")
    recv_until(b, PROMPT.encode())
    b.sendall(b"echo ok-$((2+3))\r\n")
    recv_until(b, rb"ok-5")
    b.close()
    g.finish()


def test_port_output_waits_for_a_client(tmp_path):
    port = free_port()
    g = Guest(tmp_path, ["ssl0=port:%d" % port])
    # 200 KiB with no client: the writer waits, the kernel keeps running.
    g.send("(dd if=/dev/zero bs=1024 count=200 2>/dev/null | tr '\\0' x > /dev/ttyS0; "
           "echo dd-$((1+1))-done) &\necho alive\n")
    g.wait_for(b"alive\r?\n")
    time.sleep(0.5)
    assert b"dd-2-done" not in g.out["stdout"]
    s = socket.create_connection(("127.0.0.1", port))
    data = recv_until(s, rb"x{204800}", timeout=20)
    assert data.count(b"x") == 204800
    g.wait_for(b"dd-2-done")
    s.close()
    g.finish()


def test_file_channel_appends_and_gives_no_input(tmp_path):
    log = tmp_path / "ttyS9.log"
    log.write_bytes(b"before\n")
    r = run_shell(image_copy(tmp_path), "ls -l /dev/ttyS9\n"
                  "echo hello-file > /dev/ttyS9\n"
                  "read -t 1 x < /dev/ttyS9; echo read=$?\n",
                  args=["ssl9=file:" + str(log)])
    assert re.search(r"4,\s+73 .* /dev/ttyS9", r.stdout), r.stdout
    assert "read=1" in r.stdout, r.stdout
    assert log.read_bytes() == b"before\nhello-file\r\n"


def test_null_channel_and_con_default(tmp_path):
    # con= names every console; con0 keeps the host's stdin and stdout.
    r = run_shell(image_copy(tmp_path), "echo dropped > /dev/tty5; echo w=$?\n"
                  "read -t 1 x < /dev/tty5; echo read=$?\necho visible\n",
                  args=["con=null", "con0=fd:0,fd:1"])
    assert "w=0" in r.stdout and "read=1" in r.stdout, r.stdout
    assert "dropped" not in r.stdout.replace("echo dropped", "")


def test_fd_pair_channel(tmp_path):
    to_guest_r, to_guest_w = os.pipe()
    from_guest_r, from_guest_w = os.pipe()
    os.write(to_guest_w, b"ping\n")
    img = image_copy(tmp_path)
    script = (PROLOGUE + b"read line < /dev/ttyS1; echo got-$line > /dev/ttyS1\n"
              b"poweroff -f\n")
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/sh",
                        "ssl1=fd:%d,fd:%d" % (to_guest_r, from_guest_w)],
                       input=script, capture_output=True, timeout=60,
                       pass_fds=(to_guest_r, from_guest_w))
    os.close(to_guest_r)
    os.close(to_guest_w)
    os.close(from_guest_w)
    data = os.read(from_guest_r, 4096)
    os.close(from_guest_r)
    assert r.returncode == 0
    assert data == b"ping\r\ngot-ping\r\n"     # the guest tty echoes input


@pytest.mark.parametrize("spec,needle", [
    ("bogus", "No match for configured backends"),
    ("fd:0,pipe:3", "No match for configured backends"),
    ("port:abc", "port_init : couldn't parse port 'abc'"),
    ("port:70000", "port_init : couldn't parse port '70000'"),
    ("fd:77", "fd:77: host file descriptor 77 is not open"),
    ("fd:x", "fd_init : couldn't parse file descriptor 'x'"),
    ("file:/nonexistent/dir/log", "file:/nonexistent/dir/log: No such file or directory"),
    ("tty:/nonexistent", "tty:/nonexistent: No such file or directory"),
    ("null:1", "channel type 'null' takes no argument"),
    ("xterm", "xterm_open: $DISPLAY not set."),
])
def test_bad_channel_is_reported_and_boot_goes_on(tmp_path, spec, needle):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    script = (PROLOGUE.decode() + "echo x > /dev/ttyS0\necho booted-$((1+1))\n"
              "dmesg | grep 'serial line 0'\npoweroff -f\n")
    r = subprocess.run([LINUX, "ubd0=" + image_copy(tmp_path), "init=/bin/sh",
                        "ssl0=" + spec, "ssl1=null"],
                       input=script, capture_output=True, text=True, timeout=60, env=env)
    msg = 'Failed to set up serial line 0 with configuration string "%s" : %s' % (spec, needle)
    out = r.stdout.replace("\r\n", "\n")
    assert out.count(msg) == 2, out       # on the console and in dmesg
    assert "/dev/ttyS0: No such device" in out
    assert "booted-2" in out
    assert r.returncode == 0


@pytest.mark.skipif(not shutil.which("xterm"), reason="xterm not installed")
def test_xterm_that_cannot_open_its_display_is_an_error(tmp_path):
    """The emulator dies at once (no X server there): the line is not
    configured, and the message says why."""
    display = ":%d" % next(n for n in range(4711, 4811)
                           if not os.path.exists("/tmp/.X11-unix/X%d" % n))
    env = dict(os.environ, DISPLAY=display)
    script = PROLOGUE.decode() + "echo x > /dev/ttyS0\necho booted-$((1+1))\npoweroff -f\n"
    r = subprocess.run([LINUX, "ubd0=" + image_copy(tmp_path), "init=/bin/sh", "ssl0=xterm",
                        "uml_dir=%s/" % tmp_path],
                       input=script, capture_output=True, text=True, timeout=60, env=env)
    out = r.stdout.replace("\r\n", "\n")
    assert ('Failed to set up serial line 0 with configuration string "xterm" : '
            "xterm_open: xterm exited before opening the line (can it open display '%s'?)"
            % display) in out, out
    assert "/dev/ttyS0: No such device" in out
    assert "booted-2" in out
    assert r.returncode == 0


def test_kernel_log_in_dmesg_and_kmsg(tmp_path):
    r = run_shell(image_copy(tmp_path),
                  "echo dmesg=$(dmesg | grep -c 'Serial line 2 assigned device')\n"
                  "cat /dev/kmsg > /tmp/kmsg & sleep 0.5; kill $!\n"
                  "P=\"^6,[0-9]*,[0-9]*,-;Serial line 2 assigned device '/dev/pts/\"\n"
                  "echo kmsg6=$(grep -c \"$P\" /tmp/kmsg)\n"
                  "P='^3,[0-9]*,[0-9]*,-;Failed to set up serial line 3 '\n"
                  "echo kmsg3=$(grep -c \"$P\" /tmp/kmsg)\n",
                  args=["ssl2=pts", "ssl3=nonsense"])
    out = r.stdout.replace("\r\n", "\n")
    for marker in ("dmesg=1\n", "kmsg6=1\n", "kmsg3=1\n"):
        assert marker in out, out
