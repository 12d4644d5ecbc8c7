#!/usr/bin/env python3
"""Prints the statistics of a dataset's datasheet as Markdown, to paste
into docs/datasets.md.

  datasheet.py DIR                  DIR/MANIFEST.json, or, while DIR is
                                    still being recorded (no manifest
                                    yet), the traces DIR/SPLIT/
                                    holds so far, read with `cadet dump`
                                    (and their plan entries from
                                    DIR/.progress.jsonl)
  datasheet.py DIR/MANIFEST.json    the same from that manifest

Entries of an older manifest that lack a field (records per type, the
number of containers, the run's profile) are completed from the trace
when it is there. Tables: per split, per profile and split (traces,
minutes, containers, MB, records, records/s, lost events), records per
type and profile (count and records/s), and the anomaly labels per
scenario and intensity (count, profiles, targets, window lengths) with
the class their LABELs give (a held-out scenario's is the catalogue type
it stands for). A set with a heldout split has it on its own rows.
"""
import json
import os
import signal
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manifest  # noqa: E402  (same directory)

SPLITS = manifest.SPLITS


def parse_params(text):
    out = {}
    for tok in (text or "").split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def variant(f):
    """(profile, intensity) of a trace: its plan entry, else its labels'
    `variant=PROFILE_INTENSITY` param; 'fleet' for the fleet."""
    run = f.get("run") or {}
    labels = f.get("labels", [])
    if run.get("scenario") == "fleet" or any(
            lab.get("scenario") == "fleet" for lab in labels):
        return "fleet", "default"
    prof, inten = run.get("profile"), run.get("intensity")
    for lab in labels:
        v = parse_params(lab.get("params")).get("variant")
        if v:
            p, _, i = v.partition("_")
            prof, inten = prof or p, inten or i
    return prof or "default", inten or "default"


def containers_of(f):
    if "containers" in f:
        return f["containers"]
    t = f.get("record_types", {})
    return t.get("container_add", 0) + t.get("container", 0)


def load(arg, cadet):
    """(manifest-like dict, note) for a manifest file or a directory."""
    if os.path.isdir(arg):
        root, mf = arg, os.path.join(arg, "MANIFEST.json")
    else:
        root, mf = os.path.dirname(arg) or ".", arg
    if os.path.exists(mf):
        with open(mf) as fh:
            m = json.load(fh)
        note = "from %s" % mf
        planned = manifest.runs(root)
        for f in m["files"]:
            path = os.path.join(root, f["path"])
            if ("record_types" not in f or "containers" not in f) and \
                    os.path.exists(path):
                d = manifest.describe(cadet, path)
                f.setdefault("record_types", d["record_types"])
                f.setdefault("containers", d.get("containers"))
            if "run" not in f and f["path"] in planned:
                f["run"] = planned[f["path"]]
    else:
        # Still being recorded: the traces so far, described as
        # manifest.py would (it writes MANIFEST.json only at the end).
        files = manifest.scan(root, cadet)
        m = {"dataset": os.path.basename(os.path.normpath(root)),
             "files": files,
             "records": sum(f["records"] for f in files),
             "bytes": sum(f["bytes"] for f in files),
             "recorder_versions": sorted({f["recorder_version"]
                                          for f in files}),
             "kernels": sorted({f["kernel"] for f in files})}
        note = "no MANIFEST.json yet: %d traces read from %s" % (
            len(files), root)
        prog = os.path.join(root, ".progress.jsonl")
        if os.path.exists(prog):
            with open(prog) as fh:
                n = sum(1 for line in fh if line.strip())
            note += " (%d runs in .progress.jsonl)" % n
    for f in m["files"]:
        f.setdefault("containers", containers_of(f))
    if not m.get("recorder_versions"):
        m["recorder_versions"] = sorted({f["recorder_version"]
                                         for f in m["files"]
                                         if f.get("recorder_version")})
    if not m.get("kernels"):
        m["kernels"] = sorted({f["kernel"] for f in m["files"]
                               if f.get("kernel")})
    return m, note


def table(head, rows, left=1):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i < left else "---:"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def sums(fs):
    """traces, minutes, containers, MB, records, records/s, lost."""
    secs = sum(f["duration_s"] for f in fs)
    recs = sum(f["records"] for f in fs)
    return [len(fs), f"{secs / 60:.1f}", sum(f["containers"] for f in fs),
            f"{sum(f['bytes'] for f in fs) / 1e6:.2f}", recs,
            f"{recs / secs:.0f}" if secs else "n/a",
            sum(f["lost"] for f in fs)]


HEAD = ["traces", "minutes", "containers", "MB", "records", "records/s",
        "lost"]


def order(keys, first):
    return [k for k in first if k in keys] + sorted(k for k in keys
                                                    if k not in first)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.exit("usage: datasheet.py DIR | datasheet.py DIR/MANIFEST.json")
    cadet = os.environ.get("CADET", "build/cadet")
    m, note = load(args[0], cadet)
    files = m["files"]
    if not files:
        sys.exit(f"datasheet: no traces ({note})")
    for f in files:
        f["profile"], f["intensity"] = variant(f)

    mach = m.get("machine") or {}
    print(f"<!-- datasets/datasheet.py: {note} -->\n")
    print(f"Dataset `{m['dataset']}`: {len(files)} traces, "
          f"{sum(f['duration_s'] for f in files) / 60:.0f} minutes, "
          f"{m['bytes'] / 1e6:.1f} MB, {m['records']} records; recorder "
          f"{', '.join(m['recorder_versions'])}; kernel "
          f"{', '.join(m['kernels'])}"
          + (f"; {mach['cpus']} CPUs, {mach.get('mem_gib', '?')} GiB"
             if mach.get("cpus") else "") + ".\n")

    by_split = defaultdict(list)
    by_prof = defaultdict(list)
    by_prof_split = defaultdict(list)
    for f in files:
        by_split[f["split"]].append(f)
        by_prof[f["profile"]].append(f)
        by_prof_split[(f["profile"], f["split"])].append(f)
    splits = order(by_split, SPLITS)
    profs = order(by_prof, ["nginx", "redis", "postgres", "pyweb", "fleet"])

    print("Per split:\n")
    rows = [[s] + sums(by_split[s]) for s in splits]
    rows.append(["**all**"] + sums(files))
    print(table(["split"] + HEAD, rows) + "\n")

    print("Per profile and split:\n")
    rows = [[p, s] + sums(by_prof_split[(p, s)])
            for p in profs for s in splits if by_prof_split[(p, s)]]
    rows += [[p, "**all**"] + sums(by_prof[p]) for p in profs]
    print(table(["profile", "split"] + HEAD, rows, left=2) + "\n")

    types = sorted({t for f in files for t in f.get("record_types", {})})
    if types:
        print("Records per type and profile (count, and records per "
              "second of recorded time):\n")
        secs = {p: sum(f["duration_s"] for f in by_prof[p]) for p in profs}
        total_s = sum(secs.values())
        total = sum(f["records"] for f in files)
        rows = []
        for t in sorted(types, key=lambda t: -sum(
                f.get("record_types", {}).get(t, 0) for f in files)):
            n = {p: sum(f.get("record_types", {}).get(t, 0)
                        for f in by_prof[p]) for p in profs}
            rows.append([t] + [f"{n[p]} ({n[p] / secs[p]:.1f}/s)"
                               if secs[p] else n[p] for p in profs] +
                        [sum(n.values()),
                         f"{sum(n.values()) / total_s:.1f}" if total_s
                         else "n/a",
                         f"{100 * sum(n.values()) / total:.1f} %"
                         if total else "n/a"])
        print(table(["record type"] + profs + ["all", "records/s",
                                               "share"], rows) + "\n")
    else:
        print("(no records per type: the manifest predates them and the "
              "traces are not here)\n")

    wins = defaultdict(lambda: {"n": 0, "secs": [], "profiles": set(),
                                "targets": set(), "seeds": set()})
    for f in files:
        for lab in f["labels"]:
            if lab["kind"] != "anomaly":
                continue
            w = wins[(lab["scenario"], lab.get("anomaly") or "?",
                       f["intensity"])]
            w["n"] += 1
            w["secs"].append((lab["end_ts"] - lab["start_ts"]) / 1e9)
            w["profiles"].add(f["profile"])
            w["targets"].add(lab["target"])
            w["seeds"].add(lab.get("seed"))
    if wins:
        print("Anomaly labels per scenario and intensity:\n")
        rows = []
        for (s, a, i), w in sorted(wins.items()):
            secs = w["secs"]
            rows.append([s, a, i, w["n"],
                         " ".join(order(w["profiles"], profs)),
                         " ".join(sorted(w["targets"])),
                         f"{sum(secs) / len(secs):.1f}",
                         f"{min(secs):.1f}-{max(secs):.1f}"])
        print(table(["scenario", "anomaly", "intensity", "labels",
                     "profiles", "targets", "mean window s", "window s"],
                    rows, left=6))
        anomalous = sum(1 for f in files if any(
            lab["kind"] == "anomaly" for lab in f["labels"]))
        print(f"\n{sum(w['n'] for w in wins.values())} anomaly labels in "
              f"{anomalous} traces; {len(files) - anomalous} normal-only "
              "traces.")


if __name__ == "__main__":
    main()
