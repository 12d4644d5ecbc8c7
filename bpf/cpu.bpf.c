// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cpu family: on-CPU time and context switches per cgroup. At each
 * sched_switch the time since the previous switch on this CPU is charged
 * to the task leaving the CPU (still "current" at the tracepoint).
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} switch_ts SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct cg_counters *c;
	__u64 now, *last;
	__u32 zero = 0;
	struct cg_ent e;

	last = bpf_map_lookup_elem(&switch_ts, &zero);
	if (!last)
		return 0;
	now = bpf_ktime_get_ns();
	if (*last && current_ent(&e)) {
		c = counters_of(&e);
		if (c) {
			CNT_ADD(&c->cpu_ns, now - *last);
			CNT_ADD(&c->ctx_switches, 1);
		}
	}
	*last = now;
	return 0;
}
