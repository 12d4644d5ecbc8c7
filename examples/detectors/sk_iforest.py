#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Isolation Forest detector for `cadet replay` through the exec adapter.

    cadet replay --train ref/train/*.cadet --validate ref/val/*.cadet \
        --detector 'exec:python3 examples/detectors/sk_iforest.py --trees 100' \
        ref/test/*.cadet -o results.jsonl

Uses Debian's python3-sklearn (apt-get install python3-sklearn). The
feature vector is the one the built-in C iforest uses (docs/detectors.md,
"Rate features" and "iforest"): per container, over a window of the last
4 METRICS records (the first 3 of a container and its teardown record
left out), the rates per second of the delta counters (log1p), rss and the
task count (log1p), four log ratios, and the Shannon entropy of the
syscall mix (SYSCALL_HIST) over the same records; each normalised per
container role (container name) by the role's training median and robust
spread. tests/golden/iforest_sklearn.sh checks that this and the C iforest
rank the reference test windows alike (AUC-ROC within 0.02).

The forest is fitted on the training windows at train_end, seeded with the
seed cadet hands over in the init line, so results are reproducible. The
score of a window is -score_samples() (higher = more anomalous). A
replica `NAME-X` of a trained role `NAME` is judged as `NAME`; a role no
training trace had is not scored.
"""
import argparse
import json
import math
import os
import sys

try:
    import numpy as np
    from sklearn.ensemble import IsolationForest
except ImportError:
    # Debian's package lives under /usr/bin/python3; another python3 first
    # in PATH (a virtualenv, pyenv) does not see it.
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.stderr.write("sk_iforest: needs scikit-learn: apt-get install python3-sklearn\n")
    sys.exit(1)

# The delta counters, in the order of detect/detectors/features.h.
DELTAS = ["cpu_ns", "tx_bytes", "rx_bytes", "tx_packets", "rx_packets",
          "read_bytes", "write_bytes", "syscalls", "page_faults",
          "ctx_switches", "retransmits", "resets", "forks", "execs", "opens",
          "connects", "oom_kills"]
ND = len(DELTAS)
RSS, TASKS = ND, ND + 1
CPU_PER_SYSCALL, IO_PER_SYSCALL, TX_PER_RX, FAULTS_PER_CPU = range(ND + 2, ND + 6)
ENTROPY = ND + 6
DIM = ND + 7
I = {n: i for i, n in enumerate(DELTAS)}
NR = 512
MAD_SD = 1.4826


class Cont:
    def __init__(self, name, span):
        self.name = name
        self.span = span
        self.records = 0
        self.win = []          # (ts, interval_ns, deltas, rss, tasks, hist)
        self.pend = {}
        self.fresh = False
        self.last_tick = 0


def features(c):
    sums = [0.0] * ND
    secs = 0.0
    tasks = 0.0
    hist = {}
    for ts, interval, d, rss, t, h in c.win:
        for i in range(ND):
            sums[i] += d[i]
        secs += interval / 1e9
        tasks = max(tasks, t)
        for nr, n in h.items():
            hist[nr] = hist.get(nr, 0) + n
    rss = c.win[-1][3]
    if secs <= 0:
        secs = float(len(c.win))
    sums[I["cpu_ns"]] /= 1e6
    x = [0.0] * DIM
    for i in range(ND):
        x[i] = math.log1p(sums[i] / secs)
    x[RSS] = math.log1p(rss)
    x[TASKS] = math.log1p(tasks)
    x[CPU_PER_SYSCALL] = math.log1p(sums[I["cpu_ns"]] * 1e3 / secs) - x[I["syscalls"]]
    x[IO_PER_SYSCALL] = (math.log1p((sums[I["read_bytes"]] + sums[I["write_bytes"]]) / secs)
                         - x[I["syscalls"]])
    x[TX_PER_RX] = x[I["tx_bytes"]] - x[I["rx_bytes"]]
    x[FAULTS_PER_CPU] = x[I["page_faults"]] - x[I["cpu_ns"]]
    total = float(sum(hist.values()))
    h = 0.0
    # The C side sums in syscall-number order.
    for nr in sorted(hist):
        if hist[nr] > 0:
            p = hist[nr] / total
            h -= p * math.log(p)
    x[ENTROPY] = h
    return x


def robust_fit(rows, runs, floor):
    x = np.array(rows)
    med = np.median(x, axis=0)
    mad = MAD_SD * np.median(np.abs(x - med), axis=0)
    between = np.zeros(DIM)
    levels = [np.median(x[np.array(runs) == r], axis=0) for r in sorted(set(runs))]
    if len(levels) > 1:
        lv = np.array(levels)
        between = MAD_SD * np.median(np.abs(lv - np.median(lv, axis=0)), axis=0)
    return med, np.maximum(np.maximum(mad, between), floor)


class Detector:
    def __init__(self, opts):
        self.opts = opts
        self.seed = 1
        self.phase = "test"
        self.conts = {}        # cgroup_id -> Cont
        self.names = {}        # cgroup_id -> container name
        self.rows = {}         # role -> [vector], runs
        self.runs = {}
        self.run = 0
        self.norm = {}         # role -> (med, spread)
        self.model = None
        self.out = sys.stdout
        res = math.log1p(1.0 / opts.span)
        self.floor = np.array([opts.min_spread if f in (RSS, TASKS, ENTROPY) or res < opts.min_spread
                               else res for f in range(DIM)])

    def send(self, obj):
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def ack(self):
        self.send({"type": "ack"})
        self.out.flush()

    def cont(self, rec):
        cg = rec["cgroup_id"]
        c = self.conts.get(cg)
        if c is None:
            c = self.conts[cg] = Cont(self.names.get(cg) or rec.get("container") or "",
                                      self.opts.span)
        return c

    def hist(self, rec):
        c = self.cont(rec)
        h = rec.get("hist") or []
        for i in range(0, len(h) - 1, 2):
            nr = min(h[i], NR - 1)
            c.pend[nr] = c.pend.get(nr, 0) + h[i + 1]

    def metrics(self, rec):
        if not rec.get("nr_tasks") and not rec.get("rss_bytes"):
            return  # teardown: not a sample
        c = self.cont(rec)
        c.records += 1
        if c.records <= self.opts.warmup:
            c.pend = {}
            return
        c.win.append((rec["ts"], rec.get("interval_ns", 0),
                      [rec.get(n, 0) for n in DELTAS],
                      rec.get("rss_bytes", 0), rec.get("nr_tasks", 0), c.pend))
        c.pend = {}
        if len(c.win) > c.span:
            c.win.pop(0)
        c.fresh = True

    def tick(self, ts):
        batch = []             # (cgroup_id, start, z): one call per tick
        for cg in sorted(self.conts):
            c = self.conts[cg]
            if not c.fresh:
                continue
            c.fresh = False
            oldest = c.win[0]
            start = c.last_tick if c.last_tick and c.last_tick < ts else \
                max(oldest[0] - oldest[1], 0)
            c.last_tick = ts
            if len(c.win) < c.span:
                continue
            x = features(c)
            if self.phase == "train":
                self.rows.setdefault(c.name, []).append(x)
                self.runs.setdefault(c.name, []).append(self.run)
            elif self.model is not None and self.role(c.name) is not None:
                med, spread = self.norm[self.role(c.name)]
                batch.append((cg, start, (np.array(x) - med) / spread))
        if batch:
            scores = -self.model.score_samples(np.array([b[2] for b in batch]))
            for (cg, start, _), score in zip(batch, scores):
                self.send({"score": float(score), "cgroup_id": cg,
                           "win_start": start, "win_end": ts})

    def role(self, name):
        """The trained role that judges container @name: itself, else a
        replica's base (`web-a-2` -> `web-a` -> `web`), as the built-in
        detectors do (docs/detectors.md, "Replicas"); None if none."""
        while name not in self.norm and name.rfind("-") > 0:
            name = name.rsplit("-", 1)[0]
        return name if name in self.norm else None

    def train_end(self):
        data = []
        for role in sorted(self.rows):
            med, spread = robust_fit(self.rows[role], self.runs[role], self.floor)
            self.norm[role] = (med, spread)
            data.extend(((np.array(self.rows[role]) - med) / spread).tolist())
        if not data:
            self.send({"type": "log", "message": "no training windows: no scores"})
            return
        self.model = IsolationForest(n_estimators=self.opts.trees,
                                     max_samples=min(self.opts.samples, len(data)),
                                     random_state=self.seed % (2 ** 32))
        self.model.fit(np.array(data))

    def line(self, msg):
        t = msg.get("type")
        if t == "metrics":
            self.metrics(msg)
        elif t == "syscall_hist":
            self.hist(msg)
        elif t == "tick":
            self.tick(msg["ts"])
            self.ack()
        elif t == "init":
            self.seed = msg.get("seed", 1)
            self.send({"type": "ack", "types": ["metrics", "syscall_hist"]})
        elif t == "phase":
            self.phase = msg["phase"]
        elif t in ("container", "container_add"):
            if msg.get("name"):
                self.names[msg["cgroup_id"]] = msg["name"]
                if msg["cgroup_id"] in self.conts:
                    self.conts[msg["cgroup_id"]].name = msg["name"]
        elif t == "trace_begin":
            self.conts = {}
        elif t == "trace_end":
            if self.phase == "train":
                self.run += 1
            self.ack()
        elif t == "train_end":
            self.train_end()
            self.ack()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, default=100, help="number of trees")
    ap.add_argument("--samples", type=int, default=256,
                    help="samples per tree (at most the training windows)")
    ap.add_argument("--span", type=int, default=4, help="METRICS records per window")
    ap.add_argument("--warmup", type=int, default=3, help="start-up records left out")
    ap.add_argument("--min-spread", type=float, default=0.05,
                    help="least normalising spread")
    det = Detector(ap.parse_args())
    for raw in sys.stdin:
        det.line(json.loads(raw))


if __name__ == "__main__":
    main()
