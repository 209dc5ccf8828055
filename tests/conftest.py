"""A private HOME for the whole run: a kernel keeps its umid directory in
~/.uml unless told otherwise, and one killed by a test (SIGKILL leaves no
chance to clean up) must not leave it in the real home."""
import os
import shutil
import tempfile

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_home():
    home = tempfile.mkdtemp(prefix="umlinux-test-home-")
    old = os.environ.get("HOME")
    os.environ["HOME"] = home
    yield home
    if old is None:
        del os.environ["HOME"]
    else:
        os.environ["HOME"] = old
    shutil.rmtree(home, ignore_errors=True)
