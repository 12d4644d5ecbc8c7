/* SPDX-License-Identifier: MIT */
/*
 * `cadet eval`: metrics per detector, per scenario and overall from a
 * replay's results and the ground truth of its test traces; eval.json and
 * eval.md writers; regression check against a baseline eval.json.
 * docs/metrics.md is the reference for every number produced here.
 *
 * HowTo:
 *   struct cadet_eval_opts o = { .sz = sizeof(o) };    zeros = defaults
 *   struct cadet_eval *e = cadet_eval__compute(results, truths, &o);
 *   json_t *j = cadet_eval__to_json(e);
 *   cadet_eval__write_md(e, stdout);
 *   cadet_eval__free(e);
 */
#ifndef CADET_EVAL_EVAL_H
#define CADET_EVAL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "eval/metrics.h"
#include "eval/results.h"
#include "eval/truth.h"

#define CADET_EVAL_GRACE_NS_DEFAULT 10000000000ull /* 10 s */
#define CADET_EVAL_GAP_NS_DEFAULT 5000000000ull /* 5 s */
#define CADET_EVAL_BIN_NS_DEFAULT 1000000000ull /* 1 s */

struct cadet_eval_opts {
	size_t sz;
	uint64_t grace_ns; /* 0: default; use no_grace for none */
	bool no_grace;
	uint64_t merge_gap_ns; /* 0: default; use no_merge for none */
	bool no_merge;
	uint64_t bin_ns; /* 0: default */
	struct cadet_range_opts range; /* zeros: alpha 0, flat, 1/x */
	const unsigned int *pa_k; /* NULL: 0, 20, 50, 80, 100 */
	size_t npa_k;
};
#define CADET_EVAL_OPTS_SZ_MIN sizeof(size_t)

/* Metrics of one detector over one scenario's traces (or all of them). */
struct cadet_eval_stats {
	char *scenario; /* NULL for "overall" */
	size_t traces;
	uint64_t windows;
	uint64_t detected;
	uint64_t alerts;
	uint64_t alarms;
	uint64_t true_alarms;
	uint64_t normal_ns;
	double *latency_s; /* one per detected window */
	size_t nlatency, cap_latency;
	struct cadet_scored *scored;
	size_t nscored, cap_scored;
	uint64_t positives; /* scored windows labeled positive */
	struct cadet_point_acc point;
	struct cadet_range_acc range;
	struct cadet_pa_acc pa;
	struct cadet_lidds_acc lidds; /* per recording, as LID-DS */

	/* derived by cadet_eval__compute(); NAN = undefined (null in JSON) */
	double detection_rate, precision, f1, false_alarms_per_hour;
	double latency_median_s, latency_p95_s, auc_pr, auc_roc;
	double point_precision, point_recall, point_f1;
	double range_precision, range_recall, range_f1;
	double pa_f1[CADET_PA_MAX_K];
	double recording_detection_rate;
};

struct cadet_eval_det {
	const struct cadet_results_det *det;
	bool baseline; /* the null, random or always baseline */
	struct cadet_eval_stats *per_scenario; /* in e->scenarios order */
	struct cadet_eval_stats overall;
};

struct cadet_eval {
	uint64_t grace_ns, merge_gap_ns, bin_ns;
	struct cadet_range_opts range;
	unsigned int pa_k[CADET_PA_MAX_K];
	size_t npa_k;
	char **scenarios; /* sorted */
	size_t nscenarios;
	size_t *trace_scenario; /* results trace -> scenario index */
	struct cadet_eval_det *dets; /* in results header order */
	size_t ndets;
	char *cadet_version;
};

/*
 * cadet_eval__compute() - @truths[i] is the ground truth of results trace i
 * (r->traces[i]). Returns NULL and sets errno on failure.
 */
struct cadet_eval *cadet_eval__compute(const struct cadet_results *r,
				       struct cadet_truth *const *truths,
				       const struct cadet_eval_opts *opts);
void cadet_eval__free(struct cadet_eval *e);

/* eval.json as described in docs/metrics.md; NULL on ENOMEM. */
json_t *cadet_eval__to_json(const struct cadet_eval *e);
/* eval.md: detector x scenario table, baselines included. */
int cadet_eval__write_md(const struct cadet_eval *e, FILE *f);

/* Stats of detector @d for scenario @name (NULL = overall), or NULL. */
const struct cadet_eval_stats *cadet_eval__stats(const struct cadet_eval *e,
						 size_t d, const char *name);

/* true for the baseline detectors "null", "random" and "always" (name or
 * spec). */
bool cadet_eval_is_baseline(const char *name, const char *spec);

/*
 * cadet_eval_regress() - compare @cur against @base (both eval.json
 * documents). Writes one line per change beyond @tolerance to @out, in
 * either direction (a regression, an improvement, a detector or scenario
 * the baseline lacks: all mean the baseline no longer describes the
 * results), and returns the count, or -EINVAL with a message in @err when
 * @base is not an eval.json. *@improved (may be NULL) gets how many of
 * them are improvements or additions. See docs/metrics.md ("Regression
 * check").
 */
int cadet_eval_regress(json_t *base, json_t *cur, double tolerance, FILE *out,
		       int *improved, char *err, size_t errlen);

#endif
