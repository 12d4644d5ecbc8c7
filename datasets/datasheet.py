#!/usr/bin/env python3
"""Prints the statistics of a dataset's datasheet as Markdown, from its
MANIFEST.json alone (datasets/manifest.py writes it from the traces).

  datasheet.py datasets/ref/MANIFEST.json

Tables: per split (traces, recorded minutes, MB, records, lost events;
heldout, when the set has it, on its own row), per profile (the same,
and records per second), records per type and profile, and the anomaly
windows per scenario and intensity with the class their LABELs give
(a held-out scenario's is the catalogue type it stands for).
"""
import json
import sys
from collections import defaultdict


def profile_of(f):
    run = f.get("run") or {}
    if run.get("profile"):
        return run["profile"]
    if run.get("scenario") == "fleet" or any(
            lab.get("scenario") == "fleet" for lab in f["labels"]):
        return "fleet"
    return "default"


def intensity_of(f, lab):
    run = f.get("run") or {}
    return run.get("intensity") or "default"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i == 0 else "---:"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: datasheet.py MANIFEST.json")
    with open(sys.argv[1]) as fh:
        m = json.load(fh)
    files = m["files"]

    def sums(group):
        rows = []
        for key in sorted(group):
            fs = group[key]
            secs = sum(f["duration_s"] for f in fs)
            recs = sum(f["records"] for f in fs)
            rows.append([key, len(fs), f"{secs / 60:.1f}",
                         f"{sum(f['bytes'] for f in fs) / 1e6:.2f}", recs,
                         f"{recs / secs:.0f}" if secs else "n/a",
                         sum(f["lost"] for f in fs)])
        return rows

    head = ["traces", "minutes", "MB", "records", "records/s", "lost"]
    by_split, by_prof = defaultdict(list), defaultdict(list)
    for f in files:
        by_split[f["split"]].append(f)
        by_prof[profile_of(f)].append(f)
    print(f"Dataset `{m['dataset']}`: {len(files)} traces, "
          f"{m['bytes'] / 1e6:.1f} MB, {m['records']} records; recorder "
          f"{', '.join(m.get('recorder_versions', []))}; kernel "
          f"{', '.join(m.get('kernels', []))}.\n")
    print(table(["split"] + head, sums(by_split)) + "\n")
    print(table(["profile"] + head, sums(by_prof)) + "\n")

    types = sorted({t for f in files for t in f.get("record_types", {})})
    profs = sorted(by_prof)
    rows = []
    for t in types:
        rows.append([t] + [sum(f.get("record_types", {}).get(t, 0)
                               for f in by_prof[p]) for p in profs])
    print(table(["record type"] + profs, rows) + "\n")

    wins = defaultdict(lambda: [0, 0.0, set(), set()])
    for f in files:
        for lab in f["labels"]:
            if lab["kind"] != "anomaly":
                continue
            w = wins[(lab["scenario"], intensity_of(f, lab))]
            w[0] += 1
            w[1] += (lab["end_ts"] - lab["start_ts"]) / 1e9
            w[2].add(profile_of(f))
            w[3].add(lab.get("anomaly") or "?")
    print(table(["scenario", "anomaly", "intensity", "windows",
                 "mean window s", "profiles"],
                [[s, " ".join(sorted(a)), i, n, f"{t / n:.1f}",
                  " ".join(sorted(p))]
                 for (s, i), (n, t, p, a) in sorted(wins.items())]))


if __name__ == "__main__":
    main()
