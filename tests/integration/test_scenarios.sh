#!/usr/bin/env bash
# make test: three catalogue scenarios end to end (20 s runs with real
# containers, load and recorder), each trace checked for its anomaly's
# signal inside the label window and not outside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tests/integration/run_scenarios.sh -d 20 memleak port_scan reverse_shell
