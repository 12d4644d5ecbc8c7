#!/usr/bin/env python3
"""Writes DIR/MANIFEST.json for a dataset laid out as DIR/{train,val,test}/.

For every trace: split, path (relative to DIR), sha256, size, record count,
duration, lost events, its LABEL records, the recorder version and kernel
from the trace header. Everything is read from the traces with
`cadet dump --json --header`; nothing is typed by hand.
"""
import hashlib
import json
import os
import subprocess
import sys

SPLITS = ("train", "val", "test")


def describe(cadet, path):
    out = subprocess.run([cadet, "dump", "--json", "--header", path],
                         check=True, capture_output=True, text=True).stdout
    header, labels = None, []
    records = lost = 0
    first = last = None
    for line in out.splitlines():
        r = json.loads(line)
        if r["type"] == "header":
            header = r
            continue
        if r["type"] == "schema":
            continue
        records += 1
        first = r["ts"] if first is None else first
        last = r["ts"]
        if r["type"] == "lost":
            lost += r["count"]
        elif r["type"] == "label":
            labels.append({k: r[k] for k in ("kind", "scenario", "anomaly",
                                             "target", "cgroup_id",
                                             "start_ts", "end_ts", "seed",
                                             "intensity", "params")})
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {
        "sha256": digest,
        "bytes": os.path.getsize(path),
        "records": records,
        "duration_s": round((last - first) / 1e9, 3) if records else 0,
        "lost": lost,
        "recorder_version": header["recorder_version"],
        "kernel": header["kernel_release"],
        "labels": labels,
    }


def main():
    root = sys.argv[1]
    cadet = os.environ.get("CADET", "build/cadet")
    files = []
    for split in SPLITS:
        d = os.path.join(root, split)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".cadet"):
                entry = {"split": split, "path": f"{split}/{name}"}
                entry.update(describe(cadet, os.path.join(d, name)))
                files.append(entry)
    manifest = {
        "dataset": os.path.basename(os.path.normpath(root)),
        "splits": {s: [f["path"] for f in files if f["split"] == s]
                   for s in SPLITS},
        "records": sum(f["records"] for f in files),
        "bytes": sum(f["bytes"] for f in files),
        "files": files,
    }
    with open(os.path.join(root, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{root}/MANIFEST.json: {len(files)} traces, "
          f"{manifest['records']} records, {manifest['bytes']} bytes")


if __name__ == "__main__":
    main()
