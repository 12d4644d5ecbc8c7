#!/usr/bin/env python3
"""Records a labeled dataset laid out as OUT/{train,val,test,heldout}/
with `cadet run`, one run at a time, and resumes where it stopped.

  record.py --size ref OUT         the committed reference set (datasets/ref)
  record.py --size full OUT        the full-size set (`make dataset`)
  record.py --size ref --dry-run OUT
                                   print the plan: runs, planned hours
  record.py --size ref --only test --scenarios memleak,cpu_hog OUT
                                   a part of the plan (still resumable)
  record.py --size ref --only heldout OUT
                                   the held-out runs only (scenarios/heldout/)

Every run goes to OUT/.partial/ first, is packed there (`cadet pack`:
the same records in big chunks at a high zstd level, for archiving;
--no-pack keeps the trace as recorded) and is moved into its split under
a name made of its plan id once `cadet run` succeeded; OUT/.progress.jsonl
lists the finished runs. Run the same command again after an interruption
(Ctrl-C, a lost session, a failed run) and it skips what is done, redoes
the run that was cut off and goes on. At the end datasets/manifest.py
writes OUT/MANIFEST.json, which names each trace's plan entry.

The plans are below (PLANS); docs/datasets.md says why they are sized so.
A committed set (--size ref) must come from a clean git tree, so that
the traces name the exact commit that recorded them (--allow-dirty to
try a plan out).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SPLITS = ("train", "val", "test", "heldout")

# Per size: the profiles of normal runs, their number and length per
# profile and split, the anomaly runs (seeds x intensities, each run
# against the next profile of the scenario's `profiles` list), the
# fleet runs, the held-out runs (each scenario of scenarios/heldout/ once
# per (seed, intensity) pair, against the next profile of its
# `profiles`; seeds apart from every other split's), and the probe
# options. With --syscall-seq, the services' own streams are left out
# (--seq-exclude, see seq_excludes()). The held-out runs come last, so
# adding them changed no earlier run's id or place (a recording resumes
# by id; --shard I/N takes every N-th run of the whole list).
PLANS = {
    "ref": {
        "profiles": ["nginx", "redis", "postgres", "pyweb"],
        "train": {"runs": 2, "seconds": 150, "seed": 1001},
        "val": {"runs": 1, "seconds": 150, "seed": 2001},
        "test": {"seeds": [1, 2, 3], "intensities": ["low", "high"],
                 "seconds": 90},
        "fleet": {"seeds": [1], "seconds": 300},
        "heldout": {"runs": [[4001, "low"], [4002, "high"]],
                    "seconds": 90},
        "probes": ["--syscall-seq"],
    },
    "full": {
        "profiles": ["nginx", "redis", "postgres", "pyweb"],
        "train": {"runs": 6, "seconds": 300, "seed": 1001},
        "val": {"runs": 3, "seconds": 300, "seed": 2001},
        "test": {"seeds": [1, 2, 3, 4, 5], "intensities": ["low", "high"],
                 "seconds": 120},
        "fleet": {"seeds": [1, 2, 3], "seconds": 600},
        "heldout": {"runs": [[4001, "low"], [4002, "high"], [4003, "low"],
                             [4004, "high"]],
                    "seconds": 120},
        "probes": ["--syscall-seq"],
    },
}

# Fixed costs of one run beside its duration (container start, load
# warm-up, teardown, trace close), for the first ETA before any run
# has finished.
RUN_OVERHEAD_S = 10


def scenario_profiles(ini):
    """The `profiles =` list of a scenario file's [scenario] section."""
    with open(ini) as f:
        for line in f:
            m = re.match(r"\s*profiles\s*=\s*(.*)", line)
            if m:
                return m.group(1).split()
    return []


def scenario_intensities(ini):
    with open(ini) as f:
        return re.findall(r"^\s*\[intensity\s+([^\]\s]+)\s*\]", f.read(),
                          re.M)


def seq_excludes(ini, scenario_dir):
    """--seq-exclude options for every service container of a run.

    A service under its client makes 10^4-10^5 syscalls/s, which would
    make each trace tens of MB; the batch and log workers a few hundred.
    Sequence detectors so see the workers' streams, the services' through
    their histograms (docs/datasets.md)."""
    services = set()
    pdir = os.path.join(scenario_dir, "profiles")
    for name in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
        with open(os.path.join(pdir, name)) as f:
            m = re.search(r"^\s*service\s*=\s*(\S+)", f.read(), re.M)
        if m:
            services.add((name[:-4], m.group(1)))
    names = {svc for _, svc in services}
    # Instances of an included profile (include = profiles/X.ini#ID) are
    # named SERVICE-ID.
    with open(ini) as f:
        for prof, inst in re.findall(r"profiles/(\w+)\.ini#(\w+)",
                                     f.read()):
            names |= {f"{svc}-{inst}" for p, svc in services if p == prof}
    return [o for n in sorted(names) for o in ("--seq-exclude", n)]


def make_plan(size, scenario_dir, only=None, names=None):
    """The runs of a plan, in recording order: (id, split, ini, args, s)."""
    p = PLANS[size]
    runs = []

    def add(rid, split, ini, args, seconds):
        if only and split not in only:
            return
        if names and os.path.basename(ini)[:-4] not in names:
            return
        if "--syscall-seq" in p["probes"]:
            args = args + seq_excludes(ini, scenario_dir)
        runs.append({"id": rid, "split": split, "ini": ini,
                     "args": args + ["--duration", str(seconds)],
                     "seconds": seconds})

    normal = os.path.join(scenario_dir, "normal.ini")
    for split in ("train", "val"):
        s = p[split]
        for prof in p["profiles"]:
            for k in range(s["runs"]):
                seed = s["seed"] + k
                add(f"{split}/normal-{prof}-s{seed}", split, normal,
                    ["--normal", "--profile", prof, "--seed", str(seed)],
                    s["seconds"])
    t = p["test"]
    for ini in sorted(os.listdir(scenario_dir)):
        path = os.path.join(scenario_dir, ini)
        if not ini.endswith(".ini") or ini in ("normal.ini", "fleet.ini"):
            continue
        name = ini[:-4]
        profs = scenario_profiles(path) or p["profiles"][:1]
        have = scenario_intensities(path)
        k = 0
        for seed in t["seeds"]:
            for inten in t["intensities"]:
                prof = profs[k % len(profs)]
                k += 1
                args = ["--profile", prof, "--seed", str(seed)]
                if inten in have:
                    args += ["--intensity", inten]
                else:
                    inten = "default"
                add(f"test/{name}-{prof}-{inten}-s{seed}", "test", path,
                    args, t["seconds"])
    fleet = os.path.join(scenario_dir, "fleet.ini")
    if os.path.exists(fleet):
        for seed in p["fleet"]["seeds"]:
            add(f"test/fleet-s{seed}", "test", fleet, ["--seed", str(seed)],
                p["fleet"]["seconds"])
    # Held-out: anomalies made by other means than the catalogue's
    # payloads, never used to choose a parameter (docs/detectors.md,
    # "Held-out protocol"). Their profiles/ is a link to ours.
    h = p["heldout"]
    hdir = os.path.join(scenario_dir, "heldout")
    for ini in sorted(os.listdir(hdir)) if os.path.isdir(hdir) else []:
        path = os.path.join(hdir, ini)
        if not ini.endswith(".ini"):
            continue
        name = ini[:-4]
        profs = scenario_profiles(path) or p["profiles"][:1]
        have = scenario_intensities(path)
        for k, (seed, inten) in enumerate(h["runs"]):
            prof = profs[k % len(profs)]
            args = ["--profile", prof, "--seed", str(seed)]
            if inten in have:
                args += ["--intensity", inten]
            else:
                inten = "default"
            add(f"heldout/{name}-{prof}-{inten}-s{seed}", "heldout", path,
                args, h["seconds"])
    return runs


def hms(s):
    s = int(s + 0.5)
    return f"{s // 3600}h{s // 60 % 60:02d}m{s % 60:02d}s" if s >= 3600 \
        else f"{s // 60}m{s % 60:02d}s"


def load_progress(path):
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    e = json.loads(line)
                    done[e["id"]] = e
                except (ValueError, KeyError):
                    # A line cut by a crash while it was written: that run
                    # is simply done again.
                    print(f"dataset: {path}:{n}: unreadable line ignored",
                          file=sys.stderr)
    return done


def git_dirty(root):
    r = subprocess.run(["git", "-C", root, "status", "--porcelain",
                        "--untracked-files=no"],
                       capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() != ""


class Interrupted(Exception):
    pass


def pack(cadet, trace, verbose):
    """Packs @trace in place (cadet pack); None, or why it was not.

    A trace pack refuses (cut, damaged) or a pack that fails is kept as
    recorded: what it holds is still the run's data."""
    r = subprocess.run([cadet, "pack", "-q", trace], capture_output=True,
                       text=True)
    if r.returncode >= 128 or r.returncode < 0:
        raise Interrupted(r.returncode, "cadet pack")
    if verbose and r.stdout:
        print(r.stdout, end="", flush=True)
    if r.returncode != 0:
        return (r.stderr.strip() or r.stdout.strip()
                or f"cadet pack exited {r.returncode}")
    return None


def run_one(cadet, run, out, probes, verbose, do_pack=True):
    partial = os.path.join(out, ".partial", run["id"].replace("/", "_"))
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    cmd = [cadet, "run", run["ini"], *run["args"], *probes, "-o", partial]
    if verbose:
        print("dataset: " + " ".join(cmd), flush=True)
    # cadet run cleans up on SIGINT/SIGTERM itself; it is in our process
    # group, so a Ctrl-C reaches it directly and we only wait for it.
    rc = subprocess.run(cmd, stdout=None if verbose else subprocess.DEVNULL
                        ).returncode
    if rc >= 128 or rc < 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise Interrupted(rc)
    traces = [n for n in os.listdir(partial) if n.endswith(".cadet")]
    if rc != 0 or len(traces) != 1:
        return None, f"cadet run exited {rc} with {len(traces)} trace(s)", \
            False
    # Packed before it is moved into place: an interruption then leaves
    # nothing in the split that .progress.jsonl does not list.
    packed = False
    if do_pack:
        try:
            why = pack(cadet, os.path.join(partial, traces[0]), verbose)
        except Interrupted:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if why:
            print(f"dataset: {run['id']}: not packed, kept as recorded: "
                  f"{why}", file=sys.stderr, flush=True)
        packed = not why
    dst = os.path.join(out, run["id"] + ".cadet")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.replace(os.path.join(partial, traces[0]), dst)
    shutil.rmtree(partial, ignore_errors=True)
    return dst, None, packed


def main():
    ap = argparse.ArgumentParser(
        description="Record a labeled dataset with cadet run, resumably.",
        epilog="example: datasets/record.py --size ref datasets/ref")
    ap.add_argument("out", metavar="OUT")
    ap.add_argument("--size", choices=sorted(PLANS), default="full")
    ap.add_argument("--scenario-dir", default="scenarios")
    ap.add_argument("--only", help="splits to record (train,val,test,"
                    "heldout)")
    ap.add_argument("--scenarios", help="anomaly scenarios to record "
                    "(names, comma-separated; normal and fleet count too)")
    ap.add_argument("--shard", metavar="I/N",
                    help="every N-th run of the plan from the I-th (1-based): "
                    "one machine's part of a set recorded on N")
    ap.add_argument("--max-runs", type=int, default=0,
                    help="stop after this many runs (a piece of the plan)")
    ap.add_argument("--budget-min", type=float, default=0,
                    help="start no run that would end after this many "
                    "minutes (by the measured pace): a piece that fits a "
                    "working session")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--keep-going", action="store_true",
                    help="after a failed run, go on with the next one")
    ap.add_argument("--allow-dirty", action="store_true")
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--no-pack", action="store_true",
                    help="keep each trace as recorded (1 s chunks) rather "
                    "than packing it with cadet pack")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    cadet = os.environ.get("CADET", "build/cadet")
    only = set(a.only.split(",")) if a.only else None
    if only and not only <= set(SPLITS):
        ap.error(f"--only: splits are {','.join(SPLITS)}")
    names = set(a.scenarios.split(",")) if a.scenarios else None
    plan = make_plan(a.size, a.scenario_dir, only, names)
    if a.shard:
        m = re.fullmatch(r"([1-9][0-9]*)/([1-9][0-9]*)", a.shard)
        if not m or int(m.group(1)) > int(m.group(2)):
            ap.error(f"--shard '{a.shard}': want I/N with 1 <= I <= N")
        plan = plan[int(m.group(1)) - 1::int(m.group(2))]
    if not plan:
        sys.exit("dataset: the plan is empty (check --only/--scenarios)")
    probes = PLANS[a.size]["probes"]
    progress = os.path.join(a.out, ".progress.jsonl")
    done = load_progress(progress)
    ours = {e["trace"] for e in done.values()}
    foreign = [f"{s}/{n}" for s in SPLITS
               if os.path.isdir(os.path.join(a.out, s))
               for n in sorted(os.listdir(os.path.join(a.out, s)))
               if n.endswith(".cadet") and f"{s}/{n}" not in ours]
    if foreign:
        sys.exit(f"dataset: {a.out} holds {len(foreign)} trace(s) this plan "
                 f"did not record (e.g. {foreign[0]}): record into a new "
                 "directory, then replace the old set with it")
    todo = [r for r in plan if not (r["id"] in done and os.path.exists(
        os.path.join(a.out, done[r["id"]]["trace"])))]
    planned = sum(r["seconds"] + RUN_OVERHEAD_S for r in todo)
    print(f"dataset: {a.size} plan: {len(plan)} runs "
          f"({sum(r['seconds'] for r in plan) / 60:.0f} min recorded), "
          f"{len(plan) - len(todo)} done, {len(todo)} to record, "
          f"about {hms(planned)}", flush=True)
    if a.dry_run:
        for r in plan:
            mark = "done" if r not in todo else "todo"
            print(f"{mark} {r['id']}: cadet run {r['ini']} "
                  + " ".join(r["args"]))
        return 0
    if a.size == "ref" and not a.allow_dirty and git_dirty("."):
        sys.exit("dataset: the git tree has uncommitted changes: a committed "
                 "set must name the exact commit that recorded it; commit "
                 "first (or --allow-dirty to try the plan out)")
    if a.max_runs:
        todo = todo[:a.max_runs]

    os.makedirs(a.out, exist_ok=True)
    shutil.rmtree(os.path.join(a.out, ".partial"), ignore_errors=True)
    # Ctrl-C goes to cadet run too; we stop after it has cleaned up.
    signal.signal(signal.SIGINT, lambda *_: None)
    t0 = time.monotonic()
    wall = planned_done = 0.0
    failed = []
    for k, run in enumerate(todo, 1):
        remaining = sum(r["seconds"] for r in todo[k - 1:])
        rate = wall / planned_done if planned_done else \
            (run["seconds"] + RUN_OVERHEAD_S) / run["seconds"]
        if a.budget_min and time.monotonic() - t0 + \
                rate * run["seconds"] > a.budget_min * 60:
            print(f"dataset: the next run would end after the "
                  f"{a.budget_min:g} min budget; {len(todo) - k + 1} run(s) "
                  "left: run the same command again to go on", flush=True)
            todo = todo[:k - 1]
            break
        print(f"[{k}/{len(todo)}] {run['id']} ({run['seconds']} s)  "
              f"elapsed {hms(time.monotonic() - t0)}, "
              f"ETA {hms(rate * remaining)}", flush=True)
        start = time.monotonic()
        try:
            trace, err, packed = run_one(cadet, run, a.out, probes,
                                         a.verbose, not a.no_pack)
        except Interrupted as e:
            what = e.args[1] if len(e.args) > 1 else "cadet run"
            print(f"dataset: stopped during {run['id']} ({what} exit "
                  f"{e.args[0]}); {k - 1} run(s) of this call are kept; run "
                  "the same command again to go on", file=sys.stderr)
            return 130
        took = time.monotonic() - start
        if err:
            print(f"dataset: {run['id']}: {err}", file=sys.stderr)
            failed.append(run["id"])
            if not a.keep_going:
                print("dataset: stopped; fix the cause and run the same "
                      "command again to go on", file=sys.stderr)
                return 1
            continue
        wall += took
        planned_done += run["seconds"]
        with open(progress, "a") as f:
            f.write(json.dumps({
                "id": run["id"], "trace": os.path.relpath(trace, a.out),
                "scenario": os.path.basename(run["ini"])[:-4],
                "args": run["args"], "probes": probes, "packed": packed,
                "wall_s": round(took, 1),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                          time.gmtime())}) + "\n")
            f.flush()
            os.fsync(f.fileno())
    shutil.rmtree(os.path.join(a.out, ".partial"), ignore_errors=True)
    print(f"dataset: {len(todo) - len(failed)} run(s) recorded in "
          f"{hms(time.monotonic() - t0)}"
          + (f", {len(failed)} failed: {', '.join(failed)}" if failed else ""),
          flush=True)
    if not a.no_manifest:
        subprocess.run([sys.executable, os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "manifest.py"),
            a.out], check=True, env={**os.environ, "CADET": cadet})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
