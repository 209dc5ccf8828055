#!/bin/sh
# Build a bootable ext4 root image from Debian's busybox-static and rootfs/.
# No root privileges and no loop mount: the tree is staged in a directory
# and written into the image by mke2fs -d.
#
# usage: tools/mkimage.sh OUT.img [SIZE_MB] [HOSTDIR:GUESTDIR]...
set -eu
out=${1:?usage: mkimage.sh OUT.img [SIZE_MB] [HOSTDIR:GUESTDIR]...}
shift
size=64
case "${1:-}" in [0-9]*) size=$1; shift ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "mkimage: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for d in bin sbin usr/bin usr/sbin etc/init.d dev proc sys tmp root mnt var/log home; do
	mkdir -p "$stage/$d"
done
chmod 1777 "$stage/tmp"
chmod 700 "$stage/root"
cp "$busybox" "$stage/bin/busybox"
for path in $("$busybox" --list-full); do
	[ "$path" = bin/busybox ] && continue
	mkdir -p "$stage/$(dirname "$path")"
	ln -sf /bin/busybox "$stage/$path"
done
cp -a "$top/rootfs/." "$stage/"
chmod 755 "$stage/etc/init.d/rcS"
chmod 600 "$stage/etc/shadow"
for spec in "$@"; do
	src=${spec%%:*}
	dst=${spec#*:}
	mkdir -p "$stage/$dst"
	cp -a "$src/." "$stage/$dst/"
done
rm -f "$out"
mke2fs -q -F -t ext4 -L umlinux-root -E root_owner=0:0 -d "$stage" "$out" "${size}M"
echo "mkimage: wrote $out (${size} MiB)"
