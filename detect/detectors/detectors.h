/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the built-in detectors in detect/detectors/:
 * a map keyed by uint64 kept as an array sorted by key (iteration order is
 * the key order, never an address order, so output is deterministic),
 * per-container state, parameter parsing with clear messages, models per
 * container role (a name across traces) and a seeded PRNG. The METRICS
 * rate features are in features.h.
 *
 * docs/detectors.md describes every detector, its parameters and its model.
 */
#ifndef CADET_DETECT_DETECTORS_H
#define CADET_DETECT_DETECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/detector.h"
#include "detect/registry.h" /* the detectors' ops, detector_NAME_ops */
#include "lib/util/rng.h"

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
/*
 * Names the container state @c (first member "char *name") @name when
 * @name is not NULL and not its name already: a container is named
 * after its first record and renamed when its description comes.
 * 0 or -ENOMEM (the old name is kept).
 */
int det_cont_rename(void *c, const char *name);
/* Frees a container state's name and the state; NULL-safe. */
void det_cont_free(void *c);

/* ---- parameters ---- */

/* Logs through the host when it has a log callback. */
#define det_log(host, ...)                                \
	do {                                              \
		if ((host) && (host)->log)                \
			(host)->log((host), __VA_ARGS__); \
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

/* ---- per-role models ---- */

/*
 * The models a detector learns per role (a container's name across
 * runs): one holder for every detector that keeps them. Roles are kept
 * sorted by name, so iteration (role_models__name() and
 * role_models__model() of 0 .. role_models__cnt() - 1) goes in name
 * order, never in an order of creation or of addresses.
 *
 * A model is @model_sz bytes, created zeroed and then set up by @init
 * (may be NULL). @fini (may be NULL) releases what a model holds; the
 * holder frees the model itself.
 */
struct role_models;

/* NULL on ENOMEM. */
struct role_models *role_models__new(size_t model_sz, void (*init)(void *model),
				     void (*fini)(void *model));
/* Frees every model, their names and @rm; NULL-safe. */
void role_models__free(struct role_models *rm);
/*
 * The model of role @name; when the role has none and @create is set, a
 * new one. Without @create, an unknown name NAME-X falls back to the
 * role NAME (then to a shorter one for NAME-X-Y ...): replicas named
 * web-a, web-b are judged as the trained role web. NULL when no role
 * matches (without @create) or out of memory.
 */
void *role_models__get(struct role_models *rm, const char *name, bool create);
/* Roles held (0 for NULL). */
size_t role_models__cnt(const struct role_models *rm);
/* The @i-th role's name and model in name order, i < role_models__cnt(). */
const char *role_models__name(const struct role_models *rm, size_t i);
void *role_models__model(const struct role_models *rm, size_t i);

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
