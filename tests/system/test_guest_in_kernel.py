"""The guest test programs, run inside the kernel.

Each program also runs natively (tests/test_guest_native.py); both must
pass. Every program gets its own boot from a fresh copy of the test image.
"""
import glob
import os
import re

import pytest

from guest import TEST_IMG, ROOT, image_copy, run_shell

PROGS = sorted(os.path.basename(p)[:-2]
               for p in glob.glob(os.path.join(ROOT, "tests/guest/*.c")))


@pytest.mark.parametrize("prog", PROGS)
def test_guest_program(tmp_path, prog):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "cd /tmp; UMLINUX_GUEST=1 /opt/tests/%s < /dev/null\n"
                       "echo GUEST-RC=$?\n" % prog, timeout=120)
    out = r.stdout
    m = re.search(r"GUEST-RC=(\d+)", out)
    assert m, "no result (kernel exit %d)\n%s\n%s" % (
        r.returncode, out[-4000:], r.stderr[-2000:])
    rc = m.group(1)
    failed = [l for l in out.splitlines() if l.startswith("not ok")]
    assert rc == "0", "\n".join(failed) + "\n" + out[-3000:]
