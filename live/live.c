// SPDX-License-Identifier: MIT
/*
 * Live mode (live.h). Threads: the recorder's (live__on_record: metrics,
 * then one copy of the record into the queue), the detector thread (feeds
 * every detector in place from the queue, writes alerts), libmicrohttpd's
 * (renders /metrics) and the webhook's.
 *
 * The queue is a ring of bytes: [u32 size][u32 pad][record, 8-aligned];
 * a WRAP mark sends the reader back to the start. The reader hands out a
 * pointer into the ring and frees the slot only after every detector saw
 * the record, so a record is copied once on its way to the detectors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "detect/dethost.h"
#include "lib/util/fs.h"
#include "live/live.h"
#include "live/live_metrics.h"
#include "live/webhook.h"

#define DEFAULT_QUEUE (32u << 20)
#define WRAP UINT32_MAX
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

struct ring {
	uint8_t *buf;
	size_t cap, head, tail, used;
	bool closed;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct live {
	struct live_opts opts;
	struct live_metrics *m;
	struct det_inst *dets;
	size_t ndets;
	FILE *alerts;
	bool own_alerts_file;
	struct webhook *wh;
	struct MHD_Daemon *mhd;
	struct ring q;
	pthread_t th;
	bool th_started;
	struct cadet_rec_header hdr; /* the recorder's, strings cut off */
	bool have_hdr;
	bool begun;
	uint64_t nalerts;
	uint64_t overflow; /* recorder thread only; mirrored in metrics */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the queue ---- */

static int ring_init(struct ring *q, size_t cap)
{
	q->cap = ALIGN8(cap);
	q->buf = malloc(q->cap);
	if (!q->buf)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	return 0;
}

static void ring_release(struct ring *q)
{
	if (!q->buf)
		return;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	q->buf = NULL;
}

/* Copies @rec in; false when it does not fit (the caller counts it). */
static bool ring_push(struct ring *q, const struct cadet_rec *rec)
{
	size_t need = 8 + ALIGN8(rec->size), at;

	pthread_mutex_lock(&q->lock);
	if (!q->used)
		q->head = q->tail = 0;
	if (q->used == q->cap || need > q->cap)
		goto full;
	if (q->head >= q->tail) {
		/* Free: [head, cap) and [0, tail). */
		if (q->cap - q->head < need) {
			if (q->tail < need)
				goto full;
			*(uint32_t *)(q->buf + q->head) = WRAP;
			q->used += q->cap - q->head;
			q->head = 0;
		}
	} else if (q->tail - q->head < need) {
		goto full;
	}
	at = q->head;
	*(uint32_t *)(q->buf + at) = rec->size;
	memcpy(q->buf + at + 8, rec, rec->size);
	q->head = (at + need) % q->cap;
	q->used += need;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return true;
full:
	pthread_mutex_unlock(&q->lock);
	return false;
}

/* The oldest record, in place; NULL once closed and empty. */
static const struct cadet_rec *ring_peek(struct ring *q)
{
	const struct cadet_rec *rec = NULL;

	pthread_mutex_lock(&q->lock);
	while (!q->used && !q->closed)
		pthread_cond_wait(&q->cond, &q->lock);
	if (q->used) {
		if (*(uint32_t *)(q->buf + q->tail) == WRAP) {
			q->used -= q->cap - q->tail;
			q->tail = 0;
		}
		rec = (const void *)(q->buf + q->tail + 8);
	}
	pthread_mutex_unlock(&q->lock);
	return rec;
}

static void ring_pop(struct ring *q)
{
	size_t need;

	pthread_mutex_lock(&q->lock);
	need = 8 + ALIGN8(*(uint32_t *)(q->buf + q->tail));
	q->tail = (q->tail + need) % q->cap;
	q->used -= need;
	pthread_mutex_unlock(&q->lock);
}

static void ring_close(struct ring *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* ---- detector output ---- */

static const char *det_label(const struct det_inst *d)
{
	return d->ops.name ? d->ops.name : d->spec.name;
}

static const char *ctr_label(struct live *l, uint64_t cg, char *buf, size_t len)
{
	if (live_metrics__ctr_name(l->m, cg, buf, len))
		return buf;
	snprintf(buf, len, "%" PRIu64, cg);
	return buf;
}

static void sink_alert(struct det_inst *d, uint64_t ts, uint64_t cg,
		       enum cadet_severity sev, const char *reason)
{
	struct live *l = d->cfg.ctx;
	char name[128], *cn;
	uint64_t now = mono_ns();

	cn = live_metrics__ctr_name(l->m, cg, name, sizeof(name)) ? name : NULL;
	det_write_alert_json(l->alerts, d->spec.spec, l->opts.trace_name, cn,
			     cg, ts, sev, reason);
	fprintf(l->alerts, ",\"emit_ts\":%" PRIu64 "}\n", now);
	fflush(l->alerts);
	l->nalerts++;
	live_metrics__alert(l->m, det_label(d),
			    cn ? cn : ctr_label(l, cg, name, sizeof(name)),
			    sev);
	if (l->wh) {
		struct webhook_alert a = {.sev = sev};

		snprintf(a.detector, sizeof(a.detector), "%s", det_label(d));
		snprintf(a.container, sizeof(a.container), "%s",
			 cn ? cn : ctr_label(l, cg, name, sizeof(name)));
		snprintf(a.reason, sizeof(a.reason), "%s", reason);
		a.epoch_ns = (int64_t)ts + l->hdr.boot_to_epoch_ns;
		webhook__push(l->wh, &a);
	}
}

static void sink_score(struct det_inst *d, uint64_t cg, uint64_t win_start,
		       uint64_t win_end, double value)
{
	struct live *l = d->cfg.ctx;
	char name[128];

	live_metrics__score(l->m, det_label(d),
			    ctr_label(l, cg, name, sizeof(name)), value);
}

static const char *sink_ctr_name(struct det_inst *d, uint64_t cg)
{
	/* Used by the exec adapter only; thread-local keeps it simple. */
	static __thread char buf[128];
	struct live *l = d->cfg.ctx;

	return live_metrics__ctr_name(l->m, cg, buf, sizeof(buf));
}

static const struct det_inst_sink live_sink = {
	.score = sink_score,
	.alert = sink_alert,
	.ctr_name = sink_ctr_name,
};

/* ---- the detector thread ---- */

static struct cadet_trace_desc trace_desc(struct live *l)
{
	struct cadet_trace_desc td = {
		.sz = sizeof(td),
		.path = l->opts.trace_name,
		.header = l->have_hdr ? &l->hdr : NULL,
		.phase = CADET_PHASE_TEST,
	};

	return td;
}

static void note_disabled(struct live *l)
{
	for (size_t i = 0; i < l->ndets; i++)
		if (l->dets[i].disabled)
			live_metrics__detector(l->m, det_label(&l->dets[i]), 1);
}

static void *detector_thread(void *arg)
{
	struct live *l = arg;
	const struct cadet_rec *rec;
	struct cadet_trace_desc td;
	while ((rec = ring_peek(&l->q))) {
		if (rec->type == CADET_REC_HEADER && !l->have_hdr) {
			size_t sz = rec->size < sizeof(l->hdr) ? rec->size
							       : sizeof(l->hdr);

			memcpy(&l->hdr, rec, sz);
			/* Its strings stay behind: no vstr may point out. */
			memset(&l->hdr.kernel_release, 0,
			       sizeof(l->hdr) -
				       offsetof(struct cadet_rec_header,
						kernel_release));
			l->hdr.h.size = sizeof(l->hdr);
			l->have_hdr = true;
		}
		if (!l->begun) {
			td = trace_desc(l);
			for (size_t i = 0; i < l->ndets; i++)
				det_inst_begin(&l->dets[i], &td);
			l->begun = true;
			note_disabled(l);
		}
		for (size_t i = 0; i < l->ndets; i++)
			if (!l->dets[i].disabled &&
			    det_inst_feed(&l->dets[i], rec))
				note_disabled(l);
		ring_pop(&l->q);
		live_metrics__add(l->m, LIVE_C_DELIVERED, 1);
	}
	if (l->begun) {
		td = trace_desc(l);
		for (size_t i = 0; i < l->ndets; i++)
			if (!l->dets[i].disabled)
				det_inst_end(&l->dets[i], &td);
	}
	for (size_t i = 0; i < l->ndets; i++)
		det_inst_fini(&l->dets[i]);
	note_disabled(l);
	return NULL;
}

void live__on_record(const struct cadet_rec *rec, void *ctx)
{
	struct live *l = ctx;

	live_metrics__observe(l->m, rec);
	if (!ring_push(&l->q, rec)) {
		l->overflow++;
		live_metrics__add(l->m, LIVE_C_OVERFLOW, 1);
	}
}

/* ---- /metrics ---- */

static enum MHD_Result serve(void *cls, struct MHD_Connection *c,
			     const char *url, const char *method,
			     const char *version, const char *upload,
			     size_t *upload_len, void **con_cls)
{
	static const char index_page[] = "cadet live: metrics at /metrics\n";
	struct live *l = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int code = MHD_HTTP_OK;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (!strcmp(url, "/metrics")) {
		f = open_memstream(&body, &len);
		if (!f)
			return MHD_NO;
		live_metrics__write(l->m, f);
		fclose(f);
		r = MHD_create_response_from_buffer(len, body,
						    MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(
			r, "Content-Type",
			"text/plain; version=0.0.4; charset=utf-8");
	} else {
		if (strcmp(url, "/"))
			code = MHD_HTTP_NOT_FOUND;
		r = MHD_create_response_from_buffer(sizeof(index_page) - 1,
						    (void *)index_page,
						    MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Content-Type", "text/plain");
	}
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* "HOST:PORT" (IPv4 address) or "[IPv6]:PORT" or ":PORT" (127.0.0.1). */
static int parse_addr(const char *s, struct sockaddr_storage *ss, int *flags)
{
	struct sockaddr_in *in4 = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	const char *colon = strrchr(s, ':');
	char host[64];
	unsigned long port;
	char *end;
	size_t hl;

	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port > 65535)
		return -EINVAL;
	hl = colon - s;
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*flags |= MHD_USE_IPv6;
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1
			       ? 0
			       : -EINVAL;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	return inet_pton(AF_INET, hl ? host : "127.0.0.1", &in4->sin_addr) == 1
		       ? 0
		       : -EINVAL;
}

static int start_http(struct live *l)
{
	struct sockaddr_storage ss;
	int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (parse_addr(l->opts.metrics_addr, &ss, &flags)) {
		fprintf(stderr,
			"cadet record: --metrics-addr %s: want HOST:PORT with an IP address, e.g. 127.0.0.1:9464 or [::1]:9464\n",
			l->opts.metrics_addr);
		return -EINVAL;
	}
	l->mhd = MHD_start_daemon(flags, 0, NULL, NULL, serve, l,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!l->mhd) {
		fprintf(stderr,
			"cadet record: cannot serve metrics on %s (port in use?): pick another --metrics-addr\n",
			l->opts.metrics_addr);
		return -EADDRINUSE;
	}
	return 0;
}

/* ---- set-up ---- */

/* Each --model goes to the detectors it belongs to (dethost.h). */
static int load_models(struct live *l)
{
	char err[768], path[4096];

	for (const char **m = l->opts.models; m && *m; m++) {
		bool used = false;

		for (size_t i = 0; i < l->ndets; i++) {
			struct det_inst *d = &l->dets[i];
			const char *p = NULL;

			snprintf(path, sizeof(path), "%s.%s", *m, det_label(d));
			if (det_inst_model_for(d, path))
				p = path;
			else if (det_inst_model_for(d, *m))
				p = *m;
			if (!p)
				continue;
			if (det_inst_load_model(d, p, err, sizeof(err))) {
				fprintf(stderr, "cadet record: %s\n", err);
				return -EINVAL;
			}
			used = true;
			fprintf(stderr,
				"cadet record: detector %s: model %s, threshold %s%.6g\n",
				d->spec.spec, p, d->has_thr ? "" : "none ",
				d->has_thr ? d->thr : 0.0);
		}
		if (!used) {
			fprintf(stderr,
				"cadet record: --model %s fits none of the detectors: its %s.threshold names another detector, or the file is missing (save one with cadet replay --save-model)\n",
				*m, *m);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < l->ndets; i++) {
		struct det_inst *d = &l->dets[i];

		if (!d->has_thr && !(d->ops.flags & CADET_DET_F_OWN_ALERTS) &&
		    d->rule.kind != DET_THR_NONE)
			fprintf(stderr,
				"cadet record: detector %s has no threshold: its scores go to /metrics but raise no alerts; give threshold=N or a --model saved by cadet replay --validate ... --save-model\n",
				d->spec.spec);
	}
	return 0;
}

static int add_detectors(struct live *l)
{
	struct det_inst_cfg cfg = {
		.sz = sizeof(cfg),
		.who = "cadet record",
		.seed_base = l->opts.seed,
		.exec_timeout_s = l->opts.exec_timeout_s,
		.sink = &live_sink,
		.ctx = l,
		.detector_timeout_s = l->opts.detector_timeout_s,
		.in_process = l->opts.in_process,
	};
	char err[768];
	size_t n = 0;

	while (l->opts.detectors && l->opts.detectors[n])
		n++;
	l->dets = calloc(n ? n : 1, sizeof(*l->dets));
	if (!l->dets)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int ret = det_inst_init(&l->dets[i], l->opts.detectors[i], &cfg,
					err, sizeof(err));

		if (ret) {
			fprintf(stderr, "cadet record: %s\n", err);
			return ret;
		}
		l->ndets++;
		live_metrics__detector(l->m, det_label(&l->dets[i]), 0);
	}
	return 0;
}

struct live *live__new(const struct live_opts *opts)
{
	struct live *l = calloc(1, sizeof(*l));
	char err[512];
	int ret;

	if (!l)
		return NULL;
	memcpy(&l->opts, opts,
	       opts->sz < sizeof(l->opts) ? opts->sz : sizeof(l->opts));
	if (!l->opts.trace_name)
		l->opts.trace_name = "live";
	if (!l->opts.queue_bytes)
		l->opts.queue_bytes = DEFAULT_QUEUE;
	l->alerts = stdout;
	l->m = live_metrics__new();
	if (!l->m || ring_init(&l->q, l->opts.queue_bytes)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (l->opts.alerts_path && strcmp(l->opts.alerts_path, "-")) {
		/* Alerts name containers and processes: data, like a trace. */
		l->alerts = util_fopen_data(l->opts.alerts_path, "a");
		if (!l->alerts) {
			ret = -errno;
			fprintf(stderr, "cadet record: cannot open %s: %s\n",
				l->opts.alerts_path, strerror(-ret));
			l->alerts = stdout;
			goto cleanup;
		}
		l->own_alerts_file = true;
	}
	ret = add_detectors(l);
	if (!ret)
		ret = load_models(l);
	if (ret)
		goto cleanup;
	if (l->opts.webhook_url) {
		l->wh = webhook__new(l->opts.webhook_url, l->m, err,
				     sizeof(err));
		if (!l->wh) {
			ret = -errno;
			fprintf(stderr, "cadet record: %s\n", err);
			goto cleanup;
		}
	}
	if (l->opts.metrics_addr) {
		ret = start_http(l);
		if (ret)
			goto cleanup;
	}
	ret = -pthread_create(&l->th, NULL, detector_thread, l);
	if (ret) {
		fprintf(stderr, "cadet record: cannot start detectors: %s\n",
			strerror(-ret));
		goto cleanup;
	}
	l->th_started = true;
	return l;
cleanup:
	live__free(l);
	errno = ret < 0 ? -ret : EINVAL;
	return NULL;
}

int live__finish(struct live *l)
{
	if (!l || !l->th_started)
		return 0;
	ring_close(&l->q);
	pthread_join(l->th, NULL);
	l->th_started = false;
	fprintf(stderr,
		"cadet record: live: %" PRIu64
		" records to %zu detector(s), %" PRIu64 " alert(s), %" PRIu64
		" record(s) dropped by a full detector queue%s\n",
		live_metrics__get(l->m, LIVE_C_DELIVERED), l->ndets, l->nalerts,
		l->overflow,
		l->overflow
			? " (the detectors did not see them: raise --live-queue)"
			: "");
	for (size_t i = 0; i < l->ndets; i++)
		if (l->dets[i].disabled)
			fprintf(stderr,
				"cadet record: live: detector %s was disabled: %s\n",
				l->dets[i].spec.spec, l->dets[i].disabled);
	return 0;
}

void live__free(struct live *l)
{
	if (!l)
		return;
	live__finish(l);
	if (l->mhd)
		MHD_stop_daemon(l->mhd);
	webhook__free(l->wh);
	for (size_t i = 0; l->dets && i < l->ndets; i++)
		det_inst_release(&l->dets[i]);
	free(l->dets);
	if (l->own_alerts_file)
		fclose(l->alerts);
	ring_release(&l->q);
	live_metrics__free(l->m);
	free(l);
}
