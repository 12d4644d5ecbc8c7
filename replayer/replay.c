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
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cadet/trace.h"
#include "replayer/loader.h"
#include "replayer/registry.h"
#include "replayer/replay.h"
#include "replayer/replay_int.h"
#include "replayer/util.h"

#define NS_PER_S 1000000000ull

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
	struct replay *r;
	struct det_spec spec;
	struct cadet_detector_ops ops;
	void *dl;
	struct cadet_host host;
	struct cadet_param *params; /* spec params minus host keys */
	size_t nparams;
	uint64_t seed;
	uint64_t tick_ns;
	struct replay_thr_rule rule;
	bool has_thr;
	double thr;
	void *state;
	bool inited;
	char *disabled; /* why, when disabled */

	enum cadet_phase phase;
	struct rtrace *cur;
	const struct cadet_rec *cur_rec;
	double *vals; /* validation scores */
	size_t nvals;
	size_t capvals;
	struct resvec *res; /* per trace index */
	uint64_t seq;
	uint64_t events;
	bool warned_nonfinite;
};

struct replay {
	struct replay_opts opts;
	struct det **dets;
	size_t ndets;
	struct rtrace *traces;
	size_t ntraces;
	uint64_t events;
	char err[1024];
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* ---- seeds and thresholds ---- */

uint64_t replay_detector_seed(uint64_t base, const char *spec)
{
	uint64_t s = fnv1a64(spec, strlen(spec), FNV1A64_INIT) ^ base;

	/* One generator step decorrelates nearby bases and specs; 63 bits
	 * so that every JSON reader takes it as a plain integer. */
	return rng_next(&s) & INT64_MAX;
}

int replay_thr_parse(const char *s, struct replay_thr_rule *rule)
{
	char *end;
	double v;

	rule->kind = REPLAY_THR_MAX;
	rule->value = 0;
	if (!s || !strcmp(s, "max"))
		return 0;
	if (!strcmp(s, "none")) {
		rule->kind = REPLAY_THR_NONE;
		return 0;
	}
	errno = 0;
	if (s[0] == 'q') {
		v = strtod(s + 1, &end);
		if (errno || end == s + 1 || *end || !(v > 0 && v <= 100))
			return -EINVAL;
		rule->kind = REPLAY_THR_QUANTILE;
		rule->value = v / 100;
		return 0;
	}
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -EINVAL;
	rule->kind = REPLAY_THR_FIXED;
	rule->value = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

bool replay_thr_compute(const struct replay_thr_rule *rule, double *scores,
			size_t n, double *thr)
{
	size_t rank;

	switch (rule->kind) {
	case REPLAY_THR_NONE:
		return false;
	case REPLAY_THR_FIXED:
		*thr = rule->value;
		return true;
	case REPLAY_THR_MAX:
	case REPLAY_THR_QUANTILE:
		break;
	}
	if (!n)
		return false;
	qsort(scores, n, sizeof(*scores), cmp_double);
	if (rule->kind == REPLAY_THR_MAX) {
		*thr = scores[n - 1];
		return true;
	}
	/* Nearest rank: the smallest score with >= q of all at or below. */
	rank = (size_t)ceil(rule->value * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	*thr = scores[rank - 1];
	return true;
}

/* ---- host services ---- */

static void det_log(const struct cadet_host *h, const char *fmt, ...)
{
	struct det *d = h->host_data;
	va_list ap;

	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "cadet replay: detector %s: ", d->spec.spec);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
}

static void det_disable(struct det *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void det_disable(struct det *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (d->disabled)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->disabled = strdup(msg);
	if (!d->disabled)
		d->disabled = "out of memory";
	det_log(&d->host, "disabled: %s (other detectors go on)", msg);
}

static struct result *res_push(struct det *d)
{
	struct resvec *rv = &d->res[d->cur - d->r->traces];
	struct result *x;

	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 256;
		struct result *v = realloc(rv->v, cap * sizeof(*v));

		if (!v) {
			det_disable(d, "out of memory for results");
			return NULL;
		}
		rv->v = v;
		rv->cap = cap;
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
	x->sev = sev <= CADET_SEV_CRITICAL ? sev : CADET_SEV_CRITICAL;
	x->reason = strdup(reason ? reason : "");
}

static void host_score(const struct cadet_host *h, uint64_t cg,
		       uint64_t win_start, uint64_t win_end, double value)
{
	struct det *d = h->host_data;
	struct result *x;

	if (d->disabled || !d->cur || d->phase == CADET_PHASE_TRAIN)
		return;
	if (!isfinite(value)) {
		if (!d->warned_nonfinite)
			det_log(h,
				"ignoring non-finite scores (first at %" PRIu64
				")",
				win_end);
		d->warned_nonfinite = true;
		return;
	}
	if (d->phase == CADET_PHASE_VALIDATE) {
		if (d->nvals == d->capvals) {
			size_t cap = d->capvals ? d->capvals * 2 : 1024;
			double *v = realloc(d->vals, cap * sizeof(*v));

			if (!v) {
				det_disable(d, "out of memory for scores");
				return;
			}
			d->vals = v;
			d->capvals = cap;
		}
		d->vals[d->nvals++] = value;
		return;
	}
	x = res_push(d);
	if (!x)
		return;
	x->kind = RES_SCORE;
	x->key = win_end;
	x->a = win_start;
	x->b = win_end;
	x->cgroup_id = cg;
	x->value = value;
	if (d->has_thr && !(d->ops.flags & CADET_DET_F_OWN_ALERTS) &&
	    value > d->thr) {
		char reason[96];

		snprintf(reason, sizeof(reason), "score %.6g > threshold %.6g",
			 value, d->thr);
		push_alert(d, win_end, cg, CADET_SEV_WARNING, reason);
	}
}

static void host_alert(const struct cadet_host *h, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	struct det *d = h->host_data;

	/* Only test alerts are results; validation alerts set nothing. */
	if (d->disabled || !d->cur || d->phase != CADET_PHASE_TEST)
		return;
	push_alert(d, ts, cg, sev, reason);
}

const struct cadet_rec *replay_host_cur_rec(const struct cadet_host *h)
{
	return ((struct det *)h->host_data)->cur_rec;
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

const char *replay_host_ctr_name(const struct cadet_host *h, uint64_t cg)
{
	return trace_ctr_name(((struct det *)h->host_data)->cur, cg);
}

int replay_host_exec_timeout(const struct cadet_host *h)
{
	return ((struct det *)h->host_data)->r->opts.exec_timeout_s;
}

enum cadet_phase replay_host_phase(const struct cadet_host *h)
{
	return ((struct det *)h->host_data)->phase;
}

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
	if (d->inited && d->ops.fini)
		d->ops.fini(d->state);
	if (d->dl)
		dlclose(d->dl);
	for (size_t i = 0; d->res && i < ntraces; i++) {
		for (size_t j = 0; j < d->res[i].n; j++)
			free(d->res[i].v[j].reason);
		free(d->res[i].v);
	}
	free(d->res);
	free(d->vals);
	free(d->params);
	if (d->disabled && strcmp(d->disabled, "out of memory"))
		free(d->disabled);
	det_spec_release(&d->spec);
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
		free(t->anomaly);
	}
	free(r->traces);
	free(r);
}

static int det_resolve(struct replay *r, struct det *d)
{
	const struct cadet_detector_ops *b;
	char err[768];
	int ret;

	switch (d->spec.kind) {
	case DET_BUILTIN:
		b = builtin_detector_find(d->spec.name);
		if (!b)
			return set_err(
				r, -ENOENT,
				"unknown detector '%s': see 'cadet replay --list-detectors'; a plugin is given by its path (./x.so), a program as exec:COMMAND",
				d->spec.name);
		ret = det_ops_import(b, d->spec.name, &d->ops, err,
				     sizeof(err));
		break;
	case DET_PLUGIN:
		ret = plugin_load(d->spec.name, &d->ops, &d->dl, err,
				  sizeof(err));
		break;
	case DET_EXEC:
	default:
		ret = det_ops_import(&replay_exec_ops, "exec", &d->ops, err,
				     sizeof(err));
		break;
	}
	if (ret)
		return set_err(r, ret, "%s", err);
	ret = det_spec_check_params(&d->ops, &d->spec, err, sizeof(err));
	if (ret)
		return set_err(r, ret, "%s", err);
	return 0;
}

int replay__add_detector(struct replay *r, const char *spec)
{
	struct det *d = calloc(1, sizeof(*d)), **nd;
	const char *thr = NULL;
	char err[768];
	int ret;

	if (!d)
		return set_err(r, -ENOMEM, "out of memory");
	d->r = r;
	ret = det_spec_parse(spec, &d->spec, err, sizeof(err));
	if (ret) {
		set_err(r, ret, "%s", err);
		goto cleanup;
	}
	ret = det_resolve(r, d);
	if (ret)
		goto cleanup;
	/* Host keys stay with the host; the detector gets the rest. */
	d->params = calloc(d->spec.nparams + 1, sizeof(*d->params));
	if (!d->params) {
		ret = set_err(r, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < d->spec.nparams; i++) {
		if (!strcmp(d->spec.params[i].key, DET_PARAM_THRESHOLD))
			thr = d->spec.params[i].value;
		else
			d->params[d->nparams++] = d->spec.params[i];
	}
	if (d->spec.kind == DET_EXEC) {
		d->params[d->nparams].key = "command";
		d->params[d->nparams++].value = d->spec.command;
	}
	if (replay_thr_parse(thr, &d->rule)) {
		ret = set_err(
			r, -EINVAL,
			"detector '%s': threshold=%s: want max (largest validation score), qNN (validation quantile, 0 < NN <= 100, e.g. q99), a number, or none",
			spec, thr);
		goto cleanup;
	}
	d->seed = replay_detector_seed(r->opts.seed, spec);
	d->tick_ns = d->ops.tick_ns ? d->ops.tick_ns : NS_PER_S;
	d->host.sz = sizeof(d->host);
	d->host.host_data = d;
	d->host.score = host_score;
	d->host.alert = host_alert;
	d->host.log = det_log;
	/* init() now: a bad parameter value stops us before any work. */
	ret = d->ops.init(&d->state, &d->host, d->params, d->nparams, d->seed);
	if (ret < 0) {
		set_err(r, ret, "detector '%s': init failed (%s)%s", spec,
			strerror(-ret),
			ret == -EINVAL
				? ": check its parameters (--list-detectors)"
				: "");
		goto cleanup;
	}
	d->inited = true;
	nd = realloc(r->dets, (r->ndets + 1) * sizeof(*nd));
	if (!nd) {
		ret = set_err(r, -ENOMEM, "out of memory");
		goto cleanup;
	}
	r->dets = nd;
	r->dets[r->ndets++] = d;
	return 0;
cleanup:
	det_free(d, 0);
	return ret;
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

/* ---- parallel jobs ---- */

struct pool {
	atomic_size_t next;
	size_t n;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->ctx, i);
	return NULL;
}

/* Runs fn(ctx, 0..n-1) on up to @jobs threads (this one included). */
static void run_parallel(size_t n, int jobs, void (*fn)(void *, size_t),
			 void *ctx)
{
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	pthread_t th[64];
	size_t nth = 0;

	atomic_init(&p.next, 0);
	if ((size_t)jobs > n)
		jobs = n;
	if (jobs > 64)
		jobs = 64;
	for (int i = 1; i < jobs; i++)
		if (!pthread_create(&th[nth], NULL, pool_worker, &p))
			nth++;
	pool_worker(&p);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
}

/* ---- pre-pass: hash, read through, container names, labels ---- */

static int sha256_file(const char *path, char hex[65], char *why, size_t whylen)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int mdlen = 0;
	FILE *f = NULL;
	size_t n;
	int ret = -EIO;

	f = fopen(path, "rb");
	if (!f) {
		ret = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	buf = malloc(1 << 20);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		snprintf(why, whylen, "%s: cannot hash: out of memory", path);
		goto cleanup;
	}
	while ((n = fread(buf, 1, 1 << 20, f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		goto cleanup;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	ret = 0;
cleanup:
	EVP_MD_CTX_free(ctx);
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

static int trace_add_ctr(struct rtrace *t, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	const char *name = cadet_rec_str(rec, &c->name);
	struct ctr_ent *v;

	if (!*name)
		name = cadet_rec_str(rec, &c->id);
	for (size_t i = 0; i < t->nctrs; i++)
		if (t->ctrs[i].cgroup_id == rec->cgroup_id)
			return 0;
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

	if (sha256_file(t->path, t->sha256, why, sizeof(why))) {
		t->error = strdup(why);
		return;
	}
	rd = cadet_reader__open(t->path, NULL);
	if (!rd) {
		const char *m = cadet_reader__open_error();

		snprintf(why, sizeof(why), "%s", m && *m ? m : strerror(errno));
		t->error = strdup(why);
		return;
	}
	while ((err = cadet_reader__next(rd, &rec)) > 0) {
		t->records++;
		if (rec->type == CADET_REC_CONTAINER ||
		    rec->type == CADET_REC_CONTAINER_ADD) {
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

static int det_check(struct det *d, const char *cb, int ret)
{
	if (ret < 0 && !d->disabled)
		det_disable(d, "%s() failed%s%s: %s", cb, d->cur ? " on " : "",
			    d->cur ? d->cur->path : "", strerror(-ret));
	return ret < 0 ? ret : 0;
}

#define DCALL(d, cb, ...) \
	((d)->ops.cb ? det_check((d), #cb, (d)->ops.cb(__VA_ARGS__)) : 0)

static int det_container(struct det *d, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	struct cadet_container_desc cd = {
		.sz = sizeof(cd),
		.cgroup_id = rec->cgroup_id,
		.id = cadet_rec_str(rec, &c->id),
		.name = cadet_rec_str(rec, &c->name),
		.runtime = c->runtime,
		.cgroup_path = cadet_rec_str(rec, &c->cgroup_path),
	};
	char runtime[sizeof(c->runtime) + 1];

	memcpy(runtime, c->runtime, sizeof(c->runtime));
	runtime[sizeof(c->runtime)] = 0;
	cd.runtime = runtime;
	return DCALL(d, on_container, d->state, &cd,
		     rec->type != CADET_REC_CONTAINER_REMOVE);
}

static void det_run_trace(struct det *d, struct rtrace *t)
{
	struct cadet_trace_desc td = {
		.sz = sizeof(td), .path = t->path, .phase = t->phase};
	const struct cadet_rec *rec;
	struct cadet_reader *rd;
	uint64_t next = 0, P = d->tick_ns;
	bool started = false;
	int err;

	rd = cadet_reader__open(t->path, NULL);
	if (!rd) {
		det_disable(d, "%s: %s", t->path, cadet_reader__open_error());
		return;
	}
	d->cur = t;
	d->phase = t->phase;
	td.header = cadet_reader__header(rd);
	if (DCALL(d, on_trace_begin, d->state, &td))
		goto cleanup;
	while ((err = cadet_reader__next(rd, &rec)) > 0) {
		switch (rec->type) {
		case CADET_REC_HEADER:
		case CADET_REC_SCHEMA:
		case CADET_REC_LABEL: /* ground truth: never shown */
			continue;
		}
		if (!started) {
			next = (rec->ts / P + 1) * P;
			started = true;
		}
		while (rec->ts >= next) {
			if (DCALL(d, on_tick, d->state, next))
				goto cleanup;
			next += P;
		}
		d->cur_rec = rec;
		d->events++;
		switch (rec->type) {
		case CADET_REC_CONTAINER:
		case CADET_REC_CONTAINER_ADD:
		case CADET_REC_CONTAINER_REMOVE:
			err = det_container(d, rec);
			break;
		default:
			err = DCALL(d, on_event, d->state, rec);
		}
		d->cur_rec = NULL;
		if (err)
			goto cleanup;
	}
	if (err < 0) {
		det_disable(d, "%s: %s", t->path, cadet_reader__error(rd));
		goto cleanup;
	}
	/* The last, partial tick period closes like every other one. */
	if (started && DCALL(d, on_tick, d->state, next))
		goto cleanup;
	DCALL(d, on_trace_end, d->state, &td);
cleanup:
	d->cur_rec = NULL;
	d->cur = NULL;
	cadet_reader__free(rd);
}

static void det_run_phase(struct det *d, enum cadet_phase ph)
{
	struct replay *r = d->r;

	for (size_t i = 0; i < r->ntraces && !d->disabled; i++)
		if (r->traces[i].phase == ph && !r->traces[i].error)
			det_run_trace(d, &r->traces[i]);
}

static void det_job(void *ctx, size_t i)
{
	struct replay *r = ctx;
	struct det *d = r->dets[i];

	d->res = calloc(r->ntraces, sizeof(*d->res));
	if (!d->res) {
		det_disable(d, "out of memory");
		return;
	}
	det_run_phase(d, CADET_PHASE_TRAIN);
	if (!d->disabled) {
		d->phase = CADET_PHASE_TRAIN;
		DCALL(d, train_end, d->state);
	}
	det_run_phase(d, CADET_PHASE_VALIDATE);
	if (!d->disabled && !(d->ops.flags & CADET_DET_F_OWN_ALERTS))
		d->has_thr = replay_thr_compute(&d->rule, d->vals, d->nvals,
						&d->thr);
	det_run_phase(d, CADET_PHASE_TEST);
	/* fini() now: an exec'd child exits and reports before output. */
	if (d->inited && d->ops.fini)
		d->ops.fini(d->state);
	d->inited = false;
}

/* ---- output ---- */

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int cmp_result(const void *a, const void *b)
{
	const struct result *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static const char *sev_name(enum cadet_severity s)
{
	switch (s) {
	case CADET_SEV_INFO:
		return "info";
	case CADET_SEV_WARNING:
		return "warning";
	case CADET_SEV_CRITICAL:
	default:
		return "critical";
	}
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

		fprintf(out, "{\"type\":\"%s\",\"detector\":",
			x->kind == RES_SCORE ? "score" : "alert");
		put_str(out, d->spec.spec);
		fputs(",\"trace\":", out);
		put_str(out, t->path);
		fputs(",\"container\":", out);
		if (cn)
			put_str(out, cn);
		else
			fputs("null", out);
		fprintf(out, ",\"cgroup_id\":%" PRIu64, x->cgroup_id);
		if (x->kind == RES_SCORE) {
			fprintf(out,
				",\"win_start\":%" PRIu64
				",\"win_end\":%" PRIu64 ",\"value\":%.17g}\n",
				x->a, x->b, x->value);
		} else {
			fprintf(out,
				",\"ts\":%" PRIu64
				",\"severity\":\"%s\",\"reason\":",
				x->a, sev_name(x->sev));
			put_str(out, x->reason ? x->reason : "");
			fputs("}\n", out);
		}
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
		struct det *d = r->dets[i];
		json_t *params = json_object(), *o;

		for (size_t j = 0; j < d->spec.nparams; j++)
			json_object_set_new(
				params, d->spec.params[j].key,
				json_string(d->spec.params[j].value));
		if (d->spec.kind == DET_EXEC)
			json_object_set_new(params, "command",
					    json_string(d->spec.command));
		switch (d->rule.kind) {
		case REPLAY_THR_MAX:
			snprintf(rule, sizeof(rule), "max");
			break;
		case REPLAY_THR_QUANTILE:
			snprintf(rule, sizeof(rule), "q%.15g",
				 d->rule.value * 100);
			break;
		case REPLAY_THR_FIXED:
			snprintf(rule, sizeof(rule), "fixed");
			break;
		case REPLAY_THR_NONE:
			snprintf(rule, sizeof(rule), "none");
			break;
		}
		if (d->ops.flags & CADET_DET_F_OWN_ALERTS)
			snprintf(rule, sizeof(rule), "own-alerts");
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
	run_parallel(r->ntraces, r->opts.jobs, precheck_one, r);
	for (size_t i = 0; i < r->ntraces; i++) {
		struct rtrace *t = &r->traces[i];

		if (t->error) {
			fprintf(stderr,
				"cadet replay: skipping %s trace %s: %s\n",
				phase_name(t->phase), t->path, t->error);
			skipped = true;
		} else if (t->anomaly && t->phase != CADET_PHASE_TEST) {
			return set_err(
				r, -EINVAL,
				"%s: a --%s trace must be normal-only, but it has an anomaly label (%s): pass it as a test trace, or record a normal run for %s",
				t->path, phase_name(t->phase), t->anomaly,
				t->phase == CADET_PHASE_TRAIN ? "training"
							      : "validation");
		}
	}
	run_parallel(r->ndets, r->opts.jobs, det_job, r);
	r->events = 0;
	for (size_t i = 0; i < r->ndets; i++) {
		r->events += r->dets[i]->events;
		if (r->dets[i]->disabled)
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
