"""Helpers for system tests: boot the kernel on a private copy of an image."""
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINUX = os.path.join(ROOT, "build", "linux")
ROOT_IMG = os.path.join(ROOT, "build", "root.img")
TEST_IMG = os.path.join(ROOT, "build", "test.img")


def image_copy(tmpdir, src=ROOT_IMG, name="disk.img"):
    """A private copy of an image: a running kernel locks its image."""
    dst = os.path.join(str(tmpdir), name)
    shutil.copyfile(src, dst)
    return dst


def private_uml_dir(image, args):
    """uml_dir= beside the image (in the test's tmp dir) unless the test
    gives its own: no umid directory is left in ~/.uml."""
    if any(str(a).startswith("uml_dir=") for a in args):
        return []
    return ["uml_dir=%s/" % os.path.dirname(os.path.abspath(image))]


def run_shell(image, script, timeout=60, args=(), env=None):
    """Boot with init=/bin/sh reading `script` from a pipe.

    /proc and /tmp are mounted first; the script should end the guest with
    `poweroff -f` (added if missing). Returns the CompletedProcess with
    text stdout (kernel console) and stderr."""
    prologue = "mount -t proc proc /proc 2>/dev/null; mount -t tmpfs tmpfs /tmp\n"
    if "poweroff" not in script:
        script = script.rstrip("\n") + "\npoweroff -f\n"
    cmd = [LINUX, "ubd0=" + image, "init=/bin/sh", *args,
           *private_uml_dir(image, args)]
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run(cmd, input=prologue + script, capture_output=True,
                          text=True, timeout=timeout, env=e)


def spawn(image, args=(), timeout=30):
    """A pexpect session on the kernel's console (a real pty)."""
    import pexpect
    return pexpect.spawn(LINUX, ["ubd0=" + image, *args, *private_uml_dir(image, args)],
                         timeout=timeout,
                         encoding="utf-8", codec_errors="replace",
                         dimensions=(40, 120))
