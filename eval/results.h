/* SPDX-License-Identifier: MIT */
/*
 * results.jsonl as written by `cadet replay`: a header line, then score and
 * alert lines. docs/metrics.md ("Input") lists the fields read here.
 *
 * HowTo:
 *   char err[512];
 *   struct cadet_results *r = cadet_results__load("results.jsonl", err,
 *                                                 sizeof(err));
 *   if (!r) -> err says "results.jsonl:12: ..." (errno set too)
 *   ... r->dets, r->traces, r->scores, r->alerts ...
 *   cadet_results__free(r);
 */
#ifndef CADET_EVAL_RESULTS_H
#define CADET_EVAL_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cadet_results_det {
	char *key; /* name, or spec when names repeat */
	char *name;
	char *spec; /* "" when absent */
	json_t *params; /* object, owned; {} when absent */
	uint64_t seed;
	double threshold; /* NAN when absent or null */
};

struct cadet_results_trace {
	char *path;
	char *sha256; /* "" when absent */
	char *error; /* replay's error for this trace, or NULL */
	size_t part; /* cadet_results__merge(): index of its results file */
};

struct cadet_score {
	uint32_t det; /* index into dets */
	uint32_t trace; /* index into traces */
	uint64_t cgroup_id;
	uint64_t win_start;
	uint64_t win_end;
	double value;
};

struct cadet_alert {
	uint32_t det;
	uint32_t trace;
	uint64_t cgroup_id;
	uint64_t ts;
};

struct cadet_results {
	char *cadet_version; /* "" when absent */
	uint64_t seed;
	struct cadet_results_det *dets;
	size_t ndets;
	struct cadet_results_trace *traces; /* the header's "test" list */
	size_t ntraces;
	struct cadet_score *scores;
	size_t nscores;
	struct cadet_alert *alerts;
	size_t nalerts;
	/* lines skipped: unknown "type", or a trace not in the test list */
	size_t skipped_type;
	size_t skipped_trace;
};

/*
 * cadet_results__load() - parse a results.jsonl file. Returns NULL and sets
 * errno on failure, with "FILE:LINE: what is wrong" in @err.
 */
struct cadet_results *cadet_results__load(const char *path, char *err,
					  size_t errlen);
/* The same from memory; @name is used in messages. */
struct cadet_results *cadet_results__parse(const char *buf, size_t len,
					   const char *name, char *err,
					   size_t errlen);
void cadet_results__free(struct cadet_results *r);

/*
 * cadet_results__merge() - one results set from the @n results files of
 * the shards of one replay (`cadet replay --shard I/N`), or from one
 * file. Their headers must agree (version, seed, detectors with their
 * params, seeds and thresholds) and no test trace may be in two of them.
 * Test traces are ordered by path and score and alert lines grouped by
 * trace in that order, so the eval of N shards equals the eval of the
 * unsharded run, whatever the order of the files or of the test traces.
 * @names name the parts in messages. The parts are not changed. Returns
 * NULL and sets errno on failure, with what is wrong in @err.
 */
struct cadet_results *cadet_results__merge(struct cadet_results *const *parts,
					   const char *const *names, size_t n,
					   char *err, size_t errlen);

/*
 * Index of a detector as named in score/alert lines (its spec, key or
 * name, tried in this order), -1 when unknown.
 */
int cadet_results__det_idx(const struct cadet_results *r, const char *name);

#endif
