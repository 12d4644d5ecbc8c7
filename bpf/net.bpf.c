// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * net family: connect, accept, listen (syscall tracepoints; addresses come
 * from the socket behind the returned fd, so accept(fd, NULL, NULL) is
 * covered too), TCP close with the bytes moved over the connection,
 * retransmits and resets, and per-cgroup tx/rx bytes and messages from
 * sock_send_length/sock_recv_length.
 *
 * Socket events raised in softirq context are charged to the cgroup that
 * made the socket, not to whatever task the softirq interrupted.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_UNIX_VAL 1
#define AF_INET_VAL 2
#define AF_INET6_VAL 10
#define TCP_CLOSE_VAL 7
#define MSG_PEEK_VAL 0x2
#define S_IFMT_VAL 00170000
#define S_IFSOCK_VAL 0140000

DEFINE_PENDING_MAP(net_args);

enum kind {
	K_CONNECT = 1,
	K_ACCEPT,
	K_LISTEN,
};

static __always_inline void addr_v4(__u8 *dst, __u32 a)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &a, 4);
}

/*
 * Fills addresses, ports, family and protocol of @e from @sk; the peer goes
 * to saddr/sport when @peer_is_src (accept: who connected to us).
 */
static __always_inline void sock_addrs(const struct sock *sk, struct ev_sock *e,
				       bool peer_is_src)
{
	__u8 *local = peer_is_src ? e->daddr : e->saddr;
	__u8 *peer = peer_is_src ? e->saddr : e->daddr;
	__u16 lport, pport;

	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	/* inet_sport outlives skc_num, which unhashing clears at close. */
	lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	if (!lport)
		lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	pport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET_VAL) {
		addr_v4(local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		addr_v4(peer, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else if (e->family == AF_INET6_VAL) {
		BPF_CORE_READ_INTO(local, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(peer, sk, __sk_common.skc_v6_daddr);
	}
	e->sport = peer_is_src ? pport : lport;
	e->dport = peer_is_src ? lport : pport;
}

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

static __always_inline int net_exit(struct sys_exit_ctx *ctx)
{
	struct pending_args p;
	struct cg_counters *c;
	struct ev_sock *e;
	struct cg_ent ce;
	struct sock *sk;
	__u64 cg;
	__u16 type;

	if (!current_ent(&ce))
		return 0;
	cg = ce.id;
	if (pending_take(&net_args, ctx->nr, &p))
		return 0;
	switch (p.kind) {
	case K_CONNECT:
		type = EV_CONNECT;
		c = counters_of(&ce);
		if (c)
			CNT_ADD(&c->connects, 1);
		break;
	case K_ACCEPT:
		/* Nothing to say about a failed (often EAGAIN) accept. */
		if (ctx->ret < 0)
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
	e->ret = ctx->ret;
	if (type == EV_ACCEPT) {
		sk = fd_sock(ctx->ret);
		if (sk)
			sock_addrs(sk, e, true);
	} else {
		sk = fd_sock(p.a[0]);
		if (sk)
			sock_addrs(sk, e, false);
		/* A failed connect leaves no peer on the socket. */
		if (type == EV_CONNECT)
			user_sockaddr(e, (void *)p.a[1]);
		if (sk)
			e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	}
	rb_submit(e);
	return 0;
}

#define NET_SYSCALL(sc, kind, nargs)                               \
	SEC("tp/syscalls/sys_enter_" #sc)                          \
	int sys_enter_##sc(struct sys_enter_ctx *ctx)              \
	{                                                          \
		if (current_cg())                                  \
			pending_save(&net_args, kind, ctx, nargs); \
		return 0;                                          \
	}                                                          \
	SEC("tp/syscalls/sys_exit_" #sc)                           \
	int sys_exit_##sc(struct sys_exit_ctx *ctx)                \
	{                                                          \
		return net_exit(ctx);                              \
	}

NET_SYSCALL(connect, K_CONNECT, 3)
NET_SYSCALL(accept, K_ACCEPT, 3)
NET_SYSCALL(accept4, K_ACCEPT, 4)
NET_SYSCALL(listen, K_LISTEN, 2)

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	struct cg_counters *c;
	struct cg_ent e;

	if (ret <= 0 || !current_ent(&e))
		return 0;
	c = counters_of(&e);
	if (c) {
		CNT_ADD(&c->tx_bytes, ret);
		CNT_ADD(&c->tx_packets, 1);
	}
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	struct cg_counters *c;
	struct cg_ent e;

	if (ret <= 0 || (flags & MSG_PEEK_VAL) || !current_ent(&e))
		return 0;
	c = counters_of(&e);
	if (c) {
		CNT_ADD(&c->rx_bytes, ret);
		CNT_ADD(&c->rx_packets, 1);
	}
	return 0;
}

/* Sends a socket event charged to the socket's cgroup. */
static __always_inline int sock_event(const struct sock *sk, __u16 type,
				      int state, __u64 cg)
{
	struct ev_sock *e;

	e = rb_reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset((void *)e + sizeof(e->h), 0,
			 sizeof(*e) - sizeof(e->h));
	fill_hdr(&e->h, type, sizeof(*e), cg);
	sock_addrs(sk, e, false);
	e->state = state;
	if (type == EV_SOCK_CLOSE && e->proto == IPPROTO_TCP) {
		struct tcp_sock *tp = (void *)sk;

		e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
		e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	}
	rb_submit(e);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct cg_ent e;

	if (newstate != TCP_CLOSE_VAL || !cg_ent_by_id(sock_cgroup_id(sk), &e))
		return 0;
	return sock_event(sk, EV_SOCK_CLOSE, oldstate, e.id);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk,
	     const struct sk_buff *skb, int err)
{
	struct cg_counters *c;
	struct cg_ent e;

	if (!cg_ent_by_id(sock_cgroup_id(sk), &e))
		return 0;
	c = counters_of(&e);
	if (c)
		CNT_ADD(&c->retransmits, 1);
	return sock_event(sk, EV_TCP_RETRANSMIT,
			  BPF_CORE_READ(sk, __sk_common.skc_state), e.id);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, const struct sock *sk, const struct sk_buff *skb,
	     const enum sk_rst_reason reason)
{
	struct cg_counters *c;
	struct cg_ent e;

	/* Resets to unknown connections have no socket and no owner. */
	if (!sk || !cg_ent_by_id(sock_cgroup_id(sk), &e))
		return 0;
	c = counters_of(&e);
	if (c)
		CNT_ADD(&c->resets, 1);
	return sock_event(sk, EV_TCP_RESET,
			  BPF_CORE_READ(sk, __sk_common.skc_state), e.id);
}
