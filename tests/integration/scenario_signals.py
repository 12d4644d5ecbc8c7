#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that each anomaly's signal is visible in its trace: inside the
label window, on the label's target container, and not outside it.

Reads `cadet dump TRACE --json --type ...` (only the record types the
checks need), finds the LABEL records (ground truth: anomaly type,
target container, window) and runs, for each anomaly label, the check of
its type. A check measures one signal (the catalogue's expected evidence,
docs/scenarios.md "Anomaly types") twice on the target: inside the
window and outside it, and passes when the inside value clears the
threshold and the outside value does not look like the anomaly.
Thresholds follow the label's params where an intensity changes what the
payload can show (fewer ports, a slower leak, less CPU); the ratio to
what the container does outside the window does not.

"Outside" is the rest of the trace less the windows of the other
anomalies on the same target (a fleet's). Edge METRICS intervals (a
container's first one and its teardown, flagged FIRST/TEARDOWN from
format 1.2 on, inferred as detect/edge.c does for older traces) are
neither inside nor outside: they are not samples of the container.

A normal-only trace (label kind=normal) passes when every container has
metrics and no anomaly label is present.

Usage:
  scenario_signals.py [DIR]         every trace of DIR/{train,val,test}/
                                    (default datasets/ref): one table row
                                    per label, then "N passed, N failed"
  scenario_signals.py TRACE [--expect TYPE]
                                    one line per label, "PASS TYPE: ..."
                                    or "FAIL TYPE: ..."
  scenario_signals.py --json-lines DUMP.jsonl [--expect TYPE]
  scenario_signals.py --list

Exit status 0 when every label passed, 1 when one failed, 2 when a trace
could not be read.
"""

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "datasets"))
import manifest  # noqa: E402  record.py's plan entries by trace

NSEC = 1_000_000_000
# Events this long after the window's end still belong to it (a payload's
# last round, the kill at the deadline).
SLACK_NS = 1_500_000_000
SHELLS = {"sh", "dash", "bash", "ash", "zsh", "ksh", "busybox"}
SETID_OPS = {"setuid", "setgid", "setreuid", "setregid", "setresuid",
             "setresgid", "setfsuid", "setfsgid"}
O_ACCMODE = 0o3
O_TRUNC = 0o1000
S_ISUID = 0o4000
AF_INET, AF_INET6 = 2, 10
ECONNREFUSED = 111
METRICS_F_FIRST, METRICS_F_TEARDOWN = 0x1, 0x2
SPLITS = ("train", "val", "test", "heldout")
# heldout/ (anomalies made by other means than the payloads, whose
# signals these checks are not written for) only when asked.
DEFAULT_SPLITS = ("train", "val", "test")
# What every trace is read with: labels, container names, metrics and
# what the edge rule needs.
BASE_TYPES = ("label", "container", "container_add", "container_remove",
              "metrics")


class TraceError(Exception):
    pass


def parse_size(text, default):
    """'8M' -> 8388608 (K/M/G powers of 1024), default when absent."""
    if text is None:
        return default
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kKmMgG]?)(i?[bB])?\s*", str(text))
    if not m:
        return default
    mul = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    return int(float(m.group(1)) * mul[m.group(2).lower()])


def parse_params(text):
    """'rate=8M max=200M' -> {'rate': '8M', 'max': '200M'}."""
    out = {}
    for tok in (text or "").split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k.lstrip("-")] = v
    return out


def mark_edges(records):
    """Sets r["edge"] on each METRICS record that is not an ordinary
    sample of its container: the rule of detect/edge.c, on records in
    trace order. Format 1.2 flags FIRST and TEARDOWN; for older traces
    the first METRICS of a cgroup, one after its CONTAINER_REMOVE and
    one of an empty cgroup (no task, no memory) are edges too."""
    sampled, removed = set(), set()
    for r in records:
        t, cg = r.get("type"), r.get("cgroup_id")
        if t in ("container", "container_add"):
            removed.discard(cg)
        elif t == "container_remove":
            removed.add(cg)
        elif t == "metrics":
            edge = cg not in sampled or cg in removed or \
                r.get("flags", 0) & (METRICS_F_FIRST | METRICS_F_TEARDOWN) \
                or (not r.get("rss_bytes") and not r.get("nr_tasks"))
            sampled.add(cg)
            r["edge"] = bool(edge)


class Trace:
    """Records of one trace, indexed for the checks."""

    def __init__(self, lines):
        self.by_type = collections.defaultdict(list)
        self.containers = {}
        ordered = []
        n = 0
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise TraceError("dump line %d is not JSON: %s" % (n + 1, e))
            n += 1
            t = rec.get("type")
            if t in ("header", "schema"):
                continue
            self.by_type[t].append(rec)
            if t in ("container", "container_add", "container_remove",
                     "metrics"):
                ordered.append(rec)
            if t in ("container", "container_add") and rec.get("cgroup_id"):
                self.containers[rec["cgroup_id"]] = rec.get("name") or \
                    rec.get("container")
        if not n:
            raise TraceError("the dump is empty")
        mark_edges(ordered)
        self.labels = self.by_type.get("label", [])
        # A fleet run has one anomaly label per injected anomaly.
        self.anomaly_labels = [lab for lab in self.labels
                               if lab.get("kind") == "anomaly"]
        self.lost = sum(r.get("count", 0) for r in self.by_type.get("lost",
                                                                     []))
        ts = [r["ts"] for rs in self.by_type.values() for r in rs
              if r.get("ts") and r.get("type") != "label"]
        self.first = min(ts) if ts else 0
        self.last = max(ts) if ts else 0


class Window:
    """One anomaly label of a trace: its target and window, and the
    selection of the target's records inside and outside it."""

    def __init__(self, trace, label, replaces=None):
        """@replaces: the real label that @label (a control's false one)
        stands for; its window is not set apart as another anomaly's."""
        self.t = trace
        self.label = label
        self.kind = label.get("kind", "")
        self.anomaly = label.get("anomaly", "")
        self.target = label.get("target", "")
        self.cg = label.get("cgroup_id", 0)
        self.start = label.get("start_ts", 0)
        self.end = label.get("end_ts", 0)
        self.params = parse_params(label.get("params"))
        # Windows of the other anomalies on the same target: theirs, so
        # neither this one's inside nor its outside.
        self.others = [(lab["start_ts"], lab["end_ts"])
                       for lab in trace.anomaly_labels
                       if lab is not label and lab is not replaces and
                       lab.get("cgroup_id") == self.cg and self.cg]

    # ---- selection ----

    def is_target(self, rec):
        # By cgroup id when the label has one: another run recorded at the
        # same time may have a container of the same name.
        if self.cg:
            return rec.get("cgroup_id") == self.cg
        return bool(self.target) and rec.get("container") == self.target

    def where(self, ts):
        """'in', 'out' or None (another anomaly's window) for an event."""
        if self.start <= ts <= self.end + SLACK_NS:
            return "in"
        if any(s <= ts <= e + SLACK_NS for s, e in self.others):
            return None
        return "out"

    def events(self, rtype, where="in", pred=None):
        """Target's records of @rtype inside the window or outside it."""
        return [r for r in self.t.by_type.get(rtype, [])
                if self.is_target(r) and self.where(r["ts"]) == where and
                (pred is None or pred(r))]

    def metrics(self):
        return sorted((r for r in self.t.by_type.get("metrics", [])
                       if self.is_target(r)), key=lambda r: r["ts"])

    def intervals(self, where):
        """The target's non-edge METRICS whose interval overlaps the
        window ('in'), or lies wholly before it ('pre'), after it
        ('post') or either ('out'), never overlapping another anomaly's
        window on the target."""
        out = []
        for r in self.metrics():
            if r.get("edge"):
                continue
            iv = r.get("interval_ns") or NSEC
            lo, hi = r["ts"] - iv, r["ts"]
            if hi > self.start and lo < self.end:
                key = "in"
            elif any(hi > s and lo < e for s, e in self.others):
                continue
            else:
                key = "pre" if hi <= self.start else "post"
            if where == key or (where == "out" and key in ("pre", "post")):
                out.append(r)
        return out

    def samples(self, where):
        """The target's non-edge METRICS as gauge samples (rss_bytes is
        read at the record's ts): taken inside the window ('in'), before
        the onset ('pre'), after the end ('post') or either ('out')."""
        out = []
        for r in self.metrics():
            if r.get("edge"):
                continue
            ts = r["ts"]
            if self.start <= ts <= self.end:
                key = "in"
            elif self.end < ts <= self.end + SLACK_NS:
                continue  # the payload exiting: neither
            elif any(s <= ts <= e + SLACK_NS for s, e in self.others):
                continue
            else:
                key = "pre" if ts < self.start else "post"
            if where == key or (where == "out" and key in ("pre", "post")):
                out.append(r)
        return out

    def window_s(self):
        return max((self.end - self.start) / NSEC, 1e-3)

    def outside_s(self):
        """Seconds of the trace outside this and the target's other
        windows (at least 1)."""
        busy = self.window_s() + sum((e - s) / NSEC for s, e in self.others)
        return max((self.t.last - self.t.first) / NSEC - busy, 1.0)

    def rate(self, field, where):
        """Per-second rate of a delta metric over @where's intervals;
        None when there is no such interval."""
        rs = self.intervals(where)
        secs = sum(r.get("interval_ns") or NSEC for r in rs) / NSEC
        return sum(r.get(field, 0) for r in rs) / secs if secs else None

    def total(self, field, where):
        return sum(r.get(field, 0) for r in self.intervals(where))


class Result:
    """What one check measured: the signal, its value inside the window
    and outside it (numbers for the ratio and thresholds, text for the
    table), the threshold and the verdict."""

    def __init__(self, signal, vin, vout, want, ok, note=""):
        self.signal, self.vin, self.vout = signal, vin, vout
        self.want, self.ok, self.note = want, bool(ok), note

    def line(self):
        return "%s: %s in the window, %s outside (want %s)%s" % (
            self.signal, self.vin, self.vout, self.want,
            "; " + self.note if self.note else "")


def fmt_mib(n):
    return "%.1f MiB" % (n / 1048576)


def ratio_ok(vin, vout, factor):
    return vin > factor * vout


def none0(v):
    return 0.0 if v is None else v


# ---- one check per anomaly type: Window -> Result ----

def check_cpu(w, min_cpus, factor, name="CPU"):
    cin, cout = w.rate("cpu_ns", "in"), w.rate("cpu_ns", "out")
    if cin is None:
        return Result(name, "no interval", "-", "", False,
                      "no non-edge METRICS of the target in the window")
    cin, cout = cin / NSEC, none0(cout) / NSEC
    ok = cin >= min_cpus and ratio_ok(cin, cout, factor)
    return Result(name, "%.2f CPU" % cin, "%.2f CPU" % cout,
                  ">= %.2f CPU and > %gx outside" % (min_cpus, factor), ok)


def check_cpu_hog(w):
    # 70% of what the payload asks for (threads x util), at most 0.25 CPU.
    asked = int(w.params.get("threads", 2)) * float(w.params.get("util",
                                                                 0.9))
    return check_cpu(w, min(0.25, 0.7 * asked), 3)


def check_crypto_miner(w):
    port = int(w.params.get("port", 3333))
    r = check_cpu(w, 0.1, 3)
    to_pool = lambda e: e.get("dport") == port
    b_in = len(w.events("connect", "in", to_pool))
    b_out = len(w.events("connect", "out", to_pool))
    r.signal = "CPU + connects to :%d" % port
    r.vin = "%s, %d" % (r.vin, b_in)
    r.vout = "%s, %d" % (r.vout, b_out)
    r.want += "; >= 1 connect inside, 0 outside"
    r.ok = r.ok and b_in >= 1 and b_out == 0
    return r


def rss_slope(rs):
    """Least-squares slope of rss_bytes over time, bytes/s (None with
    fewer than 3 samples)."""
    if len(rs) < 3:
        return None
    xs = [r["ts"] / NSEC for r in rs]
    ys = [r.get("rss_bytes", 0) for r in rs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den \
        if den else None


def baseline_rss(w):
    """Median RSS of the target before the onset (its first in-window
    sample when there is none)."""
    pre = sorted(r.get("rss_bytes", 0) for r in w.samples("pre"))
    if pre:
        return pre[len(pre) // 2]
    inside = w.samples("in")
    return inside[0].get("rss_bytes", 0) if inside else 0


def check_mem_leak(w):
    rate = parse_size(w.params.get("rate"), 8 << 20)
    cap = parse_size(w.params.get("max"), 200 << 20)
    expected = min(rate * w.window_s(), cap)
    # 16 MiB above the batch job's own swings, or half of a smaller leak.
    want = max(min(16 << 20, int(0.5 * expected)), int(0.3 * expected))
    # The leak's own slope (the cap may end it early); 30% of it.
    want_slope = 0.3 * expected / w.window_s()
    base = baseline_rss(w)
    peak = max((r.get("rss_bytes", 0) for r in w.samples("in")),
               default=0)
    s_in = rss_slope(w.samples("in"))
    s_pre = rss_slope(w.samples("pre"))
    s_post = rss_slope(w.samples("post"))
    s_out = max(none0(s_pre), none0(s_post))
    ok = peak - base >= want and s_in is not None and \
        s_in >= want_slope and s_out < want_slope
    return Result(
        "RSS slope, growth", "%.2f MiB/s, +%s" % (none0(s_in) / 1048576,
                                                  fmt_mib(peak - base)),
        "%.2f MiB/s" % (s_out / 1048576),
        ">= %.2f MiB/s inside, less outside; +%s" % (
            want_slope / 1048576, fmt_mib(want)), ok,
        "" if s_in is not None else "fewer than 3 samples in the window")


def check_mem_bomb(w):
    cap = parse_size(w.params.get("max"), 192 << 20)
    want = max(32 << 20, int(0.4 * cap))
    base = baseline_rss(w)
    peak_in = max((r.get("rss_bytes", 0) for r in w.samples("in")),
                  default=0)
    peak_out = max((r.get("rss_bytes", 0) for r in w.samples("out")),
                   default=base)
    ooms = len(w.events("oom_kill")) + sum(
        r.get("oom_kills", 0) for r in w.intervals("in"))
    ok = (peak_in - base >= want or ooms > 0) and peak_out - base < want
    return Result("RSS above the pre-onset median",
                  "+%s, %d OOM kills" % (fmt_mib(peak_in - base), ooms),
                  "+%s" % fmt_mib(max(peak_out - base, 0)),
                  ">= %s (or an OOM kill) inside, less outside" %
                  fmt_mib(want), ok)


def count_rates(w, rtype, pred=None):
    n_in = len(w.events(rtype, "in", pred))
    n_out = len(w.events(rtype, "out", pred))
    return n_in, n_out, n_in / w.window_s(), n_out / w.outside_s()


def check_counted(w, signal, rtype, pred, least, factor):
    n_in, n_out, r_in, r_out = count_rates(w, rtype, pred)
    ok = n_in >= least and ratio_ok(r_in, r_out, factor)
    return Result(signal, "%d (%.1f/s)" % (n_in, r_in),
                  "%d (%.2f/s)" % (n_out, r_out),
                  ">= %d and > %gx the rate outside" % (least, factor), ok)


def check_fork_bomb(w):
    return check_counted(w, "process forks", "fork",
                         lambda r: not r.get("thread"), 100, 5)


def check_file_churn(w):
    return check_counted(w, "renames + unlinks", "file_op",
                         lambda r: r.get("op") in ("rename", "unlink"),
                         100, 5)


def check_conn_flood(w):
    return check_counted(w, "connects", "connect", None, 200, 10)


def check_fd_leak(w):
    # A process is (pid, comm): the runtime's setup opens files under the
    # payload's pid before it execs the payload.
    opened = lambda r: r.get("ret", -1) >= 0
    key = lambda r: (r["pid"], r.get("comm", ""))
    per_in = collections.Counter(key(r) for r in
                                 w.events("open", "in", opened))
    per_out = collections.Counter(key(r) for r in
                                  w.events("open", "out", opened))
    # The process that opened most inside, and the one that opened most
    # outside, scaled to the window's length: no process outside may
    # look like the leak.
    n, proc = max(((n, p) for p, n in per_in.items()),
                  default=(0, (0, "-")))
    n_out, proc_out = max(((n, p) for p, n in per_out.items()),
                          default=(0, (0, "-")))
    n_out_w = n_out * min(1.0, w.window_s() / w.outside_s())
    want = int(min(100, 0.3 * float(w.params.get("rate", 200)) *
                   w.window_s()))
    ok = n >= want and n_out_w < want
    return Result("successful opens by one process",
                  "%d (%s)" % (n, proc[1]),
                  "%.0f per window length (%s: %d in %.0f s)" % (
                      n_out_w, proc_out[1], n_out, w.outside_s()),
                  ">= %d inside, fewer outside" % want, ok)


def check_bytes(w, field, what, rate_default, cap_default=None):
    """A byte count at --rate, for --max at most (@cap_default None: no
    cap, --max bounds something else)."""
    rate = parse_size(w.params.get("rate"), rate_default)
    cap = 1 << 62 if cap_default is None else \
        parse_size(w.params.get("max"), cap_default)
    b_in, b_out = w.rate(field, "in"), none0(w.rate(field, "out"))
    total = w.total(field, "in")
    want = 0.3 * min(rate * w.window_s(), cap)
    # The payload adds its rate to what the container does anyway (the
    # batch worker writes about 1 MiB/s): at a low rate a fixed ratio to
    # the outside would test the background, not the payload. The window
    # must show at least half the payload's rate above the outside rate,
    # and at least twice the outside rate.
    excess = min(rate, cap / max(w.window_s(), 1.0)) / 2
    ok = b_in is not None and total >= want and \
        b_in - b_out >= excess and ratio_ok(b_in, b_out, 2)
    return Result(what, "%s (%s/s)" % (fmt_mib(total), fmt_mib(none0(b_in))),
                  "%s/s" % fmt_mib(b_out),
                  ">= %s, >= %s/s above the rate outside and > 2x it" %
                  (fmt_mib(want), fmt_mib(excess)), ok)


def check_disk_flood(w):
    # --max bounds what stays on disk, not what is written: no cap.
    return check_bytes(w, "write_bytes", "bytes written", 32 << 20)


def check_net_exfil(w):
    return check_bytes(w, "tx_bytes", "bytes sent", 16 << 20, 1 << 30)


def port_count(text):
    """'1-1024' -> 1024, '22,80,443' -> 3."""
    n = 0
    for part in (text or "1-1024").split(","):
        lo, _, hi = part.partition("-")
        n += int(hi or lo) - int(lo) + 1
    return n


def check_port_scan(w):
    tcp = lambda r: r.get("family") in (AF_INET, AF_INET6) and \
        r.get("dport")
    refused = lambda r: tcp(r) and r.get("ret") == -ECONNREFUSED
    d_in = {r["dport"] for r in w.events("connect", "in", tcp)}
    d_out = {r["dport"] for r in w.events("connect", "out", tcp)}
    n_in, n_out, r_in, r_out = count_rates(w, "connect", refused)
    want = min(100, int(0.8 * port_count(w.params.get("ports"))))
    ok = len(d_in) >= want and len(d_out) <= 10 and \
        ratio_ok(r_in, r_out, 5)
    return Result("distinct TCP ports, refused connects",
                  "%d, %d" % (len(d_in), n_in),
                  "%d, %d" % (len(d_out), n_out),
                  ">= %d ports inside, <= 10 outside; refused > 5x the "
                  "rate outside" % want, ok)


SENSITIVE = ("/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa",
             "/etc/ssh/ssh_host_rsa_key")


def check_none_outside(signal, n_in, n_out, least=1, extra_ok=True,
                       want=None):
    ok = n_in >= least and n_out == 0 and extra_ok
    return Result(signal, str(n_in), str(n_out),
                  want or ">= %d inside, 0 outside" % least, ok)


def check_sensitive_read(w):
    def reads(r):
        return r.get("path") in SENSITIVE and \
            (r.get("flags", 0) & O_ACCMODE) == os.O_RDONLY
    return check_none_outside("read-only opens of credential files",
                              len(w.events("open", "in", reads)),
                              len(w.events("open", "out", reads)))


def check_priv_esc(w):
    setid = lambda r: r.get("op") in SETID_OPS
    denied = lambda r: setid(r) and r.get("denied")
    suid = lambda r: r.get("op") == "chmod" and \
        (r.get("mode", 0) & S_ISUID)
    n_set = len(w.events("security", "in", setid))
    n_den = len(w.events("security", "in", denied))
    n_den_out = len(w.events("security", "out", denied))
    n_suid = len(w.events("file_op", "in", suid))
    n_suid_out = len(w.events("file_op", "out", suid))
    ok = n_set >= 1 and (n_den >= 1 or n_suid >= 1) and \
        n_den_out == 0 and n_suid_out == 0
    return Result("denied setuid-family calls, set-uid chmods",
                  "%d, %d (of %d setuid-family)" % (n_den, n_suid, n_set),
                  "%d, %d" % (n_den_out, n_suid_out),
                  "a setuid-family call and a denial or set-uid chmod "
                  "inside, none outside", ok)


def check_reverse_shell(w):
    port = int(w.params.get("port", 4444))
    to_port = lambda r: r.get("dport") == port
    conn = {}
    for r in w.events("connect", "in", to_port):
        conn.setdefault(r["pid"], r["ts"])

    def shell_after_connect(r):
        name = os.path.basename(r.get("filename") or "")
        return name in SHELLS and r["pid"] in conn and \
            r["ts"] >= conn[r["pid"]]
    shells = w.events("exec", "in", shell_after_connect)
    n_out = len(w.events("connect", "out", to_port))
    return Result("connects to :%d, shell execs by a connected pid" % port,
                  "%d, %d" % (len(conn), len(shells)), "%d, -" % n_out,
                  "a shell exec after a connect inside, no connect "
                  "outside", bool(shells) and n_out == 0)


def check_escape_probe(w):
    ops = ("unshare", "setns", "mount")
    probe = lambda r: r.get("op") in ops and r.get("denied")
    n_in = w.events("security", "in", probe)
    n_out = w.events("security", "out", probe)
    kinds = sorted({r["op"] for r in n_in})
    ok = len(n_in) >= 3 and len(kinds) >= 2 and len(n_out) <= len(n_in) / 4
    return Result("denied unshare/setns/mount",
                  "%d (%s)" % (len(n_in), "/".join(kinds) or "-"),
                  str(len(n_out)),
                  ">= 3 of >= 2 kinds inside, <= 1/4 of that outside", ok)


def check_ptrace_attach(w):
    pt = lambda r: r.get("op") == "ptrace"
    return check_none_outside("ptrace calls",
                              len(w.events("security", "in", pt)),
                              len(w.events("security", "out", pt)))


def is_memfd_exec(r):
    f = r.get("filename") or ""
    return f.startswith("/dev/fd/") or f.startswith("/proc/self/fd/") or \
        "memfd:" in f


def check_fileless_exec(w):
    memfd = lambda r: r.get("op") == "memfd_create"
    creates = sorted(r["ts"] for r in w.t.by_type.get("security", [])
                     if w.is_target(r) and memfd(r))

    # The anomaly's exec follows a memfd_create in the container; runc
    # itself execs a memfd copy of itself (/dev/fd/N) when it starts a
    # container, with no memfd_create inside it: that is not counted,
    # only reported.
    def paired(r):
        return is_memfd_exec(r) and any(
            r["ts"] - NSEC <= c <= r["ts"] for c in creates)

    def unpaired(r):
        return is_memfd_exec(r) and not paired(r)
    n_mem = len(w.events("security", "in", memfd))
    n_exec = len(w.events("exec", "in", paired))
    o_mem = len(w.events("security", "out", memfd))
    o_exec = len(w.events("exec", "out", paired))
    o_runtime = w.events("exec", "out", unpaired)
    ok = n_mem >= 1 and n_exec >= 1 and o_mem + o_exec == 0
    return Result("memfd_create, execs of a memfd after one",
                  "%d, %d" % (n_mem, n_exec), "%d, %d" % (o_mem, o_exec),
                  "both inside, neither outside", ok,
                  "%d memfd exec(s) outside without a memfd_create (%s)" % (
                      len(o_runtime), ",".join(sorted({r.get("comm", "?")
                                                       for r in o_runtime})))
                  if o_runtime else "")


TMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")


def check_drop_and_exec(w):
    dropped = lambda r: (r.get("filename") or "").startswith(TMP_DIRS)
    return check_none_outside("execs of files under /tmp, /var/tmp, "
                              "/dev/shm",
                              len(w.events("exec", "in", dropped)),
                              len(w.events("exec", "out", dropped)))


def check_log_wipe(w):
    def wipe_op(r):
        return r.get("op") in ("truncate", "unlink") and \
            (r.get("path") or "").startswith("/var/log/")

    def trunc_open(r):
        return (r.get("path") or "").startswith("/var/log/") and \
            r.get("flags", 0) & O_TRUNC
    n_in = len(w.events("file_op", "in", wipe_op)) + \
        len(w.events("open", "in", trunc_open))
    n_out = len(w.events("file_op", "out", wipe_op)) + \
        len(w.events("open", "out", trunc_open))
    return check_none_outside("truncations/unlinks under /var/log",
                              n_in, n_out)


def check_raw_socket(w):
    raw = lambda r: r.get("op") in ("raw_socket", "packet_socket")
    return check_none_outside("raw/packet sockets",
                              len(w.events("security", "in", raw)),
                              len(w.events("security", "out", raw)))


# Anomaly type -> (check, record types it reads beside BASE_TYPES).
CHECKS = {
    "cpu_hog": (check_cpu_hog, ()),
    "mem_leak": (check_mem_leak, ()),
    "mem_bomb": (check_mem_bomb, ("oom_kill",)),
    "fork_bomb": (check_fork_bomb, ("fork",)),
    "fd_leak": (check_fd_leak, ("open",)),
    "disk_flood": (check_disk_flood, ()),
    "file_churn": (check_file_churn, ("file_op",)),
    "sensitive_read": (check_sensitive_read, ("open",)),
    "priv_esc": (check_priv_esc, ("security", "file_op")),
    "reverse_shell": (check_reverse_shell, ("connect", "exec")),
    "port_scan": (check_port_scan, ("connect",)),
    "conn_flood": (check_conn_flood, ("connect",)),
    "net_exfil": (check_net_exfil, ()),
    "crypto_miner": (check_crypto_miner, ("connect",)),
    "escape_probe": (check_escape_probe, ("security",)),
    "ptrace_attach": (check_ptrace_attach, ("security",)),
    "fileless_exec": (check_fileless_exec, ("security", "exec")),
    "drop_and_exec": (check_drop_and_exec, ("exec",)),
    "log_wipe": (check_log_wipe, ("file_op", "open")),
    "raw_socket": (check_raw_socket, ("security",)),
}


def check_normal(t):
    names = set(t.containers.values())
    with_metrics = {r.get("container") for r in t.by_type.get("metrics", [])}
    missing = sorted(n for n in names if n not in with_metrics)
    ok = bool(names) and not missing and not t.anomaly_labels
    return Result("containers with metrics, anomaly labels",
                  "%d of %d, %d" % (len(names) - len(missing), len(names),
                                    len(t.anomaly_labels)), "-",
                  "every container, no anomaly label", ok,
                  "without metrics: " + ",".join(missing) if missing else "")


def check_label(t, label, replaces=None):
    """(name, Result) for one anomaly label of trace @t."""
    w = Window(t, label, replaces)
    name = w.anomaly
    if name not in CHECKS:
        return name, Result("?", "-", "-", "", False,
                            "no check for anomaly type %r (known: %s)" % (
                                name, ", ".join(sorted(CHECKS))))
    if not w.start or w.end < w.start:
        return name, Result("window", "-", "-", "", False,
                            "the label's window is empty (%d..%d)" % (
                                w.start, w.end))
    if not w.metrics():
        return name, Result("metrics", "-", "-", "", False,
                            "no metrics of target %s (cgroup %d) in the "
                            "trace: was it recorded?" % (w.target, w.cg))
    r = CHECKS[name][0](w)
    r.note = "; ".join(x for x in (r.note, "target %s, window %.1f s" % (
        w.target, w.window_s()), "%d events lost" % t.lost if t.lost
        else "") if x)
    return name, r


def check(t, expect=None):
    """[(name, Result)] for trace @t: one per anomaly label, or one for a
    normal-only trace."""
    if not t.labels:
        return [(expect or "?", Result("label", "-", "-", "", False,
                                       "no LABEL record in the trace"))]
    if not t.anomaly_labels:
        if expect and expect != "normal":
            return [(expect, Result("label", "-", "-", "", False,
                                    "expected %s, the trace is normal-only"
                                    % expect))]
        return [("normal", check_normal(t))]
    out = []
    for label in t.anomaly_labels:
        if expect and expect != label.get("anomaly"):
            out.append((expect, Result("label", "-", "-", "", False,
                                       "the trace's anomaly is %s" %
                                       label.get("anomaly"))))
            continue
        out.append(check_label(t, label))
    return out


# ---- controls: labels that lie must fail ----

def moved_window(t, label):
    """A window as long as @label's (or as long as fits) where its
    anomaly is not: after its end (and the slack) when there is room
    before the trace's last METRICS, else before its onset; None when
    neither has a second to spare."""
    s, e = label["start_ts"], label["end_ts"]
    length = e - s
    # Leave the edges out: the first interval and the teardown.
    ts = sorted({r["ts"] for r in t.by_type.get("metrics", [])
                 if not r.get("edge")})
    if len(ts) < 2:
        return None
    lo, hi = ts[0], ts[-1]
    after = (e + SLACK_NS + NSEC, hi)
    # Its slack and its last interval must end before the onset.
    before = (lo, s - SLACK_NS - NSEC)
    best = max((after, before), key=lambda g: min(g[1] - g[0], length))
    if after[1] - after[0] >= length:
        best = after
    span = min(length, best[1] - best[0])
    if span < NSEC:
        return None
    return best[0], best[0] + span


def controls(t):
    """[(name, what, Result)]: each anomaly label's check run on false
    labels, the same anomaly on every other container and in a window
    moved off the anomaly (on its target). A check that passes one of
    them does not tell the anomaly from what is not."""
    out = []
    for label in t.anomaly_labels:
        name = label.get("anomaly")
        for cg, cname in sorted(t.containers.items()):
            if cg == label.get("cgroup_id"):
                continue
            fake = dict(label, cgroup_id=cg, target=cname)
            out.append((name, "on %s" % cname, check_label(t, fake)[1]))
        mw = moved_window(t, label)
        if mw:
            fake = dict(label, start_ts=mw[0], end_ts=mw[1])
            what = "window moved %+.0f s" % ((mw[0] - label["start_ts"]) /
                                              NSEC)
            out.append((name, what, check_label(t, fake, label)[1]))
    return out


def scenario_params(scenario_dir):
    """Anomaly type -> (target, params): its scenario's `target` and the
    payload params of its weakest variant ([anomaly] keys with [intensity
    low] over them), as a LABEL holds them; {} when the directory is not
    there."""
    import configparser
    out = {}
    names = sorted(os.listdir(scenario_dir)) \
        if os.path.isdir(scenario_dir) else []
    for name in names:
        if not name.endswith(".ini"):
            continue
        c = configparser.ConfigParser(strict=False, interpolation=None,
                                      comment_prefixes=(";", "#"),
                                      inline_comment_prefixes=(" ;",))
        try:
            c.read(os.path.join(scenario_dir, name))
        except configparser.Error:
            continue
        if "anomaly" not in c or "type" not in c["anomaly"]:
            continue
        keys = dict(c["anomaly"])
        if "intensity low" in c:
            keys.update(c["intensity low"])
        skip = ("type", "target", "start", "duration", "intensity",
                "command")
        out.setdefault(keys["type"], (keys.get("target", ""), " ".join(
            "%s=%s" % (k, v) for k, v in keys.items() if k not in skip)))
    return out


# False labels on a normal-only trace: windows of this length, this far
# apart, over its non-edge span.
NORMAL_WINDOW_NS = 20 * NSEC
NORMAL_STEP_NS = 30 * NSEC


WORKERS = ("batch", "logger")


def is_role(cname, target):
    """Whether container @cname is what a scenario's `target` names: the
    name itself (a fleet's instances are NAME-ID), or for @service a
    profile's service, i.e. not one of the workers."""
    if not target:
        return True
    base = re.sub(r"-[a-z0-9]+$", "", cname)
    if target == "@service":
        return base not in WORKERS
    return cname in target.split() or base in target.split()


def normal_controls(t, params):
    """[(name, what, Result, binding)] for a normal-only trace: every
    anomaly's check, with its weakest variant's params, on every
    container in windows spread over the run. On the containers the
    anomaly's scenario targets (@binding), normal behaviour (the load's
    surges, the operator's actions, restarts) must pass none; elsewhere
    a pass only says what that container's normal looks like."""
    ts = sorted({r["ts"] for r in t.by_type.get("metrics", [])
                 if not r.get("edge")})
    if len(ts) < 2:
        return []
    out = []
    start = ts[0] + NSEC
    while start + NORMAL_WINDOW_NS <= ts[-1]:
        for name in sorted(CHECKS):
            for cg, cname in sorted(t.containers.items()):
                target, pars = params.get(name, ("", ""))
                fake = {"kind": "anomaly", "anomaly": name,
                        "scenario": name, "target": cname, "cgroup_id": cg,
                        "start_ts": start,
                        "end_ts": start + NORMAL_WINDOW_NS,
                        "params": pars}
                what = "on %s at %.0f s" % (cname, (start - t.first) / NSEC)
                out.append((name, what, check_label(t, fake)[1],
                            is_role(cname, target)))
        start += NORMAL_STEP_NS
    return out


def dump_lines(cadet, trace, types=None):
    cmd = [cadet, "dump", trace, "--json"]
    if types:
        cmd += ["--type", ",".join(sorted(set(types)))]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, check=False)
    except OSError as e:
        raise TraceError("cannot run %s: %s (build it with make, or pass "
                         "--cadet PATH)" % (cadet, e.strerror))
    if p.returncode != 0:
        raise TraceError("%s dump %s failed: %s" % (
            cadet, trace, p.stderr.strip() or "exit %d" % p.returncode))
    return p.stdout.splitlines()


def load(cadet, trace, control=False):
    """The trace with the record types its labels' checks read: the
    labels first (a small read), then only what the checks need, so that
    the syscall streams are never decoded into JSON. With @control, a
    normal-only trace gets what every check reads (normal_controls())."""
    labels = [json.loads(x) for x in dump_lines(cadet, trace, ["label"])]
    types = set(BASE_TYPES)
    for lab in labels:
        types |= set(CHECKS.get(lab.get("anomaly"), (None, ()))[1])
    if control and not any(lab.get("kind") == "anomaly" for lab in labels):
        for _, more in CHECKS.values():
            types |= set(more)
    return Trace(dump_lines(cadet, trace, types))


# ---- a dataset directory ----

def variant(label, run):
    """(profile, intensity) of a labeled run: the label's
    `variant=PROFILE_INTENSITY` param, else the run's plan entry
    (manifest.runs()), else 'default'; a fleet's profile is the fleet."""
    v = parse_params(label.get("params") if label else "").get("variant")
    prof = inten = None
    if v:
        prof, _, inten = v.partition("_")
    prof = prof or run.get("profile")
    inten = inten or run.get("intensity")
    if label and label.get("scenario") == "fleet":
        prof = "fleet"
    return prof or "default", inten or "default"


def traces_of(root):
    for split in SPLITS:
        d = os.path.join(root, split)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".cadet"):
                yield split, "%s/%s" % (split, name)


def md_cell(text):
    return str(text).replace("|", "\\|")


def print_table(head, rows, out):
    print("| " + " | ".join(head) + " |", file=out)
    print("|" + "|".join("---" for _ in head) + "|", file=out)
    for r in rows:
        print("| " + " | ".join(md_cell(c) for c in r) + " |", file=out)


def check_dir(root, cadet, splits, control=False, scenario_dir="scenarios",
              out=sys.stdout):
    """One Markdown table row per label of every trace (and with
    @control, a second table: the checks on false labels); returns
    (passed, failed, errors), a control that passes counting as a
    failure."""
    runs = manifest.runs(root)
    params = scenario_params(scenario_dir) if control else {}
    rows, crows, passed, failed, errors = [], [], 0, 0, 0
    found = [(s, p) for s, p in traces_of(root) if s in splits]
    if not found:
        print("no traces in %s/{%s}/" % (root, ",".join(splits)),
              file=sys.stderr)
        return 0, 0, 1
    for split, rel in found:
        try:
            t = load(cadet, os.path.join(root, rel), control)
        except (OSError, TraceError) as e:
            errors += 1
            rows.append(["?", "-", "-", "-", rel, "-", "-", "-", "-",
                         "ERROR", str(e)])
            continue
        for label, (name, r) in zip(t.anomaly_labels or t.labels[:1] or
                                    [None], check(t)):
            prof, inten = variant(label, runs.get(rel, {}))
            seed = label.get("seed", "-") if label else "-"
            target = label.get("target") or "-" if label else "-"
            if name == "normal":
                target = "all"
            rows.append([name, prof, inten, seed, rel, target, r.signal,
                         r.vin, r.vout, "PASS" if r.ok else "FAIL",
                         "want " + r.want + ("; " + r.note if r.note
                                             else "")])
            passed += r.ok
            failed += not r.ok
        if not control:
            continue
        if t.anomaly_labels:
            label = t.anomaly_labels[0]
            prof, inten = variant(label, runs.get(rel, {}))
            for name, what, r in controls(t):
                crows.append([name, prof, inten, label.get("seed", "-"),
                              rel, what, r.vin, r.vout,
                              "PASSES: not specific" if r.ok else "fails"])
                passed += not r.ok
                failed += r.ok
            continue
        # A normal-only trace: the false labels that pass are listed, the
        # others counted in one row.
        label = t.labels[0] if t.labels else {}
        prof, inten = variant(label, runs.get(rel, {}))
        cs = normal_controls(t, params)
        for name, what, r, binding in cs:
            if r.ok:
                crows.append([name, prof, "-", label.get("seed", "-"), rel,
                              what, r.vin, r.vout,
                              "PASSES: not specific" if binding else
                              "passes (not a target of %s: noted)" % name])
        n_bad = sum(r.ok and b for _, _, r, b in cs)
        n_note = sum(r.ok and not b for _, _, r, b in cs)
        crows.append(["(all %d types)" % len(CHECKS), prof, "-",
                      label.get("seed", "-"), rel,
                      "%d false labels on normal behaviour, %d on the "
                      "anomalies' targets" % (len(cs),
                                               sum(b for *_, b in cs)),
                      "-", "-", ("all on targets fail" if not n_bad else
                                 "%d on targets pass" % n_bad) +
                      (", %d elsewhere pass" % n_note if n_note else "")])
        passed += 1 if cs and not n_bad else 0
        failed += 1 if n_bad else 0
    print_table(["scenario", "profile", "intensity", "seed", "trace",
                 "target", "signal", "in window", "outside", "verdict",
                 "threshold, notes"], rows, out)
    if control:
        print("\nControls: each anomaly's check on false labels (the "
              "other containers; the window moved off the anomaly; on "
              "normal-only traces every check, with the params of its "
              "scenario's low intensity, on every container in %.0f s "
              "windows every %.0f s). Every one must fail.\n" % (
                  NORMAL_WINDOW_NS / NSEC, NORMAL_STEP_NS / NSEC), file=out)
        print_table(["scenario", "profile", "intensity", "seed", "trace",
                     "false label", "in window", "outside", "verdict"],
                    crows, out)
    return passed, failed, errors


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check that each anomaly's signal is visible inside "
        "its label window, on its target, and not outside it.",
        epilog="examples: %(prog)s datasets/ref-v2    %(prog)s "
        "datasets/runs/memleak-s1-r0-*.cadet")
    ap.add_argument("path", nargs="?", default="datasets/ref",
                    help="a dataset directory (DIR/{train,val,test}/*.cadet;"
                    " default datasets/ref) or one trace file")
    ap.add_argument("--cadet", default=os.environ.get("CADET",
                                                      "build/cadet"),
                    help="cadet binary (default $CADET or build/cadet)")
    ap.add_argument("--splits", default=",".join(DEFAULT_SPLITS),
                    help="with a directory: the splits to check "
                    "(default train,val,test; heldout too when named)")
    ap.add_argument("--control", action="store_true",
                    help="also run each anomaly's check on false labels "
                    "(every other container, the window moved off the "
                    "anomaly): each must fail")
    ap.add_argument("--scenario-dir", default="scenarios",
                    help="with --control: where the scenario files are, "
                    "for the params of the false labels on normal-only "
                    "traces (default scenarios)")
    ap.add_argument("--json-lines", metavar="FILE",
                    help="read an existing `cadet dump --json` output "
                    "instead of running cadet")
    ap.add_argument("--expect", metavar="TYPE",
                    help="fail unless the trace's anomaly is TYPE")
    ap.add_argument("--list", action="store_true",
                    help="list the anomaly types with a check")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if args.list:
        print("\n".join(sorted(CHECKS) + ["normal"]))
        return 0
    if not args.json_lines and os.path.isdir(args.path):
        splits = [s for s in args.splits.split(",") if s]
        if not set(splits) <= set(SPLITS):
            ap.error("--splits: splits are %s" % ",".join(SPLITS))
        passed, failed, errors = check_dir(args.path, args.cadet, splits,
                                           args.control, args.scenario_dir)
        print("\n%d passed, %d failed" % (passed, failed + errors))
        return 2 if errors else 1 if failed else 0
    try:
        if args.json_lines:
            with open(args.json_lines, encoding="utf-8") as f:
                t = Trace(f)
        else:
            t = load(args.cadet, args.path, args.control)
    except (OSError, TraceError) as e:
        print("ERROR %s: %s" % (args.json_lines or args.path, e))
        return 2
    bad = 0
    # A fleet: one line per label, each anomaly in its own window on its
    # own target.
    for name, r in check(t, args.expect):
        print("%s %s: %s" % ("PASS" if r.ok else "FAIL", name, r.line()))
        bad += not r.ok
    if args.control:
        cs = controls(t) if t.anomaly_labels else \
            normal_controls(t, scenario_params(args.scenario_dir))
        for name, what, r, *binding in cs:
            if binding and not binding[0]:
                if r.ok:
                    print("NOTE %s control %s: passes, but %s is not what "
                          "the scenario targets: %s" % (name, what, name,
                                                         r.line()))
                continue
            print("%s %s control %s: %s: %s" % (
                "FAIL" if r.ok else "PASS", name, what,
                "the check passes on a false label" if r.ok else
                "the check fails, as it must", r.line()))
            bad += r.ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
