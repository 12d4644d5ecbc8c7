/* SPDX-License-Identifier: MIT */
/*
 * Per-interval records from the kernel-side counters: METRICS and
 * SYSCALL_HIST per cgroup, LOST per CPU, and the recorder's own STATS.
 *
 * The kernel keeps running totals; this module remembers the previous
 * totals and writes deltas (RSS and task counts are gauges).
 *
 * HowTo:
 *   struct metrics_opts o = { .sz = sizeof(o), .counters_fd = ...,
 *                             .hist_fd = -1 or fd, ... };
 *   struct metrics *m = metrics__new(&o);
 *   metrics__add_cgroup(m, id, "/sys/fs/cgroup/unified/...");
 *   every interval: metrics__collect(m, now, emit, ctx);
 *                   metrics__stats(m, now, &totals, emit, ctx);
 *   metrics__free(m);
 */
#ifndef CADET_RECORDER_METRICS_H
#define CADET_RECORDER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

struct probes;

struct metrics_opts {
	size_t sz;
	int counters_fd;                /* per-CPU cgroup -> cg_counters */
	int drops_fd;                   /* per-CPU array of drop counts */
	int hist_fd;                    /* per-CPU hist_key -> u64, or -1 */
	int rows_fd;                    /* per-CPU slot -> cg_row, or -1 */
	int mm_rss_fd;                  /* mm -> mm_rss, or -1 */
	bool all;                       /* also cgroups not added: the host */
	uint64_t start_ts;              /* trace clock: the first interval */
	/* BPF_STATS records beside STATS, per program; NULL: none. */
	struct probes *probes;
};

/* Called for each record made; a negative return stops the collection. */
typedef int (*metrics_emit_fn)(const struct cadet_rec *rec, void *ctx);

/* Running totals of the recorder's own work, for STATS. */
struct metrics_totals {
	uint64_t events;                /* ring buffer events consumed */
	uint64_t records;               /* records written */
	uint64_t bytes_written;         /* compressed bytes */
	uint64_t late;                  /* records past the reorder window */
};

struct metrics;

struct metrics *metrics__new(const struct metrics_opts *opts);
void metrics__free(struct metrics *m);
/*
 * Report cgroup @id every interval from now on. @dir is its directory
 * (for the task count), may be NULL. Adding a known id again is fine.
 */
int metrics__add_cgroup(struct metrics *m, uint64_t id, const char *dir);
/* Report @id a last time at the next collection, then forget it. */
void metrics__remove_cgroup(struct metrics *m, uint64_t id);
/*
 * Read the counters and emit METRICS + SYSCALL_HIST per cgroup and LOST
 * per CPU that dropped events, all stamped @now (trace clock).
 * Returns 0 or the first negative value of @emit / -errno.
 */
int metrics__collect(struct metrics *m, uint64_t now, metrics_emit_fn emit,
		     void *ctx);
/*
 * Emit a STATS record for the interval ending @now, then one BPF_STATS
 * record per attached program (with opts.probes).
 */
int metrics__stats(struct metrics *m, uint64_t now,
		   const struct metrics_totals *t, metrics_emit_fn emit,
		   void *ctx);
/* Events the kernel dropped since the start. */
uint64_t metrics__lost_total(const struct metrics *m);

#endif
