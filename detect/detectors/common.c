// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the built-in detectors; see detectors.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "lib/util/bsearch.h"
#include "lib/util/vec.h"

/* ---- map ---- */

static int map_before(const void *elem, const void *key)
{
	return ((const struct det_map_ent *)elem)->key < *(const uint64_t *)key;
}

/* Index of the first entry with key >= @key. */
static size_t map_lower(const struct det_map *m, uint64_t key)
{
	return lower_bound(m->v, m->n, sizeof(*m->v), &key, map_before);
}

void *det_map_get(const struct det_map *m, uint64_t key)
{
	size_t i = map_lower(m, key);

	return i < m->n && m->v[i].key == key ? m->v[i].val : NULL;
}

int det_map_put(struct det_map *m, uint64_t key, void *val)
{
	size_t i = map_lower(m, key);

	if (i < m->n && m->v[i].key == key) {
		m->v[i].val = val;
		return 0;
	}
	if (vec_reserve(&m->v, &m->cap, m->n + 1, sizeof(*m->v)))
		return -ENOMEM;
	memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(m->v[0]));
	m->v[i].key = key;
	m->v[i].val = val;
	m->n++;
	return 0;
}

void *det_map_del(struct det_map *m, uint64_t key)
{
	size_t i = map_lower(m, key);
	void *val;

	if (i >= m->n || m->v[i].key != key)
		return NULL;
	val = m->v[i].val;
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(m->v[0]));
	m->n--;
	return val;
}

void det_map_clear(struct det_map *m, void (*free_fn)(void *))
{
	if (free_fn)
		for (size_t i = 0; i < m->n; i++)
			free_fn(m->v[i].val);
	m->n = 0;
}

void det_map_release(struct det_map *m, void (*free_fn)(void *))
{
	det_map_clear(m, free_fn);
	free(m->v);
	m->v = NULL;
	m->cap = 0;
}

void *det_cont_get(struct det_map *m, uint64_t cg, const char *name,
		   size_t size, void (*free_fn)(void *), bool *created)
{
	void *c = det_map_get(m, cg);
	char **c_name;

	if (created)
		*created = false;
	if (c)
		return c;
	c = calloc(1, size);
	if (!c)
		return NULL;
	c_name = c; /* the first member */
	*c_name = strdup(name ? name : "");
	if (!*c_name || det_map_put(m, cg, c)) {
		free_fn(c);
		return NULL;
	}
	if (created)
		*created = true;
	return c;
}

int det_cont_rename(void *c, const char *name)
{
	char **c_name = c; /* the first member */
	char *copy;

	if (!name || !strcmp(*c_name, name))
		return 0;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(*c_name);
	*c_name = copy;
	return 0;
}

void det_cont_free(void *c)
{
	char **c_name = c;

	if (!c)
		return;
	free(*c_name);
	free(c);
}

/* ---- parameters ---- */

int det_params_check(const struct cadet_host *h, const char *det,
		     const struct cadet_param *p, size_t n,
		     const char *const *known)
{
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!p[i].key)
			continue;
		for (k = 0; known[k]; k++)
			if (!strcmp(known[k], p[i].key))
				break;
		if (!known[k]) {
			det_log(h,
				"%s: unknown parameter '%s'; see "
				"--list-detectors for the parameters it "
				"takes",
				det, p[i].key);
			return -EINVAL;
		}
	}
	return 0;
}

int det_param_double(const struct cadet_host *h, const char *det,
		     const struct cadet_param *p, size_t n, const char *key,
		     double def, double min, double max, double *out)
{
	const char *s = cadet_param_get(p, n, key, NULL);
	char *end;
	double v;

	if (!s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max) {
		det_log(h, "%s: %s=%s: expected a number in [%g, %g]", det, key,
			s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int det_param_u64(const struct cadet_host *h, const char *det,
		  const struct cadet_param *p, size_t n, const char *key,
		  uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = cadet_param_get(p, n, key, NULL);
	unsigned long long v;
	char *end;

	if (!s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		det_log(h, "%s: %s=%s: expected an integer in [%llu, %llu]",
			det, key, s, (unsigned long long)min,
			(unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int det_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"ns", 1},   {"us", 1e3},   {"ms", 1e6}, {"s", 1e9},
		{"m", 60e9}, {"h", 3600e9}, {"", 1e9},
	};
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		v *= units[i].mult;
		if (v > 1e18)
			return -ERANGE;
		*ns = (uint64_t)llround(v);
		return 0;
	}
	return -EINVAL;
}

int det_param_duration(const struct cadet_host *h, const char *det,
		       const struct cadet_param *p, size_t n, const char *key,
		       uint64_t def, uint64_t *out)
{
	const char *s = cadet_param_get(p, n, key, NULL);

	if (!s) {
		*out = def;
		return 0;
	}
	if (det_parse_duration(s, out) || !*out) {
		det_log(h,
			"%s: %s=%s: expected a positive duration such as "
			"60s, 500ms or 2m",
			det, key, s);
		return -EINVAL;
	}
	return 0;
}

/* ---- per-role models ---- */

struct role_model_ent {
	char *name; /* first: role_before() reads it */
	void *model;
};

struct role_models {
	struct role_model_ent *v; /* sorted by name, names unique */
	size_t n;
	size_t cap;
	size_t model_sz;
	void (*init)(void *model);
	void (*fini)(void *model);
};

struct role_models *role_models__new(size_t model_sz, void (*init)(void *model),
				     void (*fini)(void *model))
{
	struct role_models *rm = calloc(1, sizeof(*rm));

	if (!rm)
		return NULL;
	rm->model_sz = model_sz;
	rm->init = init;
	rm->fini = fini;
	return rm;
}

void role_models__free(struct role_models *rm)
{
	if (!rm)
		return;
	for (size_t i = 0; i < rm->n; i++) {
		if (rm->fini)
			rm->fini(rm->v[i].model);
		free(rm->v[i].model);
		free(rm->v[i].name);
	}
	free(rm->v);
	free(rm);
}

/* A role name to look up: its first @len bytes (no NUL needed there). */
struct role_key {
	const char *name;
	size_t len;
};

static int role_before(const void *elem, const void *key)
{
	const struct role_key *k = key;

	/* Equal over len bytes means at least as long: not before. */
	return strncmp(*(char *const *)elem, k->name, k->len) < 0;
}

/* Index of role @name[0, @len) or of where it would go; *@found says. */
static size_t role_lower(const struct role_models *rm, const char *name,
			 size_t len, bool *found)
{
	struct role_key k = {name, len};
	/* Names are unique: the first name >= the key is the key if held. */
	size_t i = lower_bound(rm->v, rm->n, sizeof(*rm->v), &k, role_before);

	*found = i < rm->n && !strncmp(rm->v[i].name, name, len) &&
		 !rm->v[i].name[len];
	return i;
}

void *role_models__get(struct role_models *rm, const char *name, bool create)
{
	size_t len = strlen(name), i;
	struct role_model_ent e;
	bool found;

	i = role_lower(rm, name, len, &found);
	if (found)
		return rm->v[i].model;
	if (!create) {
		/*
		 * Replicas of a role are named NAME-X (web-a, web-b in the
		 * fleet run) while the training runs had one NAME: strip
		 * "-suffix" parts from the right until a trained role
		 * matches. An exact name always wins over a stripped one.
		 */
		const char *dash;

		while ((dash = memrchr(name, '-', len)) && dash != name) {
			len = (size_t)(dash - name);
			i = role_lower(rm, name, len, &found);
			if (found)
				return rm->v[i].model;
		}
		return NULL;
	}
	if (vec_reserve(&rm->v, &rm->cap, rm->n + 1, sizeof(*rm->v)))
		return NULL;
	e.name = strdup(name);
	e.model = calloc(1, rm->model_sz);
	if (!e.name || !e.model) {
		free(e.name);
		free(e.model);
		return NULL;
	}
	if (rm->init)
		rm->init(e.model);
	memmove(&rm->v[i + 1], &rm->v[i], (rm->n - i) * sizeof(*rm->v));
	rm->v[i] = e;
	rm->n++;
	return e.model;
}

size_t role_models__cnt(const struct role_models *rm)
{
	return rm ? rm->n : 0;
}

const char *role_models__name(const struct role_models *rm, size_t i)
{
	return rm->v[i].name;
}

void *role_models__model(const struct role_models *rm, size_t i)
{
	return rm->v[i].model;
}

/* ---- PRNG: xoshiro256** of lib/util/rng.h ---- */

void det_rng_seed(struct det_rng *r, uint64_t seed)
{
	util_xoshiro_seed(&r->x, seed);
}

uint64_t det_rng_next(struct det_rng *r)
{
	return util_xoshiro_next(&r->x);
}

double det_rng_double(struct det_rng *r)
{
	return util_u64_to_unit(util_xoshiro_next(&r->x));
}

uint64_t det_rng_below(struct det_rng *r, uint64_t n)
{
	return util_xoshiro_below(&r->x, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double det_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
