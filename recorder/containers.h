/* SPDX-License-Identifier: MIT */
/*
 * Container discovery: maps cgroup v2 directories to containers.
 *
 * Sources: runc state (state.json under /run/runc), cgroup path patterns
 * of docker, containerd, cri-o, podman and Kubernetes pods, cgroups added
 * by hand (--cgroup PATH). The table is rescanned on demand (every
 * interval and when the kernel reports a cgroup mkdir/rmdir); each scan
 * reports what appeared and what went away.
 *
 * HowTo:
 *   struct container_table_opts o = { .sz = sizeof(o) };
 *   struct container_table *t = container_table__new(&o);
 *   container_table__add_cgroup(t, "/sys/fs/cgroup/unified/my/grp");
 *   container_table__scan(t, on_add, on_remove, ctx);   -> callbacks
 *   const struct container_info *c = container_table__find(t, cgid);
 *   container_table__free(t);
 */
#ifndef CADET_RECORDER_CONTAINERS_H
#define CADET_RECORDER_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

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
 * container_cgroup_id() - the id bpf_get_current_cgroup_id() reports for
 * tasks in the cgroup directory @path: its kernfs file handle (as
 * bpftool reads it), else its inode number. 0 or -errno.
 */
int container_cgroup_id(const char *path, uint64_t *id);

/* "runc", "docker", ... for the trace's runtime field; "host" for
 * CADET_RT_UNKNOWN (entries of `all` mode). */
const char *container_runtime_name(enum cadet_runtime rt);

typedef void (*container_cb)(const struct container_info *c, void *ctx);

struct container_table_opts {
	size_t sz;
	const char *cgroup_root;        /* default: the v2 mount, found */
	const char *runc_root;          /* default "/run/runc" */
	int all;                        /* also the host: every cgroup */
	/*
	 * Engine metadata for containers found by their cgroup path: may
	 * fill name, image, pod and pod_namespace; must not block
	 * (engines__fill()). NULL: the short id is the name.
	 */
	int (*enrich)(struct container_info *c, void *ctx);
	void *enrich_ctx;
	/*
	 * Called by container_table__scan() (with its ctx) for an entry whose
	 * metadata only (name, image, pod) changed; NULL: such an entry is
	 * removed, then added, like any changed one.
	 */
	container_cb on_update;
};

struct container_table;

struct container_table *container_table__new(const struct container_table_opts *opts);
void container_table__free(struct container_table *t);
/* Track a cgroup by path (absolute, or relative to the v2 mount). */
int container_table__add_cgroup(struct container_table *t, const char *path);
/*
 * Rescan; calls @on_add / @on_remove for the differences (a cgroup whose
 * container details changed is removed, then added). Returns the number
 * of callbacks made, or -errno. The table then holds one entry per cgroup
 * directory: a container's nested cgroups are entries of their own (own
 * cgroup id and path) carrying the container's runtime, id and name.
 */
int container_table__scan(struct container_table *t, container_cb on_add,
			  container_cb on_remove, void *ctx);
size_t container_table__cnt(const struct container_table *t);
const struct container_info *container_table__get(const struct container_table *t,
						  size_t idx);
const struct container_info *container_table__find(const struct container_table *t,
						   uint64_t cgroup_id);
/* The v2 mount point in use ("/sys/fs/cgroup/unified" here). */
const char *container_table__cgroup_root(const struct container_table *t);

#endif
