#!/usr/bin/env bash
# SIGINT in the middle of `cadet run` leaves nothing behind: no runc
# containers, cgroups, processes, overlay mounts or bundle directories
# of the run, and a finished, readable trace (exit status 130). Then the
# same with SIGTERM (143).
. "$(dirname "$0")/lib.sh"
set +e
scn=tests/fixtures/scenarios/interrupt.ini
failures=0

check() { # check NAME CONDITION-EXIT-STATUS [DETAIL]
	if [ "$2" = 0 ]; then
		echo "PASS $1"
	else
		echo "FAIL $1${3:+: $3}"
		failures=$((failures + 1))
	fi
}

leftovers() { # leftovers ID...: anything of these containers still there
	local id
	for id in "$@"; do
		runc state "$id" >/dev/null 2>&1 && echo "runc container $id"
		[ -e "/sys/fs/cgroup/unified/cadet/$id" ] && echo "cgroup /sys/fs/cgroup/unified/cadet/$id"
		[ -e "/run/cadet/$id" ] && echo "bundle dir /run/cadet/$id"
		awk -v d="/run/cadet/$id/" 'index($2 "/", d) == 1 { print "mount " $2 }' /proc/mounts
		pgrep -af -- "$id" | sed 's/^/process /'
	done
	for id in $WRK_PIDS; do
		kill -0 "$id" 2>/dev/null && echo "wrk process $id"
	done
	return 0
}

interrupt() { # interrupt SIGNAL WANT_STATUS
	local sig=$1 want=$2 out=$TEST_TMP/runs-$1 pid rc trace ids left i
	mkdir -p "$out"
	"$CADET" run "$scn" --duration 30 -o "$out" -v >"$TEST_TMP/$sig.out" \
		2>"$TEST_TMP/$sig.err" &
	pid=$!
	sleep 8
	# Mid-run: containers, wrk bursts and the anomaly exist now.
	ids=$(sed -n 's/^cadet run: created [^ ]* (\([^,]*\),.*/\1/p' "$TEST_TMP/$sig.err")
	[ "$(echo "$ids" | grep -c .)" = 2 ] && runc state $(echo "$ids" | head -1) >/dev/null 2>&1
	check "$sig: both containers running at 8 s" $? "$(tail -3 "$TEST_TMP/$sig.err")"
	WRK_PIDS=$(pgrep -P "$pid" -x wrk; pgrep -P "$pid" -x nsenter)
	pgrep -f "$(echo "$ids" | tail -1).*sleep 30" >/dev/null
	check "$sig: the anomaly is running at 8 s" $?
	kill -"$sig" "$pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		check "$sig: cadet run exits within 30 s of the signal" 1
	fi
	wait "$pid"
	rc=$?
	[ "$rc" = "$want" ]
	check "$sig: exit status $want" $? "got $rc; stderr: $(tail -3 "$TEST_TMP/$sig.err")"

	left=$(leftovers $ids)
	[ -z "$left" ]
	check "$sig: nothing left (runc containers, cgroups, bundle dirs, overlay mounts, processes, wrk)" $? "$left"

	trace=$(grep '\.cadet$' "$TEST_TMP/$sig.out" | tail -1)
	[ -n "$trace" ] && [ -f "$trace" ]
	check "$sig: trace path printed and present" $? "$(cat "$TEST_TMP/$sig.out")"
	"$CADET" info "$trace" >"$TEST_TMP/$sig.info" 2>&1
	check "$sig: cadet info reads the trace" $? "$(tail -3 "$TEST_TMP/$sig.info")"
	"$CADET" check "$trace" >/dev/null 2>&1
	check "$sig: cadet check finds the trace sound" $?
	# The interrupted anomaly is still labeled, ending at the interrupt.
	"$CADET" dump "$trace" --json 2>/dev/null | grep '"type":"label"' |
		grep -q '"kind":"anomaly"'
	check "$sig: LABEL record of the interrupted anomaly" $?
}

interrupt INT 130
interrupt TERM 143
[ "$failures" = 0 ]
