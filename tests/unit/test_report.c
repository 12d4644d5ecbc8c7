// SPDX-License-Identifier: MIT
/*
 * `cadet report` on a trace written with the trace writer: the model read
 * back (containers, labels, alerts, eval numbers), the exact OpenMetrics
 * samples, the dashboard's time range, CSV and annotations, report.md's
 * offsets and UTC times, gnuplot PNGs, and the error messages for bad
 * input.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cadet/trace.h"
#include "reports/report.h"

#define S 1000000000ull
/* Epoch of trace time 100 s: 1700000000 s = 2023-11-14T22:13:20Z. */
#define BOOT_TO_EPOCH ((int64_t)(1700000000ull * S - 100 * S))

static char dir[] = "/tmp/cadet-test-report.XXXXXX";
static char trace_path[256], results_path[256], eval_path[256];

static void put(struct cadet_recbuf *b, size_t off, const char *s)
{
	assert_int_equal(cadet_recbuf__put_str(b, off, s, strlen(s)), 0);
}

static void add_container(struct cadet_writer *w, uint64_t cg, const char *name)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_container *c;

	c = cadet_recbuf__start(b, CADET_REC_CONTAINER, sizeof(*c));
	c->h.ts = 100 * S;
	c->h.cgroup_id = cg;
	memcpy(c->runtime, "runc", 5);
	put(b, offsetof(struct cadet_rec_container, id), name);
	put(b, offsetof(struct cadet_rec_container, name), name);
	put(b, offsetof(struct cadet_rec_container, image), "rootfs");
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

/*
 * web (cg 11): 0.5 cores, RSS 100 MiB + k MiB, tx 1000 k, rx 10 k,
 * 200 syscalls per second; db (cg 12): 0.25 cores, constant; idle (cg 13):
 * all zero. Samples at 101..110 s.
 */
static void add_metrics(struct cadet_writer *w, uint64_t cg, unsigned int k)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_metrics *m;

	m = cadet_recbuf__start(b, CADET_REC_METRICS, sizeof(*m));
	m->h.ts = (100 + k) * S;
	m->h.cgroup_id = cg;
	m->interval_ns = S;
	if (cg == 11) {
		m->cpu_ns = S / 2;
		m->rss_bytes = (100ull + k) << 20;
		m->tx_bytes = 1000ull * k;
		m->rx_bytes = 10ull * k;
		m->syscalls = 200;
	} else if (cg == 12) {
		m->cpu_ns = S / 4;
		m->rss_bytes = 50ull << 20;
		m->syscalls = 100;
	}
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

static void add_label(struct cadet_writer *w)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_label *l;

	l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
	l->h.ts = 110 * S;
	l->h.cgroup_id = 11;
	l->start_ts = 103 * S;
	l->end_ts = 106 * S;
	l->seed = 7;
	l->intensity = 0.5;
	strcpy(l->kind, "anomaly");
	put(b, offsetof(struct cadet_rec_label, scenario), "memleak");
	put(b, offsetof(struct cadet_rec_label, anomaly), "mem_leak");
	put(b, offsetof(struct cadet_rec_label, target), "web");
	put(b, offsetof(struct cadet_rec_label, params), "rate=4M");
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o)};
	struct cadet_recbuf *b;
	struct cadet_rec_header *h;
	struct cadet_writer *w;

	if (!mkdtemp(dir))
		return -1;
	snprintf(trace_path, sizeof(trace_path), "%s/memleak-s7.cadet", dir);
	snprintf(results_path, sizeof(results_path), "%s/results.jsonl", dir);
	snprintf(eval_path, sizeof(eval_path), "%s/eval.json", dir);
	b = cadet_recbuf__new();
	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	h->h.ts = 100 * S;
	h->clock_id = 1;
	h->ncpus = 2;
	h->boot_to_epoch_ns = BOOT_TO_EPOCH;
	h->start_ts = 100 * S;
	h->interval_ns = S;
	put(b, offsetof(struct cadet_rec_header, hostname), "testhost");
	w = cadet_writer__create(trace_path, cadet_recbuf__rec(b), &o);
	cadet_recbuf__free(b);
	if (!w)
		return -1;
	add_container(w, 11, "web");
	add_container(w, 12, "db");
	add_container(w, 13, "idle");
	for (unsigned int k = 1; k <= 10; k++) {
		add_metrics(w, 11, k);
		add_metrics(w, 12, k);
		add_metrics(w, 13, k);
	}
	add_label(w);
	if (cadet_writer__close(w))
		return -1;
	/* the test trace named by its base name, as from another directory */
	write_file(
		results_path,
		"{\"type\":\"header\",\"seed\":1,\"detectors\":[{\"name\":\"trend\",\"spec\":\"trend\"},{\"name\":\"random\",\"spec\":\"random\"}],\"train\":[],\"validate\":[],\"test\":[{\"path\":\"memleak-s7.cadet\"}]}\n"
		"{\"type\":\"alert\",\"detector\":\"trend\",\"trace\":\"memleak-s7.cadet\",\"container\":\"web\",\"cgroup_id\":11,\"ts\":104000000000,\"severity\":\"warning\",\"reason\":\"rss grows, \\\"fast\\\"\"}\n"
		"{\"type\":\"alert\",\"detector\":\"random\",\"trace\":\"memleak-s7.cadet\",\"container\":\"db\",\"cgroup_id\":12,\"ts\":102000000000,\"severity\":\"info\",\"reason\":\"random baseline\"}\n"
		"{\"type\":\"score\",\"detector\":\"trend\",\"trace\":\"memleak-s7.cadet\",\"container\":\"web\",\"cgroup_id\":11,\"win_start\":101000000000,\"win_end\":102000000000,\"value\":0.5}\n");
	write_file(
		eval_path,
		"{\"settings\":{\"grace_s\":10.0,\"merge_gap_s\":5.0,\"bin_s\":1.0},"
		"\"detectors\":["
		"{\"detector\":\"trend\",\"baseline\":false,"
		"\"per_scenario\":[{\"scenario\":\"memleak\",\"windows\":1,\"detected\":1,\"detection_rate\":1.0,\"precision\":1.0,\"f1\":1.0,\"false_alarms_per_hour\":0.0,\"latency_median_s\":1.0,\"auc_pr\":null}],"
		"\"overall\":{\"windows\":1,\"detected\":1,\"detection_rate\":1.0,\"precision\":1.0,\"f1\":1.0}},"
		"{\"detector\":\"random\",\"baseline\":true,"
		"\"per_scenario\":[{\"scenario\":\"memleak\",\"windows\":1,\"detected\":0,\"detection_rate\":0.0,\"precision\":0.0,\"f1\":0.0}],"
		"\"overall\":{\"windows\":1,\"detected\":0,\"detection_rate\":0.0,\"precision\":0.0,\"f1\":0.0}}]}\n");
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static struct cadet_report *load(bool results, bool eval)
{
	struct cadet_report_opts o = {
		.sz = sizeof(o),
		.results = results ? results_path : NULL,
		.eval = eval ? eval_path : NULL,
	};
	const char *paths[] = {trace_path};
	struct cadet_report *r;
	char err[512] = "";

	r = cadet_report__load(paths, 1, &o, err, sizeof(err));
	if (!r)
		fail_msg("load: %s", err);
	return r;
}

/* Output of a writer into a NUL-terminated string the caller frees. */
static char *capture_om(const struct cadet_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cadet_report__write_om(r, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *capture_md(const struct cadet_report *r, bool plots)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cadet_report__write_md(r, f, plots), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_model(void **state)
{
	struct cadet_report *r = load(true, true);
	const struct rpt_trace *t = &r->traces[0];
	const struct rpt_container *web;

	assert_int_equal(r->ntraces, 1);
	assert_string_equal(t->name, "memleak-s7");
	assert_string_equal(t->scenario, "memleak");
	assert_int_equal(t->nctrs, 3);
	/* the idle container is left out of plots and metrics */
	assert_int_equal(t->nshown, 2);
	web = rpt_find_ctr(t, 11);
	assert_non_null(web);
	assert_true(web->target && web->shown);
	assert_false(rpt_find_ctr(t, 13)->shown);
	assert_int_equal(web->n, 10);
	assert_int_equal(web->cpu_ns, 5 * S);
	assert_int_equal(web->rss_max, 110ull << 20);
	assert_int_equal(t->nlabels, 1);
	assert_int_equal(t->labels[0].start, 103 * S);
	/* alerts matched to the trace by base name, sorted by time */
	assert_true(r->have_results);
	assert_int_equal(r->ndets, 2);
	assert_int_equal(t->nalerts, 2);
	assert_int_equal(t->alerts[0].ts, 102 * S);
	assert_string_equal(r->dets[t->alerts[0].det], "random");
	assert_string_equal(t->alerts[1].reason, "rss grows, \"fast\"");
	assert_non_null(r->eval);
	assert_int_equal(r->eval->ndets, 2);
	assert_true(r->eval->dets[1].baseline);
	assert_true(isnan(r->eval->dets[0].per[0].auc_pr));
	assert_int_equal(r->eval->nscenarios, 1);
	assert_string_equal(r->title, "memleak");
	cadet_report__free(r);
	cadet_report__free(NULL);
}

static void test_openmetrics(void **state)
{
	struct cadet_report *r = load(false, false);
	char *om = capture_om(r), *line, *save = NULL, family[128] = "";
	size_t samples = 0, ones = 0, labels = 0;
	double last_ts[64] = {0};
	char series[64][256];
	size_t nseries = 0;

	/* counters are cumulative sums of the deltas, seconds with ms */
	assert_non_null(strstr(
		om,
		"cadet_container_cpu_seconds_total{trace=\"memleak-s7\",container=\"web\",cgroup_id=\"11\"} 1.500000000 1700000003.000\n"));
	assert_non_null(strstr(
		om,
		"cadet_container_network_transmit_bytes_total{trace=\"memleak-s7\",container=\"web\",cgroup_id=\"11\"} 55000 1700000010.000\n"));
	assert_non_null(strstr(
		om,
		"cadet_container_memory_rss_bytes{trace=\"memleak-s7\",container=\"db\",cgroup_id=\"12\"} 52428800 1700000001.000\n"));
	assert_non_null(
		strstr(om, "# UNIT cadet_container_cpu_seconds seconds\n"));
	assert_null(strstr(om, "container=\"idle\""));
	assert_int_equal(strcmp(om + strlen(om) - 6, "# EOF\n"), 0);

	/* families contiguous, each series sorted by time */
	for (line = strtok_r(om, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], *sp;
		double v, ts;
		size_t i;

		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%127s", family);
			continue;
		}
		if (line[0] == '#')
			continue;
		samples++;
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		sp = strrchr(line, '}');
		assert_non_null(sp);
		assert_int_equal(sscanf(sp + 1, "%lf %lf", &v, &ts), 2);
		snprintf(name, sizeof(name), "%.*s", (int)(sp - line), line);
		for (i = 0; i < nseries && strcmp(series[i], name); i++)
			;
		if (i == nseries) {
			assert_true(nseries < 64);
			strcpy(series[nseries++], name);
		} else {
			/* a series' samples are adjacent: no going back */
			assert_string_equal(series[nseries - 1], name);
		}
		assert_true(ts > last_ts[i]);
		last_ts[i] = ts;
		if (!strncmp(line, "cadet_anomaly_label{", 20)) {
			labels++;
			ones += v == 1.0;
		}
	}
	/* 5 families x 2 containers x 10 samples + 11 label grid points */
	assert_int_equal(samples, 5 * 2 * 10 + 11);
	assert_int_equal(labels, 11);
	/* inside [103 s, 106 s]: 103, 104, 105, 106 */
	assert_int_equal(ones, 4);
	free(om);
	cadet_report__free(r);
}

static void test_dashboard(void **state)
{
	struct cadet_report *r = load(true, true);
	json_t *d = cadet_report__dashboard(r), *panels, *p, *list;
	const char *csv, *win = NULL, *alerts = NULL;
	size_t i, timeseries = 0, tables = 0;

	assert_non_null(d);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(d, "__inputs"), 0),
			"pluginId")),
		"grafana-testdata-datasource");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(d, "time"), "from")),
			    "2023-11-14T22:13:20.000Z");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(d, "time"), "to")),
			    "2023-11-14T22:13:30.001Z");
	panels = json_object_get(d, "panels");
	json_array_foreach(panels, i, p)
	{
		const char *type =
			json_string_value(json_object_get(p, "type"));
		json_t *tg = json_array_get(json_object_get(p, "targets"), 0);

		if (!strcmp(type, "row"))
			continue;
		assert_string_equal(
			json_string_value(json_object_get(
				json_object_get(p, "datasource"), "uid")),
			"${DS_TESTDATA}");
		assert_string_equal(
			json_string_value(json_object_get(tg, "scenarioId")),
			"csv_content");
		csv = json_string_value(json_object_get(tg, "csvContent"));
		assert_non_null(csv);
		timeseries += !strcmp(type, "timeseries");
		tables += !strcmp(type, "table");
		if (!strcmp(json_string_value(json_object_get(p, "title")),
			    "CPU (cores)") &&
		    timeseries == 1)
			assert_int_equal(
				strncmp(csv,
					"time,cpu_cores\n1700000001000,0.5000\n",
					36),
				0);
	}
	/* two shown containers x 4 panels; windows and results tables */
	assert_int_equal(timeseries, 8);
	assert_int_equal(tables, 2);
	list = json_object_get(json_object_get(d, "annotations"), "list");
	json_array_foreach(list, i, p)
	{
		json_t *tg = json_object_get(p, "target");
		const char *name =
			json_string_value(json_object_get(p, "name"));

		if (!tg)
			continue;
		if (strstr(name, "windows"))
			win = json_string_value(
				json_object_get(tg, "csvContent"));
		else
			alerts = json_string_value(
				json_object_get(tg, "csvContent"));
	}
	assert_non_null(win);
	assert_string_equal(
		win,
		"time,timeEnd,text,tags\n"
		"1700000003000,1700000006000,\"mem_leak on web (scenario memleak, intensity 0.5, rate=4M)\",\"anomaly,mem_leak,web\"\n");
	assert_non_null(alerts);
	/* RFC 4180: quotes doubled, fields with commas quoted */
	assert_non_null(strstr(
		alerts,
		"1700000004000,1700000004000,\"trend alert on web [warning]: rss grows, \"\"fast\"\"\",\"alert,trend,web\"\n"));
	json_decref(d);
	cadet_report__free(r);
}

static void test_markdown(void **state)
{
	struct cadet_report *r = load(true, true);
	char *md = capture_md(r, false);

	assert_non_null(strstr(
		md,
		"**mem_leak** injected into container **web** from +3.000 s to +6.000 s (3.000 s), intensity 0.5 (rate=4M), seed 7."));
	assert_non_null(strstr(
		md,
		"| anomaly | memleak | mem_leak | web | 3.000 | 6.000 | 2023-11-14T22:13:23.000Z | 2023-11-14T22:13:26.000Z | 3.000 |"));
	assert_non_null(strstr(
		md,
		"| trend | memleak | 1 | 1 | 1.000 | 1.000 | 1.000 | 0.00 | 1.00 | n/a |"));
	assert_non_null(strstr(md, "| random (baseline) | memleak | 1 | 0 |"));
	/* trend's alert at +4 s is in the window, 1 s after onset */
	assert_non_null(strstr(
		md, "| trend | 1 | 1 | 1.000 | 4.000 | rss grows, \"fast\" |"));
	assert_non_null(strstr(
		md, "| web (target) | 11 | runc | rootfs | 10 | 0.500 |"));
	assert_non_null(strstr(
		md, "1 more cgroup(s) not shown (1 of them with no activity"));
	/* no plots asked for: no image links */
	assert_null(strstr(md, ".png"));
	free(md);
	cadet_report__free(r);

	r = load(false, false);
	md = capture_md(r, false);
	assert_non_null(strstr(md, "This report shows the recording only"));
	assert_null(strstr(md, "## Detector results"));
	free(md);
	cadet_report__free(r);
}

static void check_png(const char *path)
{
	static const unsigned char magic[8] = {0x89, 'P',  'N',	 'G',
					       '\r', '\n', 0x1a, '\n'};
	unsigned char buf[8];
	struct stat st;
	FILE *f = fopen(path, "rb");

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fread(buf, 1, 8, f), 8);
	fclose(f);
	assert_memory_equal(buf, magic, 8);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 1000);
}

static void test_plots(void **state)
{
	struct cadet_report *r = load(true, true);
	char err[1024], path[512];
	int n;

	n = cadet_report__plot(r, dir, err, sizeof(err));
	if (n < 0)
		fail_msg("plot: %s", err);
	/* timeline and detector bars; one trace and scenario: no heat map */
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/memleak-s7-timeline.png", dir);
	check_png(path);
	snprintf(path, sizeof(path), "%s/detectors.png", dir);
	check_png(path);
	snprintf(path, sizeof(path), "%s/gnuplot/memleak-s7-timeline.gp", dir);
	assert_int_equal(access(path, R_OK), 0);

	/* no detector alerted: precision undefined everywhere still plots */
	cadet_report__free(r);
	snprintf(path, sizeof(path), "%s/eval-undef.json", dir);
	write_file(
		path,
		"{\"settings\":{},\"detectors\":["
		"{\"detector\":\"trend\",\"per_scenario\":[{\"scenario\":\"memleak\",\"f1\":null,\"precision\":null}],"
		"\"overall\":{\"detection_rate\":0.0,\"precision\":null,\"f1\":null}}]}\n");
	{
		struct cadet_report_opts o = {.sz = sizeof(o), .eval = path};
		const char *paths[] = {trace_path, trace_path};

		/* two traces: the heat map too, all of it undefined */
		r = cadet_report__load(paths, 2, &o, err, sizeof(err));
		assert_non_null(r);
	}
	n = cadet_report__plot(r, dir, err, sizeof(err));
	if (n < 0)
		fail_msg("plot with undefined metrics: %s", err);
	assert_int_equal(n, 4);
	snprintf(path, sizeof(path), "%s/heatmap.png", dir);
	check_png(path);

	/* a missing gnuplot is named, with what to do */
	free(r->gnuplot);
	r->gnuplot = strdup("/nonexistent/gnuplot");
	n = cadet_report__plot(r, dir, err, sizeof(err));
	assert_int_equal(n, -ENOENT);
	assert_non_null(strstr(err, "gnuplot-nox"));
	cadet_report__free(r);
}

static void test_bad_input(void **state)
{
	struct cadet_report_opts o = {.sz = sizeof(o)};
	const char *missing[] = {"/nonexistent/x.cadet"};
	const char *paths[] = {trace_path};
	char bad[512], err[512];

	assert_null(cadet_report__load(missing, 1, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.cadet"));

	snprintf(bad, sizeof(bad), "%s/bad.jsonl", dir);
	write_file(bad, "{\"type\":\"alert\"}\n");
	o.results = bad;
	assert_null(cadet_report__load(paths, 1, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.jsonl:1"));

	o.results = NULL;
	o.eval = results_path; /* JSON lines, not an eval.json */
	assert_null(cadet_report__load(paths, 1, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "results.jsonl"));

	o.eval = NULL;
	assert_null(cadet_report__load(paths, 0, &o, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_openmetrics),
		cmocka_unit_test(test_dashboard),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_plots),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
