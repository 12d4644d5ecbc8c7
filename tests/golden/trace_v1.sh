#!/usr/bin/env bash
# The committed v1 golden trace still reads the same through the CLI:
# `cadet dump --json` covers every expected key and value (fields appended
# by later minors may be added), `cadet check` finds it sound and
# `cadet info` summarizes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
golden=tests/fixtures/golden-v1.cadet
expected=tests/fixtures/golden-v1.dump.jsonl

"$CADET" check "$golden"
"$CADET" info "$golden" | grep -q '^records: *49$' ||
	{ echo "FAIL: cadet info does not count 49 records" >&2; exit 1; }
"$CADET" dump --json "$golden" | python3 -c '
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in sys.stdin]
if len(got) != len(want):
    sys.exit("FAIL: %d records dumped, %d expected" % (len(got), len(want)))
for n, (w, g) in enumerate(zip(want, got), 1):
    for k, v in w.items():
        if g.get(k, object()) != v:
            sys.exit("FAIL: line %d key %s: want %r, got %r" % (n, k, v, g.get(k)))
print("golden v1: %d records match" % len(got))
' "$expected"
