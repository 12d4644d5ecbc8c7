/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps, filters and helpers every probe family shares.
 *
 * Each X.bpf.c object declares the shared maps below; the recorder loads
 * cgroup.bpf.o first and hands its map fds to the other objects
 * (bpf_map__reuse_fd) so that all families feed one ring buffer, one
 * container filter and one set of per-cgroup counters.
 */
#ifndef CADET_BPF_COMMON_BPF_H
#define CADET_BPF_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "events.h"

#define MAX_CONTAINER_CGROUPS 4096

/* errno values are macros, not in vmlinux.h. */
#ifndef EEXIST
#define EEXIST 17
#endif

/* Set by the recorder before load. */
const volatile bool filter_all = false;	/* --all: every cgroup */
const volatile __u32 self_tgid = 0;	/* never record the recorder */
const volatile __u64 self_cgroup = 0;	/* its cgroup; 0: unknown */
const volatile __u64 wakeup_bytes = 1 << 20;
/* cg_storage caches container_cgroups (opt-in, see recorder/probes.c). */
const volatile bool cg_storage_on = false;

/* All events; size set by the recorder. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/*
 * cgroup id -> struct cg_ent of each recorded cgroup: the truth, filled
 * by the recorder from the container table and by cgroup_mkdir below.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CONTAINER_CGROUPS);
	__type(key, __u64);
	__type(value, struct cg_ent);
} container_cgroups SEC(".maps");

/*
 * The same per cgroup, found from the cgroup without hashing; id 0 says
 * "not recorded", so that unrecorded cgroups cost one lookup too. Only a
 * cache of container_cgroups: a miss (or a busy storage, which the
 * kernel reports as a miss) falls back to the hash. The recorder writes
 * both, and removes a cgroup by storing id 0, never by deleting.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cg_ent);
} cg_storage SEC(".maps");

/* Counters and syscall histogram of the cgroups that have a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CG_SLOTS);
	__type(key, __u32);
	__type(value, struct cg_row);
} cg_rows SEC(".maps");

/* Counters of recorded cgroups without a slot (--all, not yet known). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_CONTAINER_CGROUPS);
	__type(key, __u64);
	__type(value, struct cg_counters);
} counters SEC(".maps");

/* Events the kernel side could not deliver, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Per-CPU counters may be updated by a program that preempted another. */
#define CNT_ADD(p, v) __sync_fetch_and_add((p), (v))

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *d = bpf_map_lookup_elem(&drops, &zero);

	if (d)
		CNT_ADD(d, 1);
}

/* The entry of cgroup @id from the hash; false when it is not recorded. */
static __always_inline bool cg_ent_by_id(__u64 id, struct cg_ent *out)
{
	struct cg_ent *v = bpf_map_lookup_elem(&container_cgroups, &id);

	if (v) {
		*out = *v;
		return true;
	}
	out->id = filter_all ? id : 0;
	out->slot = CG_NO_SLOT;
	out->flags = 0;
	return out->id != 0;
}

/*
 * A cg_storage miss: the hash answers, and the answer is cached. Rare
 * (a cgroup's first event, a busy storage), so not inlined: over a
 * hundred programs would each carry a copy.
 */
static __noinline bool cg_ent_miss(struct cgroup *cgrp, struct cg_ent *out)
{
	bool rec = cg_ent_by_id(cgrp->kn->id, out);

	/* An entry the recorder wrote meanwhile stays. */
	if (cg_storage_on)
		bpf_cgrp_storage_get(&cg_storage, cgrp, out,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	return rec;
}

/* The entry of @cgrp (a trusted pointer); false when it is not recorded. */
static __always_inline bool cg_ent_of(struct cgroup *cgrp, struct cg_ent *out)
{
	struct cg_ent *v;

	if (!cg_storage_on)
		return cg_ent_by_id(cgrp->kn->id, out);
	v = bpf_cgrp_storage_get(&cg_storage, cgrp, 0, 0);
	if (v) {
		*out = *v;
		return out->id != 0;
	}
	return cg_ent_miss(cgrp, out);
}

/*
 * The filter every program runs first: the current task's entry, false
 * when the event must be ignored (not recorded, or the recorder itself).
 */
static __always_inline bool current_ent(struct cg_ent *out)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!cg_ent_of(t->cgroups->dfl_cgrp, out))
		return false;
	if ((!self_cgroup || out->id == self_cgroup) &&
	    (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return false;
	return true;
}

/* The record id of the current task's cgroup, 0: ignore the event. */
static __always_inline __u64 current_cg(void)
{
	struct cg_ent e;

	return current_ent(&e) ? e.id : 0;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* Sockets remember the cgroup that made them; softirq context does not. */
static __always_inline __u64 sock_cgroup_id(const struct sock *sk)
{
	__u64 id = 0;

	if (sk)
		id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	return id ? id : bpf_get_current_cgroup_id();
}

static __always_inline void fill_hdr(struct ev_hdr *h, __u16 type,
				     __u32 size, __u64 cg)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->size = size;
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->ts = bpf_ktime_get_ns();
	h->cgroup_id = cg;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Wake the reader only when a good part of the buffer is used: it polls
 * every few tens of ms anyway, and a wakeup per event costs far more than
 * the event itself.
 */
static __always_inline __u64 rb_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void *rb_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_drop();
	return e;
}

static __always_inline void rb_submit(void *e)
{
	bpf_ringbuf_submit(e, rb_flags());
}

static __always_inline void rb_output(void *e, __u64 size)
{
	if (bpf_ringbuf_output(&events, e, size, rb_flags()))
		count_drop();
}

static const struct cg_counters zero_counters;

static __always_inline struct cg_counters *counters_by_id(__u64 cg)
{
	struct cg_counters *c = bpf_map_lookup_elem(&counters, &cg);

	if (c)
		return c;
	/* -EEXIST: another CPU made it meanwhile, found just below. */
	bpf_map_update_elem(&counters, &cg, &zero_counters, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&counters, &cg);
	/* The map is full: the increment is lost, counted as a drop. */
	if (!c)
		count_drop();
	return c;
}

/* The counters of a recorded cgroup: its slot's row, else the hash. */
static __always_inline struct cg_counters *counters_of(const struct cg_ent *e)
{
	__u32 slot = e->slot;
	struct cg_row *row;

	if (slot >= CG_SLOTS)
		return counters_by_id(e->id);
	row = bpf_map_lookup_elem(&cg_rows, &slot);
	return row ? &row->c : NULL;
}

/*
 * The arguments of a syscall as sys_exit reads them from the user
 * registers the kernel saved at entry; @kind says how its family reads
 * them. Arguments past the syscall's own are 0.
 */
struct sys_args {
	__u64 a[6];
	__u32 kind;
	__u32 pad;
};

/* Reads a user string into @dst (size a power of two); its length. */
static __always_inline __u32 read_ustr(char *dst, __u32 size, const void *src)
{
	long n;

	if (!src)
		return 0;
	n = bpf_probe_read_user_str(dst, size, src);
	if (n <= 0)
		return 0;
	return (__u32)(n - 1) & (size - 1);
}

/* One per-CPU scratch buffer for the large variable-size events. */
union ev_big {
	struct ev_exec exec;
	struct ev_open open;
	struct ev_file_op fop;
};

#define DEFINE_HEAP()                                             \
	struct {                                                  \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);          \
		__uint(max_entries, 1);                           \
		__type(key, __u32);                               \
		__type(value, union ev_big);                      \
	} heap SEC(".maps")

#endif /* CADET_BPF_COMMON_BPF_H */
