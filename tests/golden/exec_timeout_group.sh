#!/usr/bin/env bash
# An exec detector killed on --exec-timeout takes what its shell started
# with it: nothing of its process group may outlive cadet replay (a
# `sleep` left under PID 1 was the bug). Both while waiting for the ack of
# init (the run stops: exit 2) and in the middle of a trace (the detector
# is disabled, the others go on: exit 1).
set -uo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
T=tests/fixtures/golden-v1.cadet
tmp=$(mktemp -d)
fail=0
cleanup() {
	# Only what this test started, by pid.
	for f in "$tmp"/pid.*; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# Alive and not a zombie (a zombie waits for PID 1 to reap it: it is dead).
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v '^Z')" ]; }

check() { # name, want-status, detector
	local name=$1 want=$2 det=$3 rc pid
	timeout 60 "$CADET" replay -q "$T" -d rules -d "$det" --exec-timeout 1 \
		-o "$tmp/$name.jsonl" 2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -q "killed" "$tmp/$name.err"; then
		echo "FAIL: $name: exit $rc (want $want) or no 'killed' message:"
		cat "$tmp/$name.err"
		fail=1
	fi
	if [ ! -s "$tmp/pid.$name" ]; then
		echo "FAIL: $name: the program did not start its background sleep"
		fail=1
		return
	fi
	pid=$(cat "$tmp/pid.$name")
	if alive "$pid"; then
		echo "FAIL: $name: the exec'd shell's child $pid survived the timeout:"
		ps -o pid,ppid,pgid,stat,cmd -p "$pid"
		fail=1
	else
		echo "ok: $name: nothing of the program's group survived"
	fi
}

check init 2 "exec:sleep 21 & echo \$! > $tmp/pid.init; wait"
check tick 1 "exec:read l; echo '{\"type\":\"ack\"}'; sleep 21 & echo \$! > $tmp/pid.tick; wait"
exit $fail
