// SPDX-License-Identifier: MIT
/*
 * report.md: what was recorded (scenario, containers, label windows),
 * what the detectors said (alerts per trace, eval.json metrics) and the
 * gnuplot PNGs beside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/util/version.h"
#include "reports/report.h"

/* A table cell: '|' escaped, line breaks flattened. */
static void cell(FILE *f, const char *s)
{
	if (!*s) {
		fputs("-", f);
		return;
	}
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void numcell(FILE *f, double v, const char *fmt)
{
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs("n/a", f);
}

static void write_traces_table(FILE *f, const struct cadet_report *r)
{
	char buf[40];

	fputs("## Traces\n\n"
	      "| trace | scenario | start (UTC) | span (s) | records | containers shown / seen | host |\n"
	      "|---|---|---|---:|---:|---:|---|\n",
	      f);
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct rpt_trace *t = &r->traces[i];

		fputs("| ", f);
		cell(f, t->name);
		fputs(" | ", f);
		cell(f, t->scenario);
		fprintf(f, " | %s | %.3f | %" PRIu64 " | %zu / %zu | ",
			rpt_utc(rpt_epoch_ns(t, t->start_ts), buf, sizeof(buf)),
			(double)(t->t1 - t->start_ts) / 1e9, t->records,
			t->nshown, t->nctrs);
		cell(f, t->hostname);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void stats_row(FILE *f, const char *det, bool baseline,
		      const char *scenario, const struct rpt_stats *s)
{
	fputs("| ", f);
	cell(f, det);
	fprintf(f, "%s | ", baseline ? " (baseline)" : "");
	cell(f, scenario);
	fprintf(f, " | %" PRIu64 " | %" PRIu64 " | ", s->windows, s->detected);
	numcell(f, s->dr, "%.3f");
	fputs(" | ", f);
	numcell(f, s->precision, "%.3f");
	fputs(" | ", f);
	numcell(f, s->f1, "%.3f");
	fputs(" | ", f);
	numcell(f, s->fa_per_hour, "%.2f");
	fputs(" | ", f);
	numcell(f, s->latency_median_s, "%.2f");
	fputs(" | ", f);
	numcell(f, s->auc_pr, "%.3f");
	fputs(" |\n", f);
}

static void write_eval(FILE *f, const struct cadet_report *r, bool plots)
{
	const struct rpt_eval *e = r->eval;

	fputs("## Detector results\n\n", f);
	fputs("From ", f);
	cell(f, r->eval_path);
	fputs(" (`cadet eval`; definitions in docs/metrics.md): grace ", f);
	numcell(f, e->grace_s, "%g");
	fputs(" s, alarm merge gap ", f);
	numcell(f, e->merge_gap_s, "%g");
	fputs(" s, time bin ", f);
	numcell(f, e->bin_s, "%g");
	fputs(" s. n/a: undefined (e.g. precision without alarms).\n\n", f);
	fputs("| detector | scenario | windows | detected | detection rate | precision | F1 | false alarms / h | median latency (s) | AUC-PR |\n"
	      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (size_t i = 0; i < e->ndets; i++) {
		const struct rpt_eval_det *d = &e->dets[i];

		for (size_t j = 0; j < d->nper; j++)
			stats_row(f, d->key, d->baseline, d->per[j].scenario,
				  &d->per[j]);
		if (d->nper != 1)
			stats_row(f, d->key, d->baseline, "**overall**",
				  &d->overall);
	}
	fputc('\n', f);
	if (!plots || !e->ndets)
		return;
	fputs("![Detection rate, precision and F1 per detector](detectors.png)\n\n",
	      f);
	if (rpt_want_heatmap(r))
		fputs("![F1 per detector and scenario](heatmap.png)\n\n", f);
}

static void write_labels(FILE *f, const struct rpt_trace *t)
{
	char a[40], b[40];

	if (!t->nlabels) {
		fputs("No LABEL records: this trace carries no ground truth (recorded without `cadet run`).\n\n",
		      f);
		return;
	}
	for (size_t i = 0; i < t->nlabels; i++) {
		const struct rpt_label *l = &t->labels[i];

		if (strcmp(l->kind, "anomaly"))
			continue;
		fputs("**", f);
		cell(f, l->anomaly);
		fputs("** injected into container **", f);
		cell(f, l->target);
		fprintf(f, "** from +%.3f s to +%.3f s (%.3f s), intensity %g",
			rpt_offset_s(t, l->start), rpt_offset_s(t, l->end),
			(double)(l->end - l->start) / 1e9, l->intensity);
		if (*l->params) {
			fputs(" (", f);
			cell(f, l->params);
			fputc(')', f);
		}
		fprintf(f, ", seed %" PRIu64 ".\n\n", l->seed);
	}
	fputs("| kind | scenario | anomaly | container | start (+s) | end (+s) | start (UTC) | end (UTC) | duration (s) |\n"
	      "|---|---|---|---|---:|---:|---|---|---:|\n",
	      f);
	for (size_t i = 0; i < t->nlabels; i++) {
		const struct rpt_label *l = &t->labels[i];

		fputs("| ", f);
		cell(f, l->kind);
		fputs(" | ", f);
		cell(f, l->scenario);
		fputs(" | ", f);
		cell(f, l->anomaly);
		fputs(" | ", f);
		cell(f, l->target);
		fprintf(f, " | %.3f | %.3f | %s | %s | %.3f |\n",
			rpt_offset_s(t, l->start), rpt_offset_s(t, l->end),
			rpt_utc(rpt_epoch_ns(t, l->start), a, sizeof(a)),
			rpt_utc(rpt_epoch_ns(t, l->end), b, sizeof(b)),
			(double)(l->end - l->start) / 1e9);
	}
	fputc('\n', f);
}

static void write_containers(FILE *f, const struct rpt_trace *t)
{
	size_t hidden = 0, idle = 0;

	fputs("| container | cgroup id | runtime | image | samples | CPU avg (cores) | RSS max (MiB) | tx (KiB) | rx (KiB) | syscalls |\n"
	      "|---|---:|---|---|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (size_t i = 0; i < t->nctrs; i++) {
		const struct rpt_container *c = &t->ctrs[i];
		double span = 0;

		if (!c->shown) {
			hidden++;
			idle += !c->active;
			continue;
		}
		if (c->n > 1)
			span = (double)(c->s[c->n - 1].ts - c->s[0].ts) / 1e9 +
			       (double)rpt_sample_interval(t, c, 0) / 1e9;
		fputs("| ", f);
		cell(f, c->name);
		fprintf(f, "%s | %" PRIu64 " | ", c->target ? " (target)" : "",
			c->cgroup_id);
		cell(f, c->runtime);
		fputs(" | ", f);
		cell(f, c->image ? c->image : "");
		fprintf(f, " | %zu | ", c->n);
		numcell(f, span > 0 ? (double)c->cpu_ns / 1e9 / span : NAN,
			"%.3f");
		fprintf(f, " | %.1f | %.1f | %.1f | %" PRIu64 " |\n",
			(double)c->rss_max / 1048576.0,
			(double)c->tx_bytes / 1024.0,
			(double)c->rx_bytes / 1024.0, c->syscalls);
	}
	fputc('\n', f);
	if (hidden)
		fprintf(f,
			"%zu more cgroup(s) not shown (%zu of them with no activity in METRICS); `cadet report --container NAME` or `--max-containers N` picks others.\n\n",
			hidden, idle);
}

/* Alerts inside [start, end] of a window of their own container. */
static bool in_window(const struct rpt_trace *t, const struct rpt_alert *a,
		      const struct rpt_label **w)
{
	for (size_t i = 0; i < t->nlabels; i++) {
		const struct rpt_label *l = &t->labels[i];

		if (!strcmp(l->kind, "anomaly") &&
		    l->cgroup_id == a->cgroup_id && a->ts >= l->start &&
		    a->ts <= l->end) {
			*w = l;
			return true;
		}
	}
	return false;
}

static void write_alerts(FILE *f, const struct cadet_report *r,
			 const struct rpt_trace *t)
{
	if (!t->in_results)
		fputs("This trace is not among the test traces of the results file.\n\n",
		      f);
	fputs("Alerts from the results file. *In window*: on the labeled container between the window's start and end (no grace).\n\n"
	      "| detector | alerts | in window | first in window (s after onset) | first alert (+s) | first reason |\n"
	      "|---|---:|---:|---:|---:|---|\n",
	      f);
	for (size_t d = 0; d < r->ndets; d++) {
		const struct rpt_alert *first = NULL;
		const struct rpt_label *w = NULL;
		double lat = NAN;
		size_t n = 0, in = 0;

		for (size_t i = 0; i < t->nalerts; i++) {
			const struct rpt_alert *a = &t->alerts[i];
			const struct rpt_label *l;

			if (a->det != d)
				continue;
			n++;
			if (!first)
				first = a;
			if (in_window(t, a, &l)) {
				if (!in++) {
					w = l;
					lat = (double)(a->ts - w->start) / 1e9;
				}
			}
		}
		fputs("| ", f);
		cell(f, r->dets[d]);
		fprintf(f, " | %zu | %zu | ", n, in);
		numcell(f, lat, "%.3f");
		fputs(" | ", f);
		numcell(f, first ? rpt_offset_s(t, first->ts) : NAN, "%.3f");
		fputs(" | ", f);
		cell(f, first ? first->reason : "");
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void write_overhead(FILE *f, const struct rpt_trace *t)
{
	const struct rpt_overhead *o = &t->ovh;
	double sec = (double)o->interval_ns / 1e9;

	if (!o->records || sec <= 0)
		return;
	fprintf(f,
		"Recorder (STATS records): %.2f %% of one CPU, RSS up to %.1f MiB, %.0f events/s, %" PRIu64
		" events lost, %.1f KiB written.\n\n",
		100.0 * (double)o->cpu_ns / (double)o->interval_ns,
		(double)o->rss_max / 1048576.0, (double)o->events / sec,
		o->lost, (double)o->bytes / 1024.0);
}

static void write_trace(FILE *f, const struct cadet_report *r,
			const struct rpt_trace *t, bool plots)
{
	char buf[40];

	fputs("## Trace ", f);
	cell(f, t->name);
	fputs("\n\n- file: `", f);
	cell(f, t->path);
	fputs("`\n- scenario: ", f);
	cell(f, t->scenario);
	fprintf(f, "\n- recording started: %s UTC (trace clock %.3f s)",
		rpt_utc(rpt_epoch_ns(t, t->start_ts), buf, sizeof(buf)),
		(double)t->start_ts / 1e9);
	fprintf(f,
		"\n- span: %.3f s, %" PRIu64 " records, METRICS every %.3f s",
		(double)(t->t1 - t->start_ts) / 1e9, t->records,
		(double)t->interval_ns / 1e9);
	fputs("\n- host: ", f);
	cell(f, t->hostname);
	fputs(", kernel ", f);
	cell(f, t->kernel);
	fputs(", recorder ", f);
	cell(f, t->recorder);
	fputs("\n- command: `", f);
	cell(f, t->cmdline);
	fputs("`\n\n", f);
	if (!t->boot_to_epoch_ns)
		fputs("> The header has no boot-to-epoch offset: UTC times below count from 1970-01-01 plus the trace clock.\n\n",
		      f);
	fputs("### Ground truth\n\n", f);
	write_labels(f, t);
	fputs("### Containers\n\n", f);
	write_containers(f, t);
	if (plots && t->nshown) {
		fputs("### Timeline\n\n", f);
		fprintf(f,
			"Per container: CPU (cores = cpu_ns / interval), resident memory, network (tx solid, rx dashed) and syscall rate from METRICS records; labeled anomaly windows shaded red%s.\n\n",
			r->have_results
				? "; bottom strip: each detector's alerts (filled red on the labeled container)"
				: "");
		fprintf(f, "![Timeline of %s](%s-timeline.png)\n\n", t->name,
			t->name);
	}
	if (r->have_results) {
		fputs("### Alerts\n\n", f);
		write_alerts(f, r, t);
	}
	if (t->ovh.records) {
		fputs("### Recorder overhead\n\n", f);
		write_overhead(f, t);
	}
}

int cadet_report__write_md(const struct cadet_report *r, FILE *f, bool plots)
{
	fputs("# cadet report: ", f);
	cell(f, r->title[0] ? r->title : "recording");
	fprintf(f, "\n\nGenerated by cadet %s from %zu trace(s)", CADET_VERSION,
		r->ntraces);
	if (r->have_results) {
		fputs(", detector output ", f);
		cell(f, r->results_path);
		fprintf(f, " (%zu detector(s))", r->ndets);
	}
	if (r->eval) {
		fputs(", metrics ", f);
		cell(f, r->eval_path);
	}
	fputs(". Beside this file: dashboard.json (Grafana, see docs/grafana.md) and metrics.om (OpenMetrics for promtool).\n\n",
	      f);
	if (!r->have_results && !r->eval)
		fputs("This report shows the recording only; add `--results results.jsonl` (from `cadet replay`) and `--eval eval.json` (from `cadet eval`) for detector alerts and metrics.\n\n",
		      f);
	write_traces_table(f, r);
	if (r->eval)
		write_eval(f, r, plots);
	for (size_t i = 0; i < r->ntraces; i++)
		write_trace(f, r, &r->traces[i], plots);
	return ferror(f) ? -EIO : 0;
}
