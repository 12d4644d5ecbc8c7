// SPDX-License-Identifier: MIT
/*
 * The schema table: one entry per record type naming every payload field
 * with its kind, offset and size. The writer turns it into the SCHEMA
 * records of each file and the printers (cadet dump) walk it, so a field
 * added here is stored, described and shown without further code.
 * Fields are only ever appended; reserved fields are not listed.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/trace/trace_int.h"

/* clang-format off: one field per line reads best */
#define FLD(st, f, k)                                \
	{                                            \
		.name = #f, .kind = CADET_FK_##k,    \
		.offset = offsetof(struct st, f),    \
		.size = sizeof(((struct st *)0)->f), \
	}
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define TYPE(t, n, st, flds)                                     \
	{                                                        \
		.type = CADET_REC_##t, .version = 1, .name = n,  \
		.fixed_size = sizeof(struct st), .fields = flds, \
		.nfields = NFIELDS(flds),                        \
	}

static const struct trace_field_desc header_fields[] = {
	FLD(cadet_rec_header, clock_id, U32),
	FLD(cadet_rec_header, ncpus, U32),
	FLD(cadet_rec_header, boot_to_epoch_ns, S64),
	FLD(cadet_rec_header, start_ts, U64),
	FLD(cadet_rec_header, probes, U64),
	FLD(cadet_rec_header, interval_ns, U64),
	FLD(cadet_rec_header, flags, U32),
	FLD(cadet_rec_header, kernel_release, VSTR),
	FLD(cadet_rec_header, hostname, VSTR),
	FLD(cadet_rec_header, recorder_version, VSTR),
	FLD(cadet_rec_header, cmdline, VSTR),
};

static const struct trace_field_desc schema_fields[] = {
	FLD(cadet_rec_schema, rec_type, U16),
	FLD(cadet_rec_schema, rec_version, U16),
	FLD(cadet_rec_schema, fixed_size, U32),
	FLD(cadet_rec_schema, nfields, U32),
	FLD(cadet_rec_schema, name, VSTR),
	FLD(cadet_rec_schema, fields, VBYTES),
};

static const struct trace_field_desc container_fields[] = {
	FLD(cadet_rec_container, runtime, CHAR),
	FLD(cadet_rec_container, id, VSTR),
	FLD(cadet_rec_container, name, VSTR),
	FLD(cadet_rec_container, image, VSTR),
	FLD(cadet_rec_container, cgroup_path, VSTR),
	FLD(cadet_rec_container, pod, VSTR),
	FLD(cadet_rec_container, pod_namespace, VSTR),
};

static const struct trace_field_desc proc_fields[] = {
	FLD(cadet_rec_proc, ppid, U32),	    FLD(cadet_rec_proc, uid, U32),
	FLD(cadet_rec_proc, start_ts, U64), FLD(cadet_rec_proc, exe, VSTR),
	FLD(cadet_rec_proc, argv, VLIST),
};

static const struct trace_field_desc lost_fields[] = {
	FLD(cadet_rec_lost, count, U64),
	FLD(cadet_rec_lost, interval_ns, U64),
};

static const struct trace_field_desc stats_fields[] = {
	FLD(cadet_rec_stats, interval_ns, U64),
	FLD(cadet_rec_stats, cpu_ns, U64),
	FLD(cadet_rec_stats, rss_bytes, U64),
	FLD(cadet_rec_stats, events, U64),
	FLD(cadet_rec_stats, records, U64),
	FLD(cadet_rec_stats, bytes_written, U64),
	FLD(cadet_rec_stats, lost, U64),
	FLD(cadet_rec_stats, late, U64),
};

static const struct trace_field_desc bpf_stats_fields[] = {
	FLD(cadet_rec_bpf_stats, interval_ns, U64),
	FLD(cadet_rec_bpf_stats, run_ns, U64),
	FLD(cadet_rec_bpf_stats, run_cnt, U64),
	FLD(cadet_rec_bpf_stats, prog_id, U32),
	FLD(cadet_rec_bpf_stats, stats, U32),
	FLD(cadet_rec_bpf_stats, family, CHAR),
	FLD(cadet_rec_bpf_stats, prog, CHAR),
};

static const struct trace_field_desc label_fields[] = {
	FLD(cadet_rec_label, start_ts, U64),
	FLD(cadet_rec_label, end_ts, U64),
	FLD(cadet_rec_label, seed, U64),
	FLD(cadet_rec_label, intensity, F64),
	FLD(cadet_rec_label, kind, CHAR),
	FLD(cadet_rec_label, scenario, VSTR),
	FLD(cadet_rec_label, anomaly, VSTR),
	FLD(cadet_rec_label, target, VSTR),
	FLD(cadet_rec_label, params, VSTR),
};

static const struct trace_field_desc metrics_fields[] = {
	FLD(cadet_rec_metrics, interval_ns, U64),
	FLD(cadet_rec_metrics, cpu_ns, U64),
	FLD(cadet_rec_metrics, rss_bytes, U64),
	FLD(cadet_rec_metrics, tx_bytes, U64),
	FLD(cadet_rec_metrics, rx_bytes, U64),
	FLD(cadet_rec_metrics, tx_packets, U64),
	FLD(cadet_rec_metrics, rx_packets, U64),
	FLD(cadet_rec_metrics, read_bytes, U64),
	FLD(cadet_rec_metrics, write_bytes, U64),
	FLD(cadet_rec_metrics, syscalls, U64),
	FLD(cadet_rec_metrics, page_faults, U64),
	FLD(cadet_rec_metrics, ctx_switches, U64),
	FLD(cadet_rec_metrics, retransmits, U64),
	FLD(cadet_rec_metrics, resets, U64),
	FLD(cadet_rec_metrics, nr_tasks, U64),
	FLD(cadet_rec_metrics, forks, U64),
	FLD(cadet_rec_metrics, execs, U64),
	FLD(cadet_rec_metrics, opens, U64),
	FLD(cadet_rec_metrics, connects, U64),
	FLD(cadet_rec_metrics, oom_kills, U64),
};

static const struct trace_field_desc syscall_hist_fields[] = {
	FLD(cadet_rec_syscall_hist, interval_ns, U64),
	FLD(cadet_rec_syscall_hist, hist, VU32),
};

static const struct trace_field_desc exec_fields[] = {
	FLD(cadet_rec_exec, ppid, U32),	     FLD(cadet_rec_exec, uid, U32),
	FLD(cadet_rec_exec, gid, U32),	     FLD(cadet_rec_exec, ret, S32),
	FLD(cadet_rec_exec, old_pid, U32),   FLD(cadet_rec_exec, argc, U32),
	FLD(cadet_rec_exec, filename, VSTR), FLD(cadet_rec_exec, argv, VLIST),
};

static const struct trace_field_desc fork_fields[] = {
	FLD(cadet_rec_fork, child_pid, U32),
	FLD(cadet_rec_fork, child_tid, U32),
	FLD(cadet_rec_fork, clone_flags, U64),
	FLD(cadet_rec_fork, thread, U32),
};

static const struct trace_field_desc exit_fields[] = {
	FLD(cadet_rec_exit, code, S32),
	FLD(cadet_rec_exit, signal, S32),
	FLD(cadet_rec_exit, lifetime_ns, U64),
	FLD(cadet_rec_exit, thread, U32),
};

static const struct trace_field_desc syscall_fields[] = {
	FLD(cadet_rec_syscall, nr, S32),
	FLD(cadet_rec_syscall, ret, S64),
};

static const struct trace_field_desc open_fields[] = {
	FLD(cadet_rec_open, flags, S32), FLD(cadet_rec_open, mode, U32),
	FLD(cadet_rec_open, ret, S32),	 FLD(cadet_rec_open, dirfd, S32),
	FLD(cadet_rec_open, path, VSTR),
};

static const struct trace_field_desc file_op_fields[] = {
	FLD(cadet_rec_file_op, op, CHAR),    FLD(cadet_rec_file_op, ret, S32),
	FLD(cadet_rec_file_op, mode, U32),   FLD(cadet_rec_file_op, uid, U32),
	FLD(cadet_rec_file_op, gid, U32),    FLD(cadet_rec_file_op, path, VSTR),
	FLD(cadet_rec_file_op, path2, VSTR),
};

static const struct trace_field_desc sock_fields[] = {
	FLD(cadet_rec_sock, saddr, ADDR),   FLD(cadet_rec_sock, daddr, ADDR),
	FLD(cadet_rec_sock, sport, U16),    FLD(cadet_rec_sock, dport, U16),
	FLD(cadet_rec_sock, family, U16),   FLD(cadet_rec_sock, proto, U16),
	FLD(cadet_rec_sock, ret, S32),	    FLD(cadet_rec_sock, state, S32),
	FLD(cadet_rec_sock, tx_bytes, U64), FLD(cadet_rec_sock, rx_bytes, U64),
};

static const struct trace_field_desc oom_kill_fields[] = {
	FLD(cadet_rec_oom_kill, victim_pid, U32),
	FLD(cadet_rec_oom_kill, rss_bytes, U64),
};

static const struct trace_field_desc security_fields[] = {
	FLD(cadet_rec_security, op, CHAR),
	FLD(cadet_rec_security, ret, S64),
	FLD(cadet_rec_security, arg0, U64),
	FLD(cadet_rec_security, arg1, U64),
	FLD(cadet_rec_security, arg2, U64),
	FLD(cadet_rec_security, arg3, U64),
	FLD(cadet_rec_security, target_pid, U32),
	FLD(cadet_rec_security, denied, U32),
	FLD(cadet_rec_security, str, VSTR),
};

static const struct trace_type_desc types[] = {
	TYPE(HEADER, "header", cadet_rec_header, header_fields),
	TYPE(SCHEMA, "schema", cadet_rec_schema, schema_fields),
	TYPE(CONTAINER, "container", cadet_rec_container, container_fields),
	TYPE(CONTAINER_ADD, "container_add", cadet_rec_container,
	     container_fields),
	TYPE(CONTAINER_REMOVE, "container_remove", cadet_rec_container,
	     container_fields),
	TYPE(CONTAINER_UPDATE, "container_update", cadet_rec_container,
	     container_fields),
	TYPE(PROC, "proc", cadet_rec_proc, proc_fields),
	TYPE(LOST, "lost", cadet_rec_lost, lost_fields),
	TYPE(STATS, "stats", cadet_rec_stats, stats_fields),
	TYPE(LABEL, "label", cadet_rec_label, label_fields),
	TYPE(METRICS, "metrics", cadet_rec_metrics, metrics_fields),
	TYPE(SYSCALL_HIST, "syscall_hist", cadet_rec_syscall_hist,
	     syscall_hist_fields),
	TYPE(BPF_STATS, "bpf_stats", cadet_rec_bpf_stats, bpf_stats_fields),
	TYPE(EXEC, "exec", cadet_rec_exec, exec_fields),
	TYPE(FORK, "fork", cadet_rec_fork, fork_fields),
	TYPE(EXIT, "exit", cadet_rec_exit, exit_fields),
	TYPE(SYSCALL, "syscall", cadet_rec_syscall, syscall_fields),
	TYPE(OPEN, "open", cadet_rec_open, open_fields),
	TYPE(FILE_OP, "file_op", cadet_rec_file_op, file_op_fields),
	TYPE(CONNECT, "connect", cadet_rec_sock, sock_fields),
	TYPE(ACCEPT, "accept", cadet_rec_sock, sock_fields),
	TYPE(LISTEN, "listen", cadet_rec_sock, sock_fields),
	TYPE(SOCK_CLOSE, "sock_close", cadet_rec_sock, sock_fields),
	TYPE(TCP_RETRANSMIT, "tcp_retransmit", cadet_rec_sock, sock_fields),
	TYPE(TCP_RESET, "tcp_reset", cadet_rec_sock, sock_fields),
	TYPE(OOM_KILL, "oom_kill", cadet_rec_oom_kill, oom_kill_fields),
	TYPE(SECURITY, "security", cadet_rec_security, security_fields),
};

/* clang-format on */

/* Type number -> descriptor (NULL: unknown), built once. */
static const struct trace_type_desc *by_type[CADET_REC_TYPE_MAX];
static pthread_once_t by_type_once = PTHREAD_ONCE_INIT;

static void by_type_init(void)
{
	for (size_t i = 0; i < NFIELDS(types); i++)
		by_type[types[i].type] = &types[i];
}

const struct trace_type_desc *trace_type_desc(unsigned int type)
{
	if (type >= CADET_REC_TYPE_MAX)
		return NULL;
	pthread_once(&by_type_once, by_type_init);
	return by_type[type];
}

size_t trace_type_desc_cnt(void)
{
	return NFIELDS(types);
}

const struct trace_type_desc *trace_type_desc_at(size_t idx)
{
	return idx < NFIELDS(types) ? &types[idx] : NULL;
}

bool trace_field_is_vstr(unsigned int kind)
{
	return kind == CADET_FK_VSTR || kind == CADET_FK_VLIST ||
	       kind == CADET_FK_VU32 || kind == CADET_FK_VBYTES;
}

const char *cadet_rec_type_name(unsigned int type)
{
	const struct trace_type_desc *d = trace_type_desc(type);

	return d ? d->name : NULL;
}

const uint8_t *trace_rec_vdata(const struct cadet_rec *rec,
			       const struct cadet_vstr *v, size_t *len)
{
	uint64_t end;

	if (!rec || !v || (!v->off && !v->len))
		return NULL;
	/* The value and its NUL must lie inside the record, past the header. */
	end = (uint64_t)v->off + v->len + 1;
	if (v->off < sizeof(struct cadet_rec) || end > rec->size)
		return NULL;
	*len = v->len;
	return (const uint8_t *)rec + v->off;
}

const char *cadet_rec_str(const struct cadet_rec *rec,
			  const struct cadet_vstr *v)
{
	const uint8_t *p;
	size_t len;

	p = trace_rec_vdata(rec, v, &len);
	if (!p || p[len] != '\0')
		return "";
	return (const char *)p;
}

size_t trace_rec_check(const uint8_t *p, size_t avail, char *why, size_t whylen)
{
	const struct cadet_rec *rec = (const struct cadet_rec *)p;

	if (avail < sizeof(*rec)) {
		snprintf(why, whylen, "%zu stray bytes after the last record",
			 avail);
		return 0;
	}
	if (rec->size < sizeof(*rec) || rec->size % 8) {
		snprintf(
			why, whylen,
			"record of type %u has a bad size %u (must be >= %zu and a multiple of 8)",
			rec->type, rec->size, sizeof(*rec));
		return 0;
	}
	if (rec->size > avail) {
		snprintf(why, whylen,
			 "record of type %u claims %u bytes, only %zu left",
			 rec->type, rec->size, avail);
		return 0;
	}
	return rec->size;
}
