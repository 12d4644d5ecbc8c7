#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 30) from its seed
# corpus (tests/fuzz/corpus/NAME, copied so the checkout stays clean).
# A crash fails the run and leaves the reproducer in build-fuzz/.
set -euo pipefail
secs=${FUZZ_SECONDS:-30}
for bin in "$@"; do
	name=$(basename "$bin")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d /tmp/cadet-fuzz.XXXXXX)
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	echo "fuzzing $name for $secs s"
	"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix=build-fuzz/"$name"- "$work"
	rm -rf "$work"
done
