/* SPDX-License-Identifier: MIT */
/*
 * Loading and attaching the BPF probe families (bpf/X.bpf.c).
 *
 * The cgroup watch object is always loaded first; its maps (ring buffer,
 * container filter, per-cgroup counters, drop counters) are shared with
 * every other family. A program whose tracepoint this kernel lacks (say,
 * init_module without CONFIG_MODULES) is skipped with a note under -v;
 * any other load or attach failure is an error naming the family, the
 * program and the reason.
 *
 * HowTo:
 *   struct probes_opts o = { .sz = sizeof(o), .probes = mask,
 *                            .self_tgid = getpid() };
 *   struct probes *p = probes__new(&o);       NULL + errno, message printed
 *   probes__add_cgroup(p, id);                record this cgroup
 *   ... read probes__map_fd(p, PROBES_MAP_COUNTERS) ...
 *   probes__free(p);
 */
#ifndef CADET_RECORDER_PROBES_H
#define CADET_RECORDER_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probes_opts {
	size_t sz;
	uint64_t probes;                /* enum cadet_probe mask */
	bool filter_all;                /* every cgroup, the host included */
	uint32_t self_tgid;             /* never recorded */
	size_t ringbuf_bytes;           /* power of two, default 16 MiB */
	int verbose;
};

enum probes_map {
	PROBES_MAP_EVENTS,              /* ring buffer */
	PROBES_MAP_CGROUPS,             /* u64 cgroup id -> u64 record id */
	PROBES_MAP_COUNTERS,            /* per-CPU u64 -> struct cg_counters */
	PROBES_MAP_DROPS,               /* per-CPU array[1] of u64 */
	PROBES_MAP_SYSCALL_HIST,        /* per-CPU hist_key -> u64; or -1 */
	PROBES_MAP_MM_RSS,              /* u64 mm -> struct mm_rss; or -1 */
	PROBES_MAP_CNT
};

/* One loaded BPF program and its cumulative run-time statistics. */
struct probes_prog_stat {
	const char *family;
	const char *prog;
	uint32_t id;
	uint64_t run_ns;                /* since load, 0 without stats */
	uint64_t run_cnt;
};

struct probes;

struct probes *probes__new(const struct probes_opts *opts);
void probes__free(struct probes *p);
/* fd of a shared map, -1 when its family is not loaded. */
int probes__map_fd(const struct probes *p, enum probes_map m);
/* Number of programs attached. */
size_t probes__prog_cnt(const struct probes *p);
/*
 * BPF run-time statistics (enum cadet_bpf_stats_mode): turned on by
 * probes__new() for as long as the probes live, unless the environment
 * says CADET_BPF_STATS=0 (the bench compares probes without them).
 */
unsigned int probes__stats_mode(const struct probes *p);
/*
 * Fills @out with up to @n attached programs and their counters read now;
 * returns how many there are (may exceed @n).
 */
size_t probes__prog_stats(const struct probes *p, struct probes_prog_stat *out,
			  size_t n);
/*
 * Start or stop recording the tasks of cgroup @id; with @no_seq its
 * syscalls are not streamed by --syscall-seq. 0 or -errno.
 */
int probes__add_cgroup(struct probes *p, uint64_t id, bool no_seq);
int probes__del_cgroup(struct probes *p, uint64_t id);

/*
 * probes_check_env() - root, BTF and tracefs: prints what is missing and
 * how to fix it; mounts tracefs at /sys/kernel/tracing when it can.
 * Returns 0 or -errno.
 */
int probes_check_env(void);

#endif
