/* SPDX-License-Identifier: MIT */
/*
 * The ground truth of a run: one LABEL record (docs/trace-format.md)
 * per anomaly with its window, target and parameters, or the window of
 * a normal-only run, handed to the recorder for the trace.
 */
#ifndef CADET_INJECTOR_LABEL_H
#define CADET_INJECTOR_LABEL_H

#include <stdint.h>

#include "injector/scenario.h"
#include "recorder/recorder.h"

struct run_label {
	/* The anomaly labeled (one of s->anomalies); NULL: normal. */
	const struct scenario_anomaly *anomaly;
	uint64_t cgroup_id;             /* the target's; 0 for normal */
	uint64_t start, end;            /* the window, trace clock */
	const char *target;             /* container name, or NULL */
};

/* Queue the LABEL of @s run with @seed into @rec. 0 or -errno. */
int label_add(struct recorder *rec, const struct scenario *s, uint64_t seed,
	      const struct run_label *l);

#endif /* CADET_INJECTOR_LABEL_H */
