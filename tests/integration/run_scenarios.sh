#!/usr/bin/env bash
# Run catalogue scenarios end to end, short, and check each trace shows its
# anomaly's signal in the label window (tests/integration/scenario_signals.py).
#
#   tests/integration/run_scenarios.sh memleak port_scan reverse_shell
#   tests/integration/run_scenarios.sh -d 30 -s 8 scenarios/cpu_hog.ini
#   tests/integration/run_scenarios.sh --all        every scenarios/*.ini
#
# Options: -d S run duration (default 20; the anomaly is scaled to fit),
# -s A-B onset override, -k keep traces of passing runs too, -o DIR where
# traces go (default a temp dir). Env: CADET (default build/cadet).
# Prints one "PASS NAME: ..." or "FAIL NAME: ..." line per scenario and
# exits 1 when any failed. Needs root (runc, eBPF).
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
duration=20
start=
keep=0
outdir=
names=()

usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-d) duration=${2:?-d needs seconds}; shift 2 ;;
	-s) start=${2:?-s needs A-B seconds}; shift 2 ;;
	-k) keep=1; shift ;;
	-o) outdir=${2:?-o needs a directory}; shift 2 ;;
	--all) for f in scenarios/*.ini; do names+=("$f"); done; shift ;;
	-h|--help) usage ;;
	-*) echo "run_scenarios: unknown option $1 (try --help)" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
[ ${#names[@]} -gt 0 ] || usage
if [ ! -x "$CADET" ]; then
	echo "run_scenarios: $CADET is missing; build it with make" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "run_scenarios: needs root (runc containers and eBPF)" >&2
	exit 2
fi
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d /tmp/cadet-scenarios.XXXXXX)
	[ $keep = 1 ] || trap 'rm -rf "$outdir"' EXIT
fi

# The anomaly type a scenario file injects ("normal" without [anomaly],
# "several" with more than one [anomaly NAME], as in a fleet).
anomaly_type() {
	awk '/^\[/ { sec = $0; if (sec ~ /^\[anomaly[] ]/) n++ }
	     sec ~ /^\[anomaly[] ]/ && $1 == "type" && type == "" { type = $3 }
	     END { print (n > 1 ? "several" : (n ? type : "normal")) }' "$1"
}

failed=0
for n in "${names[@]}"; do
	case $n in
	*.ini) file=$n ;;
	*) file=scenarios/$n.ini ;;
	esac
	name=$(basename "$file" .ini)
	if [ ! -f "$file" ]; then
		echo "FAIL $name: no scenario file $file"
		failed=$((failed + 1))
		continue
	fi
	type=$(anomaly_type "$file")
	dir="$outdir/$name"
	mkdir -p "$dir"
	args=(run "$file" --duration "$duration" -o "$dir")
	[ -n "$start" ] && [ "$type" != normal ] && args+=(--start "$start")
	[ "$type" = normal ] && [ "$name" != normal ] && args+=(--normal)
	if ! "$CADET" "${args[@]}" >"$dir/run.log" 2>&1; then
		echo "FAIL $name: cadet ${args[*]} failed; last lines of $dir/run.log:"
		tail -n 15 "$dir/run.log" | sed 's/^/    /'
		failed=$((failed + 1))
		continue
	fi
	trace=$(ls -t "$dir"/*.cadet 2>/dev/null | head -n 1)
	if [ -z "$trace" ]; then
		echo "FAIL $name: no trace in $dir; see $dir/run.log"
		failed=$((failed + 1))
		continue
	fi
	# A fleet's labels each name their own anomaly.
	expect=(--expect "$type")
	[ "$type" = several ] && expect=()
	line=$(python3 tests/integration/scenario_signals.py --cadet "$CADET" \
		"${expect[@]}" "$trace")
	rc=$?
	# "PASS mem_leak: ..." -> "PASS memleak: ..."
	echo "$line" | sed "s/^\(PASS\|FAIL\|ERROR\) [a-z_?]*:/\1 $name:/"
	if [ $rc != 0 ]; then
		failed=$((failed + 1))
		echo "    trace: $trace"
		grep -h 'window\|warning' "$dir/run.log" | sed 's/^/    /'
	fi
done
if [ $failed != 0 ]; then
	# Keep the evidence of a failure.
	trap - EXIT
	echo "$failed of ${#names[@]} scenarios failed; traces in $outdir"
	exit 1
fi
exit 0
