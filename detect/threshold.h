/* SPDX-License-Identifier: MIT */
/*
 * Detector seeds and alert thresholds: the parts of hosting a detector
 * that replay and live mode must compute the same way, so that a model
 * and threshold found by `cadet replay` mean the same in `cadet record
 * --live`.
 */
#ifndef CADET_DETECT_THRESHOLD_H
#define CADET_DETECT_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seed of one detector: a mix of the base seed and its spec string. */
uint64_t det_seed(uint64_t base, const char *spec);

/*
 * Threshold rule from a "threshold" parameter value: NULL or "max" (the
 * largest validation score), "qNN" (quantile NN of validation scores,
 * 0 < NN <= 100, e.g. q99 or q99.9), a plain number (fixed), or "none"
 * (no host alerts). Returns 0 or -EINVAL.
 */
enum det_thr_kind {
	DET_THR_MAX,
	DET_THR_QUANTILE,
	DET_THR_FIXED,
	DET_THR_NONE,
};

struct det_thr_rule {
	enum det_thr_kind kind;
	double value; /* quantile in (0, 1] or the fixed value */
};

int det_thr_parse(const char *s, struct det_thr_rule *rule);
/*
 * Threshold from @n validation scores (sorted ascending in place).
 * Returns false when there is none (no scores, or kind NONE).
 */
bool det_thr_compute(const struct det_thr_rule *rule, double *scores, size_t n,
		     double *thr);

#endif /* CADET_DETECT_THRESHOLD_H */
