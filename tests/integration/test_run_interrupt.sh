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

snapshot() { # what a run may create, one item per line
	runc list -q 2>/dev/null | grep '^cadet-' | sed 's/^/runc /'
	ls -d /sys/fs/cgroup/unified/cadet/cadet-* 2>/dev/null | sed 's/^/cgroup /'
	ls -d /run/cadet/cadet-* 2>/dev/null | sed 's/^/dir /'
	awk '$2 ~ /^\/run\/cadet\/cadet-/ { print "mount " $2 }' /proc/mounts
	pgrep -x wrk | sed 's/^/wrk /'
}

interrupt() { # interrupt SIGNAL WANT_STATUS
	local sig=$1 want=$2 out=$TEST_TMP/runs-$1 pid rc trace before after i
	before=$(snapshot | sort)
	mkdir -p "$out"
	"$CADET" run "$scn" --duration 30 -o "$out" >"$TEST_TMP/$sig.out" \
		2>"$TEST_TMP/$sig.err" &
	pid=$!
	sleep 8
	# Mid-run: containers, wrk bursts and the anomaly exist now.
	[ -n "$(comm -13 <(echo "$before") <(snapshot | sort) | grep '^runc ')" ]
	check "$sig: containers were running at 8 s" $?
	kill -"$sig" "$pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; check "$sig: cadet run exits within 30 s" 1; }
	wait "$pid"
	rc=$?
	[ "$rc" = "$want" ]
	check "$sig: exit status $want" $? "got $rc; stderr: $(tail -3 "$TEST_TMP/$sig.err")"

	sleep 0.5
	after=$(comm -13 <(echo "$before") <(snapshot | sort))
	[ -z "$after" ]
	check "$sig: nothing left (containers, cgroups, dirs, mounts, wrk)" $? "$after"
	# Processes of the scenario: the anomaly's sleep 30, nginx, loops.
	! pgrep -f 'sleep 30$' >/dev/null && ! pgrep -f 'cadet-app.log' >/dev/null
	check "$sig: no scenario processes left" $? "$(pgrep -af 'sleep 30$|cadet-app.log')"

	trace=$(grep '\.cadet$' "$TEST_TMP/$sig.out" | tail -1)
	[ -n "$trace" ] && [ -f "$trace" ]
	check "$sig: trace path printed and present" $? "$(cat "$TEST_TMP/$sig.out")"
	"$CADET" info "$trace" >"$TEST_TMP/$sig.info" 2>&1
	check "$sig: cadet info reads the trace" $? "$(tail -3 "$TEST_TMP/$sig.info")"
	"$CADET" check "$trace" >/dev/null 2>&1
	check "$sig: cadet check finds the trace sound" $?
	# The interrupted anomaly is still labeled, ending at the interrupt.
	"$CADET" dump "$trace" --json 2>/dev/null | grep -q '"anomaly"'
	check "$sig: LABEL record of the interrupted anomaly" $?
}

interrupt INT 130
interrupt TERM 143
[ "$failures" = 0 ]
