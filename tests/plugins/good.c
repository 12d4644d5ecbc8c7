// SPDX-License-Identifier: MIT
/*
 * Test plugin: scores each container by the number of events it had in
 * the tick, times scale=1. Also counts its callbacks so tests can check
 * the protocol (ticks, traces, train_end) through the log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/detector.h"

#define MAXC 64

struct good {
	const struct cadet_host *host;
	double scale;
	uint64_t cg[MAXC];
	uint64_t cnt[MAXC];
	unsigned int n;
	unsigned long ticks, traces, events;
};

static int good_init(void **state, const struct cadet_host *host,
		     const struct cadet_param *p, size_t np, uint64_t seed)
{
	struct good *g = calloc(1, sizeof(*g));
	char *end;

	if (!g)
		return -ENOMEM;
	g->host = host;
	g->scale = strtod(cadet_param_get(p, np, "scale", "1"), &end);
	if (*end) {
		host->log(host, "scale: want a number");
		free(g);
		return -EINVAL;
	}
	*state = g;
	return 0;
}

static int good_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct good *g = state;

	g->n = 0;
	g->traces++;
	return 0;
}

static int good_container(void *state, const struct cadet_container_desc *c,
			  int added)
{
	struct good *g = state;

	if (added && g->n < MAXC) {
		g->cg[g->n] = c->cgroup_id;
		g->cnt[g->n++] = 0;
	}
	return 0;
}

static int good_event(void *state, const struct cadet_rec *rec)
{
	struct good *g = state;

	g->events++;
	for (unsigned int i = 0; i < g->n; i++)
		if (g->cg[i] == rec->cgroup_id)
			g->cnt[i]++;
	return 0;
}

static int good_tick(void *state, uint64_t ts)
{
	struct good *g = state;

	g->ticks++;
	for (unsigned int i = 0; i < g->n; i++) {
		g->host->score(g->host, g->cg[i], ts - 1000000000ull, ts,
			       g->cnt[i] * g->scale);
		g->cnt[i] = 0;
	}
	return 0;
}

static void good_fini(void *state)
{
	struct good *g = state;

	if (g)
		g->host->log(g->host, "good: %lu traces, %lu ticks, %lu events",
			     g->traces, g->ticks, g->events);
	free(g);
}

static const struct cadet_detector_ops good_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "good",
	.description = "test plugin: events per container per tick",
	.params_help = "scale=1: factor applied to the count",
	.init = good_init,
	.on_trace_begin = good_trace_begin,
	.on_container = good_container,
	.on_event = good_event,
	.on_tick = good_tick,
	.fini = good_fini,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
	return &good_ops;
}
