// SPDX-License-Identifier: MIT
/*
 * execburst: an example cadet detector plugin.
 *
 * Scores every container by the number of processes it started (EXEC
 * records) in each tick. The host turns scores into alerts with the
 * threshold it learns from validation traces; with alert=N the plugin
 * also raises its own critical alert when a tick has N execs or more.
 *
 * Build:  make build/examples/execburst.so
 *    or:  cc -O2 -shared -fPIC -Iinclude examples/detectors/execburst.c \
 *            -o execburst.so
 * Run:    cadet replay run.cadet --detector ./build/examples/execburst.so:alert=50
 *
 * docs/detector-abi.md walks through this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cadet/detector.h"

#define MAX_CTRS 256

struct ctr {
	uint64_t cgroup_id;
	uint64_t execs; /* in the current tick */
};

struct execburst {
	const struct cadet_host *host;
	uint64_t alert_at; /* 0: no own alerts */
	struct ctr ctrs[MAX_CTRS];
	unsigned int nctrs;
};

static int eb_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	const char *v = cadet_param_get(params, nparams, "alert", "0");
	struct execburst *eb;
	char *end;

	eb = calloc(1, sizeof(*eb));
	if (!eb)
		return -ENOMEM;
	eb->host = host;
	eb->alert_at = strtoull(v, &end, 10);
	if (*v == '-' || *end) {
		host->log(host, "alert=%s: want a count of execs per tick", v);
		free(eb);
		return -EINVAL;
	}
	*state = eb;
	return 0;
}

/* Container ids belong to one trace. */
static int eb_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct execburst *eb = state;

	eb->nctrs = 0;
	return 0;
}

static struct ctr *eb_ctr(struct execburst *eb, uint64_t cgroup_id)
{
	for (unsigned int i = 0; i < eb->nctrs; i++)
		if (eb->ctrs[i].cgroup_id == cgroup_id)
			return &eb->ctrs[i];
	return NULL;
}

static int eb_container(void *state, const struct cadet_container_desc *c,
			int added)
{
	struct execburst *eb = state;

	if (!added || eb_ctr(eb, c->cgroup_id))
		return 0;
	if (eb->nctrs == MAX_CTRS) {
		eb->host->log(eb->host, "more than %d containers; ignoring %s",
			      MAX_CTRS, c->name);
		return 0;
	}
	eb->ctrs[eb->nctrs++] = (struct ctr){.cgroup_id = c->cgroup_id};
	return 0;
}

static int eb_event(void *state, const struct cadet_rec *rec)
{
	struct execburst *eb = state;
	struct ctr *c;

	if (rec->type != CADET_REC_EXEC)
		return 0;
	c = eb_ctr(eb, rec->cgroup_id);
	if (c)
		c->execs++;
	return 0;
}

/* Window [ts - 1 s, ts): this plugin keeps the default 1 s tick. */
static int eb_tick(void *state, uint64_t ts)
{
	struct execburst *eb = state;

	for (unsigned int i = 0; i < eb->nctrs; i++) {
		struct ctr *c = &eb->ctrs[i];

		eb->host->score(eb->host, c->cgroup_id, ts - 1000000000ull, ts,
				(double)c->execs);
		if (eb->alert_at && c->execs >= eb->alert_at) {
			char reason[64];

			snprintf(reason, sizeof(reason), "%llu execs in 1 s",
				 (unsigned long long)c->execs);
			eb->host->alert(eb->host, ts, c->cgroup_id,
					CADET_SEV_CRITICAL, reason);
		}
		c->execs = 0;
	}
	return 0;
}

static void eb_fini(void *state)
{
	free(state);
}

static const struct cadet_detector_ops execburst_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "execburst",
	.description = "example: process starts per container per second",
	.params_help =
		"alert=0: own alert at this many execs per tick (0: off)",
	.init = eb_init,
	.on_trace_begin = eb_trace_begin,
	.on_container = eb_container,
	.on_event = eb_event,
	.on_tick = eb_tick,
	.fini = eb_fini,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
	return &execburst_ops;
}
