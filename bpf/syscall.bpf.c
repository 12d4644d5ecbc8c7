// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscall family. By default only a per-cgroup syscall histogram is kept
 * in the kernel: one counter in the cgroup's row of cg_rows (a per-CPU
 * array), so sys_enter costs one cgroup lookup and no hashing.
 *
 * With --syscall-seq the recorder enables sys_exit instead, which counts
 * the histogram and streams nr/ret/tid of every syscall. Records gather in a per-CPU batch that
 * goes to the ring buffer whole, one copy per EV_SEQ_BATCH syscalls
 * instead of a reservation per syscall; the recorder flushes partial
 * batches at every poll by running seq_flush on each CPU.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Syscalls of cgroups without a slot, and numbers past CG_HIST_NR. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct hist_key);
	__type(value, __u64);
} syscall_hist SEC(".maps");

static __always_inline void hist_add_hash(__u64 cg, long nr)
{
	struct hist_key key = {.cgroup_id = cg, .nr = nr};
	__u64 zero = 0, *cnt;

	cnt = bpf_map_lookup_elem(&syscall_hist, &key);
	if (!cnt) {
		/* Another CPU may make the key meanwhile: look it up again. */
		bpf_map_update_elem(&syscall_hist, &key, &zero, BPF_NOEXIST);
		cnt = bpf_map_lookup_elem(&syscall_hist, &key);
		if (!cnt) {
			count_drop();
			return;
		}
	}
	CNT_ADD(cnt, 1);
}

static __always_inline void hist_add(const struct cg_ent *e, long nr)
{
	struct cg_row *row;
	__u32 slot = e->slot;

	if (slot < CG_SLOTS && (unsigned long)nr < CG_HIST_NR) {
		row = bpf_map_lookup_elem(&cg_rows, &slot);
		if (row)
			CNT_ADD(&row->hist[nr], 1);
		return;
	}
	hist_add_hash(e->id, nr);
}

/* Without --syscall-seq: the histogram counts syscalls as they enter. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct cg_ent e;

	if (current_ent(&e))
		hist_add(&e, id);
	return 0;
}

/*
 * seq_flush may interrupt sys_exit on its CPU: busy is set before the
 * batch is touched and cleared after, in that order.
 */
#define SET_BUSY(s, v)                                     \
	do {                                               \
		asm volatile("" ::: "memory");             \
		*(volatile __u32 *)&(s)->busy = (v);       \
		asm volatile("" ::: "memory");             \
	} while (0)

/* The batch being filled on each CPU. */
struct seq_cpu {
	__u32 busy;		/* a program is filling it */
	__u32 pad;
	struct ev_seq_batch b;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seq_cpu);
} seq_bufs SEC(".maps");

static __always_inline void seq_send(struct seq_cpu *s, __u32 n)
{
	__u64 size = offsetof(struct ev_seq_batch, r) +
		     (__u64)n * sizeof(struct ev_seq_rec);

	if (n == 0 || n > EV_SEQ_BATCH)
		return;
	s->b.size = size;
	s->b.type = EV_SYSCALL_BATCH;
	s->b.cpu = bpf_get_smp_processor_id();
	s->b.n = n;
	if (size > sizeof(s->b))
		return;
	/* All n records are lost if it does not fit: count each one. */
	if (bpf_ringbuf_output(&events, &s->b, size, rb_flags())) {
		__u32 zero = 0;
		__u64 *d = bpf_map_lookup_elem(&drops, &zero);

		if (d)
			CNT_ADD(d, n);
	}
	s->b.n = 0;
}

/* One syscall as a ring buffer record of its own. */
static __always_inline void seq_single(__u64 cg, long nr, long ret)
{
	struct ev_syscall *e = rb_reserve(sizeof(*e));

	if (!e)
		return;
	fill_hdr(&e->h, EV_SYSCALL, sizeof(*e), cg);
	e->nr = nr;
	e->pad = 0;
	e->ret = ret;
	rb_submit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct ev_seq_rec *r;
	struct seq_cpu *s;
	__u64 pid_tgid;
	struct cg_ent e;
	__u32 zero = 0, n;
	long nr;

	if (!current_ent(&e))
		return 0;
#if defined(__TARGET_ARCH_x86)
	nr = BPF_CORE_READ(regs, orig_ax);
#else
	nr = -1;
#endif
	/*
	 * With --syscall-seq the histogram is counted here, one program per
	 * syscall instead of two: syscalls as they return, so exit and
	 * exit_group, which never do, are not in it.
	 */
	hist_add(&e, nr);
	if (e.flags & CG_F_NO_SEQ)
		return 0;
	s = bpf_map_lookup_elem(&seq_bufs, &zero);
	if (!s)
		return 0;
	/* Preempted while another task fills this CPU's batch: go alone. */
	if (*(volatile __u32 *)&s->busy) {
		seq_single(e.id, nr, ret);
		return 0;
	}
	SET_BUSY(s, 1);
	n = s->b.n;
	if (n >= EV_SEQ_BATCH) {
		/* Cannot happen: a full batch is sent at once. */
		SET_BUSY(s, 0);
		return 0;
	}
	r = &s->b.r[n];
	pid_tgid = bpf_get_current_pid_tgid();
	r->ts = bpf_ktime_get_ns();
	r->cgroup_id = e.id;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->nr = nr;
	r->pad = 0;
	r->ret = ret;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	s->b.n = ++n;
	if (n == EV_SEQ_BATCH)
		seq_send(s, n);
	SET_BUSY(s, 0);
	return 0;
}

/*
 * Run by the recorder on each CPU (BPF_PROG_TEST_RUN with a CPU) to send
 * that CPU's partial batch. It interrupts whatever runs there: a batch
 * being filled is left alone, and 1 tells the recorder to come back.
 */
SEC("raw_tp")
int seq_flush(void *ctx)
{
	struct seq_cpu *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&seq_bufs, &zero);
	if (!s)
		return 0;
	if (*(volatile __u32 *)&s->busy)
		return 1;
	SET_BUSY(s, 1);
	seq_send(s, s->b.n);
	SET_BUSY(s, 0);
	return 0;
}
