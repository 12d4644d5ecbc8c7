// SPDX-License-Identifier: MIT
/*
 * lib/util helpers: growable arrays (vec.h), lower-bound search
 * (bsearch.h) and time units (timeunits.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util/bsearch.h"
#include "lib/util/rng.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"

struct item {
	uint64_t key;
	uint32_t val;
};

static void test_vec_grows_and_keeps(void **state)
{
	struct item *v = NULL;
	size_t n = 0, cap = 0, prev_cap = 0, grows = 0;

	for (uint32_t i = 0; i < 10000; i++) {
		assert_int_equal(vec_reserve(&v, &cap, n + 1, sizeof(*v)), 0);
		assert_true(cap >= n + 1);
		if (cap != prev_cap)
			grows++;
		prev_cap = cap;
		v[n++] = (struct item){.key = i * 3ull, .val = i};
	}
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(v[i].key, i * 3ull);
		assert_int_equal(v[i].val, i);
	}
	/* Doubling: a handful of reallocations, not one per element. */
	assert_true(grows <= 12);
	free(v);
}

static void test_vec_no_op_and_first_size(void **state)
{
	char *p = NULL, *before;
	size_t cap = 0;

	assert_int_equal(vec_reserve(&p, &cap, 0, 1), 0);
	assert_null(p);
	assert_int_equal(cap, 0);
	assert_int_equal(vec_reserve(&p, &cap, 3, 1), 0);
	assert_non_null(p);
	assert_int_equal(cap, VEC_MIN_CAP);
	before = p;
	assert_int_equal(vec_reserve(&p, &cap, VEC_MIN_CAP, 1), 0);
	assert_ptr_equal(p, before);
	/* A big request is met exactly, not rounded up by doubling. */
	assert_int_equal(vec_reserve(&p, &cap, 1000, 1), 0);
	assert_int_equal(cap, 1024);
	assert_int_equal(vec_reserve(&p, &cap, 5000, 1), 0);
	assert_int_equal(cap, 8192);
	free(p);
}

static void test_vec_refuses_overflow(void **state)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	assert_int_equal(vec_reserve(&v, &cap, 4, sizeof(*v)), 0);
	v[3] = 42;
	/* need * elem would wrap: refused, the array left as it was. */
	assert_int_equal(vec_reserve(&v, &cap, SIZE_MAX / 4, sizeof(*v)),
			 -ENOMEM);
	assert_int_equal(vec_reserve(&v, &cap, SIZE_MAX, 2), -ENOMEM);
	assert_int_equal(cap, VEC_MIN_CAP);
	assert_int_equal(v[3], 42);
	assert_int_equal(vec_reserve(&v, &cap, 100, 0), -EINVAL);
	assert_int_equal(cap, VEC_MIN_CAP);
	free(v);
}

static int item_before(const void *elem, const void *key)
{
	return ((const struct item *)elem)->key < *(const uint64_t *)key;
}

/* Against a linear scan on sorted arrays with runs of equal keys. */
static void test_lower_bound_matches_scan(void **state)
{
	uint64_t rng = 7;
	struct item a[64];

	for (int round = 0; round < 2000; round++) {
		size_t n = util_splitmix64(&rng) % 65;
		uint64_t k = 0;

		for (size_t i = 0; i < n; i++) {
			k += util_splitmix64(&rng) % 3; /* 0: a repeat */
			a[i].key = k;
		}
		for (uint64_t key = 0; key <= k + 1; key++) {
			size_t want = 0;

			while (want < n && a[want].key < key)
				want++;
			assert_int_equal(lower_bound(a, n, sizeof(a[0]), &key,
						     item_before),
					 want);
		}
	}
}

static void test_lower_bound_edges(void **state)
{
	struct item a[3] = {{.key = 10}, {.key = 20}, {.key = 20}};
	uint64_t key = 5;

	assert_int_equal(lower_bound(NULL, 0, sizeof(a[0]), &key, item_before),
			 0);
	assert_int_equal(lower_bound(a, 3, sizeof(a[0]), &key, item_before), 0);
	key = 20;
	assert_int_equal(lower_bound(a, 3, sizeof(a[0]), &key, item_before), 1);
	key = 21;
	assert_int_equal(lower_bound(a, 3, sizeof(a[0]), &key, item_before), 3);
}

static void test_timeunits(void **state)
{
	/* uint64_t, so that products do not wrap and print with PRIu64. */
	assert_true(_Generic(NS_PER_S, uint64_t : 1, default : 0));
	assert_true(_Generic(NS_PER_H, uint64_t : 1, default : 0));
	assert_true(NS_PER_US == 1000);
	assert_true(NS_PER_MS == 1000 * NS_PER_US);
	assert_true(NS_PER_S == 1000 * NS_PER_MS);
	assert_true(NS_PER_S == US_PER_S * NS_PER_US);
	assert_true(NS_PER_S == MS_PER_S * NS_PER_MS);
	assert_true(NS_PER_MIN == 60 * NS_PER_S);
	assert_true(NS_PER_H == 3600000000000ull);
	assert_true(5 * NS_PER_H == 18000000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vec_grows_and_keeps),
		cmocka_unit_test(test_vec_no_op_and_first_size),
		cmocka_unit_test(test_vec_refuses_overflow),
		cmocka_unit_test(test_lower_bound_matches_scan),
		cmocka_unit_test(test_lower_bound_edges),
		cmocka_unit_test(test_timeunits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
