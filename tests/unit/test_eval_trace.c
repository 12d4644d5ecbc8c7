// SPDX-License-Identifier: MIT
/*
 * `cadet eval` on real (synthetic) trace files: ground truth read back from
 * LABEL, CONTAINER and METRICS records written with the trace writer, then
 * the command itself end to end, including the regression exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cadet/trace.h"
#include "eval/eval.h"
#include "tests/unit/assert_near.h"
#include "tools/commands.h"

#define S 1000000000ull
#define EPS 1e-6

static char dir[] = "/tmp/cadet-test-eval.XXXXXX";

static void put(struct cadet_recbuf *b, size_t off, const char *s)
{
	assert_int_equal(cadet_recbuf__put_str(b, off, s, strlen(s)), 0);
}

static struct cadet_writer *open_trace(const char *name)
{
	struct cadet_writer_opts o = {.sz = sizeof(o)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_header *h;
	struct cadet_writer *w;
	char path[256];

	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	h->h.ts = S;
	h->clock_id = 1;
	h->ncpus = 2;
	h->start_ts = S;
	h->interval_ns = S;
	put(b, offsetof(struct cadet_rec_header, recorder_version), "test");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	w = cadet_writer__create(path, cadet_recbuf__rec(b), &o);
	assert_non_null(w);
	cadet_recbuf__free(b);
	return w;
}

static void add_container(struct cadet_writer *w, unsigned int type,
			  uint64_t cg, uint64_t ts, const char *name)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_container *c;

	c = cadet_recbuf__start(b, type, sizeof(*c));
	c->h.ts = ts;
	c->h.cgroup_id = cg;
	memcpy(c->runtime, "runc", 5);
	put(b, offsetof(struct cadet_rec_container, id), name);
	put(b, offsetof(struct cadet_rec_container, name), name);
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

static void add_metrics(struct cadet_writer *w, uint64_t cg, uint64_t ts)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_metrics *m;

	m = cadet_recbuf__start(b, CADET_REC_METRICS, sizeof(*m));
	m->h.ts = ts;
	m->h.cgroup_id = cg;
	m->interval_ns = S;
	m->rss_bytes = 1 << 20;
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

static void add_label(struct cadet_writer *w, uint64_t cg, uint64_t start,
		      uint64_t end, const char *kind, const char *scenario,
		      const char *anomaly)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_label *l;

	l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
	l->h.ts = end;
	l->h.cgroup_id = cg;
	l->start_ts = start;
	l->end_ts = end;
	l->seed = 1;
	l->intensity = 1;
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	put(b, offsetof(struct cadet_rec_label, scenario), scenario);
	put(b, offsetof(struct cadet_rec_label, anomaly), anomaly);
	put(b, offsetof(struct cadet_rec_label, target), "batch");
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	cadet_recbuf__free(b);
}

/*
 * trace1.cadet, scenario memleak: containers web (cg 100) and batch
 * (cg 200) from 1 s; METRICS every second; batch removed at 91 s; web
 * reports until 121 s. Anomaly on batch [31 s, 51 s].
 * trace2.cadet, scenario normal: web (cg 300) from 1 s to 61 s; a normal
 * LABEL [1 s, 61 s].
 */
static void write_traces(void)
{
	struct cadet_writer *w = open_trace("trace1.cadet");

	add_container(w, CADET_REC_CONTAINER, 100, S, "web");
	add_container(w, CADET_REC_CONTAINER, 200, S, "batch");
	for (uint64_t k = 1; k <= 121; k++) {
		add_metrics(w, 100, k * S);
		if (k <= 90)
			add_metrics(w, 200, k * S);
		if (k == 51)
			add_label(w, 200, 31 * S, 51 * S, "anomaly", "memleak",
				  "mem_leak");
		if (k == 91)
			add_container(w, CADET_REC_CONTAINER_REMOVE, 200,
				      91 * S, "batch");
	}
	assert_int_equal(cadet_writer__close(w), 0);

	w = open_trace("trace2.cadet");
	add_container(w, CADET_REC_CONTAINER, 300, S, "web");
	for (uint64_t k = 1; k <= 61; k++)
		add_metrics(w, 300, k * S);
	add_label(w, 0, S, 61 * S, "normal", "normal", "");
	assert_int_equal(cadet_writer__close(w), 0);

	w = open_trace("bad.cadet");
	add_container(w, CADET_REC_CONTAINER, 300, S, "web");
	add_label(w, 300, S, 2 * S, "oops", "x", "");
	assert_int_equal(cadet_writer__close(w), 0);
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	write_traces();
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {
		"trace1.cadet",	 "trace2.cadet", "bad.cadet",
		"results.jsonl", "weak.jsonl",	 "eval.json",
		"eval.md",	 "out.txt",	 "moved.jsonl",
	};
	char path[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

static void test_truth_load(void **state)
{
	char path[256], err[512];
	struct cadet_truth *t;
	const struct cadet_truth_container *c;

	snprintf(path, sizeof(path), "%s/trace1.cadet", dir);
	t = cadet_truth__load(path, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	assert_string_equal(t->scenario, "memleak");
	assert_int_equal(t->t0, S);
	assert_int_equal(t->t1, 121 * S);
	assert_int_equal(t->nwindows, 1);
	assert_int_equal(t->windows[0].cgroup_id, 200);
	assert_int_equal(t->windows[0].span.start, 31 * S);
	assert_int_equal(t->windows[0].span.end, 51 * S);
	assert_string_equal(t->windows[0].anomaly, "mem_leak");
	assert_int_equal(t->ncontainers, 2);
	c = cadet_truth__container(t, 100);
	assert_non_null(c);
	assert_string_equal(c->name, "web");
	assert_int_equal(c->npresence, 1);
	assert_int_equal(c->presence[0].start, S);
	assert_int_equal(c->presence[0].end, 121 * S);
	/* removed at 91 s */
	c = cadet_truth__container(t, 200);
	assert_int_equal(c->presence[0].end, 91 * S);
	assert_null(cadet_truth__container(t, 999));
	cadet_truth__free(t);

	snprintf(path, sizeof(path), "%s/trace2.cadet", dir);
	t = cadet_truth__load(path, err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t->scenario, "normal");
	assert_int_equal(t->nwindows, 0);
	cadet_truth__free(t);

	snprintf(path, sizeof(path), "%s/bad.cadet", dir);
	assert_null(cadet_truth__load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "kind \"oops\""));
	snprintf(path, sizeof(path), "%s/none.cadet", dir);
	assert_null(cadet_truth__load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "none.cadet"));
}

#define HDR                                                               \
	"{\"type\":\"header\",\"cadet_version\":\"t\",\"seed\":1,"        \
	"\"detectors\":[{\"name\":\"stats\",\"spec\":\"builtin:stats\","  \
	"\"params\":{\"z\":\"3\"},\"seed\":1,\"threshold\":2.5},"         \
	"{\"name\":\"null\",\"spec\":\"builtin:null\",\"params\":{},"     \
	"\"seed\":1,\"threshold\":null},"                                 \
	"{\"name\":\"random\",\"spec\":\"builtin:random\",\"params\":{}," \
	"\"seed\":1,\"threshold\":null}],"                                \
	"\"train\":[],\"validate\":[],\"test\":["                         \
	"{\"path\":\"trace1.cadet\",\"sha256\":\"\"},"                    \
	"{\"path\":\"trace2.cadet\",\"sha256\":\"\"}]}\n"

#define AL(det, tr, cg, ts)                                            \
	"{\"type\":\"alert\",\"detector\":\"" det "\",\"trace\":\"" tr \
	"\",\"container\":\"c\",\"cgroup_id\":" #cg ",\"ts\":" ts      \
	",\"severity\":\"warning\",\"reason\":\"r\"}\n"

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Runs `cadet eval ARGS...` with stdout captured into out.txt. */
static int run(char *out, size_t len, int argc, ...)
{
	char *argv[16] = {"eval"}, path[256];
	int fd, saved, ret;
	va_list ap;
	ssize_t n;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	optind = 0;
	ret = cmd_eval(argc + 1, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	return ret;
}

static void test_cmd_eval(void **state)
{
	char results[256], weak[256], json[256], md[256], out[8192];
	json_error_t jerr;
	json_t *j, *d, *ov, *mem;

	/*
	 * stats: batch (cg 200) at 35 and 37 s -> one alarm, detects the
	 * window 4 s after its start; web (cg 100) at 100 s and trace2 web at
	 * 20 s: false alarms. random: web at 10 s. null: nothing.
	 */
	write_file("results.jsonl",
		   HDR AL("stats", "trace1.cadet", 200, "35000000000") AL(
			   "stats", "trace1.cadet", 200, "37000000000")
			   AL("stats", "trace1.cadet", 100, "100000000000") AL(
				   "stats", "trace2.cadet", 300, "20000000000")
				   AL("random", "trace1.cadet", 100,
				      "10000000000"));
	snprintf(results, sizeof(results), "%s/results.jsonl", dir);
	snprintf(json, sizeof(json), "%s/eval.json", dir);
	snprintf(md, sizeof(md), "%s/eval.md", dir);
	/* trace paths are relative to the results file's directory */
	assert_int_equal(
		run(out, sizeof(out), 5, results, "-o", json, "--md", md), 0);

	j = json_load_file(json, 0, &jerr);
	assert_non_null(j);
	d = json_array_get(json_object_get(j, "detectors"), 0);
	ov = json_object_get(d, "overall");
	/*
	 * Overall, stats: 1 of 1 window; 3 alarms, 1 true: P = 1/3,
	 * F1 = 2 * 1 * 1/3 / (4/3) = 0.5. Normal time: web 120 s + batch
	 * (1..91 s minus 31..61 s) 60 s + trace2 web 60 s = 240 s; 2 false
	 * alarms -> 2 * 3600 / 240 = 30 per hour. Latency 35 - 31 = 4 s.
	 */
	assert_near(json_number_value(json_object_get(ov, "detection_rate")),
		    1);
	assert_near(json_number_value(json_object_get(ov, "precision")),
		    1.0 / 3);
	assert_near(json_number_value(json_object_get(ov, "f1")), 0.5);
	assert_near(
		json_number_value(json_object_get(ov, "false_alarms_per_hour")),
		30);
	assert_near(json_number_value(json_object_get(ov, "latency_median_s")),
		    4);
	/* memleak only: 2 alarms, 1 true; 180 s normal, 1 false -> 20/h */
	mem = json_array_get(json_object_get(d, "per_scenario"), 0);
	assert_string_equal(json_string_value(json_object_get(mem, "scenario")),
			    "memleak");
	assert_near(json_number_value(json_object_get(mem, "precision")), 0.5);
	assert_near(json_number_value(
			    json_object_get(mem, "false_alarms_per_hour")),
		    20);
	/* no scores at all: AUCs are null */
	assert_true(json_is_null(json_object_get(mem, "auc_pr")));
	assert_int_equal(json_array_size(json_object_get(j, "detectors")), 3);
	assert_non_null(
		json_object_get(json_object_get(j, "overall"), "random"));
	json_decref(j);

	/* eval.md: the baselines sit in the same table */
	{
		FILE *f = fopen(md, "r");
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		fclose(f);
		buf[n] = 0;
		assert_non_null(strstr(
			buf,
			"| stats | memleak | 1/1 | 1.000 | 0.500 | 0.667 | 0.667 | 20.00 | 1.000 | 1 | 4.00 |"));
		assert_non_null(strstr(buf, "| null (baseline) | memleak |"));
		assert_non_null(strstr(
			buf,
			"| random (baseline) | memleak | 0/1 | 0.000 | 0.000 |"));
		assert_non_null(strstr(buf, "lack the always baseline;"));
	}

	/* the same results against themselves: no regression, exit 0 */
	assert_int_equal(run(out, sizeof(out), 3, results, "--baseline", json),
			 0);
	assert_non_null(strstr(out, "no regression"));

	/* weaker: stats misses the window -> exit 1 naming the metric */
	write_file("weak.jsonl",
		   HDR AL("stats", "trace1.cadet", 100, "100000000000") AL(
			   "stats", "trace2.cadet", 300, "20000000000")
			   AL("random", "trace1.cadet", 100, "10000000000"));
	snprintf(weak, sizeof(weak), "%s/weak.jsonl", dir);
	assert_int_equal(run(out, sizeof(out), 5, weak, "--baseline", json,
			     "--tolerance", "0.02"),
			 1);
	assert_non_null(strstr(
		out,
		"regression: detector=stats scenario=memleak metric=detection_rate old=1.0000 new=0.0000"));
	assert_non_null(strstr(
		out,
		"detector=stats scenario=overall metric=f1 old=0.5000 new=0.0000"));
	/* null and random did not change: not named */
	assert_null(strstr(out, "detector=null"));
	assert_null(strstr(out, "detector=random"));
}

static void test_cmd_eval_errors(void **state)
{
	char out[4096], path[256];

	/* a test trace that is not there: exit 2 */
	write_file("moved.jsonl",
		   "{\"type\":\"header\",\"detectors\":[{\"name\":\"a\"}],"
		   "\"test\":[{\"path\":\"gone.cadet\"}]}\n");
	snprintf(path, sizeof(path), "%s/moved.jsonl", dir);
	assert_int_equal(run(out, sizeof(out), 1, path), 2);
	/* a malformed results file: exit 2 */
	write_file("moved.jsonl", "{\"type\":\"header\"\n");
	assert_int_equal(run(out, sizeof(out), 1, path), 2);
	snprintf(path, sizeof(path), "%s/nothere.jsonl", dir);
	assert_int_equal(run(out, sizeof(out), 1, path), 2);

	/* a trace that is not the one replay hashed: exit 2, unless told */
	write_file(
		"moved.jsonl",
		"{\"type\":\"header\",\"detectors\":[{\"name\":\"a\"}],"
		"\"test\":[{\"path\":\"trace1.cadet\",\"sha256\":\"ab12\"}]}\n");
	snprintf(path, sizeof(path), "%s/moved.jsonl", dir);
	assert_int_equal(run(out, sizeof(out), 1, path), 2);
	assert_int_equal(run(out, sizeof(out), 2, path, "--no-verify"), 0);
	assert_non_null(strstr(out, "| a | memleak | 0/1 |"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truth_load),
		cmocka_unit_test(test_cmd_eval),
		cmocka_unit_test(test_cmd_eval_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
