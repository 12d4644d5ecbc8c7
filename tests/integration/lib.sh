# Shared helpers for integration tests: real runc containers on the cached
# rootfs (injector/mkrootfs.sh), a recorder in the background, and checks.
# Every test sources this file; cleanup runs on every exit path.
set -euo pipefail
CADET=${CADET:-build/cadet}
CADET=$(readlink -f "$CADET")
TEST_TMP=$(mktemp -d /tmp/cadet-it.XXXXXX)
CTRS=()
RECORDER_PID=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

cleanup() {
	local c
	[ -n "$RECORDER_PID" ] && kill -9 "$RECORDER_PID" 2>/dev/null || true
	for c in "${CTRS[@]}"; do
		runc kill "$c" KILL 2>/dev/null || true
		runc delete --force "$c" 2>/dev/null || true
		umount "$TEST_TMP/$c/rootfs" 2>/dev/null || true
	done
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ctr_create ID SCRIPT: a runc container (created, not started) running
# /bin/sh -c SCRIPT in its own network namespace with loopback up.
ctr_create() {
	local id=$1 script=$2 dir="$TEST_TMP/$1" rootfs
	rootfs=$(injector/mkrootfs.sh --print-path)
	mkdir -p "$dir/rootfs" "$dir/upper" "$dir/work"
	mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$dir/upper,workdir=$dir/work" "$dir/rootfs"
	(cd "$dir" && runc spec)
	python3 - "$dir/config.json" "$id" "$script" <<'PY'
import json, sys
path, cid, script = sys.argv[1:4]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c", "ip link set lo up 2>/dev/null; " + script]
c["root"]["readonly"] = False
c["hostname"] = cid
c["linux"]["cgroupsPath"] = "/cadet-test/" + cid
c["linux"]["resources"]["memory"] = {"limit": 256 << 20}
c["linux"]["resources"]["pids"] = {"limit": 256}
c.setdefault("annotations", {})["cadet.name"] = cid
json.dump(c, open(path, "w"), indent=1)
PY
	CTRS+=("$id")
	runc create -b "$dir" "$id" </dev/null >"$dir/out" 2>"$dir/err"
}

ctr_start() { runc start "$1"; }

# ctr_wait ID TIMEOUT: wait until the container's init has exited.
ctr_wait() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(runc state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)" = stopped ] && return 0
		sleep 0.1
	done
	fail "container $1 still running after $2 s"
}

# recorder_start TRACE ARGS...: cadet record in the background; returns
# once it says it is recording.
recorder_start() {
	local trace=$1 i
	shift
	"$CADET" record -o "$trace" "$@" >"$TEST_TMP/recorder.log" 2>&1 &
	RECORDER_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'recording to' "$TEST_TMP/recorder.log" && return 0
		kill -0 "$RECORDER_PID" 2>/dev/null || { cat "$TEST_TMP/recorder.log" >&2; fail "recorder exited early"; }
		sleep 0.1
	done
	cat "$TEST_TMP/recorder.log" >&2
	fail "recorder did not start within 30 s"
}

recorder_stop() {
	kill -INT "$RECORDER_PID"
	wait "$RECORDER_PID" || fail "recorder exited with $?: $(tail -5 "$TEST_TMP/recorder.log")"
	RECORDER_PID=
}
