#!/usr/bin/env bash
# scenarios/memleak.ini through `cadet run --launcher docker`: the signal
# check of the runc runs (scenario_signals.py), the same LABEL record,
# containers named as in the file with docker as runtime, and nothing of
# the run left in the daemon (containers, images) or on the host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.sh"
docker_start
out="$TEST_TMP/runs"
mkdir -p "$out"
"$CADET" run --launcher docker scenarios/memleak.ini --duration 24 -o "$out" \
	>"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err" ||
	fail "cadet run --launcher docker failed: $(tail -5 "$TEST_TMP/run.err")"
cat "$TEST_TMP/run.out"
trace=$(grep '\.cadet$' "$TEST_TMP/run.out" | tail -1)
[ -f "$trace" ] || fail "no trace"
"$CADET" info "$trace" | sed -n '/^containers:/,/^$/p'
python3 tests/integration/scenario_signals.py "$trace" --cadet "$CADET" \
	--expect mem_leak || fail "signal check"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
python3 - "$TEST_TMP/dump.jsonl" <<'PY' || fail "labels or names differ from a runc run's"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
labels = [r for r in recs if r["type"] == "label"]
assert len(labels) == 1, f"{len(labels)} LABEL records"
l = labels[0]
print(f"label: kind {l['kind']}, scenario {l['scenario']}, anomaly {l['anomaly']}, target {l['target']}, params {l['params']}")
assert (l["kind"], l["scenario"], l["anomaly"], l["target"]) == ("anomaly", "memleak", "mem_leak", "batch")
assert l["params"] == "rate=4M max=160M", l["params"]
names = {}
for r in recs:
    if r["type"] in ("container", "container_add", "container_update"):
        names[r["cgroup_id"]] = (r["runtime"], r["name"])
print("containers:", sorted(names.values()))
assert sorted(names.values()) == [("docker", "batch"), ("docker", "logger"), ("docker", "web")]
assert l["cgroup_id"] in names and names[l["cgroup_id"]][1] == "batch", "label not on batch's cgroup"
PY
left=$(docker ps -aq; docker images -q)
[ -z "$left" ] || fail "left in dockerd: $left"
ls /run/cadet 2>/dev/null | grep -E -- '-(web|batch|logger)-[0-9]+-' &&
	fail "state dirs left in /run/cadet"
echo "PASS docker_scenario"
