#!/usr/bin/env bash
# make layers, second half: the symbols each layer archive
# (BUILD/libcadet-LAYER.a) leaves undefined must come from itself, from
# a layer it may use (the table in tools/layers.sh), or from
# outside cadet (libc, libbpf, ...): never from another layer's archive.
# Link order alone misses an upward reference to a symbol that something
# else already pulled in; this does not.
#   tools/check-layer-links.sh [BUILD]     default build/
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

. tools/layers.sh

tmp=$(mktemp -d /tmp/cadet-links.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for l in "${layers[@]}"; do
	a="$build/libcadet-$l.a"
	[ -f "$a" ] || { echo "check-layer-links: no $a: build first (make)" >&2; exit 2; }
	nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/$l.def"
	nm -g --undefined-only "$a" 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/$l.undef"
done

bad=0
for l in "${layers[@]}"; do
	# Undefined here, defined by none of the layers it may use.
	# (bpf/ has no archive: its programs are loaded, not linked.)
	for d in $l ${allowed[$l]}; do
		[ ! -f "$tmp/$d.def" ] || cat "$tmp/$d.def"
	done | sort -u >"$tmp/$l.ok"
	comm -23 "$tmp/$l.undef" "$tmp/$l.ok" >"$tmp/$l.ext"
	for o in "${layers[@]}"; do
		[ "$o" = "$l" ] && continue
		while read -r sym; do
			echo "libcadet-$l.a needs $sym from libcadet-$o.a, a layer it may not use"
			bad=1
		done < <(comm -12 "$tmp/$l.ext" "$tmp/$o.def")
	done
done
[ "$bad" = 0 ] && echo "layer archives: no symbol taken from a layer above or beside"
exit "$bad"
