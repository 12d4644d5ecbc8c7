# Docker for integration tests: a private dockerd (its own data root,
# exec root, pid file and socket in a temp dir, no iptables, no bridge)
# started by docker_start and stopped, with everything it made, on exit.
# Sourced after lib.sh. Without dockerd the test is skipped (exit 77).
DK_TMP=
DOCKERD_PID=
DK_NEW_CGROUPS= # the daemon's parent cgroups, when it made them

docker_cleanup() {
	local i
	[ -n "$DK_TMP" ] || return 0
	if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
		docker rm -f $(docker ps -aq 2>/dev/null) >/dev/null 2>&1 || true
		kill -TERM "$DOCKERD_PID" 2>/dev/null || true
		for ((i = 0; i < 200; i++)); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$DOCKERD_PID" 2>/dev/null || true
	fi
	# What a killed daemon may leave mounted under its roots.
	awk -v d="$DK_TMP/" 'index($2, d) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$DK_TMP"
	# Empty by now; a cgroup that still holds something stays.
	for d in $DK_NEW_CGROUPS; do rmdir "$d" 2>/dev/null || true; done
}
trap 'docker_cleanup; cleanup' EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

# docker_start: the daemon, DOCKER_HOST pointing at it for the CLI and
# for cadet (recorder names, --launcher docker).
docker_start() {
	local i
	command -v dockerd >/dev/null || skip "dockerd not installed (make deps installs docker.io)"
	command -v docker >/dev/null || skip "docker CLI not installed (make deps installs docker.io)"
	for d in $(awk '$3 ~ /^cgroup2?$/ { print $2 "/docker" }' /proc/mounts); do
		[ -e "$d" ] || DK_NEW_CGROUPS+=" $d"
	done
	DK_TMP=$(mktemp -d /tmp/cadet-dockerd.XXXXXX)
	export DOCKER_HOST="unix://$DK_TMP/docker.sock"
	dockerd --data-root "$DK_TMP/data" --exec-root "$DK_TMP/exec" \
		--pidfile "$DK_TMP/dockerd.pid" -H "$DOCKER_HOST" \
		--iptables=false --ip6tables=false --bridge=none \
		>"$DK_TMP/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	for ((i = 0; i < 300; i++)); do
		docker version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	skip "dockerd does not start here: $(tail -1 "$DK_TMP/dockerd.log")"
}

# docker_import TAG: the cached rootfs as an image (no registry).
docker_import() {
	tar -C "$(injector/mkrootfs.sh --print-path)" -c . 2>/dev/null |
		docker import - "$1" >/dev/null
}
