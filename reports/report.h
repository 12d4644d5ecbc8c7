/* SPDX-License-Identifier: MIT */
/*
 * `cadet report`: turn recorded traces, and optionally a replay's
 * results.jsonl and an eval.json, into report.md with gnuplot PNGs, a
 * Grafana dashboard that carries its own data (TestData datasource) and an
 * OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`.
 * docs/reports.md and docs/grafana.md describe the outputs.
 *
 * HowTo:
 *   struct cadet_report_opts o = { .sz = sizeof(o), .results = "r.jsonl" };
 *   char err[512];
 *   struct cadet_report *r = cadet_report__load(paths, n, &o, err,
 *                                               sizeof(err));
 *   if (!r) -> err says what is wrong (errno set too)
 *   cadet_report__write_om(r, f);
 *   json_t *d = cadet_report__dashboard(r);
 *   cadet_report__plot(r, "out", err, sizeof(err));
 *   cadet_report__write_md(r, f);
 *   cadet_report__free(r);
 */
#ifndef CADET_REPORTS_REPORT_H
#define CADET_REPORTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* One METRICS record of a container (deltas over interval_ns). */
struct rpt_sample {
	uint64_t ts;
	uint64_t interval_ns; /* as recorded; 0 on a first sample */
	uint64_t cpu_ns;
	uint64_t rss_bytes; /* gauge */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t syscalls;
};

struct rpt_container {
	uint64_t cgroup_id;
	char *name; /* never NULL: name, else id, else "cgroup-ID" */
	char *id;
	char runtime[16];
	char *image;
	struct rpt_sample *s; /* sorted by ts */
	size_t n, cap;
	uint64_t cpu_ns, tx_bytes, rx_bytes, syscalls, rss_max;
	bool target; /* named by an anomaly LABEL */
	bool active; /* any non-zero metric */
	bool shown; /* selected for plots, dashboard, metrics.om */
	bool dup_name; /* another shown container has the same name */
};

struct rpt_label {
	uint64_t cgroup_id;
	uint64_t start, end; /* end resolved: 0 in the file = trace end */
	uint64_t seed;
	double intensity;
	char kind[16];
	char *scenario, *anomaly, *target, *params;
};

struct rpt_alert {
	size_t det; /* index into cadet_report.dets */
	uint64_t cgroup_id;
	uint64_t ts;
	char *severity, *reason;
};

/* STATS records summed: the recorder's own cost. */
struct rpt_overhead {
	uint64_t records; /* STATS records */
	uint64_t interval_ns, cpu_ns, rss_max, events, lost, bytes;
};

struct rpt_trace {
	char *path;
	char *name; /* file name without directory and ".cadet" */
	int64_t boot_to_epoch_ns;
	uint64_t start_ts; /* origin of "+s" offsets */
	uint64_t t0, t1; /* first and last record ts */
	uint64_t interval_ns; /* METRICS interval (header, else 1 s) */
	uint64_t records;
	char *hostname, *kernel, *cmdline, *recorder;
	char *scenario; /* as docs/metrics.md: first anomaly LABEL, ... */
	struct rpt_container *ctrs; /* in order of first appearance */
	size_t nctrs, cap_ctrs, nshown;
	struct rpt_label *labels; /* sorted by start */
	size_t nlabels, cap_labels;
	struct rpt_alert *alerts; /* sorted by ts */
	size_t nalerts, cap_alerts;
	struct rpt_overhead ovh;
	bool in_results; /* the results file names this trace */
};

/* A few numbers of one eval.json STATS object; NAN = null. */
struct rpt_stats {
	char *scenario; /* NULL for overall */
	uint64_t windows, detected, alarms, false_alarms;
	double dr, precision, f1, fa_per_hour, latency_median_s, auc_pr;
};

struct rpt_eval_det {
	char *key;
	bool baseline;
	struct rpt_stats overall;
	struct rpt_stats *per; /* per scenario */
	size_t nper;
};

struct rpt_eval {
	double grace_s, merge_gap_s, bin_s;
	char **scenarios; /* union over detectors, sorted */
	size_t nscenarios;
	size_t cap_scenarios;
	struct rpt_eval_det *dets;
	size_t ndets;
};

struct cadet_report_opts {
	size_t sz;
	const char *results; /* results.jsonl or NULL */
	const char *eval; /* eval.json or NULL */
	const char *const *containers; /* only these names (NULL: pick) */
	size_t ncontainers;
	size_t max_containers; /* per trace; 0: 8 */
	const char *title; /* NULL: from the scenarios */
	const char *gnuplot; /* program; NULL: "gnuplot" */
};
#define CADET_REPORT_OPTS_SZ_MIN sizeof(size_t)

struct cadet_report {
	struct rpt_trace *traces;
	size_t ntraces;
	char **dets; /* detector keys of results.jsonl, header order */
	size_t ndets;
	bool have_results;
	struct rpt_eval *eval; /* NULL without --eval */
	char *title;
	char *gnuplot;
	char *results_path, *eval_path;
	size_t results_alerts_unmatched; /* alerts naming other traces */
};

struct cadet_report *cadet_report__load(const char *const *paths, size_t n,
					const struct cadet_report_opts *opts,
					char *err, size_t errlen);
void cadet_report__free(struct cadet_report *r);

/* metrics.om: OpenMetrics text ending in "# EOF". 0 or -errno. */
int cadet_report__write_om(const struct cadet_report *r, FILE *f);

/* dashboard.json (Grafana 10/11 import format); NULL on ENOMEM. */
json_t *cadet_report__dashboard(const struct cadet_report *r);

/*
 * cadet_report__plot() - write gnuplot scripts and data under
 * @dir/gnuplot/ and run gnuplot to make the PNGs in @dir. Returns the
 * number of PNGs made, or -errno with a message in @err.
 */
int cadet_report__plot(const struct cadet_report *r, const char *dir, char *err,
		       size_t errlen);

/*
 * report.md. @plots: PNGs exist (cadet_report__plot() succeeded), so the
 * Markdown links them.
 */
int cadet_report__write_md(const struct cadet_report *r, FILE *f, bool plots);

/* ---- helpers shared by the writers ---- */

/* Epoch ns of trace time @ts. */
static inline int64_t rpt_epoch_ns(const struct rpt_trace *t, uint64_t ts)
{
	return (int64_t)ts + t->boot_to_epoch_ns;
}

/* "2026-11-22T02:33:33.486Z" into @buf (>= 32 bytes). */
const char *rpt_utc(int64_t epoch_ns, char *buf, size_t len);
/* Seconds of @ts after the trace's start, may be negative. */
double rpt_offset_s(const struct rpt_trace *t, uint64_t ts);
/* Interval of sample @i, ns: as recorded, else from the previous one. */
uint64_t rpt_sample_interval(const struct rpt_trace *t,
			     const struct rpt_container *c, size_t i);
/* Name of a shown container, "name (cgroup ID)" when names repeat. */
const char *rpt_ctr_label(const struct rpt_container *c, char *buf, size_t len);
/* report.md has a detector x scenario heat map (several traces/scenarios). */
bool rpt_want_heatmap(const struct cadet_report *r);
/* Container of cgroup @cg in @t, NULL when the trace never saw it. */
struct rpt_container *rpt_find_ctr(const struct rpt_trace *t, uint64_t cg);

#endif /* CADET_REPORTS_REPORT_H */
