"""The xterm channel on a real X server: a private Xvfb, a terminal window
per line with UML's title, a getty login typed into it with xdotool, the
shell's output shown in the window, and no emulator left after poweroff.

Needs Xvfb, xterm and xdotool (tools/install-deps.sh installs them); the
tests are skipped, with that reason, only when one of them is missing."""
import os
import re
import shutil
import subprocess
import time

import pytest

from test_consoles import GETTY_LOOP, Guest

TOOLS = ("Xvfb", "xterm", "xdotool")
MISSING = [t for t in TOOLS if not shutil.which(t)]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason="xterm channel test SKIPPED: missing %s "
    "(run tools/install-deps.sh)" % ", ".join(MISSING))


@pytest.fixture
def display():
    """A private X server; Xvfb picks a free display number and writes it
    to a pipe once it accepts clients."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp",
                             "-screen", "0", "800x600x24"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(w)
    try:
        num = b""
        end = time.time() + 10
        while not num.endswith(b"\n") and time.time() < end:
            chunk = os.read(r, 16)
            if not chunk:
                break
            num += chunk
        assert num.strip().isdigit(), "Xvfb did not start: %r" % num
        yield ":" + num.decode().strip()
    finally:
        os.close(r)
        xvfb.terminate()
        xvfb.wait(timeout=10)


def xdotool(disp, *args, check=True):
    env = dict(os.environ, DISPLAY=disp)
    r = subprocess.run(["xdotool", *args], env=env, capture_output=True,
                       text=True, timeout=10)
    if check:
        assert r.returncode == 0, "xdotool %s: %s" % (args, r.stderr)
    return r


def wait_window(disp, name, timeout=15):
    """The id of the window whose title is exactly name, once mapped (the
    title is set before the window is shown; focus needs it shown)."""
    end = time.time() + timeout
    while time.time() < end:
        r = xdotool(disp, "search", "--onlyvisible", "--name",
                    "^%s$" % re.escape(name), check=False)
        if r.returncode == 0 and r.stdout.split():
            return r.stdout.split()[0]
        time.sleep(0.1)
    raise AssertionError("no window titled %r appeared" % name)


def type_line(disp, win, text):
    """Keys to the window through XTEST: without a window manager the
    input focus is set directly."""
    end = time.time() + 5
    while xdotool(disp, "windowfocus", "--sync", win, check=time.time() > end).returncode:
        time.sleep(0.1)
    xdotool(disp, "type", "--delay", "10", text)
    xdotool(disp, "key", "Return")


def guest_says(g, cmd, want, timeout=10):
    """Run cmd on the fd console until its output is want; each try is
    tagged so earlier output cannot match."""
    end = time.time() + timeout
    while time.time() < end:
        guest_says.n += 1
        tag = "q%d=" % guest_says.n
        g.send('echo "%s$(%s)"\n' % (tag, cmd))
        try:
            m = g.wait_for((r"\n%s([^\r\n]*)\r?\n" % tag).encode(), timeout=2)
        except AssertionError:
            continue
        if m.group(1).decode() == want:
            return
        time.sleep(0.2)
    raise AssertionError("%r never printed %r" % (cmd, want))


guest_says.n = 0


def find_xterm(disp, pty):
    """The pid of the xterm running on disp whose relay serves pty."""
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")[:-1]
            with open("/proc/%s/environ" % p, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if (argv and os.path.basename(argv[0]) == b"xterm" and argv[-1] == pty.encode()
                and b"DISPLAY=" + disp.encode() in env):
            return int(p)
    raise AssertionError("no xterm process for %s on %s" % (pty, disp))


def process_tree(root):
    """root and every process below it (from /proc)."""
    children = {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(p))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (state first)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def leftovers(tree, pgid):
    """Live (not zombie) processes of tree or of process group pgid."""
    left = set()
    for p in list(map(int, filter(str.isdigit, os.listdir("/proc")))) + tree:
        f = stat_fields(p)
        if f and f[0] != "Z" and (p in tree or int(f[2]) == pgid):
            left.add(p)
    return left


def assert_all_gone(disp, tree, pgid, title):
    end = time.time() + 10
    while time.time() < end and leftovers(tree, pgid):
        time.sleep(0.1)
    assert not leftovers(tree, pgid), "left over: %s" % leftovers(tree, pgid)
    r = xdotool(disp, "search", "--name", "^%s$" % re.escape(title), check=False)
    assert r.stdout.strip() == "", "window %r still there" % title


def boot(tmp_path, opt, disp):
    """The umid directory is private to the test."""
    return Guest(tmp_path, [opt, "umid=xt-test", "uml_dir=%s/" % tmp_path],
                 env=dict(os.environ, DISPLAY=disp))


@pytest.mark.parametrize("opt,line,title,dev", [
    ("con1=xterm", "Virtual console 1", "Virtual Console #1", "tty1"),
    ("ssl0=xterm", "Serial line 0", "Serial Line #0", "ttyS0"),
])
def test_xterm_getty_login(tmp_path, display, opt, line, title, dev):
    g = boot(tmp_path, opt, display)
    try:
        m = g.wait_for((line + r": xterm started on (/dev/pts/\d+)").encode())
        # UML's title names the instance: "Virtual Console #1 (umid)".
        win = wait_window(display, title + " (xt-test)")
        pid = find_xterm(display, m.group(1).decode())
        g.send(GETTY_LOOP.format(tty=dev))
        guest_says(g, "ps | grep -c '[g]etty -L 0 %s'" % dev, "1")
        # The getty may flush input it got before its prompt: type the
        # name again until a login shell runs.
        end = time.time() + 10
        while True:
            type_line(display, win, "root")
            try:
                guest_says(g, "ps | grep -c '[-]sh$'", "1", timeout=3)
                break
            except AssertionError:
                if time.time() > end:
                    raise
        # Keys reach the shell; its output reaches the window (a title
        # escape the shell must expand first).
        type_line(display, win, "tty > /xterm_was_here; "
                  "printf '\\033]2;xterm-%s\\007' $((6*7))")
        assert wait_window(display, "xterm-42") == win
        guest_says(g, "cat /xterm_was_here", "/dev/" + dev)
        tree, pgid = process_tree(pid), os.getpgid(pid)
        assert len(tree) >= 2, tree     # xterm and the relay below it
    except BaseException:
        g.proc.terminate()      # the kernel stops its xterms as it exits
        g.proc.wait(timeout=10)
        raise
    g.finish()
    # The kernel stops the emulator as it exits: its window and every
    # process of it go.
    assert_all_gone(display, tree, pgid, "xterm-42")


def test_xterm_goes_when_the_kernel_is_killed(tmp_path, display):
    # SIGKILL leaves the kernel no exit path: the relay in the emulator
    # sees its pty close and ends it.
    g = boot(tmp_path, "con2=xterm", display)
    try:
        m = g.wait_for(rb"Virtual console 2: xterm started on (/dev/pts/\d+)")
        wait_window(display, "Virtual Console #2 (xt-test)")
        pid = find_xterm(display, m.group(1).decode())
        end = time.time() + 10
        while len(process_tree(pid)) < 3 and time.time() < end:
            time.sleep(0.05)        # xterm, the relay's writer and reader
        tree, pgid = process_tree(pid), os.getpgid(pid)
        assert len(tree) >= 3, tree
    finally:
        g.proc.kill()
        g.proc.wait(timeout=10)
    assert_all_gone(display, tree, pgid, "Virtual Console #2 (xt-test)")
