/* SPDX-License-Identifier: MIT */
/*
 * Shards: the i-th of N shares of a list of work items (the runs of
 * `cadet run`, the test traces of `cadet replay`), so that N machines or
 * Slurm array tasks together do the whole list exactly once.
 *
 * "i/N" is 1-based: 1/3, 2/3 and 3/3 are the shards of a 3-way split
 * (as a Slurm array --array=1-3 numbers its tasks). Items are numbered
 * 0, 1, ... in a canonical order that every shard computes alike; item k
 * belongs to shard (k mod N) + 1, round robin, so shard sizes differ by
 * at most one.
 *
 * HowTo:
 *   struct shard sh = SHARD_ALL;
 *   if (shard_parse("2/3", &sh)) -> -EINVAL: not "i/N" with 1 <= i <= N
 *   if (shard_owns(&sh, k)) ... item k is ours
 *   shard_select_sorted(&sh, names, n, mine)  mine[j]: names[j] is ours,
 *                                             items ranked by strcmp()
 */
#ifndef CADET_LIB_UTIL_SHARD_H
#define CADET_LIB_UTIL_SHARD_H

#include <stdbool.h>
#include <stddef.h>

struct shard {
	unsigned int index; /* 1..count */
	unsigned int count; /* 1: everything in one shard */
};

#define SHARD_ALL ((struct shard){.index = 1, .count = 1})
#define SHARD_MAX 100000

/* Parses "i/N" (decimal, 1 <= i <= N <= SHARD_MAX); 0 or -EINVAL. */
int shard_parse(const char *s, struct shard *out);

/* true when item @k (0-based, canonical order) is in shard @sh. */
bool shard_owns(const struct shard *sh, size_t k);

/* true when @sh splits the work at all (N > 1). */
bool shard_is_split(const struct shard *sh);

/*
 * Ranks @names by strcmp() (equal names by their position) and sets
 * @mine[j] when names[j] falls in shard @sh. 0 or -ENOMEM.
 */
int shard_select_sorted(const struct shard *sh, const char *const *names,
			size_t n, bool *mine);

#endif /* CADET_LIB_UTIL_SHARD_H */
