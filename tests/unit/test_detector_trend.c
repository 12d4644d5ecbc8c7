// SPDX-License-Identifier: MIT
/*
 * trend detector on a ramp worked out by hand: RSS growing 500 bytes/s
 * gives a Theil-Sen slope of exactly 500 (a spike does not move it),
 * normalised by the role's training spread; the CUSUM of increments
 * answers the spike itself and falls back when the spike is gone, and
 * forgets a change once it has left the window.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"
#include "tests/unit/detector_host.h"

#define SEC 1000000000ull

static const struct cadet_detector_ops *ops = &detector_trend_ops;
static const struct cadet_param params[] = {
	{"window", "10s"}, {"min_growth", "100"}, {"zmin", "1"},
	{"h", "1"},	   {"warmup", "0"},
};

static void tick(void *st, uint64_t cg, uint64_t t, uint64_t rss)
{
	assert_int_equal(
		ops->on_event(st, th_metrics(t * SEC - 1, cg, 0, rss, 0)), 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

/*
 * Two training runs of "app" with a flat 1 MB: slopes 0 (spread: the floor
 * 100 bytes/s, calibration zmin 1), increments 0 (spread: the 4096 bytes
 * floor, CUSUM calibration h 1).
 */
static void *trained_flat(void)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 5, 1), 0);
	for (int run = 0; run < 2; run++) {
		th_begin(ops, st, CADET_PHASE_TRAIN);
		th_container(ops, st, 1 + run, "app", 1);
		for (uint64_t t = 1; t <= 20; t++)
			tick(st, 1 + run, t, 1 << 20);
		th_end(ops, st, CADET_PHASE_TRAIN);
	}
	assert_int_equal(ops->train_end(st), 0);
	assert_int_equal(th_nscores, 0);
	return st;
}

/*
 * rss = 1e6 + 500 t for t = 1..12, plus 1e6 at t = 8 only. Scores start
 * when the window holds 5 s (t = 6).
 *  t = 6, 7: slope 500: z = 500 / 100 = 5; increments 500 < k spreads:
 *            CUSUM 0. Score 5.
 *  t = 8:    7 of the 28 pairwise slopes touch the spike: median 500;
 *            CUSUM = (1e6 + 500) / 4096 - 0.5. Score: the CUSUM.
 *  t = 9:    CUSUM + (500 - 1e6) / 4096 - 0.5 < 0: back to 0; the median
 *            slope is still 500. Score 5.
 */
static void test_ramp(void **unused)
{
	void *st = trained_flat();
	double cu = (1e6 + 500) / 4096 - 0.5;

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 9, "app", 1);
	for (uint64_t t = 1; t <= 12; t++)
		tick(st, 9, t, 1000000 + 500 * t + (t == 8 ? 1000000 : 0));
	assert_int_equal(th_nscores, 7);
	assert_double_equal(th_scores[0].v, 5.0, 1e-9);
	assert_int_equal(th_scores[0].end, 6 * SEC);
	assert_double_equal(th_scores[1].v, 5.0, 1e-9);
	assert_double_equal(th_scores[2].v, cu, 1e-9);
	assert_double_equal(th_scores[3].v, 5.0, 1e-9);
	ops->fini(st);
}

/*
 * A role no training run had, and a teardown record: no score; a
 * replica of a trained role is scored.
 */
static void test_unknown_role_and_teardown(void **unused)
{
	void *st = trained_flat();

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 5, "other", 1);
	for (uint64_t t = 1; t <= 12; t++)
		tick(st, 5, t, 1000000 + 5000 * t);
	assert_int_equal(th_nscores, 0);
	th_container(ops, st, 6, "app", 1);
	tick(st, 6, 1, 0);
	assert_int_equal(th_nscores, 0);
	/* A replica "app-b" is judged as "app": slope 5000 / 100 = 50. */
	th_container(ops, st, 7, "app-b", 1);
	for (uint64_t t = 1; t <= 12; t++)
		tick(st, 7, t, 1000000 + 5000 * t);
	assert_int_equal(th_nscores, 7);
	assert_double_equal(th_scores[0].v, 50.0, 1e-9);
	ops->fini(st);
}

/* The score of the tick at @t s (-1 when none). */
static double score_at(uint64_t t)
{
	for (size_t i = 0; i < th_nscores; i++)
		if (th_scores[i].end == t * SEC)
			return th_scores[i].v;
	return -1;
}

/*
 * A step: rss flat at 1e6, then +1e6 at each of t = 5, 6, 7, then flat.
 * CUSUM at t = 7: 3 (1e6 / 4096 - 0.5). From t = 17 the slope window
 * (t - 10 .. t) is flat: slope 0, the score is the CUSUM. Its window (10 s) holds the
 * records of t - 10 .. t: at t = 17 it still holds t = 7, whose term
 * 1e6 / 4096 - 0.5 outweighs the ten flat records' -0.5 each; from
 * t = 18 on it holds only flat records and the slope is 0: score 0. The
 * unbounded CUSUM would still be about 725 there, decaying by k = 0.5 a
 * record, for another 24 minutes.
 */
static void test_cusum_forgets(void **unused)
{
	void *st = trained_flat();
	double z = 1e6 / 4096;

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 9, "app", 1);
	for (uint64_t t = 1; t <= 30; t++) {
		uint64_t steps = t < 5 ? 0 : t > 7 ? 3 : t - 4;

		tick(st, 9, t, 1000000 + 1000000 * steps);
	}
	/* At t = 7 the steep slope scores more than the CUSUM. */
	assert_true(score_at(7) >= 3 * (z - 0.5));
	assert_double_equal(score_at(17), z - 0.5 - 10 * 0.5, 1e-6);
	for (uint64_t t = 18; t <= 30; t++)
		assert_double_equal(score_at(t), 0, 1e-12);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = {{"window", "soon"}};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "window=soon"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_unknown_role_and_teardown),
		cmocka_unit_test(test_cusum_forgets),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
