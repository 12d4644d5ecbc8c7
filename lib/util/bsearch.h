/* SPDX-License-Identifier: MIT */
/*
 * Lower-bound search over a sorted array: the index of the first element
 * that is not before a key. Unlike bsearch(3) it also answers when the
 * key is absent (where it would be inserted), which is what time-ordered
 * lookups (chunks, samples, windows) and sorted tables need.
 *
 * HowTo:
 *   static int before(const void *elem, const void *key)
 *   {
 *           return ((const struct chunk *)elem)->last_ts <
 *                  *(const uint64_t *)key;
 *   }
 *   size_t i = lower_bound(chunks, n, sizeof(*chunks), &ts, before);
 *   i == n: every element is before @ts
 */
#ifndef CADET_LIB_UTIL_BSEARCH_H
#define CADET_LIB_UTIL_BSEARCH_H

#include <stddef.h>

/*
 * lower_bound() - first index i in [0, @n] of the array @base of @n
 * elements of @elem bytes such that @before(&base[i], @key) is false.
 * @before(elem, key) returns non-zero when @elem sorts before @key; the
 * array must be partitioned by it (all "before" elements first), as a
 * sorted array is. Returns @n when every element is before @key, 0 for an
 * empty array. O(log n) calls of @before; no allocation.
 */
static inline size_t
lower_bound(const void *base, size_t n, size_t elem, const void *key,
	    int (*before)(const void *elem, const void *key))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before((const char *)base + mid * elem, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
