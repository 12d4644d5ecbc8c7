#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""LSTM next-syscall model for `cadet replay` through the exec adapter.

    cadet replay --train ref/train/*.cadet --validate ref/val/*.cadet \
        --detector 'exec:python3 examples/detectors/torch_seq.py' \
        ref/test/*.cadet -o results.jsonl

Uses Debian's python3-torch (apt-get install python3-torch). Input: the
SYSCALL records of traces recorded with --syscall-seq (and EXIT records,
which end a thread's stream). Every other record is ignored.

Model. One stream per thread (tid), as stide. Each syscall number becomes
a token (nr + 1, numbers above 510 share token 511; token 0 pads the start
of a stream). For every call the model sees the previous --window tokens of
its stream (left-padded with 0, so the start of a thread is part of what it
learns) and predicts the next one: embedding (--embed) -> one LSTM layer
(--hidden) -> linear layer over the 512 tokens. The loss is the
cross-entropy of the observed call, i.e. its negative log-likelihood (NLL).

Training. The samples are the distinct (window, next call) pairs of the
--train traces, each weighted by how often it occurred (the likelihood of
all calls, at the cost of the distinct ones). At train_end at most
--max-samples of them are used (a seeded random subset when there are
more), and the model is fitted for --epochs epochs of Adam (--lr) over
shuffled mini-batches of --batch pairs, each batch's loss the weighted mean
NLL. Validation traces only feed the host's threshold.

Scores. Each call's NLL goes into a frame of the last --frame NLLs of its
stream; the call's score is the frame's sum divided by --frame (the first
calls of a stream count the missing part of the frame as 0, as stide's
locality frame counts it as matches). Per container per tick, the score
sent is the highest call score in that tick; a container with no syscall in
a tick gets no score. The host sets the threshold from the validation
scores (the exec adapter's default: their maximum).

Determinism: torch.manual_seed with the seed cadet hands over, one thread
(--threads), torch.use_deterministic_algorithms; NLLs are computed in
batches at each tick, in input order, with a cache of windows already
scored, so results are byte-identical from run to run.

--save-model PATH writes the trained model at train_end; --model PATH loads
one instead of training (the --train traces are then only read past).
Without --train traces and without --model the model stays untrained (every
token equally likely): a warning says so.
"""
import argparse
import json
import math
import os
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    # Debian's package lives under /usr/bin/python3; another python3 first
    # in PATH (a virtualenv, pyenv) does not see it.
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.stderr.write("torch_seq: needs PyTorch: apt-get install python3-torch\n")
    sys.exit(1)

VOCAB = 512          # tokens: 0 = padding, nr + 1 for nr <= 510, 511 above
CACHE_MAX = 1 << 21  # scored windows kept (cleared when full)
INFER_BATCH = 4096


def token(nr):
    return nr + 1 if 0 <= nr < VOCAB - 2 else VOCAB - 1


class Net(nn.Module):
    def __init__(self, embed, hidden):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, VOCAB)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(h[:, -1])


class Stream:
    __slots__ = ("cg", "win", "frame", "pos", "sum")

    def __init__(self, cg, window, frame):
        self.cg = cg
        self.win = [0] * window
        self.frame = [0.0] * frame
        self.pos = 0
        self.sum = 0.0

    def push(self, nll):
        # Exact running sum: recomputed from the frame, no drift.
        self.frame[self.pos] = nll
        self.pos = (self.pos + 1) % len(self.frame)
        self.sum = math.fsum(self.frame)
        return self.sum / len(self.frame)


class Detector:
    def __init__(self, opts):
        self.o = opts
        self.seed = 1
        self.tick_ns = 1_000_000_000
        self.phase = "test"
        self.streams = {}       # tid -> Stream
        self.counts = {}        # training key (window + target) -> count
        self.pending = []       # (stream, key) of calls since the last tick
        self.cache = {}         # key (window + target tokens) -> NLL
        self.model = None
        self.out = sys.stdout

    def send(self, obj):
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def log(self, msg):
        self.send({"type": "log", "message": "torch_seq: " + msg})

    def ack(self):
        self.send({"type": "ack"})
        self.out.flush()

    # -- input ------------------------------------------------------------

    def syscall(self, rec):
        tid, cg = rec["tid"], rec["cgroup_id"]
        st = self.streams.get(tid)
        if st is None or st.cg != cg:
            # A new thread, or a reused tid in another container.
            st = Stream(cg, self.o.window, self.o.frame)
            self.streams[tid] = st
        tok = token(rec["nr"])
        if self.phase == "train":
            if self.o.model is None:
                key = tuple(st.win) + (tok,)
                self.counts[key] = self.counts.get(key, 0) + 1
        else:
            self.pending.append((st, tuple(st.win) + (tok,)))
        st.win.pop(0)
        st.win.append(tok)

    def container_remove(self, rec):
        cg = rec["cgroup_id"]
        for tid in [t for t, s in self.streams.items() if s.cg == cg]:
            del self.streams[tid]

    # -- scoring ----------------------------------------------------------

    def nll(self, keys):
        """NLL of each key's last token given the others, in one pass."""
        out = []
        w = self.o.window
        with torch.no_grad():
            for i in range(0, len(keys), INFER_BATCH):
                t = torch.tensor(keys[i:i + INFER_BATCH], dtype=torch.long)
                if self.model is None:
                    out.extend([math.log(VOCAB)] * len(t))
                    continue
                logits = self.model(t[:, :w])
                out.extend(nn.functional.cross_entropy(
                    logits, t[:, w], reduction="none").tolist())
        return out

    def flush(self, win_start, win_end):
        if not self.pending:
            return
        new = []
        seen = set()
        for _, key in self.pending:
            if key not in self.cache and key not in seen:
                seen.add(key)
                new.append(key)
        if len(self.cache) + len(new) > CACHE_MAX:
            self.cache = {}
            new = list(dict.fromkeys(k for _, k in self.pending))
        self.cache.update(zip(new, self.nll(new)))
        best = {}
        for st, key in self.pending:
            s = st.push(self.cache[key])
            if st.cg not in best or s > best[st.cg]:
                best[st.cg] = s
        self.pending = []
        for cg in sorted(best):
            self.send({"score": best[cg], "cgroup_id": cg,
                       "win_start": win_start, "win_end": win_end})

    # -- training ---------------------------------------------------------

    def fit(self):
        o = self.o
        if not self.counts:
            self.log("no training syscalls: the model stays untrained "
                     "(every call scores log(512))")
            return
        cpu0 = time.process_time()
        g = torch.Generator().manual_seed(self.seed)
        # Streams repeat themselves: the distinct (window, next call) pairs
        # are few, each weighted by how often it occurred, which is the
        # same likelihood as every call on its own at a fraction of the cost.
        keys = sorted(self.counts)
        calls = sum(self.counts.values())
        data = torch.tensor(keys, dtype=torch.long)
        weight = torch.tensor([self.counts[k] for k in keys],
                              dtype=torch.float32)
        self.counts = {}
        n = len(keys)
        if n > o.max_samples:
            pick = torch.randperm(n, generator=g)[:o.max_samples]
            data, weight = data[pick], weight[pick]
        x, y = data[:, :o.window], data[:, o.window]
        model = Net(o.embed, o.hidden)
        opt = torch.optim.Adam(model.parameters(), lr=o.lr)
        m = len(y)
        total_w = float(weight.sum())
        msg = []
        model.train()
        for ep in range(o.epochs):
            perm = torch.randperm(m, generator=g)
            total = 0.0
            for i in range(0, m, o.batch):
                b = perm[i:i + o.batch]
                opt.zero_grad()
                nll = nn.functional.cross_entropy(model(x[b]), y[b],
                                                  reduction="none")
                loss = (nll * weight[b]).sum() / weight[b].sum()
                loss.backward()
                opt.step()
                total += float((nll.detach() * weight[b]).sum())
            msg.append(f"{total / total_w:.3f}")
        model.eval()
        self.model = model
        params = sum(p.numel() for p in model.parameters())
        self.log(f"trained on {m} distinct windows of {n} ({calls} calls), "
                 f"{o.epochs} epochs, {params} parameters, weighted mean "
                 f"NLL per epoch {' '.join(msg)}, "
                 f"{time.process_time() - cpu0:.1f} s CPU")

    def save(self, path):
        # A model learned from recorded data is private (0600, as cadet's
        # own models), written to a temporary name and renamed into place.
        o = self.o
        tmp = f"{path}.tmp{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": "cadet-torch-seq 1", "window": o.window,
                        "embed": o.embed, "hidden": o.hidden,
                        "state": self.model.state_dict()}, f)
        os.replace(tmp, path)

    def load(self, path):
        # weights_only: tensors and plain values, never arbitrary pickled
        # objects (a model file is data, it must not run code).
        try:
            d = torch.load(path, weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable file
            raise SystemExit(f"torch_seq: {path}: cannot read the model: {e}")
        if not isinstance(d, dict) or d.get("format") != "cadet-torch-seq 1":
            raise SystemExit(f"torch_seq: {path}: not a torch_seq model")
        if d["window"] != self.o.window:
            raise SystemExit(f"torch_seq: {path}: model of --window "
                             f"{d['window']}, run with --window {self.o.window}")
        model = Net(d["embed"], d["hidden"])
        model.load_state_dict(d["state"])
        model.eval()
        self.model = model

    def train_end(self):
        if self.o.model is None:
            self.fit()
        if self.o.save_model is not None:
            if self.model is None:
                self.log("no model to save (no training calls)")
            else:
                self.save(self.o.save_model)
        self.streams = {}

    # -- protocol ---------------------------------------------------------

    def line(self, msg):
        t = msg.get("type")
        if t == "syscall":
            self.syscall(msg)
        elif t == "exit":
            self.streams.pop(msg["tid"], None)
        elif t == "tick":
            ts = msg["ts"]
            self.flush(ts - self.tick_ns, ts)
            self.ack()
        elif t == "container_remove":
            self.container_remove(msg)
        elif t == "init":
            self.seed = msg.get("seed", 1)
            self.tick_ns = msg.get("tick_ns", self.tick_ns)
            torch.manual_seed(self.seed)
            self.send({"type": "ack", "types": ["syscall", "exit"]})
            self.out.flush()
        elif t == "phase":
            self.phase = msg["phase"]
        elif t == "trace_begin":
            self.streams = {}
            self.pending = []
        elif t == "trace_end":
            # The last tick closed the last window: nothing is pending.
            self.pending = []
            self.ack()
        elif t == "train_end":
            self.train_end()
            self.ack()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=int, default=10,
                    help="calls of context before the predicted one")
    ap.add_argument("--embed", type=int, default=16, help="embedding size")
    ap.add_argument("--hidden", type=int, default=32, help="LSTM state size")
    ap.add_argument("--epochs", type=int, default=40, help="training epochs")
    ap.add_argument("--max-samples", type=int, default=20000,
                    help="distinct training windows used at most "
                    "(a seeded subset when there are more)")
    ap.add_argument("--batch", type=int, default=64, help="mini-batch size")
    ap.add_argument("--lr", type=float, default=0.01, help="Adam step size")
    ap.add_argument("--frame", type=int, default=20,
                    help="calls per stream averaged into a score")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--save-model", metavar="PATH",
                    help="write the trained model here at train_end")
    ap.add_argument("--model", metavar="PATH",
                    help="load this model instead of training")
    o = ap.parse_args()
    for k in ("window", "embed", "hidden", "batch", "frame", "threads",
              "max_samples"):
        if getattr(o, k) < 1:
            ap.error(f"--{k.replace('_', '-')} must be at least 1")
    if o.epochs < 0:
        ap.error("--epochs must be at least 0")
    torch.set_num_threads(o.threads)
    torch.use_deterministic_algorithms(True)
    det = Detector(o)
    if o.model is not None:
        det.load(o.model)  # before init's ack: a bad file stops the run at start
    for raw in sys.stdin:
        det.line(json.loads(raw))


if __name__ == "__main__":
    main()
