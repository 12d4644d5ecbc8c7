// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * security family: capability checks (and denials) and signals sent by
 * recorded tasks. Its syscall events (the setuid family, ptrace,
 * mount/umount, unshare/setns, memfd_create, bpf(), module loads,
 * chroot/pivot_root, raw and packet sockets) are sent by sys_exit in
 * syscall.bpf.c (sec_sys.bpf.h).
 *
 * Capability checks are frequent (every privileged operation asks), so a
 * {tgid, cap, result} is reported at most once per second.
 */
#include "sec_event.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CAP_REPEAT_NS 1000000000ull

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
