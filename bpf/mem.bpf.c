// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mem family: per-cgroup RSS, user page faults and OOM kills.
 *
 * RSS: kmem:rss_stat fires whenever a counter of an mm changes. The map
 * mm_rss keeps file + anon + shmem bytes per mm, tagged with the cgroup of
 * the task that owns it; the recorder sums it per cgroup every interval.
 * Entries go away when the mm is torn down (mm_users has dropped to 0),
 * which covers both exit and exec.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MM_FILEPAGES_IDX 0
#define MM_ANONPAGES_IDX 1
#define MM_SHMEMPAGES_IDX 3

const volatile __u64 page_size = 4096;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct mm_rss);
} mm_rss SEC(".maps");

static __always_inline __u64 mm_rss_bytes(struct mm_struct *mm)
{
	__s64 file, anon, shmem, pages;

	file = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES_IDX].count);
	anon = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES_IDX].count);
	shmem = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES_IDX].count);
	/* Per-CPU batching can make each global count a bit negative. */
	pages = (file > 0 ? file : 0) + (anon > 0 ? anon : 0) +
		(shmem > 0 ? shmem : 0);
	return pages * page_size;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u64 key = (__u64)mm, cg;
	struct mm_rss *v, nv;

	if (BPF_CORE_READ(t, mm) == mm) {
		cg = current_cg();
		if (!cg)
			return 0;
		if (BPF_CORE_READ(mm, mm_users.counter) == 0)
			goto torn_down;
		nv.cgroup_id = cg;
		nv.rss_bytes = mm_rss_bytes(mm);
		bpf_map_update_elem(&mm_rss, &key, &nv, BPF_ANY);
		return 0;
	}
	/* Another task (reclaim, exec, exit_mmap) changed this mm. */
	v = bpf_map_lookup_elem(&mm_rss, &key);
	if (!v)
		return 0;
	if (BPF_CORE_READ(mm, mm_users.counter) == 0)
		goto torn_down;
	v->rss_bytes = mm_rss_bytes(mm);
	return 0;
torn_down:
	bpf_map_delete_elem(&mm_rss, &key);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	struct cg_counters *c;
	struct cg_ent e;

	if (!current_ent(&e))
		return 0;
	c = counters_of(&e);
	if (c)
		CNT_ADD(&c->page_faults, 1);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *task, uid_t uid)
{
	struct cg_counters *c;
	struct mm_struct *mm;
	struct ev_oom *e;
	struct cg_ent ce;
	__u64 cg;

	if (!cg_ent_by_id(task_cgroup_id(task), &ce))
		return 0;
	cg = ce.id;
	c = counters_of(&ce);
	if (c)
		CNT_ADD(&c->oom_kills, 1);
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, EV_OOM_KILL, sizeof(*e), cg);
	/* The record is about the victim, not the task that ran out. */
	e->h.pid = BPF_CORE_READ(task, tgid);
	e->h.tid = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&e->h.comm, task, comm);
	e->victim_pid = e->h.pid;
	e->pad = 0;
	mm = BPF_CORE_READ(task, mm);
	e->rss_bytes = mm ? mm_rss_bytes(mm) : 0;
	rb_submit(e);
	return 0;
}
