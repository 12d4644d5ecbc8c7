/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * security family: the record its tracepoints (security.bpf.c) and its
 * syscall events (sec_sys.bpf.h) fill.
 */
#ifndef CADET_BPF_SEC_EVENT_BPF_H
#define CADET_BPF_SEC_EVENT_BPF_H

#include "common.bpf.h"

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

#endif /* CADET_BPF_SEC_EVENT_BPF_H */
