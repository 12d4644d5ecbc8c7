#!/usr/bin/env bash
# SIGINT in the middle of `cadet run --launcher docker` leaves nothing
# behind, as test_run_interrupt.sh checks for runc: no container or image
# of the run in dockerd, no state dir, mount or process of its
# containers, no wrk; the trace is finished and labeled (exit 130).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.sh"
set +e
docker_start
scn=tests/fixtures/scenarios/interrupt.ini
out="$TEST_TMP/runs"
failures=0
mkdir -p "$out"

check() { # check NAME CONDITION-EXIT-STATUS [DETAIL]
	if [ "$2" = 0 ]; then
		echo "PASS $1"
	else
		echo "FAIL $1${3:+: $3}"
		failures=$((failures + 1))
	fi
}

"$CADET" run --launcher docker "$scn" --duration 30 -o "$out" -v \
	>"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err" &
pid=$!
# The image is imported first: wait for the containers to run.
for ((i = 0; i < 1200; i++)); do
	grep -q 'container(s) running' "$TEST_TMP/run.err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
sleep 5
ids=$(sed -n 's/^cadet run: created [^ ]* (\([^,]*\),.*/\1/p' "$TEST_TMP/run.err")
[ "$(docker ps -q --no-trunc | grep -c -F "$ids")" = 2 ]
check "both containers running" $? "$(grep -v "^container:" "$TEST_TMP/run.err" | tail -8)"
box=$(echo "$ids" | tail -1)
running=1
for p in $(pgrep -x sleep); do
	grep -q "$box" "/proc/$p/cgroup" 2>/dev/null &&
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "sleep 30 " ] && running=0
done
[ "$running" = 0 ]
check "the anomaly is running" $?
wrk_pids=$(pgrep -P "$pid" -x wrk; pgrep -P "$pid" -x nsenter)

kill -INT "$pid"
for ((i = 0; i < 600; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	kill -9 "$pid"
	check "cadet run exits within 60 s of SIGINT" 1
fi
wait "$pid"
rc=$?
[ "$rc" = 130 ]
check "exit status 130" $? "got $rc; stderr: $(tail -3 "$TEST_TMP/run.err")"

left=$(docker ps -aq; docker images -q
	ls /run/cadet 2>/dev/null | grep -- "-$pid-" | sed 's/^/state dir /'
	for id in $ids; do
		grep -F "$id" /proc/mounts | sed 's/^/mount /'
		# cgroupfs driver on a hybrid or a v2-only host, systemd driver
		for cg in /sys/fs/cgroup/unified/docker/$id /sys/fs/cgroup/docker/$id \
			/sys/fs/cgroup/system.slice/docker-$id.scope; do
			[ -e "$cg" ] && echo "cgroup $cg"
		done
	done
	for p in $wrk_pids; do kill -0 "$p" 2>/dev/null && echo "wrk $p"; done)
[ -z "$left" ]
check "nothing left (containers, images, state dirs, mounts, cgroups, wrk)" $? "$left"

trace=$(grep '\.cadet$' "$TEST_TMP/run.out" | tail -1)
[ -n "$trace" ] && "$CADET" check "$trace" >/dev/null 2>&1
check "trace finished and sound" $?
"$CADET" dump "$trace" --json 2>/dev/null | grep '"type":"label"' |
	grep -q '"kind":"anomaly"'
check "LABEL record of the interrupted anomaly" $?
[ "$failures" = 0 ]
