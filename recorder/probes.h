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
	size_t ringbuf_bytes;           /* power of two, default 4 MiB */
	int verbose;
	/*
	 * Turn the kernel's BPF run-time statistics on while the probes
	 * live (bpf_stats records); they cost every BPF program on the
	 * host two clock reads per run. Off: the trace says so.
	 */
	bool bpf_stats;
	/*
	 * Never use cgroup local storage for the cgroup filter (it is only
	 * used with CADET_CG_STORAGE=1 in the environment anyway).
	 */
	bool no_cg_storage;
};

enum probes_map {
	/* Shared by every family (made by the cgroup watch object). */
	PROBES_MAP_EVENTS,              /* ring buffer */
	PROBES_MAP_CGROUPS,             /* u64 cgroup id -> struct cg_ent */
	PROBES_MAP_CG_STORAGE,          /* cgroup fd -> struct cg_ent */
	PROBES_MAP_ROWS,                /* per-CPU slot -> struct cg_row */
	PROBES_MAP_COUNTERS,            /* per-CPU u64 -> struct cg_counters */
	PROBES_MAP_DROPS,               /* per-CPU array[1] of u64 */
	PROBES_MAP_SHARED_CNT,
	/* Of one family; -1 when it is not loaded. */
	PROBES_MAP_SYSCALL_HIST = PROBES_MAP_SHARED_CNT, /* per-CPU hist_key -> u64 */
	PROBES_MAP_MM_RSS,              /* u64 mm -> struct mm_rss */
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
 * BPF run-time statistics (enum cadet_bpf_stats_mode): with
 * opts.bpf_stats turned on by probes__new() for as long as the probes
 * live; CADET_BPF_STATS_OFF without.
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
 * The row of cgroup @id in PROBES_MAP_ROWS, -1 when it has none (its
 * counters are in the hashes). A deleted cgroup keeps its row, for a
 * last reading, until probes__release_slot().
 */
int probes__cgroup_slot(const struct probes *p, uint64_t id);
void probes__release_slot(struct probes *p, uint64_t id);
/* True when the cgroup state lives in cgroup local storage. */
bool probes__cg_storage(const struct probes *p);

/*
 * --syscall-seq: send every CPU's partial batch of syscalls to the ring
 * buffer (call before reading it). Returns how many CPUs were busy
 * filling theirs (try again at the next poll), or -errno.
 */
int probes__seq_flush(struct probes *p);
/*
 * For a ring buffer event that is a batch of syscalls: calls @fn with
 * each syscall as the struct ev_syscall event it stands for and returns
 * 1 (or @fn's first negative value); 0 for any other event.
 */
int probes_seq_unpack(const void *data, size_t size,
		      int (*fn)(void *ctx, const void *ev, size_t size),
		      void *ctx);

/*
 * probes_check_env() - root, BTF and tracefs: prints what is missing and
 * how to fix it; mounts tracefs at /sys/kernel/tracing when it can.
 * Returns 0 or -errno.
 */
int probes_check_env(void);

#endif
