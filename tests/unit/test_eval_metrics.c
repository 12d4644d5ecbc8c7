// SPDX-License-Identifier: MIT
/*
 * Metric primitives of `cadet eval` on small cases computed by hand; each
 * test writes its arithmetic out so a reader can check it on paper.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "eval/metrics.h"
#include "tests/unit/assert_near.h"

#define S 1000000000ull /* ns per s */
#define EPS 1e-9

static void test_alarms_merge(void **state)
{
	/*
	 * Alerts at 0, 3, 8, 20, 24 s, gap 5 s: 3-0 = 3 <= 5 and 8-3 = 5 <= 5
	 * join the first alarm [0, 8]; 20-8 = 12 > 5 opens [20, 24].
	 */
	uint64_t ts[] = {0, 3 * S, 8 * S, 20 * S, 24 * S};
	struct cadet_span out[5];

	assert_int_equal(cadet_alarms_merge(ts, 5, 5 * S, out), 2);
	assert_true(out[0].start == 0 && out[0].end == 8 * S);
	assert_true(out[1].start == 20 * S && out[1].end == 24 * S);
	/* gap 0: no merging; all five stay apart */
	assert_int_equal(cadet_alarms_merge(ts, 5, 0, out), 5);
	assert_int_equal(cadet_alarms_merge(ts, 0, 5 * S, out), 0);
	/* gap 0 keeps even alerts at the same ns apart; gap 1 ns joins them */
	{
		uint64_t same[] = {7 * S, 7 * S, 7 * S + 1};

		assert_int_equal(cadet_alarms_merge(same, 3, 0, out), 3);
		assert_int_equal(cadet_alarms_merge(same, 3, 1, out), 1);
	}
}

/*
 * LID-DS per recording. Bins of 1 s. A normal recording with alerts at 1,
 * 2, 3 (one run), 5 (a bin without alert, 4, ends it), 5.5 (same bin) and
 * 9: 3 CFAs. An exploit recording (exploit at 20 s) with alerts at 10, 11
 * (one run), 19.5, 20.2 (the exploit ends the run at 19.5; 20.2 is
 * true): 2 CFAs and detected. One whose only alert precedes the exploit:
 * 1 CFA, not detected. One with no alert: nothing.
 */
static void test_lidds(void **state)
{
	uint64_t normal[] = {1 * S, 2 * S, 3 * S, 5 * S, 5 * S + S / 2, 9 * S};
	uint64_t exploit[] = {10 * S, 11 * S, 19 * S + S / 2, 20 * S + S / 5};
	uint64_t early[] = {3 * S};
	struct cadet_lidds_acc a = {};

	cadet_lidds_add(&a, normal, 6, S, false, 0);
	assert_int_equal(a.cfa, 3);
	assert_int_equal(a.normal_recordings, 1);
	cadet_lidds_add(&a, exploit, 4, S, true, 20 * S);
	assert_int_equal(a.cfa, 5);
	assert_int_equal(a.exploit_recordings, 1);
	assert_int_equal(a.detected_recordings, 1);
	cadet_lidds_add(&a, early, 1, S, true, 20 * S);
	assert_int_equal(a.cfa, 6);
	assert_int_equal(a.exploit_recordings, 2);
	assert_int_equal(a.detected_recordings, 1);
	cadet_lidds_add(&a, NULL, 0, S, true, 20 * S);
	assert_int_equal(a.cfa, 6);
	assert_int_equal(a.exploit_recordings, 3);
	assert_int_equal(a.detected_recordings, 1);
	/* an alert at the exploit's very start is a detection, not a CFA */
	{
		uint64_t at[] = {20 * S};

		cadet_lidds_add(&a, at, 1, S, true, 20 * S);
		assert_int_equal(a.cfa, 6);
		assert_int_equal(a.detected_recordings, 2);
	}
	/*
	 * An alert every second of a 60 s run: one CFA however long the
	 * run, so CFA alone does not punish alarming everywhere; point
	 * precision does (test_eval.c, always baseline).
	 */
	{
		uint64_t every[61];
		struct cadet_lidds_acc b = {};

		for (int i = 0; i <= 60; i++)
			every[i] = (uint64_t)i * S;
		cadet_lidds_add(&b, every, 61, S, false, 0);
		assert_int_equal(b.cfa, 1);
	}
}

static void test_first_alert_in(void **state)
{
	uint64_t ts[] = {1, 5, 9}, first = 0;

	/* [2, 8] holds 5 only */
	assert_true(cadet_first_alert_in(ts, 3, 2, 8, &first));
	assert_int_equal(first, 5);
	/* [6, 8] holds none; [9, 9] holds 9 (closed interval) */
	assert_false(cadet_first_alert_in(ts, 3, 6, 8, &first));
	assert_true(cadet_first_alert_in(ts, 3, 9, 9, &first));
	assert_int_equal(first, 9);
	assert_false(cadet_first_alert_in(ts, 0, 0, 100, &first));
}

static void test_spans(void **state)
{
	struct cadet_span a[] = {{0, 100}};
	struct cadet_span b[] = {{10, 20}, {50, 60}};
	struct cadet_span c[] = {{0, 10}, {30, 40}};
	struct cadet_span d[] = {{5, 35}};
	struct cadet_span u[] = {{50, 60}, {0, 10}, {5, 20}, {20, 25}};

	/* 100 - (20-10) - (60-50) = 80 */
	assert_int_equal(cadet_spans_minus_ns(a, 1, b, 2), 80);
	/* [0,10] minus [5,35] = [0,5] (5); [30,40] minus it = [35,40] (5) */
	assert_int_equal(cadet_spans_minus_ns(c, 2, d, 1), 10);
	assert_int_equal(cadet_spans_minus_ns(a, 1, NULL, 0), 100);
	/* sorted: [0,10] [5,20] [20,25] [50,60] -> [0,25] [50,60] */
	assert_int_equal(cadet_spans_normalize(u, 4), 2);
	assert_true(u[0].start == 0 && u[0].end == 25);
	assert_true(u[1].start == 50 && u[1].end == 60);
}

static void test_bins(void **state)
{
	/* bin 10: [5,25] -> bins 0..2, [31,39] -> 3..3 (touches: merged to
	 * 0..3), [70,70] -> 7..7 */
	struct cadet_span s[] = {{5, 25}, {31, 39}, {70, 70}};
	/* alerts 1, 12, 15, 40 -> bins 0, 1, 1, 4 -> runs 0..1 and 4..4 */
	uint64_t ts[] = {1, 12, 15, 40};
	struct cadet_brange out[4];

	assert_int_equal(cadet_bins_from_spans(s, 3, 10, out), 2);
	assert_true(out[0].lo == 0 && out[0].hi == 3);
	assert_true(out[1].lo == 7 && out[1].hi == 7);
	assert_int_equal(cadet_bins_from_alerts(ts, 4, 10, out), 2);
	assert_true(out[0].lo == 0 && out[0].hi == 1);
	assert_true(out[1].lo == 4 && out[1].hi == 4);
}

static void test_point(void **state)
{
	/*
	 * real bins 0..9 (10), predicted 5..14 (10): TP = 5 (5..9),
	 * FP = 10 - 5 = 5, FN = 10 - 5 = 5.
	 */
	struct cadet_brange real[] = {{0, 9}}, pred[] = {{5, 14}};
	struct cadet_point_acc acc = {};

	cadet_point_add(&acc, real, 1, pred, 1);
	assert_int_equal(acc.tp, 5);
	assert_int_equal(acc.fp, 5);
	assert_int_equal(acc.fn, 5);
	/* P = R = 5/10; F1 = 0.5 */
	assert_near(cadet_f1(cadet_ratio(5, 10), cadet_ratio(5, 10)), 0.5);
}

/*
 * Range example used below: real R1 = [0,9], R2 = [20,29];
 * predicted P1 = [5,6], P2 = [8,12], P3 = [40,41].
 */
static const struct cadet_brange rr[] = {{0, 9}, {20, 29}};
static const struct cadet_brange rp[] = {{5, 6}, {8, 12}, {40, 41}};

static void range_run(const struct cadet_range_opts *o, double *p, double *r)
{
	struct cadet_range_acc acc = {};

	cadet_range_add(&acc, o, rr, 2, rp, 3);
	assert_int_equal(acc.nreal, 2);
	assert_int_equal(acc.npred, 3);
	*p = cadet_ratio(acc.precision_sum, acc.npred);
	*r = cadet_ratio(acc.recall_sum, acc.nreal);
}

static void test_range_flat(void **state)
{
	struct cadet_range_opts o = {.alpha = 0};
	double p, r;

	/*
	 * Recall: R1 overlaps P1 in 2 bins and P2 in 2 bins (8, 9), so x = 2,
	 * gamma = 1/2, omega = 2/10 + 2/10 = 0.4: Recall(R1) = 0.2.
	 * R2 overlaps nothing: 0. Recall = (0.2 + 0) / 2 = 0.1.
	 * Precision: P1 lies inside R1: 2/2 = 1. P2 (5 bins) overlaps R1 in
	 * 2: 0.4. P3: 0. Precision = 1.4 / 3 = 0.466667.
	 */
	range_run(&o, &p, &r);
	assert_near(r, 0.1);
	assert_near(p, 1.4 / 3);

	/* alpha 0.5: Recall(R1) = 0.5 * 1 + 0.5 * 0.2 = 0.6 -> 0.6 / 2 */
	o.alpha = 0.5;
	range_run(&o, &p, &r);
	assert_near(r, 0.3);
	assert_near(p, 1.4 / 3); /* precision has no alpha */

	/* gamma = 1: Recall(R1) = 0.4 -> 0.2 */
	o.alpha = 0;
	o.card = CADET_CARD_ONE;
	range_run(&o, &p, &r);
	assert_near(r, 0.2);
}

static void test_range_bias(void **state)
{
	struct cadet_range_opts o = {.bias = CADET_BIAS_FRONT};
	struct cadet_brange r1[] = {{0, 9}}, p1[] = {{0, 1}};
	struct cadet_range_acc acc = {};
	double p, r;

	/*
	 * front, delta(i) = 11 - i on R1 (sum 55): P1 covers positions 6, 7
	 * (5 + 4 = 9), P2 positions 9, 10 (2 + 1 = 3): 12/55 * 1/2 = 6/55;
	 * Recall = 6/55 / 2 = 3/55. Precision: P1 1; P2 (delta 5,4,3,2,1,
	 * sum 15) positions 1, 2: 9/15 = 0.6; P3 0: 1.6 / 3.
	 */
	range_run(&o, &p, &r);
	assert_near(r, 3.0 / 55);
	assert_near(p, 1.6 / 3);

	/*
	 * back, delta(i) = i: R1: 6 + 7 + 9 + 10 = 32 of 55, * 1/2 = 16/55;
	 * Recall = 8/55. Precision: P2 positions 1, 2 = 3 of 15 = 0.2:
	 * (1 + 0.2) / 3 = 0.4.
	 */
	o.bias = CADET_BIAS_BACK;
	range_run(&o, &p, &r);
	assert_near(r, 8.0 / 55);
	assert_near(p, 0.4);

	/*
	 * middle on a range of 10: delta = 1 2 3 4 5 5 4 3 2 1 (sum 30).
	 * Predicted [0,1] covers positions 1, 2: 3/30 = 0.1 (flat: 0.2).
	 */
	o.bias = CADET_BIAS_MIDDLE;
	cadet_range_add(&acc, &o, r1, 1, p1, 1);
	assert_near(acc.recall_sum, 0.1);
	assert_near(acc.precision_sum, 1);
}

static void test_pa_k(void **state)
{
	/*
	 * real R1 = [0,9], R2 = [20,29] (10 bins each); predicted [0,2],
	 * [25,25], [50,51]. R1 has 3 of 10 detected (30 %), R2 1 of 10
	 * (10 %); FP = 2 (bins 50, 51).
	 * K = 0: both adjusted: TP 20, FN 0: F1 = 2*20 / (40 + 2) = 40/42.
	 * K = 20: R1 adjusted (30 >= 20), R2 not: TP 10 + 1 = 11, FN 9:
	 *   F1 = 22 / (22 + 2 + 9) = 22/33.
	 * K = 50, 80, 100: none: TP 4, FN 16: F1 = 8 / (8 + 2 + 16) = 8/26,
	 *   which is the plain point-wise F1.
	 */
	static const unsigned int k[] = {0, 20, 50, 80, 100};
	static const double want[] = {40.0 / 42, 22.0 / 33, 8.0 / 26, 8.0 / 26,
				      8.0 / 26};
	struct cadet_brange real[] = {{0, 9}, {20, 29}};
	struct cadet_brange pred[] = {{0, 2}, {25, 25}, {50, 51}};
	struct cadet_point_acc pt = {};
	struct cadet_pa_acc acc;

	cadet_pa_init(&acc, k, 5);
	cadet_pa_add(&acc, real, 2, pred, 3);
	assert_int_equal(acc.fp, 2);
	for (size_t i = 0; i < 5; i++) {
		double p = cadet_ratio(acc.tp[i], acc.tp[i] + acc.fp);
		double r = cadet_ratio(acc.tp[i], acc.tp[i] + acc.fn[i]);

		assert_near(cadet_f1(p, r), want[i]);
	}
	cadet_point_add(&pt, real, 2, pred, 3);
	assert_near(2.0 * pt.tp / (2.0 * pt.tp + pt.fp + pt.fn), 8.0 / 26);
}

static void test_auc(void **state)
{
	/*
	 * 0.9+, 0.8-, 0.7+, 0.6-, 0.5- (2 positives, 3 negatives).
	 * AP: at 0.9 P = 1, recall +0.5 -> 0.5; at 0.7 P = 2/3, recall +0.5
	 * -> 1/3; AP = 5/6.
	 * ROC: positives above negatives: 0.9 beats 3, 0.7 beats 2: 5 of 6
	 * pairs -> 5/6.
	 */
	struct cadet_scored s[] = {
		{0.6, false}, {0.9, true},  {0.5, false},
		{0.7, true},  {0.8, false},
	};
	/* a tie between a positive and a negative: one step, AP = 1/2,
	 * ROC = the diagonal = 1/2 */
	struct cadet_scored t[] = {{0.5, false}, {0.5, true}};
	struct cadet_scored neg[] = {{1, false}, {2, false}};
	struct cadet_scored pos[] = {{1, true}, {2, true}};
	double ap, roc;

	cadet_auc(s, 5, &ap, &roc);
	assert_near(ap, 5.0 / 6);
	assert_near(roc, 5.0 / 6);
	cadet_auc(t, 2, &ap, &roc);
	assert_near(ap, 0.5);
	assert_near(roc, 0.5);
	/* undefined cases */
	cadet_auc(neg, 2, &ap, &roc);
	assert_true(isnan(ap) && isnan(roc));
	cadet_auc(pos, 2, &ap, &roc);
	assert_near(ap, 1);
	assert_true(isnan(roc));
	cadet_auc(NULL, 0, &ap, &roc);
	assert_true(isnan(ap) && isnan(roc));
}

static void test_quantile_f1(void **state)
{
	/* type 7: h = (n-1) q; {1,2,3,4}: median h = 1.5 -> 2.5;
	 * p95 h = 2.85 -> 3 + 0.85 * (4 - 3) = 3.85 */
	double v[] = {4, 1, 3, 2}, one[] = {7};

	assert_near(cadet_quantile(v, 4, 0.5), 2.5);
	assert_near(cadet_quantile(v, 4, 0.95), 3.85);
	assert_near(cadet_quantile(one, 1, 0.95), 7);
	assert_true(isnan(cadet_quantile(NULL, 0, 0.5)));

	/* 2 * 0.5 * 1 / 1.5 = 2/3 */
	assert_near(cadet_f1(0.5, 1), 2.0 / 3);
	assert_near(cadet_f1(NAN, 0), 0);
	assert_near(cadet_f1(0, 0), 0);
	assert_true(isnan(cadet_f1(NAN, 0.5)));
	assert_true(isnan(cadet_ratio(1, 0)));
}

static void test_names(void **state)
{
	enum cadet_range_bias b;
	enum cadet_range_card c;

	assert_int_equal(cadet_range_bias_parse("back", &b), 0);
	assert_int_equal(b, CADET_BIAS_BACK);
	assert_string_equal(cadet_range_bias_name(b), "back");
	assert_int_not_equal(cadet_range_bias_parse("sideways", &b), 0);
	assert_int_equal(cadet_range_card_parse("one", &c), 0);
	assert_string_equal(cadet_range_card_name(CADET_CARD_RECIPROCAL),
			    "reciprocal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarms_merge),
		cmocka_unit_test(test_lidds),
		cmocka_unit_test(test_first_alert_in),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_point),
		cmocka_unit_test(test_range_flat),
		cmocka_unit_test(test_range_bias),
		cmocka_unit_test(test_pa_k),
		cmocka_unit_test(test_auc),
		cmocka_unit_test(test_quantile_f1),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
