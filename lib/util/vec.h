/* SPDX-License-Identifier: MIT */
/*
 * Growable arrays: the one realloc-and-double of the tree.
 *
 * An array is a pointer and a capacity in elements kept by the caller
 * (with its count of used elements beside them). vec_reserve() makes room
 * for @need elements, doubling the capacity so that appending n elements
 * one at a time costs O(n) copying, and refuses sizes that would overflow
 * size_t instead of allocating a wrapped-around small block.
 *
 * HowTo:
 *   struct item *v = NULL;
 *   size_t n = 0, cap = 0;
 *
 *   if (vec_reserve(&v, &cap, n + 1, sizeof(*v)))
 *           return -ENOMEM;          v and cap are unchanged
 *   v[n++] = item;
 *   ...
 *   free(v);
 */
#ifndef CADET_LIB_UTIL_VEC_H
#define CADET_LIB_UTIL_VEC_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Capacity of the first allocation, in elements, when @need is smaller. */
#define VEC_MIN_CAP 8

/*
 * vec_reserve() - make *@pp (an array of *@cap elements of @elem bytes)
 * hold at least @need elements.
 * @pp: address of the array pointer (any object pointer type: T **);
 *      *@pp may be NULL with *@cap 0.
 * Returns 0 (nothing done when *@cap >= @need), -EINVAL when @elem is 0,
 * -ENOMEM when the allocation fails or @need * @elem does not fit size_t;
 * on error *@pp and *@cap are left as they were (the caller still owns
 * and frees the old array). New elements are not initialised.
 */
static inline int vec_reserve(void *pp, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap;
	void *p, *q;

	if (!elem)
		return -EINVAL;
	if (need <= ncap)
		return 0;
	if (need > SIZE_MAX / elem)
		return -ENOMEM;
	if (ncap < VEC_MIN_CAP)
		ncap = VEC_MIN_CAP;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > SIZE_MAX / elem)
		ncap = need;
	/* Through memcpy: *pp is a T *, not a void * (strict aliasing). */
	memcpy(&p, pp, sizeof(p));
	q = realloc(p, ncap * elem);
	if (!q)
		return -ENOMEM;
	memcpy(pp, &q, sizeof(q));
	*cap = ncap;
	return 0;
}

#endif
