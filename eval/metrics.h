/* SPDX-License-Identifier: MIT */
/*
 * Metric primitives of `cadet eval` on plain arrays: no I/O, no JSON.
 * docs/metrics.md defines every quantity computed here; the comments below
 * only say how the functions map onto those definitions.
 *
 * Times are trace-clock ns. Undefined results (a ratio with a zero
 * denominator) are NAN here; the JSON writer turns them into null.
 */
#ifndef CADET_EVAL_METRICS_H
#define CADET_EVAL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Closed time interval [start, end], ns. */
struct cadet_span {
	uint64_t start;
	uint64_t end;
};

/* Closed range of time-bin indices [lo, hi]. */
struct cadet_brange {
	uint64_t lo;
	uint64_t hi;
};

/*
 * cadet_alarms_merge() - merge sorted alert times into alarms: an alert at
 * most @gap ns after the previous one extends the current alarm, otherwise
 * it opens a new one; @gap 0 merges nothing (each alert is an alarm, even
 * at the same ns). @out needs room for @n spans. Returns the alarm count.
 */
size_t cadet_alarms_merge(const uint64_t *ts, size_t n, uint64_t gap,
			  struct cadet_span *out);

/*
 * cadet_first_alert_in() - the first of the sorted alert times @ts that lies
 * in [@lo, @hi]. Returns true and sets *@first when there is one.
 */
bool cadet_first_alert_in(const uint64_t *ts, size_t n, uint64_t lo,
			  uint64_t hi, uint64_t *first);

/* true when [a.start, a.end] and [b.start, b.end] share at least one ns. */
static inline bool cadet_span_overlaps(struct cadet_span a, struct cadet_span b)
{
	return a.start <= b.end && b.start <= a.end;
}

/*
 * cadet_spans_normalize() - sort spans by start and merge overlapping or
 * touching ones, in place. Returns the new count.
 */
size_t cadet_spans_normalize(struct cadet_span *s, size_t n);

/*
 * cadet_spans_minus_ns() - measure (end - start summed) of the union of
 * @a minus the union of @b. Both arrays must be normalized.
 */
uint64_t cadet_spans_minus_ns(const struct cadet_span *a, size_t na,
			      const struct cadet_span *b, size_t nb);

/*
 * cadet_bins_from_spans() - bin ranges [start / bin, end / bin] of the
 * (normalized) spans, merged where they touch. @out needs room for @n.
 */
size_t cadet_bins_from_spans(const struct cadet_span *s, size_t n, uint64_t bin,
			     struct cadet_brange *out);

/*
 * cadet_bins_from_alerts() - maximal runs of consecutive bins holding at
 * least one of the sorted alert times. @out needs room for @n.
 */
size_t cadet_bins_from_alerts(const uint64_t *ts, size_t n, uint64_t bin,
			      struct cadet_brange *out);

/* ---- point-wise counts over bins ---- */

struct cadet_point_acc {
	uint64_t tp;
	uint64_t fp;
	uint64_t fn;
};

/* Adds the bins of one container: @real and @pred are sorted, disjoint. */
void cadet_point_add(struct cadet_point_acc *acc,
		     const struct cadet_brange *real, size_t nr,
		     const struct cadet_brange *pred, size_t np);

/* ---- range-based precision and recall (Tatbul et al. 2018) ---- */

enum cadet_range_bias {
	CADET_BIAS_FLAT = 0,
	CADET_BIAS_FRONT,
	CADET_BIAS_BACK,
	CADET_BIAS_MIDDLE,
};

enum cadet_range_card {
	CADET_CARD_RECIPROCAL = 0, /* gamma = 1/x */
	CADET_CARD_ONE, /* gamma = 1 */
};

struct cadet_range_opts {
	double alpha; /* existence weight in recall */
	enum cadet_range_bias bias;
	enum cadet_range_card card;
};

struct cadet_range_acc {
	double recall_sum; /* sum of Recall_T(R_i, P) */
	uint64_t nreal;
	double precision_sum; /* sum of Precision_T(R, P_j) */
	uint64_t npred;
};

/* Adds one container's real and predicted ranges (sorted, disjoint). */
void cadet_range_add(struct cadet_range_acc *acc,
		     const struct cadet_range_opts *o,
		     const struct cadet_brange *real, size_t nr,
		     const struct cadet_brange *pred, size_t np);

const char *cadet_range_bias_name(enum cadet_range_bias b);
int cadet_range_bias_parse(const char *s, enum cadet_range_bias *b);
const char *cadet_range_card_name(enum cadet_range_card c);
int cadet_range_card_parse(const char *s, enum cadet_range_card *c);

/* ---- PA%K (Kim et al. 2022) ---- */

#define CADET_PA_MAX_K 8

struct cadet_pa_acc {
	size_t nk;
	unsigned int k[CADET_PA_MAX_K]; /* percent, 0..100 */
	uint64_t tp[CADET_PA_MAX_K]; /* after adjustment at k[i] */
	uint64_t fn[CADET_PA_MAX_K];
	uint64_t fp; /* adjustment never changes it */
};

void cadet_pa_init(struct cadet_pa_acc *acc, const unsigned int *k, size_t nk);
void cadet_pa_add(struct cadet_pa_acc *acc, const struct cadet_brange *real,
		  size_t nr, const struct cadet_brange *pred, size_t np);

/* ---- per recording, as LID-DS (Grimmer et al. 2019) ---- */

/*
 * A recording is one container of one test trace. It is an exploit
 * recording when it has an anomaly window; the exploit starts at its
 * first window's start and lasts, as in LID-DS, to the recording's end.
 */
struct cadet_lidds_acc {
	uint64_t exploit_recordings;
	uint64_t detected_recordings; /* an alert at or after the exploit */
	uint64_t normal_recordings;
	uint64_t cfa; /* consecutive false alarms */
};

/*
 * cadet_lidds_add() - adds one recording: @ts its sorted alert times,
 * @bin the sample grid (ns) on which alerts in adjacent bins are
 * consecutive, @exploit whether it has one and @exploit_ts its start.
 */
void cadet_lidds_add(struct cadet_lidds_acc *acc, const uint64_t *ts,
		     size_t n, uint64_t bin, bool exploit, uint64_t exploit_ts);

/* ---- ratios ---- */

/* @num / @den, NAN when @den is 0. */
double cadet_ratio(double num, double den);
/* Harmonic mean of @p and @r: 0 if either is 0, else NAN if either is. */
double cadet_f1(double p, double r);

/* ---- score-based ---- */

struct cadet_scored {
	double value;
	bool positive;
};

/*
 * cadet_auc() - average precision (step-wise, no interpolation) and area
 * under the ROC curve (trapezoids; ties form one step) of @s, which is
 * sorted in place. NAN where undefined: *ap without positives, *roc without
 * positives or without negatives.
 */
void cadet_auc(struct cadet_scored *s, size_t n, double *ap, double *roc);

/*
 * cadet_quantile() - the @q quantile (0..1) of @v by linear interpolation
 * between closest ranks (Hyndman-Fan type 7); sorts @v. NAN when n is 0.
 */
double cadet_quantile(double *v, size_t n, double q);

#endif
