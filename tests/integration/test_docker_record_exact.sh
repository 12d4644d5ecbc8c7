#!/usr/bin/env bash
# Exact capture of a Docker container, as test_record_exact.sh does for
# runc: N execs of /bin/true are exactly N exec records of the container's
# cgroup, M connects, K opens and B bytes sent at least, no events lost;
# and the trace names it as the user did (--name) with its image, from
# the Engine API (CONTAINER_UPDATE), for `cadet info` too. Beside it, a
# container of dockerd's own containerd, in namespace "default" with the
# annotations Kubernetes' CRI plugin writes, already running at start:
# the snapshot names it, with its pod and namespace, from its bundle.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.sh"
. "$(dirname "$0")/exact_workload.sh"
trace="$TEST_TMP/exact.cadet"
CID=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)

ctr_rm() { # the containerd task and its overlay
	[ -n "$DK_TMP" ] || return 0
	ctr -a "$DK_TMP/exec/containerd/containerd.sock" -n default t kill -s KILL "$CID" >/dev/null 2>&1 || true
	sleep 0.5
	ctr -a "$DK_TMP/exec/containerd/containerd.sock" -n default t rm -f "$CID" >/dev/null 2>&1 || true
	ctr -a "$DK_TMP/exec/containerd/containerd.sock" -n default c rm "$CID" >/dev/null 2>&1 || true
	umount "$TEST_TMP/ctr/m" 2>/dev/null || true
}
trap 'ctr_rm; docker_cleanup; cleanup' EXIT

docker_start
docker_import cadet-exact-img
command -v ctr >/dev/null || skip "ctr not installed (package containerd)"
mkdir -p "$TEST_TMP/ctr/u" "$TEST_TMP/ctr/w" "$TEST_TMP/ctr/m"
mount -t overlay overlay -o "lowerdir=$(injector/mkrootfs.sh --print-path),upperdir=$TEST_TMP/ctr/u,workdir=$TEST_TMP/ctr/w" "$TEST_TMP/ctr/m"
ctr -a "$DK_TMP/exec/containerd/containerd.sock" -n default run -d --rootfs \
	--annotation io.kubernetes.cri.container-name=api \
	--annotation io.kubernetes.cri.sandbox-name=api-7d9f \
	--annotation io.kubernetes.cri.sandbox-namespace=prod \
	"$TEST_TMP/ctr/m" "$CID" /bin/sleep 120 >/dev/null ||
	fail "ctr run in dockerd's containerd failed"
recorder_start "$trace" --interval 200ms \
	--containerd-state "$DK_TMP/exec/containerd/daemon"
docker run --name dkexact --network none cadet-exact-img /bin/sh -c "$EXACT_SCRIPT" >/dev/null
id=$(docker inspect -f '{{.Id}}' dkexact)
sleep 1.5 # one more metrics interval after the workload
recorder_stop
docker rm dkexact >/dev/null
ctr_rm

"$CADET" check "$trace" || fail "cadet check reports problems"
"$CADET" info "$trace" >"$TEST_TMP/info.txt"
sed -n '/^containers:/,/^$/p' "$TEST_TMP/info.txt"
grep -Eq "docker +dkexact +${id:0:16} +cadet-exact-img" "$TEST_TMP/info.txt" ||
	fail "cadet info does not show dkexact with its image: $(cat "$TEST_TMP/info.txt")"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
python3 - "$TEST_TMP/dump.jsonl" "$id" >"$TEST_TMP/cg" <<'PY' || fail "name or image"
import json, sys
path, cid = sys.argv[1:3]
recs = [json.loads(l) for l in open(path)]
ctr = [r for r in recs if r["type"].startswith("container") and r["id"] == cid]
assert ctr, f"no container records of {cid}"
upd = [r for r in ctr if r["type"] == "container_update"]
assert upd, "no container_update record: the name never arrived"
name, image = upd[-1]["name"], upd[-1]["image"]
print(f"container {cid[:12]}: runtime {ctr[0]['runtime']}, name {name}, image {image}", file=sys.stderr)
assert ctr[0]["runtime"] == "docker", "runtime is not docker"
assert name == "dkexact" and image == "cadet-exact-img", "wrong name or image"
cg = ctr[0]["cgroup_id"]
early = [r for r in recs if r.get("cgroup_id") == cg and r.get("container") != "dkexact"
         and not r["type"].startswith("container")]
print(f"records before the name arrived: {len(early)} (named by the update in replay and reports)", file=sys.stderr)
print(cg)
PY
python3 "$(dirname "$0")/exact_check.py" "$TEST_TMP/dump.jsonl" "$(cat "$TEST_TMP/cg")" $N $M $K $B ||
	fail "counts differ"
python3 - "$TEST_TMP/dump.jsonl" "$CID" <<'PY' || fail "containerd container not named"
import json, sys
path, cid = sys.argv[1:3]
snap = [json.loads(l) for l in open(path)]
snap = [r for r in snap if r["type"] == "container" and r["id"] == cid]
assert snap, "no snapshot record of the containerd container"
r = snap[0]
print(f"containerd {cid[:12]}: runtime {r['runtime']}, name {r['name']}, pod {r['pod']}, namespace {r['pod_namespace']}")
assert (r["runtime"], r["name"], r["pod"], r["pod_namespace"]) == ("containerd", "api", "api-7d9f", "prod")
PY
echo "PASS docker_record_exact"
