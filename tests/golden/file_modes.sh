#!/usr/bin/env bash
# Files that hold recorded data are private: results and models written
# by `cadet replay` are 0600, 0640 with --group-readable, whatever the
# umask and whatever the mode of a file being overwritten. (Traces and
# the modes themselves: tests/unit/test_redact.c.)
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
ref=datasets/ref
[ -f "$ref/MANIFEST.json" ] || { echo "SKIP: no reference dataset in $ref"; exit 77; }
tmp=$(mktemp -d /tmp/cadet-modes.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
umask 000

want() { # FILE MODE
	local m
	m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || { echo "FAIL: $1 is $m, want $2"; exit 1; }
	echo "$(basename "$1"): $m"
}
train=("$ref"/train/*.cadet)
test=("$ref"/test/*.cadet)
"$CADET" replay -q --train "${train[0]}" --detector iforest:trees=10 --save-model "$tmp/if.model" \
	"${test[0]}" -o "$tmp/results.jsonl"
want "$tmp/results.jsonl" 600
want "$tmp/if.model" 600
want "$tmp/if.model.threshold" 600
chmod 644 "$tmp/results.jsonl"
"$CADET" replay -q "${test[0]}" --detector null -o "$tmp/results.jsonl"
want "$tmp/results.jsonl" 600
"$CADET" replay -q --group-readable --train "${train[0]}" --detector iforest:trees=10 \
	--save-model "$tmp/if.model" "${test[0]}" -o "$tmp/results.jsonl"
want "$tmp/results.jsonl" 640
want "$tmp/if.model" 640
want "$tmp/if.model.threshold" 640
