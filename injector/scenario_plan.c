// SPDX-License-Identifier: MIT
/*
 * A scenario's random draws: the seeded PRNG (xoshiro256** of
 * lib/util/rng.h) and the plan of one run (onsets, workload seeds,
 * targets and durations of the anomalies).
 */
#include <string.h>

#include "injector/scenario.h"

void scenario_rng_seed(struct scenario_rng *r, uint64_t seed)
{
	util_xoshiro_seed(&r->x, seed);
}

uint64_t scenario_rng_next(struct scenario_rng *r)
{
	return util_xoshiro_next(&r->x);
}

double scenario_rng_double(struct scenario_rng *r)
{
	return util_u64_to_unit(util_xoshiro_next(&r->x));
}

uint64_t scenario_rng_range(struct scenario_rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span;

	if (hi <= lo)
		return lo;
	span = hi - lo + 1;
	if (span == 0) /* the whole 64-bit range */
		return util_xoshiro_next(&r->x);
	return lo + util_xoshiro_below(&r->x, span);
}

void scenario__plan(const struct scenario *s, uint64_t seed,
		    struct scenario_plan *plan)
{
	struct scenario_rng rng;

	memset(plan, 0, sizeof(*plan));
	scenario_rng_seed(&rng, seed);
	plan->seed = seed;
	plan->duration_ms = (uint64_t)s->duration * 1000;
	/*
	 * Always draw the onset first, anomaly or not, so the workload
	 * streams of a scenario do not change when its anomaly does.
	 */
	if (s->anomaly) {
		plan->onset_ms = scenario_rng_range(
			&rng, (uint64_t)s->anomaly->start_min * 1000,
			(uint64_t)s->anomaly->start_max * 1000);
		plan->anomaly_ms = (uint64_t)s->anomaly->duration * 1000;
	} else {
		scenario_rng_next(&rng);
	}
	for (size_t i = 0; i < SCENARIO_MAX_WORKLOADS; i++)
		plan->workload_seed[i] = scenario_rng_next(&rng);
	/* Drawn after the above, so that adding them changed no plan. */
	plan->onsets_ms[0] = plan->onset_ms;
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct scenario_anomaly *a = &s->anomalies[i];

		if (i)
			plan->onsets_ms[i] = scenario_rng_range(
				&rng, (uint64_t)a->start_min * 1000,
				(uint64_t)a->start_max * 1000);
		plan->targets[i] = a->ntargets > 1
					   ? a->targets[scenario_rng_range(
						     &rng, 0, a->ntargets - 1)]
					   : a->target;
	}
	/* Durations last: `duration = A-B` moved no onset or target. */
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct scenario_anomaly *a = &s->anomalies[i];
		unsigned int lo = a->duration_min ? a->duration_min : 1;

		if (lo > a->duration)
			lo = a->duration;
		plan->durations_ms[i] =
			scenario_rng_range(&rng, lo, a->duration) * 1000;
	}
	if (s->nanomalies)
		plan->anomaly_ms = plan->durations_ms[0];
}
