#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that a scenario's anomaly is visible in its trace.

Reads `cadet dump TRACE --json` (one JSON object per line), finds the
LABEL record (ground truth: anomaly type, target container, window) and
runs the check of that anomaly type: its signal must show inside the
window for the target container and not, or much weaker, outside it.
A normal-only trace (label kind=normal) passes when every container has
metrics and no anomaly label is present. A trace with several anomaly
labels (a fleet) prints one line per label and passes when all do.
Thresholds follow the label's params where an intensity changes what
the payload can show (fewer ports, a slower leak, less CPU).

Usage:
  scenario_signals.py TRACE [--cadet build/cadet] [--expect TYPE]
  scenario_signals.py --json-lines DUMP.jsonl [--expect TYPE]
  scenario_signals.py --list

Prints one line, "PASS TYPE: figures" or "FAIL TYPE: what is missing",
and exits 0 (pass), 1 (fail) or 2 (the trace could not be read).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

NSEC = 1_000_000_000
# Metrics intervals ending this long after the window still hold its end.
SLACK_NS = 1_500_000_000
SHELLS = {"sh", "dash", "bash", "ash", "zsh", "ksh", "busybox"}
SETID_OPS = {"setuid", "setgid", "setreuid", "setregid", "setresuid",
             "setresgid", "setfsuid", "setfsgid"}
O_ACCMODE = 0o3
O_TRUNC = 0o1000
S_ISUID = 0o4000


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


class Trace:
    """Records of one trace, indexed for the checks."""

    def __init__(self, lines):
        self.by_type = collections.defaultdict(list)
        self.containers = {}
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
            self.by_type[t].append(rec)
            if t in ("container", "container_add") and rec.get("cgroup_id"):
                self.containers[rec["cgroup_id"]] = rec.get("name") or \
                    rec.get("container")
        if not n:
            raise TraceError("the dump is empty")
        labels = self.by_type.get("label", [])
        # A fleet run has one anomaly label per injected anomaly.
        self.anomaly_labels = [l for l in labels
                               if l.get("kind") == "anomaly"]
        self.lost = sum(r.get("count", 0) for r in self.by_type.get("lost",
                                                                     []))
        ts = [r["ts"] for rs in self.by_type.values() for r in rs
              if r.get("ts") and r.get("type") not in ("header", "schema")]
        self.first = min(ts) if ts else 0
        self.last = max(ts) if ts else 0
        self.use_label(self.anomaly_labels[0] if self.anomaly_labels else
                       (labels[0] if labels else None))

    def use_label(self, label):
        """Check against @label (ground truth of one anomaly)."""
        self.label = label
        if self.label:
            self.kind = self.label.get("kind", "")
            self.anomaly = self.label.get("anomaly", "")
            self.target = self.label.get("target", "")
            self.cg = self.label.get("cgroup_id", 0)
            self.start = self.label.get("start_ts", 0)
            self.end = self.label.get("end_ts", 0)
            self.params = parse_params(self.label.get("params"))

    # ---- selection ----

    def is_target(self, rec):
        # By cgroup id when the label has one: another run recorded at the
        # same time may have a container of the same name.
        if self.cg:
            return rec.get("cgroup_id") == self.cg
        return bool(self.target) and rec.get("container") == self.target

    def events(self, rtype, where="in", pred=None):
        """Target's records of @rtype inside the window or outside it."""
        out = []
        for r in self.by_type.get(rtype, []):
            if not self.is_target(r):
                continue
            inside = self.start <= r["ts"] <= self.end + SLACK_NS
            if (where == "in") != inside:
                continue
            if pred and not pred(r):
                continue
            out.append(r)
        return out

    def metrics(self):
        return sorted((r for r in self.by_type.get("metrics", [])
                       if self.is_target(r)), key=lambda r: r["ts"])

    def window_s(self):
        return max((self.end - self.start) / NSEC, 1e-3)

    def outside_s(self):
        """Seconds of the trace outside the window (at least 1)."""
        return max((self.last - self.first) / NSEC - self.window_s(), 1.0)

    def metric_rates(self, field):
        """(per-second rate inside, outside) of a delta metric.

        An interval counts as inside when it overlaps the window, as
        outside when it lies entirely before or after it.
        """
        sums = {"in": [0, 0], "out": [0, 0]}
        for r in self.metrics():
            iv = r.get("interval_ns") or NSEC
            lo, hi = r["ts"] - iv, r["ts"]
            if hi > self.start and lo < self.end:
                key = "in"
            elif hi <= self.start or lo >= self.end:
                key = "out"
            else:
                continue
            sums[key][0] += r.get(field, 0)
            sums[key][1] += iv
        rate = {k: (v[0] / (v[1] / NSEC) if v[1] else 0.0)
                for k, v in sums.items()}
        return rate["in"], rate["out"], sums["in"][0]

    def rss_growth(self):
        """(RSS before the window, peak RSS inside it) of the target."""
        before, peak = None, 0
        for r in self.metrics():
            rss = r.get("rss_bytes", 0)
            if r["ts"] <= self.start:
                before = rss
            elif r["ts"] <= self.end + SLACK_NS:
                peak = max(peak, rss)
                if before is None:
                    before = rss
        return before or 0, peak


def rate_ok(inside, outside, factor):
    return inside > factor * outside


def fmt_mib(n):
    return "%.1f MiB" % (n / 1048576)


# ---- one check per anomaly type: (ok, message) ----

def check_mem_leak(t):
    rate = parse_size(t.params.get("rate"), 8 << 20)
    cap = parse_size(t.params.get("max"), 200 << 20)
    expected = min(rate * t.window_s(), cap)
    # 16 MiB above the batch job's own swings, or half of a smaller leak.
    want = max(min(16 << 20, int(0.5 * expected)), int(0.3 * expected))
    before, peak = t.rss_growth()
    grew = peak - before
    ok = grew >= want
    return ok, "target rss %s -> peak %s in the window (+%s, want >= %s)" % (
        fmt_mib(before), fmt_mib(peak), fmt_mib(grew), fmt_mib(want))


def check_mem_bomb(t):
    cap = parse_size(t.params.get("max"), 192 << 20)
    want = max(32 << 20, int(0.4 * cap))
    before, peak = t.rss_growth()
    grew = peak - before
    ooms = len(t.events("oom_kill")) + sum(
        r.get("oom_kills", 0) for r in t.metrics()
        if t.start <= r["ts"] <= t.end + SLACK_NS)
    ok = grew >= want or ooms > 0
    return ok, "target rss +%s in the window (want >= %s), %d OOM kills" % (
        fmt_mib(grew), fmt_mib(want), ooms)


def check_cpu(t, min_cpus, factor):
    cin, cout, _ = t.metric_rates("cpu_ns")
    ok = cin >= min_cpus * NSEC and rate_ok(cin, cout, factor)
    return ok, "target CPU %.2f CPUs in the window vs %.2f outside " \
        "(want >= %.2f and %gx)" % (cin / NSEC, cout / NSEC, min_cpus, factor)


def check_cpu_hog(t):
    # 70% of what the payload asks for (threads x util), at most 0.25 CPU.
    asked = int(t.params.get("threads", 2)) * float(t.params.get("util", 0.9))
    return check_cpu(t, min(0.25, 0.7 * asked), 3)


def check_crypto_miner(t):
    port = int(t.params.get("port", 3333))
    ok, msg = check_cpu(t, 0.1, 3)
    beacons = t.events("connect", pred=lambda r: r.get("dport") == port)
    outside = t.events("connect", "out", lambda r: r.get("dport") == port)
    ok = ok and len(beacons) >= 1 and not outside
    return ok, "%s; %d connects to port %d in the window, %d outside" % (
        msg, len(beacons), port, len(outside))


def count_rates(t, rtype, pred=None):
    n_in = len(t.events(rtype, "in", pred))
    n_out = len(t.events(rtype, "out", pred))
    return n_in, n_out, n_in / t.window_s(), n_out / t.outside_s()


def check_fork_bomb(t):
    procs = lambda r: not r.get("thread")
    n_in, n_out, r_in, r_out = count_rates(t, "fork", procs)
    ok = n_in >= 100 and rate_ok(r_in, r_out, 5)
    return ok, "%d process forks in the window (%.0f/s) vs %.1f/s outside " \
        "(want >= 100 and 5x)" % (n_in, r_in, r_out)


def check_fd_leak(t):
    # A process is (pid, comm): the runtime's setup opens files under the
    # payload's pid before it execs the payload.
    opened = lambda r: r.get("ret", -1) >= 0
    key = lambda r: (r["pid"], r.get("comm", ""))
    per_proc_in = collections.Counter(key(r) for r in
                                      t.events("open", "in", opened))
    procs_out = {key(r) for r in t.events("open", "out")}
    best = [(n, p) for p, n in per_proc_in.items() if p not in procs_out]
    n, (pid, comm) = max(best) if best else (0, (0, "-"))
    want = int(min(100, 0.3 * float(t.params.get("rate", 200)) *
                   t.window_s()))
    ok = n >= want
    return ok, "%s (pid %d) opened %d descriptors in the window and none " \
        "outside it (want >= %d)" % (comm, pid, n, want)


def check_disk_flood(t):
    rate = parse_size(t.params.get("rate"), 32 << 20)
    w_in, w_out, total = t.metric_rates("write_bytes")
    want = 0.3 * rate * t.window_s()
    ok = total >= want and rate_ok(w_in, w_out, 5)
    return ok, "target wrote %s in the window (%s/s vs %s/s outside; " \
        "want >= %s and 5x)" % (fmt_mib(total), fmt_mib(w_in),
                                fmt_mib(w_out), fmt_mib(want))


def check_file_churn(t):
    churn = lambda r: r.get("op") in ("rename", "unlink")
    n_in, n_out, r_in, r_out = count_rates(t, "file_op", churn)
    ok = n_in >= 100 and rate_ok(r_in, r_out, 5)
    return ok, "%d renames/unlinks in the window (%.0f/s) vs %.1f/s " \
        "outside (want >= 100 and 5x)" % (n_in, r_in, r_out)


SENSITIVE = ("/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa",
             "/etc/ssh/ssh_host_rsa_key")


def check_sensitive_read(t):
    def reads(r):
        return r.get("path") in SENSITIVE and \
            (r.get("flags", 0) & O_ACCMODE) == os.O_RDONLY
    n_in = t.events("open", "in", reads)
    n_out = t.events("open", "out", reads)
    paths = sorted({r["path"] for r in n_in})
    ok = len(n_in) >= 1 and not n_out
    return ok, "%d reads of %s in the window, %d outside" % (
        len(n_in), ",".join(paths) or "credential files", len(n_out))


def check_priv_esc(t):
    setid = lambda r: r.get("op") in SETID_OPS
    denied = lambda r: setid(r) and r.get("denied")
    suid = lambda r: r.get("op") == "chmod" and \
        (r.get("mode", 0) & S_ISUID)
    n_set = len(t.events("security", "in", setid))
    n_den = len(t.events("security", "in", denied))
    n_den_out = len(t.events("security", "out", denied))
    n_suid = len(t.events("file_op", "in", suid))
    ok = n_set >= 1 and (n_den >= 1 or n_suid >= 1) and n_den_out == 0
    return ok, "%d setuid-family calls in the window (%d denied, %d denied " \
        "outside), %d set-uid chmods" % (n_set, n_den, n_den_out, n_suid)


def check_reverse_shell(t):
    port = int(t.params.get("port", 4444))
    conn = {}
    for r in t.events("connect", pred=lambda r: r.get("dport") == port):
        conn.setdefault(r["pid"], r["ts"])

    def shell_after_connect(r):
        name = os.path.basename(r.get("filename") or "")
        return name in SHELLS and r["pid"] in conn and r["ts"] >= conn[r["pid"]]
    shells = t.events("exec", pred=shell_after_connect)
    out = t.events("connect", "out", lambda r: r.get("dport") == port)
    ok = bool(shells) and not out
    return ok, "%d connects to port %d, %d shell execs by a connected " \
        "process in the window; %d such connects outside" % (
            len(conn), port, len(shells), len(out))


def port_count(text):
    """'1-1024' -> 1024, '22,80,443' -> 3."""
    n = 0
    for part in (text or "1-1024").split(","):
        lo, _, hi = part.partition("-")
        n += int(hi or lo) - int(lo) + 1
    return n


def check_port_scan(t):
    d_in = {r.get("dport") for r in t.events("connect")}
    d_out = {r.get("dport") for r in t.events("connect", "out")}
    want = min(100, int(0.8 * port_count(t.params.get("ports"))))
    ok = len(d_in) >= want and len(d_out) <= 10
    return ok, "connects to %d distinct ports in the window, %d outside " \
        "(want >= %d and <= 10)" % (len(d_in), len(d_out), want)


def check_conn_flood(t):
    n_in, n_out, r_in, r_out = count_rates(t, "connect")
    ok = n_in >= 200 and rate_ok(r_in, r_out, 10)
    return ok, "%d connects in the window (%.0f/s) vs %.1f/s outside " \
        "(want >= 200 and 10x)" % (n_in, r_in, r_out)


def check_net_exfil(t):
    rate = parse_size(t.params.get("rate"), 16 << 20)
    cap = parse_size(t.params.get("max"), 1 << 30)
    tx_in, tx_out, total = t.metric_rates("tx_bytes")
    want = 0.3 * min(rate * t.window_s(), cap)
    ok = total >= want and rate_ok(tx_in, tx_out, 5)
    return ok, "target sent %s in the window (%s/s vs %s/s outside; " \
        "want >= %s and 5x)" % (fmt_mib(total), fmt_mib(tx_in),
                                fmt_mib(tx_out), fmt_mib(want))


def check_escape_probe(t):
    ops = ("unshare", "setns", "mount")
    probe = lambda r: r.get("op") in ops and r.get("denied")
    n_in = t.events("security", "in", probe)
    n_out = t.events("security", "out", probe)
    kinds = sorted({r["op"] for r in n_in})
    ok = len(n_in) >= 3 and len(kinds) >= 2 and len(n_out) <= len(n_in) / 4
    return ok, "%d denied %s in the window, %d outside" % (
        len(n_in), "/".join(kinds) or "unshare/setns/mount", len(n_out))


def check_ptrace_attach(t):
    pt = lambda r: r.get("op") == "ptrace"
    n_in = t.events("security", "in", pt)
    n_out = t.events("security", "out", pt)
    ok = len(n_in) >= 1 and not n_out
    return ok, "%d ptrace calls in the window, %d outside" % (
        len(n_in), len(n_out))


def is_memfd_exec(r):
    f = r.get("filename") or ""
    return f.startswith("/dev/fd/") or f.startswith("/proc/self/fd/") or \
        "memfd:" in f


def check_fileless_exec(t):
    memfd = lambda r: r.get("op") == "memfd_create"
    n_mem = t.events("security", "in", memfd)
    n_exec = t.events("exec", "in", is_memfd_exec)
    n_out = t.events("exec", "out", is_memfd_exec) + \
        t.events("security", "out", memfd)
    ok = bool(n_mem) and bool(n_exec) and not n_out
    return ok, "%d memfd_create and %d execs of a memfd in the window, %d " \
        "outside" % (len(n_mem), len(n_exec), len(n_out))


TMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")


def check_drop_and_exec(t):
    dropped = lambda r: (r.get("filename") or "").startswith(TMP_DIRS)
    chmod_x = lambda r: r.get("op") == "chmod" and \
        (r.get("path") or "").startswith(TMP_DIRS) and r.get("mode", 0) & 0o111
    n_in = t.events("exec", "in", dropped)
    n_out = t.events("exec", "out", dropped)
    n_chmod = t.events("file_op", "in", chmod_x)
    ok = bool(n_in) and not n_out
    return ok, "%d execs of files under /tmp in the window (%d chmod +x), " \
        "%d outside" % (len(n_in), len(n_chmod), len(n_out))


def check_log_wipe(t):
    def wipe_op(r):
        return r.get("op") in ("truncate", "unlink") and \
            (r.get("path") or "").startswith("/var/log/")

    def trunc_open(r):
        return (r.get("path") or "").startswith("/var/log/") and \
            r.get("flags", 0) & O_TRUNC
    n_in = len(t.events("file_op", "in", wipe_op)) + \
        len(t.events("open", "in", trunc_open))
    n_out = len(t.events("file_op", "out", wipe_op)) + \
        len(t.events("open", "out", trunc_open))
    ok = n_in >= 1 and n_out == 0
    return ok, "%d truncations/unlinks of /var/log files in the window, " \
        "%d outside" % (n_in, n_out)


def check_raw_socket(t):
    raw = lambda r: r.get("op") in ("raw_socket", "packet_socket")
    n_in = t.events("security", "in", raw)
    n_out = t.events("security", "out", raw)
    kinds = sorted({r["op"] for r in n_in})
    ok = bool(n_in) and not n_out
    return ok, "%d %s in the window (%d denied), %d outside" % (
        len(n_in), "/".join(kinds) or "raw sockets",
        sum(1 for r in n_in if r.get("denied")), len(n_out))


CHECKS = {
    "cpu_hog": check_cpu_hog,
    "mem_leak": check_mem_leak,
    "mem_bomb": check_mem_bomb,
    "fork_bomb": check_fork_bomb,
    "fd_leak": check_fd_leak,
    "disk_flood": check_disk_flood,
    "file_churn": check_file_churn,
    "sensitive_read": check_sensitive_read,
    "priv_esc": check_priv_esc,
    "reverse_shell": check_reverse_shell,
    "port_scan": check_port_scan,
    "conn_flood": check_conn_flood,
    "net_exfil": check_net_exfil,
    "crypto_miner": check_crypto_miner,
    "escape_probe": check_escape_probe,
    "ptrace_attach": check_ptrace_attach,
    "fileless_exec": check_fileless_exec,
    "drop_and_exec": check_drop_and_exec,
    "log_wipe": check_log_wipe,
    "raw_socket": check_raw_socket,
}


def check_normal(t):
    names = set(t.containers.values())
    with_metrics = {r.get("container") for r in t.by_type.get("metrics", [])}
    missing = sorted(n for n in names if n not in with_metrics)
    anomalies = [l for l in t.by_type.get("label", [])
                 if l.get("kind") == "anomaly"]
    ok = bool(names) and not missing and not anomalies
    return ok, "%d containers, %s without metrics, %d anomaly labels" % (
        len(names), ",".join(missing) or "none", len(anomalies))


def check(t, expect=None):
    """(name, ok, message) for trace @t."""
    if not t.label:
        return expect or "?", False, "no LABEL record in the trace"
    if t.kind == "normal":
        ok, msg = check_normal(t)
        if expect and expect != "normal":
            return expect, False, "expected %s, the trace is normal-only" \
                % expect
        return "normal", ok, msg
    name = t.anomaly
    if expect and expect != name:
        return expect, False, "the trace's anomaly is %s" % name
    fn = CHECKS.get(name)
    if not fn:
        return name, False, "no check for anomaly type %r (known: %s)" % (
            name, ", ".join(sorted(CHECKS)))
    if not t.start or t.end < t.start:
        return name, False, "the label's window is empty (%d..%d)" % (
            t.start, t.end)
    if not t.metrics():
        return name, False, "no metrics of target %s (cgroup %d) in the " \
            "trace: was it recorded?" % (t.target, t.cg)
    ok, msg = fn(t)
    msg = "%s [target %s, window %.1f s%s]" % (
        msg, t.target, t.window_s(),
        ", %d events lost" % t.lost if t.lost else "")
    return name, ok, msg


def dump_lines(cadet, trace):
    try:
        p = subprocess.run([cadet, "dump", trace, "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, check=False)
    except OSError as e:
        raise TraceError("cannot run %s: %s (build it with make, or pass "
                         "--cadet PATH)" % (cadet, e.strerror))
    if p.returncode != 0:
        raise TraceError("%s dump %s failed: %s" % (
            cadet, trace, p.stderr.strip() or "exit %d" % p.returncode))
    return p.stdout.splitlines()


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check that a trace shows its scenario's anomaly "
        "signal inside the label window and not outside it.",
        epilog="example: %(prog)s datasets/runs/memleak-s1-r0-*.cadet")
    ap.add_argument("trace", nargs="?", help="trace file (.cadet)")
    ap.add_argument("--cadet", default=os.environ.get("CADET",
                                                      "build/cadet"),
                    help="cadet binary (default $CADET or build/cadet)")
    ap.add_argument("--json-lines", metavar="FILE",
                    help="read an existing `cadet dump --json` output "
                    "instead of running cadet")
    ap.add_argument("--expect", metavar="TYPE",
                    help="fail unless the trace's anomaly is TYPE")
    ap.add_argument("--list", action="store_true",
                    help="list the anomaly types with a check")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(sorted(CHECKS) + ["normal"]))
        return 0
    if not args.trace and not args.json_lines:
        ap.error("give a TRACE or --json-lines FILE")
    try:
        if args.json_lines:
            with open(args.json_lines, encoding="utf-8") as f:
                t = Trace(f)
        else:
            t = Trace(dump_lines(args.cadet, args.trace))
    except (OSError, TraceError) as e:
        print("ERROR %s: %s" % (args.trace or args.json_lines, e))
        return 2
    if len(t.anomaly_labels) > 1:
        # A fleet: each anomaly is checked in its own window, on its own
        # target; the fleet scenario puts them in different containers
        # or at different times, so one is never "outside" noise of
        # another.
        bad = 0
        for label in t.anomaly_labels:
            t.use_label(label)
            name, ok, msg = check(t, args.expect)
            print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg))
            bad += not ok
        return 1 if bad else 0
    name, ok, msg = check(t, args.expect)
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
