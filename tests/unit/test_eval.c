// SPDX-License-Identifier: MIT
/*
 * `cadet eval` end to end on hand-built ground truth: the results.jsonl
 * parser (and its file:line errors), the per-scenario and overall metrics,
 * eval.json, eval.md and the regression check. The expected numbers are
 * worked out in the comments.
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
#include <cmocka.h>

#include "eval/eval.h"
#include "tests/unit/assert_near.h"

#define S 1000000000ull
#define EPS 1e-6

static struct cadet_results *parse(const char *text, char *err, size_t len)
{
	return cadet_results__parse(text, strlen(text), "results.jsonl", err,
				    len);
}

#define HEADER                                                         \
	"{\"type\":\"header\",\"cadet_version\":\"t\",\"seed\":1,"     \
	"\"detectors\":[{\"name\":\"det\",\"spec\":\"builtin:stats\"," \
	"\"params\":{\"k\":\"3\"},\"seed\":1,\"threshold\":0.7},"      \
	"{\"name\":\"null\",\"spec\":\"builtin:null\",\"params\":{},"  \
	"\"seed\":1,\"threshold\":null}],"                             \
	"\"train\":[],\"validate\":[],"                                \
	"\"test\":[{\"path\":\"a.cadet\",\"sha256\":\"00\"},"          \
	"{\"path\":\"b.cadet\",\"sha256\":\"00\"},"                    \
	"{\"path\":\"c.cadet\",\"sha256\":\"00\"}]}\n"

#define ALERT(tr, cg, ts)                                          \
	"{\"type\":\"alert\",\"detector\":\"det\",\"trace\":\"" tr \
	"\",\"container\":\"x\",\"cgroup_id\":" #cg ",\"ts\":" ts  \
	",\"severity\":\"warning\",\"reason\":\"r\"}\n"

#define SCORE(cg, ws, we, v)                                              \
	"{\"type\":\"score\",\"detector\":\"det\",\"trace\":\"a.cadet\"," \
	"\"container\":\"x\",\"cgroup_id\":" #cg ",\"win_start\":" ws     \
	",\"win_end\":" we ",\"value\":" v "}\n"

/*
 * Alerts of detector "det" (times in s):
 *   a.cadet (mem_leak) cg 100: 40, 55, 58, 100; cg 200: 10
 *   b.cadet (normal)   cg 300: 30, 33
 *   c.cadet (cpu_hog)  none
 * "null" alerts nothing.
 */
static const char results_text[] = HEADER ALERT(
	"a.cadet", 100, "40000000000") ALERT("a.cadet", 100, "55000000000")
	ALERT("a.cadet", 100, "58000000000") ALERT(
		"a.cadet", 100,
		"100000000000") ALERT("a.cadet", 200,
				      "10000000000") ALERT("b.cadet", 300,
							   "30000000000")
		ALERT("b.cadet", 300, "33000000000") SCORE(
			100, "0", "10000000000",
			"0.1") SCORE(100, "30000000000", "40000000000",
				     "0.9") SCORE(100, "50000000000",
						  "60000000000", "0.5")
			SCORE(100, "60000000000", "70000000000",
			      "0.6") "{\"type\":\"future\",\"x\":1}\n"
				     "{\"type\":\"alert\",\"detector\":\"det\",\"trace\":\"v.cadet\","
				     "\"cgroup_id\":1,\"ts\":5}\n";

/*
 * Ground truth:
 *   a.cadet mem_leak: cg 100 and 200 present [0, 120 s]; window cg 100
 *     [30, 50 s].
 *   b.cadet normal: cg 300 present [0, 60 s]; no window.
 *   c.cadet cpu_hog: cg 100 present [0, 100 s]; window [10, 20 s].
 */
static struct cadet_truth **make_truth(void)
{
	struct cadet_truth **t = calloc(3, sizeof(*t));

	assert_non_null(t);
	t[0] = cadet_truth__new("a.cadet", "mem_leak");
	t[1] = cadet_truth__new("b.cadet", "normal");
	t[2] = cadet_truth__new("c.cadet", "cpu_hog");
	assert_true(t[0] && t[1] && t[2]);
	assert_int_equal(cadet_truth__add_presence(t[0], 100, 0, 120 * S), 0);
	assert_int_equal(cadet_truth__add_presence(t[0], 200, 0, 120 * S), 0);
	assert_int_equal(
		cadet_truth__add_window(t[0], 100, 30 * S, 50 * S, "mem_leak"),
		0);
	assert_int_equal(cadet_truth__add_presence(t[1], 300, 0, 60 * S), 0);
	assert_int_equal(cadet_truth__add_presence(t[2], 100, 0, 100 * S), 0);
	assert_int_equal(
		cadet_truth__add_window(t[2], 100, 10 * S, 20 * S, "cpu_hog"),
		0);
	for (int i = 0; i < 3; i++) {
		t[i]->t0 = 0;
		t[i]->t1 = 120 * S;
		cadet_truth__finish(t[i]);
	}
	return t;
}

static void free_truth(struct cadet_truth **t)
{
	for (int i = 0; i < 3; i++)
		cadet_truth__free(t[i]);
	free(t);
}

static void test_parse_ok(void **state)
{
	char err[256];
	struct cadet_results *r = parse(results_text, err, sizeof(err));

	assert_non_null(r);
	assert_int_equal(r->ndets, 2);
	assert_string_equal(r->dets[0].name, "det");
	assert_near(r->dets[0].threshold, 0.7);
	assert_true(isnan(r->dets[1].threshold));
	assert_string_equal(
		json_string_value(json_object_get(r->dets[0].params, "k")),
		"3");
	assert_int_equal(r->ntraces, 3);
	assert_int_equal(r->nalerts, 7);
	assert_int_equal(r->nscores, 4);
	assert_int_equal(r->alerts[0].ts, 40 * S);
	assert_int_equal(r->alerts[6].trace, 1);
	assert_int_equal(r->skipped_type, 1);
	assert_int_equal(r->skipped_trace, 1); /* v.cadet is not a test trace */
	cadet_results__free(r);
	cadet_results__free(NULL);
}

/* One detector twice with other parameters: the lines name the spec. */
static void test_parse_same_name(void **state)
{
	static const char text[] =
		"{\"type\":\"header\",\"detectors\":["
		"{\"name\":\"stats\",\"spec\":\"stats:z=3\"},"
		"{\"name\":\"stats\",\"spec\":\"stats:z=4\"},"
		"{\"name\":\"null\",\"spec\":\"null\"}],"
		"\"test\":[{\"path\":\"a.cadet\"}]}\n"
		"{\"type\":\"alert\",\"detector\":\"stats:z=4\","
		"\"trace\":\"a.cadet\",\"cgroup_id\":1,\"ts\":1}\n"
		"{\"type\":\"alert\",\"detector\":\"null\","
		"\"trace\":\"a.cadet\",\"cgroup_id\":1,\"ts\":2}\n";
	char err[256];
	struct cadet_results *r = parse(text, err, sizeof(err));

	assert_non_null(r);
	assert_string_equal(r->dets[0].key, "stats:z=3");
	assert_string_equal(r->dets[1].key, "stats:z=4");
	assert_string_equal(r->dets[2].key, "null");
	assert_int_equal(r->alerts[0].det, 1);
	assert_int_equal(r->alerts[1].det, 2);
	cadet_results__free(r);
}

static void expect_error(const char *text, const char *want)
{
	char err[512] = "";
	struct cadet_results *r = parse(text, err, sizeof(err));

	assert_null(r);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_parse_errors(void **state)
{
	expect_error("", "results.jsonl:1: no header line");
	expect_error(HEADER "{\"type\":\"alert\"\n",
		     "results.jsonl:2: not valid JSON");
	expect_error(HEADER "[1]\n",
		     "results.jsonl:2: each line must be a JSON object");
	expect_error(ALERT("a.cadet", 1, "5"),
		     "results.jsonl:1: a \"alert\" line before the header");
	expect_error(HEADER HEADER, "results.jsonl:2: a second header");
	expect_error(HEADER "{\"type\":\"alert\",\"detector\":\"nope\","
			    "\"trace\":\"a.cadet\",\"cgroup_id\":1,\"ts\":1}\n",
		     "results.jsonl:2: detector \"nope\" is not in the header");
	expect_error(HEADER "{\"type\":\"alert\",\"detector\":\"det\","
			    "\"trace\":\"a.cadet\",\"cgroup_id\":1}\n",
		     "results.jsonl:2: missing \"ts\"");
	expect_error(HEADER
		     "{\"type\":\"alert\",\"detector\":\"det\","
		     "\"trace\":\"a.cadet\",\"cgroup_id\":-1,\"ts\":1}\n",
		     "results.jsonl:2: \"cgroup_id\" is negative");
	expect_error(HEADER "{\"type\":\"score\",\"detector\":\"det\","
			    "\"trace\":\"a.cadet\",\"cgroup_id\":1,"
			    "\"win_start\":5,\"win_end\":4,\"value\":1}\n",
		     "results.jsonl:2: win_end 4 is before win_start 5");
	expect_error(HEADER "{\"type\":\"score\",\"detector\":\"det\","
			    "\"trace\":\"a.cadet\",\"cgroup_id\":1,"
			    "\"win_start\":5,\"win_end\":6,\"value\":\"x\"}\n",
		     "results.jsonl:2: \"value\" must be a number");
	expect_error(
		"{\"type\":\"header\",\"detectors\":[],\"test\":[]}\n",
		"results.jsonl:1: header: \"detectors\" must be a non-empty array");
	expect_error("{\"type\":\"header\",\"detectors\":[{\"name\":\"a\"},"
		     "{\"name\":\"a\"}],\"test\":[]}\n",
		     "detector \"a\" listed twice");
	expect_error("{\"type\":\"header\",\"detectors\":[{\"name\":\"a\"}]}\n",
		     "header: \"test\" must be an array");
}

static struct cadet_eval *run_eval(const char *text, struct cadet_results **rp,
				   struct cadet_truth ***tp)
{
	struct cadet_eval_opts o = {.sz = sizeof(o)};
	char err[256];
	struct cadet_eval *e;

	*rp = parse(text, err, sizeof(err));
	assert_non_null(*rp);
	*tp = make_truth();
	e = cadet_eval__compute(*rp, *tp, &o);
	assert_non_null(e);
	return e;
}

static void test_metrics(void **state)
{
	struct cadet_results *r;
	struct cadet_truth **t;
	struct cadet_eval *e = run_eval(results_text, &r, &t);
	const struct cadet_eval_stats *s;

	assert_int_equal(e->nscenarios, 3);
	assert_string_equal(e->scenarios[0], "cpu_hog"); /* sorted */
	assert_true(e->dets[1].baseline && !e->dets[0].baseline);

	/*
	 * mem_leak, det. Window cg 100 [30, 50], grace to 60: first alert 40
	 * -> detected, latency 10 s. Alarms (gap 5): cg 100 {40} {55,58}
	 * {100}, cg 200 {10}: 4 alarms; {40} and {55,58} overlap [30, 60]:
	 * precision 2/4 = 0.5, F1 = 2 * 1 * 0.5 / 1.5 = 2/3.
	 * Normal time: cg 100 120 - 30 (window + grace) = 90 s, cg 200
	 * 120 s = 210 s; 2 false alarms -> 2 * 3600 / 210 per hour.
	 */
	s = cadet_eval__stats(e, 0, "mem_leak");
	assert_non_null(s);
	assert_int_equal(s->windows, 1);
	assert_int_equal(s->detected, 1);
	assert_int_equal(s->alarms, 4);
	assert_int_equal(s->true_alarms, 2);
	assert_near(s->detection_rate, 1);
	assert_near(s->precision, 0.5);
	assert_near(s->f1, 2.0 / 3);
	assert_near(s->false_alarms_per_hour, 2 * 3600.0 / 210);
	assert_near(s->latency_median_s, 10);
	assert_near(s->latency_p95_s, 10);
	/*
	 * Bins (1 s): real cg 100 30..50 (21 bins); predicted cg 100 bins
	 * 40, 55, 58, 100 and cg 200 bin 10. TP 1, FP 4, FN 20:
	 * P = 1/5, R = 1/21, F1 = 2 / (2 + 4 + 20) = 1/13.
	 */
	assert_near(s->point_precision, 0.2);
	assert_near(s->point_recall, 1.0 / 21);
	assert_near(s->point_f1, 2.0 / 26);
	/*
	 * Range (flat, alpha 0, 1/x): the one real range overlaps [40,40]
	 * only: recall 1/21; precision: [40] scores 1, the four others 0:
	 * 1/5.
	 */
	assert_near(s->range_recall, 1.0 / 21);
	assert_near(s->range_precision, 0.2);
	/*
	 * PA%0: 1 of 21 bins detected -> whole range: TP 21, FN 0, FP 4:
	 * F1 = 42 / 46. PA%20..100: unchanged, 2/26.
	 */
	assert_near(s->pa_f1[0], 42.0 / 46);
	for (int k = 1; k < 5; k++)
		assert_near(s->pa_f1[k], 2.0 / 26);
	/*
	 * Scores cg 100: [0,10) 0.1 -, [30,40) 0.9 +, [50,60) 0.5 + (shares
	 * 50 s with the window), [60,70) 0.6 -. AP: 0.9 (P 1, +1/2), 0.6,
	 * 0.5 (P 2/3, +1/2): 1/2 + 1/3 = 5/6. ROC: 0.9 beats both negatives,
	 * 0.5 beats 0.1 only: 3/4.
	 */
	assert_int_equal(s->nscored, 4);
	assert_near(s->auc_pr, 5.0 / 6);
	assert_near(s->auc_roc, 0.75);

	/*
	 * normal, det: no window -> detection rate undefined; one alarm
	 * {30,33}, false: precision 0, F1 0 (a zero term); 60 s normal time:
	 * 60 false alarms per hour. No scores: AUCs undefined.
	 */
	s = cadet_eval__stats(e, 0, "normal");
	assert_true(isnan(s->detection_rate));
	assert_near(s->precision, 0);
	assert_near(s->f1, 0);
	assert_near(s->false_alarms_per_hour, 60);
	assert_true(isnan(s->latency_median_s));
	assert_true(isnan(s->auc_pr) && isnan(s->auc_roc));
	assert_true(isnan(s->point_recall));

	/*
	 * cpu_hog, det: window missed; no alarm -> precision undefined,
	 * F1 0; normal time 100 - 20 = 80 s with 0 false alarms -> 0/h.
	 */
	s = cadet_eval__stats(e, 0, "cpu_hog");
	assert_near(s->detection_rate, 0);
	assert_true(isnan(s->precision));
	assert_near(s->f1, 0);
	assert_near(s->false_alarms_per_hour, 0);

	/*
	 * Overall, det: 1 of 2 windows; 5 alarms, 2 true: precision 0.4;
	 * F1 = 2 * 0.5 * 0.4 / 0.9 = 4/9; 3 false alarms in 210 + 60 + 80 =
	 * 350 s -> 3 * 3600 / 350 per hour. Point: TP 1, FP 4 + 2, FN 20 +
	 * 11 (cpu_hog 10..20): F1 = 2 / (2 + 6 + 31) = 2/39.
	 */
	s = cadet_eval__stats(e, 0, NULL);
	assert_near(s->detection_rate, 0.5);
	assert_near(s->precision, 0.4);
	assert_near(s->f1, 4.0 / 9);
	assert_near(s->false_alarms_per_hour, 3 * 3600.0 / 350);
	assert_near(s->point_f1, 2.0 / 39);
	assert_int_equal(s->traces, 3);

	/* the null baseline: nothing detected, nothing alarmed */
	s = cadet_eval__stats(e, 1, NULL);
	assert_near(s->detection_rate, 0);
	assert_true(isnan(s->precision));
	assert_near(s->false_alarms_per_hour, 0);

	cadet_eval__free(e);
	free_truth(t);
	cadet_results__free(r);
}

static void test_grace_option(void **state)
{
	struct cadet_eval_opts o = {.sz = sizeof(o), .no_grace = true};
	struct cadet_results *r;
	struct cadet_truth **t;
	struct cadet_eval *e;
	char err[256];
	/* only the alerts at 55 and 58 s: after the window's end at 50 s */
	const char *text = HEADER ALERT("a.cadet", 100, "55000000000")
		ALERT("a.cadet", 100, "58000000000");

	r = parse(text, err, sizeof(err));
	assert_non_null(r);
	t = make_truth();
	/* grace 0: missed, and the alarm {55, 58} is false */
	e = cadet_eval__compute(r, t, &o);
	assert_non_null(e);
	assert_near(cadet_eval__stats(e, 0, "mem_leak")->detection_rate, 0);
	assert_near(cadet_eval__stats(e, 0, "mem_leak")->precision, 0);
	cadet_eval__free(e);
	/* default grace 10 s: detected 25 s after the start */
	o.no_grace = false;
	e = cadet_eval__compute(r, t, &o);
	assert_near(cadet_eval__stats(e, 0, "mem_leak")->detection_rate, 1);
	assert_near(cadet_eval__stats(e, 0, "mem_leak")->latency_median_s, 25);
	cadet_eval__free(e);
	free_truth(t);
	cadet_results__free(r);
}

/*
 * A detector that alerts every second of the run on the anomaly's target
 * ("target") and the always baseline (every second on every container),
 * on one trace: cg 100 present [0, 60 s] with a window [20, 30 s], cg 200
 * present [0, 60 s] without one. Merged alarms cannot tell "target" from
 * a good detector (one alarm [0, 60], true: precision 1, F1 1, no false
 * alarm); point precision can: 11 anomalous bins (20..30) of 61 alerted.
 * always: 2 alarms, 1 true (precision 0.5); point P 11/122; CFA 2 (cg 100
 * before 20 s, cg 200 all run) against "target"'s 1; both detect the one
 * exploit recording.
 */
static void test_alarm_everywhere(void **state)
{
	struct cadet_eval_opts o = {.sz = sizeof(o)};
	const struct cadet_eval_stats *tg, *al;
	struct cadet_truth *t[1];
	struct cadet_results *r;
	struct cadet_eval *e;
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap), err[256], *md = NULL;
	size_t mdlen = 0;
	FILE *f;

	assert_non_null(text);
	len = snprintf(text, cap, "%s",
		       "{\"type\":\"header\",\"cadet_version\":\"t\",\"seed\":1,"
		       "\"detectors\":[{\"name\":\"target\",\"spec\":"
		       "\"builtin:target\",\"params\":{},\"seed\":1,"
		       "\"threshold\":null},{\"name\":\"always\",\"spec\":"
		       "\"builtin:always\",\"params\":{},\"seed\":1,"
		       "\"threshold\":null}],\"train\":[],\"validate\":[],"
		       "\"test\":[{\"path\":\"a.cadet\",\"sha256\":\"00\"}]}\n");
	for (unsigned int sec = 0; sec <= 60; sec++)
		for (int d = 0; d < 3; d++)
			len += snprintf(
				text + len, cap - len,
				"{\"type\":\"alert\",\"detector\":\"%s\","
				"\"trace\":\"a.cadet\",\"container\":\"x\","
				"\"cgroup_id\":%d,\"ts\":%llu,"
				"\"severity\":\"warning\",\"reason\":\"r\"}\n",
				d ? "always" : "target", d == 2 ? 200 : 100,
				(unsigned long long)sec * S);
	assert_true(len < cap);
	r = parse(text, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	t[0] = cadet_truth__new("a.cadet", "mem_leak");
	assert_non_null(t[0]);
	assert_int_equal(cadet_truth__add_presence(t[0], 100, 0, 60 * S), 0);
	assert_int_equal(cadet_truth__add_presence(t[0], 200, 0, 60 * S), 0);
	assert_int_equal(
		cadet_truth__add_window(t[0], 100, 20 * S, 30 * S, "mem_leak"),
		0);
	t[0]->t0 = 0;
	t[0]->t1 = 60 * S;
	cadet_truth__finish(t[0]);
	e = cadet_eval__compute(r, t, &o);
	assert_non_null(e);
	assert_true(e->dets[1].baseline && !e->dets[0].baseline);

	tg = cadet_eval__stats(e, 0, NULL);
	assert_near(tg->detection_rate, 1);
	assert_near(tg->precision, 1);
	assert_near(tg->f1, 1);
	assert_near(tg->false_alarms_per_hour, 0);
	assert_near(tg->point_precision, 11.0 / 61);
	assert_near(tg->recording_detection_rate, 1);
	assert_int_equal(tg->lidds.cfa, 1);

	al = cadet_eval__stats(e, 1, NULL);
	assert_near(al->detection_rate, 1);
	assert_near(al->precision, 0.5);
	assert_near(al->point_precision, 11.0 / 122);
	assert_near(al->recording_detection_rate, 1);
	assert_int_equal(al->lidds.cfa, 2);

	f = open_memstream(&md, &mdlen);
	assert_int_equal(cadet_eval__write_md(e, f), 0);
	fclose(f);
	assert_non_null(strstr(md, "| target | mem_leak | 1/1 | 1.000 | 1.000 | "
				   "0.180 | 1.000 | 0.00 | 1.000 | 1 | "));
	assert_non_null(strstr(md, "| always (baseline) | mem_leak | 1/1 | "
				   "1.000 | 0.500 | 0.090 |"));
	assert_non_null(strstr(md, "lack the null, random baselines"));
	free(md);
	cadet_eval__free(e);
	cadet_truth__free(t[0]);
	cadet_results__free(r);
	free(text);
}

/* --merge-gap 0: every alert is an alarm, two at the same ns too. */
static void test_no_merge(void **state)
{
	struct cadet_eval_opts o = {.sz = sizeof(o), .no_merge = true};
	struct cadet_results *r;
	struct cadet_truth **t;
	struct cadet_eval *e;
	char err[256];
	const char *text = HEADER ALERT("b.cadet", 300, "30000000000")
		ALERT("b.cadet", 300, "30000000000")
			ALERT("b.cadet", 300, "31000000000");

	r = parse(text, err, sizeof(err));
	assert_non_null(r);
	t = make_truth();
	e = cadet_eval__compute(r, t, &o);
	assert_non_null(e);
	assert_int_equal(cadet_eval__stats(e, 0, "normal")->alarms, 3);
	/* 31 s is the bin after 30 s: one consecutive false alarm */
	assert_int_equal(cadet_eval__stats(e, 0, "normal")->lidds.cfa, 1);
	cadet_eval__free(e);
	/* the default gap merges all three */
	o.no_merge = false;
	e = cadet_eval__compute(r, t, &o);
	assert_non_null(e);
	assert_int_equal(cadet_eval__stats(e, 0, "normal")->alarms, 1);
	cadet_eval__free(e);
	free_truth(t);
	cadet_results__free(r);
}

static json_t *eval_json(const char *text)
{
	struct cadet_results *r;
	struct cadet_truth **t;
	struct cadet_eval *e = run_eval(text, &r, &t);
	json_t *j = cadet_eval__to_json(e);

	assert_non_null(j);
	cadet_eval__free(e);
	free_truth(t);
	cadet_results__free(r);
	return j;
}

static void test_json_md(void **state)
{
	struct cadet_results *r;
	struct cadet_truth **t;
	struct cadet_eval *e = run_eval(results_text, &r, &t);
	json_t *j = cadet_eval__to_json(e), *d0, *ps, *ov;
	char *md = NULL, *dump;
	size_t mdlen = 0;
	FILE *f;

	d0 = json_array_get(json_object_get(j, "detectors"), 0);
	assert_string_equal(json_string_value(json_object_get(d0, "detector")),
			    "det");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(d0, "params"), "k")),
			    "3");
	ps = json_object_get(d0, "per_scenario");
	assert_int_equal(json_array_size(ps), 3);
	/* [1] = mem_leak (sorted: cpu_hog, mem_leak, normal) */
	assert_near(
		json_number_value(json_object_get(json_array_get(ps, 1), "f1")),
		2.0 / 3);
	assert_near(
		json_number_value(json_object_get(
			json_object_get(json_array_get(ps, 1), "pa_k"), "0")),
		42.0 / 46);
	/* LID-DS per recording, worked out in test_json_md's eval.md check */
	assert_near(json_number_value(json_object_get(json_array_get(ps, 1),
						      "point_precision")),
		    0.2);
	assert_near(json_number_value(json_object_get(
			    json_array_get(ps, 1), "recording_detection_rate")),
		    1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(ps, 1), "cfa")),
			 1);
	/* normal: 30 and 33 s are not adjacent bins: two CFAs */
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(ps, 2), "cfa")),
			 2);
	assert_true(json_is_null(json_object_get(json_array_get(ps, 2),
						 "recording_detection_rate")));
	/* cpu_hog: its one exploit recording has no alert */
	assert_near(json_number_value(json_object_get(
			    json_array_get(ps, 0), "recording_detection_rate")),
		    0);
	/* normal: undefined detection rate is null, not NaN */
	assert_true(json_is_null(
		json_object_get(json_array_get(ps, 2), "detection_rate")));
	ov = json_object_get(j, "overall");
	assert_near(json_number_value(json_object_get(ov, "grace_s")), 10);
	assert_near(json_number_value(json_object_get(ov, "merge_gap_s")), 5);
	assert_near(json_number_value(json_object_get(ov, "bin_s")), 1);
	assert_near(json_number_value(json_object_get(
			    json_object_get(ov, "det"), "precision")),
		    0.4);
	assert_non_null(json_object_get(ov, "null"));
	dump = json_dumps(j, 0);
	assert_null(strstr(dump, "nan"));
	assert_null(strstr(dump, "NaN"));
	free(dump);

	f = open_memstream(&md, &mdlen);
	assert_int_equal(cadet_eval__write_md(e, f), 0);
	fclose(f);
	/*
	 * mem_leak, det: point P = 1 of 5 alert bins (40 s) inside [30, 50];
	 * recording DR 1/1 (cg 100 alerts from 30 s on), CFA 1 (cg 200 at
	 * 10 s; cg 100 has no alert before its window).
	 */
	assert_non_null(strstr(md, "| det | mem_leak | 1/1 | 1.000 | 0.500 | "
				   "0.200 | 0.667 | 34.29 | 1.000 | 1 | "
				   "10.00 |"));
	assert_non_null(strstr(md, "| null (baseline) | mem_leak | 0/1 | "
				   "0.000 | n/a | n/a | 0.000 | 0.00 | "
				   "0.000 | 0 | n/a |"));
	assert_non_null(strstr(md, "lack the random, always baselines"));
	free(md);
	json_decref(j);
	cadet_eval__free(e);
	free_truth(t);
	cadet_results__free(r);
}

static int regress(json_t *base, json_t *cur, double tol, char **out)
{
	size_t len = 0;
	char err[256];
	FILE *f = open_memstream(out, &len);
	int n = cadet_eval_regress(base, cur, tol, f, NULL, err, sizeof(err));

	fclose(f);
	return n;
}

static void test_regression(void **state)
{
	json_t *base = eval_json(results_text), *weak, *same, *bad;
	char *out = NULL;
	/*
	 * Weaker: without the alert at 40 s, mem_leak precision drops from
	 * 2/4 to 1/3 (alarms {55,58} true, {100} and cg 200 {10} false) and
	 * F1 from 2/3 to 1/2; detection still holds (55 s is in the grace).
	 * Same scores, so the AUCs hold.
	 */
	static const char weaker[] = HEADER ALERT("a.cadet", 100, "55000000000")
		ALERT("a.cadet", 100, "58000000000") ALERT("a.cadet", 100,
							   "100000000000")
			ALERT("a.cadet", 200, "10000000000") ALERT(
				"b.cadet", 300, "30000000000")
				ALERT("b.cadet", 300, "33000000000") SCORE(
					100, "0", "10000000000", "0.1")
					SCORE(100, "30000000000", "40000000000",
					      "0.9") SCORE(100, "50000000000",
							   "60000000000", "0.5")
						SCORE(100, "60000000000",
						      "70000000000", "0.6");

	same = eval_json(results_text);
	assert_int_equal(regress(base, same, 0.02, &out), 0);
	assert_string_equal(out, "");
	free(out);

	weak = eval_json(weaker);
	assert_true(regress(base, weak, 0.02, &out) > 0);
	assert_non_null(strstr(
		out,
		"regression: detector=det scenario=mem_leak metric=precision old=0.5000 new=0.3333"));
	assert_non_null(strstr(
		out,
		"detector=det scenario=mem_leak metric=f1 old=0.6667 new=0.5000"));
	assert_non_null(
		strstr(out, "detector=det scenario=overall metric=precision"));
	/* latency rose from 10 to 25 s */
	assert_non_null(
		strstr(out, "metric=latency_median_s old=10.0000 new=25.0000"));
	assert_null(strstr(out, "metric=detection_rate"));
	free(out);
	/*
	 * The other way round, the full results are better than the weak
	 * baseline: flagged too, as improvements, saying how to record them.
	 */
	{
		int better = 0;
		size_t len = 0;
		char err[256];
		FILE *f = open_memstream(&out, &len);

		assert_true(cadet_eval_regress(weak, base, 0.02, f, &better,
					       err, sizeof(err)) > 0);
		fclose(f);
		assert_true(better > 0);
		assert_non_null(strstr(
			out,
			"improvement: detector=det scenario=mem_leak metric=precision old=0.3333 new=0.5000 (better than the baseline: if meant, record it (tools/regress.sh --update"));
		assert_null(strstr(out, "regression:"));
		free(out);
	}
	/* a detector the baseline lacks is a change to record as well */
	{
		json_t *fewer = json_deep_copy(base);

		json_array_remove(json_object_get(fewer, "detectors"), 1);
		assert_int_equal(regress(fewer, base, 0.02, &out), 1);
		assert_non_null(strstr(
			out,
			"improvement: detector=null is not in the baseline"));
		free(out);
		json_decref(fewer);
	}
	/* a tolerance above every drop passes: 25 <= 10 + 2 * 10 */
	assert_int_equal(regress(base, weak, 2, &out), 0);
	free(out);

	/* a detector missing from the new results is a regression */
	json_array_remove(json_object_get(weak, "detectors"), 1);
	assert_true(regress(base, weak, 2, &out) == 1);
	assert_non_null(strstr(out, "detector=null missing"));
	free(out);
	/* and so is a scenario */
	json_array_remove(
		json_object_get(
			json_array_get(json_object_get(same, "detectors"), 0),
			"per_scenario"),
		0);
	assert_true(regress(base, same, 0.02, &out) == 1);
	assert_non_null(strstr(out, "detector=det scenario=cpu_hog missing"));
	free(out);

	bad = json_pack("{s:i}", "x", 1);
	assert_int_equal(regress(bad, same, 0.02, &out), -EINVAL);
	free(out);
	json_decref(bad);
	json_decref(base);
	json_decref(weak);
	json_decref(same);
}

/*
 * Issue 10: a baseline whose metric is not a number or lies outside its
 * range must be refused, not read as "no regression".
 */
static void test_regression_bad_baseline(void **state)
{
	static const struct {
		const char *metric;
		const char *want;
	} cases[] = {
		{"f1", "metric=f1: baseline value \"high\" is not a number"},
		{"f1", "metric=f1: baseline value -5 is outside [0, 1]"},
		{"latency_median_s",
		 "metric=latency_median_s: baseline value -1 is negative"},
		{"pa_k", "metric=pa_k.20: baseline value 2 is outside [0, 1]"},
	};
	json_t *cur = eval_json(results_text);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *base = eval_json(results_text);
		json_t *sc = json_array_get(
			json_object_get(json_array_get(json_object_get(
							       base, "detectors"),
						       0),
					"per_scenario"),
			0);
		char err[512] = "", *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		int n;

		switch (i) {
		case 0:
			json_object_set_new(sc, "f1", json_string("high"));
			break;
		case 1:
			json_object_set_new(sc, "f1", json_integer(-5));
			break;
		case 2:
			json_object_set_new(sc, "latency_median_s",
					    json_integer(-1));
			break;
		case 3:
			json_object_set_new(json_object_get(sc, "pa_k"), "20",
					    json_integer(2));
			break;
		}
		n = cadet_eval_regress(base, cur, 0.02, f, NULL, err, sizeof(err));
		fclose(f);
		if (n != -EINVAL || !strstr(err, cases[i].want) ||
		    !strstr(err, "detector=det scenario=cpu_hog "))
			fail_msg("case %zu: got %d, '%s'; want -EINVAL, '%s'", i,
				 n, err, cases[i].want);
		free(out);
		json_decref(base);
	}
	json_decref(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_same_name),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_grace_option),
		cmocka_unit_test(test_json_md),
		cmocka_unit_test(test_alarm_everywhere),
		cmocka_unit_test(test_no_merge),
		cmocka_unit_test(test_regression),
		cmocka_unit_test(test_regression_bad_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
