// SPDX-License-Identifier: MIT
/*
 * Test plugin: scores every METRICS record it is shown, at once, by how
 * much an edge interval stands out: 1e6 for a record with rss_bytes 0
 * (what a teardown reads), else the record's execs (large in a
 * container's first, start-up interval). With threshold=max its threshold
 * is the largest such value among the validation records it saw, so the
 * tests can tell whether an edge interval reached it.
 */
#include <errno.h>
#include <stdlib.h>

#include "cadet/detector.h"
#include "cadet/trace.h"

#define EDGE_SCORE_TEARDOWN 1e6

static int es_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *p, size_t np, uint64_t seed)
{
	*state = (void *)host;
	return 0;
}

static int es_event(void *state, const struct cadet_rec *rec)
{
	const struct cadet_host *host = state;
	const struct cadet_rec_metrics *m = (const void *)rec;
	uint64_t start;

	if (rec->type != CADET_REC_METRICS || rec->size < sizeof(*m))
		return 0;
	start = rec->ts > m->interval_ns ? rec->ts - m->interval_ns : 0;
	host->score(host, rec->cgroup_id, start, rec->ts,
		    m->rss_bytes ? (double)m->execs : EDGE_SCORE_TEARDOWN);
	return 0;
}

static void es_fini(void *state)
{
}

static const struct cadet_detector_ops es_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "edge_score",
	.description = "test: METRICS execs, 1e6 at rss_bytes 0",
	.params_help = "",
	.init = es_init,
	.on_event = es_event,
	.fini = es_fini,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
	return &es_ops;
}
