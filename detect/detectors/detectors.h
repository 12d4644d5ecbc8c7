/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the built-in detectors in detect/detectors/:
 * a map keyed by uint64 kept as an array sorted by key (iteration order is
 * the key order, never an address order, so output is deterministic),
 * parameter parsing with clear messages, containers' names across traces
 * and a seeded PRNG. The METRICS rate features are in features.h.
 *
 * docs/detectors.md describes every detector, its parameters and its model.
 */
#ifndef CADET_DETECT_DETECTORS_H
#define CADET_DETECT_DETECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/detector.h"
#include "lib/util/rng.h"

extern const struct cadet_detector_ops detector_rules_ops;
extern const struct cadet_detector_ops detector_zscore_ops;
extern const struct cadet_detector_ops detector_trend_ops;
extern const struct cadet_detector_ops detector_iforest_ops;
extern const struct cadet_detector_ops detector_stide_ops;
extern const struct cadet_detector_ops detector_sysfreq_ops;
extern const struct cadet_detector_ops detector_ensemble_ops;

#define DET_NSEC_PER_SEC 1000000000ull

/* ---- map: uint64 key -> pointer, sorted array ---- */

struct det_map_ent {
	uint64_t key;
	void *val;
};

struct det_map {
	struct det_map_ent *v;
	size_t n;
	size_t cap;
};

void *det_map_get(const struct det_map *m, uint64_t key);
/* Inserts or replaces; returns 0 or -ENOMEM. */
int det_map_put(struct det_map *m, uint64_t key, void *val);
/* Removes @key and returns its value (NULL when absent). */
void *det_map_del(struct det_map *m, uint64_t key);
/* Frees every value with @free_fn (may be NULL) and empties the map. */
void det_map_clear(struct det_map *m, void (*free_fn)(void *));
void det_map_release(struct det_map *m, void (*free_fn)(void *));

/*
 * The per-container state of cgroup @cg in @m, created when absent:
 * @size bytes zeroed whose first member is "char *name", set to a copy of
 * @name ("" when NULL). @free_fn frees a half-built one. *@created (may be
 * NULL) tells whether it is new. NULL on ENOMEM.
 */
void *det_cont_get(struct det_map *m, uint64_t cg, const char *name,
		   size_t size, void (*free_fn)(void *), bool *created);

/* ---- parameters ---- */

/* Logs through the host when it has a log callback. */
#define det_log(host, ...)                                                  \
	do {                                                                \
		if ((host) && (host)->log)                                  \
			(host)->log((host), __VA_ARGS__);                   \
	} while (0)

/*
 * Rejects parameters whose key is not in the NULL-terminated @known list
 * (a typo must not silently run defaults). 0 or -EINVAL (logged).
 */
int det_params_check(const struct cadet_host *h, const char *det,
		     const struct cadet_param *p, size_t n,
		     const char *const *known);
int det_param_double(const struct cadet_host *h, const char *det,
		     const struct cadet_param *p, size_t n, const char *key,
		     double def, double min, double max, double *out);
int det_param_u64(const struct cadet_host *h, const char *det,
		  const struct cadet_param *p, size_t n, const char *key,
		  uint64_t def, uint64_t min, uint64_t max, uint64_t *out);
/* Duration "5s", "500ms", "100us", "20ns", "2m"; a bare number is seconds. */
int det_parse_duration(const char *s, uint64_t *ns);
int det_param_duration(const struct cadet_host *h, const char *det,
		       const struct cadet_param *p, size_t n, const char *key,
		       uint64_t def, uint64_t *out);

/* ---- names ---- */

/* Sorted string -> pointer table (containers' names across traces). */
struct det_names {
	char **name;
	void **val;
	size_t n;
	size_t cap;
};

void *det_names_get(const struct det_names *t, const char *name);
int det_names_put(struct det_names *t, const char *name, void *val);
void det_names_release(struct det_names *t, void (*free_fn)(void *));

/* ---- seeded PRNG (xoshiro256**, seeded through splitmix64) ---- */

struct det_rng {
	struct util_xoshiro x;
};

void det_rng_seed(struct det_rng *r, uint64_t seed);
uint64_t det_rng_next(struct det_rng *r);
/* Uniform in [0, 1). */
double det_rng_double(struct det_rng *r);
/* Uniform in [0, n), n > 0. */
uint64_t det_rng_below(struct det_rng *r, uint64_t n);

/* Median of @n values (reorders @v); 0 when n == 0. */
double det_median(double *v, size_t n);

#endif /* CADET_DETECT_DETECTORS_H */
