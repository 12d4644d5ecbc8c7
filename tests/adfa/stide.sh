#!/usr/bin/env bash
# STIDE on ADFA-LD: cadet's import and stide detector (tests/adfa/adfa_stide.c
# over `cadet import adfa-ld`) against an independent Python implementation
# reading the zip directly (tests/adfa/stide_reference.py). The normal
# database sizes must be equal and the AUC-ROCs of both trace scores equal
# to the 4 decimals adfa_stide prints, for n = 3, 5 and 7.
# Skipped (exit 77) without the dataset: ADFA_ZIP, default
# ../shared/datasets/external/ADFA-LD.zip.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=$(readlink -f "${CADET:-build/cadet}")
BUILD=${BUILD:-build}
ADFA_ZIP=${ADFA_ZIP:-../shared/datasets/external/ADFA-LD.zip}
NS=(3 5 7)

if [ ! -f "$ADFA_ZIP" ]; then
	echo "SKIP: no ADFA-LD zip at $ADFA_ZIP (set ADFA_ZIP=PATH to run it)"
	exit 77
fi
tmp=$(mktemp -d /tmp/cadet-adfa.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$CADET" import adfa-ld "$ADFA_ZIP" -o "$tmp/adfa" >"$tmp/import.log"
"$BUILD/tests/adfa_stide" "$tmp/adfa" "${NS[@]}" >"$tmp/cadet.md" 2>"$tmp/cadet.err"
python3 tests/adfa/stide_reference.py "$ADFA_ZIP" "${NS[@]}" >"$tmp/ref.txt"
cat "$tmp/cadet.md" "$tmp/ref.txt"

python3 - "$tmp/cadet.md" "$tmp/cadet.err" "$tmp/ref.txt" <<'PY'
import re, sys
md, err, ref = (open(p).read() for p in sys.argv[1:])
bad = 0
for line in ref.splitlines():
    m = re.match(r"n=(\d+) db=(\d+) auc_max=([\d.]+) auc_mean=([\d.]+)", line)
    n, db = m.group(1), int(m.group(2))
    got = re.search(r"stide: (\d+) distinct windows of %s syscalls" % n, err)
    if not got or int(got.group(1)) != db:
        print("n=%s: database %s, reference %d" % (n, got and got.group(1), db))
        bad += 1
    for kind, want in (("max", float(m.group(3))), ("mean", float(m.group(4)))):
        row = re.search(r"^\| %s \| %s \| ([\d.]+) \|" % (n, kind), md, re.M)
        if not row or abs(float(row.group(1)) - want) > 0.00005 + 1e-9:
            print("n=%s %s: AUC %s, reference %.6f" % (n, kind, row and row.group(1), want))
            bad += 1
        else:
            print("n=%s %s: AUC %s = reference %.6f, database %d" % (n, kind, row.group(1), want, db))
sys.exit(1 if bad else 0)
PY
