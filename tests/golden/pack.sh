#!/usr/bin/env bash
# cadet pack on a trace of the first reference dataset as the recorder
# wrote it (tests/fixtures/ref-v1, format 1.0, a chunk per second): the file
# gets smaller and ends up in one chunk; `cadet dump --json` (records, and
# header and schema with --header) and replay results are the same as
# before; info and check accept it; it keeps its mode; packing to OUT
# gives the same bytes; packing again leaves it as it is; a cut trace, an
# existing OUT, a directory and a device are refused with nothing changed.
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
CADET=$(realpath "$CADET")
src=tests/fixtures/ref-v1/normal-s1001-r0-20261122T034739Z.cadet
tmp=$(mktemp -d /tmp/cadet-pack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
size() { stat -c %s "$1"; }
leftovers() { ls "$tmp" "$tmp"/* 2>/dev/null | grep -c '\.pack-' || true; }

mkdir "$tmp/a" "$tmp/b"
cp "$src" "$tmp/a/t.cadet"
cp "$src" "$tmp/b/t.cadet"
chmod 0640 "$tmp/b/t.cadet"
t=$tmp/b/t.cadet

# 1. In place: smaller, one chunk, the same records, header and schema.
"$CADET" pack "$t" >"$tmp/out" 2>&1 || fail "pack exited $?: $(cat "$tmp/out")"
grep -q "^$t: [0-9]* -> [0-9]* bytes (.*), [0-9]* -> 1 chunks, [0-9]* records (.*) identical" "$tmp/out" ||
	fail "pack does not print sizes before and after: $(cat "$tmp/out")"
before=$(size "$src")
after=$(size "$t")
[ "$after" -lt "$before" ] || fail "packed file not smaller: $before -> $after bytes"
cmp -s <("$CADET" dump --json "$src") <("$CADET" dump --json "$t") ||
	fail "cadet dump --json differs after pack"
cmp -s <("$CADET" dump --header --json "$src") <("$CADET" dump --header --json "$t") ||
	fail "cadet dump --header --json (header, schema) differs after pack"
"$CADET" check "$t" >"$tmp/check" 2>&1 || fail "check on the packed file: $(cat "$tmp/check")"
"$CADET" info "$t" >"$tmp/info" 2>&1 || fail "info on the packed file exited $?"
grep -q '^chunks: *1$' "$tmp/info" || fail "info does not show 1 chunk: $(grep chunks "$tmp/info")"
grep -q '^format: *1\.0 ' "$tmp/info" || fail "the packed file is no longer format 1.0: $(grep format "$tmp/info")"
[ "$(stat -c %a "$t")" = 640 ] || fail "mode $(stat -c %a "$t") after pack, want 640"
[ "$(leftovers)" = 0 ] || fail "pack left a .pack- file behind"
echo "in place: $before -> $after bytes, dump identical, check and info accept it"

# 2. Replay gives the same results (the header names the trace's sha256).
for d in a b; do
	(cd "$tmp/$d" && "$CADET" replay t.cadet --detector rules --detector zscore -q -o r.jsonl) ||
		fail "replay in $d exited $?"
done
cmp -s <(tail -n +2 "$tmp/a/r.jsonl") <(tail -n +2 "$tmp/b/r.jsonl") ||
	fail "replay results differ after pack"
[ "$(wc -l <"$tmp/a/r.jsonl")" -gt 1 ] || fail "replay wrote no scores"
echo "replay: $(($(wc -l <"$tmp/b/r.jsonl") - 1)) score lines identical"

# 3. To OUT: the same bytes as in place (deterministic); OUT exists: refused.
"$CADET" pack -q "$src" "$tmp/out.cadet" || fail "pack IN OUT exited $?"
cmp -s "$src" "$tmp/a/t.cadet" || fail "pack IN OUT changed IN"
cmp -s "$t" "$tmp/out.cadet" || fail "pack IN OUT gives other bytes than in place"
cp "$tmp/out.cadet" "$tmp/out.keep"
"$CADET" pack "$src" "$tmp/out.cadet" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "pack onto an existing OUT exited $rc, want 1"
grep -q 'exists' "$tmp/err" || fail "pack onto an existing OUT: $(cat "$tmp/err")"
cmp -s "$tmp/out.cadet" "$tmp/out.keep" || fail "a refused pack changed OUT"
"$CADET" pack -q -f --level 3 --chunk-size 64K "$src" "$tmp/out.cadet" || fail "pack -f exited $?"
cmp -s <("$CADET" dump --json "$src") <("$CADET" dump --json "$tmp/out.cadet") ||
	fail "dump differs after pack --level 3 --chunk-size 64K"

# 4. Packed again: nothing to gain, left as it is.
cp "$t" "$tmp/t.keep"
"$CADET" pack "$t" >"$tmp/out" 2>&1 || fail "second pack exited $?"
grep -q 'left as it is' "$tmp/out" || fail "second pack: $(cat "$tmp/out")"
cmp -s "$t" "$tmp/t.keep" || fail "second pack changed the file"

# 5. A cut trace is refused and left untouched.
head -c $((before / 2)) "$src" >"$tmp/cut.cadet"
cp "$tmp/cut.cadet" "$tmp/cut.keep"
"$CADET" pack "$tmp/cut.cadet" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "pack of a cut trace exited $rc, want 1"
grep -q "cut.*not packed.*cadet check --repair $tmp/cut.cadet" "$tmp/err" ||
	fail "pack of a cut trace does not say to repair it: $(cat "$tmp/err")"
cmp -s "$tmp/cut.cadet" "$tmp/cut.keep" || fail "pack changed the cut trace"
[ "$(leftovers)" = 0 ] || fail "a refused pack left a .pack- file behind"
echo "cut trace: refused (exit 1), untouched"

# 6. Not regular files: refused with exit 2.
for f in /dev/null "$tmp"; do
	"$CADET" pack "$f" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] || fail "pack $f exited $rc, want 2"
	grep -q 'not a regular file\|is a directory' "$tmp/err" || fail "pack $f: $(cat "$tmp/err")"
done

[ "$fails" = 0 ] || exit 1
echo "PASS pack"
