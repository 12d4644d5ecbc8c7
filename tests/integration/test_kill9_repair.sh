#!/usr/bin/env bash
# kill -9 of the recorder mid-run leaves a file from which cadet info and
# dump read every complete chunk (saying the file was cut, exit 1); cadet
# check finds the missing seek table and cadet check --repair restores it
# without losing a record, keeping the original as FILE.orig.
. "$(dirname "$0")/lib.sh"
trace="$TEST_TMP/cut.cadet"

recorder_start "$trace" --interval 200ms
ctr_create busy "while true; do /bin/true; cat /etc/hostname >/dev/null; done"
ctr_start busy
sleep 4
kill -9 "$RECORDER_PID"
wait "$RECORDER_PID" 2>/dev/null || true
RECORDER_PID=

# A cut file: info and dump print what they read, say it was cut, exit 1.
set +e
"$CADET" info "$trace" >"$TEST_TMP/info-cut.txt" 2>"$TEST_TMP/info-cut.err"
rc=$?
set -e
cat "$TEST_TMP/info-cut.txt" "$TEST_TMP/info-cut.err"
[ "$rc" = 1 ] || fail "cadet info on a cut file exited $rc, want 1"
grep -q 'the trace was cut after' "$TEST_TMP/info-cut.err" || fail "cadet info does not say the file was cut"
grep -q '^records: *[1-9]' "$TEST_TMP/info-cut.txt" || fail "cadet info summarized nothing of the cut file"
set +e
"$CADET" dump "$trace" --json >"$TEST_TMP/dump-cut.jsonl" 2>"$TEST_TMP/dump-cut.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "cadet dump on a cut file exited $rc, want 1"
grep -q 'the trace was cut after' "$TEST_TMP/dump-cut.err" || fail "cadet dump does not say the file was cut"
before=$(wc -l <"$TEST_TMP/dump-cut.jsonl")
[ "$before" -gt 100 ] || fail "only $before records readable from the cut file"
execs=$(python3 -c 'import json,sys; print(sum(json.loads(l)["type"] == "exec" for l in sys.stdin))' <"$TEST_TMP/dump-cut.jsonl")
[ "$execs" -gt 10 ] || fail "only $execs exec records in the cut file"

set +e
"$CADET" check "$trace"
rc=$?
set -e
[ "$rc" = 1 ] || fail "cadet check on a cut file exited $rc, want 1"
"$CADET" check --repair "$trace" || fail "repair failed"
[ -f "$trace.orig" ] || fail "repair did not keep the original as $trace.orig"
"$CADET" check "$trace" || fail "check after repair still finds problems"
after=$("$CADET" dump "$trace" --json | wc -l)
[ "$after" = "$before" ] || fail "repair changed the record count: $before -> $after"
echo "records readable after kill -9: $before; after repair: $after"
echo "PASS kill9_repair"
