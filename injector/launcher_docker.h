/* SPDX-License-Identifier: MIT */
/*
 * The Docker launcher behind struct container (injector/container.h):
 * the same scenario containers run by dockerd through the docker CLI
 * (the daemon named by $DOCKER_HOST, else /var/run/docker.sock).
 *
 *   image     `docker import` of the container's cached rootfs, one per
 *             rootfs and process, removed with its last container
 *   limits    --memory, --cpus, --pids-limit; --network none (only lo);
 *             mounts as -v SRC:DEST[:ro]; annotations as labels
 *   start     the container runs at create, held by a read on a FIFO of
 *             its state dir (mounted at /.cadet): its cgroup exists, as
 *             after `runc create`; start writes the FIFO and argv runs
 *   exec      `docker exec`, the process's pid written to /.cadet by a
 *             /bin/sh wrapper (one exec more than with runc) and mapped
 *             to the host's pid through NSpid
 *   destroy   `docker rm -f`, the image when unused, the state dir
 *
 * Every function returns 0 or -errno and prints what went wrong.
 */
#ifndef CADET_INJECTOR_LAUNCHER_DOCKER_H
#define CADET_INJECTOR_LAUNCHER_DOCKER_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "injector/container.h"

/* What struct container reports for a Docker container. */
struct docker_facts {
	/* in: the state dir's "owner" line ("pid starttime"), as runc
	 * bundles have it: container__cleanup_stale() spares it */
	char owner[64];
	char id[65];                    /* docker's 64-hex id */
	pid_t pid;                      /* host pid of the init */
	char cgroup_path[PATH_MAX];     /* absolute, v2 */
	uint64_t cgroup_id;
	char output[PATH_MAX];          /* exec'd processes' stderr */
};

struct docker_ctr;

struct docker_ctr *docker_ctr__create(const struct container_opts *opts,
				      struct docker_facts *facts);
int docker_ctr__start(struct docker_ctr *d);
int docker_ctr__exec(struct docker_ctr *d, const char *const *argv,
		     const struct container_exec_opts *opts);
int docker_ctr__kill(struct docker_ctr *d, int sig);
int docker_ctr__running(struct docker_ctr *d);
int docker_ctr__destroy(struct docker_ctr *d);
void docker_ctr__free(struct docker_ctr *d);

#endif
