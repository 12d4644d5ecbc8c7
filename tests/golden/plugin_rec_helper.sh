#!/usr/bin/env bash
# A detector plugin may call the record helpers the cadet binary exports
# (cadet_rec_type_name(), cadet_rec_field_u64(), cadet_rec_field_str()):
# tests/plugins/uses_rec_helper.so, built without linking any cadet
# library, loads and runs both in-process and isolated (the forked child
# runs the same binary), and the alerts it makes from the helpers name
# exactly what `cadet dump --json` shows for each exec record.
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
BUILD=${BUILD:-build}
SO=$BUILD/tests/plugins/uses_rec_helper.so
T=tests/fixtures/golden-v1.cadet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -f "$SO" ] || { echo "SKIP: $SO not built (make BUILD=$BUILD all)"; exit 77; }

"$CADET" dump --json --type exec "$T" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["ts"], "exec %s ppid=%d uid=%d" % (r["filename"], r["ppid"], r["uid"]))
' >"$tmp/want" || { echo "FAIL: cadet dump"; exit 1; }
[ -s "$tmp/want" ] || { echo "FAIL: the trace has no exec records to compare"; exit 1; }

fail=0
for mode in isolated in-process; do
	opt=()
	[ "$mode" = in-process ] && opt=(--in-process)
	if ! "$CADET" replay -q "${opt[@]}" "$T" -d "$SO" -o "$tmp/$mode.jsonl" 2>"$tmp/$mode.err"; then
		echo "FAIL: $mode: replay failed:"
		cat "$tmp/$mode.err"
		fail=1
		continue
	fi
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "alert":
        print(r["ts"], r["reason"])
' "$tmp/$mode.jsonl" >"$tmp/$mode.got"
	if diff -u "$tmp/want" "$tmp/$mode.got"; then
		echo "$mode: $(wc -l <"$tmp/$mode.got") alerts made by the helpers match cadet dump"
	else
		echo "FAIL: $mode: alerts differ from cadet dump"
		fail=1
	fi
done
exit $fail
