#!/usr/bin/env bash
# Installs Debian's Slurm (slurmctld, slurmd, client tools) and munge when
# missing, without starting or enabling their system services: the local
# cluster of tools/slurm/local-cluster.sh runs its own daemons from a
# temporary directory. Needs root.
set -euo pipefail
pkgs=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "slurm: need root to apt-get install ${missing[*]}" >&2
	exit 1
fi
# A policy-rc.d that answers 101 keeps maintainer scripts from starting
# the services; ours is removed again, one already there is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	own_policy=1
	trap 'rm -f "$policy"' EXIT
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
fi
echo "slurm: installing ${missing[*]}"
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
# Installed but neither running nor enabled at boot.
for unit in slurmctld slurmd munge; do
	systemctl disable "$unit" >/dev/null 2>&1 || true
	systemctl stop "$unit" >/dev/null 2>&1 || true
done
[ -n "$own_policy" ] && rm -f "$policy"
trap - EXIT
exit 0
