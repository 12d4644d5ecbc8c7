// SPDX-License-Identifier: MIT
/*
 * trend: slow sustained growth (leaks of memory, tasks, files, disk) per
 * container role. Four signals per METRICS record: rss_bytes and
 * nr_tasks (gauges), and the running totals of opens and write_bytes (a
 * leak of fds or of disk space shows as a steady extra rate of opens or
 * writes; METRICS has no fd or disk-usage gauge).
 *
 * Two tests per signal, each compared with what the role did in training:
 *  - Theil-Sen slope (median of pairwise slopes: one spike does not move
 *    it) over the last `window` of trace time; z = (slope - med) / spread
 *    with med and spread of the role's training slopes (features.h's
 *    robust statistics: MAD within runs, spread of run medians, floor
 *    min_growth per signal); only growth counts (z > 0).
 *  - one-sided CUSUM of the record-to-record increments standardised by
 *    the role's training increments (median, spread), over the records
 *    of the last `window`:
 *      S = max(0, max over j in the window of sum_{i=j..now} (z_i - k))
 *    (the classic S = max(0, S + z - k) is the same maximum over every j
 *    since the start). It answers a change of level or rate sooner than
 *    a full window slope and keeps growing while the change lasts; the
 *    window bounds its memory, so it falls back at most `window` after
 *    the change ends (the unbounded one decays by k per record: after a
 *    burst of opens, whose training spread is the 0.05 floor, it stayed
 *    above threshold for minutes).
 * Each is divided by its largest value on the role's training runs (at
 * least zmin for the slope, h for the CUSUM); the score is the largest
 * of the eight. A role no training run had is not scored (a leak is
 * growth beyond what the role normally does: there is no "normally").
 *
 * The default window of 10 s fits the reference runs (30 s, anomalies of
 * 10 s starting 5-15 s in): a longer window would score a container once
 * or twice per run and mix the leak with the time before it.
 * The first `warmup` records of a container (start-up) and teardown
 * records are left out.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"
#include "detect/edge.h"
#include "lib/util/vec.h"

#define TR_NSIG 4
#define TR_MAX_POINTS 128 /* ring of samples: window / METRICS interval */

static const char *const tr_sig_names[TR_NSIG] = {"rss_bytes", "tasks", "opens",
						  "write_bytes"};

struct tr_role {
	struct det_rows slopes; /* per tick, TR_NSIG */
	struct det_rows incs; /* per record, TR_NSIG */
	double s_med[TR_NSIG], s_spread[TR_NSIG], s_cal[TR_NSIG];
	double d_med[TR_NSIG], d_spread[TR_NSIG], c_cal[TR_NSIG];
	uint64_t *inc_ts; /* per increment row: its record's time */
	size_t inc_ts_cap;
	bool fitted;
};

struct tr_cont {
	char *name; /* first: see det_cont_get() */
	uint64_t records;
	bool fresh;
	bool have_last;
	double y[TR_NSIG]; /* the newest record's signals */
	double last[TR_NSIG];
	double cusum[TR_NSIG];
	/* Standardised increments of the last window, for the CUSUM. */
	uint64_t zt[TR_MAX_POINTS];
	double zs[TR_MAX_POINTS][TR_NSIG];
	size_t zhead, zn;
	uint64_t t[TR_MAX_POINTS];
	double ys[TR_MAX_POINTS][TR_NSIG];
	size_t head, n;
	uint64_t last_tick;
};

struct tr_state {
	const struct cadet_host *host;
	uint64_t window_ns;
	uint64_t warmup;
	double k, h, zmin;
	double min_growth[TR_NSIG];
	enum cadet_phase phase;
	uint32_t run;
	struct det_map conts;
	struct role_models *roles; /* struct tr_role */
	double pairs[TR_MAX_POINTS * TR_MAX_POINTS / 2];
};

static void role_init(void *p)
{
	struct tr_role *r = p;

	r->slopes.dim = TR_NSIG;
	r->incs.dim = TR_NSIG;
}

static void role_fini(void *p)
{
	struct tr_role *r = p;

	det_rows_release(&r->slopes);
	det_rows_release(&r->incs);
	free(r->inc_ts);
}

static void tr_fini(void *state)
{
	struct tr_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, det_cont_free);
	role_models__free(s->roles);
	free(s);
}

static int tr_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = {"window", "warmup",	    "k", "h",
					    "zmin",   "min_growth", NULL};
	static const char *const d = "trend";
	struct tr_state *s = calloc(1, sizeof(*s));
	double g;
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	s->roles =
		role_models__new(sizeof(struct tr_role), role_init, role_fini);
	ret = s->roles ? 0 : -ENOMEM;
	if (!ret)
		ret = det_params_check(host, d, params, nparams, known);
	if (!ret)
		ret = det_param_duration(host, d, params, nparams, "window",
					 10 * DET_NSEC_PER_SEC, &s->window_ns);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "warmup", 3, 0,
				    1000000, &s->warmup);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "k", 0.5, 0,
				       100, &s->k);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "h", 5, 1e-3,
				       1e6, &s->h);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "zmin", 3,
				       1e-6, 1e6, &s->zmin);
	/* bytes/s of rss; the others scale from it: 1 task per 4096 s... */
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "min_growth",
				       4096, 1e-6, 1e12, &g);
	if (ret) {
		tr_fini(s);
		return ret;
	}
	/*
	 * Floors of the slope spread: min_growth bytes/s for rss and
	 * write_bytes, 0.05/s for the task count and for opens (one more in
	 * 20 s).
	 */
	s->min_growth[0] = g;
	s->min_growth[1] = 0.05;
	s->min_growth[2] = 0.05;
	s->min_growth[3] = g;
	*state = s;
	return 0;
}

static struct tr_cont *cont_get(struct tr_state *s, uint64_t cg,
				const char *name)
{
	return det_cont_get(&s->conts, cg, name, sizeof(struct tr_cont),
			    det_cont_free, NULL);
}

static int tr_container(void *state, const struct cadet_container_desc *d,
			int added)
{
	struct tr_state *s = state;
	struct tr_cont *c;

	if (!added)
		return 0;
	c = cont_get(s, d->cgroup_id, d->name);
	return c ? det_cont_rename(c, d->name) : -ENOMEM;
}

/*
 * The time rings of a container (samples, CUSUM increments): @t[] of
 * TR_MAX_POINTS, the oldest at *@head, *@n held. ring_add() makes room
 * for time @ts (dropping the oldest when full) and returns its slot.
 */
static size_t ring_add(uint64_t *t, size_t *head, size_t *n, uint64_t ts)
{
	size_t slot;

	if (*n == TR_MAX_POINTS) {
		*head = (*head + 1) % TR_MAX_POINTS;
		(*n)--;
	}
	slot = (*head + (*n)++) % TR_MAX_POINTS;
	t[slot] = ts;
	return slot;
}

/* Drops what is older than @window before @now. */
static void ring_expire(const uint64_t *t, size_t *head, size_t *n,
			uint64_t now, uint64_t window)
{
	while (*n && t[*head] + window < now) {
		*head = (*head + 1) % TR_MAX_POINTS;
		(*n)--;
	}
}

static int tr_event(void *state, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *m = (const void *)rec;
	struct tr_state *s = state;
	struct tr_cont *c;
	double d[TR_NSIG];

	if (rec->type != CADET_REC_METRICS || rec->size < sizeof(*m) ||
	    det_edge_metrics_marked(m))
		return 0;
	c = cont_get(s, rec->cgroup_id, NULL);
	if (!c)
		return -ENOMEM;
	c->y[0] = (double)m->rss_bytes;
	c->y[1] = (double)m->nr_tasks;
	c->y[2] += (double)m->opens;
	c->y[3] += (double)m->write_bytes;
	if (++c->records <= s->warmup || !c->have_last) {
		/* No increment before a first record to compare with. */
		memcpy(c->last, c->y, sizeof(c->last));
		c->have_last = true;
		c->fresh = c->records > s->warmup;
		return 0;
	}
	for (int i = 0; i < TR_NSIG; i++)
		d[i] = c->y[i] - c->last[i];
	memcpy(c->last, c->y, sizeof(c->last));
	c->fresh = true;
	if (s->phase == CADET_PHASE_TRAIN) {
		struct tr_role *r = role_models__get(s->roles, c->name, true);

		if (!r)
			return -ENOMEM;
		if (vec_reserve(&r->inc_ts, &r->inc_ts_cap, r->incs.n + 1,
				sizeof(*r->inc_ts)))
			return -ENOMEM;
		r->inc_ts[r->incs.n] = rec->ts;
		return det_rows_add(&r->incs, d, s->run);
	}
	{
		const struct tr_role *r =
			role_models__get(s->roles, c->name, false);
		size_t slot;

		if (!r || !r->fitted)
			return 0;
		slot = ring_add(c->zt, &c->zhead, &c->zn, rec->ts);
		for (int i = 0; i < TR_NSIG; i++)
			c->zs[slot][i] = (d[i] - r->d_med[i]) / r->d_spread[i];
		ring_expire(c->zt, &c->zhead, &c->zn, rec->ts, s->window_ns);
		for (int i = 0; i < TR_NSIG; i++) {
			double sum = 0, mx = 0;

			/* The largest sum of (z - k) ending now. */
			for (size_t a = c->zn; a-- > 0;) {
				size_t at = (c->zhead + a) % TR_MAX_POINTS;

				sum += c->zs[at][i] - s->k;
				mx = fmax(mx, sum);
			}
			c->cusum[i] = mx;
		}
	}
	return 0;
}

/* Theil-Sen slope (per second) of signal @sig of the window. */
static double theil_sen(struct tr_state *s, const struct tr_cont *c, int sig)
{
	size_t np = 0;

	for (size_t a = 0; a < c->n; a++) {
		size_t i = (c->head + a) % TR_MAX_POINTS;

		for (size_t b = a + 1; b < c->n; b++) {
			size_t j = (c->head + b) % TR_MAX_POINTS;
			double dt = ((double)c->t[j] - (double)c->t[i]) /
				    DET_NSEC_PER_SEC;

			if (dt > 0)
				s->pairs[np++] =
					(c->ys[j][sig] - c->ys[i][sig]) / dt;
		}
	}
	return det_median(s->pairs, np);
}

static double tr_score(const struct tr_state *s, const struct tr_role *r,
		       const struct tr_cont *c, const double *slope)
{
	double score = 0;

	for (int i = 0; i < TR_NSIG; i++) {
		double z =
			(slope[i] - r->s_med[i]) / r->s_spread[i] / r->s_cal[i];
		double cu = c->cusum[i] / r->c_cal[i];

		score = fmax(score, fmax(z, cu));
	}
	return score;
}

static int tr_tick(void *state, uint64_t ts)
{
	struct tr_state *s = state;

	for (size_t k = 0; k < s->conts.n; k++) {
		struct tr_cont *c = s->conts.v[k].val;
		const struct tr_role *r;
		double slope[TR_NSIG];
		uint64_t start;
		size_t slot;

		if (!c->fresh)
			continue;
		c->fresh = false;
		start = c->last_tick ? c->last_tick : ts - DET_NSEC_PER_SEC;
		c->last_tick = ts;
		slot = ring_add(c->t, &c->head, &c->n, ts);
		memcpy(c->ys[slot], c->y, sizeof(c->y));
		ring_expire(c->t, &c->head, &c->n, ts, s->window_ns);
		if (c->n < 3 || ts - c->t[c->head] < s->window_ns / 2)
			continue;
		for (int i = 0; i < TR_NSIG; i++)
			slope[i] = theil_sen(s, c, i);
		if (s->phase == CADET_PHASE_TRAIN) {
			struct tr_role *tr =
				role_models__get(s->roles, c->name, true);

			if (!tr || det_rows_add(&tr->slopes, slope, s->run))
				return -ENOMEM;
			continue;
		}
		r = role_models__get(s->roles, c->name, false);
		if (r && r->fitted && s->host->score)
			s->host->score(s->host, s->conts.v[k].key, start, ts,
				       tr_score(s, r, c, slope));
	}
	return 0;
}

static int tr_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct tr_state *s = state;

	det_map_clear(&s->conts, det_cont_free);
	s->phase = t->phase;
	return 0;
}

static int tr_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct tr_state *s = state;

	if (s->phase == CADET_PHASE_TRAIN)
		s->run++;
	return 0;
}

static int role_fit(const struct tr_state *s, struct tr_role *r)
{
	static const double inc_floor[TR_NSIG] = {4096, 0.05, 0.05, 4096};
	int ret;

	ret = det_robust_fit(r->slopes.x, r->slopes.run, r->slopes.n, TR_NSIG,
			     s->min_growth, r->s_med, r->s_spread);
	if (!ret)
		ret = det_robust_fit(r->incs.x, r->incs.run, r->incs.n, TR_NSIG,
				     inc_floor, r->d_med, r->d_spread);
	if (ret)
		return ret;
	for (int i = 0; i < TR_NSIG; i++) {
		double mx = s->zmin, cmax = s->h;

		for (size_t j = 0; j < r->slopes.n; j++)
			mx = fmax(mx,
				  (r->slopes.x[j * TR_NSIG + i] - r->s_med[i]) /
					  r->s_spread[i]);
		/*
		 * The CUSUM over each training run, as it runs in test: the
		 * largest sum of (z - k) over the records of the window
		 * ending at each record j (rows of a run are in time order).
		 */
		for (size_t j = 0; j < r->incs.n; j++) {
			double sum = 0;

			for (size_t a = j + 1; a-- > 0;) {
				if (r->incs.run[a] != r->incs.run[j] ||
				    r->inc_ts[a] + s->window_ns < r->inc_ts[j])
					break;
				sum += (r->incs.x[a * TR_NSIG + i] -
					r->d_med[i]) /
					       r->d_spread[i] -
				       s->k;
				cmax = fmax(cmax, sum);
			}
		}
		r->s_cal[i] = mx;
		r->c_cal[i] = cmax;
	}
	r->fitted = true;
	return 0;
}

static int tr_train_end(void *state)
{
	struct tr_state *s = state;

	for (size_t i = 0; i < role_models__cnt(s->roles); i++) {
		struct tr_role *r = role_models__model(s->roles, i);
		int ret;

		if (!r->slopes.n || !r->incs.n)
			continue;
		ret = role_fit(s, r);
		if (ret)
			return ret;
		for (int k = 0; k < TR_NSIG; k++)
			det_log(s->host,
				"trend: role '%s' %s: slope median %g "
				"spread %g cal %g; cusum cal %g",
				role_models__name(s->roles, i), tr_sig_names[k],
				r->s_med[k], r->s_spread[k], r->s_cal[k],
				r->c_cal[k]);
	}
	return 0;
}

const struct cadet_detector_ops detector_trend_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "trend",
	.description = "sustained growth per container role of rss, tasks, "
		       "opens and writes: Theil-Sen slope and CUSUM",
	.params_help = "window=10s: slope and CUSUM window; warmup=3: "
		       "start-up records left out; k=0.5: CUSUM drift; h=5: "
		       "least CUSUM calibration; zmin=3: least slope "
		       "calibration; min_growth=4096: floor of the slope "
		       "spread, bytes/s",
	.init = tr_init,
	.on_trace_begin = tr_trace_begin,
	.on_container = tr_container,
	.on_event = tr_event,
	.on_tick = tr_tick,
	.on_trace_end = tr_trace_end,
	.train_end = tr_train_end,
	.fini = tr_fini,
};
