// SPDX-License-Identifier: MIT
/*
 * The replayer's worker threads (pool.h): a shared counter hands out
 * indices, so a slow job never holds back the others' start.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "replayer/pool.h"

struct pool {
	atomic_size_t next;
	size_t n;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->ctx, i);
	return NULL;
}

void pool_run(size_t n, int jobs, void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	pthread_t th[64];
	size_t nth = 0;

	atomic_init(&p.next, 0);
	if ((size_t)jobs > n)
		jobs = n;
	if (jobs > 64)
		jobs = 64;
	for (int i = 1; i < jobs; i++)
		if (!pthread_create(&th[nth], NULL, pool_worker, &p))
			nth++;
	pool_worker(&p);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
}
