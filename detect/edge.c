// SPDX-License-Identifier: MIT
/*
 * Edge intervals of METRICS (edge.h): the rule, once, for every detector.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/edge.h"

void det_edge_reset(struct det_edge *e)
{
	e->sampled.n = 0;
	e->removed.n = 0;
	e->held.n = 0;
	e->held_ts = 0;
	e->err = 0;
}

bool det_edge_metrics_marked(const struct cadet_rec_metrics *m)
{
	if (m->flags & (CADET_METRICS_F_FIRST | CADET_METRICS_F_TEARDOWN))
		return true;
	/* An empty cgroup has no sample to give: its tasks are gone. */
	return !m->rss_bytes && !m->nr_tasks;
}

static int hold(struct det_edge *e, uint64_t cg, uint64_t ts)
{
	if (ts != e->held_ts) {
		e->held.n = 0;
		e->held_ts = ts;
	}
	e->withheld++;
	return u64_set_add(&e->held, cg);
}

static bool metrics_edge(struct det_edge *e, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *m = (const void *)rec;
	uint64_t cg = rec->cgroup_id;
	bool edge = false;

	if (rec->size < sizeof(*m))
		return false;
	/* The first METRICS of a cgroup in this trace, flagged or not. */
	if (!u64_set_has(&e->sampled, cg)) {
		edge = true;
		if (!e->err)
			e->err = u64_set_add(&e->sampled, cg);
	}
	if (u64_set_has(&e->removed, cg) || det_edge_metrics_marked(m))
		edge = true;
	if (edge && !e->err)
		e->err = hold(e, cg, rec->ts);
	return edge;
}

bool det_edge_withhold(struct det_edge *e, const struct cadet_rec *rec)
{
	switch (rec->type) {
	case CADET_REC_CONTAINER:
	case CADET_REC_CONTAINER_ADD:
		u64_set_del(&e->removed, rec->cgroup_id);
		return false;
	case CADET_REC_CONTAINER_REMOVE:
		if (!e->err)
			e->err = u64_set_add(&e->removed, rec->cgroup_id);
		return false;
	case CADET_REC_METRICS:
		return metrics_edge(e, rec);
	case CADET_REC_SYSCALL_HIST:
		/* Written right after its METRICS, with the same ts. */
		return rec->ts == e->held_ts &&
		       u64_set_has(&e->held, rec->cgroup_id);
	default:
		return false;
	}
}

void det_edge_release(struct det_edge *e)
{
	free(e->sampled.v);
	free(e->removed.v);
	free(e->held.v);
	memset(e, 0, sizeof(*e));
}
