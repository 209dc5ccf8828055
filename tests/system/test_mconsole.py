"""The management console and the umid directory, driven with Debian's
/usr/bin/uml_mconsole and with our build/tools/uml_mconsole."""
import os
import re
import socket
import struct
import subprocess
import time

import pytest

from guest import LINUX, ROOT, image_copy

DEBIAN = "/usr/bin/uml_mconsole"
OURS = os.path.join(ROOT, "build", "tools", "uml_mconsole")
CLIENTS = [pytest.param(DEBIAN, id="debian"), pytest.param(OURS, id="ours")]
MAGIC = 0xCAFEBABE


def wait_for(cond, timeout=10.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Guest:
    """A kernel booted in the background: init=/bin/sh reading a pipe
    (init=None: the image's own init), console output collected in a
    file."""

    def __init__(self, tmp_path, umid="mc", args=(), uml_dir=None, env=None, wait=True,
                 init="/bin/sh"):
        self.tmp = tmp_path
        self.uml_dir = str(uml_dir or tmp_path / "uml")
        self.umid = umid
        self.img = image_copy(tmp_path)
        self.log = open(tmp_path / ("console-%s.txt" % (umid or "random")), "w+")
        cmd = [LINUX, "ubd0=" + self.img, *args]
        if init:
            cmd.append("init=" + init)
        if uml_dir is not False:
            cmd.append("uml_dir=" + self.uml_dir)
        if umid:
            cmd.append("umid=" + umid)
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.log,
                                  stderr=subprocess.STDOUT, env=env)
        if wait:
            self.ready()

    def ready(self, mount=True):
        wait_for(lambda: os.path.exists(self.sock), what="mconsole socket " + self.sock)
        if mount:
            self.run("mount -t proc proc /proc; mount -t tmpfs tmpfs /tmp")

    @property
    def dir(self):
        return os.path.join(self.uml_dir, self.umid)

    @property
    def sock(self):
        return os.path.join(self.dir, "mconsole")

    def sh(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def expect(self, pattern, timeout=10):
        return wait_for(lambda: re.search(pattern, self.output(), re.S), timeout,
                        "%r in console output" % pattern)

    def run(self, line, timeout=10):
        """Run a guest command; returns its output (between markers made by
        shell arithmetic, so the echoed input does not match)."""
        self.n = getattr(self, "n", 0) + 1
        self.sh("echo B$((%d+0))B; %s; echo E$((%d+0))E" % (self.n, line, self.n))
        m = self.expect(r"B%dB\r?\n(.*?)E%dE" % (self.n, self.n), timeout)
        return m.group(1)

    def mc(self, client, *cmd, timeout=10):
        r = subprocess.run([client, self.sock, *cmd], capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout

    def wait(self, timeout=20):
        return self.p.wait(timeout=timeout)

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.log.close()


@pytest.fixture
def guests():
    started = []
    yield lambda *a, **k: started.append(Guest(*a, **k)) or started[-1]
    for g in started:
        g.close()


# ---- the umid directory -------------------------------------------------

def test_umid_directory_lifecycle_and_halt(tmp_path, guests):
    g = guests(tmp_path, umid="life")
    assert sorted(os.listdir(g.dir)) == ["mconsole", "pid"]
    with open(os.path.join(g.dir, "pid")) as f:
        assert f.read() == "%d\n" % g.p.pid
    g.expect(r"mconsole \(version 2\) initialized on " + re.escape(g.sock))
    rc, out = g.mc(DEBIAN, "halt")
    assert (rc, out) == (0, "OK \n")
    assert g.wait() == 0
    assert not os.path.exists(g.dir)


def test_exit_status_follows_proc_exitcode_on_halt(tmp_path, guests):
    g = guests(tmp_path)
    g.run("echo 7 > /proc/exitcode")
    assert g.mc(OURS, "halt")[0] == 0
    assert g.wait() == 7
    assert not os.path.exists(g.dir)


def test_sigterm_removes_directory(tmp_path, guests):
    g = guests(tmp_path)
    g.p.terminate()
    assert g.wait() == 1
    assert not os.path.exists(g.dir)


def test_sigterm_while_stopped_still_halts(tmp_path, guests):
    g = guests(tmp_path)
    assert g.mc(OURS, "stop") == (0, "OK stopped\n")
    g.p.terminate()
    assert g.wait() == 1
    assert not os.path.exists(g.dir)


def test_init_death_removes_directory(tmp_path, guests):
    g = guests(tmp_path)
    g.sh("exit 0")
    assert g.wait() == 134
    assert not os.path.exists(g.dir)


def test_stale_directory_is_reclaimed(tmp_path, guests):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / "uml" / "stale"
    stale.mkdir(parents=True)
    (stale / "pid").write_text("%d\n" % dead.pid)
    (stale / "junk").write_text("left over")
    g = guests(tmp_path, umid="stale")
    assert sorted(os.listdir(g.dir)) == ["mconsole", "pid"]
    assert g.mc(OURS, "version")[0] == 0
    # An unreadable pid file is stale too.
    g.mc(OURS, "halt")
    g.wait()
    stale.mkdir()
    (stale / "pid").write_text("garbage")
    g2 = guests(tmp_path, umid="stale")
    assert g2.mc(DEBIAN, "version")[0] == 0


def test_live_duplicate_umid_is_refused(tmp_path, guests):
    g = guests(tmp_path, umid="dup")
    img2 = image_copy(tmp_path, name="other.img")
    r = subprocess.run([LINUX, "ubd0=" + img2, "init=/bin/sh", "umid=dup",
                        "uml_dir=" + g.uml_dir], input="poweroff -f\n",
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert 'umid "dup" is already in use by pid %d' % g.p.pid in r.stderr
    assert "Linux version" not in r.stdout
    # The first kernel is untouched.
    assert sorted(os.listdir(g.dir)) == ["mconsole", "pid"]
    assert g.mc(OURS, "version")[0] == 0


def test_bad_umid_and_unwritable_uml_dir(tmp_path):
    img = image_copy(tmp_path)
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/sh", "umid=a/b",
                        "uml_dir=" + str(tmp_path / "uml")], input="poweroff -f\n",
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and 'umid "a/b" is not a valid directory name' in r.stderr
    # A uml_dir that cannot be made is reported, and the machine still boots.
    r = subprocess.run([LINUX, "ubd0=" + img, "init=/bin/sh", "umid=x",
                        "uml_dir=" + str(tmp_path / "no" / "such" / "dir")],
                       input="echo booted-$((1+1))\npoweroff -f\n", capture_output=True,
                       text=True, timeout=20)
    assert "Failed to create uml_dir" in r.stderr and "without a umid directory" in r.stderr
    assert "booted-2" in r.stdout and r.returncode == 0


def test_crash_removes_directory_and_notifies(tmp_path, guests):
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    n.bind(path)
    n.settimeout(10)
    g = guests(tmp_path, args=["mconsole=notify:" + path])
    assert struct.unpack("<IIII", n.recv(2000)[:16])[2] == 0
    # panic() ends in abort(): the same path as this signal.
    g.p.send_signal(6)
    assert g.wait() == -6
    assert not os.path.exists(g.dir)
    d = n.recv(2000)
    assert struct.unpack("<IIII", d[:16])[:3] == (MAGIC, 2, 1)
    assert d.endswith(b"\0")


def test_random_umid(tmp_path, guests):
    g = guests(tmp_path, umid=None, wait=False)
    d = tmp_path / "uml"
    names = wait_for(lambda: [n for n in os.listdir(d) if os.path.exists(d / n / "mconsole")]
                     if d.exists() else None, what="a umid directory")
    assert len(names) == 1 and re.fullmatch(r"[A-Za-z0-9]{6}", names[0])
    g.umid = names[0]
    g.expect("initialized on " + re.escape(g.sock))
    assert g.mc(OURS, "halt")[0] == 0
    assert g.wait() == 0
    assert os.listdir(d) == []


def test_umid_name_resolution_through_home(tmp_path, guests):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    g = guests(tmp_path, umid="byname", uml_dir=False, env=env, wait=False)
    g.uml_dir = str(home / ".uml")
    g.ready()
    g.expect("initialized on " + re.escape(str(home / ".uml" / "byname" / "mconsole")))
    for client in (DEBIAN, OURS):
        r = subprocess.run([client, "byname", "version"], capture_output=True, text=True,
                           env=env, timeout=10)
        assert r.returncode == 0 and r.stdout.startswith("OK Linux "), r
    r = subprocess.run([OURS, "nosuch", "version"], capture_output=True, text=True,
                       env=env, timeout=10)
    assert r.returncode == 1
    assert "couldn't stat file: %s/.uml/nosuch/mconsole" % home in r.stderr


# ---- commands -----------------------------------------------------------

@pytest.mark.parametrize("client", CLIENTS)
def test_query_commands(tmp_path, guests, client):
    g = guests(tmp_path)
    rc, out = g.mc(client, "version")
    assert rc == 0 and re.fullmatch(r"OK Linux \(none\) \S+ #1 .* x86_64\n", out), out
    rc, out = g.mc(client, "help")
    assert rc == 0 and "stack <pid>" in out and "sysrq" in out
    assert g.mc(client, "config", "ubd0") == (0, "OK %s\n" % g.img)
    assert g.mc(client, "config", "ubd5") == (0, "OK \n")
    rc, out = g.mc(client, "config", "ubd16")
    assert rc == 1 and "out of range" in out
    rc, out = g.mc(client, "proc", "meminfo")
    assert rc == 0 and out.startswith("OK \nMemTotal:") and "Committed_AS" in out
    rc, out = g.mc(client, "proc", "/cmdline")
    assert rc == 0 and "umid" not in out and "init=/bin/sh" in out
    assert g.mc(client, "proc", "nosuchfile") == (1, "ERR Failed to open file\n")
    rc, out = g.mc(client, "stack", "1")
    assert rc == 0 and "RIP:" in out and "Stack:" in out
    assert g.mc(client, "stack", "4242")[1] == "ERR Couldn't find that pid\n"
    assert g.mc(client, "stack")[1] == "ERR Please specify a pid\n"
    assert g.mc(client, "frobnicate")[1] == "ERR Unknown command\n"
    assert g.mc(client, "versionXYZ")[1].startswith("OK Linux")
    assert g.mc(client, "go")[1] == "ERR Not stopped\n"
    assert g.mc(client, "config", "eth0=slirp")[1] == "ERR Bad configuration option\n"
    assert g.mc(client, "remove", "mem")[0] == 1
    rc, out = g.mc(client, "remove", "ubd0")
    assert rc == 240 and "currently open" in out
    assert g.mc(client, "remove", "ubd7")[1] == "ERR Device doesn't exist\n"
    assert g.run("echo alive") == "alive\r\n" or "alive" in g.run("echo alive")


@pytest.mark.parametrize("client", CLIENTS)
def test_log_and_sysrq(tmp_path, guests, client):
    g = guests(tmp_path)
    # Both clients send the text, then "log \n" to end the line.
    assert g.mc(client, "log", "hello", "from", "the", "host") == (0, "OK \nOK \n")
    g.expect("hello from the host")
    assert "hello from the host" in g.run("dmesg | tail -5")
    rc, out = g.mc(client, "sysrq", "m")
    assert rc == 0 and "sysrq: Show Memory" in out and "kB committed" in out
    # The output went through the kernel log: the guest's dmesg has it.
    assert re.search(r"sysrq: Show Memory.*kB committed", g.run("dmesg | tail -20"), re.S)
    rc, out = g.mc(client, "sysrq", "t")
    assert rc == 0 and re.search(r"task:sh\s+state:\S pid:1 ", out), out
    rc, out = g.mc(client, "sysrq", "h")
    assert rc == 0 and "show-memory-usage(m)" in out
    rc, out = g.mc(client, "sysrq", "s")
    assert rc == 0 and "Emergency Sync" in out
    rc, out = g.mc(client, "sysrq", "u")
    assert rc == 0 and "Emergency Remount" in out
    # e: SIGTERM to everything but init.
    g.sh("sleep 100 &")
    g.expect(r"\[\d+\] \d+|\n")
    wait_for(lambda: "sleep" in g.mc(client, "sysrq", "t")[1], what="sleep running")
    rc, out = g.mc(client, "sysrq", "e")
    assert rc == 0 and "Terminate All Tasks" in out
    wait_for(lambda: not re.search(r"task:sleep\s+state:[^Z]", g.mc(client, "sysrq", "t")[1]),
             what="sleep killed")
    assert "alive" in g.run("echo alive")
    # i: SIGKILL, even for a process ignoring SIGTERM.
    g.sh("sh -c 'trap \"\" TERM; sleep 100' &")
    wait_for(lambda: "task:sleep" in g.mc(client, "sysrq", "t")[1], what="sleep running")
    g.mc(client, "sysrq", "e")
    time.sleep(0.3)
    assert g.mc(client, "sysrq", "i")[0] == 0
    wait_for(lambda: not re.search(r"task:sleep\s+state:[^Z]", g.mc(client, "sysrq", "t")[1]),
             what="sleep killed")
    assert "alive" in g.run("echo alive")


@pytest.mark.parametrize("client", CLIENTS)
def test_config_ubd_hot_add_and_remove(tmp_path, guests, client):
    g = guests(tmp_path)
    extra = image_copy(tmp_path, name="extra.img")
    # A relative path: both clients make it absolute against their cwd.
    r = subprocess.run([client, g.sock, "config", "ubd3=extra.img"], capture_output=True,
                       text=True, cwd=str(tmp_path), timeout=10)
    assert (r.returncode, r.stdout) == (0, "OK \n"), r
    assert "ubdd" in g.run("ls /dev")
    assert g.mc(client, "config", "ubd3") == (0, "OK %s\n" % extra)
    rc, out = g.mc(client, "config", "ubd3=" + extra)
    assert rc == 1 and "already configured" in out
    g.run("mkdir -p /mnt/d && mount /dev/ubdd /mnt/d && ls /mnt/d")
    rc, out = g.mc(client, "remove", "ubd3")
    assert rc == 240 and "currently open" in out and "/mnt/d" in out
    g.run("umount /mnt/d")
    # Held open by a guest process: refused with the reason.
    g.sh("sleep 100 < /dev/ubdd &")
    wait_for(lambda: "task:sleep" in g.mc(client, "sysrq", "t")[1], what="sleep running")
    rc, out = g.mc(client, "remove", "ubd3")
    assert rc == 240 and "currently open" in out
    g.run("kill %1; wait")
    assert g.mc(client, "remove", "ubd3") == (0, "OK \n")
    assert g.mc(client, "config", "ubd3") == (0, "OK \n")
    rc, out = g.mc(client, "config", "ubd4=" + str(tmp_path / "missing.img"))
    assert rc != 0 and "missing.img" in out
    rc, out = g.mc(client, "config", "ubd4x=" + extra)
    assert rc == 234 and "flag" in out


@pytest.mark.parametrize("client", CLIENTS)
def test_config_mem_changes_meminfo(tmp_path, guests, client):
    g = guests(tmp_path, args=["mem=64M"])
    assert g.mc(client, "config", "mem") == (0, "OK %d\n" % (64 << 20))
    assert g.mc(client, "config", "mem=128M") == (0, "OK \n")
    assert re.search(r"MemTotal:\s+131072 kB", g.run("grep MemTotal /proc/meminfo"))
    # A relative increase, seen by the guest.
    assert g.mc(client, "config", "mem=+16M") == (0, "OK \n")
    assert re.search(r"MemTotal:\s+147456 kB", g.run("grep MemTotal /proc/meminfo"))
    assert g.mc(client, "config", "mem=-48M")[0] == 0
    assert re.search(r"MemTotal:\s+98304 kB", g.mc(client, "proc", "meminfo")[1])
    rc, out = g.mc(client, "config", "mem=1M")
    assert rc == 1 and "minimum" in out
    rc, out = g.mc(client, "config", "mem=lots")
    assert rc == 1 and "Failed to parse" in out
    assert g.mc(client, "config", "mem") == (0, "OK %d\n" % (96 << 20))


@pytest.mark.parametrize("client", CLIENTS)
def test_config_console_and_serial_lines(tmp_path, guests, client):
    g = guests(tmp_path)
    assert g.mc(client, "config", "con0") == (0, "OK fd:0,fd:1\n")
    rc, out = g.mc(client, "config", "ssl1")
    assert rc == 1 and "not configured" in out
    out_file = str(tmp_path / "ssl1.out")
    assert g.mc(client, "config", "ssl1=file:" + out_file) == (0, "OK \n")
    assert g.mc(client, "config", "ssl1") == (0, "OK file:%s\n" % out_file)
    g.run("echo through-ttyS1 > /dev/ttyS1")
    wait_for(lambda: os.path.exists(out_file) and "through-ttyS1" in open(out_file).read(),
             what="serial line output in the host file")
    rc, out = g.mc(client, "config", "ssl1=null")
    assert rc == 1 and "already configured" in out
    rc, out = g.mc(client, "config", "ssl2=bogus")
    assert rc == 1 and "No match for configured backends" in out
    rc, out = g.mc(client, "config", "con99=null")
    assert rc == 1 and "out of range" in out
    # con0 is the init shell's terminal: open
    assert g.mc(client, "config", "con0=null") == (1, "ERR Device is already open\n")
    assert g.mc(client, "config", "con=null") == (
        1, "ERR Can't configure all devices from mconsole\n")


@pytest.mark.parametrize("client", CLIENTS)
def test_stop_freezes_guest_until_go(tmp_path, guests, client):
    g = guests(tmp_path)
    g.sh("while true; do date; sleep 0.2; done &")
    wait_for(lambda: g.output().count("UTC") >= 2, what="date output")
    assert g.mc(client, "stop") == (0, "OK stopped\n")
    time.sleep(0.3)
    before = g.output().count("UTC")
    # The mconsole answers while everything else is frozen.
    assert g.mc(client, "version")[1].startswith("OK Linux")
    assert g.mc(client, "stop")[1] == "ERR Already stopped\n"
    assert g.mc(client, "proc", "meminfo")[0] == 0
    time.sleep(1.2)
    assert g.output().count("UTC") == before
    assert g.mc(client, "go") == (0, "OK \n")
    wait_for(lambda: g.output().count("UTC") >= before + 2, what="date output after go")


def host_descendants(pid):
    """(pid, state, utime) of every host process below pid."""
    procs = {}
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        procs[int(d)] = (int(fields[1]), fields[0], int(fields[11]))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c, (ppid, state, utime) in procs.items():
            if ppid == p:
                out.append((c, state, utime))
                todo.append(c)
    return out


def test_stop_freezes_a_busy_guest_process(tmp_path, guests):
    g = guests(tmp_path)
    g.sh("while :; do :; done &")
    wait_for(lambda: any(s == "R" for _, s, _ in host_descendants(g.p.pid)),
             what="a busy guest process")
    assert g.mc(OURS, "stop") == (0, "OK stopped\n")
    time.sleep(0.3)
    frozen = host_descendants(g.p.pid)
    assert frozen and all(s == "t" for _, s, _ in frozen), frozen
    time.sleep(1)
    assert host_descendants(g.p.pid) == frozen     # no CPU time used either
    assert g.mc(DEBIAN, "go") == (0, "OK \n")
    wait_for(lambda: any(s == "R" for _, s, _ in host_descendants(g.p.pid)),
             what="the busy process running again")


def test_cad_restarts_while_cad_is_enabled(tmp_path, guests):
    """init=/bin/sh never turns C-A-D off: Ctrl-Alt-Del restarts the
    kernel at once, as Linux does, and init's SIGINT trap does not run."""
    g = guests(tmp_path)
    g.run("trap 'echo got-sig$((0+1))int' INT")
    assert g.mc(DEBIAN, "cad") == (0, "OK \n")
    wait_for(lambda: g.output().count("Linux version") == 2, timeout=20, what="second boot")
    assert "reboot: Restarting system" in g.output()
    assert "got-sig1int" not in g.output()
    wait_for(lambda: os.path.exists(g.sock), what="socket after restart")
    assert g.mc(OURS, "halt") == (0, "OK \n")
    assert g.wait() == 0


@pytest.mark.parametrize("client", CLIENTS)
def test_reboot_reexecutes_with_same_umid(tmp_path, guests, client):
    g = guests(tmp_path)
    pid_before = open(os.path.join(g.dir, "pid")).read()
    assert g.mc(client, "reboot") == (0, "OK \n")
    wait_for(lambda: g.output().count("Linux version") == 2, what="second boot")
    wait_for(lambda: os.path.exists(g.sock), what="socket after reboot")
    assert open(os.path.join(g.dir, "pid")).read() == pid_before
    assert g.mc(client, "version")[0] == 0
    assert g.mc(client, "halt")[0] == 0
    assert g.wait() == 0
    assert not os.path.exists(g.dir)


def test_sysrq_b_and_o(tmp_path, guests):
    g = guests(tmp_path, umid="rb")
    assert g.mc(DEBIAN, "sysrq", "b") == (0, "OK \n")
    wait_for(lambda: g.output().count("Linux version") == 2, what="second boot")
    wait_for(lambda: os.path.exists(g.sock), what="socket after reboot")
    rc, out = g.mc(OURS, "sysrq", "o")
    assert rc == 0 and "Power Off" in out
    assert g.wait() == 0
    assert not os.path.exists(g.dir)


# ---- clients ------------------------------------------------------------

@pytest.mark.parametrize("client", CLIENTS)
def test_interactive_client(tmp_path, guests, client):
    g = guests(tmp_path)
    script = "version\nmconsole-version\nconfig ubd0\nbogus\nquit\nversion\n"
    r = subprocess.run([client, g.sock], input=script, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0
    assert r.stdout.count("OK Linux") == 1       # nothing after quit
    assert "uml_mconsole client version 2" in r.stdout
    assert "OK %s\n" % g.img in r.stdout
    assert "ERR Unknown command" in r.stdout


def test_our_client_usage_and_long_command(tmp_path, guests):
    r = subprocess.run([OURS], capture_output=True, text=True)
    assert r.returncode == 1 and "Usage" in r.stderr
    g = guests(tmp_path)
    r = subprocess.run([OURS, g.sock, "log", "x" * 600], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1 and "too long" in r.stderr


def test_our_client_log_file(tmp_path, guests):
    g = guests(tmp_path)
    f = tmp_path / "msgs.txt"
    f.write_text("first line from file\n" + "y" * 700 + "\n")
    r = subprocess.run([OURS, g.sock], input="log -f %s\n" % f, capture_output=True,
                       text=True, timeout=10)
    assert r.stdout.count("OK") == 2
    g.expect("first line from file")


# ---- the wire protocol, raw --------------------------------------------

def raw_client(tmp_path, name="raw"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(tmp_path / name))
    s.settimeout(5)
    return s


def request(cmd, magic=MAGIC, version=2, length=None, pad=True):
    data = cmd.encode()
    hdr = struct.pack("<III", magic, version, len(data) if length is None else length)
    return hdr + (data.ljust(512, b"\0") if pad else data)


def replies(s):
    """Read one whole reply: [(err, more, text)] until more == 0."""
    out = []
    while True:
        d = s.recv(2000)
        err, more, ln = struct.unpack("<iII", d[:12])
        assert len(d) == 12 + ln and 1 <= ln <= 512 and d[-1] == 0
        out.append((err, more, d[12:-1].decode()))
        if not more:
            return out


def test_malformed_requests(tmp_path, guests):
    g = guests(tmp_path)
    s = raw_client(tmp_path)
    # No magic: one bare text datagram.
    s.sendto(b"version\0", g.sock)
    assert s.recv(2000) == b"ERR Version 0 mconsole clients are not supported by this driver"
    s.sendto(request("version", magic=0x12345678), g.sock)
    assert s.recv(2000).startswith(b"ERR Version 0")
    # Too large.
    s.sendto(request("version", length=512), g.sock)
    assert replies(s) == [(1, 0, "Request too large")]
    s.sendto(request("version", length=0xFFFFFFFF), g.sock)
    assert replies(s) == [(1, 0, "Request too large")]
    # Wrong version: an error, then the command still runs.
    s.sendto(request("version", version=1), g.sock)
    assert replies(s) == [(1, 0, "This driver only supports version 2 clients")]
    err, more, text = replies(s)[0]
    assert err == 0 and text.startswith("Linux")
    # Shorter than the header, and a length beyond the datagram.
    s.sendto(struct.pack("<II", MAGIC, 2), g.sock)
    assert "shorter than the 12-byte header" in replies(s)[0][2]
    s.sendto(request("version", length=100, pad=False), g.sock)
    assert "exceeds the datagram" in replies(s)[0][2]
    # A short but complete datagram is fine; so is an oversized one.
    s.sendto(request("version", pad=False), g.sock)
    assert replies(s)[0][2].startswith("Linux")
    s.sendto(request("version") + b"z" * 3000, g.sock)
    assert replies(s)[0][2].startswith("Linux")
    s.sendto(b"", g.sock)
    assert s.recv(2000).startswith(b"ERR Version 0")
    # An unbound client cannot be answered; the request is dropped.
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.sendto(request("halt"), g.sock)
    u.close()
    # Garbage commands and binary junk.
    s.sendto(request("\x01\x02\xff"), g.sock)
    assert replies(s) == [(1, 0, "Unknown command")]
    s.sendto(request(""), g.sock)
    assert replies(s) == [(1, 0, "Unknown command")]
    # The kernel is still fine.
    assert g.p.poll() is None
    assert "alive" in g.run("echo alive")
    assert g.mc(OURS, "version")[0] == 0


def test_long_reply_is_split_into_packets(tmp_path, guests):
    g = guests(tmp_path)
    s = raw_client(tmp_path)
    s.sendto(request("proc meminfo"), g.sock)
    packets = replies(s)
    assert packets[0] == (0, 1, "\n")
    assert packets[-1] == (0, 0, "")
    assert all(more == 1 for _, more, _ in packets[:-1])
    assert len(packets) >= 4 and all(len(t) <= 511 for _, _, t in packets)
    text = "".join(t for _, _, t in packets)
    assert text.startswith("\nMemTotal:") and text.count("kB") > 20
    # help is longer than one packet too.
    s.sendto(request("help"), g.sock)
    packets = replies(s)
    assert len(packets) >= 2 and packets[0][1] == 1


def test_slow_reader_still_gets_the_last_packet(tmp_path, guests):
    """More packets than the host's datagram queue holds (10): the kernel
    waits for the reader instead of dropping the final packet."""
    g = guests(tmp_path)
    for i in range(10):
        g.sh("sleep 100 &")
    wait_for(lambda: g.mc(OURS, "sysrq", "t")[1].count("task:sleep") == 10, what="sleeps")
    s = raw_client(tmp_path)
    s.sendto(request("sysrq t"), g.sock)
    time.sleep(0.5)
    packets = replies(s)
    assert packets[-1] == (0, 0, "")
    assert len(packets) > 10


def test_notify_socket(tmp_path, guests):
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    n.bind(path)
    n.settimeout(10)
    g = guests(tmp_path, args=["mconsole=notify:" + path])
    d = n.recv(2000)
    magic, version, typ, ln = struct.unpack("<IIII", d[:16])
    assert (magic, version, typ) == (MAGIC, 2, 0)
    assert len(d) == 16 + ln
    assert d[16:] == g.sock.encode() + b"\0"


def notify_socket(tmp_path):
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    n.bind(path)
    n.settimeout(10)
    return n, path


def test_user_notify_through_proc_mconsole(tmp_path, guests):
    n, path = notify_socket(tmp_path)
    g = guests(tmp_path, args=["mconsole=notify:" + path])
    assert struct.unpack("<IIII", n.recv(2000)[:16])[2] == 0
    g.run("echo -n hello > /proc/mconsole")
    assert n.recv(2000) == struct.pack("<IIII", MAGIC, 2, 3, 5) + b"hello"
    # One datagram per write; bytes past 512 are cut off, as in UML.
    out = g.run("dd if=/dev/zero of=/proc/mconsole bs=700 count=1 2>&1")
    assert "1+0 records out" in out, out
    d = n.recv(2000)
    assert d[:16] == struct.pack("<IIII", MAGIC, 2, 3, 512) and d[16:] == b"\0" * 512
    # Write-only, and reading it is EIO.
    assert g.run("ls -l /proc/mconsole").startswith("--w------- ")
    assert "Input/output error" in g.run("cat /proc/mconsole 2>&1")
    assert "mconsole" in g.run("ls /proc").split()
    n.settimeout(0.3)
    with pytest.raises(socket.timeout):
        n.recv(2000)


def test_proc_mconsole_absent_without_notify(tmp_path, guests):
    g = guests(tmp_path)
    assert "No such file or directory" in g.run("cat /proc/mconsole 2>&1")
    assert "mconsole" not in g.run("ls /proc").split()


@pytest.mark.parametrize("client", CLIENTS)
def test_proc_reads_kernel_procfs_before_guest_mounts_it(tmp_path, guests, client):
    g = guests(tmp_path, wait=False)
    g.ready(mount=False)
    assert g.run("ls /proc | wc -l").strip() == "0"
    rc, out = g.mc(client, "proc", "uptime")
    assert rc == 0 and re.fullmatch(r"OK \n\d+\.\d\d \d+\.\d\d\n\n", out), out
    rc, out = g.mc(client, "proc", "self/status")
    assert rc == 0 and "\nPid:\t1\n" in out
    assert g.mc(client, "proc", "sys/kernel/ostype") == (0, "OK \nLinux\n\n")
    # Nothing outside procfs: "..", and fd links to other files.
    for name in ("../etc/passwd", "/../etc/passwd", "sys/../../etc/passwd", "self/fd/0",
                 "self/cwd/etc/passwd", "self/root/etc/passwd"):
        assert g.mc(client, "proc", name) == (1, "ERR Failed to open file\n"), name
    assert g.mc(client, "proc", "sys") == (1, "ERR Read of file failed\n")
    # The guest still has no /proc, and keeps running.
    assert g.run("ls /proc | wc -l").strip() == "0"
    assert "alive" in g.run("echo alive")


def test_cad_reboots_with_the_images_inittab(tmp_path, guests):
    """busybox init turns C-A-D off and runs ::ctrlaltdel:/sbin/reboot on
    SIGINT: the machine goes down and boots again."""
    g = guests(tmp_path, umid="cad", init=None, wait=False)
    g.ready(mount=False)
    g.expect("umlinux: system is up")
    assert g.mc(DEBIAN, "cad") == (0, "OK \n")
    wait_for(lambda: g.output().count("Linux version") == 2, timeout=20, what="second boot")
    wait_for(lambda: g.output().count("umlinux: system is up") == 2, what="second init")
    # busybox init's own way down, not the kernel's C-A-D restart
    assert "The system is going down NOW!" in g.output()
    assert "reboot: Restarting system" in g.output()
    assert g.mc(OURS, "halt") == (0, "OK \n")
    assert g.wait() == 0
    assert not os.path.exists(g.dir)


@pytest.mark.parametrize("client", CLIENTS)
def test_config_query_of_a_cow_unit_names_both_files(tmp_path, guests, client):
    """UML answers "<cow-file>,<backing-file>" for a COW unit, whether it
    was given at boot or hot-added."""
    g = guests(tmp_path)
    backing = image_copy(tmp_path, name="backing.img")
    cow = str(tmp_path / "extra.cow")
    assert g.mc(client, "config", "ubd4=%s,%s" % (cow, backing)) == (0, "OK \n")
    assert g.mc(client, "config", "ubd4") == (0, "OK %s,%s\n" % (cow, backing))
    assert g.mc(client, "remove", "ubd4")[0] == 0
    assert g.mc(client, "config", "ubd4") == (0, "OK \n")
