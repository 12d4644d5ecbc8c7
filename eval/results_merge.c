// SPDX-License-Identifier: MIT
/*
 * Results of replay shards merged into the results of one replay: header
 * agreement is checked, test traces are put in path order and the score
 * and alert lines are grouped by trace in that order.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/results.h"

/* Where a merged trace comes from. */
struct origin {
	const struct cadet_results_trace *t;
	size_t part;
	size_t idx; /* in its part */
};

__attribute__((format(printf, 3, 4))) static int merr(char *err,
						      size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool same_threshold(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* The header of @b against that of @a (the first part). */
static int check_header(const struct cadet_results *a, const char *aname,
			const struct cadet_results *b, const char *bname,
			char *err, size_t errlen)
{
	static const char why[] =
		"shards must come from one replay command (same detectors, "
		"--seed, training and validation traces, cadet version)";

	if (strcmp(a->cadet_version, b->cadet_version))
		return merr(err, errlen,
			    "%s: cadet version \"%s\" differs from \"%s\" in %s: %s",
			    bname, b->cadet_version, a->cadet_version, aname,
			    why);
	if (a->seed != b->seed)
		return merr(err, errlen,
			    "%s: seed %llu differs from %llu in %s: %s", bname,
			    (unsigned long long)b->seed,
			    (unsigned long long)a->seed, aname, why);
	if (a->ndets != b->ndets)
		return merr(err, errlen,
			    "%s: %zu detectors, %s has %zu: %s", bname,
			    b->ndets, aname, a->ndets, why);
	for (size_t d = 0; d < a->ndets; d++) {
		const struct cadet_results_det *x = &a->dets[d];
		const struct cadet_results_det *y = &b->dets[d];
		const char *what = NULL;

		if (strcmp(x->name, y->name) || strcmp(x->spec, y->spec))
			what = "name or spec";
		else if (!json_equal(x->params, y->params))
			what = "params";
		else if (x->seed != y->seed)
			what = "seed";
		else if (!same_threshold(x->threshold, y->threshold))
			what = "threshold";
		if (what)
			return merr(err, errlen,
				    "%s: detector %zu (%s) has another %s than in %s: %s",
				    bname, d + 1, y->key, what, aname, why);
	}
	return 0;
}

/* By path; a path given twice to one replay keeps its two places. */
static int origin_cmp(const void *a, const void *b)
{
	const struct origin *x = a, *y = b;
	int c = strcmp(x->t->path, y->t->path);

	if (c)
		return c;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int copy_trace(struct cadet_results_trace *dst,
		      const struct origin *o)
{
	dst->path = strdup(o->t->path);
	dst->sha256 = strdup(o->t->sha256);
	dst->error = o->t->error ? strdup(o->t->error) : NULL;
	dst->part = o->part;
	if (!dst->path || !dst->sha256 || (o->t->error && !dst->error))
		return -ENOMEM;
	return 0;
}

static int copy_dets(struct cadet_results *r, const struct cadet_results *a)
{
	r->dets = calloc(a->ndets + 1, sizeof(*r->dets));
	if (!r->dets)
		return -ENOMEM;
	for (size_t d = 0; d < a->ndets; d++) {
		const struct cadet_results_det *x = &a->dets[d];
		struct cadet_results_det *y = &r->dets[d];

		r->ndets = d + 1;
		y->key = strdup(x->key);
		y->name = strdup(x->name);
		y->spec = strdup(x->spec);
		y->params = json_deep_copy(x->params);
		y->seed = x->seed;
		y->threshold = x->threshold;
		if (!y->key || !y->name || !y->spec || !y->params)
			return -ENOMEM;
	}
	r->cadet_version = strdup(a->cadet_version);
	r->seed = a->seed;
	return r->cadet_version ? 0 : -ENOMEM;
}

/*
 * The score (@is_score) or alert lines of every part, by merged trace,
 * in file order within a trace: a counting sort on @newidx.
 */
static int regroup(struct cadet_results *r, struct cadet_results *const *parts,
		   size_t n, size_t *const *newidx, bool is_score)
{
	size_t total = 0, *start;
	int ret = -ENOMEM;

	for (size_t p = 0; p < n; p++)
		total += is_score ? parts[p]->nscores : parts[p]->nalerts;
	start = calloc(r->ntraces + 1, sizeof(*start));
	if (!start)
		return -ENOMEM;
	if (is_score)
		r->scores = calloc(total + 1, sizeof(*r->scores));
	else
		r->alerts = calloc(total + 1, sizeof(*r->alerts));
	if (is_score ? !r->scores : !r->alerts)
		goto cleanup;
	for (size_t p = 0; p < n; p++) {
		size_t m = is_score ? parts[p]->nscores : parts[p]->nalerts;

		for (size_t i = 0; i < m; i++) {
			uint32_t t = is_score ? parts[p]->scores[i].trace
					      : parts[p]->alerts[i].trace;

			start[newidx[p][t] + 1]++;
		}
	}
	for (size_t t = 0; t < r->ntraces; t++)
		start[t + 1] += start[t];
	for (size_t p = 0; p < n; p++) {
		size_t m = is_score ? parts[p]->nscores : parts[p]->nalerts;

		for (size_t i = 0; i < m; i++) {
			if (is_score) {
				struct cadet_score s = parts[p]->scores[i];

				s.trace = newidx[p][s.trace];
				r->scores[start[s.trace]++] = s;
			} else {
				struct cadet_alert a = parts[p]->alerts[i];

				a.trace = newidx[p][a.trace];
				r->alerts[start[a.trace]++] = a;
			}
		}
	}
	if (is_score)
		r->nscores = total;
	else
		r->nalerts = total;
	ret = 0;
cleanup:
	free(start);
	return ret;
}

struct cadet_results *cadet_results__merge(struct cadet_results *const *parts,
					   const char *const *names, size_t n,
					   char *err, size_t errlen)
{
	struct cadet_results *r = NULL;
	struct origin *o = NULL;
	size_t **newidx = NULL, total = 0, k = 0;
	int ret = -ENOMEM;

	if (!n) {
		ret = merr(err, errlen, "no results to merge");
		goto cleanup;
	}
	for (size_t p = 1; p < n; p++) {
		ret = check_header(parts[0], names[0], parts[p], names[p], err,
				   errlen);
		if (ret)
			goto cleanup;
	}
	ret = -ENOMEM;
	for (size_t p = 0; p < n; p++)
		total += parts[p]->ntraces;
	r = calloc(1, sizeof(*r));
	o = calloc(total + 1, sizeof(*o));
	newidx = calloc(n, sizeof(*newidx));
	if (!r || !o || !newidx)
		goto cleanup;
	for (size_t p = 0; p < n; p++) {
		newidx[p] = calloc(parts[p]->ntraces + 1, sizeof(**newidx));
		if (!newidx[p])
			goto cleanup;
		for (size_t i = 0; i < parts[p]->ntraces; i++)
			o[k++] = (struct origin){&parts[p]->traces[i], p, i};
		r->skipped_type += parts[p]->skipped_type;
		r->skipped_trace += parts[p]->skipped_trace;
	}
	qsort(o, total, sizeof(*o), origin_cmp);
	for (size_t i = 1; i < total; i++) {
		if (strcmp(o[i - 1].t->path, o[i].t->path) ||
		    o[i - 1].part == o[i].part)
			continue;
		ret = merr(err, errlen,
			   "test trace %s is in %s and in %s: the shards overlap; give each shard's results once, from --shard 1/N .. N/N of one command",
			   o[i].t->path, names[o[i - 1].part],
			   names[o[i].part]);
		goto cleanup;
	}
	ret = copy_dets(r, parts[0]);
	if (ret)
		goto cleanup;
	r->traces = calloc(total + 1, sizeof(*r->traces));
	if (!r->traces)
		goto cleanup;
	for (size_t i = 0; i < total; i++) {
		r->ntraces = i + 1;
		ret = copy_trace(&r->traces[i], &o[i]);
		if (ret)
			goto cleanup;
		newidx[o[i].part][o[i].idx] = i;
	}
	ret = regroup(r, parts, n, newidx, true);
	if (!ret)
		ret = regroup(r, parts, n, newidx, false);
cleanup:
	for (size_t p = 0; newidx && p < n; p++)
		free(newidx[p]);
	free(newidx);
	free(o);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory merging results");
		cadet_results__free(r);
		errno = -ret;
		return NULL;
	}
	return r;
}
