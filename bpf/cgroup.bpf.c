// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup watch: tells the recorder at once when a cgroup v2 directory is
 * made or removed, so that new containers are filtered in within
 * milliseconds instead of at the next periodic rescan. Always loaded; its
 * maps are the ones every other family reuses.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int cgroup_event(struct cgroup *cgrp, __u32 mkdir)
{
	struct ev_cgroup *e;
	struct cg_ent v;
	long err;
	__u64 id;

	/* Only the v2 (default) hierarchy: its root has hierarchy id 0. */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	/*
	 * Record a new cgroup from its first task on: a runtime execs the
	 * container's first process within milliseconds, before userspace
	 * can tell what the cgroup is.
	 */
	if (mkdir && !filter_all) {
		v.id = id;
		v.slot = CG_NO_SLOT;
		v.flags = CG_F_PENDING;
		/*
		 * Full map: this cgroup's events would be filtered out until
		 * the recorder adds it; count that instead of hiding it.
		 */
		err = bpf_map_update_elem(&container_cgroups, &id, &v,
					  BPF_NOEXIST);
		if (err && err != -EEXIST)
			count_drop();
		else if (cg_storage_on)
			bpf_cgrp_storage_get(&cg_storage, cgrp, &v,
					     BPF_LOCAL_STORAGE_GET_F_CREATE);
	}
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, EV_CGROUP, sizeof(*e), 0);
	e->id = id;
	e->mkdir = mkdir;
	e->level = BPF_CORE_READ(cgrp, level);
	/* Runtimes start the container right after: wake the reader now. */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, 1);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, 0);
}
