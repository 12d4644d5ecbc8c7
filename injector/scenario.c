// SPDX-License-Identifier: MIT
/*
 * Scenario files: loading (from a file or memory), freeing, the
 * overrides of `cadet run` and names for enums. Parsing is two passes,
 * scenario_parse.c (the syntax) then scenario_validate.c (the meaning),
 * so that every message can name the file, the line and the key, and all
 * problems are reported at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "injector/scenario_int.h"

struct scenario *scenario__load_mem(const char *text, size_t len,
				    const struct scenario_opts *opts)
{
	struct parser ps = {0};
	struct scenario *s = NULL;
	const char *path = "<memory>";
	int ret, err = 0;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts && opts->display_path)
		path = opts->display_path;
	if (opts) {
		ps.errbuf = opts->errbuf;
		ps.errbuf_sz = opts->errbuf_sz;
		if (opts->sz >= offsetof(struct scenario_opts, origin_files) +
					sizeof(opts->origin_files) &&
		    opts->origin && opts->origin_files) {
			ps.origin = opts->origin;
			ps.norigin = opts->norigin;
			ps.origin_files = opts->origin_files;
		}
		if (ps.errbuf && ps.errbuf_sz)
			ps.errbuf[0] = '\0';
	}
	ps.path = path;
	ps.p = text;
	ps.end = text + len;
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		int line = 1;

		for (const char *q = text; q < z; q++)
			line += *q == '\n';
		scn_perr(&ps, line, NULL, NULL,
			 "NUL byte in the file; scenario files are text");
		errno = EINVAL;
		return NULL;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->seed = 1;
	s->path = strdup(path);
	if (!s->path) {
		err = ENOMEM;
		goto cleanup;
	}

	ret = scn_parse_ini(&ps);
	if (ps.oom || ret == -2) {
		err = ENOMEM;
		goto cleanup;
	}
	/*
	 * The reader reports syntax errors itself, all of them; inih
	 * returns only the first. This catches anything it saw that the
	 * reader did not.
	 */
	if (ret > 0 && ps.nerrors == 0)
		scn_perr(
			&ps, ret, NULL, NULL,
			"syntax error: expected 'key = value', '[section]' or a comment");
	scn_validate(&ps, s);
	if (!ps.nerrors && s->name &&
	    asprintf(&s->run_name, "%s%s%s", s->name, s->variant ? "_" : "",
		     s->variant ? s->variant : "") < 0) {
		s->run_name = NULL;
		ps.oom = true;
	}
	if (ps.oom) {
		err = ENOMEM;
		goto cleanup;
	}
	if (ps.nerrors) {
		if (ps.nerrors > MAX_ERRORS)
			scn_perr(&ps, ps.line, NULL, NULL,
				 "and %d more problems",
				 ps.nerrors - MAX_ERRORS);
		err = EINVAL;
	}
cleanup:
	scn_raw_free(&ps);
	if (err) {
		if (err == ENOMEM && ps.errbuf && ps.errbuf_sz)
			snprintf(ps.errbuf, ps.errbuf_sz, "%s: out of memory\n",
				 path);
		scenario__free(s);
		errno = err;
		return NULL;
	}
	return s;
}

struct scenario *scenario__load(const char *path,
				const struct scenario_opts *opts)
{
	struct scenario_opts o = {.sz = sizeof(o)};
	struct scenario *s = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	FILE *f;
	int err = 0;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!o.display_path)
		o.display_path = path;
	f = fopen(path, "r");
	if (!f) {
		err = errno;
		if (o.errbuf && o.errbuf_sz)
			snprintf(
				o.errbuf, o.errbuf_sz, "%s: cannot read: %s\n",
				path,
				err == ENOENT
					? "no such file; give the path of a scenario .ini file (cadet run --list shows the catalogue)"
					: strerror(err));
		errno = err;
		return NULL;
	}
	/* fopen() opens a directory; its read would fail with EISDIR. */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		if (o.errbuf && o.errbuf_sz)
			snprintf(
				o.errbuf, o.errbuf_sz,
				"%s: is a directory; give a scenario .ini file (e.g. %s/NAME.ini)\n",
				path, path);
		errno = EISDIR;
		return NULL;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 8192;
			/* A scenario is a few hundred bytes: refuse huge files. */
			if (cap > (4u << 20)) {
				err = EFBIG;
				break;
			}
			nt = realloc(text, cap);
			if (!nt) {
				err = ENOMEM;
				break;
			}
			text = nt;
		}
		errno = 0;
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		if (o.errbuf && o.errbuf_sz)
			snprintf(
				o.errbuf, o.errbuf_sz, "%s: cannot read: %s\n",
				path,
				err == EFBIG
					? "larger than 4 MiB, not a scenario file"
					: strerror(err));
		goto cleanup;
	}
	s = scenario__load_mem(text ? text : "", len, &o);
	if (!s)
		err = errno;
cleanup:
	free(text);
	if (err)
		errno = err;
	return s;
}

static void params_free(struct scenario_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

void scenario__free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncontainers; i++) {
		free(s->containers[i].name);
		free(s->containers[i].packages);
		free(s->containers[i].command);
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		struct scenario_workload *w = &s->workloads[i];

		free(w->name);
		free(w->command);
		params_free(w->actions, w->nactions);
	}
	for (size_t j = 0; j < s->nanomalies; j++) {
		struct scenario_anomaly *a = &s->anomalies[j];

		params_free(a->params, a->nparams);
		free(a->name);
		free(a->type);
		free(a->command);
		free(a->class_name);
	}
	free(s->anomalies);
	free(s->containers);
	free(s->workloads);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s->launcher);
	free(s->variant);
	free(s->run_name);
	free(s);
}

/* scenario__override() for one anomaly; @old is the file's duration. */
static int override_anomaly(struct scenario *s, struct scenario_anomaly *a,
			    unsigned int old, unsigned int duration,
			    const char *start, unsigned int lo, unsigned int hi,
			    char *err, size_t err_sz, char *note,
			    size_t note_sz)
{
	if (start) {
		if (hi >= s->duration) {
			snprintf(
				err, err_sz,
				"--start %s: the anomaly would start after the %u s run ends",
				start, s->duration);
			return -EINVAL;
		}
		if (hi + a->duration > s->duration && !duration) {
			snprintf(
				err, err_sz,
				"--start %s: the anomaly (%u s) would end after the %u s run",
				start, a->duration, s->duration);
			return -EINVAL;
		}
		a->start_min = lo;
		a->start_max = hi;
		/* With --duration too, the anomaly is cut to what is left. */
		if (hi + a->duration > s->duration) {
			a->duration = s->duration - hi;
			if (note && note_sz)
				snprintf(
					note, note_sz,
					"anomaly cut to the %u s run: start %u-%u s, duration %u s",
					s->duration, lo, hi, a->duration);
		}
		return 0;
	}
	if (duration && a->start_max + a->duration > duration) {
		/* A shorter run: the anomaly keeps its place in the run. */
		double f = (double)duration / old;

		a->start_min = (unsigned int)(a->start_min * f);
		a->start_max = (unsigned int)(a->start_max * f);
		a->duration = (unsigned int)(a->duration * f);
		a->duration_min = (unsigned int)(a->duration_min * f);
		if (a->duration < 1)
			a->duration = 1;
		while (a->start_max + a->duration > duration &&
		       a->start_max > a->start_min)
			a->start_max--;
		while (a->start_max + a->duration > duration && a->duration > 1)
			a->duration--;
		if (note && note_sz)
			snprintf(
				note, note_sz,
				"anomaly scaled to the %u s run: start %u-%u s, duration %u s",
				duration, a->start_min, a->start_max,
				a->duration);
	}
	return 0;
}

int scenario__override(struct scenario *s, unsigned int duration,
		       const char *start, char *err, size_t err_sz, char *note,
		       size_t note_sz)
{
	struct scenario_anomaly *a = s->anomaly;
	unsigned int old = s->duration, lo = 0, hi = 0;

	if (note && note_sz)
		note[0] = '\0';
	if (duration && (duration < SCENARIO_DURATION_MIN ||
			 duration > SCENARIO_DURATION_MAX)) {
		snprintf(err, err_sz, "--duration %u is out of range %d..%d s",
			 duration, SCENARIO_DURATION_MIN,
			 SCENARIO_DURATION_MAX);
		return -EINVAL;
	}
	if (start && !a) {
		snprintf(err, err_sz,
			 "--start: %s has no [anomaly] (a normal-only run)",
			 s->path);
		return -EINVAL;
	}
	if (start && scenario_parse_range(start, &lo, &hi)) {
		snprintf(err, err_sz,
			 "--start: expected N or A-B seconds, got '%s'", start);
		return -EINVAL;
	}
	if (duration)
		s->duration = duration;
	for (size_t i = 0; i < s->nanomalies; i++) {
		int ret = override_anomaly(s, &s->anomalies[i], old, duration,
					   start, lo, hi, err, err_sz, note,
					   note_sz);

		if (ret)
			return ret;
	}
	return 0;
}

const char *scenario_category_name(enum scenario_category c)
{
	switch (c) {
	case SCENARIO_CAT_RESOURCE:
		return "resource";
	case SCENARIO_CAT_SECURITY:
		return "security";
	case SCENARIO_CAT_NETWORK:
		return "network";
	}
	return "?";
}

const char *scenario_anomaly_class(const struct scenario_anomaly *an)
{
	return an->class_name ? an->class_name : an->type;
}
