#!/usr/bin/env bash
# Live mode end to end: `cadet record --live` with the rules detector and
# a thresholded zscore, recording to a trace at the same time, while a
# runc container reads /etc/shadow. Checks: the alert line for that
# container in --alerts FILE, the container's series on /metrics and
# `promtool check metrics` accepting the page, the webhook POST (to a
# receiver on 127.0.0.1 started here) in Alertmanager's format, the trace
# written alongside is valid, and a model saved by `cadet replay
# --save-model` loads with its threshold.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh

PY=/usr/bin/python3
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The committed Grafana dashboard for live data is a valid dashboard.
$PY - docs/live-dashboard.json ../shared/grafana/dashboard.jsonschema.json <<'PY' || fail "docs/live-dashboard.json"
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["__inputs"][0]["name"] == "DS_PROMETHEUS" and d["__inputs"][0]["pluginId"] == "prometheus"
d.pop("__inputs"); d.pop("__requires")
if os.path.exists(sys.argv[2]):
    import jsonschema
    jsonschema.validate(d, json.load(open(sys.argv[2])))
else:
    print("SKIP: docs/live-dashboard.json against Grafana's schema: no %s" % sys.argv[2])
PY

# A model and threshold from replay, on synthetic normal traces.
"$CADET" replay --make-synthetic "$TEST_TMP/n1.cadet" --synth-records 5000 -q
"$CADET" replay --make-synthetic "$TEST_TMP/n2.cadet" --synth-records 5000 --seed 2 -q
"$CADET" replay --train "$TEST_TMP/n1.cadet" --validate "$TEST_TMP/n2.cadet" \
	--detector iforest:trees=20 --save-model "$TEST_TMP/if.model" -q
[ -s "$TEST_TMP/if.model" ] || fail "no model saved"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["detector"]=="iforest" and isinstance(d["threshold"], float), d' \
	"$TEST_TMP/if.model.threshold" || fail "bad threshold sidecar"

# The webhook receiver: records each POST body, answers 200.
HOOK_PORT=$(free_port)
$PY - "$HOOK_PORT" "$TEST_TMP/hook" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
HOOK_PID=$!
trap 'kill $HOOK_PID 2>/dev/null || true; cleanup' EXIT

PORT=$(free_port)
"$CADET" record --live --detector rules --detector zscore:threshold=50 \
	--detector iforest:trees=20 --model "$TEST_TMP/if.model" \
	--metrics-addr 127.0.0.1:$PORT --alerts "$TEST_TMP/alerts.jsonl" \
	--webhook "http://127.0.0.1:$HOOK_PORT/api/v2/alerts" \
	-o "$TEST_TMP/live.cadet" >"$TEST_TMP/recorder.log" 2>&1 &
RECORDER_PID=$!
for ((i = 0; i < 300; i++)); do
	grep -q 'recording to' "$TEST_TMP/recorder.log" && break
	kill -0 "$RECORDER_PID" 2>/dev/null || { cat "$TEST_TMP/recorder.log" >&2; fail "recorder exited early"; }
	sleep 0.1
done
grep -q 'recording to' "$TEST_TMP/recorder.log" || fail "recorder did not start"
grep -q 'detector iforest:trees=20: model .*if.model, threshold [0-9]' "$TEST_TMP/recorder.log" ||
	fail "model not loaded: $(cat "$TEST_TMP/recorder.log")"

ctr_create cadet-live-t 'sleep 1; cat /etc/shadow >/dev/null; sleep 6'
ctr_start cadet-live-t

# The alert for that container, within 10 s.
for ((i = 0; i < 100; i++)); do
	grep -q '"container":"cadet-live-t".*"reason":"sensitive_file"' "$TEST_TMP/alerts.jsonl" 2>/dev/null && break
	sleep 0.1
done
grep '"container":"cadet-live-t"' "$TEST_TMP/alerts.jsonl" | grep -q '"reason":"sensitive_file"' ||
	fail "no sensitive_file alert for cadet-live-t: $(cat "$TEST_TMP/alerts.jsonl" 2>/dev/null)"
$PY - "$TEST_TMP/alerts.jsonl" <<'PY' || fail "bad alert line"
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    assert a["type"] == "alert" and a["trace"].endswith("live.cadet"), a
    for k in ("detector", "container", "cgroup_id", "ts", "severity", "reason", "emit_ts"):
        assert k in a, (k, a)
    assert a["emit_ts"] >= a["ts"], a
PY

# Metrics: wait for one METRICS interval of the container.
for ((i = 0; i < 50; i++)); do
	curl -sf "127.0.0.1:$PORT/metrics" >"$TEST_TMP/metrics.txt" || true
	grep -q 'cadet_container_syscalls_total{container="cadet-live-t"}' "$TEST_TMP/metrics.txt" && break
	sleep 0.2
done
for m in cadet_container_cpu_seconds_total cadet_container_memory_rss_bytes \
	cadet_container_network_transmit_bytes_total cadet_container_network_receive_bytes_total \
	cadet_container_syscalls_total; do
	grep -q "^$m{container=\"cadet-live-t\"} [0-9]" "$TEST_TMP/metrics.txt" || fail "no $m for cadet-live-t"
done
grep -q '^cadet_alerts_total{detector="rules",container="cadet-live-t",severity="critical"} [1-9]' "$TEST_TMP/metrics.txt" ||
	fail "no alert counter: $(grep alerts "$TEST_TMP/metrics.txt")"
grep -q '^cadet_live_queue_overflow_total 0$' "$TEST_TMP/metrics.txt" || fail "overflow counter missing"
grep -q '^cadet_recorder_lost_events_total ' "$TEST_TMP/metrics.txt" || fail "lost counter missing"
promtool check metrics <"$TEST_TMP/metrics.txt" || fail "promtool rejects /metrics"

# The webhook got the alert in Alertmanager's format.
for ((i = 0; i < 50; i++)); do
	grep -q cadet-live-t "$TEST_TMP/hook" 2>/dev/null && break
	sleep 0.1
done
$PY - "$TEST_TMP/hook" <<'PY' || fail "webhook payload: $(cat "$TEST_TMP/hook" 2>/dev/null)"
import json, re, sys
seen = False
for line in open(sys.argv[1]):
    for a in json.loads(line):
        assert set(a["labels"]) == {"alertname", "container", "severity", "detector"}, a
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", a["startsAt"]), a
        if a["labels"]["container"] == "cadet-live-t" and a["labels"]["alertname"] == "sensitive_file":
            assert a["annotations"]["reason"] == "sensitive_file" and a["labels"]["severity"] == "critical"
            seen = True
assert seen
PY

ctr_wait cadet-live-t 30
kill -INT "$RECORDER_PID"
wait "$RECORDER_PID" || fail "recorder exited with $?: $(tail -5 "$TEST_TMP/recorder.log")"
RECORDER_PID=
grep -q 'live: [0-9]* records to 3 detector(s), [1-9][0-9]* alert(s), 0 record(s) dropped' "$TEST_TMP/recorder.log" ||
	fail "no live summary: $(tail -3 "$TEST_TMP/recorder.log")"
"$CADET" check "$TEST_TMP/live.cadet" >/dev/null || fail "trace written in live mode does not check"
# The trace holds what the detectors saw: replaying it raises the same rule alert.
"$CADET" replay "$TEST_TMP/live.cadet" --detector rules -q | grep -q '"container":"cadet-live-t".*"reason":"sensitive_file"' ||
	fail "replay of the live trace lacks the alert"
echo "ok: live alert, metrics, webhook, model"
