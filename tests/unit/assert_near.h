/* SPDX-License-Identifier: MIT */
/*
 * assert_near(got, want) for doubles: fails the cmocka test unless
 * |got - want| <= EPS, which the including test defines (cmocka's
 * assert_float_equal() compares floats). Include after <cmocka.h>.
 */
#ifndef CADET_TESTS_ASSERT_NEAR_H
#define CADET_TESTS_ASSERT_NEAR_H

#include <math.h>

#define assert_near(a, b) near_((a), (b), EPS, #a, __LINE__)

static inline void near_(double got, double want, double eps, const char *expr,
			 int line)
{
	if (!(fabs(got - want) <= eps))
		fail_msg("line %d: %s = %.12g, want %.12g", line, expr, got,
			 want);
}

#endif /* CADET_TESTS_ASSERT_NEAR_H */
