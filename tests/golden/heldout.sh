#!/usr/bin/env bash
# The held-out scenarios (scenarios/heldout/, docs/detectors.md "Held-out
# protocol") without running them: every file and variant passes `cadet
# run --dry-run`; every one is a command standing for a catalogue type,
# bounded by `timeout -s KILL "$CADET_DURATION"`, talking to 127.0.0.1
# only, with low and high intensities, and every shell and Python text in
# it parses; datasets/record.py puts the held-out runs after every other
# run of a plan (the earlier ids and order unchanged) and manifest.py and
# datasheet.py list the heldout split on its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CADET=${CADET:-build/cadet}
tmp=$(mktemp -d /tmp/cadet-heldout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

files=(scenarios/heldout/*.ini)
[ "${#files[@]}" -ge 10 ] || fail "want about 10 held-out scenarios, found ${#files[@]}"

# 1. Every file against every profile it names, at every intensity.
"$CADET" run --dry-run "${files[@]}" --profile all --intensity all \
	>"$tmp/plan" 2>"$tmp/plan.err" || { cat "$tmp/plan.err"; fail "cadet run --dry-run refused a held-out file"; }
want=0
for f in "${files[@]}"; do
	n=$(sed -n 's/^profiles *= *//p' "$f" | wc -w)
	want=$((want + 2 * n))
done
got=$(grep -c '^  anomaly command as ' "$tmp/plan")
[ "$got" = "$want" ] || fail "dry run planned $got held-out anomalies, want $want (profiles x low/high)"
if grep '^  anomaly ' "$tmp/plan" | grep -v ': CADET_DURATION=[0-9]* '; then
	fail "an anomaly without CADET_DURATION in its environment"
fi
echo "dry run: $got variants of ${#files[@]} files, each a command with CADET_DURATION"

# The catalogue listing names each by the class its LABEL will carry.
"$CADET" run --list --dir scenarios/heldout >"$tmp/list"
grep -q '^ho_cpu_sha  *resource  *cpu_hog ' "$tmp/list" || { cat "$tmp/list"; fail "--list does not show ho_cpu_sha as cpu_hog"; }

# 2. What each file says, statically.
python3 - "$tmp" "${files[@]}" <<'PY'
import os, re, shlex, subprocess, sys

tmp, files = sys.argv[1], sys.argv[2:]
catalogue = set()
for ini in os.listdir("scenarios"):
    if ini.endswith(".ini"):
        m = re.search(r"^\[anomaly\][^\[]*?^type\s*=\s*(\S+)",
                      open(os.path.join("scenarios", ini)).read(), re.M | re.S)
        if m:
            catalogue.add(m.group(1))
names = {f[:-4] for f in os.listdir("scenarios") if f.endswith(".ini")}
bad = []


def check_shell(shell, text, where):
    r = subprocess.run([shell, "-n", "-c", text], capture_output=True,
                       text=True)
    if r.returncode:
        bad.append(f"{where}: {shell} -n: {r.stderr.strip()}")


def check_python(text, where):
    try:
        compile(text, where, "exec")
    except SyntaxError as e:
        bad.append(f"{where}: python: {e}")


def scripts(cmd, where, shell="dash"):
    """Parse @cmd with @shell, then every script it hands to bash -c,
    sh -c or python3 -c, and every argument that is Python text."""
    check_shell(shell, cmd, where)
    words = shlex.split(cmd)
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in ("bash", "sh") and nxt == "-c" and i + 2 < len(words):
            scripts(words[i + 2], where, "bash" if w == "bash" else "dash")
        elif w.startswith("import "):
            # python3 -c 'TEXT', or TEXT handed over as "$1"
            check_python(w, where)


for path in files:
    text = open(path).read()
    sec = lambda name: re.search(r"^\[%s\]\n(.*?)(?=^\[|\Z)" % re.escape(name),
                                 text, re.M | re.S)
    kv = lambda body: dict(re.findall(r"^(\w+)\s*=\s*(.*?)\s*$", body, re.M))
    scn, an = sec("scenario"), sec("anomaly")
    if not scn or not an:
        bad.append(f"{path}: no [scenario] or [anomaly]")
        continue
    s, a = kv(scn.group(1)), kv(an.group(1))
    name = os.path.basename(path)[:-4]
    if s.get("name") != name or not name.startswith("ho_"):
        bad.append(f"{path}: name {s.get('name')!r}, want {name!r} (ho_...)")
    if name in names:
        bad.append(f"{path}: {name} is also a catalogue scenario")
    if a.get("type") != "command":
        bad.append(f"{path}: type {a.get('type')!r}, want command")
    if a.get("class") not in catalogue:
        bad.append(f"{path}: class {a.get('class')!r} is not a catalogue "
                   f"type ({', '.join(sorted(catalogue))})")
    for level in ("low", "high"):
        if not sec(f"intensity {level}"):
            bad.append(f"{path}: no [intensity {level}]")
    cmd = a.get("command", "")
    # Bounded: one `timeout -s KILL "$CADET_DURATION"` around the work;
    # around it only setup and cleanup (mktemp, cp, chmod, rm).
    head, sep, _ = cmd.partition('timeout -s KILL "$CADET_DURATION" ')
    if not sep or cmd.count("timeout -s KILL") != 1:
        bad.append(f"{path}: the command is not bounded by "
                   'timeout -s KILL "$CADET_DURATION"')
    # After it: what follows the first separator past its last quote
    # (before that are the script's own arguments).
    tail = re.split(r"&&|;", cmd.rsplit("'", 1)[-1], maxsplit=1)
    outside = head + ";" + (tail[1] if len(tail) > 1 else "")
    for part in re.split(r"&&|\|\||;|\||\$\(", outside):
        words = [w for w in part.split() if not re.match(r"\w+=", w)]
        word = words[0].strip(")") if words else ""
        if word and word not in ("mktemp", "cp", "chmod", "rm"):
            bad.append(f"{path}: {word!r} runs outside the timeout")
    # Loopback only.
    for ip in re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", cmd):
        if ip != "127.0.0.1":
            bad.append(f"{path}: address {ip}: loopback only")
    for host in re.findall(r"/dev/(?:tcp|udp)/([^/\"']+)", cmd):
        if host != "127.0.0.1":
            bad.append(f"{path}: /dev/tcp to {host}: loopback only")
    scripts(cmd, path)
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"static checks: {len(files)} files: classes of the catalogue, "
      "bounded, loopback only, shell and Python texts parse")
PY

# 3. The dataset plans: held-out runs last, the rest as before.
for size in ref full; do
	python3 datasets/record.py --size "$size" --dry-run "$tmp/none" >"$tmp/$size"
	python3 datasets/record.py --size "$size" --dry-run --only train,val,test "$tmp/none" >"$tmp/$size.rest"
	n=$(grep -c '^todo ' "$tmp/$size.rest")
	diff <(grep '^todo ' "$tmp/$size" | head -n "$n") <(grep '^todo ' "$tmp/$size.rest") >/dev/null ||
		fail "$size: the held-out runs changed the plan before them"
	h=$(grep -c '^todo heldout/' "$tmp/$size")
	[ "$(grep -c '^todo ' "$tmp/$size")" = $((n + h)) ] || fail "$size: held-out runs are not all after the others"
	[ "$h" -ge "${#files[@]}" ] || fail "$size: $h held-out runs for ${#files[@]} scenarios"
	grep '^todo heldout/' "$tmp/$size" >"$tmp/$size.held"
	! grep -Eq -- '--seed [0-9] ' "$tmp/$size.held" || fail "$size: a held-out run shares a test seed"
	[ "$(cut -d: -f1 "$tmp/$size.held" | sort -u | wc -l)" = "$h" ] || fail "$size: duplicate held-out ids"
	echo "$size plan: $n runs as before, then $h held-out runs"
done
grep -q '^todo heldout/ho_cpu_sha-redis-low-s4001: cadet run scenarios/heldout/ho_cpu_sha.ini --profile redis --seed 4001 --intensity low --seq-exclude .* --duration 90$' "$tmp/ref" ||
	fail "ref: ho_cpu_sha's first run is not redis/low, seed 4001, 90 s, with the test split's probes"

# 4. The manifest and the datasheet list the heldout split on its own.
mkdir -p "$tmp/set/test" "$tmp/set/heldout"
cp "$(ls datasets/ref/test/cpu_hog-*s1*.cadet | head -1)" "$tmp/set/test/"
cp "$(ls datasets/ref/test/memleak-*s1*.cadet | head -1)" "$tmp/set/heldout/"
python3 datasets/manifest.py "$tmp/set" >/dev/null
python3 - "$tmp/set/MANIFEST.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m["splits"]["heldout"]) == 1, m["splits"]
assert len(m["splits"]["test"]) == 1, m["splits"]
assert m["files"][-1]["split"] == "heldout", m["files"][-1]
PY
python3 datasets/datasheet.py "$tmp/set/MANIFEST.json" >"$tmp/sheet"
grep -q '^| heldout | 1 |' "$tmp/sheet" || { cat "$tmp/sheet"; fail "the datasheet has no heldout row"; }
echo "manifest and datasheet: heldout split listed on its own"
