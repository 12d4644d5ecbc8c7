// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * security family: capability checks (and denials), the setuid family,
 * ptrace, mount/umount, unshare/setns, memfd_create, bpf(), module loads,
 * chroot/pivot_root, raw and packet sockets, and signals sent by recorded
 * tasks.
 *
 * Capability checks are frequent (every privileged operation asks), so a
 * {tgid, cap, result} is reported at most once per second.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EPERM_VAL 1
#define EACCES_VAL 13
#define SOCK_RAW_VAL 3
#define SOCK_TYPE_MASK_VAL 0xf
#define AF_INET_VAL 2
#define AF_INET6_VAL 10
#define AF_PACKET_VAL 17
#define CAP_REPEAT_NS 1000000000ull

DEFINE_PENDING_MAP(sec_args);

struct cap_key {
	__u32 tgid;
	__s32 cap;
	__s32 ret;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cap_key);
	__type(value, __u64);
} cap_seen SEC(".maps");

static __always_inline struct ev_security *sec_event(__u64 cg, __u32 op)
{
	struct ev_security *e = rb_reserve(sizeof(*e));

	if (!e)
		return NULL;
	__builtin_memset((void *)e + sizeof(e->h), 0,
			 sizeof(*e) - sizeof(e->h));
	fill_hdr(&e->h, EV_SECURITY, sizeof(*e), cg);
	e->op = op;
	return e;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable, const struct cred *cred,
	     struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	__u64 cg = current_cg(), now, *last;
	struct cap_key key = {};
	struct ev_security *e;

	if (!cg)
		return 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.cap = cap;
	key.ret = ret;
	now = bpf_ktime_get_ns();
	last = bpf_map_lookup_elem(&cap_seen, &key);
	if (last && now - *last < CAP_REPEAT_NS)
		return 0;
	bpf_map_update_elem(&cap_seen, &key, &now, BPF_ANY);
	e = sec_event(cg, SOP_CAPABLE);
	if (!e)
		return 0;
	e->ret = ret;
	e->denied = ret != 0;
	e->arg[0] = cap;
	rb_submit(e);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	__u64 cg = current_cg();
	struct ev_security *e;
	int code = 0;

	if (!cg)
		return 0;
	/*
	 * Only signals a task asked for: SEND_SIG_PRIV (1) and positive
	 * si_code values (SIGCHLD, SIGSEGV, ...) come from the kernel.
	 */
	if ((unsigned long)info == 1)
		return 0;
	if (info) {
		code = BPF_CORE_READ(info, si_code);
		if (code > 0)
			return 0;
	}
	e = sec_event(cg, SOP_KILL);
	if (!e)
		return 0;
	e->ret = result;
	e->target_pid =
		group ? BPF_CORE_READ(task, tgid) : BPF_CORE_READ(task, pid);
	e->arg[0] = sig;
	e->arg[1] = group;
	e->arg[2] = code;
	rb_submit(e);
	return 0;
}

enum kind {
	K_SETUID = SOP_SETUID,
	K_SETGID = SOP_SETGID,
	K_SETREUID = SOP_SETREUID,
	K_SETREGID = SOP_SETREGID,
	K_SETRESUID = SOP_SETRESUID,
	K_SETRESGID = SOP_SETRESGID,
	K_SETFSUID = SOP_SETFSUID,
	K_SETFSGID = SOP_SETFSGID,
	K_PTRACE = SOP_PTRACE,
	K_MOUNT = SOP_MOUNT,
	K_UMOUNT = SOP_UMOUNT,
	K_UNSHARE = SOP_UNSHARE,
	K_SETNS = SOP_SETNS,
	K_MEMFD_CREATE = SOP_MEMFD_CREATE,
	K_BPF = SOP_BPF,
	K_INIT_MODULE = SOP_INIT_MODULE,
	K_FINIT_MODULE = SOP_FINIT_MODULE,
	K_SOCKET = SOP_RAW_SOCKET,
	K_CHROOT = SOP_CHROOT,
	K_PIVOT_ROOT = SOP_PIVOT_ROOT,
};

static __always_inline int sec_exit(struct sys_exit_ctx *ctx)
{
	__u64 cg = current_cg();
	struct pending_args p;
	struct ev_security *e;
	const void *str = NULL;
	__u32 op;

	if (!cg)
		return 0;
	if (pending_take(&sec_args, ctx->nr, &p))
		return 0;
	op = p.kind;
	if (op == K_SOCKET && p.a[0] == AF_PACKET_VAL)
		op = SOP_PACKET_SOCKET;
	e = sec_event(cg, op);
	if (!e)
		return 0;
	e->ret = ctx->ret;
	e->denied = ctx->ret == -EPERM_VAL || ctx->ret == -EACCES_VAL;
	/* Arguments in syscall order unless a string takes the first. */
	e->arg[0] = p.a[0];
	e->arg[1] = p.a[1];
	e->arg[2] = p.a[2];
	e->arg[3] = p.a[3];
	switch (p.kind) {
	case K_PTRACE:
		e->target_pid = p.a[1];
		break;
	case K_MOUNT:
		/* mount(source, target, fstype, flags, data) */
		str = (void *)p.a[1];
		e->arg[0] = p.a[3];
		e->arg[1] = 0;
		e->arg[2] = 0;
		e->arg[3] = 0;
		break;
	case K_UMOUNT:
	case K_CHROOT:
	case K_MEMFD_CREATE:
		str = (void *)p.a[0];
		e->arg[0] = p.a[1];
		e->arg[1] = 0;
		e->arg[2] = 0;
		e->arg[3] = 0;
		break;
	case K_PIVOT_ROOT:
		str = (void *)p.a[0];
		e->arg[0] = 0;
		e->arg[1] = 0;
		e->arg[2] = 0;
		e->arg[3] = 0;
		break;
	}
	if (str)
		e->str_len = read_ustr(e->str, EV_SEC_STR_MAX, str);
	rb_submit(e);
	return 0;
}

#define SEC_SYSCALL(sc, kind, nargs)                               \
	SEC("tp/syscalls/sys_enter_" #sc)                          \
	int sys_enter_##sc(struct sys_enter_ctx *ctx)              \
	{                                                          \
		if (current_cg())                                  \
			pending_save(&sec_args, kind, ctx, nargs); \
		return 0;                                          \
	}                                                          \
	SEC("tp/syscalls/sys_exit_" #sc)                           \
	int sys_exit_##sc(struct sys_exit_ctx *ctx)                \
	{                                                          \
		return sec_exit(ctx);                              \
	}

SEC_SYSCALL(setuid, K_SETUID, 1)
SEC_SYSCALL(setgid, K_SETGID, 1)
SEC_SYSCALL(setreuid, K_SETREUID, 2)
SEC_SYSCALL(setregid, K_SETREGID, 2)
SEC_SYSCALL(setresuid, K_SETRESUID, 3)
SEC_SYSCALL(setresgid, K_SETRESGID, 3)
SEC_SYSCALL(setfsuid, K_SETFSUID, 1)
SEC_SYSCALL(setfsgid, K_SETFSGID, 1)
SEC_SYSCALL(ptrace, K_PTRACE, 4)
SEC_SYSCALL(mount, K_MOUNT, 5)
SEC_SYSCALL(umount, K_UMOUNT, 2)
SEC_SYSCALL(unshare, K_UNSHARE, 1)
SEC_SYSCALL(setns, K_SETNS, 2)
SEC_SYSCALL(memfd_create, K_MEMFD_CREATE, 2)
SEC_SYSCALL(bpf, K_BPF, 3)
SEC_SYSCALL(init_module, K_INIT_MODULE, 3)
SEC_SYSCALL(finit_module, K_FINIT_MODULE, 3)
SEC_SYSCALL(chroot, K_CHROOT, 1)
SEC_SYSCALL(pivot_root, K_PIVOT_ROOT, 2)

/* Only raw IP and packet sockets are of interest: filter at enter. */
SEC("tp/syscalls/sys_enter_socket")
int sys_enter_socket(struct sys_enter_ctx *ctx)
{
	if (!current_cg())
		return 0;
	if (ctx->args[0] == AF_PACKET_VAL ||
	    ((ctx->args[0] == AF_INET_VAL || ctx->args[0] == AF_INET6_VAL) &&
	     (ctx->args[1] & SOCK_TYPE_MASK_VAL) == SOCK_RAW_VAL))
		pending_save(&sec_args, K_SOCKET, ctx, 3);
	return 0;
}

SEC("tp/syscalls/sys_exit_socket")
int sys_exit_socket(struct sys_exit_ctx *ctx)
{
	return sec_exit(ctx);
}
