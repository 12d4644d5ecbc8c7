// SPDX-License-Identifier: MIT
/*
 * Hosting one detector instance, shared by the replayer and live mode
 * (see dethost.h). Everything that decides what a detector sees and how
 * its scores become alerts lives here, once.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "detect/container_desc.h"
#include "detect/dethost.h"
#include "detect/dethost_int.h"
#include "detect/isolate.h"
#include "detect/registry.h"
#include "lib/util/errbuf.h"
#include "lib/util/fs.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- host services ---- */

static void det_log(const struct cadet_host *h, const char *fmt, ...)
{
	struct det_inst *d = h->host_data;
	va_list ap;

	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s: detector %s: ", d->cfg.who, d->spec.spec);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
}

void det_inst_disable(struct det_inst *d, const char *fmt, ...)
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

void det_host_disable(const struct cadet_host *h, const char *fmt, ...)
{
	struct det_inst *d = h->host_data;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	det_inst_disable(d, "%s", msg);
}

static void sink_alert(struct det_inst *d, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	if (sev > CADET_SEV_CRITICAL)
		sev = CADET_SEV_CRITICAL;
	if (d->cfg.sink && d->cfg.sink->alert)
		d->cfg.sink->alert(d, ts, cg, sev, reason ? reason : "");
}

static void host_score(const struct cadet_host *h, uint64_t cg,
		       uint64_t win_start, uint64_t win_end, double value)
{
	struct det_inst *d = h->host_data;

	if (d->disabled || !d->active || d->phase == CADET_PHASE_TRAIN)
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
		if (vec_reserve(&d->vals, &d->capvals, d->nvals + 1,
				sizeof(*d->vals))) {
			det_inst_disable(d, "out of memory for scores");
			return;
		}
		d->vals[d->nvals++] = value;
		return;
	}
	if (d->cfg.sink && d->cfg.sink->score)
		d->cfg.sink->score(d, cg, win_start, win_end, value);
	if (d->has_thr && !(d->ops.flags & CADET_DET_F_OWN_ALERTS) &&
	    value > d->thr) {
		char reason[96];

		snprintf(reason, sizeof(reason), "score %.6g > threshold %.6g",
			 value, d->thr);
		sink_alert(d, win_end, cg, CADET_SEV_WARNING, reason);
	}
}

static void host_alert(const struct cadet_host *h, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	struct det_inst *d = h->host_data;

	/* Only test alerts are results; validation alerts set nothing. */
	if (d->disabled || !d->active || d->phase != CADET_PHASE_TEST)
		return;
	sink_alert(d, ts, cg, sev, reason);
}

const struct cadet_rec *det_host_cur_rec(const struct cadet_host *h)
{
	return ((struct det_inst *)h->host_data)->cur_rec;
}

const char *det_host_ctr_name(const struct cadet_host *h, uint64_t cg)
{
	struct det_inst *d = h->host_data;

	if (!d->cfg.sink || !d->cfg.sink->ctr_name)
		return NULL;
	return d->cfg.sink->ctr_name(d, cg);
}

int det_host_exec_timeout(const struct cadet_host *h)
{
	return ((struct det_inst *)h->host_data)->cfg.exec_timeout_s;
}

enum cadet_phase det_host_phase(const struct cadet_host *h)
{
	return ((struct det_inst *)h->host_data)->phase;
}

/* What the isolation proxies ask of this host (isolate.h). */
static const struct iso_host_ops iso_hops = {
	.cur_rec = det_host_cur_rec,
	.disable = det_host_disable,
};

/* ---- set-up ---- */

static int resolve(struct det_inst *d, char *err, size_t errlen)
{
	const struct cadet_detector_ops *b;
	int ret;

	switch (d->spec.kind) {
	case DET_BUILTIN:
		b = builtin_detector_find(d->spec.name);
		if (!b)
			return util_errf(
				err, errlen, -ENOENT,
				"unknown detector '%s': see 'cadet replay --list-detectors'; a plugin is given by its path (./x.so), a program as exec:COMMAND",
				d->spec.name);
		ret = det_ops_import(b, d->spec.name, &d->ops, err, errlen);
		break;
	case DET_PLUGIN:
		if (d->cfg.in_process) {
			ret = plugin_load(d->spec.name, &d->ops, &d->dl, err,
					  errlen);
			break;
		}
		ret = iso_open(d->spec.name, d->cfg.detector_timeout_s,
			       &iso_hops, &d->iso, &d->ops, err, errlen);
		if (ret == -ECHILD) {
			/* It died loading: this detector is out, the
			 * others go on. */
			det_inst_disable(d, "%s", err);
			return 0;
		}
		break;
	case DET_EXEC:
	default:
		ret = det_ops_import(&det_exec_ops, "exec", &d->ops, err,
				     errlen);
		break;
	}
	if (ret)
		return ret;
	return det_spec_check_params(&d->ops, &d->spec, err, errlen);
}

int det_inst_init(struct det_inst *d, const char *spec,
		  const struct det_inst_cfg *cfg, char *err, size_t errlen)
{
	int ret;

	memset(d, 0, sizeof(*d));
	memcpy(&d->cfg, cfg,
	       cfg->sz < sizeof(d->cfg) ? cfg->sz : sizeof(d->cfg));
	if (!d->cfg.who)
		d->cfg.who = "cadet";
	if (d->cfg.exec_timeout_s < 1)
		d->cfg.exec_timeout_s = 120;
	if (d->cfg.detector_timeout_s < 1)
		d->cfg.detector_timeout_s = ISO_DEFAULT_TIMEOUT_S;
	d->host.sz = sizeof(d->host);
	d->host.host_data = d;
	d->host.score = host_score;
	d->host.alert = host_alert;
	d->host.log = det_log;
	ret = det_spec_parse(spec, &d->spec, err, errlen);
	if (ret)
		goto cleanup;
	ret = resolve(d, err, errlen);
	if (ret)
		goto cleanup;
	/* Host keys stay with the host; the detector gets the rest. */
	d->params = calloc(d->spec.nparams + 1, sizeof(*d->params));
	if (!d->params) {
		ret = util_errf(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < d->spec.nparams; i++) {
		if (!strcmp(d->spec.params[i].key, DET_PARAM_THRESHOLD))
			d->thr_given = d->spec.params[i].value;
		else
			d->params[d->nparams++] = d->spec.params[i];
	}
	if (d->spec.kind == DET_EXEC) {
		d->params[d->nparams].key = "command";
		d->params[d->nparams++].value = d->spec.command;
	}
	if (det_thr_parse(d->thr_given, &d->rule)) {
		ret = util_errf(
			err, errlen, -EINVAL,
			"detector '%s': threshold=%s: want max (largest validation score), qNN (validation quantile, 0 < NN <= 100, e.g. q99), a number, or none",
			spec, d->thr_given);
		goto cleanup;
	}
	/* A fixed threshold holds from the start (live mode has no
	 * validation phase to set one). */
	if (d->rule.kind == DET_THR_FIXED &&
	    !(d->ops.flags & CADET_DET_F_OWN_ALERTS)) {
		d->has_thr = true;
		d->thr = d->rule.value;
	}
	d->seed = det_seed(d->cfg.seed_base, spec);
	d->tick_ns = d->ops.tick_ns ? d->ops.tick_ns : NS_PER_S;
	if (d->disabled)
		return 0; /* an isolated plugin that died loading */
	/* An isolated plugin's init() finds its channel in the state. */
	d->state = d->iso;
	/* init() now: a bad parameter value stops us before any work. */
	ret = d->ops.init(&d->state, &d->host, d->params, d->nparams, d->seed);
	if (ret < 0 && d->disabled) {
		/* Its child crashed, exited or hung in init(): said; the
		 * other detectors go on without it. */
		d->state = NULL;
		return 0;
	}
	if (ret < 0) {
		util_errf(err, errlen, ret, "detector '%s': init failed (%s)%s",
			  spec, strerror(-ret),
			  ret == -EINVAL
				  ? ": check its parameters (--list-detectors)"
				  : "");
		goto cleanup;
	}
	d->inited = true;
	return 0;
cleanup:
	det_inst_release(d);
	return ret;
}

void det_inst_fini(struct det_inst *d)
{
	if (d->inited && d->ops.fini)
		d->ops.fini(d->state);
	d->inited = false;
}

void det_inst_release(struct det_inst *d)
{
	if (!d)
		return;
	det_inst_fini(d);
	iso_close(d->iso);
	if (d->dl)
		dlclose(d->dl);
	free(d->vals);
	free(d->params);
	det_edge_release(&d->edge);
	if (d->disabled && strcmp(d->disabled, "out of memory"))
		free(d->disabled);
	det_spec_release(&d->spec);
	memset(d, 0, sizeof(*d));
}

/* ---- delivery ---- */

static int check(struct det_inst *d, const char *cb, int ret)
{
	if (ret < 0 && !d->disabled)
		det_inst_disable(
			d, "%s() failed%s%s: %s", cb, d->cur_path ? " on " : "",
			d->cur_path ? d->cur_path : "", strerror(-ret));
	return ret < 0 ? ret : 0;
}

#define DCALL(d, cb, ...) \
	((d)->ops.cb ? check((d), #cb, (d)->ops.cb(__VA_ARGS__)) : 0)

int det_inst_begin(struct det_inst *d, const struct cadet_trace_desc *t)
{
	if (d->disabled)
		return -ECANCELED;
	d->cur_path = t->path;
	d->phase = t->phase;
	d->active = true;
	d->ticking = false;
	d->next_tick = 0;
	det_edge_reset(&d->edge);
	return DCALL(d, on_trace_begin, d->state, t);
}

static int deliver_container(struct det_inst *d, const struct cadet_rec *rec)
{
	struct cadet_container_desc cd;
	char runtime[DET_RUNTIME_LEN];

	det_container_desc(rec, &cd, runtime);
	return DCALL(d, on_container, d->state, &cd,
		     rec->type != CADET_REC_CONTAINER_REMOVE);
}

int det_inst_feed(struct det_inst *d, const struct cadet_rec *rec)
{
	uint64_t P = d->tick_ns;
	int err;

	if (d->disabled)
		return -ECANCELED;
	switch (rec->type) {
	case CADET_REC_HEADER:
	case CADET_REC_SCHEMA:
	case CADET_REC_LABEL: /* ground truth: never shown */
		return 0;
	}
	if (!d->ticking) {
		d->next_tick = (rec->ts / P + 1) * P;
		d->ticking = true;
	}
	while (rec->ts >= d->next_tick) {
		err = DCALL(d, on_tick, d->state, d->next_tick);
		if (err)
			return err;
		d->next_tick += P;
	}
	/*
	 * A container's first and teardown intervals are not samples of its
	 * behaviour: shown to a detector they set thresholds (a teardown's
	 * rss 0 is the largest deviation of a whole run). Withheld from
	 * every detector, so that none has to know; time still ticks.
	 */
	if (det_edge_withhold(&d->edge, rec))
		return 0;
	d->cur_rec = rec;
	d->events++;
	switch (rec->type) {
	case CADET_REC_CONTAINER:
	case CADET_REC_CONTAINER_ADD:
	case CADET_REC_CONTAINER_UPDATE: /* again, with the engine's name */
	case CADET_REC_CONTAINER_REMOVE:
		err = deliver_container(d, rec);
		break;
	default:
		err = DCALL(d, on_event, d->state, rec);
	}
	d->cur_rec = NULL;
	return err;
}

int det_inst_end(struct det_inst *d, const struct cadet_trace_desc *t)
{
	int err = 0;

	/* The last, partial tick period closes like every other one. */
	if (!d->disabled && d->ticking)
		err = DCALL(d, on_tick, d->state, d->next_tick);
	if (!err && !d->disabled)
		err = DCALL(d, on_trace_end, d->state, t);
	d->active = false;
	d->cur_rec = NULL;
	d->cur_path = NULL;
	return err;
}

int det_inst_train_end(struct det_inst *d)
{
	if (d->disabled)
		return -ECANCELED;
	d->phase = CADET_PHASE_TRAIN;
	return DCALL(d, train_end, d->state);
}

void det_inst_set_threshold(struct det_inst *d)
{
	if (!d->disabled && !(d->ops.flags & CADET_DET_F_OWN_ALERTS))
		d->has_thr = det_thr_compute(&d->rule, d->vals, d->nvals,
						&d->thr);
}

/* ---- models ---- */

static const char *det_name(const struct det_inst *d)
{
	return d->ops.name ? d->ops.name : d->spec.name;
}

void det_inst_rule_name(const struct det_inst *d, char *buf, size_t len)
{
	switch (d->rule.kind) {
	case DET_THR_MAX:
		snprintf(buf, len, "max");
		break;
	case DET_THR_QUANTILE:
		snprintf(buf, len, "q%.15g", d->rule.value * 100);
		break;
	case DET_THR_FIXED:
		snprintf(buf, len, "fixed");
		break;
	case DET_THR_NONE:
		snprintf(buf, len, "none");
		break;
	}
	if (d->ops.flags & CADET_DET_F_OWN_ALERTS)
		snprintf(buf, len, "own-alerts");
}

int det_inst_save_model(struct det_inst *d, const char *path, char *err,
			size_t errlen)
{
	char side[4096], tmp[4200], rule[32];
	json_t *o;
	FILE *f;
	int ret;

	if (d->disabled)
		return util_errf(
			err, errlen, -ECANCELED,
			"detector '%s' was disabled (%s): no model saved",
			d->spec.spec, d->disabled);
	if (d->ops.save_model) {
		/*
		 * Models hold what was learned from traces: created with
		 * the data mode before the plugin writes (fopen "w" keeps
		 * it), set again after (a plugin may replace the file).
		 */
		int fd = util_create_data(path, O_TRUNC);

		if (fd >= 0)
			close(fd);
		ret = d->ops.save_model(d->state, path);
		if (ret < 0)
			return util_errf(
				err, errlen, ret,
				"detector '%s': cannot save its model to %s: %s",
				d->spec.spec, path, strerror(-ret));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			util_fchmod_regular(fd, util_data_mode());
			close(fd);
		}
	}
	if (snprintf(side, sizeof(side), "%s.threshold", path) >=
	    (int)sizeof(side))
		return util_errf(err, errlen, -ENAMETOOLONG,
				 "%s: path too long", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", side);
	det_inst_rule_name(d, rule, sizeof(rule));
	o = json_pack("{s:s,s:s,s:o,s:s,s:I,s:b}", "detector", det_name(d),
		      "spec", d->spec.spec, "threshold",
		      d->has_thr ? json_real(d->thr) : json_null(),
		      "threshold_rule", rule, "validation_scores",
		      (json_int_t)d->nvals, "model", d->ops.save_model != NULL);
	if (!o)
		return util_errf(err, errlen, -ENOMEM, "out of memory");
	errno = 0;
	f = util_fopen_data(tmp, "w");
	ret = f ? json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(17)) : -1;
	if (f && fclose(f))
		ret = -1;
	json_decref(o);
	if (ret || rename(tmp, side)) {
		ret = -(errno ? errno : EIO);
		unlink(tmp);
		return util_errf(err, errlen, ret, "cannot write %s: %s", side,
				 strerror(-ret));
	}
	return 0;
}

/* The sidecar of @path, NULL when there is none (or unreadable). */
static json_t *sidecar(const char *path)
{
	char side[4096];

	if (snprintf(side, sizeof(side), "%s.threshold", path) >=
	    (int)sizeof(side))
		return NULL;
	return json_load_file(side, 0, NULL);
}

bool det_inst_model_for(const struct det_inst *d, const char *path)
{
	json_t *o = sidecar(path);
	const char *name;
	bool ok;

	if (!o)
		return d->ops.load_model && !access(path, R_OK);
	name = json_string_value(json_object_get(o, "detector"));
	ok = name && !strcmp(name, det_name(d));
	json_decref(o);
	return ok;
}

int det_inst_load_model(struct det_inst *d, const char *path, char *err,
			size_t errlen)
{
	json_t *o = sidecar(path), *thr;
	int ret = 0;

	if (d->ops.load_model && !access(path, F_OK)) {
		ret = d->ops.load_model(d->state, path);
		if (ret < 0) {
			util_errf(
				err, errlen, ret,
				"detector '%s': cannot load model %s: %s%s",
				d->spec.spec, path, strerror(-ret),
				ret == -EINVAL
					? " (not a model of this detector: save one with cadet replay --save-model)"
					: "");
			goto cleanup;
		}
	}
	thr = o ? json_object_get(o, "threshold") : NULL;
	if (!d->thr_given && json_is_number(thr)) {
		d->thr = json_number_value(thr);
		d->has_thr = true;
	}
cleanup:
	json_decref(o);
	return ret;
}

/* ---- output ---- */

const char *det_severity_name(enum cadet_severity s)
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

void det_json_str(FILE *f, const char *s)
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

void det_write_alert_json(FILE *f, const char *detector, const char *trace,
			  const char *container, uint64_t cgroup_id,
			  uint64_t ts, enum cadet_severity sev,
			  const char *reason)
{
	fputs("{\"type\":\"alert\",\"detector\":", f);
	det_json_str(f, detector);
	fputs(",\"trace\":", f);
	det_json_str(f, trace);
	fputs(",\"container\":", f);
	if (container)
		det_json_str(f, container);
	else
		fputs("null", f);
	fprintf(f,
		",\"cgroup_id\":%" PRIu64 ",\"ts\":%" PRIu64
		",\"severity\":\"%s\",\"reason\":",
		cgroup_id, ts, det_severity_name(sev));
	det_json_str(f, reason ? reason : "");
}
