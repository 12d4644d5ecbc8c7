/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * net family, what its socket tracepoints (net.bpf.c) and its syscall
 * events (net_sys.bpf.h) share: a socket's addresses.
 */
#ifndef CADET_BPF_NET_SOCK_BPF_H
#define CADET_BPF_NET_SOCK_BPF_H

#include "common.bpf.h"

#define AF_UNIX_VAL 1
#define AF_INET_VAL 2
#define AF_INET6_VAL 10
#define TCP_CLOSE_VAL 7
#define MSG_PEEK_VAL 0x2
#define S_IFMT_VAL 00170000
#define S_IFSOCK_VAL 0140000

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

#endif /* CADET_BPF_NET_SOCK_BPF_H */
