// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One program at every syscall's exit (tp_btf/sys_exit) does the work
 * of the syscall and file families that needs no saved arguments, after
 * one lookup of the cgroup's state:
 *   - the per-cgroup syscall histogram (syscall family, and always with
 *     --syscall-seq): one counter in the cgroup's row of cg_rows;
 *   - read_bytes/write_bytes (file family): the result of read, readv,
 *     pread64, preadv, preadv2 and of their write counterparts, from
 *     the exit's return value and the syscall number in the registers;
 *   - with --syscall-seq, nr/ret/tid of every syscall, gathered in a
 *     per-CPU batch that goes to the ring buffer whole, one copy per
 *     EV_SEQ_BATCH syscalls instead of a reservation per syscall; the
 *     recorder flushes partial batches at every poll by running
 *     seq_flush on each CPU.
 * So every syscall of a recorded cgroup runs one program, an I/O syscall
 * too, where a histogram at sys_enter plus one exit tracepoint program
 * per read/write syscall ran two.
 *
 * Counted at exit, the histogram would differ from counting syscalls as
 * they enter in two ways, handled here so that it does not:
 *   - exit and exit_group never return, and rt_sigreturn returns with
 *     the number in the registers set to -1: these three are counted as
 *     they enter, by a classic tracepoint program each, which the kernel
 *     runs for that syscall only;
 *   - a new task's first return from clone, clone3, fork or vfork (0 in
 *     the child) is not a syscall of its own: only the parent's counts.
 * What still differs: a syscall that seccomp refuses before it runs
 * never reaches sys_enter, but does reach sys_exit, so it is counted.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the recorder before load: what sys_exit does. */
const volatile bool hist_on = false;	/* the syscall histogram */
const volatile bool io_on = false;	/* read_bytes, write_bytes */
const volatile bool seq_on = false;	/* --syscall-seq records */

/* x86-64 numbers: vmlinux.h has no __NR_ macros. */
#define NR_READ 0
#define NR_WRITE 1
#define NR_PREAD64 17
#define NR_PWRITE64 18
#define NR_READV 19
#define NR_WRITEV 20
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_PREADV 295
#define NR_PWRITEV 296
#define NR_PREADV2 327
#define NR_PWRITEV2 328
#define NR_CLONE3 435
/* thread_info.status: the task is in a 32-bit (ia32) syscall. */
#define TS_COMPAT_VAL 0x0002

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

/* The cgroup's row in cg_rows, NULL when it has no slot. */
static __always_inline struct cg_row *row_of(const struct cg_ent *e)
{
	__u32 slot = e->slot;

	if (slot >= CG_SLOTS)
		return NULL;
	return bpf_map_lookup_elem(&cg_rows, &slot);
}

static __always_inline void hist_add(struct cg_row *row, __u64 cg, long nr)
{
	if (row && (unsigned long)nr < CG_HIST_NR) {
		CNT_ADD(&row->hist[nr], 1);
		return;
	}
	hist_add_hash(cg, nr);
}

/*
 * exit, exit_group and rt_sigreturn, counted as they enter. Classic
 * syscall tracepoints fire for their own syscall only (and not in 32-bit
 * tasks, whose other syscalls have other numbers anyway).
 */
static __always_inline int hist_enter(long nr)
{
	struct cg_ent e;

	if (current_ent(&e))
		hist_add(row_of(&e), e.id, nr);
	return 0;
}

#define HIST_AT_ENTER(sc)                             \
	SEC("tp/syscalls/sys_enter_" #sc)             \
	int sys_enter_##sc(struct sys_enter_ctx *ctx) \
	{                                             \
		return hist_enter(ctx->nr);           \
	}

HIST_AT_ENTER(exit)
HIST_AT_ENTER(exit_group)
HIST_AT_ENTER(rt_sigreturn)

/* A new task's first return from the fork family: not a syscall. */
static __always_inline bool fork_child(long nr, long ret)
{
	return ret == 0 && (nr == NR_CLONE || nr == NR_CLONE3 ||
			    nr == NR_FORK || nr == NR_VFORK);
}

/*
 * Bytes moved by a read or write family syscall, as the per-syscall
 * exit tracepoints counted them before: native syscalls only (in a
 * 32-bit task these numbers are other syscalls).
 */
static __always_inline void io_add(struct cg_row *row, const struct cg_ent *e,
				   long nr, long ret)
{
	struct task_struct *t;
	struct cg_counters *c;
	bool write;

	switch (nr) {
	case NR_READ:
	case NR_READV:
	case NR_PREAD64:
	case NR_PREADV:
	case NR_PREADV2:
		write = false;
		break;
	case NR_WRITE:
	case NR_WRITEV:
	case NR_PWRITE64:
	case NR_PWRITEV:
	case NR_PWRITEV2:
		write = true;
		break;
	default:
		return;
	}
	t = bpf_get_current_task_btf();
	if (t->thread_info.status & TS_COMPAT_VAL)
		return;
	c = row ? &row->c : counters_by_id(e->id);
	if (!c)
		return;
	if (write)
		CNT_ADD(&c->write_bytes, ret);
	else
		CNT_ADD(&c->read_bytes, ret);
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
	struct cg_row *row;
	struct seq_cpu *s;
	__u64 pid_tgid;
	struct cg_ent e;
	__u32 zero = 0, n;
	long nr;

	if (!current_ent(&e))
		return 0;
	/* A trusted pointer here: a plain load, no helper call. */
	nr = regs->orig_ax;
	row = row_of(&e);
	/* -1: rt_sigreturn (counted as it enters) or a skipped syscall. */
	if (hist_on && nr >= 0 && !fork_child(nr, ret))
		hist_add(row, e.id, nr);
	if (io_on && ret > 0)
		io_add(row, &e, nr, ret);
	if (!seq_on || (e.flags & CG_F_NO_SEQ))
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
