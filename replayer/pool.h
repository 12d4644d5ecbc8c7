/* SPDX-License-Identifier: MIT */
/*
 * Parallel jobs of the replayer: fn(ctx, i) for every i in 0..n-1, on up
 * to @jobs threads (the caller's included, at most 64). Jobs must not
 * depend on each other's order: which thread runs which index varies
 * from run to run.
 */
#ifndef CADET_REPLAYER_POOL_H
#define CADET_REPLAYER_POOL_H

#include <stddef.h>

/* Returns when every job has ended. */
void pool_run(size_t n, int jobs, void (*fn)(void *ctx, size_t i), void *ctx);

#endif /* CADET_REPLAYER_POOL_H */
