/* SPDX-License-Identifier: MIT */
/*
 * The container table: which cgroup v2 directories belong to containers.
 *
 * Containers are found by recorder/discovery.h (runc state, runtimes'
 * cgroup naming patterns) and by cgroups added by hand (--cgroup PATH).
 * The table is rescanned on demand (every interval and when the kernel
 * reports a cgroup mkdir/rmdir); each scan reports what appeared and
 * what went away.
 *
 * HowTo:
 *   struct container_table_opts o = { .sz = sizeof(o) };
 *   struct container_table *t = container_table__new(&o);
 *   container_table__add_cgroup(t, "/sys/fs/cgroup/unified/my/grp");
 *   container_table__scan(t, on_add, on_remove, ctx);   -> callbacks
 *   const struct container_info *c = container_table__find(t, cgid);
 *   container_table__free(t);
 */
#ifndef CADET_RECORDER_CONTAINER_TABLE_H
#define CADET_RECORDER_CONTAINER_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "recorder/discovery.h"

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
