#!/usr/bin/env bash
# Live mode measurements (docs/live.md): alert latency and the cost of the
# live detectors. Run as root from the top of the tree after `make`:
#
#   bench/live.sh [SECONDS]        (default 15 s per configuration)
#
# 1. Recorder CPU and peak RSS while nginx in a runc container serves wrk
#    (16 connections): plain `cadet record -o`, then `cadet record --live`
#    with every built-in detector (rules, zscore, trend, iforest with a
#    model, null, random) and -o, then --live without -o.
# 2. Alert latency: in each live run, a second container stamps
#    CLOCK_MONOTONIC right before it opens /etc/shadow or a raw socket,
#    every 0.5 s; latency = the alert's emit_ts (monotonic, when the line
#    was written) - that stamp. Also an idle run (no nginx load).
# Prints one summary line per configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/integration/lib.sh
SECS=${1:-15}
PY=/usr/bin/python3
PORT=19465

"$CADET" replay --make-synthetic "$TEST_TMP/n1.cadet" --synth-records 5000 -q
"$CADET" replay --make-synthetic "$TEST_TMP/n2.cadet" --synth-records 5000 --seed 2 -q
"$CADET" replay --train "$TEST_TMP/n1.cadet" --validate "$TEST_TMP/n2.cadet" \
	--detector iforest --save-model "$TEST_TMP/if.model" -q 2>/dev/null
ALL=(--detector rules --detector zscore:threshold=50 --detector trend:threshold=none
	--detector iforest --model "$TEST_TMP/if.model" --detector null --detector random:threshold=none)

ctr_create bench-live-nginx 'printf "daemon off; master_process off; user root; error_log stderr; pid /tmp/ng.pid; events {} http { access_log off; client_body_temp_path /tmp/cb; proxy_temp_path /tmp/pt; fastcgi_temp_path /tmp/ft; server { listen 80; root /var/www/html; } }" > /tmp/ng.conf; exec nginx -e stderr -c /tmp/ng.conf'
ctr_start bench-live-nginx
NPID=$(runc state bench-live-nginx | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
for ((i = 0; i < 50; i++)); do
	nsenter --net=/proc/$NPID/ns/net wrk -t1 -c1 -d1s http://127.0.0.1:80/ >/dev/null 2>&1 && break
	sleep 0.2
done

ACTIONS='import time, socket
for i in range(COUNT):
    time.sleep(0.5)
    t = time.monotonic_ns()
    open("/etc/shadow").read()
    print("sensitive_file", t, flush=True)
    time.sleep(0.5)
    t = time.monotonic_ns()
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    except OSError:
        pass
    print("raw_socket", t, flush=True)'

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

# run NAME LOAD(0|1) ACTIONS(0|1) ARGS...
run() {
	local name=$1 load=$2 act=$3 c0 c1 hwm rps="-" n=$((SECS - 2)) actr
	actr=bench-live-act-$name
	shift 3
	"$CADET" record "$@" >"$TEST_TMP/$name.alerts" 2>"$TEST_TMP/$name.log" &
	RECORDER_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'recording to' "$TEST_TMP/$name.log" && break
		sleep 0.1
	done
	c0=$(cpu_ticks "$RECORDER_PID")
	if [ "$act" = 1 ]; then
		ctr_create "$actr" "python3 -c '${ACTIONS//COUNT/$n}'"
		ctr_start "$actr"
	fi
	if [ "$load" = 1 ]; then
		rps=$(nsenter --net=/proc/$NPID/ns/net wrk -t1 -c16 -d"${SECS}s" http://127.0.0.1:80/ |
			awk '/^Requests\/sec:/ { print $2 }')
	else
		sleep "$SECS"
	fi
	[ "$act" = 1 ] && ctr_wait "$actr" 60
	sleep 1
	c1=$(cpu_ticks "$RECORDER_PID")
	hwm=$(hwm_kb "$RECORDER_PID")
	kill -INT "$RECORDER_PID"
	wait "$RECORDER_PID"
	RECORDER_PID=
	printf '%-10s rps=%s recorder_cpu=%.1f%% peak_rss=%.1fMiB %s\n' "$name" "$rps" \
		"$(echo "($c1 - $c0) * 100 / $(getconf CLK_TCK) / ($SECS + 1)" | bc -l)" \
		"$(echo "$hwm / 1024" | bc -l)" "$(grep -o 'live: [0-9].*' "$TEST_TMP/$name.log" | head -1)"
	if [ "$act" = 1 ] && grep -q live "$TEST_TMP/$name.log"; then
		$PY - "$TEST_TMP/$actr/out" "$TEST_TMP/$name.alerts" "$actr" <<'PY'
import json, sys
acts = [l.split() for l in open(sys.argv[1]) if l.strip()]
alerts = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
alerts = [a for a in alerts if a.get("container") == sys.argv[3]]
for kind in ("sensitive_file", "raw_socket"):
    lat, cap = [], []
    for k, t in acts:
        if k != kind:
            continue
        t = int(t)
        m = [a for a in alerts if a["reason"] == kind and a["ts"] >= t and a["ts"] - t < 5e8]
        if m:
            lat.append((m[0]["emit_ts"] - t) / 1e6)
            cap.append((m[0]["ts"] - t) / 1e6)
    lat.sort(); cap.sort()
    n = sum(1 for k, _ in acts if k == kind)
    if lat:
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat) + 0.5) - 1)]
        print(f"    {kind}: {len(lat)}/{n} alerted, latency median {lat[len(lat)//2]:.1f} ms, p95 {p95:.1f} ms (event ts - action: median {cap[len(cap)//2]:.2f} ms)")
    else:
        print(f"    {kind}: 0/{n} alerted")
PY
	fi
}

# Interleaved, ROUNDS times: the same load and actions in each.
for ((r = 1; r <= ${ROUNDS:-2}; r++)); do
	run plain$r 1 1 -o "$TEST_TMP/plain.cadet"
	run live-o$r 1 1 --live "${ALL[@]}" --metrics-addr 127.0.0.1:$PORT -o "$TEST_TMP/live.cadet"
	run live$r 1 1 --live "${ALL[@]}" --metrics-addr 127.0.0.1:$PORT
done
run idle-live 0 1 --live "${ALL[@]}" --metrics-addr 127.0.0.1:$PORT
