#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mkrootfs.sh - build (once) and print the cached Debian root filesystem
# that cadet's containers run on.
#
#   injector/mkrootfs.sh                      build if missing, print path
#   injector/mkrootfs.sh strace gdb           same, with extra packages
#   injector/mkrootfs.sh --print-path [PKG..] only print where it would be
#   injector/mkrootfs.sh --list [PKG..]       print the package list
#
# The image is `debootstrap --variant=minbase --include=<packages>` of
# Debian bookworm. Its directory is named after a hash of the sorted
# package list (base list in injector/rootfs.packages plus the extra
# packages a scenario names), so a changed list gives a new image and an
# unchanged one is never rebuilt. Images are built in a temporary
# directory and renamed into place, so a crashed or interrupted build
# never leaves a half-built image behind under the final name.
#
# Environment:
#   CADET_ROOTFS_CACHE  cache directory (default /var/cache/cadet)
#   CADET_MIRROR        Debian mirror (default http://deb.debian.org/debian)
#   CADET_SUITE         Debian suite (default bookworm)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${CADET_ROOTFS_CACHE:-/var/cache/cadet}
mirror=${CADET_MIRROR:-http://deb.debian.org/debian}
suite=${CADET_SUITE:-bookworm}
variant=minbase
# Bump when the way the image is built changes, so old images are not used.
layout=1

die() {
	echo "mkrootfs: $*" >&2
	exit 1
}

usage() {
	sed -n '4,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode=build
case "${1:-}" in
--print-path) mode=path; shift ;;
--list) mode=list; shift ;;
-h|--help) usage; exit 0 ;;
-*) usage >&2; die "unknown option '$1'" ;;
esac

# Base list + extra packages: strip comments and blanks, sort, dedupe.
pkgfile=$here/rootfs.packages
[ -r "$pkgfile" ] || die "cannot read $pkgfile (run from a cadet checkout)"
for p in "$@"; do
	[[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] ||
		die "'$p' is not a valid Debian package name"
done
pkgs=$( { sed 's/#.*//' "$pkgfile"; printf '%s\n' "$@"; } |
	tr -s ' \t' '\n\n' | sed '/^$/d' | LC_ALL=C sort -u)
[ -n "$pkgs" ] || die "empty package list in $pkgfile"

key=$(printf 'layout=%s suite=%s variant=%s\n%s\n' \
	"$layout" "$suite" "$variant" "$pkgs" | sha256sum | cut -c1-16)
dest=$cache/rootfs-$key

case $mode in
path) echo "$dest"; exit 0 ;;
list) echo "$pkgs"; exit 0 ;;
esac

# The marker is written last, just before the rename: its presence means
# the image is complete.
if [ -f "$dest/.cadet-rootfs" ]; then
	echo "$dest"
	exit 0
fi

[ "$(id -u)" = 0 ] ||
	die "building the container image needs root (debootstrap mounts and chroots); run: sudo $0 $*"
command -v debootstrap >/dev/null ||
	die "debootstrap is missing; install it with: apt-get install debootstrap (or: make deps)"

mkdir -p "$cache"
# Concurrent builds (e.g. parallel scenarios) wait for each other
# instead of running debootstrap twice; the lock is the cache dir itself.
exec 9<"$cache"
flock 9
if [ -f "$dest/.cadet-rootfs" ]; then
	echo "$dest"
	exit 0
fi

# A directory without the marker is a leftover of an older, unfinished
# build: it is not trusted.
[ -e "$dest" ] && rm -rf --one-file-system "$dest"
tmp=$(mktemp -d "$cache/.rootfs-$key.XXXXXX")
log=$tmp.log
cleanup() {
	# debootstrap may leave proc/sys mounted in the chroot on failure.
	for m in proc sys dev/pts dev; do
		mountpoint -q "$tmp/$m" 2>/dev/null && umount -l "$tmp/$m"
	done
	rm -rf --one-file-system "$tmp"
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

list=$(echo "$pkgs" | paste -sd, -)
echo "mkrootfs: building the container image (Debian $suite $variant +" \
	"$(echo "$pkgs" | wc -l) packages) in $dest;" \
	"this takes about a minute, once" >&2
echo "mkrootfs: packages: $list" >&2
start=$SECONDS
if ! debootstrap --variant="$variant" --include="$list" \
		"$suite" "$tmp" "$mirror" >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "debootstrap failed (full log above: last 20 lines); check that $mirror is reachable and the package names exist in $suite"
fi

# Downloaded .debs and apt lists are only dead weight in the image.
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
echo "$pkgs" >"$tmp/etc/cadet-rootfs.packages"
printf 'suite=%s variant=%s layout=%s built=%s\n' "$suite" "$variant" \
	"$layout" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.cadet-rootfs"
chmod 0755 "$tmp"
mv -T "$tmp" "$dest"
echo "mkrootfs: built in $((SECONDS - start)) s" \
	"($(du -sh "$dest" | cut -f1))" >&2
echo "$dest"
