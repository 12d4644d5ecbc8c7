// SPDX-License-Identifier: MIT
/*
 * cadet_results__merge(): the results of replay shards give the eval of
 * the unsharded replay, byte for byte, whatever the order of the shards
 * and of the test traces; shards that disagree or overlap are refused
 * with a message naming the file and the difference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eval/eval.h"

#define S "000000000"

#define HEAD(thr, seed)                                                      \
	"{\"type\":\"header\",\"cadet_version\":\"t\",\"seed\":" seed ","    \
	"\"detectors\":[{\"name\":\"det\",\"spec\":\"det\",\"params\":{},"   \
	"\"seed\":7,\"threshold\":" thr "},{\"name\":\"random\","            \
	"\"spec\":\"random\",\"params\":{\"p\":\"0.5\"},\"seed\":8,"         \
	"\"threshold\":null}],\"test\":["
#define TR(p) "{\"path\":\"" p "\",\"sha256\":\"\"}"
#define HEAD_END "]}\n"

#define ALERT(det, tr, cg, ts)                                               \
	"{\"type\":\"alert\",\"detector\":\"" det "\",\"trace\":\"" tr "\"," \
	"\"cgroup_id\":" #cg ",\"ts\":" ts "}\n"
#define SCORE(det, tr, cg, ws, v)                                            \
	"{\"type\":\"score\",\"detector\":\"" det "\",\"trace\":\"" tr "\"," \
	"\"cgroup_id\":" #cg ",\"win_start\":" ws S ",\"win_end\":" ws "1" S \
	",\"value\":" v "}\n"

/* Lines of one trace, as replay writes them: by detector, then time. */
#define LINES_A                                                              \
	ALERT("det", "a.cadet", 1, "35" S) ALERT("det", "a.cadet", 1, "80" S) \
	SCORE("det", "a.cadet", 1, "3", "0.9")                               \
	SCORE("det", "a.cadet", 1, "5", "0.2")                               \
	SCORE("random", "a.cadet", 1, "3", "0.25")
#define LINES_B                                                              \
	ALERT("det", "b.cadet", 2, "12" S)                                   \
	SCORE("det", "b.cadet", 2, "1", "0.7")                               \
	ALERT("random", "b.cadet", 2, "40" S)                                \
	SCORE("random", "b.cadet", 2, "1", "0.75")
#define LINES_C                                                              \
	ALERT("det", "c.cadet", 1, "15" S)                                   \
	SCORE("det", "c.cadet", 1, "1", "0.9")                               \
	SCORE("det", "c.cadet", 1, "2", "0.1")

/* The unsharded run was given c, a, b; the shards hold {a} and {c, b}. */
static const char full[] = HEAD("0.5", "1") TR("c.cadet") "," TR(
	"a.cadet") "," TR("b.cadet") HEAD_END LINES_C LINES_A LINES_B;
static const char shard1[] = HEAD("0.5", "1") TR("a.cadet") HEAD_END LINES_A;
static const char shard2[] = HEAD("0.5", "1") TR("c.cadet") "," TR(
	"b.cadet") HEAD_END LINES_C LINES_B;
static const char empty_shard[] = HEAD("0.5", "1") HEAD_END;

static struct cadet_results *parse(const char *text)
{
	char err[256];
	struct cadet_results *r =
		cadet_results__parse(text, strlen(text), "r.jsonl", err,
				     sizeof(err));

	if (!r)
		fail_msg("%s", err);
	return r;
}

/* Ground truth in merged (path) order: a, b, c. */
static struct cadet_truth **make_truth(void)
{
	static const char *const path[] = {"a.cadet", "b.cadet", "c.cadet"};
	static const char *const scn[] = {"mem_leak", "normal", "cpu_hog"};
	struct cadet_truth **t = calloc(3, sizeof(*t));

	assert_non_null(t);
	for (int i = 0; i < 3; i++) {
		t[i] = cadet_truth__new(path[i], scn[i]);
		assert_non_null(t[i]);
		assert_int_equal(cadet_truth__add_presence(
					 t[i], i == 1 ? 2 : 1, 0, 100000000000ull),
				 0);
	}
	assert_int_equal(cadet_truth__add_window(t[0], 1, 30000000000ull,
						 50000000000ull, "mem_leak"),
			 0);
	assert_int_equal(cadet_truth__add_window(t[2], 1, 10000000000ull,
						 20000000000ull, "cpu_hog"),
			 0);
	for (int i = 0; i < 3; i++) {
		t[i]->t0 = 0;
		t[i]->t1 = 100000000000ull;
		cadet_truth__finish(t[i]);
	}
	return t;
}

/* eval.json text of merged @parts. */
static char *eval_text(struct cadet_results *const *parts, size_t n)
{
	static const char *const names[] = {"p1", "p2", "p3"};
	struct cadet_eval_opts o = {.sz = sizeof(o)};
	struct cadet_truth **t = make_truth();
	struct cadet_results *r;
	struct cadet_eval *e;
	char err[256], *text;
	json_t *j;

	r = cadet_results__merge(parts, names, n, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_int_equal(r->ntraces, 3);
	e = cadet_eval__compute(r, t, &o);
	assert_non_null(e);
	j = cadet_eval__to_json(e);
	assert_non_null(j);
	text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	assert_non_null(text);
	json_decref(j);
	cadet_eval__free(e);
	cadet_results__free(r);
	for (int i = 0; i < 3; i++)
		cadet_truth__free(t[i]);
	free(t);
	return text;
}

static void test_order_and_grouping(void **state)
{
	struct cadet_results *p[2] = {parse(shard2), parse(shard1)};
	static const char *const names[] = {"s2", "s1"};
	char err[256];
	struct cadet_results *r =
		cadet_results__merge(p, names, 2, err, sizeof(err));

	assert_non_null(r);
	assert_int_equal(r->ntraces, 3);
	assert_string_equal(r->traces[0].path, "a.cadet");
	assert_int_equal(r->traces[0].part, 1);
	assert_string_equal(r->traces[1].path, "b.cadet");
	assert_int_equal(r->traces[1].part, 0);
	assert_string_equal(r->traces[2].path, "c.cadet");
	assert_int_equal(r->nscores, 7);
	assert_int_equal(r->nalerts, 5);
	/* grouped by merged trace, file order kept within a trace */
	assert_int_equal(r->scores[0].trace, 0);
	assert_int_equal(r->scores[2].trace, 0);
	assert_true(r->scores[0].value == 0.9 && r->scores[1].value == 0.2);
	assert_int_equal(r->scores[3].trace, 1);
	assert_int_equal(r->scores[5].trace, 2);
	assert_int_equal(r->alerts[0].trace, 0);
	assert_int_equal(r->alerts[2].trace, 1);
	assert_int_equal(r->alerts[4].trace, 2);
	assert_int_equal(r->ndets, 2);
	assert_string_equal(r->dets[1].key, "random");
	cadet_results__free(r);
	cadet_results__free(p[0]);
	cadet_results__free(p[1]);
}

static void test_sharded_equals_unsharded(void **state)
{
	struct cadet_results *one[1] = {parse(full)};
	struct cadet_results *three[3] = {parse(shard2), parse(empty_shard),
					  parse(shard1)};
	char *a = eval_text(one, 1), *b = eval_text(three, 3);

	assert_string_equal(a, b);
	/* the eval counts the four alerts of det in the three traces */
	assert_non_null(strstr(a, "\"alerts\": 4"));
	free(a);
	free(b);
	cadet_results__free(one[0]);
	for (int i = 0; i < 3; i++)
		cadet_results__free(three[i]);
}

static void expect_refused(const char *t1, const char *t2, const char *want)
{
	struct cadet_results *p[2] = {parse(t1), parse(t2)};
	static const char *const names[] = {"s1.jsonl", "s2.jsonl"};
	char err[512] = "";

	errno = 0;
	assert_null(cadet_results__merge(p, names, 2, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	cadet_results__free(p[0]);
	cadet_results__free(p[1]);
}

static void test_refused(void **state)
{
	expect_refused(shard1, HEAD("0.6", "1") TR("b.cadet") HEAD_END,
		       "s2.jsonl: detector 1 (det) has another threshold than in s1.jsonl");
	expect_refused(shard1, HEAD("0.5", "2") TR("b.cadet") HEAD_END,
		       "s2.jsonl: seed 2 differs from 1 in s1.jsonl");
	expect_refused(shard1, HEAD("null", "1") TR("b.cadet") HEAD_END,
		       "has another threshold");
	expect_refused(shard1, full,
		       "test trace a.cadet is in s1.jsonl and in s2.jsonl: the shards overlap");
}

/* One replay given a trace twice is not an overlap of shards. */
static void test_twice_in_one_file(void **state)
{
	struct cadet_results *p[1] = {
		parse(HEAD("0.5", "1") TR("b.cadet") "," TR("a.cadet") "," TR(
			"b.cadet") HEAD_END LINES_B)};
	static const char *const names[] = {"r.jsonl"};
	char err[256];
	struct cadet_results *r =
		cadet_results__merge(p, names, 1, err, sizeof(err));

	if (!r)
		fail_msg("%s", err);
	assert_int_equal(r->ntraces, 3);
	assert_string_equal(r->traces[0].path, "a.cadet");
	assert_string_equal(r->traces[1].path, "b.cadet");
	assert_string_equal(r->traces[2].path, "b.cadet");
	/* the parser gives a path's lines to its first place */
	assert_int_equal(r->nscores, 2);
	assert_int_equal(r->scores[0].trace, 1);
	cadet_results__free(r);
	cadet_results__free(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_grouping),
		cmocka_unit_test(test_sharded_equals_unsharded),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_twice_in_one_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
