#!/usr/bin/env bash
# datasets/record.py, the dataset driver, against a stand-in for `cadet
# run` (no containers): a failed run stops the plan and keeps what was
# recorded; the same command then records only what is missing; an
# interrupted run leaves nothing half-written; --budget-min stops before a
# run that would not fit; progress lines count runs and give an ETA; every
# trace is packed before it is moved into place (--no-pack: not), and one
# that cadet pack refuses is kept as recorded.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/cadet-dataset.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/scn/profiles"
printf '[profile]\nname = alpha\nservice = svc\n' >"$tmp/scn/profiles/alpha.ini"
printf '[profile]\nname = beta\nservice = kv\n' >"$tmp/scn/profiles/beta.ini"
printf '[scenario]\nname = normal\nprofiles = alpha beta\n' >"$tmp/scn/normal.ini"
printf '[scenario]\nname = leak\nprofiles = alpha beta\n[intensity low]\nrate = 1M\n[intensity high]\nrate = 8M\n' \
	>"$tmp/scn/leak.ini"

# The stand-in writes one trace holding its arguments; it fails or stops
# as a signal would when its -o directory matches $FAIL or $STOP. Its
# pack appends a line to the trace, or fails when it matches $PACKFAIL.
cat >"$tmp/cadet" <<'SH'
#!/bin/sh
if [ "$1" = pack ]; then
	for f; do :; done
	echo "$f" >>"$PACKLOG"
	case "$f" in *"$PACKFAIL"*) [ -n "$PACKFAIL" ] && { echo "$f: cut" >&2; exit 1; } ;; esac
	case "$f" in *"$PACKSTOP"*) [ -n "$PACKSTOP" ] && exit 130 ;; esac
	echo packed >>"$f"
	exit 0
fi
[ "$1" = run ] || exit 2
out=
for a; do [ "$prev" = -o ] && out=$a; prev=$a; done
echo "$*" >>"$LOG"
case "$out" in *"$FAIL"*) [ -n "$FAIL" ] && exit 1 ;; esac
case "$out" in *"$STOP"*) [ -n "$STOP" ] && exit 130 ;; esac
echo "$*" >"$out/leak-s1-r0-20260101T000000Z.cadet"
SH
chmod +x "$tmp/cadet"
export CADET=$tmp/cadet LOG=$tmp/calls PACKLOG=$tmp/packs PACKFAIL= PACKSTOP=
rec() { python3 datasets/record.py --size ref --only test --scenario-dir "$tmp/scn" \
	--no-manifest --allow-dirty "$@" "$tmp/out"; }

# The plan: 3 seeds x 2 intensities, profiles taken in turn, the
# service's syscall stream left out.
rec --dry-run >"$tmp/plan"
[ "$(grep -c '^todo ' "$tmp/plan")" = 6 ] || { cat "$tmp/plan"; fail "plan has not 6 runs"; }
grep -q '^todo test/leak-alpha-low-s1: .*--intensity low .*--seq-exclude svc' "$tmp/plan" || fail "first run not alpha/low with --seq-exclude svc"
grep -q '^todo test/leak-beta-high-s1: .*--profile beta' "$tmp/plan" || fail "second run not against beta"
echo "plan: 6 runs, profiles in turn, services' streams excluded"

# Run 3 fails: two traces kept, exit 1, a message saying how to go on.
set +e
FAIL=leak-alpha-low-s2 STOP= rec >"$tmp/out1" 2>&1; rc=$?
set -e
[ "$rc" = 1 ] || { cat "$tmp/out1"; fail "failed run: exit $rc, want 1"; }
grep -q 'run the same command again' "$tmp/out1" || fail "no advice after a failed run"
grep -q '^\[2/6\] test/leak-beta-high-s1 (90 s)  elapsed .*, ETA ' "$tmp/out1" || { cat "$tmp/out1"; fail "no progress line"; }
[ "$(ls "$tmp/out/test" | wc -l)" = 2 ] || fail "want 2 traces after the failure"
echo "failed run 3: exit 1, 2 traces kept"

# Run 4 is interrupted: exit 130, nothing of it left.
: >"$LOG"
set +e
FAIL= STOP=leak-beta-high-s2 rec >"$tmp/out2" 2>&1; rc=$?
set -e
[ "$rc" = 130 ] || { cat "$tmp/out2"; fail "interrupted run: exit $rc, want 130"; }
[ "$(wc -l <"$LOG")" = 2 ] || fail "resume re-ran finished runs: $(cat "$LOG")"
[ ! -e "$tmp/out/.partial" ] || [ -z "$(ls -A "$tmp/out/.partial")" ] || fail "interrupted run left a partial trace"
[ "$(ls "$tmp/out/test" | wc -l)" = 3 ] || fail "want 3 traces after the interruption"
echo "interrupted run 4: exit 130, 3 traces, nothing partial"

# --budget-min 0.001 (60 ms): no run fits, nothing is started.
: >"$LOG"
FAIL= STOP= rec --budget-min 0.001 >"$tmp/out3" 2>&1 || { cat "$tmp/out3"; fail "budget stop is not exit 0"; }
grep -q 'would end after the 0.001 min budget; 3 run(s) left' "$tmp/out3" || { cat "$tmp/out3"; fail "no budget message"; }
[ ! -s "$LOG" ] || fail "a run was started beyond the budget"
echo "budget: stops before a run that does not fit"

# The same command finishes the plan: only the 3 missing runs.
FAIL= STOP= rec >"$tmp/out4" 2>&1 || { cat "$tmp/out4"; fail "resume failed"; }
[ "$(wc -l <"$LOG")" = 3 ] || fail "resume ran $(wc -l <"$LOG") runs, want 3"
[ "$(ls "$tmp/out/test" | wc -l)" = 6 ] || fail "want 6 traces at the end"
[ "$(wc -l <"$tmp/out/.progress.jsonl")" = 6 ] || fail "progress does not list 6 runs"
rec --dry-run >"$tmp/plan2"
grep -q '^dataset: ref plan: 6 runs (9 min recorded), 6 done, 0 to record' "$tmp/plan2" || fail "dry run does not see the plan done"
echo "resume: 3 missing runs recorded, plan done"

# Packed in .partial/ before the move, once per recorded run: the 6 kept.
[ "$(wc -l <"$PACKLOG")" = 6 ] || fail "cadet pack ran $(wc -l <"$PACKLOG") times, want 6"
grep -qv '/\.partial/' "$PACKLOG" && fail "a trace was packed outside .partial/: $(cat "$PACKLOG")"
for f in "$tmp"/out/test/*.cadet; do
	[ "$(tail -n 1 "$f")" = packed ] || fail "$f was not packed"
done
[ "$(grep -c '"packed": true' "$tmp/out/.progress.jsonl")" = 6 ] || fail "progress does not say packed"
echo "pack: every trace packed in .partial/ before the move"

# --no-pack: kept as recorded; a trace cadet pack refuses: kept too.
: >"$PACKLOG"
python3 datasets/record.py --size ref --only test --scenario-dir "$tmp/scn" \
	--no-manifest --allow-dirty --max-runs 1 --no-pack "$tmp/out5" >"$tmp/out5.log" 2>&1 ||
	{ cat "$tmp/out5.log"; fail "--no-pack run failed"; }
[ ! -s "$PACKLOG" ] || fail "--no-pack packed: $(cat "$PACKLOG")"
grep -q '"packed": false' "$tmp/out5/.progress.jsonl" || fail "--no-pack progress line"
PACKFAIL=leak python3 datasets/record.py --size ref --only test --scenario-dir "$tmp/scn" \
	--no-manifest --allow-dirty --max-runs 1 "$tmp/out6" >"$tmp/out6.log" 2>&1 ||
	{ cat "$tmp/out6.log"; fail "a refused pack failed the run"; }
grep -q 'not packed, kept as recorded: .*: cut' "$tmp/out6.log" || { cat "$tmp/out6.log"; fail "no warning for a refused pack"; }
[ "$(ls "$tmp/out6/test" | wc -l)" = 1 ] || fail "a refused pack lost the trace"
grep -q '"packed": false' "$tmp/out6/.progress.jsonl" || fail "refused pack: progress line"
echo "--no-pack and a refused pack: traces kept as recorded"

# Interrupted while packing: exit 130, nothing of the run left.
set +e
PACKSTOP=leak python3 datasets/record.py --size ref --only test --scenario-dir "$tmp/scn" \
	--no-manifest --allow-dirty --max-runs 1 "$tmp/out7" >"$tmp/out7.log" 2>&1; rc=$?
set -e
[ "$rc" = 130 ] || { cat "$tmp/out7.log"; fail "interrupted pack: exit $rc, want 130"; }
grep -q 'stopped during .* (cadet pack exit' "$tmp/out7.log" || { cat "$tmp/out7.log"; fail "interrupted pack: message"; }
[ -z "$(ls -A "$tmp/out7/test" 2>/dev/null)" ] || fail "interrupted pack left a trace"
[ -z "$(ls -A "$tmp/out7/.partial" 2>/dev/null)" ] || fail "interrupted pack left a partial trace"
echo "interrupted pack: exit 130, nothing left"
