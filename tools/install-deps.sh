#!/bin/sh
# Install the Debian packages the build and the tests need (idempotent).
set -e
pkgs="gcc libc6-dev make pkg-config e2fsprogs libext2fs-dev busybox-static tar coreutils \
python3-pytest python3-pexpect uml-utilities procps fdisk xvfb xterm xdotool"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
