#!/usr/bin/env bash
# examples/detectors/torch_seq.py (LSTM next-syscall model, exec adapter)
# on traces of the first reference dataset (tests/fixtures/ref-v1): 1
# training, 1 validation and 2 test traces, a small epoch budget. Checks: it runs through the exec adapter without
# being disabled and gets a threshold from validation; it scores every
# container tick that holds a syscall, and no other; two runs give
# byte-identical results; a model saved with --save-model (mode 0600) and
# loaded with --model gives the same scores; inside the labeled anomaly
# window of drop_and_exec (a shell started in `logger`, which stide detects) the
# anomalous container scores above the validation threshold, so the host
# alerts there.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CADET=${CADET:-build/cadet}
ref=tests/fixtures/ref-v1
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo "SKIP: python3-torch not installed"
	exit 77
fi
tmp=$(mktemp -d /tmp/cadet-torch-seq.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Run from $tmp with the same relative paths every time: the seed cadet
# hands over derives from the --detector text, so it must not hold the
# random name of $tmp.
root=$PWD
CADET=$(realpath "$CADET")
ln -s "$root/examples" "$tmp/examples"
train=$root/$ref/normal-s1001-r0-20261122T034739Z.cadet
val=$root/$ref/normal-s2001-r0-20261122T034954Z.cadet
anom=$root/$ref/drop_and_exec-s1-r0-20261122T035537Z.cadet
other=$root/$ref/cpu_hog-s1-r0-20261122T035211Z.cadet
det="python3 examples/detectors/torch_seq.py --epochs 12"

replay() { # OUT DETECTOR
	(cd "$tmp" && "$CADET" replay --train "$train" --validate "$val" --detector "exec:$2" \
		--test "$anom" "$other" --exec-timeout 600 -o "$1") ||
		{ echo "FAIL: replay with '$2' exited with $?"; exit 1; }
}
# a and b: the same spec, so the same seed; with --model (c) the seed
# plays no part.
replay "$tmp/a.jsonl" "$det --save-model model.pt"
[ -s "$tmp/model.pt" ] || { echo "FAIL: --save-model wrote no model"; exit 1; }
[ "$(stat -c %a "$tmp/model.pt")" = 600 ] ||
	{ echo "FAIL: the model is mode $(stat -c %a "$tmp/model.pt"), want 600"; exit 1; }
mv "$tmp/model.pt" "$tmp/model-a.pt"
replay "$tmp/b.jsonl" "$det --save-model model.pt"
replay "$tmp/c.jsonl" "$det --model model-a.pt"

# Syscall and label records of the test traces: the ground truth.
for t in "$anom" "$other"; do
	"$CADET" dump --json "$t" | grep -E '"type":"(syscall|label)"' | sed "s|^|$t\t|"
done >"$tmp/records.tsv"

python3 - "$tmp" "$anom" <<'PY'
import json, math, sys
tmp, anom = sys.argv[1], sys.argv[2]

def load(name):
    lines = open(f"{tmp}/{name}.jsonl").read().splitlines()
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:]]

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

ha, ra = load("a")
hb, rb = load("b")
hc, rc = load("c")
if open(f"{tmp}/a.jsonl").read() != open(f"{tmp}/b.jsonl").read():
    fail("two runs with the same seed give different results")
print("two runs: byte-identical")
for h in (ha, hb, hc):
    d = h["detectors"][0]
    if "disabled" in d:
        fail(f"detector disabled: {d['disabled']}")
d = ha["detectors"][0]
thr = d["threshold"]
if thr is None or not d["validation_scores"]:
    fail(f"no threshold from validation: {d}")
print(f"threshold {thr} from {d['validation_scores']} validation scores")

def scores(rows):
    return [(r["trace"], r["cgroup_id"], r["win_start"], r["win_end"], r["value"])
            for r in rows if r["type"] == "score"]
sa = scores(ra)
if scores(rc) != sa:
    fail("the model saved with --save-model and loaded with --model scores differently")
print(f"saved and loaded model: the same {len(sa)} scores")

tick = d["tick_ns"]
want = set()
label = None
for line in open(f"{tmp}/records.tsv"):
    path, rec = line.split("\t", 1)
    r = json.loads(rec)
    if r["type"] == "syscall":
        want.add((path, r["cgroup_id"], (r["ts"] // tick + 1) * tick))
    elif path == anom and r["kind"] == "anomaly":
        label = r
got = [(t, cg, end) for t, cg, _, end, _ in sa]
if len(got) != len(set(got)):
    fail("more than one score for a container tick")
if set(got) != want:
    fail(f"{len(want - set(got))} container ticks with syscalls have no score, "
         f"{len(set(got) - want)} scores fall in ticks without syscalls")
if not all(math.isfinite(v) and v >= 0 for *_, v in sa):
    fail("a score is not a finite NLL")
print(f"{len(sa)} scores: one for every container tick with syscalls")

if label is None:
    fail(f"{anom} has no anomaly label")
inside = [s for s in sa if s[0] == anom and s[1] == label["cgroup_id"]
          and s[3] > label["start_ts"] and s[2] <= label["end_ts"]]
top = max((s[4] for s in inside), default=None)
print(f"{label['anomaly']} in {label['container']}: {len(inside)} scores in "
      f"the window, highest {top}")
if top is None or not top > thr:
    fail(f"no score of {label['container']} inside the anomaly window is above "
         f"the threshold {thr}")
alerts = [r for r in ra if r["type"] == "alert" and r["trace"] == anom
          and r["cgroup_id"] == label["cgroup_id"]
          and label["start_ts"] < r["ts"] <= label["end_ts"] + tick]
if not alerts:
    fail("the host raised no alert inside the anomaly window")
print(f"{len(alerts)} alert(s) inside the anomaly window")
PY
