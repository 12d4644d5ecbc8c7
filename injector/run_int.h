/* SPDX-License-Identifier: MIT */
/*
 * One run of a scenario, shared by injector/run.c (its steps) and
 * injector/run_output.c (what it prints and keeps). Not an API.
 */
#ifndef CADET_INJECTOR_RUN_INT_H
#define CADET_INJECTOR_RUN_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "injector/payload.h"
#include "injector/run.h"
#include "injector/scenario.h"
#include "injector/workload.h"
#include "lib/util/timeunits.h"
#include "recorder/recorder.h"


struct run {
	const struct run_opts *opts;
	struct scenario *s;
	struct scenario_plan plan;
	unsigned int rep;
	char trace[PATH_MAX];
	char keepdir[PATH_MAX];
	char rootfs[SCENARIO_MAX_CONTAINERS][PATH_MAX];
	const char *payload_dir;
	const char *cmdline;
	char id_prefix[32]; /* "cadet-<run token>-" */

	struct recorder *rec;
	pthread_t rec_thread;
	bool rec_started;
	volatile bool rec_done;
	int rec_ret;

	struct container *ctr[SCENARIO_MAX_CONTAINERS];
	uint64_t cgid[SCENARIO_MAX_CONTAINERS];
	struct workload *wl[SCENARIO_MAX_WORKLOADS];

	/* One per anomaly: several in a fleet (s->nanomalies). */
	struct payload_run pl[SCENARIO_MAX_ANOMALIES];
	pthread_t pl_thread[SCENARIO_MAX_ANOMALIES];
	bool pl_started[SCENARIO_MAX_ANOMALIES];

	unsigned long long t_begin; /* run_one() entered */
	unsigned long long t0; /* run start: containers started */
	unsigned long long t_stop;
	/* Each anomaly's window as labeled (0: none), and whether its
	 * payload reported it itself. */
	uint64_t win_start[SCENARIO_MAX_ANOMALIES];
	uint64_t win_end[SCENARIO_MAX_ANOMALIES];
	bool from_payload[SCENARIO_MAX_ANOMALIES];
};

/* The plan of @r: containers, workloads, the anomalies and onsets. */
void run_print_plan(const struct run *r, FILE *f);
/* The trace's path and one line of figures, on stdout, after a run. */
void run_print_summary(const struct run *r, int err);
/* --keep: copy @src, or write @text, to DIR/NAME; best effort. */
void run_keep_file(const char *src, const char *dir, const char *name);
void run_keep_text(const char *dir, const char *name, const char *text);

#endif /* CADET_INJECTOR_RUN_INT_H */
