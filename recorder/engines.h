/* SPDX-License-Identifier: MIT */
/*
 * Container engines: the names, images and Kubernetes pods that the
 * cgroup path alone does not tell (docker's cgroup "/docker/<id>" says
 * nothing of "--name web" or the image).
 *
 * One look-up function per engine (engine_docker.c: the Engine API on
 * the docker socket; engine_oci.c: the OCI bundles of containerd and
 * cri-o; engine_podman.c: podman's container store). The recorder never
 * calls them itself: a resolver thread does, so that a slow or hung
 * daemon cannot stall the ring buffer. engines__fill() answers from the
 * resolver's cache at once and queues what it does not know; the answer
 * shows up in a later scan (the recorder then writes CONTAINER_UPDATE).
 *
 * HowTo:
 *   struct engines_opts o = { .sz = sizeof(o) };
 *   struct engines *e = engines__new(&o);
 *   engines__fill(e, &info);     0 filled, -EAGAIN queued, -ENOENT none
 *   engines__settled(e);         true once per batch of new answers
 *   engines__free(e);
 */
#ifndef CADET_RECORDER_ENGINES_H
#define CADET_RECORDER_ENGINES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "recorder/discovery.h"

struct engine_meta {
	char name[128];
	char image[256];
	char pod[128];
	char pod_namespace[128];
};

/* Copy @s (NULL: leave @dst) into @dst of @size bytes, cut to fit. */
static inline void engine_copy(char *dst, size_t size, const char *s)
{
	size_t n;

	if (!s || !size)
		return;
	n = strnlen(s, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

struct engines_opts {
	size_t sz;
	/* Docker Engine API: "unix:///path" or a socket path; default
	 * $DOCKER_HOST, else /var/run/docker.sock. */
	const char *docker_host;
	/* containerd's state dir (default /run/containerd): OCI bundles
	 * under io.containerd.runtime.v2.task/<namespace>/<id>. */
	const char *containerd_state;
	/* podman's storage root (default /var/lib/containers/storage). */
	const char *podman_storage;
	/* How long one container is retried before its id stays its name
	 * (default 5000 ms); each request to a daemon is bounded by it. */
	unsigned int timeout_ms;
	/* For @wait_ms from now engines__fill() waits for answers (the
	 * snapshot at start, off the hot path); 0: never wait. */
	unsigned int wait_ms;
	int verbose;
};

struct engines;

struct engines *engines__new(const struct engines_opts *opts);
void engines__free(struct engines *e);

/*
 * engines__fill() - name, image, pod and namespace of @c (runtime and id
 * set) from the engine that runs it. Returns 0 when @c was filled,
 * -EAGAIN when the look-up is queued (or still retried), -ENOENT when no
 * engine knows it (or its runtime has none). Never blocks, but for the
 * wait of engines__set_wait().
 */
int engines__fill(struct engines *e, struct container_info *c);

/* Let engines__fill() wait for answers for @ms from now (0: never). */
void engines__set_wait(struct engines *e, unsigned int ms);

/* True when answers arrived since the last call: time to rescan. */
bool engines__settled(struct engines *e);

/* Per engine look-ups, called by the resolver thread; each returns 0
 * (@out filled), -ENOENT (unknown: retried until the timeout) or
 * another -errno (the engine is not there: not retried). */
int engine_docker_lookup(const char *host, const char *id,
			 unsigned int timeout_ms, struct engine_meta *out);
int engine_oci_lookup(const char *state_dir, const char *id,
		      struct engine_meta *out);
int engine_podman_lookup(const char *storage, const char *id,
			 struct engine_meta *out);

/* libcurl's global set-up, once before the resolver thread starts. */
int engine_docker_global_init(void);

/* Parsers, for the tests: a `GET /containers/ID/json` answer, an OCI
 * config.json and podman's containers.json. 0 or -EINVAL. */
int engine_docker_parse(const char *json, size_t len, struct engine_meta *out);
int engine_oci_parse(const char *json, size_t len, struct engine_meta *out);
int engine_podman_parse(const char *json, size_t len, const char *id,
			struct engine_meta *out);

#endif
