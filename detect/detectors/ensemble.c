// SPDX-License-Identifier: MIT
/*
 * ensemble: the three layers of the built-ins as one detector: rules
 * (known-bad actions), zscore (robust statistics per role) and iforest
 * (joint outliers per role), each run with its defaults inside this one.
 *
 * Every tick each container gets
 *
 *   score = max(z / Z, f / F, rules ? R : 0)
 *
 * z and f the zscore and iforest scores of the tick (their largest when a
 * component scores twice), Z and F the largest each reached on the
 * validation traces, rules whether a rule fired for the container since
 * the last tick. So the score passes 1 when a statistical component goes
 * beyond anything it saw on normal validation data, and a rule alert
 * scores R (default 2) at once.
 *
 * Validation: Z and F grow with each validation trace; the trace's
 * scores are held until its end and sent then, divided by the maxima so
 * far (every validation score is at most 1, or R where a rule fired on
 * normal data). The host's threshold (the largest validation score by
 * default) is therefore 1 when no rule fired during validation, and R
 * when one did: a rule set that is noisy on normal data is then muted,
 * as its alerts would be by any validation threshold.
 *
 * It sees what its components see (METRICS, SYSCALL_HIST, every record
 * for rules) and cannot catch what none of them catches.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "lib/util/vec.h"

enum { EN_RULES, EN_ZSCORE, EN_IFOREST, EN_N };

struct en_state;

struct en_sub {
	const struct cadet_detector_ops *ops;
	void *state;
	struct cadet_host host; /* host_data: this struct */
	struct en_state *s;
	int idx;
};

/* What the components said about a container since the last tick. */
struct en_pend {
	bool has[EN_N];
	double v[EN_N]; /* rules: 1 when a rule fired */
	uint64_t start;
};

/* A validation score held until its trace ends. */
struct en_held {
	uint64_t cg, start, end;
	double v[EN_N];
	bool has[EN_N];
};

struct en_state {
	const struct cadet_host *host;
	double rules_score;
	enum cadet_phase phase;
	struct en_sub sub[EN_N];
	struct det_map pend; /* cgroup id -> struct en_pend */
	struct en_held *held;
	size_t nheld, capheld;
	double vmax[EN_N]; /* validation maxima so far */
};

static struct en_pend *pend_get(struct en_state *s, uint64_t cg)
{
	struct en_pend *p = det_map_get(&s->pend, cg);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || det_map_put(&s->pend, cg, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static void sub_score(const struct cadet_host *h, uint64_t cg,
		      uint64_t win_start, uint64_t win_end, double value)
{
	struct en_sub *sub = h->host_data;
	struct en_pend *p = pend_get(sub->s, cg);

	if (!p)
		return; /* out of memory: the tick reports it */
	if (!p->has[sub->idx] || value > p->v[sub->idx])
		p->v[sub->idx] = value;
	if (!p->has[EN_RULES] && !p->has[EN_ZSCORE] && !p->has[EN_IFOREST])
		p->start = win_start;
	else if (win_start < p->start)
		p->start = win_start;
	p->has[sub->idx] = true;
}

static void sub_alert(const struct cadet_host *h, uint64_t ts, uint64_t cg,
		      enum cadet_severity sev, const char *reason)
{
	struct en_sub *sub = h->host_data;
	struct en_pend *p = pend_get(sub->s, cg);

	if (!p)
		return;
	if (!p->has[EN_RULES] && !p->has[EN_ZSCORE] && !p->has[EN_IFOREST])
		p->start = ts;
	else if (ts < p->start)
		p->start = ts;
	p->has[EN_RULES] = true;
	p->v[EN_RULES] = 1;
}

static void sub_log(const struct cadet_host *h, const char *fmt, ...)
{
	struct en_sub *sub = h->host_data;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	det_log(sub->s->host, "ensemble: %s", buf);
}

static void en_fini(void *state)
{
	struct en_state *s = state;

	if (!s)
		return;
	for (int i = 0; i < EN_N; i++)
		if (s->sub[i].state)
			s->sub[i].ops->fini(s->sub[i].state);
	det_map_release(&s->pend, free);
	free(s->held);
	free(s);
}

static int en_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	static const char *const known[] = {"rules_score", NULL};
	const struct cadet_detector_ops *ops[EN_N] = {&detector_rules_ops,
						      &detector_zscore_ops,
						      &detector_iforest_ops};
	struct en_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	ret = det_params_check(host, "ensemble", params, nparams, known);
	if (!ret)
		ret = det_param_double(host, "ensemble", params, nparams,
				       "rules_score", 2, 1e-6, 1e9,
				       &s->rules_score);
	for (int i = 0; i < EN_N && !ret; i++) {
		struct en_sub *sub = &s->sub[i];

		sub->ops = ops[i];
		sub->s = s;
		sub->idx = i;
		sub->host = (struct cadet_host){
			.sz = sizeof(sub->host),
			.host_data = sub,
			.score = sub_score,
			.alert = sub_alert,
			.log = sub_log,
		};
		/* Each component its own stream of the seed. */
		ret = sub->ops->init(&sub->state, &sub->host, NULL, 0,
				     seed + 0x9e3779b97f4a7c15ull * (i + 1));
	}
	if (ret) {
		en_fini(s);
		return ret;
	}
	*state = s;
	return 0;
}

/* Calls @fn of every component that has it; the first error stops. */
#define EN_EACH(s, fn, ...)                                                   \
	({                                                                    \
		int r_ = 0;                                                   \
		for (int i_ = 0; i_ < EN_N && !r_; i_++)                      \
			if ((s)->sub[i_].ops->fn)                             \
				r_ = (s)->sub[i_].ops->fn((s)->sub[i_].state, \
							  ##__VA_ARGS__);     \
		r_;                                                           \
	})

static int en_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct en_state *s = state;

	s->phase = t->phase;
	det_map_clear(&s->pend, free);
	s->nheld = 0;
	return EN_EACH(s, on_trace_begin, t);
}

static int en_container(void *state, const struct cadet_container_desc *c,
			int added)
{
	struct en_state *s = state;

	return EN_EACH(s, on_container, c, added);
}

static int en_event(void *state, const struct cadet_rec *rec)
{
	struct en_state *s = state;

	return EN_EACH(s, on_event, rec);
}

static double combine(const struct en_state *s, const bool *has,
		      const double *v)
{
	double score = 0;

	if (has[EN_RULES])
		score = s->rules_score;
	for (int i = EN_ZSCORE; i < EN_N; i++)
		if (has[i] && s->vmax[i] > 0)
			score = fmax(score, v[i] / s->vmax[i]);
	return score;
}

static int en_tick(void *state, uint64_t ts)
{
	struct en_state *s = state;
	int ret = EN_EACH(s, on_tick, ts);

	if (ret)
		return ret;
	for (size_t k = 0; k < s->pend.n; k++) {
		struct en_pend *p = s->pend.v[k].val;
		uint64_t cg = s->pend.v[k].key;

		if (!p->has[EN_RULES] && !p->has[EN_ZSCORE] &&
		    !p->has[EN_IFOREST])
			continue;
		if (s->phase == CADET_PHASE_VALIDATE) {
			struct en_held *h;

			if (vec_reserve(&s->held, &s->capheld, s->nheld + 1,
					sizeof(*s->held)))
				return -ENOMEM;
			h = &s->held[s->nheld++];
			h->cg = cg;
			h->start = p->start < ts ? p->start : ts - 1;
			h->end = ts;
			memcpy(h->v, p->v, sizeof(h->v));
			memcpy(h->has, p->has, sizeof(h->has));
		} else if (s->phase == CADET_PHASE_TEST && s->host->score) {
			s->host->score(s->host, cg,
				       p->start < ts ? p->start : ts - 1, ts,
				       combine(s, p->has, p->v));
		}
		memset(p, 0, sizeof(*p));
	}
	return 0;
}

static int en_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct en_state *s = state;
	int ret = EN_EACH(s, on_trace_end, t);

	if (ret || s->phase != CADET_PHASE_VALIDATE)
		return ret;
	/* The maxima with this trace, then its scores against them. */
	for (size_t k = 0; k < s->nheld; k++)
		for (int i = EN_ZSCORE; i < EN_N; i++)
			if (s->held[k].has[i])
				s->vmax[i] = fmax(s->vmax[i], s->held[k].v[i]);
	for (size_t k = 0; k < s->nheld && s->host->score; k++)
		s->host->score(s->host, s->held[k].cg, s->held[k].start,
			       s->held[k].end,
			       combine(s, s->held[k].has, s->held[k].v));
	s->nheld = 0;
	return 0;
}

static int en_train_end(void *state)
{
	struct en_state *s = state;

	return EN_EACH(s, train_end);
}

const struct cadet_detector_ops detector_ensemble_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "ensemble",
	.description = "rules, zscore and iforest as one: the largest of the "
		       "statistics over their validation maxima, rules alerts "
		       "at rules_score",
	.params_help = "rules_score=2: the score of a tick in which a rule "
		       "fired",
	.init = en_init,
	.on_trace_begin = en_trace_begin,
	.on_container = en_container,
	.on_event = en_event,
	.on_tick = en_tick,
	.on_trace_end = en_trace_end,
	.train_end = en_train_end,
	.fini = en_fini,
};
