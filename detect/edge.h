/* SPDX-License-Identifier: MIT */
/*
 * Edge intervals: which METRICS records (and the SYSCALL_HIST of the same
 * interval) are not ordinary samples of their container, so that the
 * detector host withholds them from every detector.
 *
 * An edge is a container's first interval (it began when the container
 * appeared: partial, and full of the start-up's execs and page faults) or
 * its teardown interval (after its removal, no task left: rss_bytes = 0).
 * Traces of format 1.2 and later mark them (CADET_METRICS_F_*); for older
 * ones the same rule is applied from the record stream: the first METRICS
 * of a cgroup in the trace, and a METRICS after the cgroup's
 * CONTAINER_REMOVE or of an empty cgroup (rss_bytes and nr_tasks 0).
 * docs/detector-abi.md ("Edge intervals") says why and what it costs.
 *
 * HowTo:
 *   struct det_edge e = {};
 *   det_edge_reset(&e);                    at each trace's start
 *   if (det_edge_withhold(&e, rec)) skip;  for each record, in order
 *   det_edge_release(&e);
 */
#ifndef CADET_DETECT_EDGE_H
#define CADET_DETECT_EDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cadet/trace.h"
#include "detect/util.h"

struct det_edge {
	struct u64_set sampled; /* cgroups whose first METRICS went by */
	struct u64_set removed; /* cgroups removed and not added again */
	struct u64_set held; /* cgroups whose METRICS at held_ts was withheld */
	uint64_t held_ts;
	uint64_t withheld; /* METRICS records withheld so far */
	int err; /* -ENOMEM once a set could not grow (then it stops growing) */
};

/* A new trace (or stream): nothing seen yet. */
void det_edge_reset(struct det_edge *e);
/*
 * true when @rec is an edge METRICS record, or the SYSCALL_HIST of the
 * same cgroup and interval as one. Every record must be shown, in trace
 * order, since the rule reads CONTAINER_* records too.
 */
bool det_edge_withhold(struct det_edge *e, const struct cadet_rec *rec);
/* true when a METRICS record's flags or contents mark it as an edge by
 * themselves (without the stream's history). */
bool det_edge_metrics_marked(const struct cadet_rec_metrics *m);
void det_edge_release(struct det_edge *e);

#endif /* CADET_DETECT_EDGE_H */
