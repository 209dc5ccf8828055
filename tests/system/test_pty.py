"""Pseudo-terminals in the guest: devpts mounted on /dev/pts at boot, a
shell run on a pty (busybox has no script(1): /opt/tests/tty script CMD
is a tiny one), devpts mounted again elsewhere, and the pty limit."""
import re

from guest import TEST_IMG, image_copy, run_shell


def test_shell_on_a_pty(tmp_path):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "grep devpts /proc/mounts\n"
                       "/opt/tests/tty script 'tty; echo he\"\"llo; ls -ln /dev/pts; exit 3'\n"
                       "echo SCRIPT-RC=$?\n"
                       "ls /dev/pts | tr '\\n' ' '; echo END-LS\n", timeout=60)
    out = r.stdout
    assert re.search(r"^devpts /dev/pts devpts rw,relatime,gid=5,mode=620,ptmxmode=000 0 0",
                     out, re.M), out
    # what the master read (text mode folds the \r of ONLCR)
    assert "\n/dev/pts/0\n" in out, out
    assert "\nhello\n" in out, out
    # the slave while it is open: 0620, owner root, group tty (5), 136:0
    assert re.search(r"crw--w----\s+1\s+0\s+5\s+136,\s+0 ", out), out
    assert re.search(r"c---------\s+1\s+0\s+0\s+5,\s+2 .*ptmx", out), out
    assert "SCRIPT-RC=3" in out, out
    # the pair is gone once both sides closed
    assert re.search(r"^ptmx END-LS", out, re.M), out


def test_devpts_mount_and_limit(tmp_path):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "mount -t devpts devpts /mnt && echo MOUNTED\n"
                       "ls /mnt | tr '\\n' ' '; echo END-LS\n"
                       "grep -c devpts /proc/mounts\n"
                       "umount /mnt && echo UMOUNTED\n"
                       "mount -t devpts -o bogus devpts /mnt || echo BAD-OPTION\n"
                       "/opt/tests/tty ptmax\n"
                       "/opt/tests/tty script 'tty'\n", timeout=60)
    out = r.stdout
    assert "MOUNTED" in out and "UMOUNTED" in out, out
    assert re.search(r"^ptmx END-LS", out, re.M), out
    assert re.search(r"^2\s*$", out, re.M), out
    assert "BAD-OPTION" in out, out
    # Linux's limit behaviour (kernel.pty.max): ENOSPC
    assert "opened 64, then ENOSPC" in out, out
    # every pty went with the process: index 0 is free again
    assert "\n/dev/pts/0\n" in out, out
