// SPDX-License-Identifier: MIT
/*
 * lib/util/shard.c: "i/N" parsing, and that the N shards of a list are
 * disjoint, cover it, differ in size by at most one and do not depend on
 * the order in which the items were given.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/shard.h"

static void test_parse_good(void **state)
{
	struct shard sh = SHARD_ALL;

	assert_int_equal(shard_parse("1/1", &sh), 0);
	assert_int_equal(sh.index, 1);
	assert_int_equal(sh.count, 1);
	assert_false(shard_is_split(&sh));
	assert_int_equal(shard_parse("2/3", &sh), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	assert_true(shard_is_split(&sh));
	assert_int_equal(shard_parse("100000/100000", &sh), 0);
	assert_int_equal(sh.index, 100000);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",	"1",   "/3",  "1/",   "0/3",	 "4/3",	    "1/0",
		"-1/3", "+1/3", " 1/3", "1/3 ", "1/3/3", "a/b",	    "1.0/3",
		"2 /3", "1/100001", "0x1/2", "1//3", "9999999/9999999",
	};
	struct shard sh = {.index = 7, .count = 9};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (shard_parse(bad[i], &sh) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		/* a failed parse leaves the old value */
		assert_int_equal(sh.index, 7);
		assert_int_equal(sh.count, 9);
	}
	assert_int_equal(shard_parse(NULL, &sh), -EINVAL);
}

static void test_round_robin(void **state)
{
	struct shard sh;

	assert_int_equal(shard_parse("1/3", &sh), 0);
	assert_true(shard_owns(&sh, 0));
	assert_false(shard_owns(&sh, 1));
	assert_false(shard_owns(&sh, 2));
	assert_true(shard_owns(&sh, 3));
	assert_int_equal(shard_parse("3/3", &sh), 0);
	assert_true(shard_owns(&sh, 2));
	assert_true(shard_owns(&sh, 5));
	assert_false(shard_owns(&sh, 6));
	sh = SHARD_ALL;
	for (size_t k = 0; k < 10; k++)
		assert_true(shard_owns(&sh, k));
}

/* Every item in exactly one of N shards; sizes n/N rounded up or down. */
static void test_partition(void **state)
{
	for (unsigned int n = 0; n <= 41; n++) {
		for (unsigned int count = 1; count <= 7; count++) {
			unsigned int owners[41] = {0};

			for (unsigned int i = 1; i <= count; i++) {
				struct shard sh = {.index = i, .count = count};
				unsigned int size = 0;

				for (size_t k = 0; k < n; k++) {
					if (!shard_owns(&sh, k))
						continue;
					owners[k]++;
					size++;
				}
				assert_true(size == n / count ||
					    size == (n + count - 1) / count);
			}
			for (size_t k = 0; k < n; k++)
				assert_int_equal(owners[k], 1);
		}
	}
}

/* The same names in another order land in the same shards. */
static void test_select_sorted(void **state)
{
	const char *const given[] = {"d.cadet", "a.cadet", "c.cadet",
				     "b.cadet", "e.cadet"};
	const char *const sorted[] = {"a.cadet", "b.cadet", "c.cadet",
				      "d.cadet", "e.cadet"};
	struct shard sh = {.index = 2, .count = 2};
	bool mine_given[5], mine_sorted[5];

	assert_int_equal(shard_select_sorted(&sh, given, 5, mine_given), 0);
	assert_int_equal(shard_select_sorted(&sh, sorted, 5, mine_sorted), 0);
	/* sorted ranks 1 and 3 (b, d) are shard 2 of 2 */
	assert_false(mine_sorted[0]);
	assert_true(mine_sorted[1]);
	assert_false(mine_sorted[2]);
	assert_true(mine_sorted[3]);
	assert_false(mine_sorted[4]);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++)
			if (!strcmp(given[i], sorted[j]))
				assert_int_equal(mine_given[i],
						 mine_sorted[j]);
	assert_int_equal(shard_select_sorted(&sh, NULL, 0, NULL), 0);
}

/* A name given twice is two items: both are replayed, by rank. */
static void test_select_duplicates(void **state)
{
	const char *const names[] = {"x", "x", "x"};
	struct shard sh = {.index = 1, .count = 2};
	bool mine[3];

	assert_int_equal(shard_select_sorted(&sh, names, 3, mine), 0);
	assert_true(mine[0]);
	assert_false(mine[1]);
	assert_true(mine[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_select_sorted),
		cmocka_unit_test(test_select_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
