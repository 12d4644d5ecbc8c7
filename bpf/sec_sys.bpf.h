/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * security family, its syscall events: the setuid family, ptrace,
 * mount/umount, unshare/setns, memfd_create, bpf(), module loads,
 * chroot/pivot_root, raw and packet sockets, sent by sys_exit
 * (syscall.bpf.c) with the arguments from the saved user registers.
 */
#ifndef CADET_BPF_SEC_SYS_BPF_H
#define CADET_BPF_SEC_SYS_BPF_H

#include "sec_event.bpf.h"

#define EPERM_VAL 1
#define EACCES_VAL 13
#define SOCK_RAW_VAL 3
#define SOCK_TYPE_MASK_VAL 0xf
#define AF_INET_VAL 2
#define AF_INET6_VAL 10
#define AF_PACKET_VAL 17

enum sec_kind {
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

/* The event of a security syscall that returned @ret, from its saved args. */
static __noinline int sec_sys_exit(long ret, __u64 cg,
				   const struct sys_args *p)
{
	struct ev_security *e;
	const void *str = NULL;
	__u32 op;

	op = p->kind;
	/* Of sockets, only raw IP and packet ones are of interest. */
	if (op == K_SOCKET && p->a[0] == AF_PACKET_VAL)
		op = SOP_PACKET_SOCKET;
	else if (op == K_SOCKET &&
		 ((p->a[0] != AF_INET_VAL && p->a[0] != AF_INET6_VAL) ||
		  (p->a[1] & SOCK_TYPE_MASK_VAL) != SOCK_RAW_VAL))
		return 0;
	e = sec_event(cg, op);
	if (!e)
		return 0;
	e->ret = ret;
	e->denied = ret == -EPERM_VAL || ret == -EACCES_VAL;
	/* Arguments in syscall order unless a string takes the first. */
	e->arg[0] = p->a[0];
	e->arg[1] = p->a[1];
	e->arg[2] = p->a[2];
	e->arg[3] = p->a[3];
	switch (p->kind) {
	case K_PTRACE:
		e->target_pid = p->a[1];
		break;
	case K_MOUNT:
		/* mount(source, target, fstype, flags, data) */
		str = (void *)p->a[1];
		e->arg[0] = p->a[3];
		e->arg[1] = 0;
		e->arg[2] = 0;
		e->arg[3] = 0;
		break;
	case K_UMOUNT:
	case K_CHROOT:
	case K_MEMFD_CREATE:
		str = (void *)p->a[0];
		e->arg[0] = p->a[1];
		e->arg[1] = 0;
		e->arg[2] = 0;
		e->arg[3] = 0;
		break;
	case K_PIVOT_ROOT:
		str = (void *)p->a[0];
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

#endif /* CADET_BPF_SEC_SYS_BPF_H */
