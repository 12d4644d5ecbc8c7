/* SPDX-License-Identifier: MIT */
/*
 * Running labeled anomaly scenarios in real runc containers while
 * recording them: what `cadet run` (tools/cmd_run.c) drives.
 *
 * HowTo:
 *   struct run_opts o = { .outdir = "datasets/runs", .repeat = 1 };
 *   struct scenario *s[] = { scenario loaded and overridden };
 *   int status = run_series(&o, s, 1, "cadet run ...");   0, 1 or 2
 *
 * Needs root for real runs (not for .dry_run). The caller installs
 * nothing: run_series() sets up the stop handling (injector/cleanup.h)
 * and the caller passes its result through cleanup_exit_code().
 */
#ifndef CADET_INJECTOR_RUN_H
#define CADET_INJECTOR_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "injector/scenario.h"
#include "lib/util/shard.h"

struct redact;

struct run_opts {
	const char *outdir;             /* trace directory */
	const char *rootfs;             /* one image for every container */
	const char *payload_dir;        /* NULL: found (injector/host.h) */
	unsigned int repeat;            /* runs per scenario, >= 1 */
	uint64_t seed;                  /* with seed_set: of the first run */
	bool seed_set;                  /* else each file's own seed */
	bool keep;                      /* container output beside the trace */
	bool dry_run;                   /* print the plan, start nothing */
	bool normal;                    /* no anomaly: normal-only traces */
	bool syscall_seq;               /* also record every syscall */
	/* Container names --syscall-seq leaves out, NULL-ended. */
	const char *seq_exclude[SCENARIO_MAX_CONTAINERS + 1];
	int verbose;                    /* 2: runc commands too */
	struct redact *redact;          /* NULL: no redaction */
	/* "runc" or "docker"; NULL: each file's launcher key, else runc. */
	const char *launcher;
	struct shard shard;             /* SHARD_ALL: every run */
};

/*
 * run_series() - check every scenario against the host, then run each
 * @o->repeat times with seeds seed..seed+repeat-1, one trace per run.
 * @cmdline goes into the traces' headers. Returns the exit status:
 * 0 ok, 1 a run failed or could not start, 2 a scenario cannot run here
 * (missing payload or program).
 */
int run_series(const struct run_opts *o, struct scenario *const *scns,
	       size_t n, const char *cmdline);

#endif /* CADET_INJECTOR_RUN_H */
