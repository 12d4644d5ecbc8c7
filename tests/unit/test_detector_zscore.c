// SPDX-License-Identifier: MIT
/*
 * zscore detector worked out by hand on the rss feature: the median and
 * spread of a role's training vectors, the calibration by the largest
 * training excursion, roles by name across runs, warm-up, teardown
 * records, an unknown role learning its own model, the one-task floor of
 * the task count.
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

/* One METRICS record whose log1p(rss) is @lrss, then a tick. */
static void tick(void *st, uint64_t cg, uint64_t t, double lrss)
{
	uint64_t rss = (uint64_t)llround(expm1(lrss));

	assert_int_equal(
		ops->on_event(st, th_metrics(t * SEC - 1, cg, 0, rss, 0)), 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

static void run(void *st, enum cadet_phase ph, uint64_t cg, const char *name,
		const double *lrss, size_t n)
{
	th_begin(ops, st, ph);
	th_container(ops, st, cg, name, 1);
	for (size_t i = 0; i < n; i++)
		tick(st, cg, i + 1, lrss[i]);
	th_end(ops, st, ph);
}

/*
 * Training rss (log1p): run 0 = 10 10 10 12, run 1 = 10 10 11 10.
 * median 10; MAD 0, per-run medians 10 and 10: the spread is min_spread
 * 0.01. The largest training excursion is 12: cal = 2 / 0.01 = 200.
 * A test vector at 14 scores (14 - 10) / 0.01 / 200 = 2; one at 10.5
 * scores 0.25. Every other feature is 0 throughout: score 0 from them.
 */
static void test_role_model(void **unused)
{
	static const struct cadet_param p[] = {
		{"span", "1"},
		{"warmup", "0"},
		{"zmin", "1"},
		{"min_spread", "0.01"},
	};
	static const double r0[] = {10, 10, 10, 12}, r1[] = {10, 10, 11, 10};
	static const double t[] = {14, 10.5};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 4, 1), 0);
	run(st, CADET_PHASE_TRAIN, 100, "web", r0, 4);
	run(st, CADET_PHASE_TRAIN, 101, "web", r1, 4);
	assert_int_equal(ops->train_end(st), 0);
	assert_int_equal(th_nscores, 0);
	/* Another run: "web" has a new cgroup id, the same role. */
	run(st, CADET_PHASE_TEST, 200, "web", t, 2);
	assert_int_equal(th_nscores, 2);
	assert_int_equal(th_scores[0].cg, 200);
	assert_double_equal(th_scores[0].v, 2.0, 1e-4);
	assert_double_equal(th_scores[1].v, 0.25, 1e-4);
	assert_int_equal(th_scores[1].start, 1 * SEC);
	assert_int_equal(th_scores[1].end, 2 * SEC);
	/*
	 * A replica "web-a" (the fleet run's name) is judged as "web" from
	 * its first window, with the same scores; it does not learn a model
	 * of its own (that would give no score for learn = 10 vectors).
	 */
	run(st, CADET_PHASE_TEST, 300, "web-a", t, 2);
	assert_int_equal(th_nscores, 4);
	assert_int_equal(th_scores[2].cg, 300);
	assert_double_equal(th_scores[2].v, 2.0, 1e-4);
	assert_double_equal(th_scores[3].v, 0.25, 1e-4);
	ops->fini(st);
}

/* One METRICS record of rss e^10 - 1 and @tasks tasks, then a tick. */
static void tick_tasks(void *st, uint64_t cg, uint64_t t, uint32_t tasks)
{
	struct cadet_rec_metrics *m = (struct cadet_rec_metrics *)th_metrics(
		t * SEC - 1, cg, 0, (uint64_t)llround(expm1(10)), 0);

	m->nr_tasks = tasks;
	assert_int_equal(ops->on_event(st, &m->h), 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

/*
 * A role that always runs 3 tasks in training: the MAD of log1p(tasks)
 * is 0, and min_spread (0.01) is a fraction of one task. The spread is
 * raised to one task at the median, log1p(4) - log1p(3) = log(5/4): a
 * fourth task (a health check's shell) scores 1 (cal zmin 1), not
 * log(5/4) / 0.01 = 22; seven tasks score log(8/4) / log(5/4).
 */
static void test_tasks_floor(void **unused)
{
	static const struct cadet_param p[] = {
		{"span", "1"},
		{"warmup", "0"},
		{"zmin", "1"},
		{"min_spread", "0.01"},
	};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 4, 1), 0);
	for (uint64_t run = 0; run < 2; run++) {
		th_begin(ops, st, CADET_PHASE_TRAIN);
		th_container(ops, st, 100 + run, "web", 1);
		for (uint64_t t = 1; t <= 5; t++)
			tick_tasks(st, 100 + run, t, 3);
		th_end(ops, st, CADET_PHASE_TRAIN);
	}
	assert_int_equal(ops->train_end(st), 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 200, "web", 1);
	tick_tasks(st, 200, 1, 3);
	tick_tasks(st, 200, 2, 4);
	tick_tasks(st, 200, 3, 7);
	assert_int_equal(th_nscores, 3);
	assert_double_equal(th_scores[0].v, 0, 1e-9);
	assert_double_equal(th_scores[1].v, 1, 1e-9);
	assert_double_equal(th_scores[2].v, log(2) / log(1.25), 1e-9);
	ops->fini(st);
}

/*
 * warmup=2, span=2: records 1 and 2 stay out, the window is full at
 * record 4; a teardown record (rss 0, no task) is not a sample. An
 * unknown role learns from learn=3 vectors and scores the next ones.
 */
static void test_warmup_edges_unknown(void **unused)
{
	static const struct cadet_param p[] = {
		{"span", "2"}, {"warmup", "2"},	       {"learn", "3"},
		{"zmin", "1"}, {"min_spread", "0.01"},
	};
	static const double tr[] = {10, 10, 10, 10, 10, 10};
	static const double t[] = {30, 30, 10, 10, 10};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 5, 1), 0);
	run(st, CADET_PHASE_TRAIN, 100, "web", tr, 6);
	assert_int_equal(ops->train_end(st), 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 200, "web", 1);
	for (uint64_t i = 0; i < 5; i++)
		tick(st, 200, i + 1, t[i]);
	/* The 30s were start-up: left out; records 3..5 give 2 windows. */
	assert_int_equal(th_nscores, 2);
	assert_true(th_scores[0].v == 0 && th_scores[1].v == 0);
	assert_int_equal(th_scores[0].end, 4 * SEC);
	/* Teardown: rss 0 and no task. */
	tick(st, 200, 6, 0);
	assert_int_equal(th_nscores, 2);
	/* An unknown role: 2 start-up records, the window full at the 4th,
	 * vectors 4..6 to learn, then scores (cal zmin = 1, spread
	 * min_spread 0.01). */
	th_container(ops, st, 300, "new", 1);
	for (uint64_t i = 0; i < 6; i++)
		tick(st, 300, 10 + i, 10);
	assert_int_equal(th_nscores, 2);
	tick(st, 300, 16, 10.02);
	assert_int_equal(th_nscores, 3);
	assert_int_equal(th_scores[2].cg, 300);
	/* Window of 2: rss is the newest record's, 10.02: z = 2. */
	assert_double_equal(th_scores[2].v, 2.0, 1e-3);
	th_end(ops, st, CADET_PHASE_TEST);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = {{"span", "99"}};
	struct cadet_param q[] = {{"alpha", "0.5"}};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "span=99"));
	assert_int_equal(ops->init(&st, &th_host, q, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "alpha"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_model),
		cmocka_unit_test(test_warmup_edges_unknown),
		cmocka_unit_test(test_tasks_floor),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
