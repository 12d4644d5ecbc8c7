/* SPDX-License-Identifier: MIT */
/*
 * Scenario files (scenarios/NAME.ini, docs/scenarios.md): parsing with
 * libinih, validation, and the seeded plan of one run.
 *
 * HowTo:
 *   char err[4096];
 *   struct scenario_opts o = { .sz = sizeof(o), .errbuf = err,
 *                              .errbuf_sz = sizeof(err) };
 *   struct scenario *s = scenario__load("scenarios/memleak.ini", &o);
 *   if (!s) -> errno; err holds "file:line: [section] key: message"
 *              lines, one per problem found
 *   struct scenario_plan p;
 *   scenario__plan(s, seed, &p);              onset, per-workload seeds
 *   scenario__free(s);
 *
 * The parsed scenario is plain data, read-only for its users.
 */
#ifndef CADET_INJECTOR_SCENARIO_H
#define CADET_INJECTOR_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/rng.h"

#define SCENARIO_DURATION_MIN 5
#define SCENARIO_DURATION_MAX 3600
/* The runner's hard deadline is the run's duration plus this. */
#define SCENARIO_DEADLINE_SLACK_S 60
/* A payload still running this long after its duration is killed. */
#define SCENARIO_PAYLOAD_GRACE_S 5
#define SCENARIO_MAX_PORTS 8
#define SCENARIO_MAX_CONTAINERS 24
#define SCENARIO_MAX_WORKLOADS 64
/* [anomaly NAME] sections of one run (a fleet) and targets of one. */
#define SCENARIO_MAX_ANOMALIES 4
#define SCENARIO_MAX_TARGETS 8
#define SCENARIO_MAX_PARAMS 32

enum scenario_category {
	SCENARIO_CAT_RESOURCE,
	SCENARIO_CAT_SECURITY,
	SCENARIO_CAT_NETWORK,
};

enum scenario_workload_type {
	SCENARIO_WL_HTTP,
	SCENARIO_WL_BATCH,
	SCENARIO_WL_LOG,
	SCENARIO_WL_CLIENT, /* a host command in the target's netns */
	SCENARIO_WL_OPS, /* benign operator actions, runc exec'd */
};

struct scenario_param {
	char *key;
	char *value;
};

struct scenario_container {
	char *name;
	char *packages; /* extra Debian packages, space separated */
	char *command; /* run with /bin/sh -c */
	uint64_t memory; /* bytes */
	double cpus;
	int64_t pids;
	uint16_t ports[SCENARIO_MAX_PORTS];
	int nports;
	int line; /* of the section header */
};

struct scenario_workload {
	char *name;
	enum scenario_workload_type type;
	size_t target; /* index into scenario->containers */
	unsigned int connections; /* http */
	unsigned int threads; /* http */
	unsigned int port; /* http */
	unsigned int burst_s; /* http */
	double period; /* batch, log: seconds */
	uint64_t size; /* batch: bytes per job */
	double rate; /* log: lines per second; client: requests per second */
	char *command; /* client: host shell command, sh -c */
	double surge; /* client: chance per burst of a 2-3x, 10-20 s surge */
	struct scenario_param *actions; /* ops: name = command, file order */
	size_t nactions;
	int line;
};

struct scenario_anomaly {
	char *name; /* NAME of [anomaly NAME]; NULL for [anomaly] */
	char *type; /* "mem_leak", ..., "command" */
	size_t target; /* index into scenario->containers: the first */
	/* `target = a b c`: the run's plan picks one from its seed */
	size_t targets[SCENARIO_MAX_TARGETS];
	size_t ntargets;
	unsigned int start_min; /* s after the run starts */
	unsigned int start_max;
	unsigned int duration; /* s; the longest with `duration = A-B` */
	unsigned int duration_min; /* `duration = A-B`: each run draws one */
	char *command; /* type=command only */
	/*
	 * type=command: the catalogue type it stands for (`class = cpu_hog`),
	 * stored as the LABEL's anomaly so that the run is scored and
	 * checked as that class; NULL: the LABEL says "command".
	 */
	char *class_name;
	double intensity; /* stored in the LABEL record */
	struct scenario_param *params; /* intensity keys, file order */
	size_t nparams;
	int line;
};

struct scenario {
	char *path; /* as given to scenario__load() */
	char *name;
	char *description;
	enum scenario_category category;
	unsigned int duration; /* s */
	uint64_t seed;
	struct scenario_container *containers;
	size_t ncontainers;
	struct scenario_workload *workloads;
	size_t nworkloads;
	struct scenario_anomaly *anomaly; /* NULL: normal-only run */
	char *launcher; /* "runc" or "docker"; NULL: runc or --launcher */
	/* PROFILE_INTENSITY of a --profile/--intensity run, else NULL. */
	char *variant;
	/* name, or name_variant: what traces and messages call the run. */
	char *run_name;
	/* All of them: [anomaly] alone, or several [anomaly NAME] (a fleet). */
	struct scenario_anomaly *anomalies; /* anomaly == &anomalies[0] */
	size_t nanomalies;
};

/* Where line i + 1 of a merged text was written (injector/profile.h). */
struct scenario_line_origin {
	size_t file; /* index into scenario_opts.origin_files */
	int line;
};

struct scenario_opts {
	size_t sz;
	char *errbuf; /* messages, one line per problem */
	size_t errbuf_sz;
	const char *display_path; /* name used in messages; default the path */
	/* Merged text: messages name the file and line each line came from. */
	const struct scenario_line_origin *origin;
	size_t norigin;
	const char *const *origin_files;
};

/*
 * scenario__load() - parse and validate a scenario file. Returns NULL
 * with errno set (EINVAL: the file is malformed, the messages say where
 * and what; ENOENT etc.: it could not be read).
 */
struct scenario *scenario__load(const char *path,
				const struct scenario_opts *opts);
/* The same from memory; @len bytes of @text (NUL bytes are rejected). */
struct scenario *scenario__load_mem(const char *text, size_t len,
				    const struct scenario_opts *opts);
void scenario__free(struct scenario *s);

/*
 * scenario__override() - apply `cadet run --duration` (@duration > 0)
 * and `--start A-B` (@start non-NULL). A shorter run that no longer
 * holds the anomaly scales its start range and duration down with it;
 * an explicit start range that does not fit is an error. Returns 0 or
 * -EINVAL with a message in @err. @note (may be NULL) tells what was
 * scaled, empty when nothing was.
 */
int scenario__override(struct scenario *s, unsigned int duration,
		       const char *start, char *err, size_t err_sz, char *note,
		       size_t note_sz);

const char *scenario_category_name(enum scenario_category c);
/* What a LABEL calls anomaly @an: its class for a command, else its type. */
const char *scenario_anomaly_class(const struct scenario_anomaly *an);
const char *scenario_workload_type_name(enum scenario_workload_type t);

/*
 * Parses "N" or "A-B" (whole seconds, A <= B). 0 or -EINVAL.
 * Used for the file's [anomaly] start and for `cadet run --start`.
 */
int scenario_parse_range(const char *s, unsigned int *a, unsigned int *b);
/* "256M", "1G", "4096": K/M/G/T suffixes (powers of 1024). 0 or -EINVAL. */
int scenario_parse_size(const char *s, uint64_t *out);

/*
 * Small PRNG (xoshiro256**, seeded through splitmix64) so that every
 * random choice of a run derives from its seed alone.
 */
struct scenario_rng {
	struct util_xoshiro x;
};

void scenario_rng_seed(struct scenario_rng *r, uint64_t seed);
uint64_t scenario_rng_next(struct scenario_rng *r);
/* Uniform in [0, 1). */
double scenario_rng_double(struct scenario_rng *r);
/* Uniform integer in [lo, hi] (inclusive); lo when hi <= lo. */
uint64_t scenario_rng_range(struct scenario_rng *r, uint64_t lo, uint64_t hi);

/* What one run does, drawn from the seed. Times in ms after the start. */
struct scenario_plan {
	uint64_t seed;
	uint64_t onset_ms; /* anomaly start; 0 if none */
	uint64_t anomaly_ms; /* anomaly duration */
	uint64_t duration_ms; /* whole run */
	uint64_t workload_seed[SCENARIO_MAX_WORKLOADS]; /* one per workload */
	/* Per anomaly: onset (onsets_ms[0] == onset_ms), target index and
	 * duration (whole seconds, within duration_min..duration). */
	uint64_t onsets_ms[SCENARIO_MAX_ANOMALIES];
	size_t targets[SCENARIO_MAX_ANOMALIES];
	uint64_t durations_ms[SCENARIO_MAX_ANOMALIES];
};

/*
 * scenario__plan() - draw the onset uniformly within the anomaly's start
 * range (at ms granularity) and one seed per workload. Same scenario and
 * seed: same plan.
 */
void scenario__plan(const struct scenario *s, uint64_t seed,
		    struct scenario_plan *plan);

#endif
