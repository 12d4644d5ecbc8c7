// SPDX-License-Identifier: MIT
/*
 * sysfreq detector worked out by hand: a role's syscall distribution from
 * its training windows, the Hellinger distance of a test window to it,
 * the calibration floor, unknown roles and empty records.
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

static const struct cadet_detector_ops *ops = &detector_sysfreq_ops;

/* A SYSCALL_HIST record of @np (nr, count) pairs, then a tick. */
static void hist(void *st, uint64_t cg, uint64_t t, const uint32_t *pairs,
		 size_t np)
{
	struct cadet_rec_syscall_hist *r =
		cadet_recbuf__start(th_b, CADET_REC_SYSCALL_HIST, sizeof(*r));

	th_hdr(&r->h, t * SEC - 1, cg, 0, "");
	r->interval_ns = SEC;
	cadet_recbuf__put_str(th_b,
			      offsetof(struct cadet_rec_syscall_hist, hist),
			      (const char *)pairs, np * 2 * sizeof(*pairs));
	assert_int_equal(ops->on_event(st, cadet_recbuf__rec(th_b)), 0);
	assert_int_equal(ops->on_tick(st, t * SEC), 0);
}

/*
 * Training "app": {0: 50, 1: 50} twice: p = (1/2, 1/2) (alpha 0), every
 * training distance 0: cal = min_cal = 0.01.
 * Test {0: 100}: q = (1, 0), sum sqrt(p q) = sqrt(1/2), H = sqrt(1 -
 * sqrt(1/2)) = 0.5412, score 54.12. Test {0: 30, 1: 30}: H = 0.
 */
static void test_distance(void **unused)
{
	static const struct cadet_param p[] = {
		{"span", "1"},	{"warmup", "0"},     {"min_calls", "10"},
		{"alpha", "0"}, {"min_cal", "0.01"},
	};
	static const uint32_t even[] = {0, 50, 1, 50}, one[] = {0, 100};
	static const uint32_t even2[] = {0, 30, 1, 30}, few[] = {0, 3};
	static const uint32_t none[] = {0, 0};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 5, 1), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	th_container(ops, st, 1, "app", 1);
	hist(st, 1, 1, even, 2);
	hist(st, 1, 2, even, 2);
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(ops->train_end(st), 0);
	assert_int_equal(th_nscores, 0);
	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, 2, "app", 1);
	th_container(ops, st, 3, "other", 1);
	hist(st, 2, 1, one, 1);
	hist(st, 2, 2, even2, 2);
	/* Fewer than min_calls, an empty record, an unknown role. */
	hist(st, 2, 3, few, 1);
	hist(st, 2, 4, none, 1);
	hist(st, 3, 5, one, 1);
	assert_int_equal(th_nscores, 2);
	assert_double_equal(th_scores[0].v, sqrt(1 - sqrt(0.5)) / 0.01, 1e-9);
	assert_double_equal(th_scores[1].v, 0, 1e-9);
	assert_int_equal(th_scores[1].end, 2 * SEC);
	ops->fini(st);
}

static void test_bad_params(void **unused)
{
	struct cadet_param p[] = {{"span", "0"}};
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "span=0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
