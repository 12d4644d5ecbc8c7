#!/usr/bin/env python3
"""Writes DIR/MANIFEST.json for a dataset laid out as
DIR/{train,val,test,heldout}/ (heldout/: anomalies made by other means
than the catalogue's payloads, docs/datasets.md).

For every trace: split, path (relative to DIR), sha256, size, record count
(in total and per type), containers, duration, lost events, its LABEL
records, the recorder version and kernel from the trace header.
Everything is read from the traces with `cadet dump --json --header`;
nothing is typed by hand.

  manifest.py DIR                   describe DIR's traces
  manifest.py --merge OUT SHARD...  move the traces of shard directories
                                    (each laid out like DIR, e.g. written
                                    by the tasks of a Slurm array) into
                                    OUT/{train,val,test,heldout}/ and write one
                                    OUT/MANIFEST.json, the same as
                                    `manifest.py OUT` would; a shard's own
                                    MANIFEST.json entries are reused when
                                    the sha256 still matches
"""
import hashlib
import json
import os
import subprocess
import sys

SPLITS = ("train", "val", "test", "heldout")


def describe(cadet, path):
    out = subprocess.run([cadet, "dump", "--json", "--header", path],
                         check=True, capture_output=True, text=True).stdout
    header, labels = None, []
    records = lost = 0
    types = {}
    cgroups = set()
    first = last = None
    for line in out.splitlines():
        r = json.loads(line)
        if r["type"] == "header":
            header = r
            continue
        if r["type"] == "schema":
            continue
        records += 1
        types[r["type"]] = types.get(r["type"], 0) + 1
        first = r["ts"] if first is None else first
        last = r["ts"]
        if r["type"] in ("container", "container_add"):
            cgroups.add(r["cgroup_id"])
        if r["type"] == "lost":
            lost += r["count"]
        elif r["type"] == "label":
            labels.append({k: r[k] for k in ("kind", "scenario", "anomaly",
                                             "target", "cgroup_id",
                                             "start_ts", "end_ts", "seed",
                                             "intensity", "params")})
    return {
        "sha256": sha256(path),
        "bytes": os.path.getsize(path),
        "records": records,
        "record_types": dict(sorted(types.items())),
        "containers": len(cgroups),
        "duration_s": round((last - first) / 1e9, 3) if records else 0,
        "lost": lost,
        "recorder_version": header["recorder_version"],
        "kernel": header["kernel_release"],
        "labels": labels,
    }


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def traces(root):
    """(split, name) of every trace under root, in manifest order."""
    for split in SPLITS:
        d = os.path.join(root, split)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".cadet"):
                yield split, name


def arg(args, name):
    return args[args.index(name) + 1] if name in args[:-1] else None


def runs(root):
    """The dataset driver's (record.py) entries by trace path: the plan id
    and the exact `cadet run` arguments of each trace."""
    out = {}
    path = os.path.join(root, ".progress.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                a = e.get("args", [])
                out[e["trace"]] = {
                    "id": e["id"], "scenario": e.get("scenario"),
                    "profile": arg(a, "--profile"),
                    "intensity": arg(a, "--intensity"),
                    "seed": int(arg(a, "--seed")) if arg(a, "--seed")
                    else None,
                    "args": a + e.get("probes", []),
                    "wall_s": e.get("wall_s")}
    return out


def machine():
    """What the traces were recorded on (the trace headers name the
    kernel; this adds what they do not)."""
    m = {"cpus": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            m["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return m


def scan(root, cadet, known=None):
    files = []
    planned = runs(root)
    for split, name in traces(root):
        path = os.path.join(root, split, name)
        entry = {"split": split, "path": f"{split}/{name}"}
        old = (known or {}).get(entry["path"])
        if old and old["sha256"] == sha256(path):
            entry.update({k: v for k, v in old.items()
                          if k not in ("split", "path")})
        else:
            entry.update(describe(cadet, path))
        if entry["path"] in planned:
            entry["run"] = planned[entry["path"]]
        files.append(entry)
    return files


def merge(out, shards):
    """Moves the shards' traces into out; their manifest entries by path."""
    known, moves = {}, []
    for shard in shards:
        mf = os.path.join(shard, "MANIFEST.json")
        if os.path.exists(mf):
            with open(mf) as f:
                for e in json.load(f)["files"]:
                    known[e["path"]] = e
        for split, name in traces(shard):
            dst = os.path.join(out, split, name)
            if os.path.exists(dst):
                sys.exit(f"manifest: {dst} exists already: two shards "
                         f"recorded a trace of the same name ({shard}); "
                         "give every shard its own runs (--shard I/N)")
            moves.append((os.path.join(shard, split, name), dst))
    for src, dst in moves:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(src, dst)
    for shard in shards:
        mf = os.path.join(shard, "MANIFEST.json")
        if os.path.exists(mf):
            os.remove(mf)
        for split in SPLITS:
            d = os.path.join(shard, split)
            if os.path.isdir(d) and not os.listdir(d):
                os.rmdir(d)
        if os.path.isdir(shard) and not os.listdir(shard):
            os.rmdir(shard)
    return known


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help") or \
            (args[0] == "--merge" and len(args) < 3):
        sys.exit("usage: manifest.py DIR | manifest.py --merge OUT SHARD...")
    cadet = os.environ.get("CADET", "build/cadet")
    known = None
    if args[0] == "--merge":
        root = args[1]
        known = merge(root, args[2:])
    else:
        root = args[0]
    files = scan(root, cadet, known)
    manifest = {
        "dataset": os.path.basename(os.path.normpath(root)),
        "splits": {s: [f["path"] for f in files if f["split"] == s]
                   for s in SPLITS},
        "records": sum(f["records"] for f in files),
        "bytes": sum(f["bytes"] for f in files),
        "recorder_versions": sorted({f["recorder_version"] for f in files}),
        "kernels": sorted({f["kernel"] for f in files}),
        "machine": machine(),
        "files": files,
    }
    with open(os.path.join(root, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{root}/MANIFEST.json: {len(files)} traces, "
          f"{manifest['records']} records, {manifest['bytes']} bytes")


if __name__ == "__main__":
    main()
