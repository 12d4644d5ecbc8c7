// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of this kernel for bench/syscall_cost.sh: a tp_btf sys_enter
 * program that does nothing. What any probe on sys_enter pays before its
 * first instruction (the trampoline into BPF) is what this one costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}
