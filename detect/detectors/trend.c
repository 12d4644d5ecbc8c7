// SPDX-License-Identifier: MIT
/*
 * trend: slow sustained growth (memory leaks). Per container, the
 * Theil-Sen slope (median of pairwise slopes, robust to spikes) of
 * rss_bytes over the last `window` of trace time, in bytes per second.
 * The score of a tick is max(0, slope) / max(sd, min_growth), where sd is
 * the root mean square of the slopes seen on training containers of the
 * same name (all training containers when the name is new): "how many
 * times faster than normal jitter does memory grow". No score until the
 * window holds at least half its length of samples.
 *
 * An fd-count trend needs close events or an fd gauge, which METRICS does
 * not carry yet (opens alone grow with any file activity), so only RSS is
 * used.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"

#define TREND_MAX_POINTS 128    /* Theil-Sen on at most this many */

struct tr_train {
	double sumsq;
	uint64_t n;
};

struct tr_cont {
	char *name;             /* first: see det_cont_get() */
	bool have;              /* METRICS since the last tick */
	uint64_t rss;
	uint64_t first_ts;
	uint64_t *t;            /* ring of samples */
	double *y;
	size_t head;
	size_t n;
	size_t cap;
};

struct tr_state {
	const struct cadet_host *host;
	uint64_t window_ns;
	double min_growth;
	enum cadet_phase phase;
	struct det_map conts;
	struct det_names train; /* name -> struct tr_train */
	struct tr_train all;
	double *pairs;          /* scratch for Theil-Sen */
};

static void cont_free(void *p)
{
	struct tr_cont *c = p;

	if (!c)
		return;
	free(c->name);
	free(c->t);
	free(c->y);
	free(c);
}

static void tr_fini(void *state)
{
	struct tr_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, cont_free);
	det_names_release(&s->train, free);
	free(s->pairs);
	free(s);
}

static int tr_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = { "window", "min_growth", NULL };
	struct tr_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	ret = det_params_check(host, "trend", params, nparams, known);
	if (!ret)
		ret = det_param_duration(host, "trend", params, nparams,
					 "window", 60 * DET_NSEC_PER_SEC,
					 &s->window_ns);
	if (!ret)
		ret = det_param_double(host, "trend", params, nparams,
				       "min_growth", 16384, 1e-3, 1e15,
				       &s->min_growth);
	if (!ret) {
		s->pairs = malloc(TREND_MAX_POINTS * TREND_MAX_POINTS / 2 *
				  sizeof(*s->pairs));
		if (!s->pairs)
			ret = -ENOMEM;
	}
	if (ret) {
		tr_fini(s);
		return ret;
	}
	*state = s;
	return 0;
}

static struct tr_cont *cont_get(struct tr_state *s, uint64_t cg,
				const char *name)
{
	return det_cont_get(&s->conts, cg, name, sizeof(struct tr_cont),
			    cont_free, NULL);
}

static int tr_container(void *state, const struct cadet_container_desc *d,
			int added)
{
	struct tr_state *s = state;
	struct tr_cont *c;

	if (!added)
		return 0;
	c = det_map_get(&s->conts, d->cgroup_id);
	if (c && d->name && strcmp(c->name, d->name)) {
		char *nm = strdup(d->name);

		if (!nm)
			return -ENOMEM;
		free(c->name);
		c->name = nm;
		return 0;
	}
	return c || cont_get(s, d->cgroup_id, d->name) ? 0 : -ENOMEM;
}

static int tr_event(void *state, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *m = (const void *)rec;
	struct tr_state *s = state;
	struct tr_cont *c;

	if (rec->type != CADET_REC_METRICS || rec->size < sizeof(*m))
		return 0;
	c = cont_get(s, rec->cgroup_id, NULL);
	if (!c)
		return -ENOMEM;
	if (!c->have)
		c->first_ts = rec->ts;
	c->have = true;
	c->rss = m->rss_bytes;
	return 0;
}

static int push(struct tr_cont *c, uint64_t t, double y)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint64_t *nt = malloc(cap * sizeof(*nt));
		double *ny = malloc(cap * sizeof(*ny));

		if (!nt || !ny) {
			free(nt);
			free(ny);
			return -ENOMEM;
		}
		for (size_t i = 0; i < c->n; i++) {
			nt[i] = c->t[(c->head + i) % c->cap];
			ny[i] = c->y[(c->head + i) % c->cap];
		}
		free(c->t);
		free(c->y);
		c->t = nt;
		c->y = ny;
		c->head = 0;
		c->cap = cap;
	}
	c->t[(c->head + c->n) % c->cap] = t;
	c->y[(c->head + c->n) % c->cap] = y;
	c->n++;
	return 0;
}

/* Theil-Sen slope (per second) of the container's samples. */
static double theil_sen(struct tr_state *s, const struct tr_cont *c)
{
	size_t stride = (c->n + TREND_MAX_POINTS - 1) / TREND_MAX_POINTS;
	size_t np = 0;

	/* Subsample from the newest backwards so the latest is kept. */
	for (size_t a = 0; a < c->n; a += stride) {
		size_t i = (c->head + c->n - 1 - a) % c->cap;

		for (size_t b = a + stride; b < c->n; b += stride) {
			size_t j = (c->head + c->n - 1 - b) % c->cap;
			double dt = ((double)c->t[i] - (double)c->t[j]) /
				    DET_NSEC_PER_SEC;

			if (dt > 0)
				s->pairs[np++] = (c->y[i] - c->y[j]) / dt;
		}
	}
	return det_median(s->pairs, np);
}

static int tr_tick(void *state, uint64_t ts)
{
	struct tr_state *s = state;

	for (size_t k = 0; k < s->conts.n; k++) {
		struct tr_cont *c = s->conts.v[k].val;
		const struct tr_train *tt;
		double slope, sd;
		int ret;

		if (!c->have)
			continue;
		c->have = false;
		ret = push(c, ts, (double)c->rss);
		if (ret)
			return ret;
		while (c->n && c->t[c->head] + s->window_ns < ts) {
			c->head = (c->head + 1) % c->cap;
			c->n--;
		}
		if (c->n < 3 || ts - c->t[c->head] < s->window_ns / 2)
			continue;
		slope = theil_sen(s, c);
		if (s->phase == CADET_PHASE_TRAIN) {
			struct tr_train *t = det_names_get(&s->train, c->name);

			if (!t) {
				t = calloc(1, sizeof(*t));
				if (!t || det_names_put(&s->train, c->name, t)) {
					free(t);
					return -ENOMEM;
				}
			}
			t->sumsq += slope * slope;
			t->n++;
			s->all.sumsq += slope * slope;
			s->all.n++;
			continue;
		}
		tt = det_names_get(&s->train, c->name);
		if (!tt || !tt->n)
			tt = &s->all;
		sd = tt->n ? sqrt(tt->sumsq / tt->n) : 0;
		if (sd < s->min_growth)
			sd = s->min_growth;
		if (s->host->score)
			s->host->score(s->host, s->conts.v[k].key,
				       c->t[c->head], ts,
				       slope > 0 ? slope / sd : 0);
	}
	return 0;
}

static int tr_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct tr_state *s = state;

	det_map_clear(&s->conts, cont_free);
	s->phase = t->phase;
	return 0;
}

const struct cadet_detector_ops detector_trend_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "trend",
	.description = "sustained RSS growth per container (Theil-Sen slope "
		       "over a sliding window): leaks",
	.params_help = "window=60s: slope window; min_growth=16384: floor of "
		       "the normal slope spread, bytes/s",
	.init = tr_init,
	.on_trace_begin = tr_trace_begin,
	.on_container = tr_container,
	.on_event = tr_event,
	.on_tick = tr_tick,
	.fini = tr_fini,
};
