"""A real fork bomb: every process busy forking. The kernel must stay up,
give the other guests their turns (the login shell keeps answering), and
recover once the bomb is killed."""
import re
import time

import pexpect

from guest import image_copy, spawn


def wait_for_output(child, command, pattern, deadline):
    """Send `command` until its output matches `pattern` (a fork may fail
    while the process table is still full of zombies)."""
    while time.time() < deadline:
        child.sendline(command)
        i = child.expect([pattern, pexpect.TIMEOUT], timeout=5)
        if i == 0:
            return True
    return False


def test_fork_bomb_is_survived_and_killed(tmp_path):
    img = image_copy(tmp_path)
    child = spawn(img, args=["mem=64M", "uml_dir=%s/" % tmp_path], timeout=60)
    child.expect("umlinux login: ")
    child.sendline("root")
    child.expect(r"# ")
    child.sendline("(f() { f | f & }; f) 2>/dev/null & pg=$!")
    time.sleep(6)
    # Builtins need no fork: the shell must still get its turn.
    assert wait_for_output(child, "echo bomb-$((6*7))", r"bomb-42",
                           time.time() + 60)
    # The bomb is one process group, the job's (a kill -1 would also take
    # login, the session leader, and the shell with it, as on Linux).
    child.sendline("kill -9 -$pg; echo killed-$((5*5))")
    child.expect(r"killed-25", timeout=60)
    # init reaps the dead; forks work again.
    assert wait_for_output(child, "ls /proc | grep -c '^[0-9]'",
                           re.compile(r"\r\n(\d+)\r\n"), time.time() + 60)
    count = int(child.match.group(1))
    assert count < 50, "%d processes left after killing the bomb" % count
    child.sendline("poweroff")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
