#!/bin/bash
# Overhead benchmark of cadet (`make bench`): recorder cost per syscall
# side by side with an empty BPF program and a bpftrace count, each probe
# family alone; nginx under wrk with and without the recorder, and the
# in-kernel ns per request of cadet's probes and of the bpftrace count;
# recorder CPU/RSS and drops at fixed event rates, trace size per record,
# replay speed per detector and binary size. Runs interleaved rounds in
# one go and writes reports/bench/bench.json and reports/bench/bench.md.
#
#   bench/run.sh                    all parts, about 15 minutes
#   PAIRS=5 WRK_SECONDS=20 bench/run.sh
#   ONLY=syscall,replay bench/run.sh  (parts: syscall nginx rate replay)
#
# Needs root, a built build/cadet and build/bench/syscall_loop, and the
# cached rootfs (injector/mkrootfs.sh) for the nginx part.
set -euo pipefail
cd "$(dirname "$0")/.."

CADET=$(readlink -f "${CADET:-build/cadet}")
LOOP=$(readlink -f "${LOOP:-build/bench/syscall_loop}")
OUT=${OUT:-reports/bench}
PAIRS=${PAIRS:-5}
WRK_SECONDS=${WRK_SECONDS:-8}
LOOP_CALLS=${LOOP_CALLS:-500000}
SYSCALL_MODES=${SYSCALL_MODES:-none empty bpftrace process syscall file net mem cpu security default seq}
RATE_SECONDS=${RATE_SECONDS:-4}
RATES=${RATES:-10000 100000 1000000 1500000 2000000 100000000}
SYNTH_RECORDS=${SYNTH_RECORDS:-10000000}
ONLY=${ONLY:-syscall,nginx,rate,replay}

[ "$(id -u)" = 0 ] || { echo "bench: needs root (BPF, cgroups, runc)" >&2; exit 2; }
[ -x "$CADET" ] || { echo "bench: $CADET missing: run make first" >&2; exit 2; }
[ -x "$LOOP" ] || { echo "bench: $LOOP missing: run make bench" >&2; exit 2; }

TMP=$(mktemp -d /tmp/cadet-bench.XXXXXX)
CG=/sys/fs/cgroup/unified/cadet-bench-$$
# Not "cadet-": cadet run removes stale containers of that prefix.
CTR=bench-nginx-$$
RESULTS=$TMP/results.jsonl
REC_PID=
CTR_UP=

STATS_SYSCTL=

cleanup() {
	[ -n "$REC_PID" ] && kill -9 "$REC_PID" 2>/dev/null || true
	[ -n "$STATS_SYSCTL" ] && sysctl -q kernel.bpf_stats_enabled="$STATS_SYSCTL"
	if [ -n "$CTR_UP" ]; then
		runc kill "$CTR" KILL 2>/dev/null || true
		runc delete --force "$CTR" 2>/dev/null || true
		umount "$TMP/ctr/rootfs" 2>/dev/null || true
	fi
	rmdir "$CG" 2>/dev/null || true
	# runc leaves the parent of the container's cgroupsPath behind.
	rmdir /sys/fs/cgroup/unified/cadet-bench 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# emit KEY=VALUE...: one JSON object per line into the raw results.
emit() {
	python3 -c 'import json,sys
d = {}
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    try:
        v = float(v) if "." in v or "e" in v else int(v)
    except ValueError:
        pass
    d[k] = v
print(json.dumps(d))' "$@" >>"$RESULTS"
}

# rec_start MODE TRACE [ARGS...]: MODE none|default|seq|kdefault (with
# --bpf-stats)|kbpftrace (the bpftrace count of cgroup $BPFTRACE_CG).
rec_start() {
	local mode=$1 trace=$2 i ready='recording to'
	shift 2
	REC_PID=
	[ "$mode" = none ] && return 0
	local extra=()
	[ "$mode" = seq ] && extra=(--syscall-seq)
	[ "$mode" = kdefault ] && extra=(--bpf-stats)
	if [ "$mode" = kbpftrace ]; then
		ready=Attaching
		bpftrace -e "tracepoint:raw_syscalls:sys_enter /cgroup == cgroupid(\"$BPFTRACE_CG\")/ { @[args->id] = count(); }" \
			>"$TMP/rec.log" 2>&1 &
	else
		"$CADET" record -o "$trace" --interval 500ms "${extra[@]}" "$@" \
			>"$TMP/rec.log" 2>&1 &
	fi
	REC_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q "$ready" "$TMP/rec.log" && return 0
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/rec.log" >&2
	echo "bench: recorder did not start" >&2
	exit 1
}

rec_stop() {
	local i
	[ -n "$REC_PID" ] || return 0
	# bpftrace may inherit an ignored SIGINT, and miss a signal that
	# comes while it attaches; cadet finishes on either.
	kill -TERM "$REC_PID"
	for ((i = 0; i < 20; i++)); do
		sleep 0.5
		kill -TERM "$REC_PID" 2>/dev/null || break
	done
	wait "$REC_PID" || { tail -5 "$TMP/rec.log" >&2; exit 1; }
	REC_PID=
}

# BPF program ids loaded now, one per line.
prog_ids() { bpftool prog show -j | python3 -c 'import json,sys
for p in json.load(sys.stdin): print(p["id"])'; }

# prog_run IDS...: "RUN_NS RUN_CNT" summed over these programs.
prog_run() { bpftool prog show -j | python3 -c 'import json,sys
ids = set(map(int, sys.argv[1:]))
ps = [p for p in json.load(sys.stdin) if p["id"] in ids]
print(sum(p.get("run_time_ns", 0) for p in ps), sum(p.get("run_cnt", 0) for p in ps))' "$@"; }

# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

# lost TRACE: lost events the trace reports.
lost() { "$CADET" info "$1" | awk '/^lost events:/ { print $3 }'; }
bytes_per_record() { "$CADET" info "$1" | awk '/^bytes\/record:/ { print $2 }'; }

machine() {
	emit part=machine nproc="$(nproc)" \
		mem_mb="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
		kernel="$(uname -r)" \
		cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		load="$(cut -d' ' -f1-3 /proc/loadavg)" \
		date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		version="$("$CADET" --version 2>&1 | head -1)"
}

# Part 1: CPU ns per getppid call in a watched cgroup, every way of
# watching it side by side (bench/syscall_cost.sh, PAIRS rounds).
part_syscall() {
	CADET=$CADET LOOP=$LOOP ROUNDS=$PAIRS CALLS=$LOOP_CALLS \
		MODES=$SYSCALL_MODES OUT=$TMP/syscall.jsonl \
		bench/syscall_cost.sh >"$TMP/syscall.md"
	sed 's/^{/{"part": "syscall", /' "$TMP/syscall.jsonl" >>"$RESULTS"
}

ctr_nginx() {
	local rootfs dir=$TMP/ctr
	rootfs=$(injector/mkrootfs.sh --print-path)
	mkdir -p "$dir/rootfs" "$dir/upper" "$dir/work"
	mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$dir/upper,workdir=$dir/work" "$dir/rootfs"
	CTR_UP=1
	(cd "$dir" && runc spec)
	python3 - "$dir/config.json" "$CTR" <<'PY'
import json, sys
path, cid = sys.argv[1:3]
c = json.load(open(path))
c["process"]["terminal"] = False
# The scenarios' web server: index.html and an open file cache, so that a
# request is not two failed opens plus one open of the Debian page.
c["process"]["args"] = ["/bin/sh", "-c",
    "cp /var/www/html/index.nginx-debian.html /var/www/html/index.html && "
    "echo 'open_file_cache max=1000 inactive=60s;' > /etc/nginx/conf.d/cache.conf && "
    "exec nginx -g 'daemon off; error_log stderr;'"]
# Docker's default capability set: nginx chowns its temp dirs, setuids.
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
        "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
for k in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][k] = caps
c["root"]["readonly"] = False
c["hostname"] = cid
c["linux"]["cgroupsPath"] = "/cadet-bench/" + cid
c["linux"]["resources"]["memory"] = {"limit": 256 << 20}
c["linux"]["resources"]["pids"] = {"limit": 256}
c.setdefault("annotations", {})["cadet.name"] = "bench-nginx"
json.dump(c, open(path, "w"), indent=1)
PY
	runc run -d -b "$dir" "$CTR" </dev/null >"$dir/out" 2>"$dir/err"
}

# Part 2: nginx in a runc container under wrk, none/default/seq.
part_nginx() {
	local p mode t pid i c0 c1 out rps p99 rss reqs
	ctr_nginx
	pid=$(runc state "$CTR" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	if [ "$pid" = 0 ] || ! nsenter --net=/proc/$pid/ns/net ip link set lo up; then
		cat "$TMP/ctr/err" >&2
		echo "bench: the nginx container did not start" >&2
		exit 1
	fi
	for ((i = 0; i < 50; i++)); do
		nsenter --net=/proc/$pid/ns/net wrk -t1 -c1 -d1s http://127.0.0.1:80/ \
			>/dev/null 2>&1 && break
		sleep 0.2
	done
	# Warm-up, not counted.
	nsenter --net=/proc/$pid/ns/net wrk -t1 -c16 -d2s http://127.0.0.1:80/ >/dev/null
	# The kernel-side cost per request: BPF run-time statistics on for
	# kdefault (cadet --bpf-stats) and kbpftrace (sysctl, restored after).
	BPFTRACE_CG=$(awk -F:: '/^0::/ { print $2 }' /proc/$pid/cgroup)
	BPFTRACE_CG=$(findmnt -n -o TARGET -t cgroup2 | head -1)$BPFTRACE_CG
	for ((p = 1; p <= PAIRS; p++)); do
		for mode in none default seq kdefault kbpftrace; do
			t=$TMP/nginx-$mode-$p.cadet
			local before ids k0 k1
			before=$(prog_ids)
			if [ "$mode" = kbpftrace ]; then
				STATS_SYSCTL=$(sysctl -n kernel.bpf_stats_enabled)
				sysctl -q kernel.bpf_stats_enabled=1
			fi
			rec_start "$mode" "$t"
			ids=$(comm -13 <(sort <<<"$before") <(prog_ids | sort))
			k0=$(prog_run $ids)
			[ -n "$REC_PID" ] && c0=$(cpu_ticks "$REC_PID")
			out=$(nsenter --net=/proc/$pid/ns/net wrk -t1 -c16 \
				-d"${WRK_SECONDS}s" --latency http://127.0.0.1:80/)
			k1=$(prog_run $ids)
			rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
			p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
			reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
			if [ "$mode" = kdefault ] || [ "$mode" = kbpftrace ]; then
				rec_stop
				if [ -n "$STATS_SYSCTL" ]; then
					sysctl -q kernel.bpf_stats_enabled="$STATS_SYSCTL"
					STATS_SYSCTL=
				fi
				set -- $k0 $k1
				emit part=nginx_kernel mode="$mode" pair="$p" \
					rps="$rps" requests="$reqs" run_ns=$(($3 - $1)) \
					run_cnt=$(($4 - $2)) progs="$(wc -w <<<"$ids")"
				log "nginx $mode pair $p: $rps req/s, $(($3 - $1)) ns in $(($4 - $2)) BPF runs for $reqs requests"
				rm -f "$t"
				continue
			fi
			if [ -n "$REC_PID" ]; then
				c1=$(cpu_ticks "$REC_PID")
				rss=$(hwm_kb "$REC_PID")
				rec_stop
				emit part=nginx mode="$mode" pair="$p" rps="$rps" \
					p99="$p99" rec_cpu_ticks=$((c1 - c0)) \
					seconds="$WRK_SECONDS" rec_hwm_kb="$rss" \
					lost="$(lost "$t")" \
					bytes_per_record="$(bytes_per_record "$t")"
				[ "$p" = 1 ] && cp "$t" "$TMP/keep-nginx-$mode.cadet"
			else
				emit part=nginx mode="$mode" pair="$p" rps="$rps" \
					p99="$p99"
			fi
			log "nginx $mode pair $p: $rps req/s, p99 $p99"
			rm -f "$t"
		done
	done
	runc kill "$CTR" KILL 2>/dev/null || true
	runc delete --force "$CTR" 2>/dev/null || true
	umount "$TMP/ctr/rootfs" 2>/dev/null || true
	CTR_UP=
}

# Part 3: --syscall-seq recorder against a paced getppid loop.
part_rate() {
	local rate t c0 c1 out rss hwm
	mkdir -p "$CG"
	for rate in $RATES; do
		t=$TMP/rate-$rate.cadet
		rec_start seq "$t" --cgroup "$CG"
		c0=$(cpu_ticks "$REC_PID")
		out=$("$LOOP" -c "$CG" -r "$rate" -d "$RATE_SECONDS")
		c1=$(cpu_ticks "$REC_PID")
		rss=$(rss_kb "$REC_PID")
		hwm=$(hwm_kb "$REC_PID")
		rec_stop
		set -- $out
		# STATS records go into the raw results, tagged with the rate.
		"$CADET" dump --json --type stats "$t" |
			sed "s/^{/{\"part\": \"stats\", \"target\": $rate, /" >>"$RESULTS"
		emit part=rate target="$rate" "$1" "$2" "$3" \
			rec_cpu_ticks=$((c1 - c0)) rec_rss_kb="$rss" \
			rec_hwm_kb="$hwm" lost="$(lost "$t")" \
			bytes_per_record="$(bytes_per_record "$t")"
		log "rate $rate: $out, lost $(lost "$t")"
		case $rate in
		10000 | 100000) mv "$t" "$TMP/keep-rate-$rate.cadet" ;;
		*) rm -f "$t" ;;
		esac
	done
}

# replay_one NAME ARGS...: events/s from replay's summary line.
replay_one() {
	local name=$1 line
	shift
	line=$("$CADET" replay "$@" -o /dev/null 2>&1 | grep 'events delivered')
	log "replay $name: $line"
	emit part=replay detector="$name" \
		events="$(sed -E 's/.* ([0-9]+) events delivered.*/\1/' <<<"$line")" \
		seconds="$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")" \
		events_per_s="$(sed -E 's/.*\(([0-9]+) events\/s\).*/\1/' <<<"$line")"
}

# Part 4: replay speed per detector, trace and binary sizes.
part_replay() {
	local big=$TMP/synth.cadet small=$TMP/synth-train.cadet d
	log "writing a $SYNTH_RECORDS-record synthetic trace"
	"$CADET" replay --make-synthetic "$big" --synth-records "$SYNTH_RECORDS" \
		--synth-seconds 3600 >/dev/null 2>&1
	"$CADET" replay --make-synthetic "$small" --synth-records 100000 \
		--synth-seconds 3600 --seed 2 >/dev/null 2>&1
	emit part=trace name=synthetic records="$SYNTH_RECORDS" \
		bytes_per_record="$(bytes_per_record "$big")" \
		file_bytes="$(stat -c %s "$big")"
	for d in null rules zscore trend; do
		replay_one "$d" --detector "$d:threshold=none" "$big"
	done
	replay_one iforest --train "$small" --detector iforest:threshold=none \
		--test "$big"
	if [ -f "$TMP/keep-rate-10000.cadet" ] && [ -f "$TMP/keep-rate-100000.cadet" ]; then
		replay_one stide --train "$TMP/keep-rate-10000.cadet" \
			--detector stide:threshold=none \
			--test "$TMP/keep-rate-100000.cadet"
	fi
	for t in "$TMP"/keep-*.cadet; do
		[ -f "$t" ] || continue
		emit part=trace name="$(basename "$t" .cadet | sed 's/^keep-//')" \
			records="$("$CADET" info "$t" | awk '/^records:/ { print $2 }')" \
			bytes_per_record="$(bytes_per_record "$t")" \
			file_bytes="$(stat -c %s "$t")"
	done
	strip -o "$TMP/cadet.stripped" "$CADET"
	emit part=binary bytes="$(stat -c %s "$CADET")" \
		stripped_bytes="$(stat -c %s "$TMP/cadet.stripped")"
}

mkdir -p "$OUT"
: >"$RESULTS"
machine
start=$(date +%s)
[[ $ONLY == *syscall* ]] && part_syscall
[[ $ONLY == *nginx* ]] && part_nginx
[[ $ONLY == *rate* ]] && part_rate
[[ $ONLY == *replay* ]] && part_replay
emit part=done seconds=$(($(date +%s) - start)) clk_tck="$(getconf CLK_TCK)"
python3 bench/summarize.py "$RESULTS" "$OUT"
log "wrote $OUT/bench.md and $OUT/bench.json in $(($(date +%s) - start)) s"
