#!/usr/bin/env bash
# A .so detector that crashes, exits or hangs costs only itself: each
# misbehaving test plugin (tests/plugins/faulty.h) is replayed beside the
# built-in rules detector and good.so. cadet replay must exit 1 (a
# detector disabled), say on stderr which plugin died of what, mark it
# "disabled" in the results header, and write the other detectors'
# results byte for byte as a run without the bad plugin does. Isolated
# results equal --in-process ones (determinism).
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
BUILD=${BUILD:-build}
P=$BUILD/tests/plugins
T=tests/fixtures/golden-v1.cadet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

for p in good crash_event crash_entry abort_init kill_tick exit_init hang_event; do
	[ -f "$P/$p.so" ] || { echo "SKIP: $P/$p.so not built (make BUILD=$BUILD all)"; exit 77; }
done

# Results lines only: the header differs by the extra detector.
results() { tail -n +2 "$1"; }

"$CADET" replay -q "$T" -d rules -d "$P/good.so" -o "$tmp/ref.jsonl" 2>/dev/null ||
	{ echo "FAIL: reference run failed"; exit 1; }
[ "$(results "$tmp/ref.jsonl" | wc -l)" -gt 0 ] ||
	{ echo "FAIL: the reference run has no results to compare"; exit 1; }

# plugin, what stderr must say
cases=(
	"crash_event|killed by SIGSEGV (Segmentation fault) in on_event"
	"crash_entry|killed by SIGSEGV (Segmentation fault) in its entry function"
	"abort_init|killed by SIGABRT (Aborted) in init"
	"kill_tick|killed by SIGKILL (Killed) in on_tick"
	"exit_init|exited with status 0 in init"
	"hang_event|no answer in 1 s in on_event"
)
for c in "${cases[@]}"; do
	p=${c%%|*}
	want=${c#*|}
	out=$tmp/$p.jsonl
	timeout 60 "$CADET" replay -q "$T" -d rules -d "$P/good.so" \
		-d "$P/$p.so" --detector-timeout 1 -o "$out" 2>"$tmp/$p.err"
	rc=$?
	if [ "$rc" != 1 ]; then
		echo "FAIL: $p: exit status $rc, want 1 (a detector disabled)"
		cat "$tmp/$p.err"
		fail=1
		continue
	fi
	if ! grep -qF "detector $P/$p.so: disabled: $want" "$tmp/$p.err"; then
		echo "FAIL: $p: stderr does not say '$want' for the plugin:"
		cat "$tmp/$p.err"
		fail=1
	fi
	# The bad one's own results (before it died) are its; the others'
	# must be exactly those of a run without it.
	if ! cmp -s <(results "$out" | grep -vF "\"detector\":\"$P/$p.so\"") \
		<(results "$tmp/ref.jsonl"); then
		echo "FAIL: $p: the other detectors' results differ from a run without it"
		fail=1
	fi
	if ! head -n 1 "$out" | python3 -c '
import json, sys
h = json.loads(sys.stdin.readline())
d = {x["spec"]: x for x in h["detectors"]}
bad, want = sys.argv[1], sys.argv[2]
assert want in d[bad].get("disabled", ""), d[bad]
assert all("disabled" not in x for s, x in d.items() if s != bad), d
' "$P/$p.so" "$want"; then
		echo "FAIL: $p: the results header does not mark it (alone) disabled"
		fail=1
	fi
	[ "$fail" = 0 ] && echo "ok: $p: $want"
done

# Isolated and in-process runs of a good plugin: byte-identical, with a
# training and validation phase (thresholds, save_model paths) as well.
ref=datasets/ref
if ls $ref/train/*.cadet $ref/val/*.cadet >/dev/null 2>&1; then
	args=(--train $(ls $ref/train/*.cadet | head -n 2) --validate $(ls $ref/val/*.cadet | head -n 1)
	      --test $(ls $ref/test/*.cadet | head -n 2))
else
	args=("$T")
fi
"$CADET" replay -q "${args[@]}" -d "$P/good.so" -d "$P/good.so:threshold=q50" \
	-o "$tmp/iso.jsonl" 2>/dev/null
"$CADET" replay -q "${args[@]}" -d "$P/good.so" -d "$P/good.so:threshold=q50" \
	--in-process -o "$tmp/inproc.jsonl" 2>/dev/null
if ! cmp "$tmp/iso.jsonl" "$tmp/inproc.jsonl"; then
	echo "FAIL: isolated and --in-process results differ"
	fail=1
else
	echo "ok: isolated == in-process ($(wc -l < "$tmp/iso.jsonl") lines)"
fi

# A plugin with the wrong ABI or no entry symbol is still refused, with
# its message, before any work (exit 2).
for c in "bad_abi|detector ABI 2.0, this cadet speaks" "nosym|no 'cadet_detector_entry' symbol"; do
	p=${c%%|*}
	"$CADET" replay -q "$T" -d "$P/$p.so" -o "$tmp/x.jsonl" 2>"$tmp/$p.err"
	rc=$?
	if [ "$rc" != 2 ] || ! grep -qF "${c#*|}" "$tmp/$p.err"; then
		echo "FAIL: $p: exit $rc, want 2 with '${c#*|}':"
		cat "$tmp/$p.err"
		fail=1
	fi
done
exit $fail
