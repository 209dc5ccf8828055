"""Random system calls with hostile arguments (tests/fuzz/sysfuzz.c) must
not crash, hang or oops the kernel; the guest goes on afterwards."""
import subprocess

import pytest

from guest import TEST_IMG, image_copy, run_shell


@pytest.mark.parametrize("seed", [1, 10, 12])
def test_syscall_fuzz_leaves_the_kernel_healthy(tmp_path, seed):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "cd /tmp; setsid /opt/fuzz/sysfuzz %d 8 500 </dev/null >/tmp/log 2>&1;"
                       " echo fuzz-rc=$?\ngrep -a sysfuzz: /tmp/log\n"
                       "echo after > /root/after; cat /root/after\n" % seed,
                  args=["mem=128M"], timeout=240)
    assert "BUG: kernel" not in r.stdout + r.stderr
    assert "fuzz-rc=0" in r.stdout
    assert "\nafter" in r.stdout
    assert r.returncode == 0


def test_syscall_fuzz_on_the_ext_root_leaves_it_consistent(tmp_path):
    """The same with /tmp on the ext root: what the calls do to files
    there (huge offsets, fallocate, truncate) must leave e2fsck clean.
    Seed 231 once wrote at an offset past ext4's largest file, and
    libext2fs wrapped the block numbers."""
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "umount /tmp; cd /tmp; setsid /opt/fuzz/sysfuzz 231 8 500"
                       " </dev/null >/tmp/log 2>&1; echo fuzz-rc=$?\n",
                  args=["mem=128M"], timeout=240)
    assert "BUG: kernel" not in r.stdout + r.stderr
    assert "fuzz-rc=0" in r.stdout
    assert r.returncode == 0
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
