# The layer table (docs/architecture.md), sourced by tools/check-layers.sh
# (includes) and tools/check-layer-links.sh (archive symbols).
# Layers lowest first; each may use the layers listed for it, its own,
# and the public API in include/cadet/.
# shellcheck shell=bash disable=SC2034
layers=(util trace recorder detect replayer live injector eval reports tools)
declare -A allowed=(
	[util]=""
	[trace]="util"
	[recorder]="util trace bpf"
	[detect]="util trace"
	[replayer]="util trace detect"
	[live]="util trace detect recorder"
	[injector]="util trace recorder"
	[eval]="util trace"
	[reports]="util trace eval"
	[tools]="util trace bpf recorder detect replayer live injector eval reports"
)
