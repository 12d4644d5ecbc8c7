// SPDX-License-Identifier: MIT
/*
 * Ground truth of a test trace from its own records. Nothing here reads
 * live host state: the trace alone says when each container existed and
 * where the injected anomalies were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/trace.h"
#include "eval/truth.h"
#include "lib/util/vec.h"

#define OPEN_NONE UINT64_MAX
#define END_UNSET UINT64_MAX

struct cadet_truth *cadet_truth__new(const char *path, const char *scenario)
{
	struct cadet_truth *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->path = strdup(path ? path : "");
	t->scenario = scenario ? strdup(scenario) : NULL;
	if (!t->path || (scenario && !t->scenario)) {
		cadet_truth__free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void cadet_truth__free(struct cadet_truth *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nwindows; i++)
		free(t->windows[i].anomaly);
	for (size_t i = 0; i < t->ncontainers; i++) {
		free(t->containers[i].name);
		free(t->containers[i].presence);
	}
	free(t->windows);
	free(t->containers);
	free(t->path);
	free(t->scenario);
	free(t);
}

int cadet_truth__add_window(struct cadet_truth *t, uint64_t cgroup_id,
			    uint64_t start, uint64_t end, const char *anomaly)
{
	struct cadet_truth_window *w;

	if (vec_reserve(&t->windows, &t->wcap, t->nwindows + 1,
			sizeof(*t->windows)))
		return -ENOMEM;
	w = &t->windows[t->nwindows];
	w->cgroup_id = cgroup_id;
	w->span.start = start;
	w->span.end = end;
	w->anomaly = strdup(anomaly ? anomaly : "");
	if (!w->anomaly)
		return -ENOMEM;
	t->nwindows++;
	return 0;
}

static struct cadet_truth_container *get_container(struct cadet_truth *t,
						   uint64_t cgroup_id)
{
	struct cadet_truth_container *c;

	for (size_t i = t->ncontainers; i > 0; i--)
		if (t->containers[i - 1].cgroup_id == cgroup_id)
			return &t->containers[i - 1];
	if (vec_reserve(&t->containers, &t->ccap, t->ncontainers + 1,
			sizeof(*t->containers)))
		return NULL;
	c = &t->containers[t->ncontainers];
	memset(c, 0, sizeof(*c));
	c->cgroup_id = cgroup_id;
	c->open_since = OPEN_NONE;
	c->name = strdup("");
	if (!c->name)
		return NULL;
	t->ncontainers++;
	return c;
}

static int container_add_span(struct cadet_truth_container *c, uint64_t start,
			      uint64_t end)
{
	if (vec_reserve(&c->presence, &c->cap, c->npresence + 1,
			sizeof(*c->presence)))
		return -ENOMEM;
	c->presence[c->npresence].start = start;
	c->presence[c->npresence].end = end < start ? start : end;
	c->npresence++;
	return 0;
}

int cadet_truth__add_presence(struct cadet_truth *t, uint64_t cgroup_id,
			      uint64_t start, uint64_t end)
{
	struct cadet_truth_container *c = get_container(t, cgroup_id);

	return c ? container_add_span(c, start, end) : -ENOMEM;
}

static int window_cmp(const void *a, const void *b)
{
	const struct cadet_truth_window *x = a, *y = b;

	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	if (x->span.start != y->span.start)
		return x->span.start < y->span.start ? -1 : 1;
	return x->span.end < y->span.end ? -1 : x->span.end > y->span.end;
}

static int container_cmp(const void *a, const void *b)
{
	const struct cadet_truth_container *x = a, *y = b;

	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

void cadet_truth__finish(struct cadet_truth *t)
{
	for (size_t i = 0; i < t->nwindows; i++) {
		struct cadet_span *s = &t->windows[i].span;

		/* a run cut before the anomaly ended: it lasted to the end */
		if (s->end == END_UNSET)
			s->end = t->t1 > s->start ? t->t1 : s->start;
	}
	for (size_t i = 0; i < t->ncontainers; i++) {
		struct cadet_truth_container *c = &t->containers[i];

		if (c->open_since != OPEN_NONE) {
			container_add_span(c, c->open_since, t->t1);
			c->open_since = OPEN_NONE;
		}
		c->npresence = cadet_spans_normalize(c->presence, c->npresence);
	}
	if (t->nwindows)
		qsort(t->windows, t->nwindows, sizeof(*t->windows), window_cmp);
	if (t->ncontainers)
		qsort(t->containers, t->ncontainers, sizeof(*t->containers),
		      container_cmp);
	if (!t->scenario)
		t->scenario = strdup("unlabeled");
}

const struct cadet_truth_container *
cadet_truth__container(const struct cadet_truth *t, uint64_t cgroup_id)
{
	size_t l = 0, r = t->ncontainers;

	while (l < r) {
		size_t m = l + (r - l) / 2;

		if (t->containers[m].cgroup_id < cgroup_id)
			l = m + 1;
		else
			r = m;
	}
	if (l < t->ncontainers && t->containers[l].cgroup_id == cgroup_id)
		return &t->containers[l];
	return NULL;
}

struct loader {
	struct cadet_truth *t;
	char *normal_scenario; /* used when no anomaly LABEL names one */
	char *anomaly_scenario;
	bool seen; /* a record set t0 already */
};

static int note_scenario(struct loader *l, const char *name, bool anomaly)
{
	char **slot = anomaly ? &l->anomaly_scenario : &l->normal_scenario;

	if (!*name)
		return 0;
	if ((!l->anomaly_scenario || strcmp(l->anomaly_scenario, name)) &&
	    (!l->normal_scenario || strcmp(l->normal_scenario, name)))
		l->t->nscenarios++;
	if (!*slot) {
		*slot = strdup(name);
		if (!*slot)
			return -ENOMEM;
	}
	return 0;
}

static int on_label(struct loader *l, const struct cadet_rec *rec, char *err,
		    size_t errlen)
{
	const struct cadet_rec_label *lb = (const void *)rec;
	const char *scenario = cadet_rec_str(rec, &lb->scenario);
	char kind[sizeof(lb->kind) + 1];
	uint64_t end = lb->end_ts;
	int ret;

	memcpy(kind, lb->kind, sizeof(lb->kind));
	kind[sizeof(lb->kind)] = 0;
	if (!strcmp(kind, "normal"))
		return note_scenario(l, scenario, false);
	if (strcmp(kind, "anomaly")) {
		snprintf(
			err, errlen,
			"%s: LABEL at ts %llu has kind \"%s\"; expected \"anomaly\" or \"normal\"",
			l->t->path, (unsigned long long)rec->ts, kind);
		return -EINVAL;
	}
	if (!end)
		end = END_UNSET;
	else if (end < lb->start_ts) {
		snprintf(
			err, errlen,
			"%s: LABEL at ts %llu ends (%llu) before it starts (%llu)",
			l->t->path, (unsigned long long)rec->ts,
			(unsigned long long)lb->end_ts,
			(unsigned long long)lb->start_ts);
		return -EINVAL;
	}
	ret = note_scenario(l, scenario, true);
	if (!ret)
		ret = cadet_truth__add_window(l->t, rec->cgroup_id,
					      lb->start_ts, end,
					      cadet_rec_str(rec, &lb->anomaly));
	return ret;
}

static int on_container(struct loader *l, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *cr = (const void *)rec;
	struct cadet_truth_container *c = get_container(l->t, rec->cgroup_id);
	const char *name = cadet_rec_str(rec, &cr->name);

	if (!c)
		return -ENOMEM;
	if (rec->type == CADET_REC_CONTAINER_REMOVE) {
		if (c->open_since != OPEN_NONE) {
			if (container_add_span(c, c->open_since, rec->ts))
				return -ENOMEM;
			c->open_since = OPEN_NONE;
		}
		return 0;
	}
	/* An update carries the engine's name: it replaces the id. */
	if (*name && (!*c->name || rec->type == CADET_REC_CONTAINER_UPDATE)) {
		free(c->name);
		c->name = strdup(name);
		if (!c->name)
			return -ENOMEM;
	}
	if (c->open_since == OPEN_NONE)
		c->open_since = rec->ts;
	return 0;
}

static int on_record(struct loader *l, const struct cadet_rec *rec, char *err,
		     size_t errlen)
{
	struct cadet_truth_container *c;

	switch (rec->type) {
	case CADET_REC_HEADER:
	case CADET_REC_SCHEMA:
		return 0;
	default:
		break;
	}
	if (!l->seen)
		l->t->t0 = rec->ts;
	l->seen = true;
	if (rec->ts > l->t->t1)
		l->t->t1 = rec->ts;
	switch (rec->type) {
	case CADET_REC_LABEL:
		return on_label(l, rec, err, errlen);
	case CADET_REC_CONTAINER:
	case CADET_REC_CONTAINER_ADD:
	case CADET_REC_CONTAINER_UPDATE:
	case CADET_REC_CONTAINER_REMOVE:
		return on_container(l, rec);
	case CADET_REC_LOST:
	case CADET_REC_STATS:
		return 0;
	default:
		break;
	}
	if (!rec->cgroup_id)
		return 0;
	/* an event of a cgroup: the container exists now */
	c = get_container(l->t, rec->cgroup_id);
	if (!c)
		return -ENOMEM;
	if (c->open_since == OPEN_NONE)
		c->open_since = rec->ts;
	return 0;
}

struct cadet_truth *cadet_truth__load(const char *path, char *err,
				      size_t errlen)
{
	struct loader l = {};
	const struct cadet_rec *rec;
	struct cadet_reader *r;
	int ret;

	err[0] = 0;
	r = cadet_reader__open(path, NULL);
	if (!r) {
		ret = -errno;
		const char *why = cadet_reader__open_error();

		/* the reader's message usually names the file already */
		if (why && strstr(why, path))
			snprintf(err, errlen, "cannot read the test trace: %s",
				 why);
		else
			snprintf(err, errlen,
				 "%s: cannot read the test trace: %s", path,
				 why ? why : strerror(-ret));
		errno = -ret;
		return NULL;
	}
	l.t = cadet_truth__new(path, NULL);
	if (!l.t) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while ((ret = cadet_reader__next(r, &rec)) != 0) {
		/*
		 * A cut test trace: replay used the records before the cut
		 * (and warned), so the truth comes from the same records.
		 */
		if (ret == -ENODATA) {
			fprintf(stderr,
				"cadet eval: warning: %s; using the labels of the records that could be read\n",
				cadet_reader__error(r));
			continue;
		}
		if (ret < 0)
			break;
		ret = on_record(&l, rec, err, errlen);
		if (ret)
			goto cleanup;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, cadet_reader__error(r));
		goto cleanup;
	}
	if (l.anomaly_scenario || l.normal_scenario) {
		l.t->scenario = l.anomaly_scenario ? l.anomaly_scenario
						   : l.normal_scenario;
		if (l.anomaly_scenario)
			l.anomaly_scenario = NULL;
		else
			l.normal_scenario = NULL;
	}
	cadet_truth__finish(l.t);
	if (!l.t->scenario)
		ret = -ENOMEM;
cleanup:
	cadet_reader__free(r);
	free(l.anomaly_scenario);
	free(l.normal_scenario);
	if (ret) {
		if (ret == -ENOMEM || !err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		cadet_truth__free(l.t);
		errno = -ret;
		return NULL;
	}
	return l.t;
}
