// SPDX-License-Identifier: MIT
/*
 * The evaluation proper: joins a replay's alerts and scores with the
 * ground truth of its test traces and computes every metric of
 * docs/metrics.md per detector, per scenario and overall.
 *
 * Per detector and trace, each container is evaluated on its own (its
 * alerts against its windows); the counts are then pooled (summed) over
 * the traces of a scenario and over all traces, and ratios are taken of
 * the pooled counts (micro-averaging), so a scenario with many windows
 * weighs more than one with few.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"

static const unsigned int default_pa_k[] = {0, 20, 50, 80, 100};

enum baseline_kind {
	NOT_BASELINE = 0,
	BASELINE_NULL,
	BASELINE_RANDOM,
	BASELINE_ALWAYS,
};

static const char *const baseline_names[] = {
	[BASELINE_NULL] = "null",
	[BASELINE_RANDOM] = "random",
	[BASELINE_ALWAYS] = "always",
};
#define NBASELINES (sizeof(baseline_names) / sizeof(baseline_names[0]))

static enum baseline_kind baseline_kind(const char *name, const char *spec)
{
	const char *s = spec ? strrchr(spec, ':') : NULL;

	s = s ? s + 1 : spec ? spec : "";
	for (size_t k = BASELINE_NULL; k < NBASELINES; k++)
		if (!strcmp(name, baseline_names[k]) ||
		    !strcmp(s, baseline_names[k]))
			return k;
	return NOT_BASELINE;
}

bool cadet_eval_is_baseline(const char *name, const char *spec)
{
	return baseline_kind(name, spec) != 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int push_latency(struct cadet_eval_stats *s, double v)
{
	if (vec_reserve(&s->latency_s, &s->cap_latency, s->nlatency + 1,
			sizeof(*s->latency_s)))
		return -ENOMEM;
	s->latency_s[s->nlatency++] = v;
	return 0;
}

static int push_scored(struct cadet_eval_stats *s, double v, bool pos)
{
	if (vec_reserve(&s->scored, &s->cap_scored, s->nscored + 1,
			sizeof(*s->scored)))
		return -ENOMEM;
	s->scored[s->nscored].value = v;
	s->scored[s->nscored].positive = pos;
	s->nscored++;
	s->positives += pos;
	return 0;
}

static int alert_cmp(const void *a, const void *b)
{
	const struct cadet_alert *x = a, *y = b;

	if (x->det != y->det)
		return x->det < y->det ? -1 : 1;
	if (x->trace != y->trace)
		return x->trace < y->trace ? -1 : 1;
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Scratch buffers reused across containers. */
struct scratch {
	struct cadet_span *spans;
	struct cadet_span *alarms;
	struct cadet_brange *real;
	struct cadet_brange *pred;
	size_t cap_ts, cap_w;
};

static int scratch_fit(struct scratch *s, size_t nts, size_t nw)
{
	if (nts > s->cap_ts) {
		void *a = realloc(s->alarms, nts * sizeof(*s->alarms));
		void *b = a ? realloc(s->pred, nts * sizeof(*s->pred)) : NULL;

		if (a)
			s->alarms = a;
		if (!b)
			return -ENOMEM;
		s->pred = b;
		s->cap_ts = nts;
	}
	if (nw > s->cap_w) {
		void *a = realloc(s->spans, nw * sizeof(*s->spans));
		void *b = a ? realloc(s->real, nw * sizeof(*s->real)) : NULL;

		if (a)
			s->spans = a;
		if (!b)
			return -ENOMEM;
		s->real = b;
		s->cap_w = nw;
	}
	return 0;
}

static void scratch_free(struct scratch *s)
{
	free(s->spans);
	free(s->alarms);
	free(s->real);
	free(s->pred);
}

/*
 * One container of one trace for one detector: @ts its sorted alert times,
 * @w its windows (sorted by start), @c its presence (may be NULL). Adds to
 * both @dst[0] (scenario) and @dst[1] (overall).
 */
static int eval_container(const struct cadet_eval *e, struct scratch *sc,
			  struct cadet_eval_stats **dst, const uint64_t *ts,
			  size_t nts, const struct cadet_truth_window *w,
			  size_t nw, const struct cadet_truth_container *c)
{
	size_t nalarms, ntrue = 0, nreal, npred, nspans;
	uint64_t normal = 0, exploit = UINT64_MAX;
	int err;

	for (size_t i = 0; i < nw; i++)
		if (w[i].span.start < exploit)
			exploit = w[i].span.start;

	err = scratch_fit(sc, nts, nw);
	if (err)
		return err;
	nalarms = cadet_alarms_merge(ts, nts, e->merge_gap_ns, sc->alarms);
	for (size_t a = 0; a < nalarms; a++)
		for (size_t i = 0; i < nw; i++) {
			struct cadet_span ext = {
				w[i].span.start,
				sat_add(w[i].span.end, e->grace_ns),
			};

			if (cadet_span_overlaps(sc->alarms[a], ext)) {
				ntrue++;
				break;
			}
		}
	/* normal time: presence outside [start, end + grace] */
	for (size_t i = 0; i < nw; i++) {
		sc->spans[i].start = w[i].span.start;
		sc->spans[i].end = sat_add(w[i].span.end, e->grace_ns);
	}
	nspans = cadet_spans_normalize(sc->spans, nw);
	if (c)
		normal = cadet_spans_minus_ns(c->presence, c->npresence,
					      sc->spans, nspans);
	/* bins: real ranges from the windows without grace */
	for (size_t i = 0; i < nw; i++)
		sc->spans[i] = w[i].span;
	nspans = cadet_spans_normalize(sc->spans, nw);
	nreal = cadet_bins_from_spans(sc->spans, nspans, e->bin_ns, sc->real);
	npred = cadet_bins_from_alerts(ts, nts, e->bin_ns, sc->pred);

	for (int k = 0; k < 2; k++) {
		struct cadet_eval_stats *s = dst[k];

		for (size_t i = 0; i < nw; i++) {
			uint64_t first;

			s->windows++;
			if (!cadet_first_alert_in(
				    ts, nts, w[i].span.start,
				    sat_add(w[i].span.end, e->grace_ns),
				    &first))
				continue;
			s->detected++;
			err = push_latency(s,
					   (double)(first - w[i].span.start) /
						   (double)NS_PER_S);
			if (err)
				return err;
		}
		s->alerts += nts;
		s->alarms += nalarms;
		s->true_alarms += ntrue;
		s->normal_ns += normal;
		cadet_point_add(&s->point, sc->real, nreal, sc->pred, npred);
		cadet_range_add(&s->range, &e->range, sc->real, nreal, sc->pred,
				npred);
		cadet_pa_add(&s->pa, sc->real, nreal, sc->pred, npred);
		cadet_lidds_add(&s->lidds, ts, nts, e->bin_ns, nw > 0, exploit);
	}
	return 0;
}

/* Windows of @cgroup in @t (sorted by cgroup): index of the first, count. */
static size_t windows_of(const struct cadet_truth *t, uint64_t cgroup,
			 size_t *first)
{
	size_t l = 0, r = t->nwindows, n = 0;

	while (l < r) {
		size_t m = l + (r - l) / 2;

		if (t->windows[m].cgroup_id < cgroup)
			l = m + 1;
		else
			r = m;
	}
	*first = l;
	while (l + n < t->nwindows && t->windows[l + n].cgroup_id == cgroup)
		n++;
	return n;
}

/*
 * One trace for one detector. @al: this detector's alerts in this trace,
 * sorted by cgroup then ts.
 */
static int eval_trace(const struct cadet_eval *e, struct scratch *sc,
		      struct cadet_eval_stats **dst,
		      const struct cadet_truth *t, const struct cadet_alert *al,
		      size_t nal)
{
	size_t n = 0, ncg = 0, a = 0;
	uint64_t *cg, *ts;
	int err = 0;

	/* every container that has presence, windows or alerts */
	cg = malloc((t->ncontainers + t->nwindows + nal + 1) * sizeof(*cg));
	ts = malloc((nal + 1) * sizeof(*ts));
	if (!cg || !ts) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nal; i++)
		ts[i] = al[i].ts;
	for (size_t i = 0; i < t->ncontainers; i++)
		cg[n++] = t->containers[i].cgroup_id;
	for (size_t i = 0; i < t->nwindows; i++)
		cg[n++] = t->windows[i].cgroup_id;
	for (size_t i = 0; i < nal; i++)
		cg[n++] = al[i].cgroup_id;
	qsort(cg, n, sizeof(*cg), u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (!ncg || cg[ncg - 1] != cg[i])
			cg[ncg++] = cg[i];

	for (size_t i = 0; i < ncg && !err; i++) {
		size_t wfirst, nw = windows_of(t, cg[i], &wfirst), nts = 0;

		while (a < nal && al[a].cgroup_id < cg[i])
			a++;
		while (a + nts < nal && al[a + nts].cgroup_id == cg[i])
			nts++;
		err = eval_container(e, sc, dst, ts + a, nts,
				     t->windows + wfirst, nw,
				     cadet_truth__container(t, cg[i]));
		a += nts;
	}
cleanup:
	free(cg);
	free(ts);
	return err;
}

/* Label a score window: positive if it overlaps a window of its container. */
static bool score_positive(const struct cadet_truth *t,
			   const struct cadet_score *s)
{
	size_t first, nw = windows_of(t, s->cgroup_id, &first);
	/* [win_start, win_end) as a closed span; an empty one is a point */
	struct cadet_span sw = {
		s->win_start,
		s->win_end > s->win_start ? s->win_end - 1 : s->win_start,
	};

	for (size_t i = 0; i < nw; i++)
		if (cadet_span_overlaps(sw, t->windows[first + i].span))
			return true;
	return false;
}

static void derive(const struct cadet_eval *e, struct cadet_eval_stats *s)
{
	double p, r;

	s->detection_rate = cadet_ratio(s->detected, s->windows);
	s->precision = cadet_ratio(s->true_alarms, s->alarms);
	s->f1 = cadet_f1(s->precision, s->detection_rate);
	s->false_alarms_per_hour = cadet_ratio(s->alarms - s->true_alarms,
					       s->normal_ns / (double)NS_PER_H);
	s->latency_median_s = cadet_quantile(s->latency_s, s->nlatency, 0.5);
	s->latency_p95_s = cadet_quantile(s->latency_s, s->nlatency, 0.95);
	cadet_auc(s->scored, s->nscored, &s->auc_pr, &s->auc_roc);

	s->point_precision =
		cadet_ratio(s->point.tp, s->point.tp + s->point.fp);
	s->point_recall = cadet_ratio(s->point.tp, s->point.tp + s->point.fn);
	s->point_f1 = cadet_f1(s->point_precision, s->point_recall);
	s->range_precision =
		cadet_ratio(s->range.precision_sum, s->range.npred);
	s->range_recall = cadet_ratio(s->range.recall_sum, s->range.nreal);
	s->range_f1 = cadet_f1(s->range_precision, s->range_recall);
	for (size_t k = 0; k < e->npa_k; k++) {
		p = cadet_ratio(s->pa.tp[k], s->pa.tp[k] + s->pa.fp);
		r = cadet_ratio(s->pa.tp[k], s->pa.tp[k] + s->pa.fn[k]);
		s->pa_f1[k] = cadet_f1(p, r);
	}
	s->recording_detection_rate = cadet_ratio(s->lidds.detected_recordings,
						  s->lidds.exploit_recordings);
}

static void stats_free(struct cadet_eval_stats *s)
{
	free(s->scenario);
	free(s->latency_s);
	free(s->scored);
}

void cadet_eval__free(struct cadet_eval *e)
{
	if (!e)
		return;
	for (size_t d = 0; d < e->ndets; d++) {
		struct cadet_eval_det *ed = &e->dets[d];

		if (ed->per_scenario)
			for (size_t i = 0; i < e->nscenarios; i++)
				stats_free(&ed->per_scenario[i]);
		free(ed->per_scenario);
		stats_free(&ed->overall);
	}
	for (size_t i = 0; i < e->nscenarios; i++)
		free(e->scenarios[i]);
	free(e->scenarios);
	free(e->trace_scenario);
	free(e->dets);
	free(e->cadet_version);
	free(e);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int setup(struct cadet_eval *e, const struct cadet_results *r,
		 struct cadet_truth *const *truths,
		 const struct cadet_eval_opts *o)
{
	size_t n = 0;

	e->grace_ns = o->no_grace   ? 0
		      : o->grace_ns ? o->grace_ns
				    : CADET_EVAL_GRACE_NS_DEFAULT;
	e->merge_gap_ns = o->no_merge	    ? 0
			  : o->merge_gap_ns ? o->merge_gap_ns
					    : CADET_EVAL_GAP_NS_DEFAULT;
	e->bin_ns = o->bin_ns ? o->bin_ns : CADET_EVAL_BIN_NS_DEFAULT;
	e->range = o->range;
	if (o->pa_k && o->npa_k) {
		e->npa_k =
			o->npa_k > CADET_PA_MAX_K ? CADET_PA_MAX_K : o->npa_k;
		memcpy(e->pa_k, o->pa_k, e->npa_k * sizeof(*e->pa_k));
	} else {
		e->npa_k = sizeof(default_pa_k) / sizeof(default_pa_k[0]);
		memcpy(e->pa_k, default_pa_k, sizeof(default_pa_k));
	}
	e->cadet_version = strdup(r->cadet_version ? r->cadet_version : "");
	e->scenarios = calloc(r->ntraces + 1, sizeof(*e->scenarios));
	e->trace_scenario = calloc(r->ntraces + 1, sizeof(*e->trace_scenario));
	e->dets = calloc(r->ndets + 1, sizeof(*e->dets));
	if (!e->cadet_version || !e->scenarios || !e->trace_scenario ||
	    !e->dets)
		return -ENOMEM;

	/* distinct scenario names, sorted */
	for (size_t i = 0; i < r->ntraces; i++) {
		bool seen = false;

		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(e->scenarios[j], truths[i]->scenario);
		if (seen)
			continue;
		e->scenarios[n] = strdup(truths[i]->scenario);
		if (!e->scenarios[n])
			return -ENOMEM;
		e->nscenarios = ++n;
	}
	qsort(e->scenarios, n, sizeof(*e->scenarios), str_cmp);
	for (size_t i = 0; i < r->ntraces; i++)
		for (size_t j = 0; j < n; j++)
			if (!strcmp(e->scenarios[j], truths[i]->scenario))
				e->trace_scenario[i] = j;

	e->ndets = r->ndets;
	for (size_t d = 0; d < r->ndets; d++) {
		struct cadet_eval_det *ed = &e->dets[d];

		ed->det = &r->dets[d];
		ed->baseline = cadet_eval_is_baseline(r->dets[d].name,
						      r->dets[d].spec);
		ed->per_scenario = calloc(n + 1, sizeof(*ed->per_scenario));
		if (!ed->per_scenario)
			return -ENOMEM;
		cadet_pa_init(&ed->overall.pa, e->pa_k, e->npa_k);
		for (size_t i = 0; i < n; i++) {
			ed->per_scenario[i].scenario = strdup(e->scenarios[i]);
			if (!ed->per_scenario[i].scenario)
				return -ENOMEM;
			cadet_pa_init(&ed->per_scenario[i].pa, e->pa_k,
				      e->npa_k);
		}
	}
	return 0;
}

static int compute(struct cadet_eval *e, const struct cadet_results *r,
		   struct cadet_truth *const *truths)
{
	struct cadet_alert *al = NULL;
	struct scratch sc = {};
	size_t a = 0;
	int err = 0;

	if (r->nalerts) {
		al = malloc(r->nalerts * sizeof(*al));
		if (!al)
			return -ENOMEM;
		memcpy(al, r->alerts, r->nalerts * sizeof(*al));
		qsort(al, r->nalerts, sizeof(*al), alert_cmp);
	}
	for (size_t d = 0; d < r->ndets && !err; d++) {
		struct cadet_eval_det *ed = &e->dets[d];

		for (size_t t = 0; t < r->ntraces && !err; t++) {
			struct cadet_eval_stats *dst[2] = {
				&ed->per_scenario[e->trace_scenario[t]],
				&ed->overall,
			};
			size_t n = 0;

			while (a < r->nalerts &&
			       (al[a].det < d ||
				(al[a].det == d && al[a].trace < t)))
				a++;
			while (a + n < r->nalerts && al[a + n].det == d &&
			       al[a + n].trace == t)
				n++;
			dst[0]->traces++;
			dst[1]->traces++;
			err = eval_trace(e, &sc, dst, truths[t], al + a, n);
			a += n;
		}
	}
	for (size_t i = 0; i < r->nscores && !err; i++) {
		const struct cadet_score *s = &r->scores[i];
		struct cadet_eval_det *ed = &e->dets[s->det];
		bool pos = score_positive(truths[s->trace], s);

		err = push_scored(
			&ed->per_scenario[e->trace_scenario[s->trace]],
			s->value, pos);
		if (!err)
			err = push_scored(&ed->overall, s->value, pos);
	}
	for (size_t d = 0; d < e->ndets && !err; d++) {
		for (size_t i = 0; i < e->nscenarios; i++)
			derive(e, &e->dets[d].per_scenario[i]);
		derive(e, &e->dets[d].overall);
	}
	scratch_free(&sc);
	free(al);
	return err;
}

struct cadet_eval *cadet_eval__compute(const struct cadet_results *r,
				       struct cadet_truth *const *truths,
				       const struct cadet_eval_opts *opts)
{
	struct cadet_eval_opts o = {};
	struct cadet_eval *e;
	int err;

	if (opts) {
		if (opts->sz < CADET_EVAL_OPTS_SZ_MIN) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (o.range.alpha < 0 || o.range.alpha > 1) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	err = setup(e, r, truths, &o);
	if (!err)
		err = compute(e, r, truths);
	if (err) {
		cadet_eval__free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

const struct cadet_eval_stats *cadet_eval__stats(const struct cadet_eval *e,
						 size_t d, const char *name)
{
	if (d >= e->ndets)
		return NULL;
	if (!name)
		return &e->dets[d].overall;
	for (size_t i = 0; i < e->nscenarios; i++)
		if (!strcmp(e->scenarios[i], name))
			return &e->dets[d].per_scenario[i];
	return NULL;
}

/* ---- eval.json ---- */

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *stats_json(const struct cadet_eval *e,
			  const struct cadet_eval_stats *s)
{
	json_t *o = json_object(), *pa = json_object();
	char key[16];

	if (!o || !pa)
		goto err_free;
	if (s->scenario)
		json_object_set_new(o, "scenario", json_string(s->scenario));
	json_object_set_new(o, "traces", json_integer(s->traces));
	json_object_set_new(o, "windows", json_integer(s->windows));
	json_object_set_new(o, "detected", json_integer(s->detected));
	json_object_set_new(o, "detection_rate", jnum(s->detection_rate));
	json_object_set_new(o, "alerts", json_integer(s->alerts));
	json_object_set_new(o, "alarms", json_integer(s->alarms));
	json_object_set_new(o, "true_alarms", json_integer(s->true_alarms));
	json_object_set_new(o, "false_alarms",
			    json_integer(s->alarms - s->true_alarms));
	json_object_set_new(o, "precision", jnum(s->precision));
	json_object_set_new(o, "f1", jnum(s->f1));
	json_object_set_new(o, "normal_hours",
			    json_real(s->normal_ns / (double)NS_PER_H));
	json_object_set_new(o, "false_alarms_per_hour",
			    jnum(s->false_alarms_per_hour));
	json_object_set_new(o, "latency_median_s", jnum(s->latency_median_s));
	json_object_set_new(o, "latency_p95_s", jnum(s->latency_p95_s));
	json_object_set_new(o, "score_windows", json_integer(s->nscored));
	json_object_set_new(o, "score_positives", json_integer(s->positives));
	json_object_set_new(o, "auc_pr", jnum(s->auc_pr));
	json_object_set_new(o, "auc_roc", jnum(s->auc_roc));
	json_object_set_new(o, "point_precision", jnum(s->point_precision));
	json_object_set_new(o, "point_recall", jnum(s->point_recall));
	json_object_set_new(o, "point_f1", jnum(s->point_f1));
	json_object_set_new(o, "range_precision", jnum(s->range_precision));
	json_object_set_new(o, "range_recall", jnum(s->range_recall));
	json_object_set_new(o, "range_f1", jnum(s->range_f1));
	json_object_set_new(o, "recordings",
			    json_integer(s->lidds.exploit_recordings +
					 s->lidds.normal_recordings));
	json_object_set_new(o, "exploit_recordings",
			    json_integer(s->lidds.exploit_recordings));
	json_object_set_new(o, "detected_recordings",
			    json_integer(s->lidds.detected_recordings));
	json_object_set_new(o, "recording_detection_rate",
			    jnum(s->recording_detection_rate));
	json_object_set_new(o, "cfa", json_integer(s->lidds.cfa));
	for (size_t k = 0; k < e->npa_k; k++) {
		snprintf(key, sizeof(key), "%u", e->pa_k[k]);
		json_object_set_new(pa, key, jnum(s->pa_f1[k]));
	}
	json_object_set_new(o, "pa_k", pa);
	return o;

err_free:
	json_decref(o);
	json_decref(pa);
	return NULL;
}

json_t *cadet_eval__to_json(const struct cadet_eval *e)
{
	json_t *root = json_object(), *dets = json_array();
	json_t *overall = json_object(), *settings = json_object();
	json_t *pak = json_array();

	if (!root || !dets || !overall || !settings || !pak)
		goto err_free;
	for (size_t d = 0; d < e->ndets; d++) {
		const struct cadet_eval_det *ed = &e->dets[d];
		const struct cadet_eval_stats *s = &ed->overall;
		json_t *o = json_object(), *ps = json_array(), *sum;

		if (!o || !ps) {
			json_decref(o);
			json_decref(ps);
			goto err_free;
		}
		json_object_set_new(o, "detector", json_string(ed->det->key));
		json_object_set_new(o, "name", json_string(ed->det->name));
		json_object_set_new(o, "spec", json_string(ed->det->spec));
		json_object_set_new(o, "baseline", json_boolean(ed->baseline));
		json_object_set(o, "params", ed->det->params);
		json_object_set_new(o, "threshold", jnum(ed->det->threshold));
		for (size_t i = 0; i < e->nscenarios; i++)
			json_array_append_new(
				ps, stats_json(e, &ed->per_scenario[i]));
		json_object_set_new(o, "per_scenario", ps);
		json_object_set_new(o, "overall", stats_json(e, s));
		json_array_append_new(dets, o);

		sum = json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:b}", "f1",
			jnum(s->f1), "detection_rate", jnum(s->detection_rate),
			"precision", jnum(s->precision), "point_precision",
			jnum(s->point_precision), "recording_detection_rate",
			jnum(s->recording_detection_rate), "latency_median_s",
			jnum(s->latency_median_s), "cfa",
			(json_int_t)s->lidds.cfa, "baseline", ed->baseline);
		json_object_set_new(overall, ed->det->key, sum);
	}
	json_object_set_new(overall, "grace_s",
			    json_real(e->grace_ns / (double)NS_PER_S));
	json_object_set_new(overall, "merge_gap_s",
			    json_real(e->merge_gap_ns / (double)NS_PER_S));
	json_object_set_new(overall, "bin_s",
			    json_real(e->bin_ns / (double)NS_PER_S));

	for (size_t k = 0; k < e->npa_k; k++)
		json_array_append_new(pak, json_integer(e->pa_k[k]));
	json_object_set_new(settings, "grace_s",
			    json_real(e->grace_ns / (double)NS_PER_S));
	json_object_set_new(settings, "merge_gap_s",
			    json_real(e->merge_gap_ns / (double)NS_PER_S));
	json_object_set_new(settings, "bin_s",
			    json_real(e->bin_ns / (double)NS_PER_S));
	json_object_set_new(settings, "range_alpha", json_real(e->range.alpha));
	json_object_set_new(settings, "range_bias",
			    json_string(cadet_range_bias_name(e->range.bias)));
	json_object_set_new(settings, "range_cardinality",
			    json_string(cadet_range_card_name(e->range.card)));
	json_object_set_new(settings, "pa_k", pak);
	json_object_set_new(settings, "auc_pr",
			    json_string("average precision, step-wise"));
	json_object_set_new(settings, "latency_quantiles",
			    json_string("linear interpolation (type 7)"));
	pak = NULL;

	json_object_set_new(root, "cadet_version",
			    json_string(e->cadet_version));
	json_object_set_new(root, "settings", settings);
	json_object_set_new(root, "detectors", dets);
	json_object_set_new(root, "overall", overall);
	return root;

err_free:
	json_decref(root);
	json_decref(dets);
	json_decref(overall);
	json_decref(settings);
	json_decref(pak);
	return NULL;
}

/* ---- eval.md ---- */

static void md_num(FILE *f, double v, const char *fmt)
{
	fputs(" | ", f);
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs("n/a", f);
}

static void md_row(FILE *f, const struct cadet_eval_det *ed,
		   const char *scenario, const struct cadet_eval_stats *s)
{
	fprintf(f, "| %s%s | %s | %llu/%llu", ed->det->key,
		ed->baseline ? " (baseline)" : "", scenario,
		(unsigned long long)s->detected,
		(unsigned long long)s->windows);
	md_num(f, s->detection_rate, "%.3f");
	md_num(f, s->precision, "%.3f");
	md_num(f, s->point_precision, "%.3f");
	md_num(f, s->f1, "%.3f");
	md_num(f, s->false_alarms_per_hour, "%.2f");
	md_num(f, s->recording_detection_rate, "%.3f");
	fprintf(f, " | %llu", (unsigned long long)s->lidds.cfa);
	md_num(f, s->latency_median_s, "%.2f");
	fputs(" |\n", f);
}

/* Real detectors first, then the baselines, so each scenario group ends
 * with the rows to compare against. */
static void md_group(FILE *f, const struct cadet_eval *e, ssize_t scen)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t d = 0; d < e->ndets; d++) {
			const struct cadet_eval_det *ed = &e->dets[d];

			if (ed->baseline != (pass == 1))
				continue;
			if (scen < 0)
				md_row(f, ed, "**overall**", &ed->overall);
			else
				md_row(f, ed, e->scenarios[scen],
				       &ed->per_scenario[scen]);
		}
}

int cadet_eval__write_md(const struct cadet_eval *e, FILE *f)
{
	bool has[NBASELINES] = {};
	char missing[64] = "";
	size_t nmissing = 0;

	for (size_t d = 0; d < e->ndets; d++)
		has[baseline_kind(e->dets[d].det->name, e->dets[d].det->spec)] =
			true;
	for (size_t k = BASELINE_NULL; k < NBASELINES; k++)
		if (!has[k]) {
			size_t len = strlen(missing);

			snprintf(missing + len, sizeof(missing) - len, "%s%s",
				 nmissing ? ", " : "", baseline_names[k]);
			nmissing++;
		}
	fprintf(f, "# Evaluation\n\n");
	if (e->merge_gap_ns)
		fprintf(f,
			"Grace %.3g s after each anomaly window, alerts merged "
			"into alarms when at most %.3g s apart, time bins of "
			"%.3g s; definitions in docs/metrics.md.\n\n",
			e->grace_ns / (double)NS_PER_S,
			e->merge_gap_ns / (double)NS_PER_S,
			e->bin_ns / (double)NS_PER_S);
	else
		fprintf(f,
			"Grace %.3g s after each anomaly window, every alert "
			"an alarm of its own (no merging), time bins of "
			"%.3g s; definitions in docs/metrics.md.\n\n",
			e->grace_ns / (double)NS_PER_S,
			e->bin_ns / (double)NS_PER_S);
	if (nmissing)
		fprintf(f,
			"**Note:** these results lack the %s baseline%s; "
			"replay with %s to compare against chance and against "
			"alarming everywhere.\n\n",
			missing, nmissing > 1 ? "s" : "",
			nmissing > 1 ? "them" : "it");
	fprintf(f,
		"Precision is over merged alarms, point P over time bins "
		"(an alert on every bin scores its share of anomalous "
		"bins); Rec. DR and CFA are LID-DS's per-recording detection "
		"rate and consecutive false alarms. The `always` row "
		"shows what each column gives a detector that alerts "
		"everywhere.\n\n");
	fprintf(f, "| Detector | Scenario | Detected | Detection rate | "
		   "Precision | Point P | F1 | False alarms/h | Rec. DR | "
		   "CFA | Latency median (s) |\n");
	fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < e->nscenarios; i++)
		md_group(f, e, (ssize_t)i);
	md_group(f, e, -1);

	fprintf(f, "\n## Overall, all metrics\n\n");
	fprintf(f, "| Detector | Point P | Point R | Point F1 | Range P | "
		   "Range R |");
	for (size_t k = 0; k < e->npa_k; k++)
		fprintf(f, " F1 PA%%%u |", e->pa_k[k]);
	fprintf(f, " AUC-PR | AUC-ROC | Latency p95 (s) |\n|---|");
	for (size_t k = 0; k < e->npa_k + 8; k++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (int pass = 0; pass < 2; pass++)
		for (size_t d = 0; d < e->ndets; d++) {
			const struct cadet_eval_det *ed = &e->dets[d];
			const struct cadet_eval_stats *s = &ed->overall;

			if (ed->baseline != (pass == 1))
				continue;
			fprintf(f, "| %s%s", ed->det->key,
				ed->baseline ? " (baseline)" : "");
			md_num(f, s->point_precision, "%.3f");
			md_num(f, s->point_recall, "%.3f");
			md_num(f, s->point_f1, "%.3f");
			md_num(f, s->range_precision, "%.3f");
			md_num(f, s->range_recall, "%.3f");
			for (size_t k = 0; k < e->npa_k; k++)
				md_num(f, s->pa_f1[k], "%.3f");
			md_num(f, s->auc_pr, "%.3f");
			md_num(f, s->auc_roc, "%.3f");
			md_num(f, s->latency_p95_s, "%.2f");
			fputs(" |\n", f);
		}
	fprintf(f,
		"\nRange-based metrics: alpha %g, bias %s, cardinality %s "
		"(Tatbul et al. 2018). PA%%K: point-adjusted F1 at K %% "
		"(Kim et al. 2022); PA%%0 alone overstates detectors, read "
		"it beside PA%%100 (= point F1).\n",
		e->range.alpha, cadet_range_bias_name(e->range.bias),
		cadet_range_card_name(e->range.card));
	return ferror(f) ? -EIO : 0;
}
