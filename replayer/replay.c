// SPDX-License-Identifier: MIT
/*
 * The replay engine. Each detector instance is one job: it reads every
 * trace itself, in command line order (train, then validate, then test),
 * so its results cannot depend on other detectors or on scheduling; jobs
 * run on --jobs threads. Results are buffered per (detector, test trace)
 * and written after all jobs end in (trace, detector, ts, emission) order.
 *
 * Before any detector runs, a pre-pass (also parallel, per trace) hashes
 * every file, reads it once to the end and records its container names:
 * a corrupt trace is skipped as a whole rather than half-replayed, and a
 * training or validation trace holding an anomaly label stops the run
 * before any work.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cadet/trace.h"
#include "detect/dethost.h"
#include "detect/loader.h"
#include "lib/util/sha256.h"
#include "lib/util/vec.h"
#include "lib/util/version.h"
#include "replayer/pool.h"
#include "replayer/replay.h"

struct ctr_ent {
	uint64_t cgroup_id;
	char *name;
};

struct rtrace {
	char *path;
	enum cadet_phase phase;
	char sha256[65];
	uint64_t records;
	char *error; /* set: skipped */
	char *damage; /* set: cut; the records before the cut are replayed */
	char *anomaly; /* first anomaly label, described */
	struct ctr_ent *ctrs; /* sorted by cgroup_id */
	size_t nctrs;
};

enum res_kind {
	RES_SCORE,
	RES_ALERT,
};

struct result {
	uint64_t key; /* sort time: win_end or ts */
	uint64_t seq; /* emission order */
	uint64_t cgroup_id;
	uint64_t a, b; /* win_start, win_end; or ts */
	double value;
	enum res_kind kind;
	enum cadet_severity sev;
	char *reason;
};

struct resvec {
	struct result *v;
	size_t n;
	size_t cap;
};

struct det {
	struct det_inst di; /* first: the sink gets a struct det_inst * */
	struct replay *r;
	struct rtrace *cur;
	struct resvec *res; /* per trace index */
	uint64_t seq;
};

struct replay {
	struct replay_opts opts;
	struct det **dets;
	size_t ndets;
	struct rtrace *traces;
	size_t ntraces;
	uint64_t events;
	char **save_paths; /* per detector, with opts.save_model */
	char err[1024];
};

static int set_err(struct replay *r, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct replay *r, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return ret;
}

const char *replay__error(const struct replay *r)
{
	return r->err;
}

uint64_t replay__events(const struct replay *r)
{
	return r->events;
}

/* ---- the sink: test-phase results ---- */

static struct result *res_push(struct det *d)
{
	struct resvec *rv = &d->res[d->cur - d->r->traces];
	struct result *x;

	if (vec_reserve(&rv->v, &rv->cap, rv->n + 1, sizeof(*rv->v))) {
		det_inst_disable(&d->di, "out of memory for results");
		return NULL;
	}
	x = &rv->v[rv->n++];
	memset(x, 0, sizeof(*x));
	x->seq = d->seq++;
	return x;
}

static void push_alert(struct det *d, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	struct result *x = res_push(d);

	if (!x)
		return;
	x->kind = RES_ALERT;
	x->key = ts;
	x->a = ts;
	x->cgroup_id = cg;
	x->sev = sev;
	x->reason = strdup(reason);
}

static void sink_alert(struct det_inst *di, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	push_alert((struct det *)di, ts, cg, sev, reason);
}

static void sink_score(struct det_inst *di, uint64_t cg, uint64_t win_start,
		       uint64_t win_end, double value)
{
	struct det *d = (struct det *)di;
	struct result *x = res_push(d);

	if (!x)
		return;
	x->kind = RES_SCORE;
	x->key = win_end;
	x->a = win_start;
	x->b = win_end;
	x->cgroup_id = cg;
	x->value = value;
}

static int cmp_ctr(const void *a, const void *b)
{
	const struct ctr_ent *x = a, *y = b;

	return (x->cgroup_id > y->cgroup_id) - (x->cgroup_id < y->cgroup_id);
}

static const char *trace_ctr_name(const struct rtrace *t, uint64_t cg)
{
	struct ctr_ent key = {.cgroup_id = cg}, *e;

	if (!t || !t->nctrs)
		return NULL;
	e = bsearch(&key, t->ctrs, t->nctrs, sizeof(key), cmp_ctr);
	return e ? e->name : NULL;
}

static const char *sink_ctr_name(struct det_inst *di, uint64_t cg)
{
	return trace_ctr_name(((struct det *)di)->cur, cg);
}

static const struct det_inst_sink replay_sink = {
	.score = sink_score,
	.alert = sink_alert,
	.ctr_name = sink_ctr_name,
};

/* ---- set-up ---- */

struct replay *replay__new(const struct replay_opts *opts)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts) {
		size_t n =
			opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts);

		memcpy(&r->opts, opts, n);
	}
	r->opts.sz = sizeof(r->opts);
	if (!opts)
		r->opts.seed = 1;
	if (r->opts.jobs < 1)
		r->opts.jobs = 1;
	if (r->opts.exec_timeout_s < 1)
		r->opts.exec_timeout_s = 120;
	return r;
}

static void det_free(struct det *d, size_t ntraces)
{
	if (!d)
		return;
	det_inst_release(&d->di);
	for (size_t i = 0; d->res && i < ntraces; i++) {
		for (size_t j = 0; j < d->res[i].n; j++)
			free(d->res[i].v[j].reason);
		free(d->res[i].v);
	}
	free(d->res);
	free(d);
}

void replay__free(struct replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndets; i++)
		det_free(r->dets[i], r->ntraces);
	free(r->dets);
	for (size_t i = 0; i < r->ntraces; i++) {
		struct rtrace *t = &r->traces[i];

		for (size_t j = 0; j < t->nctrs; j++)
			free(t->ctrs[j].name);
		free(t->ctrs);
		free(t->path);
		free(t->error);
		free(t->damage);
		free(t->anomaly);
	}
	free(r->traces);
	for (size_t i = 0; r->save_paths && i < r->ndets; i++)
		free(r->save_paths[i]);
	free(r->save_paths);
	free(r);
}

int replay__add_detector(struct replay *r, const char *spec)
{
	struct det_inst_cfg cfg = {
		.sz = sizeof(cfg),
		.who = "cadet replay",
		.seed_base = r->opts.seed,
		.exec_timeout_s = r->opts.exec_timeout_s,
		.sink = &replay_sink,
		.detector_timeout_s = r->opts.detector_timeout_s,
		.in_process = r->opts.in_process,
	};
	struct det *d = calloc(1, sizeof(*d)), **nd;
	char err[768];
	int ret;

	if (!d)
		return set_err(r, -ENOMEM, "out of memory");
	d->r = r;
	ret = det_inst_init(&d->di, spec, &cfg, err, sizeof(err));
	if (ret) {
		set_err(r, ret, "%s", err);
		free(d);
		return ret;
	}
	nd = realloc(r->dets, (r->ndets + 1) * sizeof(*nd));
	if (!nd) {
		det_free(d, 0);
		return set_err(r, -ENOMEM, "out of memory");
	}
	r->dets = nd;
	r->dets[r->ndets++] = d;
	return 0;
}

int replay__add_trace(struct replay *r, enum cadet_phase phase,
		      const char *path)
{
	struct rtrace *t = realloc(r->traces, (r->ntraces + 1) * sizeof(*t));

	if (!t)
		return set_err(r, -ENOMEM, "out of memory");
	r->traces = t;
	t = &r->traces[r->ntraces];
	memset(t, 0, sizeof(*t));
	t->phase = phase;
	t->path = strdup(path);
	if (!t->path)
		return set_err(r, -ENOMEM, "out of memory");
	r->ntraces++;
	return 0;
}

/* ---- pre-pass: hash, read through, container names, labels ---- */

static int trace_add_ctr(struct rtrace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	const char *name = cadet_rec_str(rec, &c->name);
	struct ctr_ent *v;

	if (!*name)
		name = cadet_rec_str(rec, &c->id);
	for (size_t i = 0; i < t->nctrs; i++) {
		char *renamed;

		if (t->ctrs[i].cgroup_id != rec->cgroup_id)
			continue;
		/* The engine's name, known after the add: it wins. */
		if (rec->type != CADET_REC_CONTAINER_UPDATE)
			return 0;
		renamed = strdup(name);
		if (!renamed)
			return -ENOMEM;
		free(t->ctrs[i].name);
		t->ctrs[i].name = renamed;
		return 0;
	}
	v = realloc(t->ctrs, (t->nctrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->ctrs = v;
	v[t->nctrs].cgroup_id = rec->cgroup_id;
	v[t->nctrs].name = strdup(name);
	if (!v[t->nctrs].name)
		return -ENOMEM;
	t->nctrs++;
	return 0;
}

static void precheck_one(void *ctx, size_t i)
{
	struct replay *r = ctx;
	struct rtrace *t = &r->traces[i];
	const struct cadet_rec *rec;
	struct cadet_reader *rd;
	char why[512];
	int err;

	/*
	 * Open before hashing: the reader refuses what is not a regular
	 * file (a symlink to /dev/zero would be hashed forever).
	 */
	rd = cadet_reader__open(t->path, NULL);
	if (!rd) {
		const char *m = cadet_reader__open_error();

		snprintf(why, sizeof(why), "%s", m && *m ? m : strerror(errno));
		t->error = strdup(why);
		return;
	}
	if (util_sha256_file(t->path, t->sha256, why, sizeof(why))) {
		t->error = strdup(why);
		cadet_reader__free(rd);
		return;
	}
	for (;;) {
		err = cadet_reader__next(rd, &rec);
		if (!err)
			break;
		/*
		 * Cut (the recorder was killed): every record before the cut
		 * is sound; note it and replay them. Damage skips the trace.
		 */
		if (err == -ENODATA) {
			if (!t->damage)
				t->damage = strdup(cadet_reader__error(rd));
			continue;
		}
		if (err < 0)
			break;
		t->records++;
		if (rec->type == CADET_REC_CONTAINER ||
		    rec->type == CADET_REC_CONTAINER_ADD ||
		    rec->type == CADET_REC_CONTAINER_UPDATE) {
			if (trace_add_ctr(t, rec))
				err = -ENOMEM;
		} else if (rec->type == CADET_REC_LABEL && !t->anomaly) {
			const struct cadet_rec_label *l = (const void *)rec;

			if (!strncmp(l->kind, "anomaly", sizeof(l->kind))) {
				snprintf(why, sizeof(why),
					 "%s on container '%s', ts %" PRIu64
					 "..%" PRIu64,
					 cadet_rec_str(rec, &l->anomaly),
					 cadet_rec_str(rec, &l->target),
					 l->start_ts, l->end_ts);
				t->anomaly = strdup(why);
			}
		}
		if (err < 0)
			break;
	}
	if (err < 0) {
		const char *m = cadet_reader__error(rd);

		snprintf(why, sizeof(why), "%s", m && *m ? m : strerror(-err));
		t->error = strdup(why);
	}
	cadet_reader__free(rd);
	/* qsort(NULL, 0, ...) is undefined: a trace may have no container. */
	if (t->nctrs)
		qsort(t->ctrs, t->nctrs, sizeof(*t->ctrs), cmp_ctr);
}

static const char *phase_name(enum cadet_phase p)
{
	switch (p) {
	case CADET_PHASE_TRAIN:
		return "train";
	case CADET_PHASE_VALIDATE:
		return "validate";
	case CADET_PHASE_TEST:
	default:
		return "test";
	}
}

/* ---- one detector ---- */

static void det_run_trace(struct det *d, struct rtrace *t)
{
	struct cadet_trace_desc td = {
		.sz = sizeof(td), .path = t->path, .phase = t->phase};
	const struct cadet_rec *rec;
	struct cadet_reader *rd;
	int err;

	rd = cadet_reader__open(t->path, NULL);
	if (!rd) {
		det_inst_disable(&d->di, "%s: %s", t->path,
				 cadet_reader__open_error());
		return;
	}
	d->cur = t;
	td.header = cadet_reader__header(rd);
	if (det_inst_begin(&d->di, &td))
		goto cleanup;
	/* Up to a cut, as the pre-pass counted (it warned). */
	while ((err = cadet_reader__next(rd, &rec)) != 0) {
		if (err == -ENODATA)
			continue;
		if (err < 0)
			break;
		if (det_inst_feed(&d->di, rec))
			goto cleanup;
	}
	if (err < 0) {
		det_inst_disable(&d->di, "%s: %s", t->path,
				 cadet_reader__error(rd));
		goto cleanup;
	}
	det_inst_end(&d->di, &td);
cleanup:
	d->di.active = false;
	d->cur = NULL;
	cadet_reader__free(rd);
}

static void det_run_phase(struct det *d, enum cadet_phase ph)
{
	struct replay *r = d->r;

	for (size_t i = 0; i < r->ntraces && !d->di.disabled; i++)
		if (r->traces[i].phase == ph && !r->traces[i].error)
			det_run_trace(d, &r->traces[i]);
}

static void det_job(void *ctx, size_t i)
{
	struct replay *r = ctx;
	struct det *d = r->dets[i];
	char err[768];

	d->res = calloc(r->ntraces, sizeof(*d->res));
	if (!d->res) {
		det_inst_disable(&d->di, "out of memory");
		return;
	}
	det_run_phase(d, CADET_PHASE_TRAIN);
	det_inst_train_end(&d->di);
	det_run_phase(d, CADET_PHASE_VALIDATE);
	det_inst_set_threshold(&d->di);
	if (r->opts.save_model &&
	    det_inst_save_model(&d->di, r->save_paths[i], err, sizeof(err)))
		det_inst_disable(&d->di, "%s", err);
	det_run_phase(d, CADET_PHASE_TEST);
	/* fini() now: an exec'd child exits and reports before output. */
	det_inst_fini(&d->di);
}

/* ---- output ---- */

static int cmp_result(const void *a, const void *b)
{
	const struct result *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void write_results(struct replay *r, FILE *out, struct det *d,
			  struct rtrace *t, struct resvec *rv)
{
	if (!rv->n)
		return;
	qsort(rv->v, rv->n, sizeof(*rv->v), cmp_result);
	for (size_t i = 0; i < rv->n; i++) {
		const struct result *x = &rv->v[i];
		const char *cn = trace_ctr_name(t, x->cgroup_id);

		if (x->kind == RES_ALERT) {
			det_write_alert_json(out, d->di.spec.spec, t->path, cn,
					     x->cgroup_id, x->a, x->sev,
					     x->reason ? x->reason : "");
			fputs("}\n", out);
			continue;
		}
		fputs("{\"type\":\"score\",\"detector\":", out);
		det_json_str(out, d->di.spec.spec);
		fputs(",\"trace\":", out);
		det_json_str(out, t->path);
		fputs(",\"container\":", out);
		if (cn)
			det_json_str(out, cn);
		else
			fputs("null", out);
		fprintf(out,
			",\"cgroup_id\":%" PRIu64 ",\"win_start\":%" PRIu64
			",\"win_end\":%" PRIu64 ",\"value\":%.17g}\n",
			x->cgroup_id, x->a, x->b, x->value);
	}
}

static json_t *traces_json(struct replay *r, enum cadet_phase ph)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->ntraces; i++) {
		struct rtrace *t = &r->traces[i];
		json_t *o;

		if (t->phase != ph)
			continue;
		o = json_pack("{s:s,s:s,s:I}", "path", t->path, "sha256",
			      t->error && !t->sha256[0] ? "" : t->sha256,
			      "records", (json_int_t)t->records);
		if (t->error)
			json_object_set_new(o, "error", json_string(t->error));
		json_array_append_new(a, o);
	}
	return a;
}

static const char *det_kind_name(enum det_kind k)
{
	if (k == DET_BUILTIN)
		return "builtin";
	return k == DET_PLUGIN ? "plugin" : "exec";
}

static int write_header(struct replay *r, FILE *out)
{
	json_t *h, *dets = json_array();
	char rule[32];
	int ret;

	for (size_t i = 0; i < r->ndets; i++) {
		struct det_inst *d = &r->dets[i]->di;
		json_t *params = json_object(), *o;

		for (size_t j = 0; j < d->spec.nparams; j++)
			json_object_set_new(
				params, d->spec.params[j].key,
				json_string(d->spec.params[j].value));
		if (d->spec.kind == DET_EXEC)
			json_object_set_new(params, "command",
					    json_string(d->spec.command));
		det_inst_rule_name(d, rule, sizeof(rule));
		o = json_pack("{s:s,s:s,s:s,s:o,s:I,s:I,s:o,s:s,s:I}", "name",
			      d->ops.name ? d->ops.name : d->spec.name, "spec",
			      d->spec.spec, "kind", det_kind_name(d->spec.kind),
			      "params", params, "seed", (json_int_t)d->seed,
			      "tick_ns", (json_int_t)d->tick_ns, "threshold",
			      d->has_thr ? json_real(d->thr) : json_null(),
			      "threshold_rule", rule, "validation_scores",
			      (json_int_t)d->nvals);
		if (d->disabled)
			json_object_set_new(o, "disabled",
					    json_string(d->disabled));
		json_array_append_new(dets, o);
	}
	h = json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "type", "header",
		      "cadet_version", CADET_VERSION, "seed",
		      (json_int_t)r->opts.seed, "detectors", dets, "train",
		      traces_json(r, CADET_PHASE_TRAIN), "validate",
		      traces_json(r, CADET_PHASE_VALIDATE), "test",
		      traces_json(r, CADET_PHASE_TEST));
	if (!h)
		return -ENOMEM;
	ret = json_dumpf(h, out, JSON_COMPACT | JSON_REAL_PRECISION(17));
	fputc('\n', out);
	json_decref(h);
	return ret ? -EIO : 0;
}

/*
 * --save-model PATH: one detector saves to PATH, several to PATH.<name>
 * each (their names must then differ).
 */
static int model_paths(struct replay *r)
{
	const char *p = r->opts.save_model;

	if (!p)
		return 0;
	r->save_paths = calloc(r->ndets, sizeof(*r->save_paths));
	if (!r->save_paths)
		return set_err(r, -ENOMEM, "out of memory");
	for (size_t i = 0; i < r->ndets; i++) {
		const struct det_inst *d = &r->dets[i]->di;
		const char *name = d->ops.name ? d->ops.name : d->spec.name;

		for (size_t j = 0; j < i && r->ndets > 1; j++) {
			const struct det_inst *o = &r->dets[j]->di;

			if (!strcmp(name,
				    o->ops.name ? o->ops.name : o->spec.name))
				return set_err(
					r, -EINVAL,
					"--save-model: detectors '%s' and '%s' would both save to %s.%s: save them in separate runs",
					o->spec.spec, d->spec.spec, p, name);
		}
		if (r->ndets == 1)
			r->save_paths[i] = strdup(p);
		else if (asprintf(&r->save_paths[i], "%s.%s", p, name) < 0)
			r->save_paths[i] = NULL;
		if (!r->save_paths[i])
			return set_err(r, -ENOMEM, "out of memory");
	}
	return 0;
}

int replay__run(struct replay *r, FILE *out)
{
	struct timespec t0, t1;
	bool skipped = false;
	int ret;

	if (!r->ndets)
		return set_err(
			r, -EINVAL,
			"no detector: give at least one --detector (see --list-detectors)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pool_run(r->ntraces, r->opts.jobs, precheck_one, r);
	for (size_t i = 0; i < r->ntraces; i++) {
		struct rtrace *t = &r->traces[i];

		if (t->error) {
			fprintf(stderr,
				"cadet replay: skipping %s trace %s: %s\n",
				phase_name(t->phase), t->path, t->error);
			skipped = true;
			continue;
		}
		if (t->damage) {
			fprintf(stderr,
				"cadet replay: WARNING: %s trace %s is cut: %s; replaying the %" PRIu64
				" records that could be read (exit status 1)\n",
				phase_name(t->phase), t->path, t->damage,
				t->records);
			skipped = true;
		}
		if (t->anomaly && t->phase != CADET_PHASE_TEST) {
			return set_err(
				r, -EINVAL,
				"%s: a --%s trace must be normal-only, but it has an anomaly label (%s): pass it as a test trace, or record a normal run for %s",
				t->path, phase_name(t->phase), t->anomaly,
				t->phase == CADET_PHASE_TRAIN ? "training"
							      : "validation");
		}
	}
	ret = model_paths(r);
	if (ret)
		return ret;
	pool_run(r->ndets, r->opts.jobs, det_job, r);
	r->events = 0;
	for (size_t i = 0; i < r->ndets; i++) {
		r->events += r->dets[i]->di.events;
		if (r->dets[i]->di.disabled)
			skipped = true;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	ret = write_header(r, out);
	for (size_t i = 0; !ret && i < r->ntraces; i++) {
		struct rtrace *t = &r->traces[i];

		if (t->phase != CADET_PHASE_TEST || t->error)
			continue;
		for (size_t j = 0; j < r->ndets; j++)
			if (r->dets[j]->res)
				write_results(r, out, r->dets[j], t,
					      &r->dets[j]->res[i]);
	}
	if (!ret && (fflush(out) || ferror(out)))
		ret = -EIO;
	if (ret)
		return set_err(r, ret, "cannot write results: %s",
			       strerror(-ret));
	if (!r->opts.quiet) {
		double s = (t1.tv_sec - t0.tv_sec) +
			   (t1.tv_nsec - t0.tv_nsec) / 1e9;

		fprintf(stderr,
			"cadet replay: %zu detector(s), %zu trace(s), %" PRIu64
			" events delivered in %.2f s (%.0f events/s)\n",
			r->ndets, r->ntraces, r->events, s,
			s > 0 ? r->events / s : 0.0);
	}
	return skipped ? 1 : 0;
}
