// SPDX-License-Identifier: MIT
/*
 * sysfreq: the syscall mix of a container against its role's. Every
 * default trace has SYSCALL_HIST records (per container per interval:
 * (nr, count) pairs), so this needs no --syscall-seq stream.
 *
 * Per container, the counts of its last `span` records are summed (the
 * reference batch job works every 2 s: a window of 4 records is stable
 * where one is not) and made a distribution q over syscall numbers. A
 * role (container name across runs) learns p, the sum of all its
 * training windows' counts, smoothed by adding `alpha` to every syscall
 * any training window of any role made. The distance of a window is the
 * Hellinger distance
 *
 *   H(p, q) = sqrt(1 - sum_i sqrt(p_i q_i))     in [0, 1]
 *
 * and its score H / cal, cal the largest H of the role's training
 * windows (at least min_cal). The mix, not the volume: a container doing
 * the same thing faster is zscore's, a container doing something else
 * (a shell in a web server, a scanner's connects, ptrace) is this one's.
 *
 * Windows with fewer than min_calls syscalls are not scored (a handful of
 * calls is no distribution); nor are the first `warmup` records of a
 * container (start-up), nor a role no training run had.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"

#define SF_NR 512 /* syscall numbers; larger ones share the last bin */
#define SF_SPAN_MAX 16

struct sf_role {
	double cnt[SF_NR]; /* training counts, then p */
	struct det_rows wins; /* training windows (SF_NR counts each) */
	double cal;
	bool fitted;
};

struct sf_cont {
	char *name; /* first: see det_cont_get() */
	uint64_t records;
	bool fresh;
	uint64_t last_tick;
	size_t n, next;
	double win[SF_SPAN_MAX][SF_NR];
};

struct sf_state {
	const struct cadet_host *host;
	uint64_t span;
	uint64_t warmup;
	uint64_t min_calls;
	double alpha;
	double min_cal;
	enum cadet_phase phase;
	bool seen[SF_NR]; /* syscalls any training window made */
	struct det_map conts;
	struct role_models *roles; /* struct sf_role */
};

static void role_init(void *p)
{
	struct sf_role *r = p;

	r->wins.dim = SF_NR;
}

static void role_fini(void *p)
{
	struct sf_role *r = p;

	det_rows_release(&r->wins);
}

static void sf_fini(void *state)
{
	struct sf_state *s = state;

	if (!s)
		return;
	det_map_release(&s->conts, det_cont_free);
	role_models__free(s->roles);
	free(s);
}

static int sf_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = {"span",  "warmup",	"min_calls",
					    "alpha", "min_cal", NULL};
	static const char *const d = "sysfreq";
	struct sf_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	s->roles =
		role_models__new(sizeof(struct sf_role), role_init, role_fini);
	ret = s->roles ? 0 : -ENOMEM;
	if (!ret)
		ret = det_params_check(host, d, params, nparams, known);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "span", 4, 1,
				    SF_SPAN_MAX, &s->span);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "warmup", 3, 0,
				    1000000, &s->warmup);
	if (!ret)
		ret = det_param_u64(host, d, params, nparams, "min_calls", 20,
				    1, UINT32_MAX, &s->min_calls);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "alpha", 1, 0,
				       1e9, &s->alpha);
	if (!ret)
		ret = det_param_double(host, d, params, nparams, "min_cal",
				       0.05, 1e-6, 1, &s->min_cal);
	if (ret) {
		sf_fini(s);
		return ret;
	}
	*state = s;
	return 0;
}

static struct sf_cont *cont_get(struct sf_state *s, uint64_t cg,
				const char *name)
{
	return det_cont_get(&s->conts, cg, name, sizeof(struct sf_cont),
			    det_cont_free, NULL);
}

static int sf_container(void *state, const struct cadet_container_desc *d,
			int added)
{
	struct sf_state *s = state;
	struct sf_cont *c;

	if (!added)
		return 0;
	c = cont_get(s, d->cgroup_id, d->name);
	return c ? det_cont_rename(c, d->name) : -ENOMEM;
}

/* The @i-th u32 of the histogram (the field need not be 4-aligned). */
static uint32_t pair_u32(const char *base, size_t i)
{
	uint32_t v;

	memcpy(&v, base + i * sizeof(v), sizeof(v));
	return v;
}

static int sf_event(void *state, const struct cadet_rec *rec)
{
	const struct cadet_rec_syscall_hist *h = (const void *)rec;
	struct sf_state *s = state;
	const char *pairs;
	double *slot, total = 0;
	struct sf_cont *c;
	size_t np;

	if (rec->type != CADET_REC_SYSCALL_HIST || rec->size < sizeof(*h))
		return 0;
	if (h->hist.off + (uint64_t)h->hist.len > rec->size ||
	    h->hist.len % (2 * sizeof(uint32_t)))
		return 0; /* cadet check reports such records */
	pairs = (const char *)rec + h->hist.off;
	np = h->hist.len / (2 * sizeof(uint32_t));
	for (size_t i = 0; i < np; i++)
		total += pair_u32(pairs, 2 * i + 1);
	/* An empty record (a container with no task left) is not a sample. */
	if (!total)
		return 0;
	c = cont_get(s, rec->cgroup_id, NULL);
	if (!c)
		return -ENOMEM;
	if (++c->records <= s->warmup)
		return 0;
	slot = c->win[c->next];
	memset(slot, 0, sizeof(c->win[0]));
	for (size_t i = 0; i < np; i++) {
		uint32_t nr = pair_u32(pairs, 2 * i);

		slot[nr < SF_NR ? nr : SF_NR - 1] += pair_u32(pairs, 2 * i + 1);
	}
	c->next = (c->next + 1) % s->span;
	if (c->n < s->span)
		c->n++;
	c->fresh = true;
	return 0;
}

/* Hellinger distance of the window @q (counts) to the role's p. */
static double hellinger(const struct sf_role *r, const double *q)
{
	double tq = 0, bc = 0;

	for (int i = 0; i < SF_NR; i++)
		tq += q[i];
	if (tq <= 0)
		return 0;
	for (int i = 0; i < SF_NR; i++)
		if (q[i] > 0 && r->cnt[i] > 0)
			bc += sqrt(r->cnt[i] * q[i] / tq);
	return bc >= 1 ? 0 : sqrt(1 - bc);
}

static int sf_tick(void *state, uint64_t ts)
{
	struct sf_state *s = state;

	for (size_t k = 0; k < s->conts.n; k++) {
		struct sf_cont *c = s->conts.v[k].val;
		double q[SF_NR] = {0}, total = 0;
		struct sf_role *r;
		uint64_t start;

		if (!c->fresh)
			continue;
		c->fresh = false;
		start = c->last_tick ? c->last_tick : ts - DET_NSEC_PER_SEC;
		c->last_tick = ts;
		if (c->n < s->span)
			continue;
		for (size_t w = 0; w < c->n; w++)
			for (int i = 0; i < SF_NR; i++)
				q[i] += c->win[w][i];
		for (int i = 0; i < SF_NR; i++)
			total += q[i];
		if (total < (double)s->min_calls)
			continue;
		r = role_models__get(s->roles, c->name,
				     s->phase == CADET_PHASE_TRAIN);
		if (s->phase == CADET_PHASE_TRAIN) {
			if (!r)
				return -ENOMEM;
			for (int i = 0; i < SF_NR; i++) {
				r->cnt[i] += q[i];
				if (q[i] > 0)
					s->seen[i] = true;
			}
			/* Kept for the calibration, once p is known. */
			if (det_rows_add(&r->wins, q, 0))
				return -ENOMEM;
			continue;
		}
		if (!r || !r->fitted)
			continue;
		if (s->host->score)
			s->host->score(s->host, s->conts.v[k].key, start, ts,
				       hellinger(r, q) / r->cal);
	}
	return 0;
}

static int sf_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct sf_state *s = state;

	det_map_clear(&s->conts, det_cont_free);
	s->phase = t->phase;
	return 0;
}

static int sf_train_end(void *state)
{
	struct sf_state *s = state;

	for (size_t k = 0; k < role_models__cnt(s->roles); k++) {
		struct sf_role *r = role_models__model(s->roles, k);
		double t = 0;

		for (int i = 0; i < SF_NR; i++) {
			if (s->seen[i])
				r->cnt[i] += s->alpha;
			t += r->cnt[i];
		}
		for (int i = 0; i < SF_NR; i++)
			r->cnt[i] = t > 0 ? r->cnt[i] / t : 0;
		r->cal = s->min_cal;
		for (size_t w = 0; w < r->wins.n; w++)
			r->cal = fmax(r->cal,
				      hellinger(r, &r->wins.x[w * SF_NR]));
		det_rows_release(&r->wins);
		r->fitted = true;
		det_log(s->host,
			"sysfreq: role '%s': largest training "
			"distance %g",
			role_models__name(s->roles, k), r->cal);
	}
	return 0;
}

const struct cadet_detector_ops detector_sysfreq_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "sysfreq",
	.description = "syscall mix (SYSCALL_HIST) per container role: "
		       "Hellinger distance to the role's distribution",
	.params_help = "span=4: records per window; warmup=3: start-up "
		       "records left out; min_calls=20: least syscalls in a "
		       "window; alpha=1: smoothing count; min_cal=0.05: least "
		       "calibration distance",
	.init = sf_init,
	.on_trace_begin = sf_trace_begin,
	.on_container = sf_container,
	.on_event = sf_event,
	.on_tick = sf_tick,
	.train_end = sf_train_end,
	.fini = sf_fini,
};
