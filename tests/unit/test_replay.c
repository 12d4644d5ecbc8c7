// SPDX-License-Identifier: MIT
/*
 * cadet replay: determinism across runs and --jobs, plugin ABI refusal,
 * the exec adapter with crashing and garbage-printing programs,
 * thresholds from validation traces only, tick alignment, refusal of
 * labeled training traces and skipping of corrupt traces. Every check
 * reads the real JSON lines the replayer writes.
 *
 * Needs the test plugins: make build/tests/plugins/good.so (make
 * unit-test builds them); $BUILD names the build folder (default build).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cadet/trace.h"
#include "detect/loader.h"
#include "detect/threshold.h"
#include "replayer/replay.h"
#include "replayer/synth.h"

#define NS 1000000000ull

#define TEST_TMPDIR_NAME "cadet-test-replay"
#include "tests/unit/test_tmpdir.h"

static char plugin_dir[512];

static const char *plugin(const char *name)
{
	static char buf[4][700];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s.so", plugin_dir, name);
	return buf[i];
}

/*
 * A one-container trace: counts[s] EXEC events in second s, starting at
 * @t0 (not aligned to a second on purpose).
 */
static void write_counts_trace(const char *path, uint64_t t0,
			       const unsigned int *counts, size_t nsec)
{
	struct cadet_writer_opts wo = {.sz = sizeof(wo)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_container *c;
	struct cadet_rec_header *h;
	struct cadet_writer *w;
	struct cadet_rec_exec *e;

	assert_non_null(b);
	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	h->h.ts = t0;
	h->clock_id = 1;
	h->start_ts = t0;
	h->interval_ns = NS;
	w = cadet_writer__create(path, cadet_recbuf__rec(b), &wo);
	assert_non_null(w);
	c = cadet_recbuf__start(b, CADET_REC_CONTAINER, sizeof(*c));
	c->h.ts = t0;
	c->h.cgroup_id = 77;
	cadet_recbuf__put_str(b, offsetof(struct cadet_rec_container, name),
			      "web", 3);
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	for (size_t s = 0; s < nsec; s++) {
		for (unsigned int k = 0; k < counts[s]; k++) {
			e = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*e));
			e->h.ts = t0 + s * NS + 1 + k;
			e->h.cgroup_id = 77;
			cadet_recbuf__put_str(
				b, offsetof(struct cadet_rec_exec, filename),
				"/bin/true", 9);
			assert_int_equal(
				cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
		}
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

static void synth(const char *name, uint64_t seed, const char *anomaly)
{
	struct synth_opts o = {.records = 20000,
			       .containers = 3,
			       .seconds = 30,
			       .seed = seed,
			       .anomaly = anomaly};

	assert_int_equal(synth_write(tpath(name), &o, NULL), 0);
}

struct run_out {
	int ret;
	char *buf;
	size_t len;
	char err[1024];
};

/*
 * Replays with @jobs threads; @spec is "phase:path" entries (t:, v:, x:
 * for train, validate, test) and "d:SPEC" detectors, NULL-terminated.
 */
static struct run_out run(int jobs, uint64_t seed, const char *first, ...)
{
	struct replay_opts o = {.sz = sizeof(o),
				.seed = seed,
				.jobs = jobs,
				.quiet = true,
				.exec_timeout_s = 20};
	struct run_out out = {0};
	struct replay *r = replay__new(&o);
	const char *a;
	FILE *f;
	va_list ap;

	assert_non_null(r);
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *)) {
		int err = 0;

		switch (a[0]) {
		case 't':
			err = replay__add_trace(r, CADET_PHASE_TRAIN, a + 2);
			break;
		case 'v':
			err = replay__add_trace(r, CADET_PHASE_VALIDATE, a + 2);
			break;
		case 'x':
			err = replay__add_trace(r, CADET_PHASE_TEST, a + 2);
			break;
		case 'd':
			err = replay__add_detector(r, a + 2);
			break;
		}
		if (err) {
			out.ret = err;
			snprintf(out.err, sizeof(out.err), "%s",
				 replay__error(r));
			va_end(ap);
			replay__free(r);
			return out;
		}
	}
	va_end(ap);
	f = open_memstream(&out.buf, &out.len);
	assert_non_null(f);
	out.ret = replay__run(r, f);
	snprintf(out.err, sizeof(out.err), "%s", replay__error(r));
	fclose(f);
	replay__free(r);
	return out;
}

/* Lines of @o as JSON objects (an array), asserting each parses. */
static json_t *lines(const struct run_out *o)
{
	json_t *a = json_array();
	const char *p = o->buf;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		json_error_t e;
		json_t *j;

		assert_non_null(nl);
		j = json_loadb(p, nl - p, 0, &e);
		if (!j)
			fail_msg("bad output line: %.*s (%s)", (int)(nl - p), p,
				 e.text);
		json_array_append_new(a, j);
		p = nl + 1;
	}
	return a;
}

static size_t count_type(json_t *ls, const char *type, const char *det)
{
	size_t n = 0, i;
	json_t *l;

	json_array_foreach(ls, i, l)
	{
		const char *d =
			json_string_value(json_object_get(l, "detector"));

		if (!strcmp(json_string_value(json_object_get(l, "type")),
			    type) &&
		    (!det || (d && !strcmp(d, det))))
			n++;
	}
	return n;
}

static json_t *header_det(json_t *ls, size_t idx)
{
	json_t *h = json_array_get(ls, 0);

	assert_string_equal(json_string_value(json_object_get(h, "type")),
			    "header");
	return json_array_get(json_object_get(h, "detectors"), idx);
}

/* ---- pure helpers ---- */

static void test_threshold_rules(void **state)
{
	double v[] = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6}, thr = -1;
	struct det_thr_rule r;

	assert_int_equal(det_thr_parse(NULL, &r), 0);
	assert_int_equal(r.kind, DET_THR_MAX);
	assert_true(det_thr_compute(&r, v, 10, &thr));
	assert_true(thr == 10);

	assert_int_equal(det_thr_parse("q90", &r), 0);
	assert_int_equal(r.kind, DET_THR_QUANTILE);
	assert_true(det_thr_compute(&r, v, 10, &thr));
	assert_true(thr == 9); /* nearest rank: 9th of 10 */
	assert_int_equal(det_thr_parse("q50", &r), 0);
	assert_true(det_thr_compute(&r, v, 10, &thr));
	assert_true(thr == 5);
	assert_int_equal(det_thr_parse("q99.9", &r), 0);
	assert_true(det_thr_compute(&r, v, 10, &thr));
	assert_true(thr == 10);

	assert_int_equal(det_thr_parse("2.5", &r), 0);
	assert_true(det_thr_compute(&r, NULL, 0, &thr));
	assert_true(thr == 2.5);
	assert_int_equal(det_thr_parse("none", &r), 0);
	assert_false(det_thr_compute(&r, v, 10, &thr));
	assert_int_equal(det_thr_parse("max", &r), 0);
	assert_false(det_thr_compute(&r, v, 0, &thr));

	assert_int_equal(det_thr_parse("q0", &r), -EINVAL);
	assert_int_equal(det_thr_parse("q101", &r), -EINVAL);
	assert_int_equal(det_thr_parse("q", &r), -EINVAL);
	assert_int_equal(det_thr_parse("high", &r), -EINVAL);
	assert_int_equal(det_thr_parse("1e999", &r), -EINVAL);
}

static void test_spec_parse(void **state)
{
	struct det_spec s;
	char err[512];

	assert_int_equal(det_spec_parse("iforest:trees=100,seed_x=3", &s, err,
					sizeof(err)),
			 0);
	assert_int_equal(s.kind, DET_BUILTIN);
	assert_string_equal(s.name, "iforest");
	assert_int_equal(s.nparams, 2);
	assert_string_equal(s.params[0].key, "trees");
	assert_string_equal(s.params[0].value, "100");
	assert_string_equal(s.params[1].key, "seed_x");
	det_spec_release(&s);

	assert_int_equal(
		det_spec_parse("./a:b/x.so:threshold=3", &s, err, sizeof(err)),
		0);
	assert_int_equal(s.kind, DET_PLUGIN);
	assert_string_equal(s.name, "./a:b/x.so");
	assert_string_equal(s.params[0].value, "3");
	det_spec_release(&s);

	assert_int_equal(det_spec_parse("exec:python3 x.py --a=b,c", &s, err,
					sizeof(err)),
			 0);
	assert_int_equal(s.kind, DET_EXEC);
	assert_string_equal(s.command, "python3 x.py --a=b,c");
	assert_int_equal(s.nparams, 0);
	det_spec_release(&s);

	assert_int_equal(det_spec_parse("zscore:k", &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "parameter 'k' has no value"));
	assert_int_equal(det_spec_parse("zscore:k=1,k=2", &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "given twice"));
	assert_int_equal(det_spec_parse("exec:", &s, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(det_spec_parse(":x=1", &s, err, sizeof(err)), -EINVAL);
}

static void test_seed_derivation(void **state)
{
	uint64_t a = det_seed(1, "random");

	assert_true(a == det_seed(1, "random"));
	assert_true(a != det_seed(2, "random"));
	assert_true(a != det_seed(1, "random:p=0.1"));
	assert_true(a <= INT64_MAX);
}

/* ---- the replayer ---- */

static void test_determinism_runs_and_jobs(void **state)
{
	char good[800];
	struct run_out a, b, c;
	json_t *ls;

	snprintf(good, sizeof(good), "d:%s:scale=0.5", plugin("good"));
	{
		char t[700], v[700], x1[700], x2[700];

		snprintf(t, sizeof(t), "t:%s", tpath("n1.cadet"));
		snprintf(v, sizeof(v), "v:%s", tpath("n2.cadet"));
		snprintf(x1, sizeof(x1), "x:%s", tpath("a1.cadet"));
		snprintf(x2, sizeof(x2), "x:%s", tpath("n3.cadet"));
		a = run(1, 7, t, v, x1, x2, "d:null", "d:random:p=0.2", good,
			NULL);
		b = run(1, 7, t, v, x1, x2, "d:null", "d:random:p=0.2", good,
			NULL);
		c = run(2, 7, t, v, x1, x2, "d:null", "d:random:p=0.2", good,
			NULL);
	}
	assert_int_equal(a.ret, 0);
	assert_int_equal(b.ret, 0);
	assert_int_equal(c.ret, 0);
	assert_int_equal(a.len, b.len);
	assert_int_equal(a.len, c.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	assert_memory_equal(a.buf, c.buf, a.len);

	ls = lines(&a);
	/* 3 containers x 30 ticks (+1 final partial) x 2 test traces. */
	assert_true(count_type(ls, "score", "null") >= 2 * 3 * 30);
	assert_int_equal(count_type(ls, "alert", "null"), 0);
	assert_true(count_type(ls, "alert", "random:p=0.2") > 0);
	json_decref(ls);

	/* Another seed changes the random baseline, not the null one. */
	{
		char x1[700];
		struct run_out d;

		snprintf(x1, sizeof(x1), "x:%s", tpath("a1.cadet"));
		d = run(1, 8, x1, "d:random", NULL);
		b.ret = 0;
		free(b.buf);
		b = run(1, 7, x1, "d:random", NULL);
		assert_int_equal(d.ret, 0);
		assert_false(d.len == b.len && !memcmp(d.buf, b.buf, d.len));
		free(d.buf);
	}
	free(a.buf);
	free(b.buf);
	free(c.buf);
}

static void test_output_order_and_fields(void **state)
{
	char x1[700], x2[700];
	struct run_out o;
	uint64_t last = 0;
	const char *prev_trace = NULL, *prev_det = NULL;
	json_t *ls, *l, *h;
	size_t i;

	snprintf(x1, sizeof(x1), "x:%s", tpath("n3.cadet"));
	snprintf(x2, sizeof(x2), "x:%s", tpath("a1.cadet"));
	o = run(2, 1, x1, x2, "d:random", "d:null", NULL);
	assert_int_equal(o.ret, 0);
	ls = lines(&o);
	h = json_array_get(ls, 0);
	assert_int_equal(json_array_size(json_object_get(h, "test")), 2);
	assert_int_equal(strlen(json_string_value(json_object_get(
				 json_array_get(json_object_get(h, "test"), 0),
				 "sha256"))),
			 64);
	/* (trace order, detector order, ts) */
	json_array_foreach(ls, i, l)
	{
		const char *tr, *det;
		uint64_t ts;

		if (!i)
			continue;
		tr = json_string_value(json_object_get(l, "trace"));
		det = json_string_value(json_object_get(l, "detector"));
		ts = json_integer_value(json_object_get(l, "win_end"))
			     ?: json_integer_value(json_object_get(l, "ts"));
		if (prev_trace && !strcmp(prev_trace, tr) &&
		    !strcmp(prev_det, det))
			assert_true(ts >= last);
		if (prev_trace && strcmp(prev_trace, tr))
			assert_string_equal(tr, tpath("a1.cadet"));
		if (prev_det && !strcmp(prev_trace, tr) &&
		    strcmp(prev_det, det))
			assert_string_equal(det, "null");
		assert_non_null(json_object_get(l, "container"));
		assert_true(json_is_integer(json_object_get(l, "cgroup_id")));
		prev_trace = tr;
		prev_det = det;
		last = ts;
	}
	json_decref(ls);
	free(o.buf);
}

/*
 * good.so scores = events per tick. Validation: at most 4 per second,
 * so threshold = 4; test has one burst of 9 (alert) and values <= 4
 * elsewhere (no alert). Training and test do not move the threshold.
 */
static void test_threshold_from_validation(void **state)
{
	const unsigned int train[] = {50, 50, 50, 50};
	const unsigned int val[] = {1, 4, 2, 3, 0, 4};
	const unsigned int test[] = {2, 3, 9, 1, 4, 1};
	uint64_t t0 = 500 * NS + 250000000; /* 500.25 s */
	char d1[800], d2[800], d3[800];
	struct run_out o;
	json_t *ls, *l;
	size_t i, alerts = 0, scores = 0;

	write_counts_trace(tpath("cnt_train.cadet"), t0, train, 4);
	write_counts_trace(tpath("cnt_val.cadet"), t0, val, 6);
	write_counts_trace(tpath("cnt_test.cadet"), t0, test, 6);
	snprintf(d1, sizeof(d1), "d:%s", plugin("good"));
	snprintf(d2, sizeof(d2), "d:%s:threshold=q50", plugin("good"));
	snprintf(d3, sizeof(d3), "d:%s:threshold=9", plugin("good"));
	{
		char t[700], v[700], x[700];

		snprintf(t, sizeof(t), "t:%s", tpath("cnt_train.cadet"));
		snprintf(v, sizeof(v), "v:%s", tpath("cnt_val.cadet"));
		snprintf(x, sizeof(x), "x:%s", tpath("cnt_test.cadet"));
		o = run(2, 1, t, v, x, d1, d2, d3, NULL);
	}
	assert_int_equal(o.ret, 0);
	ls = lines(&o);
	assert_true(json_real_value(json_object_get(header_det(ls, 0),
						    "threshold")) == 4.0);
	/* q50 of {1,4,2,3,0,4}: sorted 0,1,2,3,4,4, nearest rank 3 */
	assert_true(json_real_value(json_object_get(header_det(ls, 1),
						    "threshold")) == 2.0);
	assert_true(json_real_value(json_object_get(header_det(ls, 2),
						    "threshold")) == 9.0);
	assert_string_equal(json_string_value(json_object_get(
				    header_det(ls, 1), "threshold_rule")),
			    "q50");
	json_array_foreach(ls, i, l)
	{
		const char *type =
			json_string_value(json_object_get(l, "type"));
		const char *det =
			json_string_value(json_object_get(l, "detector"));

		if (strcmp(det ? det : "", d1 + 2))
			continue;
		if (!strcmp(type, "score")) {
			uint64_t ws = json_integer_value(
				json_object_get(l, "win_start"));
			uint64_t we = json_integer_value(
				json_object_get(l, "win_end"));

			/* Ticks on whole seconds of trace time. */
			assert_int_equal(we % NS, 0);
			assert_int_equal(we - ws, NS);
			scores++;
		} else {
			alerts++;
			/* The burst (9 execs) is in [502.25, 503.25): its
			 * events fall in the windows ending at 503 and 504. */
			assert_true(
				json_integer_value(json_object_get(l, "ts")) ==
					503 * NS ||
				json_integer_value(json_object_get(l, "ts")) ==
					504 * NS);
			assert_string_equal(json_string_value(json_object_get(
						    l, "container")),
					    "web");
		}
	}
	/* Trace 500.25 .. 505.25+: windows ending 501 .. 506. */
	assert_int_equal(scores, 6);
	assert_true(alerts >= 1);
	/* Alerts need score > threshold: 9 is not above a fixed 9. */
	assert_int_equal(count_type(ls, "alert", d3 + 2), 0);
	json_decref(ls);
	free(o.buf);
}

static void test_abi_refusal(void **state)
{
	char d[800], x[700];
	struct run_out o;

	snprintf(x, sizeof(x), "x:%s", tpath("n3.cadet"));
	snprintf(d, sizeof(d), "d:%s", plugin("bad_abi"));
	o = run(1, 1, x, d, NULL);
	assert_int_equal(o.ret, -ENOEXEC);
	assert_non_null(
		strstr(o.err, "detector ABI 2.0, this cadet speaks 1."));
	assert_non_null(
		strstr(o.err, "rebuild it against include/cadet/detector.h"));
	assert_non_null(strstr(o.err, "bad_abi.so"));

	snprintf(d, sizeof(d), "d:%s", plugin("nosym"));
	o = run(1, 1, x, d, NULL);
	assert_int_equal(o.ret, -ENOEXEC);
	assert_non_null(strstr(o.err, "no 'cadet_detector_entry' symbol"));

	o = run(1, 1, x, "d:./does-not-exist.so", NULL);
	assert_int_equal(o.ret, -ENOENT);
	assert_non_null(strstr(o.err, "cannot load detector plugin"));

	o = run(1, 1, x, "d:nosuchdetector", NULL);
	assert_int_equal(o.ret, -ENOENT);
	assert_non_null(strstr(o.err, "--list-detectors"));

	o = run(1, 1, x, "d:random:p=7", NULL);
	assert_int_equal(o.ret, -EINVAL);
	o = run(1, 1, x, "d:random:bogus=1", NULL);
	assert_int_equal(o.ret, -EINVAL);
	assert_non_null(strstr(o.err, "unknown parameter 'bogus'"));
	o = run(1, 1, x, "d:null:threshold=q0", NULL);
	assert_int_equal(o.ret, -EINVAL);
}

/* Acks every sync line; at tick number CRASH_AT kills itself. */
#define SH_ACKS                                                            \
	"case \"$l\" in *'\"type\":\"init\"'*|*'\"type\":\"trace_end\"'*|" \
	"*'\"type\":\"train_end\"'*) echo '{\"type\":\"ack\"}';; esac; "

static void test_exec_crash_and_garbage(void **state)
{
	const char *crash = "d:exec:n=0; while read -r l; do "
			    "case \"$l\" in *'\"type\":\"tick\"'*) n=$((n+1)); "
			    "[ $n -ge 3 ] && kill -SEGV $$; "
			    "echo '{\"score\":1.5,\"cgroup_id\":1000}'; "
			    "echo '{\"type\":\"ack\"}';; esac; " SH_ACKS "done";
	const char *garbage =
		"d:exec:while read -r l; do "
		"case \"$l\" in *'\"type\":\"tick\"'*) echo 'this is not json';; esac; " SH_ACKS
		"done";
	const char *good =
		"d:exec:while read -r l; do "
		"case \"$l\" in *'\"type\":\"tick\"'*) "
		"echo '{\"score\":2,\"cgroup_id\":1001,\"win_start\":1,\"win_end\":2}'; "
		"echo '{\"alert\":\"hi\",\"cgroup_id\":1001,\"ts\":5,\"severity\":\"critical\"}'; "
		"echo '{\"type\":\"ack\"}';; esac; " SH_ACKS "done";
	char x[700];
	struct run_out o;
	json_t *ls;

	snprintf(x, sizeof(x), "x:%s", tpath("n3.cadet"));
	o = run(2, 1, x, crash, garbage, good, "d:null", NULL);
	assert_int_equal(o.ret, 1); /* disabled detectors are reported */
	ls = lines(&o);
	assert_non_null(strstr(json_string_value(json_object_get(
				       header_det(ls, 0), "disabled")),
			       "failed"));
	assert_non_null(json_object_get(header_det(ls, 1), "disabled"));
	assert_null(json_object_get(header_det(ls, 2), "disabled"));
	assert_null(json_object_get(header_det(ls, 3), "disabled"));
	/* The crash came at the 3rd tick: 2 scores made it. */
	assert_int_equal(count_type(ls, "score", crash + 2), 2);
	assert_int_equal(count_type(ls, "score", garbage + 2), 0);
	assert_int_equal(count_type(ls, "score", good + 2), 31);
	assert_int_equal(count_type(ls, "alert", good + 2), 31);
	assert_int_equal(count_type(ls, "score", "null"), 3 * 31);
	json_decref(ls);
	free(o.buf);

	/* A program that leaves early: no SIGPIPE for us, just disabled. */
	o = run(1, 1, x, "d:exec:read -r l; echo '{\"type\":\"ack\"}'",
		"d:null", NULL);
	assert_int_equal(o.ret, 1);
	ls = lines(&o);
	assert_non_null(json_object_get(header_det(ls, 0), "disabled"));
	assert_int_equal(count_type(ls, "score", "null"), 3 * 31);
	json_decref(ls);
	free(o.buf);

	/* A program that is not there fails at start, with its status. */
	o = run(1, 1, x, "d:exec:exit 3", NULL);
	assert_true(o.ret < 0);
	assert_non_null(strstr(o.err, "init failed"));
}

static void test_train_label_refused(void **state)
{
	char t[700], x[700];
	struct run_out o;

	snprintf(t, sizeof(t), "t:%s", tpath("a1.cadet"));
	snprintf(x, sizeof(x), "x:%s", tpath("n3.cadet"));
	o = run(1, 1, t, x, "d:null", NULL);
	assert_int_equal(o.ret, -EINVAL);
	assert_non_null(strstr(o.err, "must be normal-only"));
	assert_non_null(strstr(o.err, "mem_leak"));
	assert_int_equal(o.len, 0); /* nothing written */
	free(o.buf);

	snprintf(t, sizeof(t), "v:%s", tpath("a1.cadet"));
	o = run(1, 1, t, x, "d:null", NULL);
	assert_int_equal(o.ret, -EINVAL);
	assert_non_null(strstr(o.err, "--validate"));
	free(o.buf);
}

static void test_corrupt_trace_skipped(void **state)
{
	char x1[700], x2[700], cmd[1600];
	struct run_out o;
	json_t *ls, *tests;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cp %s %s", tpath("n3.cadet"),
		 tpath("bad.cadet"));
	assert_int_equal(system(cmd), 0);
	f = fopen(tpath("bad.cadet"), "r+b");
	assert_non_null(f);
	fseek(f, 20000, SEEK_SET);
	for (int i = 0; i < 64; i++)
		fputc(0xa5, f);
	fclose(f);
	snprintf(x1, sizeof(x1), "x:%s", tpath("bad.cadet"));
	snprintf(x2, sizeof(x2), "x:%s", tpath("a1.cadet"));
	o = run(2, 1, x1, x2, "d:null", NULL);
	assert_int_equal(o.ret, 1);
	ls = lines(&o);
	tests = json_object_get(json_array_get(ls, 0), "test");
	assert_non_null(json_object_get(json_array_get(tests, 0), "error"));
	assert_null(json_object_get(json_array_get(tests, 1), "error"));
	/* Nothing at all from the corrupt trace; the other one is whole. */
	assert_int_equal(count_type(ls, "score", "null"), 3 * 31);
	json_decref(ls);
	free(o.buf);
}

static int setup(void **state)
{
	const char *b = getenv("BUILD");
	char *p;

	if (tmpdir_setup(state))
		return -1;
	p = realpath(b && *b ? b : "build", NULL);
	if (!p)
		return -1;
	snprintf(plugin_dir, sizeof(plugin_dir), "%s/tests/plugins", p);
	free(p);
	synth("n1.cadet", 11, NULL);
	synth("n2.cadet", 12, NULL);
	synth("n3.cadet", 13, NULL);
	synth("a1.cadet", 14, "mem_leak");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_rules),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_seed_derivation),
		cmocka_unit_test(test_determinism_runs_and_jobs),
		cmocka_unit_test(test_output_order_and_fields),
		cmocka_unit_test(test_threshold_from_validation),
		cmocka_unit_test(test_abi_refusal),
		cmocka_unit_test(test_exec_crash_and_garbage),
		cmocka_unit_test(test_train_label_refused),
		cmocka_unit_test(test_corrupt_trace_skipped),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
