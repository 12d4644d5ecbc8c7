// SPDX-License-Identifier: MIT
/*
 * zscore: exponentially weighted mean and variance per container per
 * METRICS feature (the log1p feature vector of detectors.h). At every
 * tick a container with METRICS since the last tick gets the score
 * max over features of |x - mean| / sd, computed before the update, then
 * mean and variance move towards x:
 *
 *   d = x - mean; mean += alpha d; var = (1 - alpha) (var + alpha d^2)
 *
 * sd is floored at min_sd (log1p units) so that a feature constant in
 * training does not give infinite scores.
 *
 * Training: each training container's statistics at the end of its trace
 * become the baseline of its container name (containers of the same name
 * in several training traces are pooled, weighted by their tick counts).
 * Validation and test: a container whose name has a baseline starts from
 * it and scores at once; an unknown name learns for `warmup` ticks first.
 * Either way the statistics keep adapting during validation and test, so
 * a lasting change stops scoring after roughly 1/alpha ticks.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"

struct zs_stats {
	uint64_t ticks;
	double mean[DET_NFEAT];
	double var[DET_NFEAT];
};

struct zs_cont {
	char *name;     /* first: see det_cont_get() */
	struct det_macc acc;
	uint64_t last_tick;
	struct zs_stats st;
};

struct zs_state {
	const struct cadet_host *host;
	double alpha;
	double min_sd;
	uint64_t warmup;
	enum cadet_phase phase;
	struct det_map conts;           /* cgroup id -> struct zs_cont */
	struct det_names baselines;     /* name -> struct zs_stats */
};

static void cont_free(void *p)
{
	struct zs_cont *c = p;

	if (!c)
		return;
	free(c->name);
	free(c);
}

static void zs_fini(void *state)
{
	struct zs_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, cont_free);
	det_names_release(&s->baselines, free);
	free(s);
}

static int zs_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = { "alpha", "warmup", "min_sd",
					     NULL };
	struct zs_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	ret = det_params_check(host, "zscore", params, nparams, known);
	if (!ret)
		ret = det_param_double(host, "zscore", params, nparams, "alpha",
				       0.05, 1e-6, 1, &s->alpha);
	if (!ret)
		ret = det_param_u64(host, "zscore", params, nparams, "warmup",
				    10, 1, 1000000, &s->warmup);
	if (!ret)
		ret = det_param_double(host, "zscore", params, nparams,
				       "min_sd", 0.1, 1e-9, 1e6, &s->min_sd);
	if (ret) {
		zs_fini(s);
		return ret;
	}
	*state = s;
	return 0;
}

static struct zs_cont *cont_get(struct zs_state *s, uint64_t cg,
				const char *name)
{
	const struct zs_stats *base;
	struct zs_cont *c;
	bool created;

	c = det_cont_get(&s->conts, cg, name, sizeof(*c), cont_free, &created);
	if (!c || !created)
		return c;
	base = s->phase == CADET_PHASE_TRAIN ?
		       NULL :
		       det_names_get(&s->baselines, c->name);
	if (base) {
		c->st = *base;
		/* A baseline counts as warmed up, however short. */
		if (c->st.ticks < s->warmup)
			c->st.ticks = s->warmup;
	}
	return c;
}

static int zs_container(void *state, const struct cadet_container_desc *d,
			int added)
{
	struct zs_state *s = state;
	struct zs_cont *c;

	if (!added)
		return 0;
	c = det_map_get(&s->conts, d->cgroup_id);
	if (c && !c->st.ticks && d->name && strcmp(c->name, d->name)) {
		/* Named after its first METRICS: take the name's baseline. */
		cont_free(det_map_del(&s->conts, d->cgroup_id));
		c = NULL;
	}
	return c || cont_get(s, d->cgroup_id, d->name) ? 0 : -ENOMEM;
}

static int zs_event(void *state, const struct cadet_rec *rec)
{
	struct zs_state *s = state;
	struct zs_cont *c;

	if (rec->type != CADET_REC_METRICS ||
	    rec->size < sizeof(struct cadet_rec_metrics))
		return 0;
	c = cont_get(s, rec->cgroup_id, NULL);
	if (!c)
		return -ENOMEM;
	det_macc_add(&c->acc, (const void *)rec);
	return 0;
}

/* Scores @x against @st and then updates @st with it. */
static double zs_step(const struct zs_state *s, struct zs_stats *st,
		      const double *x)
{
	double score = 0;

	for (int i = 0; i < DET_NFEAT; i++) {
		double d = x[i] - st->mean[i];
		double sd = sqrt(st->var[i]);
		double z;

		if (!st->ticks) {
			st->mean[i] = x[i];
			continue;
		}
		z = fabs(d) / (sd > s->min_sd ? sd : s->min_sd);
		if (z > score)
			score = z;
		st->mean[i] += s->alpha * d;
		st->var[i] = (1 - s->alpha) * (st->var[i] + s->alpha * d * d);
	}
	st->ticks++;
	return score;
}

static int zs_tick(void *state, uint64_t ts)
{
	struct zs_state *s = state;

	for (size_t i = 0; i < s->conts.n; i++) {
		struct zs_cont *c = s->conts.v[i].val;
		bool warm = c->st.ticks >= s->warmup;
		double x[DET_NFEAT], score;
		uint64_t start;

		if (!c->acc.n)
			continue;
		det_macc_features(&c->acc, x);
		start = c->last_tick && c->last_tick < ts ? c->last_tick :
							    c->acc.first_ts;
		score = zs_step(s, &c->st, x);
		if (warm && s->phase != CADET_PHASE_TRAIN && s->host->score)
			s->host->score(s->host, s->conts.v[i].key, start, ts,
				       score);
		memset(&c->acc, 0, sizeof(c->acc));
		c->last_tick = ts;
	}
	return 0;
}

static int zs_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct zs_state *s = state;

	det_map_clear(&s->conts, cont_free);
	s->phase = t->phase;
	return 0;
}

/* Pools @add into @into, weighted by their tick counts. */
static void stats_pool(struct zs_stats *into, const struct zs_stats *add)
{
	double n1 = into->ticks, n2 = add->ticks, n = n1 + n2;

	if (!add->ticks)
		return;
	for (int i = 0; i < DET_NFEAT; i++) {
		double d = add->mean[i] - into->mean[i];
		double m = into->mean[i] + d * n2 / n;

		into->var[i] = (n1 * into->var[i] + n2 * add->var[i]) / n +
			       d * d * n1 * n2 / (n * n);
		into->mean[i] = m;
	}
	into->ticks += add->ticks;
}

static int zs_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct zs_state *s = state;

	if (s->phase != CADET_PHASE_TRAIN)
		return 0;
	for (size_t i = 0; i < s->conts.n; i++) {
		struct zs_cont *c = s->conts.v[i].val;
		struct zs_stats *b = det_names_get(&s->baselines, c->name);

		if (!c->st.ticks)
			continue;
		if (b) {
			stats_pool(b, &c->st);
			continue;
		}
		b = malloc(sizeof(*b));
		if (!b)
			return -ENOMEM;
		*b = c->st;
		if (det_names_put(&s->baselines, c->name, b)) {
			free(b);
			return -ENOMEM;
		}
	}
	return 0;
}

const struct cadet_detector_ops detector_zscore_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "zscore",
	.description = "EWMA z-score per container over METRICS features "
		       "(max |z| per tick)",
	.params_help = "alpha=0.05: EWMA weight; warmup=10: ticks before "
		       "scoring an unknown container; min_sd=0.1: sd floor "
		       "(log1p units)",
	.init = zs_init,
	.on_trace_begin = zs_trace_begin,
	.on_container = zs_container,
	.on_event = zs_event,
	.on_tick = zs_tick,
	.on_trace_end = zs_trace_end,
	.fini = zs_fini,
};
