#!/usr/bin/env bash
# make layers: every #include "..." of the C sources against the layer
# table of docs/architecture.md. Fails, naming file and line, on an
# include of a higher layer (or a layer not listed as a dependency) and
# on an include of another folder's private header (*_int.h).
#   tools/check-layers.sh          check the tree
#   tools/check-layers.sh FILE...  check these files only
# Exit 0 clean, 1 with violations, 2 on bad use.
set -euo pipefail
cd "$(dirname "$0")/.."

. tools/layers.sh

# Includes that break the table today and are being moved, as
# "FILE:HEADER"; each must still occur, so that a finished move makes
# this list shrink instead of hiding a new violation.
known=(
)

# Layer of a source path or an include path, "" when it is none.
layer_of() {
	case $1 in
	lib/util/*) echo util ;;
	lib/trace/*) echo trace ;;
	bpf/*) echo bpf ;;
	recorder/* | detect/* | replayer/* | live/* | injector/* | eval/* | reports/* | tools/*)
		echo "${1%%/*}" ;;
	*) echo "" ;;
	esac
}

# The folder of @layer, for messages.
folder_of() {
	case $1 in
	util | trace) echo "lib/$1/" ;;
	*) echo "$1/" ;;
	esac
}

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files -- lib recorder detect replayer live \
		injector eval reports tools | grep -E '\.(c|h)$')
fi

bad=0
used_known=()
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "check-layers: $f: no such file" >&2; exit 2; }
	from=$(layer_of "$f")
	[ -n "$from" ] || continue
	while IFS=: read -r line inc; do
		inc=${inc#*\"}
		inc=${inc%%\"*}
		to=$(layer_of "$inc")
		# Same-folder relative includes ("payload.h") and the public
		# API (cadet/...) are always fine.
		[ -n "$to" ] || continue
		for k in "${known[@]}"; do
			if [ "$k" = "$f:$inc" ]; then
				used_known+=("$k")
				continue 2
			fi
		done
		if [ "$to" != "$from" ] && [[ $inc == *_int.h ]]; then
			echo "$f:$line: includes $inc, a private header of $(folder_of "$to"): export what is needed through a header without _int"
			bad=1
			continue
		fi
		[ "$to" = "$from" ] && continue
		case " ${allowed[$from]} " in
		*" $to "*) ;;
		*)
			echo "$f:$line: $(folder_of "$from") may not include $inc ($(folder_of "$to")): it may use ${allowed[$from]:-nothing} (docs/architecture.md)"
			bad=1
			;;
		esac
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
done

# A whole-tree run also notices exceptions that are no longer needed.
if [ $# -eq 0 ]; then
	for k in "${known[@]}"; do
		case " ${used_known[*]-} " in
		*" $k "*) ;;
		*)
			echo "check-layers: known exception $k no longer occurs: remove it from tools/check-layers.sh"
			bad=1
			;;
		esac
	done
fi
if [ "$bad" = 0 ]; then
	echo "layers: ${#files[@]} files, every include within the layer table"
fi
exit "$bad"
