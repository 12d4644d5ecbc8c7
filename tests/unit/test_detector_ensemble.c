// SPDX-License-Identifier: MIT
/*
 * ensemble detector: validation scores are the components' scores over
 * their validation maxima (at most 1, and 1 reached), a rule alert scores
 * rules_score in its tick, a statistical outlier scores above 1.
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

static const struct cadet_detector_ops *ops = &detector_ensemble_ops;

/* One run of "app": 30 METRICS records in a band, cgroup @cg. */
static void run(void *st, enum cadet_phase ph, uint64_t cg, uint64_t salt)
{
	th_begin(ops, st, ph);
	th_container(ops, st, cg, "app", 1);
	for (uint64_t t = 1; t <= 30; t++) {
		uint64_t k = t * 7919 + salt * 104729;

		assert_int_equal(
			ops->on_event(st, th_metrics(t * SEC - 1, cg,
						     1000000 + k % 200000,
						     (20 << 20) + k % 65536,
						     5000 + k % 1000)),
			0);
		assert_int_equal(ops->on_tick(st, t * SEC), 0);
	}
	th_end(ops, st, ph);
}

static void test_validation_and_test(void **unused)
{
	static const struct cadet_param p[] = {{"rules_score", "3"}};
	void *st = NULL;
	double vmax = 0;
	size_t nval;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), 0);
	for (uint64_t r = 0; r < 3; r++)
		run(st, CADET_PHASE_TRAIN, 10 + r, r);
	assert_int_equal(ops->train_end(st), 0);
	assert_int_equal(th_nscores, 0);
	run(st, CADET_PHASE_VALIDATE, 20, 7);
	nval = th_nscores;
	assert_true(nval > 10);
	for (size_t i = 0; i < nval; i++) {
		assert_true(th_scores[i].v <= 1.0);
		vmax = fmax(vmax, th_scores[i].v);
	}
	assert_true(vmax == 1.0);
	/* Test: a rule fires (setuid(0) by an ordinary process). */
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 30, "app", 1);
	for (uint64_t t = 1; t <= 12; t++) {
		if (t == 10)
			assert_int_equal(
				ops->on_event(st,
					      th_security(t * SEC - 2, 30, 5,
							  "setuid", 0, 0)),
				0);
		assert_int_equal(
			ops->on_event(st,
				      th_metrics(t * SEC - 1, 30,
						 t == 12 ? 900000000 : 1100000,
						 20 << 20, 5500)),
			0);
		assert_int_equal(ops->on_tick(st, t * SEC), 0);
	}
	/* Scored ticks end at 7..12 s (3 start-up records left out, then
	 * a window of 4 records). */
	assert_int_equal(th_nscores, nval + 6);
	assert_int_equal(th_scores[nval + 3].end, 10 * SEC);
	assert_true(th_scores[nval + 3].v == 3.0);
	assert_true(th_scores[nval + 4].v < 3.0);
	/* cpu x800: beyond anything validation saw. */
	assert_true(th_scores[nval + 5].v > 1.0);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = {{"rules_score", "-1"}};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "rules_score=-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_and_test),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
