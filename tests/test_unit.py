"""Run every C unit-test program under build/tests/unit."""
import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINS = sorted(glob.glob(os.path.join(ROOT, "build/tests/unit/test_*")))
BINS = [b for b in BINS if not b.endswith(".d")]


@pytest.mark.parametrize("prog", BINS, ids=[os.path.basename(b) for b in BINS])
def test_unit(prog):
    r = subprocess.run([prog], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
