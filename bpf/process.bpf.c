// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * process family: fork, exec and exit of tasks in recorded cgroups.
 *
 * exec carries the filename and argv (read from the new mm's argument area,
 * capped at EV_ARGV_MAX bytes); fork comes from task_newtask because that
 * tracepoint also gives the clone flags; exit carries the exit status and
 * the lifetime of the task.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CLONE_THREAD_FLAG 0x00010000

DEFINE_HEAP();

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 zero = 0, fn_len, len, size;
	unsigned long start, end;
	struct cg_counters *c;
	struct ev_exec *e;
	struct cg_ent ce;
	__u64 ugid, cg;
	long n;

	if (!current_ent(&ce))
		return 0;
	cg = ce.id;
	c = counters_of(&ce);
	if (c)
		CNT_ADD(&c->execs, 1);
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	ugid = bpf_get_current_uid_gid();
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->old_pid = old_pid;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->argc = BPF_CORE_READ(bprm, argc);

	n = bpf_probe_read_kernel_str(e->buf, EV_PATH_MAX,
				      BPF_CORE_READ(bprm, filename));
	fn_len = n > 0 ? (__u32)(n - 1) & (EV_PATH_MAX - 1) : 0;
	e->filename_len = fn_len;

	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end > start ? end - start : 0;
	e->argv_truncated = len > EV_ARGV_MAX - 1;
	if (len > EV_ARGV_MAX - 1)
		len = EV_ARGV_MAX - 1;
	/* Spelled out for the verifier, which loses the bound above. */
	len &= EV_ARGV_MAX - 1;
	if (bpf_probe_read_user(e->buf + fn_len, len, (void *)start))
		len = 0;
	e->argv_len = len;

	size = offsetof(struct ev_exec, buf) + fn_len + len;
	if (size > sizeof(*e))
		size = sizeof(*e);
	fill_hdr(&e->h, EV_EXEC, size, cg);
	rb_output(e, size);
	return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(task_newtask, struct task_struct *task, __u64 clone_flags)
{
	struct cg_counters *c;
	struct ev_fork *e;
	struct cg_ent ce;
	__u32 thread;
	__u64 cg;

	if (!current_ent(&ce))
		return 0;
	cg = ce.id;
	thread = !!(clone_flags & CLONE_THREAD_FLAG);
	if (!thread) {
		c = counters_of(&ce);
		if (c)
			CNT_ADD(&c->forks, 1);
	}
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, EV_FORK, sizeof(*e), cg);
	e->child_pid = BPF_CORE_READ(task, tgid);
	e->child_tid = BPF_CORE_READ(task, pid);
	e->clone_flags = clone_flags;
	e->thread = thread;
	e->pad = 0;
	rb_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p, bool group_dead)
{
	__u64 cg = current_cg();
	struct ev_exit *e;
	__u64 start;
	int code;

	if (!cg)
		return 0;
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, EV_EXIT, sizeof(*e), cg);
	code = BPF_CORE_READ(p, exit_code);
	e->code = (code >> 8) & 0xff;
	e->signal = code & 0x7f;
	/* A process lives as long as its leader; a thread its own life. */
	if (group_dead)
		start = BPF_CORE_READ(p, group_leader, start_time);
	else
		start = BPF_CORE_READ(p, start_time);
	e->lifetime_ns = e->h.ts > start ? e->h.ts - start : 0;
	e->thread = !group_dead;
	e->pad = 0;
	rb_submit(e);
	return 0;
}
