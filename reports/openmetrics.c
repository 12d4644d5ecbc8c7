// SPDX-License-Identifier: MIT
/*
 * metrics.om: the shown containers' METRICS as OpenMetrics text, for
 * `promtool tsdb create-blocks-from openmetrics`. promtool drops
 * out-of-order samples without a word and reads timestamps as seconds, so
 * every series is written whole, sorted by time, with timestamps in
 * epoch seconds (millisecond resolution, which is what the TSDB keeps),
 * and a family's samples are never interleaved with another family's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/promtext.h"
#include "reports/report.h"

#define put_lv prom_put_label_value

/* Epoch milliseconds of trace time @ts; -1 before the epoch. */
static int64_t epoch_ms(const struct rpt_trace *t, uint64_t ts)
{
	int64_t ns = rpt_epoch_ns(t, ts);

	return ns < 0 ? -1 : ns / 1000000;
}

static void put_ts(FILE *f, int64_t ms)
{
	fprintf(f, " %" PRId64 ".%03" PRId64 "\n", ms / 1000, ms % 1000);
}

static void put_series(FILE *f, const char *name, const struct rpt_trace *t,
		       const struct rpt_container *c)
{
	fprintf(f, "%s{trace=\"", name);
	put_lv(f, t->name);
	fputs("\",container=\"", f);
	put_lv(f, c->name);
	fprintf(f, "\",cgroup_id=\"%" PRIu64 "\"}", c->cgroup_id);
}

/* Delta (counters) or current value (gauges) of @m in one sample. */
static uint64_t value(const struct rpt_sample *s, enum prom_ctr_metric m)
{
	switch (m) {
	case PROM_CTR_CPU:
		return s->cpu_ns;
	case PROM_CTR_RSS:
		return s->rss_bytes;
	case PROM_CTR_TX:
		return s->tx_bytes;
	case PROM_CTR_RX:
		return s->rx_bytes;
	case PROM_CTR_SYSCALLS:
		return s->syscalls;
	case PROM_CTR_N:
		break;
	}
	return 0;
}

static void write_ctr_series(FILE *f, enum prom_ctr_metric m,
			     const struct rpt_trace *t,
			     const struct rpt_container *c)
{
	const struct prom_family *fam = &prom_ctr_families[m];
	bool counter = prom_is_counter(fam);
	char name[96];
	uint64_t sum = 0;

	prom_sample_name(fam, name, sizeof(name));
	for (size_t i = 0; i < c->n; i++) {
		int64_t ms = epoch_ms(t, c->s[i].ts);
		uint64_t v;

		sum += value(&c->s[i], m);
		/*
		 * The TSDB keeps one sample per millisecond: of samples in
		 * the same ms, write the last (the counter's newest sum).
		 */
		if (ms < 0 ||
		    (i + 1 < c->n && epoch_ms(t, c->s[i + 1].ts) == ms))
			continue;
		v = counter ? sum : value(&c->s[i], m);
		put_series(f, name, t, c);
		fputc(' ', f);
		if (m == PROM_CTR_CPU)
			prom_put_seconds(f, v);
		else
			fprintf(f, "%" PRIu64, v);
		put_ts(f, ms);
	}
}

/* Windows written as one label series share these. */
static bool same_key(const struct rpt_label *a, const struct rpt_label *b)
{
	return !strcmp(a->kind, b->kind) && a->cgroup_id == b->cgroup_id &&
	       !strcmp(a->scenario, b->scenario) &&
	       !strcmp(a->anomaly, b->anomaly) && !strcmp(a->target, b->target);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * cadet_anomaly_label: 1 inside a window, 0 outside, on the METRICS grid
 * from the first to the last record, plus each window's own edges so that
 * a window shorter than the interval still shows.
 */
static int write_label_series(FILE *f, const struct rpt_trace *t,
			      const struct rpt_label *key)
{
	uint64_t step = t->interval_ns, *pts = NULL;
	size_t n = 0, cap;
	int64_t last = -1;

	cap = (t->t1 - t->t0) / step + 2 + 2 * t->nlabels;
	pts = malloc(cap * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	for (uint64_t ts = t->t0; ts <= t->t1 && n < cap; ts += step)
		pts[n++] = ts;
	for (size_t i = 0; i < t->nlabels && n + 2 <= cap; i++) {
		if (!same_key(&t->labels[i], key))
			continue;
		pts[n++] = t->labels[i].start;
		pts[n++] = t->labels[i].end;
	}
	qsort(pts, n, sizeof(*pts), cmp_u64);
	for (size_t k = 0; k < n; k++) {
		int64_t ms = epoch_ms(t, pts[k]);
		int v = 0;

		if (ms < 0 || ms == last)
			continue;
		last = ms;
		for (size_t i = 0; i < t->nlabels && !v; i++)
			v = same_key(&t->labels[i], key) &&
			    pts[k] >= t->labels[i].start &&
			    pts[k] <= t->labels[i].end;
		fputs("cadet_anomaly_label{trace=\"", f);
		put_lv(f, t->name);
		fputs("\",scenario=\"", f);
		put_lv(f, key->scenario);
		fputs("\",anomaly=\"", f);
		put_lv(f, key->anomaly);
		fputs("\",container=\"", f);
		put_lv(f, key->target);
		fprintf(f, "\"} %d", v);
		put_ts(f, ms);
	}
	free(pts);
	return 0;
}

int cadet_report__write_om(const struct cadet_report *r, FILE *f)
{
	int err = 0;

	for (int k = 0; k < PROM_CTR_N; k++) {
		prom_put_family(f, &prom_ctr_families[k], true);
		for (size_t i = 0; i < r->ntraces; i++)
			for (size_t j = 0; j < r->traces[i].nctrs; j++)
				if (r->traces[i].ctrs[j].shown)
					write_ctr_series(f, k, &r->traces[i],
							 &r->traces[i].ctrs[j]);
	}
	fputs("# TYPE cadet_anomaly_label gauge\n"
	      "# HELP cadet_anomaly_label Ground truth: 1 while the labeled anomaly runs in the container, else 0.\n",
	      f);
	for (size_t i = 0; i < r->ntraces && !err; i++) {
		const struct rpt_trace *t = &r->traces[i];

		for (size_t j = 0; j < t->nlabels && !err; j++) {
			bool seen = false;

			if (strcmp(t->labels[j].kind, "anomaly"))
				continue;
			for (size_t q = 0; q < j; q++)
				seen |= same_key(&t->labels[q], &t->labels[j]);
			if (!seen)
				err = write_label_series(f, t, &t->labels[j]);
		}
	}
	fputs("# EOF\n", f);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
