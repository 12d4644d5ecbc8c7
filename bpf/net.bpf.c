// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * net family: TCP close with the bytes moved over the connection,
 * retransmits and resets, and per-cgroup tx/rx bytes and messages from
 * sock_send_length/sock_recv_length. Its syscall events (connect,
 * accept, listen) are sent by sys_exit in syscall.bpf.c (net_sys.bpf.h).
 *
 * Socket events raised in softirq context are charged to the cgroup that
 * made the socket, not to whatever task the softirq interrupted.
 */
#include "net_sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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
