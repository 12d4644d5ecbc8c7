/* SPDX-License-Identifier: MIT */
/*
 * Seeded generators with a fixed output on every platform, so that every
 * random choice of a scenario, a synthetic trace or a detector derives
 * from its seed alone: splitmix64 (one u64 of state; also the seeder) and
 * xoshiro256** seeded through splitmix64. Public domain algorithms.
 */
#ifndef CADET_LIB_UTIL_RNG_H
#define CADET_LIB_UTIL_RNG_H

#include <stdint.h>

/* Next splitmix64 output; advances *@x. */
static inline uint64_t util_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The top 53 bits of @x as a double uniform in [0, 1). */
static inline double util_u64_to_unit(uint64_t x)
{
	return (double)(x >> 11) * 0x1.0p-53;
}

struct util_xoshiro {
	uint64_t s[4];
};

static inline void util_xoshiro_seed(struct util_xoshiro *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = util_splitmix64(&seed);
}

static inline uint64_t util_rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t util_xoshiro_next(struct util_xoshiro *r)
{
	uint64_t *s = r->s;
	uint64_t res = util_rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = util_rotl64(s[3], 45);
	return res;
}

/* Uniform in [0, @n), n > 0; rejection keeps it unbiased for any n. */
static inline uint64_t util_xoshiro_below(struct util_xoshiro *r, uint64_t n)
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do {
		x = util_xoshiro_next(r);
	} while (x >= lim);
	return x % n;
}

#endif /* CADET_LIB_UTIL_RNG_H */
