/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * net family, its syscall events: connect, accept, listen, sent by
 * sys_exit (syscall.bpf.c) with the arguments from the saved registers;
 * addresses come from the socket behind the fd (accept: the returned
 * one, so accept(fd, NULL, NULL) is covered too).
 */
#ifndef CADET_BPF_NET_SYS_BPF_H
#define CADET_BPF_NET_SYS_BPF_H

#include "net_sock.bpf.h"

enum net_kind {
	K_CONNECT = 1,
	K_ACCEPT,
	K_LISTEN,
};

/* The sock behind @fd of the current task, NULL if not a socket. */
static __always_inline struct sock *fd_sock(long fd)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct file **fds, *f = NULL;
	struct fdtable *fdt;
	struct socket *so;
	umode_t mode;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT_VAL) != S_IFSOCK_VAL)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return so ? BPF_CORE_READ(so, sk) : NULL;
}

/* Reads the sockaddr the caller passed to connect(). */
static __always_inline void user_sockaddr(struct ev_sock *e, const void *uaddr)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return;
	e->family = sa.sin6_family;
	if (sa.sin6_family == AF_INET_VAL) {
		struct sockaddr_in *in = (void *)&sa;

		addr_v4(e->daddr, in->sin_addr.s_addr);
		e->dport = bpf_ntohs(in->sin_port);
	} else if (sa.sin6_family == AF_INET6_VAL) {
		__builtin_memcpy(e->daddr, &sa.sin6_addr, 16);
		e->dport = bpf_ntohs(sa.sin6_port);
	}
}

/* The event of a net syscall that returned @ret, from its saved args. */
static __noinline int net_sys_exit(long ret, const struct cg_ent *ce,
				   const struct sys_args *p)
{
	struct cg_counters *c;
	struct ev_sock *e;
	struct sock *sk;
	__u64 cg;
	__u16 type;

	cg = ce->id;
	switch (p->kind) {
	case K_CONNECT:
		type = EV_CONNECT;
		c = counters_of(ce);
		if (c)
			CNT_ADD(&c->connects, 1);
		break;
	case K_ACCEPT:
		/* Nothing to say about a failed (often EAGAIN) accept. */
		if (ret < 0)
			return 0;
		type = EV_ACCEPT;
		break;
	default:
		type = EV_LISTEN;
		break;
	}
	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset((void *)e + sizeof(e->h), 0,
			 sizeof(*e) - sizeof(e->h));
	fill_hdr(&e->h, type, sizeof(*e), cg);
	e->ret = ret;
	if (type == EV_ACCEPT) {
		sk = fd_sock(ret);
		if (sk)
			sock_addrs(sk, e, true);
	} else {
		sk = fd_sock(p->a[0]);
		if (sk)
			sock_addrs(sk, e, false);
		/* A failed connect leaves no peer on the socket. */
		if (type == EV_CONNECT)
			user_sockaddr(e, (void *)p->a[1]);
		if (sk)
			e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	}
	rb_submit(e);
	return 0;
}

#endif /* CADET_BPF_NET_SYS_BPF_H */
