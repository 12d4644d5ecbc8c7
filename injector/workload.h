/* SPDX-License-Identifier: MIT */
/*
 * Normal load for scenario runs: an HTTP client (wrk on the host, inside
 * the target's network namespace), a batch job and a log writer (shell
 * loops inside the target). Every timing choice is drawn from the
 * workload's seed before anything starts, so a run is reproducible and
 * the processes themselves hold no randomness.
 *
 * HowTo:
 *   struct workload_opts o = { .sz = sizeof(o), .wl = &s->workloads[i],
 *                              .target = c, .seed = plan.workload_seed[i],
 *                              .duration_ms = plan.duration_ms };
 *   struct workload *w = workload__start(&o);     NULL + errno
 *   ...
 *   workload__stop(w);                            kill, reap
 *   workload__free(w);                            stop + free
 */
#ifndef CADET_INJECTOR_WORKLOAD_H
#define CADET_INJECTOR_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "injector/scenario.h"

struct container;

struct workload_opts {
	size_t sz;
	const struct scenario_workload *wl;
	struct container *target;
	uint64_t seed;
	uint64_t duration_ms; /* the load stops by itself after this */
	const char *wrk; /* wrk binary; default "wrk" from PATH */
	int verbose;
};

struct workload;

struct workload *workload__start(const struct workload_opts *opts);
/* Stop the load: kill its processes and reap them. Safe to call twice. */
int workload__stop(struct workload *w);
void workload__free(struct workload *w);
/* Runs (wrk bursts, jobs or log periods) started so far. */
unsigned int workload__runs(const struct workload *w);

/*
 * workload_script() - the shell loop a batch or log workload runs in
 * its container, drawn from @seed. malloc'd; NULL + errno. Exposed for
 * tests and for `cadet run --dry-run -v`.
 */
char *workload_script(const struct scenario_workload *wl, uint64_t seed,
		      uint64_t duration_ms);

#endif
