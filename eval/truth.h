/* SPDX-License-Identifier: MIT */
/*
 * Ground truth of one test trace, read from its records: anomaly windows
 * (LABEL kind "anomaly"), the trace's scenario, and when each container was
 * present (CONTAINER, CONTAINER_ADD/REMOVE and any record of its cgroup).
 * docs/metrics.md ("Ground truth") states the rules.
 *
 * HowTo:
 *   char err[512];
 *   struct cadet_truth *t = cadet_truth__load("run.cadet", err, sizeof(err));
 *   if (!t) -> err says why
 *   cadet_truth__free(t);
 * Tests build truth by hand with cadet_truth__new() and the __add_*() calls.
 */
#ifndef CADET_EVAL_TRUTH_H
#define CADET_EVAL_TRUTH_H

#include <stddef.h>
#include <stdint.h>

#include "eval/metrics.h"

struct cadet_truth_window {
	uint64_t cgroup_id; /* target container */
	struct cadet_span span; /* [start_ts, end_ts] */
	char *anomaly;
};

struct cadet_truth_container {
	uint64_t cgroup_id;
	char *name; /* "" when the trace has no table entry */
	struct cadet_span *presence; /* normalized after __finish() */
	size_t npresence;
	size_t cap;
	uint64_t open_since; /* while loading: present since, or ~0 */
};

struct cadet_truth {
	char *path;
	char *scenario; /* see docs/metrics.md; never NULL */
	uint64_t t0, t1; /* first and last record ts */
	struct cadet_truth_window *windows; /* sorted by cgroup, start */
	size_t nwindows;
	struct cadet_truth_container *containers; /* sorted by cgroup */
	size_t ncontainers;
	size_t nscenarios; /* distinct LABEL scenarios seen (warned) */
	size_t wcap, ccap;
};

struct cadet_truth *cadet_truth__load(const char *path, char *err,
				      size_t errlen);
void cadet_truth__free(struct cadet_truth *t);

/* Building by hand (tests, importers); call __finish() once at the end. */
struct cadet_truth *cadet_truth__new(const char *path, const char *scenario);
int cadet_truth__add_window(struct cadet_truth *t, uint64_t cgroup_id,
			    uint64_t start, uint64_t end, const char *anomaly);
int cadet_truth__add_presence(struct cadet_truth *t, uint64_t cgroup_id,
			      uint64_t start, uint64_t end);
void cadet_truth__finish(struct cadet_truth *t);

/* Container @cgroup_id, NULL when the trace never saw it. */
const struct cadet_truth_container *
cadet_truth__container(const struct cadet_truth *t, uint64_t cgroup_id);

#endif
