#!/usr/bin/env python3
# Checks the outputs of `cadet report` in DIR (used by tests/golden/report.sh
# and tests/integration/test_report.sh):
#   - every *.png is a real, non-empty PNG (magic bytes);
#   - dashboard.json has the structure Grafana's import needs (checked here
#     always: top-level keys and types, unique panel ids, gridPos inside the
#     24-column grid, a datasource and a target per panel) and, when
#     Grafana's JSON schemas are in SCHEMA_DIR (../shared/grafana in CI),
#     validates against the dashboard schema (without __inputs/__requires,
#     which only the import format has) and every TestData query against
#     the TestData query schema; without them that step prints a SKIP line;
#   - every panel's CSV parses with the columns its kind needs, times are
#     epoch ms inside the dashboard's time range, and each container panel
#     has one row per METRICS record of that container (from `cadet dump`);
#   - annotations have the columns time,timeEnd,text,tags;
#   - metrics.om: `promtool tsdb create-blocks-from openmetrics` accepts it
#     and `promtool tsdb dump` returns as many samples as the file holds
#     (a SKIP line without promtool).
# usage: report_check.py DIR SCHEMA_DIR CADET TRACE... [--pngs N]
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TS_COLUMNS = {
    "CPU (cores)": ["time", "cpu_cores"],
    "Memory (RSS)": ["time", "rss_bytes"],
    "Network (bytes/s)": ["time", "transmit_bytes_per_s", "receive_bytes_per_s"],
    "Syscalls / s": ["time", "syscalls_per_s"],
}


def fail(msg):
    sys.exit("FAIL: " + msg)


def iso_ms(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


def check_pngs(out, want):
    pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
    if want is not None and len(pngs) != want:
        fail("%d PNGs in %s, want %d: %s" % (len(pngs), out, want, pngs))
    for p in pngs:
        with open(os.path.join(out, p), "rb") as f:
            data = f.read()
        if len(data) < 1000 or not data.startswith(PNG_MAGIC):
            fail("%s is not a real PNG (%d bytes)" % (p, len(data)))
    print("pngs: %d real PNGs: %s" % (len(pngs), " ".join(pngs)))


def metrics_counts(cadet, traces):
    """(trace name, cgroup id) -> METRICS records, from cadet dump."""
    counts = {}
    for t in traces:
        name = os.path.basename(t)
        name = name[:-6] if name.endswith(".cadet") else name
        out = subprocess.run([cadet, "dump", "--json", "--type", "metrics", t],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            key = (name, r["cgroup_id"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def parse_csv(text, want_cols, what):
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != want_cols:
        fail("%s: CSV header %r, want %r" % (what, rows[:1], want_cols))
    for n, r in enumerate(rows[1:], 2):
        if len(r) != len(want_cols):
            fail("%s: CSV line %d has %d fields, want %d" % (what, n, len(r), len(want_cols)))
    return rows[1:]


TOP_KEYS = {"title": str, "uid": str, "panels": list, "schemaVersion": int,
            "time": dict, "annotations": dict, "tags": list, "timezone": str}


def check_structure(d):
    """What Grafana's import needs, checked without its schema."""
    for k, t in TOP_KEYS.items():
        if not isinstance(d.get(k), t):
            fail("dashboard: %r is %r, want a %s" % (k, d.get(k), t.__name__))
    if not d["title"] or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d["uid"]):
        fail("dashboard: empty title or bad uid %r" % d["uid"])
    ids = [p.get("id") for p in d["panels"]]
    if any(not isinstance(i, int) for i in ids) or len(set(ids)) != len(ids):
        fail("dashboard: panel ids missing or repeated: %r" % ids)
    for p in d["panels"]:
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "xywh"):
            fail("panel %r: gridPos %r lacks integer x, y, w, h" % (p.get("title"), g))
        if g["x"] < 0 or g["y"] < 0 or g["w"] < 1 or g["h"] < 1 or g["x"] + g["w"] > 24:
            fail("panel %r: gridPos %r outside the 24-column grid" % (p.get("title"), g))
        if not p.get("type") or not isinstance(p.get("title"), str):
            fail("panel %r: no type or title" % p)
        if p["type"] != "row" and (not p.get("targets") or "uid" not in p.get("datasource", {})):
            fail("panel %r: no datasource or target" % p["title"])
    for a in d["annotations"].get("list", []):
        if not a.get("name") or "enable" not in a:
            fail("annotation %r: no name or enable" % a)


def load_schemas(schema_dir):
    """(dashboard schema, TestData schema), or None when not available."""
    paths = [os.path.join(schema_dir, n) for n in
             ("dashboard.jsonschema.json", "testdata.jsonschema.json")]
    if not all(os.path.isfile(p) for p in paths):
        print("SKIP: Grafana JSON schema validation: no schemas in %s "
              "(CI has them in ../shared/grafana; set SCHEMAS=DIR)" % schema_dir)
        return None
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("SKIP: Grafana JSON schema validation: python3-jsonschema missing (make deps)")
        return None
    out = []
    for p in paths:
        with open(p) as f:
            out.append(json.load(f))
    return out


def validate(obj, schema):
    if schema is not None:
        import jsonschema
        jsonschema.validate(obj, schema)


def check_dashboard(out, schema_dir, counts):
    with open(os.path.join(out, "dashboard.json")) as f:
        d = json.load(f)
    inputs = d.pop("__inputs")
    d.pop("__requires")
    if inputs[0]["name"] != "DS_TESTDATA" or inputs[0]["pluginId"] != "grafana-testdata-datasource":
        fail("__inputs does not ask for the TestData datasource: %r" % inputs)
    check_structure(d)
    schemas = load_schemas(schema_dir)
    dschema, tschema = schemas if schemas else (None, None)
    validate(d, dschema)
    t0, t1 = iso_ms(d["time"]["from"]), iso_ms(d["time"]["to"])
    if not t0 < t1:
        fail("time range %r is empty" % d["time"])
    nts = 0
    row_title = None
    for p in d["panels"]:
        if p["type"] == "row":
            row_title = p["title"]
            continue
        tg = p["targets"][0]
        validate(tg, tschema)
        if tg["scenarioId"] != "csv_content" or p["datasource"]["uid"] != "${DS_TESTDATA}":
            fail("panel %r does not read TestData csv_content" % p["title"])
        if p["type"] == "timeseries":
            rows = parse_csv(tg["csvContent"], TS_COLUMNS[p["title"]], p["title"])
            for r in rows:
                if not (t0 <= int(r[0]) <= t1):
                    fail("%s: time %s outside %d..%d" % (p["title"], r[0], t0, t1))
                for v in r[1:]:
                    if v:
                        float(v)
            # the description names the container's cgroup and trace
            m = re.match(r"Container .* \(cgroup (\d+)\) of trace (\S+):", p.get("description", ""))
            if not m:
                fail("panel %r under %r: no container in its description" % (p["title"], row_title))
            want = counts.get((m.group(2), int(m.group(1))))
            if len(rows) != want:
                fail("%s / %s: %d CSV rows, %r METRICS records" % (row_title, p["title"], len(rows), want))
            nts += 1
        elif p["type"] == "table":
            rows = list(csv.reader(io.StringIO(tg["csvContent"])))
            if len(rows) < 1 or any(len(r) != len(rows[0]) for r in rows):
                fail("table %r: ragged CSV" % p["title"])
    annos = [a for a in d["annotations"]["list"] if "target" in a]
    for a in annos:
        validate(a["target"], tschema)
        rows = parse_csv(a["target"]["csvContent"], ["time", "timeEnd", "text", "tags"], a["name"])
        for r in rows:
            if not (int(r[0]) <= int(r[1])):
                fail("%s: annotation ends before it starts: %r" % (a["name"], r))
    if not nts:
        fail("no timeseries panel")
    print("dashboard: structure ok, schema %s, %d timeseries panels (rows = METRICS records), %d annotation queries, range %s .. %s"
          % ("ok" if schemas else "not checked", nts, len(annos), d["time"]["from"], d["time"]["to"]))


def check_openmetrics(out):
    om = os.path.join(out, "metrics.om")
    with open(om) as f:
        lines = f.read().splitlines()
    if lines[-1] != "# EOF":
        fail("metrics.om does not end with # EOF")
    samples = sum(1 for l in lines if l and not l.startswith("#"))
    if not shutil.which("promtool"):
        print("SKIP: metrics.om through promtool: no promtool (make deps installs prometheus)")
        return
    with tempfile.TemporaryDirectory() as tsdb:
        r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                           capture_output=True, text=True)
        if r.returncode:
            fail("promtool rejected metrics.om:\n" + r.stdout + r.stderr)
        # promtool dump expects a WAL directory beside the blocks
        os.makedirs(os.path.join(tsdb, "wal"), exist_ok=True)
        r = subprocess.run(["promtool", "tsdb", "dump", tsdb], capture_output=True, text=True)
        if r.returncode:
            fail("promtool tsdb dump failed:\n" + r.stderr)
        dumped = sum(1 for l in r.stdout.splitlines() if l.startswith("{"))
    if dumped != samples:
        fail("promtool kept %d of the %d samples in metrics.om" % (dumped, samples))
    print("metrics.om: promtool accepted it, %d samples in, %d dumped" % (samples, dumped))


def main():
    args = sys.argv[1:]
    pngs = None
    if "--pngs" in args:
        i = args.index("--pngs")
        pngs = int(args[i + 1])
        del args[i:i + 2]
    out, schema_dir, cadet, traces = args[0], args[1], args[2], args[3:]
    check_pngs(out, pngs)
    check_dashboard(out, schema_dir, metrics_counts(cadet, traces))
    check_openmetrics(out)
    with open(os.path.join(out, "report.md")) as f:
        md = f.read()
    for p in (f for f in os.listdir(out) if f.endswith(".png")):
        if "(%s)" % p not in md:
            fail("report.md does not show %s" % p)


if __name__ == "__main__":
    main()
