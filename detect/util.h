/* SPDX-License-Identifier: MIT */
/*
 * Small helpers of the detector host and the replayer: a seeded
 * generator (splitmix64, fixed output on every platform), FNV-1a and a
 * sorted set of u64 (cgroup ids) whose iteration order never depends on
 * hashing or addresses.
 */
#ifndef CADET_DETECT_UTIL_H
#define CADET_DETECT_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/rng.h"

static inline uint64_t rng_next(uint64_t *state)
{
	return util_splitmix64(state);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double rng_uniform(uint64_t *state)
{
	return util_u64_to_unit(util_splitmix64(state));
}

static inline uint64_t fnv1a64(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define FNV1A64_INIT 0xcbf29ce484222325ull

struct u64_set {
	uint64_t *v;
	size_t n;
	size_t cap;
};

/* Index of the first element >= @x. */
static inline size_t u64_set_lower(const struct u64_set *s, uint64_t x)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline bool u64_set_has(const struct u64_set *s, uint64_t x)
{
	size_t i = u64_set_lower(s, x);

	return i < s->n && s->v[i] == x;
}

static inline int u64_set_add(struct u64_set *s, uint64_t x)
{
	size_t i = u64_set_lower(s, x);

	if (i < s->n && s->v[i] == x)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	s->v[i] = x;
	s->n++;
	return 0;
}

static inline void u64_set_del(struct u64_set *s, uint64_t x)
{
	size_t i = u64_set_lower(s, x);

	if (i < s->n && s->v[i] == x) {
		memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
}

#endif /* CADET_DETECT_UTIL_H */
