// SPDX-License-Identifier: MIT
/*
 * iforest detector: an obvious outlier is isolated (score well above the
 * inliers'), the forest is a function of the seed only, a saved model
 * scores exactly like the forest it came from, and vectors are judged
 * against their own role's normal. span=1, warmup=0: one METRICS record
 * per vector, from the first.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"
#include "tests/unit/detector_host.h"

#define SEC 1000000000ull

static const struct cadet_detector_ops *ops = &detector_iforest_ops;
static const struct cadet_param params[] = { { "span", "1" },
					     { "warmup", "0" } };

static void tick(void *st, uint64_t cg, uint64_t t, uint64_t cpu,
		 uint64_t rss, uint64_t tx)
{
	assert_int_equal(ops->on_event(st, th_metrics(t * SEC - 1, cg, cpu,
						      rss, tx)),
			 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

/* 300 training ticks of a steady container: cpu, rss, tx in a band. */
static void *trained(uint64_t seed)
{
	void *st = NULL;

	assert_int_equal(ops->init(&st, &th_host, params, 2, seed), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, 1, "app", 1);
	for (uint64_t t = 1; t <= 300; t++)
		tick(st, 1, t, 1000000 + (t * 7919) % 500000,
		     (50 << 20) + (t * 104729) % (4 << 20),
		     20000 + (t * 31) % 5000);
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(ops->train_end(st), 0);
	assert_non_null(strstr(th_lastlog, "100 trees on 256 of 300"));
	return st;
}

/* Scores: an inlier, then an outlier (cpu x1000, tx x10^4). */
static void score_two(void *st, double *in, double *out)
{
	th_nscores = 0;
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 2, "app", 1);
	th_container(ops, st, 3, "app", 1);
	tick(st, 2, 1, 1200000, 52 << 20, 21000);
	tick(st, 3, 1, 1000000000, 52 << 20, 200000000);
	assert_int_equal(th_nscores, 2);
	assert_int_equal(th_scores[0].cg, 2);
	assert_int_equal(th_scores[1].cg, 3);
	*in = th_scores[0].v;
	*out = th_scores[1].v;
}

static void test_outlier_isolated(void **unused)
{
	double in, out;
	void *st;

	th_reset();
	st = trained(42);
	score_two(st, &in, &out);
	/*
	 * Ordinary points score below 0.5. A new point beyond the training
	 * range follows the most extreme training points down each tree, so
	 * it scores clearly higher but not near 1 (0.62 for seed 42).
	 */
	assert_true(in < 0.5);
	assert_true(out > 0.6);
	assert_true(out > in + 0.1);
	ops->fini(st);
}

static void test_seeded(void **unused)
{
	double in1, out1, in2, out2, in3, out3;
	void *st;

	th_reset();
	st = trained(7);
	score_two(st, &in1, &out1);
	ops->fini(st);
	st = trained(7);
	score_two(st, &in2, &out2);
	ops->fini(st);
	st = trained(8);
	score_two(st, &in3, &out3);
	ops->fini(st);
	assert_true(in1 == in2 && out1 == out2);
	/* Another seed, another forest (same verdict). */
	assert_true(in1 != in3 || out1 != out3);
	assert_true(out3 > in3 + 0.1);
}

static void test_model_roundtrip(void **unused)
{
	char path[] = "/tmp/cadet-iforest-XXXXXX";
	double in1, out1, in2, out2;
	void *st, *st2 = NULL;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	th_reset();
	st = trained(3);
	score_two(st, &in1, &out1);
	assert_int_equal(ops->save_model(st, path), 0);
	ops->fini(st);
	assert_int_equal(ops->init(&st2, &th_host, params, 2, 99), 0);
	assert_int_equal(ops->load_model(st2, path), 0);
	score_two(st2, &in2, &out2);
	assert_true(in1 == in2 && out1 == out2);
	ops->fini(st2);
	/* A damaged model file is refused, not half-loaded. */
	f = fopen(path, "w");
	fputs("cadet-iforest 2\nfeatures 24 cpu_ms_s\n", f);
	fclose(f);
	assert_int_equal(ops->init(&st2, &th_host, params, 2, 99), 0);
	assert_int_equal(ops->load_model(st2, path), -EINVAL);
	assert_non_null(strstr(th_lastlog, "not a valid iforest model"));
	ops->fini(st2);
	unlink(path);
}

static void test_untrained_no_scores(void **unused)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 2, 1), 0);
	assert_int_equal(ops->train_end(st), 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 2, "app", 1);
	tick(st, 2, 1, 1, 1, 1);
	assert_int_equal(th_nscores, 0);
	assert_non_null(strstr(th_lastlog, "not trained"));
	ops->fini(st);
}

/*
 * Two roles an order of magnitude apart in cpu: "small" near 1 ms/s,
 * "big" near 1 s/s. The same big vector is ordinary for "big" and an
 * outlier for "small" (its score well above); a role training never saw
 * is not scored.
 */
static void test_per_role(void **unused)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 2, 5), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, 1, "small", 1);
	th_container(ops, st, 2, "big", 1);
	for (uint64_t t = 1; t <= 200; t++) {
		tick(st, 1, t, 1000000 + (t * 7919) % 1000 * 100, 10 << 20, 0);
		tick(st, 2, t, 1000000000 + (t * 7919) % 1000 * 100000,
		     10 << 20, 0);
	}
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(ops->train_end(st), 0);
	th_nscores = 0;
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 11, "small", 1);
	th_container(ops, st, 12, "big", 1);
	th_container(ops, st, 13, "new", 1);
	tick(st, 11, 1, 1050000000, 10 << 20, 0);
	tick(st, 12, 1, 1050000000, 10 << 20, 0);
	tick(st, 13, 1, 1050000000, 10 << 20, 0);
	assert_int_equal(th_nscores, 2);
	assert_int_equal(th_scores[0].cg, 11);
	assert_true(th_scores[0].v > 0.6);
	assert_true(th_scores[1].v < th_scores[0].v - 0.1);
	ops->fini(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outlier_isolated),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test(test_model_roundtrip),
		cmocka_unit_test(test_untrained_no_scores),
		cmocka_unit_test(test_per_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
