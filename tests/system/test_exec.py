"""Program loading: dynamic executables (PIE and fixed-address) through
their ELF interpreter, #! scripts, and error cases."""
from guest import TEST_IMG, image_copy, run_shell


def test_dynamic_executables(tmp_path):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "/opt/dyn/hello_pie one; /opt/dyn/hello_nopie two\n")
    assert "dyn-hello argc=2 arg1=one base=set random=set" in r.stdout, r.stdout[-2000:]
    assert "dyn-hello argc=2 arg1=two base=set random=set" in r.stdout


def test_scripts_and_exec_errors(tmp_path):
    img = image_copy(tmp_path, TEST_IMG)
    r = run_shell(img, "printf '#!/bin/sh -e\\necho script-args $0 $1\\n' > /tmp/s\n"
                       "chmod +x /tmp/s; /tmp/s first\n"
                       "printf 'garbage' > /tmp/g; chmod +x /tmp/g; /tmp/g; echo g-rc=$?\n"
                       "/tmp/nonexistent; echo n-rc=$?\n"
                       "chmod -x /tmp/s; /tmp/s; echo x-rc=$?\n")
    assert "script-args /tmp/s first" in r.stdout
    # busybox sh runs a file without a #! line as a script itself, as shells do
    assert "n-rc=127" in r.stdout
    assert "x-rc=126" in r.stdout
