// SPDX-License-Identifier: MIT
/*
 * dashboard.json: a Grafana dashboard (import format, Grafana 10/11) that
 * needs no database. Every panel's data is CSV inside the panel's query
 * for Grafana's built-in TestData datasource (scenario "csv_content");
 * TestData turns a numeric column whose name contains "time" into epoch
 * milliseconds. Labeled windows and detector alerts are annotation
 * queries of the same kind, with the columns Grafana maps to annotation
 * fields by name: time, timeEnd, text, tags (tags split at commas).
 * docs/grafana.md explains the import.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"

#define PANEL_H 8
#define MAX_ALERT_ANNOTATIONS 5000

/* ---- CSV ---- */

/* RFC 4180 quoting when the value needs it. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && *s != ' ') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A number, or an empty field (TestData reads it as null). */
static void csv_num(FILE *f, double v, int prec)
{
	if (isfinite(v))
		fprintf(f, "%.*f", prec, v);
}

static int64_t ms(const struct rpt_trace *t, uint64_t ts)
{
	return rpt_epoch_ns(t, ts) / 1000000;
}

/* ---- JSON pieces ---- */

static json_t *ds_ref(void)
{
	return json_pack("{s:s, s:s}", "type", "grafana-testdata-datasource",
			 "uid", "${DS_TESTDATA}");
}

static json_t *csv_target(const char *ref, const char *csv)
{
	return json_pack("{s:s, s:o, s:s, s:s}", "refId", ref, "datasource",
			 ds_ref(), "scenarioId", "csv_content", "csvContent",
			 csv);
}

static json_t *grid(int x, int y, int w, int h)
{
	return json_pack("{s:i, s:i, s:i, s:i}", "h", h, "w", w, "x", x, "y",
			 y);
}

static json_t *panel(int *id, const char *type, const char *title,
		     json_t *gridpos, const char *csv, const char *unit)
{
	json_t *defaults = json_object(), *p;

	if (unit)
		json_object_set_new(defaults, "unit", json_string(unit));
	p = json_pack("{s:s, s:i, s:s, s:o, s:o, s:[o], s:{s:o, s:[]}}", "type",
		      type, "id", (*id)++, "title", title, "gridPos", gridpos,
		      "datasource", ds_ref(), "targets", csv_target("A", csv),
		      "fieldConfig", "defaults", defaults, "overrides");
	if (!p)
		return NULL;
	if (!strcmp(type, "timeseries"))
		json_object_set_new(
			p, "options",
			json_pack("{s:{s:b, s:s, s:s}, s:{s:s, s:s}}", "legend",
				  "showLegend", 1, "displayMode", "list",
				  "placement", "bottom", "tooltip", "mode",
				  "multi", "sort", "none"));
	else
		json_object_set_new(p, "options",
				    json_pack("{s:b}", "showHeader", 1));
	return p;
}

/* An open_memstream() CSV with header line @head written; NULL on error. */
static FILE *csv_open(char **buf, size_t *len, const char *head)
{
	FILE *f = open_memstream(buf, len);

	if (f)
		fputs(head, f);
	return f;
}

/* Finishes an open_memstream() CSV; NULL on error. */
static char *csv_done(FILE *f, char **buf)
{
	if (fclose(f)) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* ---- container panels ---- */

enum ts_kind { TS_CPU, TS_MEM, TS_NET, TS_SYS };

static char *container_csv(const struct rpt_trace *t,
			   const struct rpt_container *c, enum ts_kind k)
{
	static const char *const head[] = {
		[TS_CPU] = "time,cpu_cores",
		[TS_MEM] = "time,rss_bytes",
		[TS_NET] = "time,transmit_bytes_per_s,receive_bytes_per_s",
		[TS_SYS] = "time,syscalls_per_s",
	};
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s\n", head[k]);
	for (size_t i = 0; i < c->n; i++) {
		const struct rpt_sample *s = &c->s[i];
		uint64_t iv = rpt_sample_interval(t, c, i);
		double sec = iv ? (double)iv / 1e9 : NAN;

		fprintf(f, "%" PRId64 ",", ms(t, s->ts));
		switch (k) {
		case TS_CPU:
			csv_num(f, (double)s->cpu_ns / 1e9 / sec, 4);
			break;
		case TS_MEM:
			fprintf(f, "%" PRIu64, s->rss_bytes);
			break;
		case TS_NET:
			csv_num(f, (double)s->tx_bytes / sec, 1);
			fputc(',', f);
			csv_num(f, (double)s->rx_bytes / sec, 1);
			break;
		case TS_SYS:
			csv_num(f, (double)s->syscalls / sec, 1);
			break;
		}
		fputc('\n', f);
	}
	return csv_done(f, &buf);
}

static int add_container_row(json_t *panels, int *id, int *y,
			     const struct cadet_report *r,
			     const struct rpt_trace *t,
			     const struct rpt_container *c)
{
	static const struct {
		enum ts_kind k;
		const char *title, *unit;
	} ps[] = {
		{TS_CPU, "CPU (cores)", "short"},
		{TS_MEM, "Memory (RSS)", "bytes"},
		{TS_NET, "Network (bytes/s)", "Bps"},
		{TS_SYS, "Syscalls / s", "short"},
	};
	char title[256], lb[128], desc[512];
	json_t *row;

	snprintf(desc, sizeof(desc),
		 "Container %s (cgroup %" PRIu64
		 ") of trace %s: one point per METRICS record",
		 c->name, c->cgroup_id, t->name);

	if (r->ntraces > 1)
		snprintf(title, sizeof(title), "%s: %s (%s)", t->scenario,
			 rpt_ctr_label(c, lb, sizeof(lb)), t->name);
	else
		snprintf(title, sizeof(title), "%s%s",
			 rpt_ctr_label(c, lb, sizeof(lb)),
			 c->target ? " (anomaly target)" : "");
	row = json_pack("{s:s, s:b, s:i, s:[], s:s, s:o}", "type", "row",
			"collapsed", 0, "id", (*id)++, "panels", "title", title,
			"gridPos", grid(0, *y, 24, 1));
	if (!row || json_array_append_new(panels, row))
		return -ENOMEM;
	(*y)++;
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		char *csv = container_csv(t, c, ps[i].k);
		json_t *p;

		if (!csv)
			return -ENOMEM;
		p = panel(id, "timeseries", ps[i].title,
			  grid((int)i * 6, *y, 6, PANEL_H), csv, ps[i].unit);
		free(csv);
		if (!p || json_array_append_new(panels, p))
			return -ENOMEM;
		json_object_set_new(p, "description", json_string(desc));
	}
	*y += PANEL_H;
	return 0;
}

/* ---- tables ---- */

static char *labels_csv(const struct cadet_report *r)
{
	char *buf = NULL;
	size_t len;
	FILE *f = csv_open(
		&buf, &len,
		"trace,scenario,anomaly,container,start_time,end_time,duration_s,intensity\n");

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct rpt_trace *t = &r->traces[i];

		for (size_t j = 0; j < t->nlabels; j++) {
			const struct rpt_label *l = &t->labels[j];

			if (strcmp(l->kind, "anomaly"))
				continue;
			csv_str(f, t->name);
			fputc(',', f);
			csv_str(f, l->scenario);
			fputc(',', f);
			csv_str(f, l->anomaly);
			fputc(',', f);
			csv_str(f, l->target);
			fprintf(f, ",%" PRId64 ",%" PRId64 ",%.3f,%g\n",
				ms(t, l->start), ms(t, l->end),
				(double)(l->end - l->start) / 1e9,
				l->intensity);
		}
	}
	return csv_done(f, &buf);
}

static void stats_row(FILE *f, const char *det, const char *scenario,
		      const struct rpt_stats *s, bool baseline)
{
	csv_str(f, det);
	fputc(',', f);
	csv_str(f, scenario);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", s->windows, s->detected);
	csv_num(f, s->dr, 4);
	fputc(',', f);
	csv_num(f, s->precision, 4);
	fputc(',', f);
	csv_num(f, s->f1, 4);
	fputc(',', f);
	csv_num(f, s->fa_per_hour, 3);
	fputc(',', f);
	csv_num(f, s->latency_median_s, 3);
	fputc(',', f);
	csv_num(f, s->auc_pr, 4);
	fprintf(f, ",%s\n", baseline ? "true" : "false");
}

static char *results_csv(const struct cadet_report *r)
{
	const struct rpt_eval *e = r->eval;
	char *buf = NULL;
	size_t len;
	FILE *f = csv_open(
		&buf, &len,
		"detector,scenario,windows,detected,detection_rate,precision,f1,false_alarms_per_hour,latency_median_s,auc_pr,baseline\n");

	if (!f)
		return NULL;
	for (size_t i = 0; i < e->ndets; i++) {
		for (size_t j = 0; j < e->dets[i].nper; j++)
			stats_row(f, e->dets[i].key, e->dets[i].per[j].scenario,
				  &e->dets[i].per[j], e->dets[i].baseline);
		stats_row(f, e->dets[i].key, "(overall)", &e->dets[i].overall,
			  e->dets[i].baseline);
	}
	return csv_done(f, &buf);
}

/* Without eval.json: alerts per detector and trace. */
static char *alerts_csv(const struct cadet_report *r)
{
	char *buf = NULL;
	size_t len;
	FILE *f = csv_open(&buf, &len,
			   "detector,trace,alerts,first_alert_time\n");

	if (!f)
		return NULL;
	for (size_t d = 0; d < r->ndets; d++) {
		for (size_t i = 0; i < r->ntraces; i++) {
			const struct rpt_trace *t = &r->traces[i];
			size_t n = 0;
			int64_t first = 0;

			for (size_t k = 0; k < t->nalerts; k++) {
				if (t->alerts[k].det != d)
					continue;
				if (!n++)
					first = ms(t, t->alerts[k].ts);
			}
			csv_str(f, r->dets[d]);
			fputc(',', f);
			csv_str(f, t->name);
			fprintf(f, ",%zu,", n);
			if (n)
				fprintf(f, "%" PRId64, first);
			fputc('\n', f);
		}
	}
	return csv_done(f, &buf);
}

/* ---- annotations ---- */

/* One "time,timeEnd,text,tags" row of an annotation CSV. */
static void anno_row(FILE *f, int64_t start_ms, int64_t end_ms,
		     const char *text, const char *tags)
{
	fprintf(f, "%" PRId64 ",%" PRId64 ",", start_ms, end_ms);
	csv_str(f, text);
	fputc(',', f);
	csv_str(f, tags);
	fputc('\n', f);
}

static char *windows_anno_csv(const struct cadet_report *r)
{
	char *buf = NULL, text[512], tags[256];
	size_t len;
	FILE *f = csv_open(&buf, &len, "time,timeEnd,text,tags\n");

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct rpt_trace *t = &r->traces[i];

		for (size_t j = 0; j < t->nlabels; j++) {
			const struct rpt_label *l = &t->labels[j];

			if (strcmp(l->kind, "anomaly"))
				continue;
			snprintf(text, sizeof(text),
				 "%s on %s (scenario %s, intensity %g%s%s)",
				 l->anomaly, l->target, l->scenario,
				 l->intensity, *l->params ? ", " : "",
				 l->params);
			snprintf(tags, sizeof(tags), "anomaly,%s,%s",
				 l->anomaly, l->target);
			anno_row(f, ms(t, l->start), ms(t, l->end), text, tags);
		}
	}
	return csv_done(f, &buf);
}

static char *alerts_anno_csv(const struct cadet_report *r, size_t *dropped)
{
	char *buf = NULL, text[640], tags[256];
	size_t len, n = 0;
	FILE *f = csv_open(&buf, &len, "time,timeEnd,text,tags\n");

	if (!f)
		return NULL;
	*dropped = 0;
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct rpt_trace *t = &r->traces[i];

		for (size_t j = 0; j < t->nalerts; j++) {
			const struct rpt_alert *a = &t->alerts[j];
			const struct rpt_container *c =
				rpt_find_ctr(t, a->cgroup_id);
			const char *cn = c ? c->name : "?";

			if (n++ >= MAX_ALERT_ANNOTATIONS) {
				(*dropped)++;
				continue;
			}
			snprintf(text, sizeof(text), "%s alert on %s%s%s%s%s",
				 r->dets[a->det], cn, *a->severity ? " [" : "",
				 a->severity, *a->severity ? "]" : "",
				 *a->reason ? ": " : "");
			strncat(text, a->reason,
				sizeof(text) - strlen(text) - 1);
			snprintf(tags, sizeof(tags), "alert,%s,%s",
				 r->dets[a->det], cn);
			anno_row(f, ms(t, a->ts), ms(t, a->ts), text, tags);
		}
	}
	return csv_done(f, &buf);
}

static json_t *anno(const char *name, const char *color, const char *ref,
		    const char *csv)
{
	return json_pack("{s:s, s:o, s:b, s:b, s:s, s:o}", "name", name,
			 "datasource", ds_ref(), "enable", 1, "hide", 0,
			 "iconColor", color, "target", csv_target(ref, csv));
}

static json_t *annotations(const struct cadet_report *r)
{
	json_t *list = json_array();
	size_t dropped;
	char *csv;

	if (!list)
		return NULL;
	json_array_append_new(
		list, json_pack("{s:i, s:{s:s, s:s}, s:b, s:b, s:s, s:s, s:s}",
				"builtIn", 1, "datasource", "type", "grafana",
				"uid", "-- Grafana --", "enable", 1, "hide", 1,
				"iconColor", "rgba(0, 211, 255, 1)", "name",
				"Annotations & Alerts", "type", "dashboard"));
	csv = windows_anno_csv(r);
	if (!csv)
		goto nomem;
	json_array_append_new(
		list, anno("Anomaly windows (labels)", "red", "Windows", csv));
	free(csv);
	if (r->have_results) {
		csv = alerts_anno_csv(r, &dropped);
		if (!csv)
			goto nomem;
		if (dropped)
			fprintf(stderr,
				"cadet report: dashboard.json holds the first %d alerts as annotations (%zu more left out)\n",
				MAX_ALERT_ANNOTATIONS, dropped);
		json_array_append_new(
			list, anno("Detector alerts", "orange", "Alerts", csv));
		free(csv);
	}
	return json_pack("{s:o}", "list", list);
nomem:
	json_decref(list);
	return NULL;
}

/* ---- the dashboard ---- */

static json_t *inputs(void)
{
	return json_pack(
		"[{s:s, s:s, s:s, s:s, s:s, s:s}]", "name", "DS_TESTDATA",
		"label", "TestData", "description",
		"Grafana's built-in TestData datasource: the data is CSV inside this dashboard, no database needed",
		"type", "datasource", "pluginId", "grafana-testdata-datasource",
		"pluginName", "TestData");
}

static json_t *requires(void)
{
	return json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s},"
			 " {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
			 "type", "grafana", "id", "grafana", "name", "Grafana",
			 "version", "10.0.0", "type", "datasource", "id",
			 "grafana-testdata-datasource", "name", "TestData",
			 "version", "1.0.0", "type", "panel", "id",
			 "timeseries", "name", "Time series", "version", "",
			 "type", "panel", "id", "table", "name", "Table",
			 "version", "");
}

/* Stable uid from the traces' names: re-imports replace, not duplicate. */
static void make_uid(const struct cadet_report *r, char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < r->ntraces; i++)
		for (const char *s = r->traces[i].name; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
	snprintf(buf, len, "cadet-%016" PRIx64, h);
}

static int add_tables(json_t *panels, int *id, int *y,
		      const struct cadet_report *r)
{
	char *csv = labels_csv(r);
	bool right = r->eval || r->have_results;
	json_t *p;

	if (!csv)
		return -ENOMEM;
	p = panel(id, "table", "Labeled anomaly windows",
		  grid(0, *y, right ? 10 : 24, PANEL_H), csv, NULL);
	free(csv);
	if (!p || json_array_append_new(panels, p))
		return -ENOMEM;
	if (right) {
		csv = r->eval ? results_csv(r) : alerts_csv(r);
		if (!csv)
			return -ENOMEM;
		p = panel(id, "table",
			  r->eval ? "Detector results (eval.json)"
				  : "Detector alerts (results.jsonl)",
			  grid(10, *y, 14, PANEL_H), csv, NULL);
		free(csv);
		if (!p || json_array_append_new(panels, p))
			return -ENOMEM;
	}
	*y += PANEL_H;
	return 0;
}

json_t *cadet_report__dashboard(const struct cadet_report *r)
{
	json_t *d = NULL, *panels = json_array(), *tags = json_array(), *an;
	int64_t from_ms = INT64_MAX, to_ms = INT64_MIN;
	char uid[40], fbuf[40], tbuf[40], desc[512];
	int id = 1, y = 0;

	if (!panels || !tags)
		goto nomem;
	json_array_append_new(tags, json_string("cadet"));
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct rpt_trace *t = &r->traces[i];
		bool seen = false;

		if (ms(t, t->t0) < from_ms)
			from_ms = ms(t, t->t0);
		if (ms(t, t->t1) + 1 > to_ms)
			to_ms = ms(t, t->t1) + 1;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(r->traces[j].scenario, t->scenario);
		if (!seen)
			json_array_append_new(tags, json_string(t->scenario));
	}
	if (add_tables(panels, &id, &y, r))
		goto nomem;
	for (size_t i = 0; i < r->ntraces; i++)
		for (size_t j = 0; j < r->traces[i].nctrs; j++)
			if (r->traces[i].ctrs[j].shown &&
			    add_container_row(panels, &id, &y, r, &r->traces[i],
					      &r->traces[i].ctrs[j]))
				goto nomem;
	an = annotations(r);
	if (!an)
		goto nomem;
	make_uid(r, uid, sizeof(uid));
	snprintf(
		desc, sizeof(desc),
		"cadet report of %zu trace(s): recorded container metrics, labeled anomaly windows (red) and detector alerts (orange). Data is embedded as CSV for the TestData datasource.",
		r->ntraces);
	/* epoch ms -> ns for the ISO formatter */
	rpt_utc(from_ms * 1000000, fbuf, sizeof(fbuf));
	rpt_utc(to_ms * 1000000, tbuf, sizeof(tbuf));
	d = json_pack(
		"{s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:s, s:b, s:i, s:n,"
		" s:{s:s, s:s}, s:{}, s:s, s:i, s:i, s:o, s:{s:[]}, s:s,"
		" s:i, s:[]}",
		"__inputs", inputs(), "__requires", requires(), "annotations",
		an, "title", r->title[0] ? r->title : "cadet report", "uid",
		uid, "description", desc, "tags", tags, "timezone", "utc",
		"editable", 1, "graphTooltip", 1, "id", "time", "from", fbuf,
		"to", tbuf, "timepicker", "refresh", "", "schemaVersion", 38,
		"version", 1, "panels", panels, "templating", "list",
		"weekStart", "", "fiscalYearStartMonth", 0, "links");
	return d;
nomem:
	json_decref(panels);
	json_decref(tags);
	return NULL;
}
