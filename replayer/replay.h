/* SPDX-License-Identifier: MIT */
/*
 * The deterministic replayer behind `cadet replay`: feeds trace records to
 * detectors (built-in, dlopen()ed plugins or exec'd programs), drives the
 * train / validate / test protocol, sets thresholds from validation scores
 * and writes results as JSON lines.
 *
 * HowTo:
 *   struct replay_opts o = { .sz = sizeof(o), .seed = 1, .jobs = 2 };
 *   struct replay *r = replay__new(&o);
 *   replay__add_detector(r, "iforest:trees=100");  -> 0 or -errno, message
 *                                                     in replay__error(r)
 *   replay__add_trace(r, CADET_PHASE_TRAIN, "a.cadet");
 *   replay__add_trace(r, CADET_PHASE_TEST, "b.cadet");
 *   err = replay__run(r, stdout);   0: clean, 1: something was skipped,
 *                                   <0: nothing written (error message)
 *   replay__free(r);
 *
 * Results do not depend on jobs, timing or the machine: every detector
 * sees its traces in command line order, time is trace time only, and
 * output is assembled in (trace, detector, ts) order after all work ends.
 */
#ifndef CADET_REPLAYER_REPLAY_H
#define CADET_REPLAYER_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cadet/detector.h"

struct replay;

struct replay_opts {
	size_t sz;
	uint64_t seed; /* base seed (cadet replay's default: 1) */
	int jobs; /* worker threads; default 1 */
	bool quiet; /* no progress / summary on stderr */
	/* exec adapter: max seconds to wait for a child's ack; default 120 */
	int exec_timeout_s;
	/*
	 * After training and validation, save each detector's model
	 * (save_model) and threshold (PATH.threshold): to this path with one
	 * detector, to PATH.<detector name> with several. NULL: none.
	 */
	const char *save_model;
	/*
	 * .so plugins run each in a child process of their own, so that a
	 * crash or hang disables that detector only: max seconds without
	 * progress from one (default 60, then it is killed), or, with
	 * in_process, dlopen() them into this process (trusted plugins).
	 */
	int detector_timeout_s;
	bool in_process;
};

struct replay *replay__new(const struct replay_opts *opts);
void replay__free(struct replay *r);

/*
 * replay__add_detector() - parse "NAME[:key=value,...]", "PATH.so[:...]"
 * or "exec:COMMAND", load the detector and check its parameters.
 * Returns 0 or -errno with replay__error() saying what is wrong.
 */
int replay__add_detector(struct replay *r, const char *spec);
int replay__add_trace(struct replay *r, enum cadet_phase phase,
		      const char *path);
/*
 * replay__run() - replay everything, write the results to @out.
 * Returns 0, 1 when a trace was skipped or a detector disabled (reported
 * on stderr, the rest is written), or -errno on a fatal error (nothing
 * written, replay__error() says why).
 */
int replay__run(struct replay *r, FILE *out);
const char *replay__error(const struct replay *r);

/* Total records delivered to detectors during the last run. */
uint64_t replay__events(const struct replay *r);

#endif /* CADET_REPLAYER_REPLAY_H */
