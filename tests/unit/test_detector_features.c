// SPDX-License-Identifier: MIT
/*
 * The detectors' shared rate features and robust statistics, worked out
 * by hand: rates over a window of METRICS records (a short interval
 * weighs less), gauges and ratios, teardown records left out, the window
 * sliding; median, MAD and the spread of per-run medians.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"
#include "detect/edge.h"
#include "tests/unit/detector_host.h"

#define SEC 1000000000ull

static struct cadet_rec_metrics rec(uint64_t interval, uint64_t cpu,
				    uint64_t syscalls, uint64_t rss,
				    uint64_t tasks)
{
	struct cadet_rec_metrics m = {0};

	m.interval_ns = interval;
	m.cpu_ns = cpu;
	m.syscalls = syscalls;
	m.rss_bytes = rss;
	m.nr_tasks = tasks;
	return m;
}

/*
 * span 2: records (0.5 s, cpu 30 ms, 10 syscalls, tasks 3) and (1 s,
 * cpu 0, 5 syscalls, tasks 2): 1.5 s, cpu 30 ms: 20 ms/s; 15 syscalls:
 * 10/s; rss the newest; tasks the largest; cpu_per_syscall =
 * log1p(20000 us/s) - log1p(10/s). A third record pushes the first out.
 */
static void test_window(void **unused)
{
	struct cadet_rec_metrics a = rec(SEC / 2, 30000000, 10, 1000, 3);
	struct cadet_rec_metrics b = rec(SEC, 0, 5, 2000, 2);
	struct cadet_rec_metrics c = rec(SEC, 60000000, 0, 3000, 2);
	struct cadet_rec_metrics edge = rec(SEC, 5, 0, 0, 0);
	struct det_rwin w;
	double x[DET_NRF];

	det_rwin_init(&w, 2);
	assert_true(det_rwin_push(&w, &a));
	assert_true(det_rwin_push(&w, &b));
	det_rwin_features(&w, x);
	assert_double_equal(x[DET_RF_CPU_MS], log1p(20), 1e-12);
	assert_double_equal(x[DET_RF_SYSCALLS], log1p(10), 1e-12);
	assert_double_equal(x[DET_RF_RSS], log1p(2000), 1e-12);
	assert_double_equal(x[DET_RF_TASKS], log1p(3), 1e-12);
	assert_double_equal(x[DET_RF_CPU_PER_SYSCALL], log1p(20000) - log1p(10),
			    1e-12);
	assert_double_equal(x[DET_RF_FAULTS_PER_CPU], -log1p(20), 1e-12);
	/* Teardown: no task, no memory: not a sample. */
	assert_true(det_edge_metrics_marked(&edge));
	assert_false(det_rwin_push(&w, &edge));
	assert_int_equal(w.seen, 2);
	assert_true(det_rwin_push(&w, &c));
	det_rwin_features(&w, x);
	/* b and c: 2 s, 60 ms, 5 syscalls. */
	assert_double_equal(x[DET_RF_CPU_MS], log1p(30), 1e-12);
	assert_double_equal(x[DET_RF_SYSCALLS], log1p(2.5), 1e-12);
	assert_double_equal(x[DET_RF_TASKS], log1p(2), 1e-12);
}

/*
 * One feature, runs 0 (1 2 3) and 1 (7 8 9): median 5, deviations
 * 4 3 2 2 3 4: MAD 3, spread 1.4826 * 3; per-run medians 2 and 8 around
 * 5: MAD 3 too. A floor above both wins.
 */
static void test_robust(void **unused)
{
	const double x[] = {1, 2, 3, 7, 8, 9};
	const uint32_t run[] = {0, 0, 0, 1, 1, 1};
	const uint32_t one[] = {0, 0, 0, 0, 0, 0};
	double med, spread, floor = 10;

	assert_int_equal(det_robust_fit(x, run, 6, 1, NULL, &med, &spread), 0);
	assert_double_equal(med, 5, 1e-12);
	assert_double_equal(spread, DET_MAD_SD * 3, 1e-12);
	/* A single run: no between-run term, the MAD alone. */
	assert_int_equal(det_robust_fit(x, one, 6, 1, NULL, &med, &spread), 0);
	assert_double_equal(spread, DET_MAD_SD * 3, 1e-12);
	assert_int_equal(det_robust_fit(x, run, 6, 1, &floor, &med, &spread),
			 0);
	assert_double_equal(spread, 10, 1e-12);
}

/* Levels apart between runs, flat within: the between-run term wins. */
static void test_robust_between(void **unused)
{
	const double x[] = {1, 1, 1, 1, 5, 5, 5, 9, 9, 9};
	const uint32_t run[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
	double med, spread;

	/* median 5 (values 1 1 1 1 5 5 5 9 9 9); deviations 4 4 4 4 0 0 0 4
	 * 4 4: MAD 4; run medians 1 5 9: MAD 4. Same here; drop run 2. */
	assert_int_equal(det_robust_fit(x, run, 7, 1, NULL, &med, &spread), 0);
	/* 1 1 1 1 5 5 5: median 1, MAD 0; run medians 1 and 5 around 3:
	 * MAD 2. */
	assert_double_equal(med, 1, 1e-12);
	assert_double_equal(spread, DET_MAD_SD * 2, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_robust),
		cmocka_unit_test(test_robust_between),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
