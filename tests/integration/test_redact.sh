#!/usr/bin/env bash
# `cadet record --redact` on a real container: argv beyond argv[0] and
# paths outside the allow-list are stable hashes in the trace, allowed
# paths stay readable, the header says the trace is redacted, and the
# same value hashes the same way everywhere in the trace.
. "$(dirname "$0")/lib.sh"
trace="$TEST_TMP/redact.cadet"
secret=secret-a1b2c3

recorder_start "$trace" --interval 200ms --redact
ctr_create redact "
	sleep 0.5
	echo x > /tmp/$secret.txt
	cat /tmp/$secret.txt /etc/hostname >/dev/null
	ls /tmp/$secret.txt >/dev/null
	sleep 1
"
ctr_start redact
ctr_wait redact 60
sleep 0.5
recorder_stop

"$CADET" info "$trace" >"$TEST_TMP/info.txt"
grep -q 'redacted' "$TEST_TMP/info.txt" || fail "cadet info does not say the trace is redacted"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
! grep -q "$secret" "$TEST_TMP/dump.jsonl" || fail "the secret name survives redaction: $(grep -m1 "$secret" "$TEST_TMP/dump.jsonl")"
python3 - "$TEST_TMP/dump.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in recs if r.get("container") == "redact"]
execs = [r for r in mine if r["type"] == "exec"]
cats = [r for r in execs if r["filename"] == "/usr/bin/cat" or r["filename"].endswith("/cat")]
assert cats, "no exec of cat recorded"
argv = cats[0]["argv"]
print("cat argv in the trace:", argv)
parts = argv
assert parts[0].endswith("cat"), "argv[0] must stay readable"
assert all(p.startswith("~h:") for p in parts[1:]), "argv beyond argv[0] not hashed"
opens = [r for r in mine if r["type"] == "open"]
hashed = [r["path"] for r in opens if r["path"].startswith("~h:")]
kept = [r["path"] for r in opens if r["path"] == "/etc/hostname"]
assert hashed, "no hashed path among the opens"
assert kept, "an allow-listed path (/etc/hostname) was not kept"
lsx = [r for r in execs if r["filename"].endswith("/ls")]
assert lsx, "no exec of ls recorded"
# the secret file is argv[1] of cat and of ls: one value, one hash
assert lsx[0]["argv"][1] == parts[1], "the same value hashed differently"
print(f"{len(hashed)} hashed paths, /etc/hostname kept, equal values equal hashes")
PY
echo "PASS redact"
