// SPDX-License-Identifier: MIT
/*
 * Baseline detectors every result is compared against:
 *   null    scores 0 for every container every tick, never alerts;
 *   random  scores uniform in [0, 1) for every container every tick and
 *           alerts when that score is >= 1 - p, i.e. with probability p,
 *           from a generator seeded per trace from the detector's
 *           seed and the trace's file name, so a trace's scores do not
 *           depend on which other traces were replayed before it (replay
 *           --shard gives every test trace the numbers of a whole run);
 *   always  scores 1 for every container every tick and alerts on each:
 *           what every metric gives a detector that alarms everywhere.
 * All three only need the container table: they track CONTAINER records and
 * visit containers in cgroup id order so output never depends on hashing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/detector.h"
#include "detect/registry.h"
#include "detect/util.h"

struct baseline {
	const struct cadet_host *host;
	uint64_t tick_ns;
	uint64_t seed;
	uint64_t rng;
	double p; /* random: alert probability per tick */
	bool random;
	bool always;
	struct u64_set ctrs; /* live containers, ascending */
};

static int baseline_init(void **state, const struct cadet_host *host,
			 const struct cadet_param *params, size_t nparams,
			 uint64_t seed, bool random)
{
	struct baseline *b = calloc(1, sizeof(*b));
	const char *v;
	char *end;

	if (!b)
		return -ENOMEM;
	b->host = host;
	b->tick_ns = 1000000000ull;
	b->seed = seed;
	b->rng = seed;
	b->random = random;
	if (random) {
		v = cadet_param_get(params, nparams, "p", "0.01");
		errno = 0;
		b->p = strtod(v, &end);
		if (errno || end == v || *end || !(b->p >= 0 && b->p <= 1)) {
			host->log(host, "p=%s: want a probability in [0, 1]",
				  v);
			free(b);
			return -EINVAL;
		}
	}
	*state = b;
	return 0;
}

static int null_init(void **state, const struct cadet_host *host,
		     const struct cadet_param *params, size_t nparams,
		     uint64_t seed)
{
	return baseline_init(state, host, params, nparams, seed, false);
}

static int always_init(void **state, const struct cadet_host *host,
		       const struct cadet_param *params, size_t nparams,
		       uint64_t seed)
{
	int err = baseline_init(state, host, params, nparams, seed, false);

	if (!err)
		((struct baseline *)*state)->always = true;
	return err;
}

static int random_init(void **state, const struct cadet_host *host,
		       const struct cadet_param *params, size_t nparams,
		       uint64_t seed)
{
	return baseline_init(state, host, params, nparams, seed, true);
}

/*
 * Containers belong to one trace: start each trace with an empty table,
 * and the random generator from (seed, file name) alone. The name without
 * its directory, so that traces moved or given by another path score alike.
 */
static int baseline_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct baseline *b = state;
	const char *name = t->path ? t->path : "";
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	b->ctrs.n = 0;
	b->rng = fnv1a64(name, strlen(name), FNV1A64_INIT) ^ b->seed;
	rng_next(&b->rng);
	return 0;
}

static int baseline_container(void *state, const struct cadet_container_desc *c,
			      int added)
{
	struct baseline *b = state;

	if (added)
		return u64_set_add(&b->ctrs, c->cgroup_id);
	u64_set_del(&b->ctrs, c->cgroup_id);
	return 0;
}

static int baseline_tick(void *state, uint64_t ts)
{
	struct baseline *b = state;
	uint64_t start = ts >= b->tick_ns ? ts - b->tick_ns : 0;

	for (size_t i = 0; i < b->ctrs.n; i++) {
		uint64_t cg = b->ctrs.v[i];
		double u = 0;

		if (b->random)
			u = rng_uniform(&b->rng);
		else if (b->always)
			u = 1;
		b->host->score(b->host, cg, start, ts, u);
		if (b->random && b->p > 0 && u >= 1 - b->p)
			b->host->alert(b->host, ts, cg, CADET_SEV_WARNING,
				       "random baseline");
		else if (b->always)
			b->host->alert(b->host, ts, cg, CADET_SEV_WARNING,
				       "always baseline");
	}
	return 0;
}

static void baseline_fini(void *state)
{
	struct baseline *b = state;

	if (!b)
		return;
	free(b->ctrs.v);
	free(b);
}

const struct cadet_detector_ops detector_null_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "null",
	.description = "baseline: score 0 for every container, never alerts",
	.params_help = "",
	.init = null_init,
	.on_trace_begin = baseline_trace_begin,
	.on_container = baseline_container,
	.on_tick = baseline_tick,
	.fini = baseline_fini,
	.flags = CADET_DET_F_OWN_ALERTS,
};

const struct cadet_detector_ops detector_random_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "random",
	.description = "baseline: seeded uniform scores, alerts with "
		       "probability p per container per tick",
	.params_help = "p=0.01: alert probability per container per tick",
	.init = random_init,
	.on_trace_begin = baseline_trace_begin,
	.on_container = baseline_container,
	.on_tick = baseline_tick,
	.fini = baseline_fini,
	.flags = CADET_DET_F_OWN_ALERTS,
};

const struct cadet_detector_ops detector_always_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "always",
	.description = "baseline: score 1 and an alert for every container "
		       "every tick",
	.params_help = "",
	.init = always_init,
	.on_trace_begin = baseline_trace_begin,
	.on_container = baseline_container,
	.on_tick = baseline_tick,
	.fini = baseline_fini,
	.flags = CADET_DET_F_OWN_ALERTS,
};
