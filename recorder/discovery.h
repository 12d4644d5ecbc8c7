/* SPDX-License-Identifier: MIT */
/*
 * Container discovery: which container runtime a cgroup v2 directory
 * belongs to. Sources: runc state (state.json under /run/runc) and the
 * cgroup path patterns of docker, containerd, cri-o, podman and
 * Kubernetes pods. The container table (recorder/container_table.h)
 * applies them on every scan.
 */
#ifndef CADET_RECORDER_DISCOVERY_H
#define CADET_RECORDER_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

/* Deepest cgroup path looked at: a bound against pathological trees. */
#define CGROUP_MAX_DEPTH 32

struct container_info {
	uint64_t cgroup_id;             /* inode of the v2 cgroup dir */
	enum cadet_runtime runtime;
	char id[128];                   /* runtime's container id */
	char name[128];                 /* human name, else the id */
	char image[256];                /* image / rootfs, may be empty */
	char cgroup_path[512];          /* relative to the v2 mount, "/..." */
	char pod[128];                  /* Kubernetes pod, may be empty */
	char pod_namespace[128];        /* its namespace (containerd's), or empty */
};

/*
 * container_parse_cgroup_path() - classify a cgroup v2 path (relative to
 * the v2 mount, e.g. "/system.slice/docker-<64 hex>.scope") by the naming
 * patterns of container runtimes. Fills runtime, id and name (name = short
 * id) of @out. Returns 0 for a container path, -ENOENT otherwise.
 * Nested paths (a container's own sub-cgroups) map to the container.
 */
int container_parse_cgroup_path(const char *path, struct container_info *out);

/*
 * container_parse_runc_state() - read one runc state.json document
 * (@len bytes, not NUL-terminated): runtime runc, id, name (label or OCI
 * annotation "cadet.name", then "io.kubernetes.container.name", else the
 * id), image ("cadet.image", else the rootfs) and the v2 cgroup path,
 * made relative to @root (NULL: the usual mount points). Returns 0, or
 * -EINVAL when the document is not a usable runc state.
 */
int container_parse_runc_state(const char *buf, size_t len, const char *root,
			       struct container_info *out);

/*
 * container_cgroup_rel() - @abs (an absolute cgroup v2 directory) relative
 * to the v2 mount: @root first, then the usual mount points. 0, or
 * -ENOENT when @abs is below none of them.
 */
int container_cgroup_rel(const char *abs, const char *root, char *rel,
			 size_t rel_sz);

/* "runc", "docker", ... for the trace's runtime field; "host" for
 * CADET_RT_UNKNOWN (entries of `all` mode). */
const char *container_runtime_name(enum cadet_runtime rt);

#endif
