#!/bin/bash
# ns added per syscall by each way of watching a cgroup, side by side:
# a syscall loop (bench/syscall_loop.c) in a cgroup v2 directory, one
# round = every mode once (in order, reversed in even rounds), ROUNDS
# rounds; the figure of a mode
# is the median over rounds of (its ns/call - the no-recorder ns/call of
# the same round). SYSCALLS picks the loops, each run under the same
# watcher in turn: getppid (default; no work in the kernel), write
# (BYTES to /dev/null) and read (BYTES from /dev/zero), which the
# read/write byte counters see.
#
#   bench/syscall_cost.sh                       all modes, 5 rounds
#   MODES="none empty default bpftrace" ROUNDS=9 bench/syscall_cost.sh
#   SYSCALLS="getppid write" MODES="none default base" CADET_BASE=old/cadet \
#       bench/syscall_cost.sh
#
# Modes: none; empty (an empty tp_btf sys_enter program, bench/empty.bpf.c:
# the floor of this kernel); bpftrace (a one-line count of syscalls per
# cgroup); default (cadet record, all families); seq (default +
# --syscall-seq); stats (default with --bpf-stats: the statistics' own
# cost); cgstorage (default with the cgroup filter in cgroup local
# storage, CADET_CG_STORAGE=1); one mode per probe family
# (process, syscall, file, net, mem, cpu, security: `--probes X` alone).
# base, base-seq: default and seq with another cadet binary, $CADET_BASE
# (before/after comparisons in the same interleaved run).
#
# Output: one line per measurement on stderr, then a table on stdout;
# JSON lines in $OUT (default /tmp/syscall_cost.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

CADET=$(readlink -f "${CADET:-build/cadet}")
BUILD=${BUILD:-build}
LOOP=$(readlink -f "${LOOP:-$BUILD/bench/syscall_loop}")
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-2000000}
MODES=${MODES:-none empty bpftrace default seq stats cgstorage process syscall file net mem cpu security}
SYSCALLS=${SYSCALLS:-getppid}
BYTES=${BYTES:-64}
OUT=${OUT:-/tmp/syscall_cost.jsonl}

[ "$(id -u)" = 0 ] || { echo "syscall_cost: needs root" >&2; exit 2; }
[ -x "$LOOP" ] || { echo "syscall_cost: $LOOP missing: make BUILD=$BUILD $BUILD/bench/syscall_loop" >&2; exit 2; }

TMP=$(mktemp -d /tmp/cadet-cost.XXXXXX)
CG=/sys/fs/cgroup/unified/cadet-cost-$$
PID=

cleanup() {
	[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	rmdir "$CG" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$CG"
# bpftrace finds tracepoints through tracefs only.
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf -c bench/empty.bpf.c \
	-o "$TMP/empty.bpf.o"
cc -O2 -Wall bench/bpf_attach.c -lbpf -o "$TMP/bpf_attach"

# wait_for FILE PATTERN: until the watcher says it is ready.
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "$2" "$1" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$1" >&2
	echo "syscall_cost: watcher did not start" >&2
	exit 1
}

start() {
	local mode=$1 log=$TMP/w.log
	: >"$log"
	PID=
	case $mode in
	none) return 0 ;;
	empty)
		"$TMP/bpf_attach" "$TMP/empty.bpf.o" >"$log" 2>&1 &
		PID=$!
		wait_for "$log" attached ;;
	bpftrace)
		bpftrace -e "tracepoint:raw_syscalls:sys_enter /cgroup == cgroupid(\"$CG\")/ { @[args->id] = count(); }" \
			>"$log" 2>&1 &
		PID=$!
		wait_for "$log" Attaching ;;
	*)
		local args=(--cgroup "$CG") env=CADET_BENCH=1 bin=$CADET
		case $mode in
		default) ;;
		seq) args+=(--syscall-seq) ;;
		stats) args+=(--bpf-stats) ;;
		cgstorage) env=CADET_CG_STORAGE=1 ;;
		base) bin=$CADET_BASE ;;
		base-seq) bin=$CADET_BASE args+=(--syscall-seq) ;;
		*) args+=(--probes "$mode") ;;
		esac
		env "$env" "$bin" record -o "$TMP/t.cadet" "${args[@]}" \
			>"$log" 2>&1 &
		PID=$!
		wait_for "$log" 'recording to' ;;
	esac
}

stop() {
	[ -n "$PID" ] || return 0
	# Started in the background, bpftrace may inherit an ignored SIGINT.
	# It may also miss a signal that comes while it attaches: repeat.
	if [ "$mode" = bpftrace ]; then
		while kill -TERM "$PID" 2>/dev/null; do
			sleep 0.5
		done
	else
		kill -INT "$PID"
	fi
	wait "$PID" || true
	PID=
}

: >"$OUT"
# Even rounds run the modes in reverse order, so that none of them always
# runs late in a round (load from other work drifts within a round).
reversed=$(tr ' ' '\n' <<<"$MODES" | grep . | tac | tr '\n' ' ')
for ((r = 1; r <= ROUNDS; r++)); do
	order=$MODES
	((r % 2 == 0)) && order=$reversed
	for mode in $order; do
		start "$mode"
		outs=()
		for sc in $SYSCALLS; do
			outs+=("$("$LOOP" -c "$CG" -s "$sc" -b "$BYTES" -n "$CALLS" -k 3)")
		done
		stop
		lost=0
		[ -f "$TMP/t.cadet" ] &&
			lost=$("$CADET" info "$TMP/t.cadet" | awk '/^lost events:/ { print $3 }')
		rm -f "$TMP/t.cadet"
		i=0
		for sc in $SYSCALLS; do
			out=${outs[$i]}
			i=$((i + 1))
			echo "round $r $mode $sc: $out lost=$lost" >&2
			ns=$(sed -n 's/.* ns_per_call=\([0-9.]*\).*/\1/p' <<<"$out")
			cpu=$(sed -n 's/.*cpu_ns_per_call=\([0-9.]*\).*/\1/p' <<<"$out")
			echo "{\"round\": $r, \"mode\": \"$mode\", \"syscall\": \"$sc\", \"wall\": $ns, \"ns\": $cpu, \"lost\": ${lost:-0}, \"load\": $(cut -d' ' -f1 /proc/loadavg)}" >>"$OUT"
		done
	done
done

python3 - "$OUT" "$BYTES" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    r.setdefault("syscall", "getppid")
load = [r["load"] for r in rows]
fmt = lambda v: "%.1f (%.1f..%.1f)" % (statistics.median(v), min(v), max(v))
calls = []
for r in rows:
    if r["syscall"] not in calls:
        calls.append(r["syscall"])
print("CPU ns per call (the loop thread's CPU time), added: minus the")
print("no-recorder run of the same round; median (min..max) over rounds;")
print("load average %.1f..%.1f during the run." % (min(load), max(load)))
for sc in calls:
    rs_sc = [r for r in rows if r["syscall"] == sc]
    base = {r["round"]: r["ns"] for r in rs_sc if r["mode"] == "none"}
    wbase = {r["round"]: r["wall"] for r in rs_sc if r["mode"] == "none"}
    modes = []
    for r in sorted(rs_sc, key=lambda r: r["round"] % 2 == 0):
        if r["mode"] not in modes:
            modes.append(r["mode"])
    what = sc if sc == "getppid" else "%s of %s bytes" % (sc, sys.argv[2])
    print()
    print("%s:" % what)
    print()
    print("| mode | CPU ns/call | added CPU ns/call | added wall ns/call | rounds | lost |")
    print("|---|---|---|---|---|---|")
    for m in modes:
        rs = [r for r in rs_sc if r["mode"] == m]
        ns = [r["ns"] for r in rs]
        add = [r["ns"] - base[r["round"]] for r in rs if r["round"] in base]
        wadd = [r["wall"] - wbase[r["round"]] for r in rs if r["round"] in wbase]
        print("| %s | %s | %s | %s | %d | %d |" % (m, fmt(ns),
              fmt(add) if m != "none" else "-", fmt(wadd) if m != "none" else "-",
              len(rs), sum(r["lost"] for r in rs)))
EOF
