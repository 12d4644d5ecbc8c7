// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscall family. By default only a per-cgroup syscall histogram is kept
 * in the kernel (a per-CPU hash keyed by {cgroup, nr}): a ring buffer event
 * per syscall costs about four times as much. With --syscall-seq the
 * recorder also enables sys_exit, which streams nr/ret/tid of every
 * syscall without waking the reader per event.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct hist_key);
	__type(value, __u64);
} syscall_hist SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct hist_key key = {};
	__u64 zero = 0, *cnt;

	key.cgroup_id = current_cg();
	if (!key.cgroup_id)
		return 0;
	key.nr = id;
	cnt = bpf_map_lookup_elem(&syscall_hist, &key);
	if (!cnt) {
		/* Another CPU may make the key meanwhile: look it up again. */
		bpf_map_update_elem(&syscall_hist, &key, &zero, BPF_NOEXIST);
		cnt = bpf_map_lookup_elem(&syscall_hist, &key);
		if (!cnt) {
			count_drop();
			return 0;
		}
	}
	*cnt += 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 v = current_cg_value(), cg = v & ~CG_FLAGS;
	struct ev_syscall *e;

	if (!cg || (v & CG_NO_SEQ))
		return 0;
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, EV_SYSCALL, sizeof(*e), cg);
#if defined(__TARGET_ARCH_x86)
	e->nr = BPF_CORE_READ(regs, orig_ax);
#else
	e->nr = -1;
#endif
	e->pad = 0;
	e->ret = ret;
	rb_submit(e);
	return 0;
}
