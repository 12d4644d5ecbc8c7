#!/usr/bin/env bash
# Damaged, cut, concatenated and non-regular traces through the CLI
# (issue 10): check --repair keeps every chunk dump reads and keeps the
# original; info/dump/replay report a cut or concatenated trace and exit 1;
# replay and eval refuse a trace that is a symlink to /dev/zero at once.
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
# A trace as the recorder writes it (a chunk per second).
src=tests/fixtures/ref-v1/cpu_hog-s1-r0-20261122T035211Z.cadet
tmp=$(mktemp -d /tmp/cadet-trace-faults.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
xor_byte() { # FILE OFFSET MASK
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)
f.seek(o); f.write(bytes([b[0] ^ int(sys.argv[3])]))' "$@"
}
count() { "$CADET" dump --json "$1" 2>/dev/null | wc -l; }

# 1. A damaged frame header in the middle: repair keeps what dump reads.
t=$tmp/hdr.cadet
cp "$src" "$t"
xor_byte "$t" 61999 8
before=$(count "$t")
"$CADET" check "$t" >"$tmp/check.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "check on a damaged trace exited $rc, want 1"
grep -q 'seek table missing' "$tmp/check.out" &&
	fail "check says the seek table is missing, but it is there: $(cat "$tmp/check.out")"
"$CADET" check --repair "$t" >"$tmp/repair.out" 2>&1 ||
	fail "check --repair exited $?: $(cat "$tmp/repair.out")"
grep -q 'run `cadet check --repair`\|cadet check --repair '"$t" "$tmp/repair.out" &&
	fail "check --repair advises running --repair: $(cat "$tmp/repair.out")"
after=$(count "$t")
[ "$after" -ge "$before" ] ||
	fail "repair shrank what dump reads: $before records before, $after after"
[ -f "$t.orig" ] && cmp -s "$t.orig" <(cp "$src" "$tmp/o" && xor_byte "$tmp/o" 61999 8 && cat "$tmp/o") ||
	fail "the original was not kept as $t.orig"
"$CADET" check "$t" >/dev/null || fail "check after repair still finds problems"
echo "damaged frame header: dump read $before records before repair, $after after"

# 5. A cut trace: info, dump and replay say so and exit 1.
head -c 50000 "$src" >"$tmp/cut.cadet"
for cmd in info dump; do
	"$CADET" $cmd "$tmp/cut.cadet" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" = 1 ] || fail "cadet $cmd on a cut trace exited $rc, want 1"
	grep -q 'cut after [0-9]* of 50000 bytes.*read the [0-9]* records' "$tmp/err" ||
		fail "cadet $cmd does not say the trace was cut: $(cat "$tmp/err")"
done
n=$(count "$tmp/cut.cadet")
[ "$n" -gt 0 ] || fail "dump printed nothing of the cut trace"
"$CADET" replay "$tmp/cut.cadet" --detector null -o "$tmp/cut.jsonl" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "replay of a cut trace exited $rc, want 1"
grep -q "WARNING: test trace $tmp/cut.cadet is cut.*replaying the $n records" "$tmp/err" ||
	fail "replay does not warn about the cut trace: $(cat "$tmp/err")"
grep -q '"type":"score"' "$tmp/cut.jsonl" || fail "replay wrote no results for the records read"

# 5. Two traces concatenated: reported by dump, check and repair.
cat "$src" "$src" >"$tmp/cat.cadet"
"$CADET" dump "$tmp/cat.cadet" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "dump of two concatenated traces exited $rc, want 1"
grep -q 'second trace starts at offset' "$tmp/err" ||
	fail "dump does not report the second trace: $(cat "$tmp/err")"
"$CADET" check --repair "$tmp/cat.cadet" >"$tmp/out" 2>&1
[ $? = 1 ] || fail "check --repair of concatenated traces did not refuse"
cmp -s "$tmp/cat.cadet" <(cat "$src" "$src") || fail "repair changed concatenated traces"

# 4. Non-regular inputs: refused at once with a clear message.
ln -s /dev/zero "$tmp/zero.cadet"
timeout 20 "$CADET" replay "$tmp/zero.cadet" --detector null -o "$tmp/z.jsonl" 2>"$tmp/err"
rc=$?
[ "$rc" = 124 ] && fail "replay hangs on a symlink to /dev/zero"
grep -q 'is a character device, not a regular file' "$tmp/err" ||
	fail "replay on /dev/zero: $(cat "$tmp/err")"
"$CADET" replay "$src" --detector null -o "$tmp/ok.jsonl" 2>/dev/null || fail "replay of $src failed"
python3 -c 'import json, sys
h = json.loads(open(sys.argv[1]).readline()); h["test"][0]["path"] = sys.argv[2]
open(sys.argv[3], "w").write(json.dumps(h) + "\n")' "$tmp/ok.jsonl" "$tmp/zero.cadet" "$tmp/zres.jsonl"
timeout 20 "$CADET" eval "$tmp/zres.jsonl" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 124 ] && fail "eval hangs on a test trace naming /dev/zero"
grep -q 'is a character device' "$tmp/err" || fail "eval on /dev/zero: $(cat "$tmp/err")"
"$CADET" dump "$tmp" >/dev/null 2>"$tmp/err"
grep -q 'is a directory' "$tmp/err" || fail "dump of a directory: $(cat "$tmp/err")"

[ "$fails" = 0 ] || exit 1
echo "PASS trace_faults"
