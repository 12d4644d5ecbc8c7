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
 *   - the file, net and security families' syscall events (opens,
 *     file metadata changes, connect/accept/listen, the security
 *     syscalls), told apart by the syscall number, from the arguments
 *     their classic sys_enter_X programs below saved: no classic
 *     program is attached at any syscall's exit;
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
const volatile bool file_on = false;	/* file family syscall events */
const volatile bool net_on = false;	/* net family syscall events */
const volatile bool sec_on = false;	/* security family syscall events */

DEFINE_HEAP();
/* Arguments of the families' syscalls, saved at entry for sys_exit. */
DEFINE_PENDING_MAP(sys_args);

#include "file_sys.bpf.h"
#include "net_sys.bpf.h"
#include "sec_sys.bpf.h"

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

/* Which family's event a syscall makes; x86-64 numbers. */
enum sys_family {
	SF_NONE,
	SF_FILE,
	SF_NET,
	SF_SEC,
};

static __always_inline int sys_family(long nr)
{
	switch (nr) {
	case 2:	  /* open */
	case 76:  /* truncate */
	case 82:  /* rename */
	case 83:  /* mkdir */
	case 84:  /* rmdir */
	case 85:  /* creat */
	case 86:  /* link */
	case 87:  /* unlink */
	case 88:  /* symlink */
	case 90:  /* chmod */
	case 92:  /* chown */
	case 94:  /* lchown */
	case 133: /* mknod */
	case 257: /* openat */
	case 258: /* mkdirat */
	case 259: /* mknodat */
	case 260: /* fchownat */
	case 263: /* unlinkat */
	case 264: /* renameat */
	case 265: /* linkat */
	case 266: /* symlinkat */
	case 268: /* fchmodat */
	case 316: /* renameat2 */
	case 437: /* openat2 */
	case 452: /* fchmodat2 */
		return file_on ? SF_FILE : SF_NONE;
	case 42:  /* connect */
	case 43:  /* accept */
	case 50:  /* listen */
	case 288: /* accept4 */
		return net_on ? SF_NET : SF_NONE;
	case 41:  /* socket */
	case 101: /* ptrace */
	case 105: /* setuid */
	case 106: /* setgid */
	case 113: /* setreuid */
	case 114: /* setregid */
	case 117: /* setresuid */
	case 119: /* setresgid */
	case 122: /* setfsuid */
	case 123: /* setfsgid */
	case 155: /* pivot_root */
	case 161: /* chroot */
	case 165: /* mount */
	case 166: /* umount2 */
	case 175: /* init_module */
	case 272: /* unshare */
	case 308: /* setns */
	case 313: /* finit_module */
	case 319: /* memfd_create */
	case 321: /* bpf */
		return sec_on ? SF_SEC : SF_NONE;
	}
	return SF_NONE;
}
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

/*
 * The file, net and security families' syscalls: their arguments are
 * saved as they enter, and sys_exit sends the event. The entry is kept
 * (the saved registers would still hold the arguments at exit) because
 * a syscall that seccomp refuses never enters: those made no event
 * before, and make none now. Classic tracepoints at entry cost the
 * other syscalls nothing more once the three above are attached; at
 * exit they would (the kernel's handler for them runs at every
 * syscall's exit).
 */
#define SAVE_AT_ENTER(fam, sc, kind, nargs)                        \
	SEC("tp/syscalls/sys_enter_" #sc)                          \
	int fam##_enter_##sc(struct sys_enter_ctx *ctx)            \
	{                                                          \
		if (current_cg())                                  \
			pending_save(&sys_args, kind, ctx, nargs); \
		return 0;                                          \
	}

SAVE_AT_ENTER(file, open, K_OPEN, 3)
SAVE_AT_ENTER(file, openat, K_OPENAT, 4)
SAVE_AT_ENTER(file, openat2, K_OPENAT2, 4)
SAVE_AT_ENTER(file, creat, K_CREAT, 2)
SAVE_AT_ENTER(file, unlink, K_UNLINK, 1)
SAVE_AT_ENTER(file, unlinkat, K_UNLINKAT, 3)
SAVE_AT_ENTER(file, rmdir, K_RMDIR, 1)
SAVE_AT_ENTER(file, rename, K_RENAME, 2)
SAVE_AT_ENTER(file, renameat, K_RENAMEAT, 4)
SAVE_AT_ENTER(file, renameat2, K_RENAMEAT, 5)
SAVE_AT_ENTER(file, chmod, K_CHMOD, 2)
SAVE_AT_ENTER(file, fchmodat, K_FCHMODAT, 3)
SAVE_AT_ENTER(file, fchmodat2, K_FCHMODAT, 4)
SAVE_AT_ENTER(file, chown, K_CHOWN, 3)
SAVE_AT_ENTER(file, lchown, K_CHOWN, 3)
SAVE_AT_ENTER(file, fchownat, K_FCHOWNAT, 5)
SAVE_AT_ENTER(file, truncate, K_TRUNCATE, 2)
SAVE_AT_ENTER(file, mkdir, K_MKDIR, 2)
SAVE_AT_ENTER(file, mkdirat, K_MKDIRAT, 3)
SAVE_AT_ENTER(file, link, K_LINK, 2)
SAVE_AT_ENTER(file, linkat, K_LINKAT, 5)
SAVE_AT_ENTER(file, symlink, K_SYMLINK, 2)
SAVE_AT_ENTER(file, symlinkat, K_SYMLINKAT, 3)
SAVE_AT_ENTER(file, mknod, K_MKNOD, 3)
SAVE_AT_ENTER(file, mknodat, K_MKNODAT, 4)

SAVE_AT_ENTER(net, connect, K_CONNECT, 3)
SAVE_AT_ENTER(net, accept, K_ACCEPT, 3)
SAVE_AT_ENTER(net, accept4, K_ACCEPT, 4)
SAVE_AT_ENTER(net, listen, K_LISTEN, 2)

SAVE_AT_ENTER(sec, setuid, K_SETUID, 1)
SAVE_AT_ENTER(sec, setgid, K_SETGID, 1)
SAVE_AT_ENTER(sec, setreuid, K_SETREUID, 2)
SAVE_AT_ENTER(sec, setregid, K_SETREGID, 2)
SAVE_AT_ENTER(sec, setresuid, K_SETRESUID, 3)
SAVE_AT_ENTER(sec, setresgid, K_SETRESGID, 3)
SAVE_AT_ENTER(sec, setfsuid, K_SETFSUID, 1)
SAVE_AT_ENTER(sec, setfsgid, K_SETFSGID, 1)
SAVE_AT_ENTER(sec, ptrace, K_PTRACE, 4)
SAVE_AT_ENTER(sec, mount, K_MOUNT, 5)
SAVE_AT_ENTER(sec, umount, K_UMOUNT, 2)
SAVE_AT_ENTER(sec, unshare, K_UNSHARE, 1)
SAVE_AT_ENTER(sec, setns, K_SETNS, 2)
SAVE_AT_ENTER(sec, memfd_create, K_MEMFD_CREATE, 2)
SAVE_AT_ENTER(sec, bpf, K_BPF, 3)
SAVE_AT_ENTER(sec, init_module, K_INIT_MODULE, 3)
SAVE_AT_ENTER(sec, finit_module, K_FINIT_MODULE, 3)
SAVE_AT_ENTER(sec, chroot, K_CHROOT, 1)
SAVE_AT_ENTER(sec, pivot_root, K_PIVOT_ROOT, 2)

/* Only raw IP and packet sockets are of interest: filter at enter. */
SEC("tp/syscalls/sys_enter_socket")
int sec_enter_socket(struct sys_enter_ctx *ctx)
{
	if (!current_cg())
		return 0;
	if (ctx->args[0] == AF_PACKET_VAL ||
	    ((ctx->args[0] == AF_INET_VAL || ctx->args[0] == AF_INET6_VAL) &&
	     (ctx->args[1] & SOCK_TYPE_MASK_VAL) == SOCK_RAW_VAL))
		pending_save(&sys_args, K_SOCKET, ctx, 3);
	return 0;
}

/*
 * The event of a family syscall, from the arguments its entry saved.
 * Native syscalls only: classic syscall tracepoints do not fire in
 * 32-bit tasks, whose numbers mean other syscalls.
 */
static __always_inline void family_exit(const struct cg_ent *e, int fam,
					long nr, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pending_args p;

	if (t->thread_info.status & TS_COMPAT_VAL)
		return;
	if (pending_take(&sys_args, nr, &p))
		return;
	if (fam == SF_FILE)
		file_sys_exit(ret, e, &p);
	else if (fam == SF_NET)
		net_sys_exit(ret, e, &p);
	else
		sec_sys_exit(ret, e->id, &p);
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
	__u32 zero = 0, n;
	int fam;
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
	fam = sys_family(nr);
	if (fam != SF_NONE)
		family_exit(&e, fam, nr, ret);
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
