#!/usr/bin/env bash
# Exact capture of a Docker container, as test_record_exact.sh does for
# runc: N execs of /bin/true are exactly N exec records of the container's
# cgroup, M connects, K opens and B bytes sent at least, no events lost;
# and the trace names it as the user did (--name) with its image, from
# the Engine API (CONTAINER_UPDATE), for `cadet info` too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.sh"
N=50 M=20 K=30 B=2000000
trace="$TEST_TMP/exact.cadet"

docker_start
docker_import cadet-exact-img
recorder_start "$trace" --interval 200ms
docker run --name dkexact --network none cadet-exact-img /bin/sh -c "
	sleep 0.5
	for i in \$(seq $N); do /bin/true; done
	echo probe > /tmp/exact-probe.txt
	for i in \$(seq $K); do read line < /tmp/exact-probe.txt; done
	nc -lk 127.0.0.1 7001 >/dev/null &
	nc -l 127.0.0.1 7002 >/dev/null &
	sleep 0.3
	for i in \$(seq $M); do nc -z 127.0.0.1 7001; done
	head -c $B /dev/zero | nc -N 127.0.0.1 7002
	sleep 1.5
" >/dev/null
id=$(docker inspect -f '{{.Id}}' dkexact)
sleep 1.5 # one more metrics interval after the workload
recorder_stop
docker rm dkexact >/dev/null

"$CADET" check "$trace" || fail "cadet check reports problems"
"$CADET" info "$trace" >"$TEST_TMP/info.txt"
sed -n '/^containers:/,/^$/p' "$TEST_TMP/info.txt"
grep -Eq "docker +dkexact +${id:0:16} +cadet-exact-img" "$TEST_TMP/info.txt" ||
	fail "cadet info does not show dkexact with its image: $(cat "$TEST_TMP/info.txt")"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
python3 - "$TEST_TMP/dump.jsonl" "$id" $N $M $K $B <<'PY'
import json, sys
path, cid, n, m, k, b = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
recs = [json.loads(l) for l in open(path)]
ctr = [r for r in recs if r["type"].startswith("container") and r["id"] == cid]
assert ctr, f"no container records of {cid}"
upd = [r for r in ctr if r["type"] == "container_update"]
assert upd, "no container_update record: the name never arrived"
name, image = upd[-1]["name"], upd[-1]["image"]
print(f"container {cid[:12]}: runtime {ctr[0]['runtime']}, name {name}, image {image}")
assert ctr[0]["runtime"] == "docker", "runtime is not docker"
assert name == "dkexact" and image == "cadet-exact-img", "wrong name or image"
cg = ctr[0]["cgroup_id"]
# The updated name applies to the whole container, from its first record.
mine = [r for r in recs if r.get("cgroup_id") == cg and not r["type"].startswith("container")]
late = [r for r in mine if r.get("container") != "dkexact"]
print(f"records of the container: {len(mine)}, {len(late)} before its name arrived")
execs = [r for r in mine if r["type"] == "exec" and r["filename"] == "/bin/true"]
stray = [r for r in recs if r["type"] == "exec" and r["filename"] == "/bin/true" and r.get("cgroup_id") != cg]
connects = [r for r in mine if r["type"] == "connect" and r["dport"] == 7001]
opens = [r for r in mine if r["type"] == "open" and r["path"].endswith("exact-probe.txt") and r["ret"] >= 0]
tx = sum(r["tx_bytes"] for r in mine if r["type"] == "metrics")
lost = sum(r["count"] for r in recs if r["type"] == "lost")
print(f"execs of /bin/true: {len(execs)} (want {n}), elsewhere: {len(stray)}")
print(f"connects to :7001: {len(connects)} (want >= {m})")
print(f"opens of the probe file: {len(opens)} (want >= {k + 1})")
print(f"tx_bytes of the container: {tx} (want >= {b})")
print(f"lost events: {lost}")
assert len(execs) == n, "exec count differs"
assert not stray, "execs attributed to another cgroup"
assert len(connects) >= m, "connects missing"
assert len(opens) >= k + 1, "opens missing"
assert tx >= b, "sent bytes missing"
assert lost == 0, "events were lost"
PY
echo "PASS docker_record_exact"
