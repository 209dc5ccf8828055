"""Run every guest test program natively on the host.

The programs in tests/guest/ check Linux behaviour; they must pass on real
Linux before we hold our kernel to them.  Each prints "ok - ..." /
"not ok - ..." lines and a "# N checks, M failed" summary.
"""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRCS = sorted(glob.glob(os.path.join(ROOT, "tests/guest/*.c")))
NAMES = [os.path.splitext(os.path.basename(s))[0] for s in SRCS]


def binary(name):
    path = os.path.join(ROOT, "build/tests/guest", name)
    if not os.path.exists(path):
        subprocess.run(["make", "-s", "build/tests/guest/" + name], cwd=ROOT,
                       check=True, timeout=120)
    return path


@pytest.mark.parametrize("name", NAMES)
def test_guest_native(name, tmp_path):
    prog = binary(name)
    env = dict(os.environ)
    env.pop("UMLINUX_GUEST", None)  # never touch the host's hostname
    r = subprocess.run([prog], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"{name} exited {r.returncode}\n{out}"
    assert "not ok" not in r.stdout, out
    m = re.search(r"^# (\d+) checks, (\d+) failed$", r.stdout, re.M)
    assert m and int(m.group(1)) > 0 and m.group(2) == "0", out
