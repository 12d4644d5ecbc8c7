#!/usr/bin/env bash
# The layer checks (tools/check-layers.sh, check-layer-links.sh): the tree
# and the archives pass them, and they refuse planted violations: an
# upward include, another folder's private header, an upward symbol.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools/check-layers.sh

tmp=$(mktemp -d /tmp/cadet-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tools" "$tmp/recorder" "$tmp/detect"
cp tools/check-layers.sh tools/layers.sh "$tmp/tools/"
printf '#include "replayer/replay.h"\n' >"$tmp/recorder/up.c"
printf '#include "lib/trace/trace_int.h"\n' >"$tmp/detect/private.c"
printf '#include "lib/trace/trace_schema.h"\n#include "cadet/trace.h"\n' >"$tmp/detect/fine.c"

"$tmp/tools/check-layers.sh" detect/fine.c >/dev/null
rc=0
out=$("$tmp/tools/check-layers.sh" recorder/up.c detect/private.c) || rc=$?
echo "$out"
[ "$rc" = 1 ] || { echo "FAIL: violations gave exit $rc, want 1"; exit 1; }
grep -q '^recorder/up.c:1: recorder/ may not include replayer/replay.h' <<<"$out" ||
	{ echo "FAIL: upward include not named"; exit 1; }
grep -q '^detect/private.c:1: includes lib/trace/trace_int.h, a private header of lib/trace/' <<<"$out" ||
	{ echo "FAIL: private header not named"; exit 1; }
echo "includes: tree clean, planted violations refused"

# The archives: none takes a symbol from a layer above, and a planted
# upward reference (lib/util calling the replayer) is named.
build=${BUILD:-build}
if [ ! -f "$build/libcadet-util.a" ]; then
	echo "SKIP: no layer archives in $build (make first)"
	exit 0
fi
tools/check-layer-links.sh "$build"
mkdir -p "$tmp/build"
cp "$build"/libcadet-*.a "$tmp/build/"
printf 'struct replay *replay__new(const void *o);\nvoid *util_upward(void) { return replay__new(0); }\n' >"$tmp/up.c"
${CC:-cc} -c "$tmp/up.c" -o "$tmp/up.o"
ar rs "$tmp/build/libcadet-util.a" "$tmp/up.o" 2>/dev/null
rc=0
out=$(tools/check-layer-links.sh "$tmp/build") || rc=$?
echo "$out"
[ "$rc" = 1 ] || { echo "FAIL: upward symbol gave exit $rc, want 1"; exit 1; }
grep -q '^libcadet-util.a needs replay__new from libcadet-replayer.a' <<<"$out" ||
	{ echo "FAIL: upward symbol not named"; exit 1; }
echo "layer archives: clean, planted upward symbol refused"
