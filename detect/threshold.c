// SPDX-License-Identifier: MIT
/*
 * Detector seeds and threshold rules (detect/threshold.h). The seed
 * depends on the base seed and the spec string only, so that a detector
 * gets the same one whatever else runs beside it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/threshold.h"
#include "detect/util.h"

uint64_t det_seed(uint64_t base, const char *spec)
{
	uint64_t s = fnv1a64(spec, strlen(spec), FNV1A64_INIT) ^ base;

	/* One generator step decorrelates nearby bases and specs; 63 bits
	 * so that every JSON reader takes it as a plain integer. */
	return rng_next(&s) & INT64_MAX;
}

int det_thr_parse(const char *s, struct det_thr_rule *rule)
{
	char *end;
	double v;

	rule->kind = DET_THR_MAX;
	rule->value = 0;
	if (!s || !strcmp(s, "max"))
		return 0;
	if (!strcmp(s, "none")) {
		rule->kind = DET_THR_NONE;
		return 0;
	}
	errno = 0;
	if (s[0] == 'q') {
		v = strtod(s + 1, &end);
		if (errno || end == s + 1 || *end || !(v > 0 && v <= 100))
			return -EINVAL;
		rule->kind = DET_THR_QUANTILE;
		rule->value = v / 100;
		return 0;
	}
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -EINVAL;
	rule->kind = DET_THR_FIXED;
	rule->value = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

bool det_thr_compute(const struct det_thr_rule *rule, double *scores, size_t n,
		     double *thr)
{
	size_t rank;

	switch (rule->kind) {
	case DET_THR_NONE:
		return false;
	case DET_THR_FIXED:
		*thr = rule->value;
		return true;
	case DET_THR_MAX:
	case DET_THR_QUANTILE:
		break;
	}
	if (!n)
		return false;
	qsort(scores, n, sizeof(*scores), cmp_double);
	if (rule->kind == DET_THR_MAX) {
		*thr = scores[n - 1];
		return true;
	}
	/* Nearest rank: the smallest score with >= q of all at or below. */
	rank = (size_t)ceil(rule->value * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	*thr = scores[rank - 1];
	return true;
}
