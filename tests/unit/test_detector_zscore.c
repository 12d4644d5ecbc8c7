// SPDX-License-Identifier: MIT
/*
 * zscore detector on a step, worked out by hand: constant cpu_ns, then a
 * jump; the EWMA update afterwards; baselines carried by container name.
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

static const struct cadet_detector_ops *ops = &detector_zscore_ops;
static const struct cadet_param params[] = {
	{ "alpha", "0.5" }, { "warmup", "3" }, { "min_sd", "0.1" },
};

static void tick(void *st, uint64_t cg, uint64_t t, uint64_t cpu)
{
	assert_int_equal(ops->on_event(st, th_metrics(t * SEC - 1, cg, cpu, 0,
						      0)),
			 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

/*
 * Features are log1p(value). cpu_ns 0 for 4 ticks: mean 0, variance 0;
 * the first tick only seeds the mean, scores start once 3 ticks were
 * seen (the 4th: z = 0). Then cpu_ns = 1000, L = log1p(1000):
 *   tick 5: z = L / min_sd = 10 L; then mean = L/2, var = L^2/4
 *   tick 6: z = (L - L/2) / (L/2) = 1
 */
static void test_step(void **unused)
{
	double L = log1p(1000);
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 3, 1), 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	for (uint64_t t = 1; t <= 4; t++)
		tick(st, 9, t, 0);
	assert_int_equal(th_nscores, 1);
	assert_true(th_scores[0].v == 0);
	assert_int_equal(th_scores[0].start, 3 * SEC);
	assert_int_equal(th_scores[0].end, 4 * SEC);
	tick(st, 9, 5, 1000);
	tick(st, 9, 6, 1000);
	assert_int_equal(th_nscores, 3);
	assert_double_equal(th_scores[1].v, 10 * L, 1e-9);
	assert_double_equal(th_scores[2].v, 1.0, 1e-9);
	/* A tick without METRICS for the container: no score. */
	assert_int_equal(ops->on_tick(st, 7 * SEC), 0);
	assert_int_equal(th_nscores, 3);
	ops->fini(st);
}

static void test_baseline_by_name(void **unused)
{
	double L = log1p(1000);
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, params, 3, 1), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, 100, "web", 1);
	for (uint64_t t = 1; t <= 5; t++)
		tick(st, 100, t, 0);
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(th_nscores, 0);
	/* Another run: "web" has a new cgroup id but the same name. */
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 200, "web", 1);
	th_container(ops, st, 201, "new", 1);
	tick(st, 200, 1, 1000);
	tick(st, 201, 1, 1000);
	/* "web" scores at once against its baseline, "new" warms up. */
	assert_int_equal(th_nscores, 1);
	assert_int_equal(th_scores[0].cg, 200);
	assert_double_equal(th_scores[0].v, 10 * L, 1e-9);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = { { "alpha", "2" } };
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "alpha=2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_baseline_by_name),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
