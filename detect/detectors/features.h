/* SPDX-License-Identifier: MIT */
/*
 * Rate features of a container over a short sliding window of its METRICS
 * records, and robust (median / MAD) per-role statistics over them: the
 * inputs of zscore, iforest and ensemble (docs/detectors.md lists them).
 *
 * Why a window of records and not one record: a container's work is often
 * periodic (the reference batch job runs every 2 s, so every other 1 s
 * record is all zero); rates over a window that spans the period are
 * stable where single records are bimodal.
 *
 * Why rates: a record's delta counters cover its interval_ns, which is
 * shorter for a container's first record; dividing by the summed
 * intervals makes a partial interval comparable with a full one.
 *
 * Edge records: a record with nr_tasks == 0 and rss_bytes == 0 is the
 * accounting of a container that has no task left (its teardown), not a
 * sample of its behaviour; det_rwin_push() leaves it out.
 */
#ifndef CADET_DETECT_FEATURES_H
#define CADET_DETECT_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

/* The feature vector; order is documented in docs/detectors.md. */
enum det_rf {
	/* rates per second of the window, log1p */
	DET_RF_CPU_MS,
	DET_RF_TX_BYTES,
	DET_RF_RX_BYTES,
	DET_RF_TX_PACKETS,
	DET_RF_RX_PACKETS,
	DET_RF_READ_BYTES,
	DET_RF_WRITE_BYTES,
	DET_RF_SYSCALLS,
	DET_RF_PAGE_FAULTS,
	DET_RF_CTX_SWITCHES,
	DET_RF_RETRANSMITS,
	DET_RF_RESETS,
	DET_RF_FORKS,
	DET_RF_EXECS,
	DET_RF_OPENS,
	DET_RF_CONNECTS,
	DET_RF_OOM_KILLS,
	/* gauges, log1p: the last rss, the largest task count */
	DET_RF_RSS,
	DET_RF_TASKS,
	/* ratios, as differences of the log1p rates above */
	DET_RF_CPU_PER_SYSCALL,
	DET_RF_IO_PER_SYSCALL,
	DET_RF_TX_PER_RX,
	DET_RF_FAULTS_PER_CPU,
	DET_NRF
};

extern const char *const det_rf_names[DET_NRF];

#define DET_RWIN_MAX 16

/* The fields of one METRICS record a window keeps. */
struct det_rwin_rec {
	uint64_t interval_ns;
	uint64_t v[DET_RF_RSS]; /* the delta counters, enum order */
	uint64_t rss;
	uint64_t tasks;
};

struct det_rwin {
	size_t span; /* records per window, <= DET_RWIN_MAX */
	size_t n; /* records held, <= span */
	size_t next; /* slot of the next push */
	uint64_t seen; /* records pushed since the start */
	uint64_t first_ts; /* ts of the oldest record held */
	uint64_t ts[DET_RWIN_MAX];
	struct det_rwin_rec rec[DET_RWIN_MAX];
};

void det_rwin_init(struct det_rwin *w, size_t span);

/*
 * Adds @m to the window (the oldest record leaves a full window).
 * Returns false, leaving the window as it was, for a record that
 * det_edge_metrics_marked() (detect/edge.h) calls an edge: the host
 * withholds those already, this keeps a window honest when fed directly.
 */
bool det_rwin_push(struct det_rwin *w, const struct cadet_rec_metrics *m);

/* The feature vector of the records held (all 0 when none). */
void det_rwin_features(const struct det_rwin *w, double out[DET_NRF]);

/* Start of the window: ts of its oldest record minus its interval. */
uint64_t det_rwin_start(const struct det_rwin *w);

/*
 * Raises @spread (per feature, DET_NRF values) of a role whose medians
 * are @med to one unit of the integer gauge `tasks` at the median level:
 * log1p(m + 1) - log1p(m) = log1p(exp(-med)) for med = log1p(m). The
 * task count of a role hardly ever moves in training (MAD 0), and its
 * floor in log units is otherwise a fraction of one task: a health
 * check's shell and curl beside a cron job would be several spreads.
 * One more task is not a whole spread's excursion, as one more event
 * is not for a rate (log1p(1 / span)).
 */
void det_rf_unit_floor(const double *med, double *spread);

/* ---- rows of feature vectors, tagged with their run ---- */

struct det_rows {
	size_t dim;
	size_t n;
	size_t cap; /* of x, in values */
	size_t run_cap;
	double *x; /* n * dim, row-major */
	uint32_t *run;
};

/* Appends a copy of @x (dim values) from run @run; 0 or -ENOMEM. */
int det_rows_add(struct det_rows *r, const double *x, uint32_t run);
void det_rows_release(struct det_rows *r);

/* ---- robust statistics ---- */

#define DET_MAD_SD 1.4826 /* MAD to sd of a normal distribution */

/*
 * Median and spread per feature of @n rows of @dim values (row-major);
 * @run[i] names the run row i comes from (runs numbered from 0, rows of a
 * run contiguous or not). spread is the largest of:
 *   - 1.4826 MAD of the rows (the noise within runs);
 *   - 1.4826 MAD of the per-run medians around their median (how much a
 *     new run's level moves; 0 with a single run);
 *   - floor[f] (may be NULL: no floor).
 * @med and @spread get @dim values. 0 or -ENOMEM.
 */
int det_robust_fit(const double *x, const uint32_t *run, size_t n, size_t dim,
		   const double *floor, double *med, double *spread);

#endif /* CADET_DETECT_FEATURES_H */
