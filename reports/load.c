// SPDX-License-Identifier: MIT
/*
 * Loading what a report shows: the traces (containers, METRICS, LABEL and
 * STATS records), the alerts of a results.jsonl and the numbers of an
 * eval.json. Everything else in reports/ only formats this model.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cadet/trace.h"
#include "eval/results.h"
#include "lib/util/errbuf.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"
#include "reports/report.h"

#define MAX_CONTAINERS_DEFAULT 8

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

/* ---- helpers shared by the writers ---- */

const char *rpt_utc(int64_t epoch_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(epoch_ns / (int64_t)NS_PER_S);
	long ms = (long)((epoch_ns % (int64_t)NS_PER_S) / (int64_t)NS_PER_MS);
	struct tm tm;

	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
	return buf;
}

double rpt_offset_s(const struct rpt_trace *t, uint64_t ts)
{
	return ((double)ts - (double)t->start_ts) / 1e9;
}

uint64_t rpt_sample_interval(const struct rpt_trace *t,
			     const struct rpt_container *c, size_t i)
{
	if (c->s[i].interval_ns)
		return c->s[i].interval_ns;
	if (i > 0 && c->s[i].ts > c->s[i - 1].ts)
		return c->s[i].ts - c->s[i - 1].ts;
	return 0;
}

const char *rpt_ctr_label(const struct rpt_container *c, char *buf, size_t len)
{
	if (!c->dup_name)
		return c->name;
	snprintf(buf, len, "%s (cgroup %" PRIu64 ")", c->name, c->cgroup_id);
	return buf;
}

struct rpt_container *rpt_find_ctr(const struct rpt_trace *t, uint64_t cg)
{
	for (size_t i = 0; i < t->nctrs; i++)
		if (t->ctrs[i].cgroup_id == cg)
			return &t->ctrs[i];
	return NULL;
}

/* ---- traces ---- */

static struct rpt_container *get_ctr(struct rpt_trace *t, uint64_t cg)
{
	struct rpt_container *c = rpt_find_ctr(t, cg);
	char buf[40];

	if (c)
		return c;
	if (vec_reserve(&t->ctrs, &t->cap_ctrs, t->nctrs + 1, sizeof(*c)))
		return NULL;
	c = &t->ctrs[t->nctrs];
	memset(c, 0, sizeof(*c));
	c->cgroup_id = cg;
	snprintf(buf, sizeof(buf), "cgroup-%" PRIu64, cg);
	c->name = strdup(buf);
	if (!c->name)
		return NULL;
	t->nctrs++;
	return c;
}

static int on_container(struct rpt_trace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *cr = (const void *)rec;
	struct rpt_container *c = get_ctr(t, rec->cgroup_id);
	const char *name = cadet_rec_str(rec, &cr->name);
	const char *id = cadet_rec_str(rec, &cr->id);

	if (!c)
		return -ENOMEM;
	if (!*name)
		name = id;
	if (*name) {
		free(c->name);
		c->name = strdup(name);
	}
	free(c->id);
	free(c->image);
	c->id = strdup(id);
	c->image = strdup(cadet_rec_str(rec, &cr->image));
	memcpy(c->runtime, cr->runtime, sizeof(c->runtime));
	c->runtime[sizeof(c->runtime) - 1] = 0;
	return c->name && c->id && c->image ? 0 : -ENOMEM;
}

static int on_metrics(struct rpt_trace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *m = (const void *)rec;
	struct rpt_container *c = get_ctr(t, rec->cgroup_id);
	struct rpt_sample *s;

	if (!c || vec_reserve(&c->s, &c->cap, c->n + 1, sizeof(*s)))
		return -ENOMEM;
	s = &c->s[c->n++];
	s->ts = rec->ts;
	s->interval_ns = m->interval_ns;
	s->cpu_ns = m->cpu_ns;
	s->rss_bytes = m->rss_bytes;
	s->tx_bytes = m->tx_bytes;
	s->rx_bytes = m->rx_bytes;
	s->syscalls = m->syscalls;
	c->cpu_ns += m->cpu_ns;
	c->tx_bytes += m->tx_bytes;
	c->rx_bytes += m->rx_bytes;
	c->syscalls += m->syscalls;
	if (m->rss_bytes > c->rss_max)
		c->rss_max = m->rss_bytes;
	if (m->cpu_ns || m->rss_bytes || m->tx_bytes || m->rx_bytes ||
	    m->syscalls)
		c->active = true;
	return 0;
}

static int on_label(struct rpt_trace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_label *l = (const void *)rec;
	struct rpt_label *x;

	if (vec_reserve(&t->labels, &t->cap_labels, t->nlabels + 1,
			sizeof(*x)))
		return -ENOMEM;
	x = &t->labels[t->nlabels];
	memset(x, 0, sizeof(*x));
	x->cgroup_id = rec->cgroup_id;
	x->start = l->start_ts;
	x->end = l->end_ts;
	x->seed = l->seed;
	x->intensity = l->intensity;
	memcpy(x->kind, l->kind, sizeof(x->kind));
	x->kind[sizeof(x->kind) - 1] = 0;
	x->scenario = strdup(cadet_rec_str(rec, &l->scenario));
	x->anomaly = strdup(cadet_rec_str(rec, &l->anomaly));
	x->target = strdup(cadet_rec_str(rec, &l->target));
	x->params = strdup(cadet_rec_str(rec, &l->params));
	t->nlabels++;
	if (!x->scenario || !x->anomaly || !x->target || !x->params)
		return -ENOMEM;
	return 0;
}

static void on_stats(struct rpt_trace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_stats *s = (const void *)rec;

	t->ovh.records++;
	t->ovh.interval_ns += s->interval_ns;
	t->ovh.cpu_ns += s->cpu_ns;
	t->ovh.events += s->events;
	t->ovh.lost += s->lost;
	t->ovh.bytes += s->bytes_written;
	if (s->rss_bytes > t->ovh.rss_max)
		t->ovh.rss_max = s->rss_bytes;
}

static int cmp_label(const void *a, const void *b)
{
	const struct rpt_label *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct rpt_sample *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Targets first, then by CPU time, then by bytes moved: the busy ones. */
static int cmp_rank(const struct rpt_container *x,
		    const struct rpt_container *y)
{
	if (x->target != y->target)
		return x->target ? -1 : 1;
	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	if (x->tx_bytes + x->rx_bytes != y->tx_bytes + y->rx_bytes)
		return x->tx_bytes + x->rx_bytes > y->tx_bytes + y->rx_bytes
			       ? -1
			       : 1;
	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

/*
 * Real traces may list hundreds of idle cgroups; a report is only readable
 * with the few that did something. Explicit --container names win.
 */
static void select_containers(struct rpt_trace *t,
			      const struct cadet_report_opts *o)
{
	size_t max =
		o->max_containers ? o->max_containers : MAX_CONTAINERS_DEFAULT;

	for (size_t i = 0; i < t->nlabels; i++) {
		struct rpt_container *c;

		if (strcmp(t->labels[i].kind, "anomaly"))
			continue;
		c = rpt_find_ctr(t, t->labels[i].cgroup_id);
		if (c)
			c->target = true;
	}
	t->nshown = 0;
	for (size_t k = 0; k < max; k++) {
		struct rpt_container *best = NULL;

		for (size_t i = 0; i < t->nctrs; i++) {
			struct rpt_container *c = &t->ctrs[i];
			bool want;

			if (c->shown || !c->n)
				continue;
			if (o->ncontainers) {
				want = false;
				for (size_t j = 0; j < o->ncontainers; j++)
					want |= !strcmp(o->containers[j],
							c->name);
			} else {
				want = c->active || c->target;
			}
			if (want && (!best || cmp_rank(c, best) < 0))
				best = c;
		}
		if (!best)
			break;
		best->shown = true;
		t->nshown++;
	}
	for (size_t i = 0; i < t->nctrs; i++)
		for (size_t j = 0; j < t->nctrs; j++)
			if (i != j && t->ctrs[i].shown && t->ctrs[j].shown &&
			    !strcmp(t->ctrs[i].name, t->ctrs[j].name))
				t->ctrs[i].dup_name = true;
}

static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 6 && !strcmp(b + n - 6, ".cadet"))
		n -= 6;
	return strndup(b, n);
}

static int load_trace(struct rpt_trace *t, const char *path,
		      const struct cadet_report_opts *o, char *err,
		      size_t errlen)
{
	const struct cadet_rec_header *h;
	const struct cadet_rec *rec;
	struct cadet_reader *rd;
	int ret;

	t->path = strdup(path);
	t->name = base_name(path);
	if (!t->path || !t->name)
		return util_errf(err, errlen, -ENOMEM, "out of memory");
	rd = cadet_reader__open(path, NULL);
	if (!rd)
		return util_errf(err, errlen, -errno, "%s",
				 cadet_reader__open_error());
	h = cadet_reader__header(rd);
	t->boot_to_epoch_ns = h->boot_to_epoch_ns;
	t->start_ts = h->start_ts;
	t->interval_ns = h->interval_ns ? h->interval_ns : NS_PER_S;
	t->hostname = xstrdup(cadet_rec_str(&h->h, &h->hostname));
	t->kernel = xstrdup(cadet_rec_str(&h->h, &h->kernel_release));
	t->cmdline = xstrdup(cadet_rec_str(&h->h, &h->cmdline));
	t->recorder = xstrdup(cadet_rec_str(&h->h, &h->recorder_version));
	t->t0 = UINT64_MAX;
	while ((ret = cadet_reader__next(rd, &rec)) > 0) {
		int e = 0;

		if (rec->type == CADET_REC_HEADER ||
		    rec->type == CADET_REC_SCHEMA)
			continue;
		t->records++;
		if (rec->ts < t->t0)
			t->t0 = rec->ts;
		if (rec->ts > t->t1)
			t->t1 = rec->ts;
		switch (rec->type) {
		case CADET_REC_CONTAINER:
		case CADET_REC_CONTAINER_ADD:
		case CADET_REC_CONTAINER_UPDATE:
			e = on_container(t, rec);
			break;
		case CADET_REC_METRICS:
			e = on_metrics(t, rec);
			break;
		case CADET_REC_LABEL:
			e = on_label(t, rec);
			break;
		case CADET_REC_STATS:
			on_stats(t, rec);
			break;
		}
		if (e) {
			cadet_reader__free(rd);
			return util_errf(err, errlen, e, "%s: out of memory",
					 path);
		}
	}
	if (ret < 0) {
		/* a damaged tail: report what was read, say so */
		fprintf(stderr,
			"cadet report: %s: %s; reporting the records before the damage (cadet check --repair fixes a cut file)\n",
			path, cadet_reader__error(rd));
	}
	cadet_reader__free(rd);
	if (!t->records)
		return util_errf(err, errlen, -ENODATA,
				 "%s: the trace holds no records to report",
				 path);
	if (!t->start_ts || t->start_ts > t->t0)
		t->start_ts = t->t0;
	for (size_t i = 0; i < t->nlabels; i++) {
		struct rpt_label *l = &t->labels[i];

		if (!l->end)
			l->end = t->t1; /* run cut before the anomaly ended */
		if (l->end < l->start)
			return util_errf(
				err, errlen, -EBADMSG,
				"%s: LABEL of %s ends before it starts", path,
				l->anomaly);
	}
	/* qsort() wants a non-NULL base even for no elements */
	if (t->nlabels)
		qsort(t->labels, t->nlabels, sizeof(*t->labels), cmp_label);
	for (size_t i = 0; i < t->nctrs; i++)
		if (t->ctrs[i].n)
			qsort(t->ctrs[i].s, t->ctrs[i].n, sizeof(*t->ctrs[i].s),
			      cmp_sample);
	/* docs/metrics.md: the first anomaly label names the scenario */
	for (int pass = 0; pass < 2 && !t->scenario; pass++)
		for (size_t i = 0; i < t->nlabels && !t->scenario; i++)
			if (!strcmp(t->labels[i].kind,
				    pass ? "normal" : "anomaly"))
				t->scenario = strdup(t->labels[i].scenario);
	if (!t->scenario)
		t->scenario = strdup("unlabeled");
	select_containers(t, o);
	if (!t->boot_to_epoch_ns)
		fprintf(stderr,
			"cadet report: note: %s has no boot-to-epoch offset in its header; wall-clock times are shown as if the machine booted at 1970-01-01\n",
			path);
	return 0;
}

static void free_trace(struct rpt_trace *t)
{
	for (size_t i = 0; i < t->nctrs; i++) {
		free(t->ctrs[i].name);
		free(t->ctrs[i].id);
		free(t->ctrs[i].image);
		free(t->ctrs[i].s);
	}
	for (size_t i = 0; i < t->nlabels; i++) {
		free(t->labels[i].scenario);
		free(t->labels[i].anomaly);
		free(t->labels[i].target);
		free(t->labels[i].params);
	}
	for (size_t i = 0; i < t->nalerts; i++) {
		free(t->alerts[i].severity);
		free(t->alerts[i].reason);
	}
	free(t->ctrs);
	free(t->labels);
	free(t->alerts);
	free(t->path);
	free(t->name);
	free(t->hostname);
	free(t->kernel);
	free(t->cmdline);
	free(t->recorder);
	free(t->scenario);
}

/* ---- results.jsonl ---- */

/* Results name traces as replay was given them: match by path, then name. */
static struct rpt_trace *match_trace(struct cadet_report *r, const char *p)
{
	char a[PATH_MAX], b[PATH_MAX], *bn;
	struct rpt_trace *hit = NULL;

	for (size_t i = 0; i < r->ntraces; i++)
		if (!strcmp(r->traces[i].path, p))
			return &r->traces[i];
	if (realpath(p, a))
		for (size_t i = 0; i < r->ntraces; i++)
			if (realpath(r->traces[i].path, b) && !strcmp(a, b))
				return &r->traces[i];
	bn = base_name(p);
	if (!bn)
		return NULL;
	for (size_t i = 0; i < r->ntraces && !hit; i++)
		if (!strcmp(r->traces[i].name, bn))
			hit = &r->traces[i];
	free(bn);
	return hit;
}

static int json_u64(json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		char *end;

		errno = 0;
		*out = strtoull(json_string_value(v), &end, 10);
		return errno || *end ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int cmp_alert(const void *a, const void *b)
{
	const struct rpt_alert *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->det < y->det ? -1 : x->det > y->det;
}

static int add_alert(struct rpt_trace *t, size_t det, uint64_t cg, uint64_t ts,
		     const char *sev, const char *reason)
{
	struct rpt_alert *a;

	if (vec_reserve(&t->alerts, &t->cap_alerts, t->nalerts + 1,
			sizeof(*a)))
		return -ENOMEM;
	a = &t->alerts[t->nalerts++];
	a->det = det;
	a->cgroup_id = cg;
	a->ts = ts;
	a->severity = strdup(sev);
	a->reason = strdup(reason);
	return a->severity && a->reason ? 0 : -ENOMEM;
}

/*
 * The eval parser validates the whole file and gives FILE:LINE errors; a
 * second, lenient pass then picks up what eval does not keep (severity and
 * reason of each alert).
 */
static int load_results(struct cadet_report *r, const char *path, char *err,
			size_t errlen)
{
	struct cadet_results *res;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = NULL;
	int ret = 0;

	res = cadet_results__load(path, err, errlen);
	if (!res)
		return -errno;
	r->dets = calloc(res->ndets ? res->ndets : 1, sizeof(*r->dets));
	if (!r->dets) {
		ret = util_errf(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < res->ndets; i++) {
		r->dets[i] = strdup(res->dets[i].key);
		if (!r->dets[i]) {
			ret = util_errf(err, errlen, -ENOMEM, "out of memory");
			goto cleanup;
		}
		r->ndets++;
	}
	for (size_t i = 0; i < res->ntraces; i++) {
		struct rpt_trace *t = match_trace(r, res->traces[i].path);

		if (t)
			t->in_results = true;
	}
	f = fopen(path, "r");
	if (!f) {
		ret = util_errf(err, errlen, -errno, "%s: %s", path,
				strerror(errno));
		goto cleanup;
	}
	while ((len = getline(&line, &cap, f)) > 0 && !ret) {
		json_t *o = json_loadb(line, len, 0, NULL);
		const char *det, *tr, *sev, *reason;
		struct rpt_trace *t;
		uint64_t cg, ts;
		int d;

		if (!o)
			continue;
		det = json_string_value(json_object_get(o, "detector"));
		tr = json_string_value(json_object_get(o, "trace"));
		sev = json_string_value(json_object_get(o, "severity"));
		reason = json_string_value(json_object_get(o, "reason"));
		if (!json_is_string(json_object_get(o, "type")) ||
		    strcmp(json_string_value(json_object_get(o, "type")),
			   "alert") ||
		    !det || !tr ||
		    json_u64(json_object_get(o, "cgroup_id"), &cg) ||
		    json_u64(json_object_get(o, "ts"), &ts)) {
			json_decref(o);
			continue;
		}
		d = cadet_results__det_idx(res, det);
		t = match_trace(r, tr);
		if (d < 0 || !t)
			r->results_alerts_unmatched++;
		else
			ret = add_alert(t, (size_t)d, cg, ts, sev ? sev : "",
					reason ? reason : "");
		json_decref(o);
	}
	if (ret)
		util_errf(err, errlen, ret, "out of memory");
	for (size_t i = 0; i < r->ntraces; i++)
		if (r->traces[i].nalerts)
			qsort(r->traces[i].alerts, r->traces[i].nalerts,
			      sizeof(*r->traces[i].alerts), cmp_alert);
	r->have_results = true;
cleanup:
	free(line);
	if (f)
		fclose(f);
	cadet_results__free(res);
	return ret;
}

/* ---- eval.json ---- */

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static uint64_t count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0
		       ? (uint64_t)json_integer_value(v)
		       : 0;
}

static void read_stats(json_t *o, struct rpt_stats *s)
{
	s->windows = count(o, "windows");
	s->detected = count(o, "detected");
	s->alarms = count(o, "alarms");
	s->false_alarms = count(o, "false_alarms");
	s->dr = num(o, "detection_rate");
	s->precision = num(o, "precision");
	s->f1 = num(o, "f1");
	s->fa_per_hour = num(o, "false_alarms_per_hour");
	s->latency_median_s = num(o, "latency_median_s");
	s->auc_pr = num(o, "auc_pr");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_scenario(struct rpt_eval *e, const char *name)
{
	for (size_t i = 0; i < e->nscenarios; i++)
		if (!strcmp(e->scenarios[i], name))
			return 0;
	if (vec_reserve(&e->scenarios, &e->cap_scenarios, e->nscenarios + 1,
			sizeof(*e->scenarios)))
		return -ENOMEM;
	e->scenarios[e->nscenarios] = strdup(name);
	return e->scenarios[e->nscenarios++] ? 0 : -ENOMEM;
}

static void free_eval(struct rpt_eval *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ndets; i++) {
		for (size_t j = 0; j < e->dets[i].nper; j++)
			free(e->dets[i].per[j].scenario);
		free(e->dets[i].per);
		free(e->dets[i].key);
	}
	for (size_t i = 0; i < e->nscenarios; i++)
		free(e->scenarios[i]);
	free(e->scenarios);
	free(e->dets);
	free(e);
}

static int load_eval(struct cadet_report *r, const char *path, char *err,
		     size_t errlen)
{
	json_t *j, *dets, *settings, *d;
	struct rpt_eval *e;
	json_error_t jerr;
	size_t i;
	int ret = 0;

	j = json_load_file(path, 0, &jerr);
	if (!j)
		return util_errf(err, errlen, -EINVAL, "%s:%d: %s", path,
				 jerr.line, jerr.text);
	dets = json_object_get(j, "detectors");
	settings = json_object_get(j, "settings");
	if (!json_is_array(dets) || !json_is_object(settings)) {
		json_decref(j);
		return util_errf(
			err, errlen, -EINVAL,
			"%s: not an eval.json of `cadet eval` (no \"detectors\" list or \"settings\"); make one with: cadet eval results.jsonl -o eval.json",
			path);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	r->eval = e;
	e->grace_s = num(settings, "grace_s");
	e->merge_gap_s = num(settings, "merge_gap_s");
	e->bin_s = num(settings, "bin_s");
	e->dets = calloc(json_array_size(dets) + 1, sizeof(*e->dets));
	if (!e->dets)
		goto nomem;
	json_array_foreach(dets, i, d)
	{
		struct rpt_eval_det *x = &e->dets[e->ndets];
		json_t *per = json_object_get(d, "per_scenario"), *p;
		const char *key =
			json_string_value(json_object_get(d, "detector"));
		size_t k;

		if (!key || !json_is_object(json_object_get(d, "overall"))) {
			json_decref(j);
			return util_errf(
				err, errlen, -EINVAL,
				"%s: detector %zu has no \"detector\" name or \"overall\" metrics",
				path, i + 1);
		}
		x->key = strdup(key);
		if (!x->key)
			goto nomem;
		e->ndets++;
		x->baseline = json_is_true(json_object_get(d, "baseline"));
		read_stats(json_object_get(d, "overall"), &x->overall);
		x->per = calloc(json_array_size(per) + 1, sizeof(*x->per));
		if (!x->per)
			goto nomem;
		json_array_foreach(per, k, p)
		{
			const char *sc = json_string_value(
				json_object_get(p, "scenario"));
			struct rpt_stats *s = &x->per[x->nper];

			if (!sc)
				continue;
			s->scenario = strdup(sc);
			if (!s->scenario || add_scenario(e, sc))
				goto nomem;
			read_stats(p, s);
			x->nper++;
		}
	}
	if (e->nscenarios)
		qsort(e->scenarios, e->nscenarios, sizeof(*e->scenarios),
		      cmp_str);
	json_decref(j);
	return ret;
nomem:
	json_decref(j);
	return util_errf(err, errlen, -ENOMEM, "out of memory");
}

/* ---- the report ---- */

static char *make_title(const struct cadet_report *r)
{
	char buf[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < r->ntraces && n < sizeof(buf) - 8; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(r->traces[j].scenario,
					r->traces[i].scenario);
		if (seen)
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "",
			      r->traces[i].scenario);
	}
	if (n >= sizeof(buf))
		strcpy(buf + sizeof(buf) - 5, "...");
	return strdup(buf);
}

struct cadet_report *cadet_report__load(const char *const *paths, size_t n,
					const struct cadet_report_opts *opts,
					char *err, size_t errlen)
{
	struct cadet_report_opts o = {};
	struct cadet_report *r;
	int ret = 0;

	if (opts && opts->sz < CADET_REPORT_OPTS_SZ_MIN) {
		util_errf(err, errlen, 0, "bad options size");
		errno = EINVAL;
		return NULL;
	}
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!n) {
		util_errf(err, errlen, 0, "no trace to report on");
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->traces = calloc(n, sizeof(*r->traces));
	r->gnuplot = strdup(o.gnuplot ? o.gnuplot : "gnuplot");
	if (!r->traces || !r->gnuplot)
		goto nomem;
	for (size_t i = 0; i < n && !ret; i++) {
		ret = load_trace(&r->traces[i], paths[i], &o, err, errlen);
		r->ntraces++;
	}
	if (!ret && o.results) {
		r->results_path = strdup(o.results);
		ret = r->results_path ? load_results(r, o.results, err, errlen)
				      : -ENOMEM;
	}
	if (!ret && o.eval) {
		r->eval_path = strdup(o.eval);
		ret = r->eval_path ? load_eval(r, o.eval, err, errlen)
				   : -ENOMEM;
	}
	if (!ret) {
		r->title = o.title ? strdup(o.title) : make_title(r);
		if (!r->title)
			ret = -ENOMEM;
	}
	if (ret) {
		if (ret == -ENOMEM)
			util_errf(err, errlen, 0, "out of memory");
		cadet_report__free(r);
		errno = -ret;
		return NULL;
	}
	return r;
nomem:
	cadet_report__free(r);
	util_errf(err, errlen, 0, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void cadet_report__free(struct cadet_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ntraces; i++)
		free_trace(&r->traces[i]);
	for (size_t i = 0; i < r->ndets; i++)
		free(r->dets[i]);
	free(r->dets);
	free(r->traces);
	free_eval(r->eval);
	free(r->title);
	free(r->gnuplot);
	free(r->results_path);
	free(r->eval_path);
	free(r);
}
