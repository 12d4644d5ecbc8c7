// SPDX-License-Identifier: MIT
/*
 * Parser of results.jsonl (`cadet replay` output). Every line is checked
 * and a bad one is reported as FILE:LINE with what is wrong, so a broken
 * replay run or a hand-edited file is caught before any metric is computed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/results.h"
#include "lib/util/vec.h"

struct parser {
	struct cadet_results *r;
	const char *name;
	size_t line;
	char *err;
	size_t errlen;
	bool have_header;
	size_t cap_scores;
	size_t cap_alerts;
	size_t last_trace; /* lines come grouped by trace: try it first */
};

__attribute__((format(printf, 2, 3))) static int perr(struct parser *p,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%zu: ", p->name, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

/* A u64 field: a non-negative JSON integer or a string of decimal digits. */
static int get_u64(struct parser *p, json_t *o, const char *key, bool need,
		   uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	char *end;

	if (!v || json_is_null(v)) {
		if (need)
			return perr(p, "missing \"%s\"", key);
		*out = 0;
		return 0;
	}
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return perr(p, "\"%s\" is negative (%lld)", key,
				    (long long)json_integer_value(v));
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		if (*s >= '0' && *s <= '9') {
			*out = strtoull(s, &end, 10);
			if (!*end && !errno)
				return 0;
		}
	}
	return perr(p, "\"%s\" must be a non-negative integer", key);
}

static int get_str(struct parser *p, json_t *o, const char *key, bool need,
		   const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (need)
			return perr(p, "missing \"%s\"", key);
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return perr(p, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int parse_det(struct parser *p, size_t i, json_t *d)
{
	struct cadet_results_det *det = &p->r->dets[i];
	const char *name = "", *spec = "";
	json_t *params, *thr;
	int err;

	det->threshold = NAN;
	if (!json_is_object(d))
		return perr(p, "header: detectors[%zu] is not an object", i);
	err = get_str(p, d, "name", true, &name);
	if (!err)
		err = get_str(p, d, "spec", false, &spec);
	if (!err)
		err = get_u64(p, d, "seed", false, &det->seed);
	if (err)
		return err;
	if (!*name)
		return perr(p, "header: detectors[%zu] has an empty name", i);
	/* one detector may run twice with other parameters: the spec
	 * tells them apart */
	for (size_t j = 0; j < i; j++)
		if (!strcmp(p->r->dets[j].name, name) &&
		    !strcmp(p->r->dets[j].spec, spec))
			return perr(p, "header: detector \"%s\" listed twice",
				    *spec ? spec : name);
	params = json_object_get(d, "params");
	if (params && !json_is_null(params) && !json_is_object(params))
		return perr(p, "header: params of \"%s\" must be an object",
			    name);
	thr = json_object_get(d, "threshold");
	if (thr && !json_is_null(thr)) {
		if (!json_is_number(thr))
			return perr(
				p,
				"header: threshold of \"%s\" must be a number or null",
				name);
		det->threshold = json_number_value(thr);
	}
	det->name = xstrdup(name);
	det->spec = xstrdup(spec);
	det->params =
		json_is_object(params) ? json_deep_copy(params) : json_object();
	if (!det->name || !det->spec || !det->params)
		return -ENOMEM;
	return 0;
}

static int parse_header(struct parser *p, json_t *o)
{
	struct cadet_results *r = p->r;
	json_t *dets, *test, *t;
	const char *ver;
	size_t i;
	int err;

	if (p->have_header)
		return perr(
			p,
			"a second header line; one results file holds one replay run");
	p->have_header = true;
	err = get_str(p, o, "cadet_version", false, &ver);
	if (!err)
		err = get_u64(p, o, "seed", false, &r->seed);
	if (err)
		return err;
	r->cadet_version = xstrdup(ver);
	if (!r->cadet_version)
		return -ENOMEM;

	dets = json_object_get(o, "detectors");
	if (!json_is_array(dets) || !json_array_size(dets))
		return perr(p,
			    "header: \"detectors\" must be a non-empty array");
	r->dets = calloc(json_array_size(dets), sizeof(*r->dets));
	if (!r->dets)
		return -ENOMEM;
	json_array_foreach(dets, i, t)
	{
		r->ndets = i + 1;
		err = parse_det(p, i, t);
		if (err)
			return err;
	}
	for (i = 0; i < r->ndets; i++) {
		bool unique = true;

		for (size_t j = 0; j < r->ndets; j++)
			if (j != i && !strcmp(r->dets[j].name, r->dets[i].name))
				unique = false;
		r->dets[i].key =
			strdup(unique ? r->dets[i].name : r->dets[i].spec);
		if (!r->dets[i].key)
			return -ENOMEM;
	}

	test = json_object_get(o, "test");
	if (!json_is_array(test))
		return perr(
			p,
			"header: \"test\" must be an array of {\"path\", \"sha256\"}");
	r->traces = calloc(json_array_size(test) + 1, sizeof(*r->traces));
	if (!r->traces)
		return -ENOMEM;
	json_array_foreach(test, i, t)
	{
		const char *path = NULL, *sha = "", *terr = "";

		if (json_is_string(t)) {
			path = json_string_value(t);
		} else if (json_is_object(t)) {
			err = get_str(p, t, "path", true, &path);
			if (!err)
				err = get_str(p, t, "sha256", false, &sha);
			if (!err)
				err = get_str(p, t, "error", false, &terr);
			if (err)
				return err;
		}
		if (!path || !*path)
			return perr(p, "header: test[%zu] has no path", i);
		r->traces[i].path = xstrdup(path);
		r->traces[i].sha256 = xstrdup(sha);
		r->traces[i].error = *terr ? strdup(terr) : NULL;
		r->ntraces = i + 1;
		if (*terr && !r->traces[i].error)
			return -ENOMEM;
		if (!r->traces[i].path || !r->traces[i].sha256)
			return -ENOMEM;
	}
	return 0;
}

static int find_det(struct parser *p, json_t *o, uint32_t *det)
{
	const char *name = "";
	int err, i;

	err = get_str(p, o, "detector", true, &name);
	if (err)
		return err;
	i = cadet_results__det_idx(p->r, name);
	if (i < 0)
		return perr(
			p,
			"detector \"%s\" is not in the header's \"detectors\"",
			name);
	*det = i;
	return 0;
}

/* 1: found, 0: not a test trace (skip the line), <0: error. */
static int find_trace(struct parser *p, json_t *o, uint32_t *trace)
{
	struct cadet_results *r = p->r;
	json_t *v = json_object_get(o, "trace");
	const char *path;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    (size_t)json_integer_value(v) >= r->ntraces)
			return perr(
				p,
				"trace index %lld is outside the header's test list (%zu traces)",
				(long long)json_integer_value(v), r->ntraces);
		*trace = json_integer_value(v);
		return 1;
	}
	if (!json_is_string(v))
		return perr(p, "\"trace\" must be the path of a test trace");
	path = json_string_value(v);
	if (p->last_trace < r->ntraces &&
	    !strcmp(r->traces[p->last_trace].path, path)) {
		*trace = p->last_trace;
		return 1;
	}
	for (size_t i = 0; i < r->ntraces; i++)
		if (!strcmp(r->traces[i].path, path)) {
			p->last_trace = i;
			*trace = i;
			return 1;
		}
	return 0;
}

static int parse_score(struct parser *p, json_t *o)
{
	struct cadet_results *r = p->r;
	struct cadet_score s = {};
	json_t *v;
	int err;

	err = find_det(p, o, &s.det);
	if (err)
		return err;
	err = find_trace(p, o, &s.trace);
	if (err <= 0) {
		r->skipped_trace += !err;
		return err;
	}
	err = get_u64(p, o, "cgroup_id", true, &s.cgroup_id);
	if (!err)
		err = get_u64(p, o, "win_start", true, &s.win_start);
	if (!err)
		err = get_u64(p, o, "win_end", true, &s.win_end);
	if (err)
		return err;
	if (s.win_end < s.win_start)
		return perr(p, "win_end %llu is before win_start %llu",
			    (unsigned long long)s.win_end,
			    (unsigned long long)s.win_start);
	v = json_object_get(o, "value");
	if (!json_is_number(v))
		return perr(p, "\"value\" must be a number");
	s.value = json_number_value(v);
	if (!isfinite(s.value))
		return perr(p, "\"value\" is not finite");
	if (vec_reserve(&r->scores, &p->cap_scores, r->nscores + 1,
			sizeof(*r->scores)))
		return -ENOMEM;
	r->scores[r->nscores++] = s;
	return 0;
}

static int parse_alert(struct parser *p, json_t *o)
{
	struct cadet_results *r = p->r;
	struct cadet_alert a = {};
	int err;

	err = find_det(p, o, &a.det);
	if (err)
		return err;
	err = find_trace(p, o, &a.trace);
	if (err <= 0) {
		r->skipped_trace += !err;
		return err;
	}
	err = get_u64(p, o, "cgroup_id", true, &a.cgroup_id);
	if (!err)
		err = get_u64(p, o, "ts", true, &a.ts);
	if (err)
		return err;
	if (vec_reserve(&r->alerts, &p->cap_alerts, r->nalerts + 1,
			sizeof(*r->alerts)))
		return -ENOMEM;
	r->alerts[r->nalerts++] = a;
	return 0;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	json_error_t jerr;
	const char *type;
	json_t *o;
	int err;

	while (len &&
	       (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return perr(p, "not valid JSON (column %d): %s", jerr.column,
			    jerr.text);
	if (!json_is_object(o)) {
		err = perr(p, "each line must be a JSON object");
		goto cleanup;
	}
	err = get_str(p, o, "type", true, &type);
	if (err)
		goto cleanup;
	if (!strcmp(type, "header")) {
		err = parse_header(p, o);
	} else if (!p->have_header) {
		err = perr(
			p,
			"a \"%s\" line before the header line; the first line must be {\"type\":\"header\",...}",
			type);
	} else if (!strcmp(type, "score")) {
		err = parse_score(p, o);
	} else if (!strcmp(type, "alert")) {
		err = parse_alert(p, o);
	} else {
		/* newer replay versions may add line types */
		p->r->skipped_type++;
	}
cleanup:
	json_decref(o);
	return err;
}

static int finish(struct parser *p)
{
	if (!p->have_header) {
		p->line = 1;
		return perr(
			p,
			"no header line: not a results file of `cadet replay`");
	}
	return 0;
}

static struct cadet_results *parse_done(struct parser *p, int err)
{
	if (!err)
		err = finish(p);
	if (err) {
		if (err == -ENOMEM)
			snprintf(p->err, p->errlen, "%s:%zu: out of memory",
				 p->name, p->line);
		cadet_results__free(p->r);
		errno = -err;
		return NULL;
	}
	return p->r;
}

struct cadet_results *cadet_results__parse(const char *buf, size_t len,
					   const char *name, char *err,
					   size_t errlen)
{
	struct parser p = {.name = name, .err = err, .errlen = errlen};
	size_t pos = 0;
	int ret = 0;

	p.r = calloc(1, sizeof(*p.r));
	if (!p.r) {
		snprintf(err, errlen, "%s: out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	while (pos < len && !ret) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		p.line++;
		ret = parse_line(&p, buf + pos, l);
		pos += l + 1;
	}
	return parse_done(&p, ret);
}

struct cadet_results *cadet_results__load(const char *path, char *err,
					  size_t errlen)
{
	struct parser p = {.name = path, .err = err, .errlen = errlen};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-ret));
		errno = -ret;
		return NULL;
	}
	p.r = calloc(1, sizeof(*p.r));
	if (!p.r) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while (!ret && (n = getline(&line, &cap, f)) >= 0) {
		p.line++;
		if (n && line[n - 1] == '\n')
			n--;
		ret = parse_line(&p, line, n);
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		perr(&p, "read error");
	}
cleanup:
	free(line);
	fclose(f);
	if (!p.r) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	return parse_done(&p, ret);
}

void cadet_results__free(struct cadet_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndets; i++) {
		free(r->dets[i].key);
		free(r->dets[i].name);
		free(r->dets[i].spec);
		json_decref(r->dets[i].params);
	}
	for (size_t i = 0; i < r->ntraces; i++) {
		free(r->traces[i].path);
		free(r->traces[i].sha256);
		free(r->traces[i].error);
	}
	free(r->cadet_version);
	free(r->dets);
	free(r->traces);
	free(r->scores);
	free(r->alerts);
	free(r);
}

int cadet_results__det_idx(const struct cadet_results *r, const char *name)
{
	for (size_t i = 0; i < r->ndets; i++)
		if (r->dets[i].spec && !strcmp(r->dets[i].spec, name))
			return (int)i;
	for (size_t i = 0; i < r->ndets; i++)
		if (r->dets[i].key && !strcmp(r->dets[i].key, name))
			return (int)i;
	for (size_t i = 0; i < r->ndets; i++)
		if (r->dets[i].name && !strcmp(r->dets[i].name, name))
			return (int)i;
	return -1;
}
