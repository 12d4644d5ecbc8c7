#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Isolation Forest detector for `cadet replay` through the exec adapter.

    cadet replay --train ref/train/*.cadet --validate ref/val/*.cadet \
        --detector 'exec:python3 examples/detectors/sk_iforest.py --trees 100' \
        ref/test/*.cadet -o results.jsonl

Uses Debian's python3-sklearn (apt-get install python3-sklearn). The
feature vector is the one the built-in C iforest uses (docs/detector-abi.md,
"METRICS feature vector"): per container per tick, the METRICS records'
cpu_ns, rss_bytes, tx_bytes, rx_bytes, read_bytes, write_bytes, syscalls,
page_faults, ctx_switches, forks, execs, opens, connects, summed over the
tick (rss_bytes: the last value), each log1p-scaled.

The forest is fitted on the training windows at train_end, seeded with the
seed cadet hands over in the init line, so results are reproducible. The
score of a window is -score_samples() (higher = more anomalous). Without
--train traces it fits each trace on its own windows at trace_end
(plain unsupervised use) and scores them all then.
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

FEATURES = ["cpu_ns", "rss_bytes", "tx_bytes", "rx_bytes", "read_bytes",
            "write_bytes", "syscalls", "page_faults", "ctx_switches", "forks",
            "execs", "opens", "connects"]
RSS = FEATURES.index("rss_bytes")


class Detector:
    def __init__(self, opts):
        self.opts = opts
        self.seed = 1
        self.tick_ns = 1_000_000_000
        self.phase = "test"
        self.acc = {}          # cgroup_id -> summed raw values this tick
        self.train = []        # training feature vectors
        self.pending = []      # (cgroup_id, win_start, win_end, vector)
        self.model = None
        self.out = sys.stdout

    def send(self, obj):
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def ack(self):
        self.send({"type": "ack"})
        self.out.flush()

    def metrics(self, rec):
        a = self.acc.setdefault(rec["cgroup_id"], [0] * len(FEATURES))
        for i, name in enumerate(FEATURES):
            v = rec.get(name, 0)
            a[i] = v if i == RSS else a[i] + v

    def tick(self, ts):
        start = ts - self.tick_ns
        for cg in sorted(self.acc):
            vec = [math.log1p(v) for v in self.acc[cg]]
            if self.phase == "train":
                self.train.append(vec)
            elif self.model is not None:
                score = -float(self.model.score_samples(np.array([vec]))[0])
                self.send({"score": score, "cgroup_id": cg,
                           "win_start": start, "win_end": ts})
            else:
                self.pending.append((cg, start, ts, vec))
        self.acc = {}

    def fit(self, rows):
        model = IsolationForest(n_estimators=self.opts.trees,
                                max_samples=min(self.opts.samples, len(rows)),
                                random_state=self.seed % (2 ** 32))
        model.fit(np.array(rows))
        return model

    def train_end(self):
        if self.train:
            self.model = self.fit(self.train)
        else:
            self.send({"type": "log", "message":
                       "no training windows: each trace is fitted on its own windows"})

    def trace_end(self):
        if self.model is None and self.pending:
            model = self.fit([p[3] for p in self.pending])
            scores = -model.score_samples(np.array([p[3] for p in self.pending]))
            for (cg, start, end, _), s in zip(self.pending, scores):
                self.send({"score": float(s), "cgroup_id": cg,
                           "win_start": start, "win_end": end})
        self.pending = []

    def line(self, msg):
        t = msg.get("type")
        if t == "metrics":
            self.metrics(msg)
        elif t == "tick":
            self.tick(msg["ts"])
            self.ack()
        elif t == "init":
            self.seed = msg.get("seed", 1)
            self.tick_ns = msg.get("tick_ns", self.tick_ns)
            # Only METRICS records are features: ask for nothing else.
            self.send({"type": "ack", "types": ["metrics"]})
        elif t == "phase":
            self.phase = msg["phase"]
        elif t == "trace_begin":
            self.acc = {}
            self.pending = []
        elif t == "trace_end":
            self.trace_end()
            self.ack()
        elif t == "train_end":
            self.train_end()
            self.ack()
        # Every other record type is not a feature: ignored.


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, default=100, help="number of trees")
    ap.add_argument("--samples", type=int, default=256,
                    help="samples per tree (at most the training windows)")
    det = Detector(ap.parse_args())
    for raw in sys.stdin:
        det.line(json.loads(raw))


if __name__ == "__main__":
    main()
