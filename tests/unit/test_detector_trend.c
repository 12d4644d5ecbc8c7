// SPDX-License-Identifier: MIT
/*
 * trend detector on a ramp: RSS growing 500 bytes/s gives a Theil-Sen
 * slope of exactly 500 (a spike does not move it), normalised by the
 * training spread floored at min_growth.
 */
#include <errno.h>
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
	{ "window", "10s" }, { "min_growth", "100" },
};

static void tick(void *st, uint64_t cg, uint64_t t, uint64_t rss)
{
	assert_int_equal(ops->on_event(st, th_metrics(t * SEC - 1, cg, 0, rss,
						      0)),
			 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

static void *trained_flat(void)
{
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 2, 1), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, 1, "app", 1);
	for (uint64_t t = 1; t <= 30; t++)
		tick(st, 1, t, 1 << 20);
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(th_nscores, 0);
	return st;
}

/*
 * Samples at t = 1..20 s, rss = 1000 + 500 t, one spike of +1 MB at t = 8.
 * Scores start when the window holds 5 s (t = 6); every pairwise slope but
 * those touching the spike is 500, so the median is 500 and the score is
 * 500 / max(0, 100) = 5.
 */
static void test_ramp(void **unused)
{
	void *st = trained_flat();

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 2, "app", 1);
	for (uint64_t t = 1; t <= 20; t++)
		tick(st, 2, t, 1000 + 500 * t + (t == 8 ? 1000000 : 0));
	assert_int_equal(th_nscores, 15);
	for (size_t i = 0; i < th_nscores; i++) {
		assert_int_equal(th_scores[i].cg, 2);
		assert_double_equal(th_scores[i].v, 5.0, 1e-9);
		assert_int_equal(th_scores[i].end, (i + 6) * SEC);
	}
	/* The window is 10 s long: the last score starts at 10 s. */
	assert_int_equal(th_scores[14].start, 10 * SEC);
	ops->fini(st);
}

static void test_flat_and_shrinking(void **unused)
{
	void *st = trained_flat();

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 3, "app", 1);
	th_container(ops, st, 4, "app", 1);
	for (uint64_t t = 1; t <= 12; t++) {
		tick(st, 3, t, 5000);
		tick(st, 4, t, 100000 - 1000 * t);
	}
	assert_int_equal(th_nscores, 14);
	for (size_t i = 0; i < th_nscores; i++)
		assert_true(th_scores[i].v == 0);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = { { "window", "ten" } };
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "window=ten"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_flat_and_shrinking),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
