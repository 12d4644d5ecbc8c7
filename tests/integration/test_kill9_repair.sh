#!/usr/bin/env bash
# kill -9 of the recorder mid-run leaves a file from which cadet info and
# dump read every complete chunk; cadet check finds the missing seek table
# and cadet check --repair restores it without losing a record.
. "$(dirname "$0")/lib.sh"
trace="$TEST_TMP/cut.cadet"

recorder_start "$trace" --interval 200ms
ctr_create busy "while true; do /bin/true; cat /etc/hostname >/dev/null; done"
ctr_start busy
sleep 4
kill -9 "$RECORDER_PID"
wait "$RECORDER_PID" 2>/dev/null || true
RECORDER_PID=

"$CADET" info "$trace" >"$TEST_TMP/info-cut.txt" || fail "cadet info fails on a cut file"
cat "$TEST_TMP/info-cut.txt"
before=$("$CADET" dump "$trace" --json | wc -l)
[ "$before" -gt 100 ] || fail "only $before records readable from the cut file"
execs=$("$CADET" dump "$trace" --json | python3 -c 'import json,sys; print(sum(json.loads(l)["type"] == "exec" for l in sys.stdin))')
[ "$execs" -gt 10 ] || fail "only $execs exec records in the cut file"

set +e
"$CADET" check "$trace"
rc=$?
set -e
[ "$rc" = 1 ] || fail "cadet check on a cut file exited $rc, want 1"
"$CADET" check --repair "$trace" || fail "repair failed"
"$CADET" check "$trace" || fail "check after repair still finds problems"
after=$("$CADET" dump "$trace" --json | wc -l)
[ "$after" = "$before" ] || fail "repair changed the record count: $before -> $after"
echo "records readable after kill -9: $before; after repair: $after"
echo "PASS kill9_repair"
