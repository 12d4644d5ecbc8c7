#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Ground-truth counts of the exact-capture workload in one container.

Usage: exact_check.py DUMP.jsonl CGROUP_ID N M K B

DUMP.jsonl is `cadet dump --json` of the trace. The container's records
are those of CGROUP_ID: exactly N execs of /bin/true (none in any other
cgroup), at least M connects to port 7001, K+1 opens of the probe file
and B bytes sent; no events lost. Exits 1 with the reason otherwise.
"""
import json
import sys

path, cg, n, m, k, b = sys.argv[1], *map(int, sys.argv[2:])
recs = [json.loads(l) for l in open(path)]
mine = [r for r in recs if r.get("cgroup_id") == cg and not r["type"].startswith("container")]
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
for ok, why in ((len(execs) == n, "exec count differs"),
                (not stray, "execs attributed to another container"),
                (len(connects) >= m, "connects missing"),
                (len(opens) >= k + 1, "opens missing"),
                (tx >= b, "sent bytes missing"),
                (lost == 0, "events were lost")):
    if not ok:
        sys.exit(f"FAIL: {why}")
