// SPDX-License-Identifier: MIT
/*
 * zscore: robust z-scores per container role over the rate features of
 * features.h (a sliding window of `span` METRICS records).
 *
 * A role is a container name across runs ("web" in every trace). Training
 * keeps every feature vector of every role; at train_end each role gets,
 * per feature f:
 *   med[f]     the median of its training vectors;
 *   spread[f]  the largest of 1.4826 MAD within the role, 1.4826 MAD of
 *              its per-run medians (how far a new run's level moves) and
 *              the feature's floor: 1.4826 MAD of every role's deviations
 *              from its own median, pooled (the feature's typical noise in
 *              this system), never below min_spread;
 *   cal[f]     the largest |x - med| / spread among the role's training
 *              vectors, never below zmin: a feature that is noisy for this
 *              role needs a larger excursion to count.
 * The score of a vector is max over f of |x - med| / spread / cal: 1 is
 * the most unusual training vector of the role on its most unusual
 * feature; the host's threshold (from validation) sits near it.
 *
 * The model does not adapt during validation or test: a lasting change
 * keeps scoring for as long as it lasts.
 *
 * A container whose name no training trace had learns its own model from
 * its first `learn` vectors (one run, cal = zmin) and scores after that.
 * The first `warmup` records of every container (a partial first interval
 * and the start-up burst) are not samples, nor is a teardown record
 * (features.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"
#include "detect/edge.h"

struct zs_model {
	double med[DET_NRF];
	double spread[DET_NRF];
	double cal[DET_NRF];
};

struct zs_role {
	struct det_rows rows; /* training vectors */
	struct zs_model m;
	bool fitted;
};

struct zs_cont {
	char *name; /* first: see det_cont_get() */
	struct det_rwin w;
	uint64_t records; /* METRICS records, edges left out */
	bool fresh; /* a record since the last tick */
	uint64_t last_tick;
	struct det_rows own; /* an unknown role's first vectors */
	struct zs_model m;
	bool own_fitted;
};

struct zs_state {
	const struct cadet_host *host;
	uint64_t span;
	uint64_t warmup;
	uint64_t learn;
	double min_spread;
	double zmin;
	enum cadet_phase phase;
	uint32_t run; /* training traces seen */
	bool trained;
	double floor[DET_NRF];
	struct det_map conts; /* cgroup id -> struct zs_cont */
	struct role_models *roles; /* struct zs_role */
};

static void cont_free(void *p)
{
	struct zs_cont *c = p;

	if (!c)
		return;
	det_rows_release(&c->own);
	det_cont_free(c);
}

static void role_init(void *p)
{
	struct zs_role *r = p;

	r->rows.dim = DET_NRF;
}

static void role_fini(void *p)
{
	struct zs_role *r = p;

	det_rows_release(&r->rows);
}

static void zs_fini(void *state)
{
	struct zs_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, cont_free);
	role_models__free(s->roles);
	free(s);
}

static int zs_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = {"span",	  "warmup", "learn",
					    "min_spread", "zmin",   NULL};
	static const char *const d = "zscore";
	struct zs_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	s->roles =
		role_models__new(sizeof(struct zs_role), role_init, role_fini);
	ret = s->roles ? 0 : -ENOMEM;
	if (!ret)
		ret = det_params_check(host, d, params, nparams, known);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "span", 4, 1,
				    DET_RWIN_MAX, &s->span);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "warmup", 3, 0,
				    1000000, &s->warmup);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "learn", 10, 2,
				    1000000, &s->learn);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "min_spread",
				       0.05, 1e-9, 1e6, &s->min_spread);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "zmin", 3,
				       1e-9, 1e6, &s->zmin);
	if (ret) {
		zs_fini(s);
		return ret;
	}
	for (int f = 0; f < DET_NRF; f++)
		s->floor[f] = s->min_spread;
	*state = s;
	return 0;
}

static struct zs_cont *cont_get(struct zs_state *s, uint64_t cg,
				const char *name)
{
	struct zs_cont *c;
	bool created;

	c = det_cont_get(&s->conts, cg, name, sizeof(*c), cont_free, &created);
	if (c && created) {
		det_rwin_init(&c->w, s->span);
		c->own.dim = DET_NRF;
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
	c = cont_get(s, d->cgroup_id, d->name);
	return c ? det_cont_rename(c, d->name) : -ENOMEM;
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
	if (det_edge_metrics_marked((const void *)rec))
		return 0;
	/* Start-up records never enter the window. */
	if (++c->records <= s->warmup)
		return 0;
	det_rwin_push(&c->w, (const void *)rec);
	c->fresh = true;
	return 0;
}

static double model_score(const struct zs_model *m, const double *x)
{
	double score = 0;

	for (int f = 0; f < DET_NRF; f++) {
		double z = fabs(x[f] - m->med[f]) / m->spread[f] / m->cal[f];

		if (z > score)
			score = z;
	}
	return score;
}

/* med and spread of @rows with the detector's floor; cal from @rows. */
static int model_fit(const struct zs_state *s, const struct det_rows *rows,
		     struct zs_model *m)
{
	int ret = det_robust_fit(rows->x, rows->run, rows->n, DET_NRF, s->floor,
				 m->med, m->spread);

	if (ret)
		return ret;
	det_rf_unit_floor(m->med, m->spread);
	for (int f = 0; f < DET_NRF; f++) {
		double mx = 0;

		for (size_t i = 0; i < rows->n; i++) {
			double z = fabs(rows->x[i * DET_NRF + f] - m->med[f]) /
				   m->spread[f];

			if (z > mx)
				mx = z;
		}
		m->cal[f] = mx > s->zmin ? mx : s->zmin;
	}
	return 0;
}

/* The model @c is scored against, NULL while an unknown role learns. */
static const struct zs_model *cont_model(struct zs_state *s, struct zs_cont *c,
					 const double *x, int *err)
{
	struct zs_role *r = role_models__get(s->roles, c->name, false);

	*err = 0;
	if (r && r->fitted)
		return &r->m;
	if (c->own_fitted)
		return &c->m;
	if (c->own.n < s->learn) {
		*err = det_rows_add(&c->own, x, 0);
		if (*err || c->own.n < s->learn)
			return NULL;
	}
	*err = model_fit(s, &c->own, &c->m);
	if (*err)
		return NULL;
	for (int f = 0; f < DET_NRF; f++)
		c->m.cal[f] = s->zmin;
	c->own_fitted = true;
	det_rows_release(&c->own);
	return NULL; /* its last learning vector is not scored */
}

static int zs_train_vec(struct zs_state *s, struct zs_cont *c, const double *x)
{
	struct zs_role *r = role_models__get(s->roles, c->name, true);

	return r ? det_rows_add(&r->rows, x, s->run) : -ENOMEM;
}

static int zs_tick(void *state, uint64_t ts)
{
	struct zs_state *s = state;

	for (size_t i = 0; i < s->conts.n; i++) {
		struct zs_cont *c = s->conts.v[i].val;
		const struct zs_model *m;
		double x[DET_NRF];
		uint64_t start;
		int err;

		if (!c->fresh)
			continue;
		c->fresh = false;
		start = c->last_tick && c->last_tick < ts
				? c->last_tick
				: det_rwin_start(&c->w);
		c->last_tick = ts;
		/* Only full windows: a periodic job is stable over a full one. */
		if (c->w.n < c->w.span)
			continue;
		det_rwin_features(&c->w, x);
		if (s->phase == CADET_PHASE_TRAIN) {
			err = zs_train_vec(s, c, x);
			if (err)
				return err;
			continue;
		}
		m = cont_model(s, c, x, &err);
		if (err)
			return err;
		if (m && s->host->score)
			s->host->score(s->host, s->conts.v[i].key, start, ts,
				       model_score(m, x));
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

static int zs_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct zs_state *s = state;

	if (s->phase == CADET_PHASE_TRAIN)
		s->run++;
	return 0;
}

/*
 * The floor of each feature: 1.4826 MAD of every training vector's
 * deviation from its role's median, pooled over the roles.
 */
static int zs_floor(struct zs_state *s)
{
	size_t total = 0, k;
	double *dev, *col, med[DET_NRF], spread[DET_NRF];
	int ret = 0;

	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		const struct zs_role *r = role_models__model(s->roles, i);

		total += r->rows.n;
	}
	if (!total)
		return 0;
	dev = malloc(total * DET_NRF * sizeof(*dev));
	col = malloc(total * sizeof(*col));
	if (!dev || !col) {
		ret = -ENOMEM;
		goto cleanup;
	}
	k = 0;
	for (size_t i = 0; i < role_models__cnt(s->roles) && !ret; i++) {
		const struct zs_role *role = role_models__model(s->roles, i);
		const struct det_rows *r = &role->rows;

		ret = det_robust_fit(r->x, r->run, r->n, DET_NRF, NULL, med,
				     spread);
		for (size_t j = 0; j < r->n && !ret; j++, k++)
			for (int f = 0; f < DET_NRF; f++)
				dev[k * DET_NRF + f] =
					fabs(r->x[j * DET_NRF + f] - med[f]);
	}
	for (int f = 0; f < DET_NRF && !ret; f++) {
		for (size_t j = 0; j < total; j++)
			col[j] = dev[j * DET_NRF + f];
		s->floor[f] = DET_MAD_SD * det_median(col, total);
		if (s->floor[f] < s->min_spread)
			s->floor[f] = s->min_spread;
		/* One event in a window moves a rate by log1p(1 / span):
		 * a single event is not a whole spread's excursion. */
		if (f != DET_RF_RSS && f != DET_RF_TASKS &&
		    s->floor[f] < log1p(1.0 / (double)s->span))
			s->floor[f] = log1p(1.0 / (double)s->span);
	}
cleanup:
	free(dev);
	free(col);
	return ret;
}

static int zs_train_end(void *state)
{
	struct zs_state *s = state;
	int ret = zs_floor(s);

	for (size_t i = 0; i < role_models__cnt(s->roles) && !ret; i++) {
		struct zs_role *r = role_models__model(s->roles, i);

		if (!r->rows.n)
			continue;
		ret = model_fit(s, &r->rows, &r->m);
		r->fitted = !ret;
		det_log(s->host, "zscore: role '%s': %zu training vectors",
			role_models__name(s->roles, i), r->rows.n);
	}
	s->trained = true;
	return ret;
}

const struct cadet_detector_ops detector_zscore_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "zscore",
	.description = "robust z-score (median/MAD) per container role over "
		       "METRICS rates and ratios (max over features)",
	.params_help = "span=4: METRICS records per window; warmup=3: first "
		       "records of a container left out; learn=10: vectors "
		       "an unknown role learns from; min_spread=0.05: least "
		       "spread (log units); zmin=3: least calibration",
	.init = zs_init,
	.on_trace_begin = zs_trace_begin,
	.on_container = zs_container,
	.on_event = zs_event,
	.on_tick = zs_tick,
	.on_trace_end = zs_trace_end,
	.train_end = zs_train_end,
	.fini = zs_fini,
};
