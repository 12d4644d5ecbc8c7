#!/usr/bin/env bash
# `make install` gives what an author outside the tree builds against:
# into a DESTDIR, then a small trace reader built only with
# `pkg-config --cflags --libs cadet` (prefix moved into the DESTDIR with
# --define-variable) reads the golden trace and names every record as
# `cadet dump` does; a detector plugin built with the installed headers
# alone is replayed by the installed cadet and calls its exported record
# helpers.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
T=tests/fixtures/golden-v1.cadet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }

san=()
[[ $BUILD == *-san ]] && san=(SAN=1)
D=$tmp/dest
P=/opt/cadet
make -s --no-print-directory "${san[@]}" BUILD="$BUILD" DESTDIR="$D" PREFIX="$P" install >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; echo "FAIL: make install"; exit 1; }
for f in bin/cadet include/cadet/trace.h include/cadet/detector.h \
	include/cadet/records.def lib/libcadet-trace.a lib/libcadet-util.a lib/pkgconfig/cadet.pc \
	share/doc/cadet/detector-abi.md; do
	[ -f "$D$P/$f" ] || { echo "FAIL: $P/$f not installed"; exit 1; }
done
echo "installed: $(cd "$D$P" && find . -type f | sort | tr '\n' ' ')"

pc() { PKG_CONFIG_PATH=$D$P/lib/pkgconfig pkg-config --define-variable=prefix="$D$P" "$@" cadet; }
v=$("$D$P/bin/cadet" --version | awk '{print $NF}')
[ "$(pc --modversion)" = "$v" ] ||
	{ echo "FAIL: cadet.pc says version $(pc --modversion), the installed cadet $v"; exit 1; }

cat >"$tmp/reader.c" <<'C'
#include <stdio.h>
#include <cadet/trace.h>

int main(int argc, char **argv)
{
	struct cadet_reader *r = cadet_reader__open(argv[1], NULL);
	const struct cadet_rec *rec;
	int err;

	if (!r) {
		fprintf(stderr, "%s\n", cadet_reader__open_error());
		return 1;
	}
	while ((err = cadet_reader__next(r, &rec)) > 0) {
		const char *n = cadet_rec_type_name(rec->type);

		if (n)
			printf("%s %llu\n", n, (unsigned long long)rec->ts);
		else
			printf("type_%u %llu\n", rec->type,
			       (unsigned long long)rec->ts);
	}
	cadet_reader__free(r);
	return err ? 1 : 0;
}
C
# shellcheck disable=SC2046
cc -std=gnu11 -Wall -Werror "$tmp/reader.c" -o "$tmp/reader" $(pc --cflags --libs) 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; echo "FAIL: reader does not build with pkg-config --cflags --libs cadet"; exit 1; }
"$tmp/reader" "$T" >"$tmp/got" || { echo "FAIL: the installed library cannot read $T"; exit 1; }
"$BUILD/cadet" dump --json "$T" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["type"], r["ts"])
' >"$tmp/want"
diff -u "$tmp/want" "$tmp/got" || { echo "FAIL: the installed reader disagrees with cadet dump"; exit 1; }
echo "reader built with pkg-config: $(wc -l <"$tmp/got") records, as cadet dump"

# shellcheck disable=SC2046
cc -std=gnu11 -Wall -Werror -shared -fPIC $(pc --cflags) tests/plugins/uses_rec_helper.c \
	-o "$tmp/helper.so" 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; echo "FAIL: plugin does not build with the installed headers"; exit 1; }
"$D$P/bin/cadet" replay -q "$T" -d "$tmp/helper.so" -o "$tmp/r.jsonl" 2>"$tmp/replay.err" ||
	{ cat "$tmp/replay.err"; echo "FAIL: installed cadet cannot run a plugin built against the installed headers"; exit 1; }
n=$(grep -c '"type":"alert"' "$tmp/r.jsonl")
[ "$n" -gt 0 ] || { echo "FAIL: the plugin made no alerts"; exit 1; }
echo "plugin built with the installed headers: $n alerts through the exported helpers"
