// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One program at every syscall's exit (tp_btf/sys_exit) does the work
 * of the syscall, file, net and security families at syscalls, after
 * one lookup of the cgroup's state:
 *   - the per-cgroup syscall histogram (syscall family, and always with
 *     --syscall-seq): one counter in the cgroup's row of cg_rows;
 *   - read_bytes/write_bytes (file family): the result of read, readv,
 *     pread64, preadv, preadv2 and of their write counterparts, from
 *     the exit's return value and the syscall number in the registers;
 *   - the file, net and security families' syscall events (opens,
 *     file metadata changes, connect/accept/listen, the security
 *     syscalls), told apart by the syscall number, with the arguments
 *     read from the user registers the kernel saved at entry, which
 *     these syscalls do not change: nothing runs at a syscall's entry;
 *   - with --syscall-seq, nr/ret/tid of every syscall, gathered in a
 *     per-CPU batch that goes to the ring buffer whole, one copy per
 *     EV_SEQ_BATCH syscalls instead of a reservation per syscall; the
 *     recorder flushes partial batches at every poll by running
 *     seq_flush on each CPU.
 * So every syscall of a recorded cgroup runs one program, and no
 * classic syscall tracepoint is attached in the default set: once one
 * is, the kernel runs its handler for them at every syscall.
 *
 * Counted at exit, the histogram differs from counting syscalls as they
 * enter in these ways:
 *   - exit and exit_group never return: they are counted when the task
 *     exits inside them (hist_task_exit, at sched_process_exit, with the
 *     number still in the task's saved registers);
 *   - rt_sigreturn returns with the number in the registers set to -1:
 *     only --syscall-seq counts it, as it enters, by the one classic
 *     program left (sys_enter_rt_sigreturn), which the kernel runs for
 *     that syscall only but whose handler it then calls at every entry;
 *   - a new task's first return from clone, clone3, fork or vfork (0 in
 *     the child) is not a syscall of its own: only the parent's counts;
 *   - a syscall that seccomp refuses before it runs never reaches
 *     sys_enter but does reach sys_exit, with the errno it was refused
 *     with: it is counted, and makes its family's event.
 */
#include "common.bpf.h"

/*
 * The syscall numbers below, the argument registers and the compat
 * check are x86-64's: another architecture needs its own.
 */
#ifndef __TARGET_ARCH_x86
#error "bpf/syscall.bpf.c: syscall numbers and registers are x86-64's only"
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the recorder before load: what sys_exit does. */
const volatile bool hist_on = false;	/* the syscall histogram */
const volatile bool io_on = false;	/* read_bytes, write_bytes */
const volatile bool seq_on = false;	/* --syscall-seq records */
const volatile bool file_on = false;	/* file family syscall events */
const volatile bool net_on = false;	/* net family syscall events */
const volatile bool sec_on = false;	/* security family syscall events */

DEFINE_HEAP();

#include "file_sys.bpf.h"
#include "net_sys.bpf.h"
#include "sec_sys.bpf.h"

/* x86-64 numbers: vmlinux.h has no __NR_ macros. */
#define NR_READ 0
#define NR_WRITE 1
#define NR_RT_SIGRETURN 15
#define NR_PREAD64 17
#define NR_PWRITE64 18
#define NR_READV 19
#define NR_WRITEV 20
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_EXIT 60
#define NR_EXIT_GROUP 231
#define NR_PREADV 295
#define NR_PWRITEV 296
#define NR_PREADV2 327
#define NR_PWRITEV2 328
#define NR_CLONE3 435

/* Which family's event a syscall makes; x86-64 numbers. */
enum sys_family {
	SF_NONE,
	SF_FILE,
	SF_NET,
	SF_SEC,
};

/*
 * What sys_exit does with a syscall: family (bits 0-7), how the family
 * reads the arguments (its kind, bits 8-15) and how many arguments the
 * syscall has (bits 16-23); 0 when it makes no event.
 */
#define SK(fam, kind, nargs) ((fam) | (kind) << 8 | (nargs) << 16)
#define SK_FAM(k) ((k) & 0xff)
#define SK_KIND(k) (((k) >> 8) & 0xff)
#define SK_NARGS(k) ((k) >> 16)
#define FILE_SK(kind, nargs) (file_on ? SK(SF_FILE, kind, nargs) : 0)
#define NET_SK(kind, nargs) (net_on ? SK(SF_NET, kind, nargs) : 0)
#define SEC_SK(kind, nargs) (sec_on ? SK(SF_SEC, kind, nargs) : 0)

/* clang-format off */
static __always_inline __u32 sys_kind(long nr)
{
	switch (nr) {
	case 2:	  return FILE_SK(K_OPEN, 3);		/* open */
	case 76:  return FILE_SK(K_TRUNCATE, 2);	/* truncate */
	case 82:  return FILE_SK(K_RENAME, 2);		/* rename */
	case 83:  return FILE_SK(K_MKDIR, 2);		/* mkdir */
	case 84:  return FILE_SK(K_RMDIR, 1);		/* rmdir */
	case 85:  return FILE_SK(K_CREAT, 2);		/* creat */
	case 86:  return FILE_SK(K_LINK, 2);		/* link */
	case 87:  return FILE_SK(K_UNLINK, 1);		/* unlink */
	case 88:  return FILE_SK(K_SYMLINK, 2);		/* symlink */
	case 90:  return FILE_SK(K_CHMOD, 2);		/* chmod */
	case 92:  return FILE_SK(K_CHOWN, 3);		/* chown */
	case 94:  return FILE_SK(K_CHOWN, 3);		/* lchown */
	case 133: return FILE_SK(K_MKNOD, 3);		/* mknod */
	case 257: return FILE_SK(K_OPENAT, 4);		/* openat */
	case 258: return FILE_SK(K_MKDIRAT, 3);		/* mkdirat */
	case 259: return FILE_SK(K_MKNODAT, 4);		/* mknodat */
	case 260: return FILE_SK(K_FCHOWNAT, 5);	/* fchownat */
	case 263: return FILE_SK(K_UNLINKAT, 3);	/* unlinkat */
	case 264: return FILE_SK(K_RENAMEAT, 4);	/* renameat */
	case 265: return FILE_SK(K_LINKAT, 5);		/* linkat */
	case 266: return FILE_SK(K_SYMLINKAT, 3);	/* symlinkat */
	case 268: return FILE_SK(K_FCHMODAT, 3);	/* fchmodat */
	case 316: return FILE_SK(K_RENAMEAT, 5);	/* renameat2 */
	case 437: return FILE_SK(K_OPENAT2, 4);		/* openat2 */
	case 452: return FILE_SK(K_FCHMODAT, 4);	/* fchmodat2 */
	case 42:  return NET_SK(K_CONNECT, 3);		/* connect */
	case 43:  return NET_SK(K_ACCEPT, 3);		/* accept */
	case 50:  return NET_SK(K_LISTEN, 2);		/* listen */
	case 288: return NET_SK(K_ACCEPT, 4);		/* accept4 */
	case 41:  return SEC_SK(K_SOCKET, 3);		/* socket */
	case 101: return SEC_SK(K_PTRACE, 4);		/* ptrace */
	case 105: return SEC_SK(K_SETUID, 1);		/* setuid */
	case 106: return SEC_SK(K_SETGID, 1);		/* setgid */
	case 113: return SEC_SK(K_SETREUID, 2);		/* setreuid */
	case 114: return SEC_SK(K_SETREGID, 2);		/* setregid */
	case 117: return SEC_SK(K_SETRESUID, 3);	/* setresuid */
	case 119: return SEC_SK(K_SETRESGID, 3);	/* setresgid */
	case 122: return SEC_SK(K_SETFSUID, 1);		/* setfsuid */
	case 123: return SEC_SK(K_SETFSGID, 1);		/* setfsgid */
	case 155: return SEC_SK(K_PIVOT_ROOT, 2);	/* pivot_root */
	case 161: return SEC_SK(K_CHROOT, 1);		/* chroot */
	case 165: return SEC_SK(K_MOUNT, 5);		/* mount */
	case 166: return SEC_SK(K_UMOUNT, 2);		/* umount2 */
	case 175: return SEC_SK(K_INIT_MODULE, 3);	/* init_module */
	case 272: return SEC_SK(K_UNSHARE, 1);		/* unshare */
	case 308: return SEC_SK(K_SETNS, 2);		/* setns */
	case 313: return SEC_SK(K_FINIT_MODULE, 3);	/* finit_module */
	case 319: return SEC_SK(K_MEMFD_CREATE, 2);	/* memfd_create */
	case 321: return SEC_SK(K_BPF, 3);		/* bpf */
	}
	return 0;
}
/* clang-format on */

/* thread_info.status: the task is in a 32-bit (ia32) syscall. */
#define TS_COMPAT_VAL 0x0002
#define ENOSYS_VAL 38

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
 * exit and exit_group never return: they are counted when the task exits
 * inside them, where its saved registers still hold the number, and
 * rax still holds the -ENOSYS that syscall entry puts there until a
 * syscall returns (what ptrace shows at a syscall-entry stop). A task
 * that dies otherwise (a signal, the other threads of an exit_group) is
 * in another syscall, or in none: then an interrupt leaves -1 in the
 * number's place, an exception its error code, which a crafted fault
 * could make 60 or 231 (a segment selector's #GP), but with rax as the
 * user left it. A 32-bit task's numbers mean other syscalls: as for
 * every family event, only native syscalls count here.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(hist_task_exit, struct task_struct *p, bool group_dead)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct cg_ent e;
	long nr;

	if (!current_ent(&e))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return 0;
	nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != NR_EXIT && nr != NR_EXIT_GROUP)
		return 0;
	if ((long)BPF_CORE_READ(regs, ax) != -ENOSYS_VAL)
		return 0;
	if (t->thread_info.status & TS_COMPAT_VAL)
		return 0;
	hist_add(row_of(&e), e.id, nr);
	return 0;
}

/*
 * rt_sigreturn reaches sys_exit with the number in the registers reset
 * to -1, like a syscall a tracer skipped or syscall(-1): only counted
 * as it enters, with --syscall-seq (recorder/probes.c), whose cost
 * target allows the classic entry handler this program brings to every
 * syscall. Classic syscall tracepoints fire for their own syscall only,
 * and not in 32-bit tasks.
 */
SEC("tp/syscalls/sys_enter_rt_sigreturn")
int sys_enter_rt_sigreturn(void *ctx)
{
	struct cg_ent e;

	if (current_ent(&e))
		hist_add(row_of(&e), e.id, NR_RT_SIGRETURN);
	return 0;
}

/*
 * The arguments of the syscall @sk describes, from the user registers
 * saved at its entry (x86-64: rdi, rsi, rdx, r10, r8, r9). The syscalls that make
 * events do not write them, and signal delivery, which may, comes
 * after sys_exit. Plain loads from a trusted pointer, relocated by
 * CO-RE (vmlinux.h marks struct pt_regs preserve_access_index).
 */
static __always_inline void sys_args_of(const struct pt_regs *regs, __u32 sk,
					struct sys_args *p)
{
	__u32 n = SK_NARGS(sk);

	p->kind = SK_KIND(sk);
	p->pad = 0;
	p->a[0] = n > 0 ? regs->di : 0;
	p->a[1] = n > 1 ? regs->si : 0;
	p->a[2] = n > 2 ? regs->dx : 0;
	p->a[3] = n > 3 ? regs->r10 : 0;
	p->a[4] = n > 4 ? regs->r8 : 0;
	p->a[5] = n > 5 ? regs->r9 : 0;
}

/*
 * The event of a family syscall. Native syscalls only: in a 32-bit task
 * the numbers mean other syscalls (and classic syscall tracepoints,
 * which made these events before, never fired there).
 */
static __always_inline void family_exit(const struct cg_ent *e,
					const struct pt_regs *regs, __u32 sk,
					long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_args p;

	if (t->thread_info.status & TS_COMPAT_VAL)
		return;
	sys_args_of(regs, sk, &p);
	switch (SK_FAM(sk)) {
	case SF_FILE:
		file_sys_exit(ret, e, &p);
		break;
	case SF_NET:
		net_sys_exit(ret, e, &p);
		break;
	default:
		sec_sys_exit(ret, e->id, &p);
		break;
	}
}

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
	__u32 zero = 0, n, sk;
	long nr;

	if (!current_ent(&e))
		return 0;
	/* A trusted pointer here: a plain load, no helper call. */
	nr = regs->orig_ax;
	row = row_of(&e);
	/* -1: rt_sigreturn (see sys_enter_rt_sigreturn) or a skipped syscall. */
	if (hist_on && nr >= 0 && !fork_child(nr, ret))
		hist_add(row, e.id, nr);
	if (io_on && ret > 0)
		io_add(row, &e, nr, ret);
	sk = sys_kind(nr);
	if (sk)
		family_exit(&e, regs, sk, ret);
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
