// SPDX-License-Identifier: MIT
/*
 * Live mode's metrics and their Prometheus exposition (live_metrics.h).
 *
 * Series are per container name (a container may own several cgroups,
 * nested ones included: their counters add up). Counters only grow; a
 * removed container's series stay for FORGET_NS of record time after its
 * last cgroup went, then disappear, as Prometheus expects of a target
 * whose containers come and go.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detect/dethost.h"
#include "lib/util/promtext.h"
#include "live/live_metrics.h"

#define FORGET_NS (120ull * 1000000000ull)
#define NAME_LEN 128

struct lm_cg {
	uint64_t cgroup_id;
	char name[NAME_LEN];
	uint64_t rss;
	uint64_t removed_ts; /* 0: running */
};

struct lm_ctr {
	char name[NAME_LEN];
	uint64_t v[PROM_CTR_N]; /* counters: sums; RSS: unused */
};

struct lm_alert {
	char detector[NAME_LEN];
	char container[NAME_LEN];
	enum cadet_severity sev;
	uint64_t n;
};

struct lm_score {
	char detector[NAME_LEN];
	char container[NAME_LEN];
	double v;
};

struct lm_det {
	char name[NAME_LEN];
	int disabled;
};

struct live_metrics {
	pthread_mutex_t lock;
	struct lm_cg *cgs;
	size_t ncgs;
	struct lm_ctr *ctrs;
	size_t nctrs;
	struct lm_alert *alerts;
	size_t nalerts;
	struct lm_score *scores;
	size_t nscores;
	struct lm_det *dets;
	size_t ndets;
	uint64_t lost;
	uint64_t events;
	uint64_t records;
	_Atomic uint64_t c[LIVE_C_N]; /* lock-free: counted per record */
};

/* Grow *@v (of *@n elements of @size) by one zeroed element. */
static void *grow(void *vp, size_t *n, size_t size)
{
	void **v = vp;
	char *p = realloc(*v, (*n + 1) * size);

	if (!p)
		return NULL;
	*v = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

struct live_metrics *live_metrics__new(void)
{
	struct live_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void live_metrics__free(struct live_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->cgs);
	free(m->ctrs);
	free(m->alerts);
	free(m->scores);
	free(m->dets);
	free(m);
}

static struct lm_cg *cg_find(struct live_metrics *m, uint64_t id)
{
	for (size_t i = 0; i < m->ncgs; i++)
		if (m->cgs[i].cgroup_id == id)
			return &m->cgs[i];
	return NULL;
}

static struct lm_ctr *ctr_get(struct live_metrics *m, const char *name,
			      bool create)
{
	struct lm_ctr *c;

	for (size_t i = 0; i < m->nctrs; i++)
		if (!strcmp(m->ctrs[i].name, name))
			return &m->ctrs[i];
	if (!create)
		return NULL;
	c = grow(&m->ctrs, &m->nctrs, sizeof(*c));
	if (c)
		snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

static void container(struct live_metrics *m, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	const char *name = cadet_rec_str(rec, &c->name);
	struct lm_cg *g = cg_find(m, rec->cgroup_id);

	if (rec->type == CADET_REC_CONTAINER_REMOVE) {
		if (g)
			g->removed_ts = rec->ts ? rec->ts : 1;
		return;
	}
	if (!*name)
		name = cadet_rec_str(rec, &c->id);
	if (!g)
		g = grow(&m->cgs, &m->ncgs, sizeof(*g));
	if (!g)
		return;
	g->cgroup_id = rec->cgroup_id;
	g->removed_ts = 0;
	snprintf(g->name, sizeof(g->name), "%s", name);
	ctr_get(m, g->name, true);
}

static void metrics_rec(struct live_metrics *m, const struct cadet_rec *rec)
{
	const struct cadet_rec_metrics *x = (const void *)rec;
	struct lm_cg *g = cg_find(m, rec->cgroup_id);
	struct lm_ctr *c;

	if (!g || rec->size < sizeof(*x))
		return;
	c = ctr_get(m, g->name, true);
	if (!c)
		return;
	c->v[PROM_CTR_CPU] += x->cpu_ns;
	c->v[PROM_CTR_TX] += x->tx_bytes;
	c->v[PROM_CTR_RX] += x->rx_bytes;
	c->v[PROM_CTR_SYSCALLS] += x->syscalls;
	g->rss = x->rss_bytes;
}

/* Forget containers gone for FORGET_NS, and series left without one. */
static void forget(struct live_metrics *m, uint64_t now)
{
	for (size_t i = m->ncgs; i-- > 0;)
		if (m->cgs[i].removed_ts &&
		    now > m->cgs[i].removed_ts + FORGET_NS)
			m->cgs[i] = m->cgs[--m->ncgs];
	for (size_t i = m->nctrs; i-- > 0;) {
		bool used = false;

		for (size_t j = 0; j < m->ncgs && !used; j++)
			used = !strcmp(m->cgs[j].name, m->ctrs[i].name);
		if (!used)
			m->ctrs[i] = m->ctrs[--m->nctrs];
	}
}

void live_metrics__observe(struct live_metrics *m, const struct cadet_rec *rec)
{
	pthread_mutex_lock(&m->lock);
	m->records++;
	switch (rec->type) {
	case CADET_REC_CONTAINER:
	case CADET_REC_CONTAINER_ADD:
	case CADET_REC_CONTAINER_UPDATE:
	case CADET_REC_CONTAINER_REMOVE:
		container(m, rec);
		break;
	case CADET_REC_METRICS:
		metrics_rec(m, rec);
		break;
	case CADET_REC_LOST:
		if (rec->size >= sizeof(struct cadet_rec_lost))
			m->lost += ((const struct cadet_rec_lost *)rec)->count;
		break;
	case CADET_REC_STATS:
		if (rec->size >= sizeof(struct cadet_rec_stats))
			m->events +=
				((const struct cadet_rec_stats *)rec)->events;
		forget(m, rec->ts);
		break;
	}
	pthread_mutex_unlock(&m->lock);
}

void live_metrics__alert(struct live_metrics *m, const char *detector,
			 const char *container, enum cadet_severity sev)
{
	struct lm_alert *a = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nalerts && !a; i++)
		if (m->alerts[i].sev == sev &&
		    !strcmp(m->alerts[i].detector, detector) &&
		    !strcmp(m->alerts[i].container, container))
			a = &m->alerts[i];
	if (!a) {
		a = grow(&m->alerts, &m->nalerts, sizeof(*a));
		if (a) {
			snprintf(a->detector, sizeof(a->detector), "%s",
				 detector);
			snprintf(a->container, sizeof(a->container), "%s",
				 container);
			a->sev = sev;
		}
	}
	if (a)
		a->n++;
	pthread_mutex_unlock(&m->lock);
}

void live_metrics__score(struct live_metrics *m, const char *detector,
			 const char *container, double value)
{
	struct lm_score *s = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nscores && !s; i++)
		if (!strcmp(m->scores[i].detector, detector) &&
		    !strcmp(m->scores[i].container, container))
			s = &m->scores[i];
	if (!s) {
		s = grow(&m->scores, &m->nscores, sizeof(*s));
		if (s) {
			snprintf(s->detector, sizeof(s->detector), "%s",
				 detector);
			snprintf(s->container, sizeof(s->container), "%s",
				 container);
		}
	}
	if (s)
		s->v = value;
	pthread_mutex_unlock(&m->lock);
}

void live_metrics__add(struct live_metrics *m, enum live_counter c, uint64_t n)
{
	atomic_fetch_add(&m->c[c], n);
}

uint64_t live_metrics__get(struct live_metrics *m, enum live_counter c)
{
	return atomic_load(&m->c[c]);
}

void live_metrics__detector(struct live_metrics *m, const char *detector,
			    int disabled)
{
	struct lm_det *d = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->ndets && !d; i++)
		if (!strcmp(m->dets[i].name, detector))
			d = &m->dets[i];
	if (!d) {
		d = grow(&m->dets, &m->ndets, sizeof(*d));
		if (d)
			snprintf(d->name, sizeof(d->name), "%s", detector);
	}
	if (d)
		d->disabled = disabled;
	pthread_mutex_unlock(&m->lock);
}

const char *live_metrics__ctr_name(struct live_metrics *m, uint64_t cgroup_id,
				   char *buf, size_t len)
{
	const char *ret = NULL;
	struct lm_cg *g;

	pthread_mutex_lock(&m->lock);
	g = cg_find(m, cgroup_id);
	if (g) {
		snprintf(buf, len, "%s", g->name);
		ret = buf;
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/* ---- exposition ---- */

static const struct prom_family fam_alerts = {
	"cadet_alerts", "counter", NULL,
	"Alerts raised by live detectors, per detector, container and severity."};
static const struct prom_family fam_score = {
	"cadet_detector_score", "gauge", NULL,
	"Latest score of a scoring detector for a container (higher is more anomalous)."};
static const struct prom_family fam_disabled = {
	"cadet_detector_disabled", "gauge", NULL,
	"1 when the detector failed and was disabled (see stderr), else 0."};
static const struct prom_family fam_events = {
	"cadet_recorder_events", "counter", NULL,
	"Events the recorder consumed from the kernel ring buffer."};
static const struct prom_family fam_lost = {
	"cadet_recorder_lost_events", "counter", NULL,
	"Events the kernel dropped because the ring buffer was full."};
static const struct prom_family fam_records = {
	"cadet_recorder_records", "counter", NULL,
	"Records the recorder produced (the trace's records, when one is written)."};
static const struct prom_family fam_containers = {
	"cadet_containers", "gauge", NULL,
	"Running containers (cgroups) being recorded."};

static const struct prom_family fam_live[LIVE_C_N] = {
	[LIVE_C_DELIVERED] = {"cadet_live_records_processed", "counter", NULL,
			      "Records the live detectors processed."},
	[LIVE_C_OVERFLOW] =
		{"cadet_live_queue_overflow", "counter", NULL,
		 "Records the live detectors never saw: their queue was full."},
	[LIVE_C_WEBHOOK_SENT] = {"cadet_webhook_alerts_sent", "counter", NULL,
				 "Alerts the webhook receiver accepted."},
	[LIVE_C_WEBHOOK_FAILED] =
		{"cadet_webhook_alerts_failed", "counter", NULL,
		 "Alerts given up after the last webhook retry."},
	[LIVE_C_WEBHOOK_DROPPED] =
		{"cadet_webhook_alerts_dropped", "counter", NULL,
		 "Alerts dropped because the webhook queue was full."},
};

static void put_value(FILE *out, uint64_t v)
{
	fprintf(out, " %" PRIu64 "\n", v);
}

static void put_scalar(FILE *out, const struct prom_family *f, uint64_t v)
{
	char name[128];

	prom_put_family(out, f, false);
	fputs(prom_sample_name(f, name, sizeof(name)), out);
	put_value(out, v);
}

static void put_ctr_label(FILE *out, const char *sample, const char *ctr)
{
	fprintf(out, "%s{container=\"", sample);
	prom_put_label_value(out, ctr);
	fputs("\"}", out);
}

static void write_ctrs(struct live_metrics *m, FILE *out)
{
	char name[128];

	for (int k = 0; k < PROM_CTR_N; k++) {
		const struct prom_family *f = &prom_ctr_families[k];

		prom_put_family(out, f, false);
		prom_sample_name(f, name, sizeof(name));
		for (size_t i = 0; i < m->nctrs; i++) {
			const struct lm_ctr *c = &m->ctrs[i];
			uint64_t rss = 0;

			put_ctr_label(out, name, c->name);
			if (k == PROM_CTR_CPU) {
				fputc(' ', out);
				prom_put_seconds(out, c->v[k]);
				fputc('\n', out);
				continue;
			}
			if (k != PROM_CTR_RSS) {
				put_value(out, c->v[k]);
				continue;
			}
			for (size_t j = 0; j < m->ncgs; j++)
				if (!m->cgs[j].removed_ts &&
				    !strcmp(m->cgs[j].name, c->name))
					rss += m->cgs[j].rss;
			put_value(out, rss);
		}
	}
}

int live_metrics__write(struct live_metrics *m, FILE *out)
{
	char name[128];
	uint64_t running = 0;

	pthread_mutex_lock(&m->lock);
	write_ctrs(m, out);

	prom_put_family(out, &fam_alerts, false);
	prom_sample_name(&fam_alerts, name, sizeof(name));
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct lm_alert *a = &m->alerts[i];

		fprintf(out, "%s{detector=\"", name);
		prom_put_label_value(out, a->detector);
		fputs("\",container=\"", out);
		prom_put_label_value(out, a->container);
		fprintf(out, "\",severity=\"%s\"}", det_severity_name(a->sev));
		put_value(out, a->n);
	}
	prom_put_family(out, &fam_score, false);
	for (size_t i = 0; i < m->nscores; i++) {
		const struct lm_score *s = &m->scores[i];

		fputs("cadet_detector_score{detector=\"", out);
		prom_put_label_value(out, s->detector);
		fputs("\",container=\"", out);
		prom_put_label_value(out, s->container);
		fprintf(out, "\"} %.9g\n", s->v);
	}
	prom_put_family(out, &fam_disabled, false);
	for (size_t i = 0; i < m->ndets; i++) {
		fputs("cadet_detector_disabled{detector=\"", out);
		prom_put_label_value(out, m->dets[i].name);
		fprintf(out, "\"} %d\n", m->dets[i].disabled ? 1 : 0);
	}
	for (size_t i = 0; i < m->ncgs; i++)
		running += !m->cgs[i].removed_ts;
	put_scalar(out, &fam_containers, running);
	put_scalar(out, &fam_events, m->events);
	put_scalar(out, &fam_lost, m->lost);
	put_scalar(out, &fam_records, m->records);
	for (int k = 0; k < LIVE_C_N; k++)
		put_scalar(out, &fam_live[k], atomic_load(&m->c[k]));
	pthread_mutex_unlock(&m->lock);
	return ferror(out) ? -EIO : 0;
}
