// SPDX-License-Identifier: MIT
/*
 * The holders the built-in detectors share (detect/detectors/common.c):
 * models per role come back in name order whatever the order they were
 * made in, are set up once and released once; a replica NAME-X is
 * judged as the trained role NAME; a container's state is renamed only
 * when its description names it otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"

struct model {
	int inits;
	int *finis; /* counts the fini calls of every model */
};

static int finis;

static void model_init(void *p)
{
	struct model *m = p;

	m->inits++;
	m->finis = &finis;
}

static void model_fini(void *p)
{
	struct model *m = p;

	(*m->finis)++;
}

static void test_role_models(void **unused)
{
	static const char *const made[] = {"web", "db", "batch", "cache"};
	static const char *const sorted[] = {"batch", "cache", "db", "web"};
	struct role_models *rm =
		role_models__new(sizeof(struct model), model_init, model_fini);
	struct model *web;

	assert_non_null(rm);
	assert_int_equal(role_models__cnt(rm), 0);
	assert_null(role_models__get(rm, "web", false));
	assert_int_equal(role_models__cnt(rm), 0);
	for (size_t i = 0; i < 4; i++)
		assert_non_null(role_models__get(rm, made[i], true));
	/* An existing role is found, not made again. */
	web = role_models__get(rm, "web", true);
	assert_ptr_equal(role_models__get(rm, "web", false), web);
	assert_int_equal(web->inits, 1);
	assert_int_equal(role_models__cnt(rm), 4);
	for (size_t i = 0; i < 4; i++) {
		const struct model *m = role_models__model(rm, i);

		assert_string_equal(role_models__name(rm, i), sorted[i]);
		assert_ptr_equal(m, role_models__get(rm, sorted[i], false));
		assert_int_equal(m->inits, 1);
	}
	finis = 0;
	role_models__free(rm);
	assert_int_equal(finis, 4);
	role_models__free(NULL);
	assert_int_equal(role_models__cnt(NULL), 0);
}

/* Without callbacks a model is zeroed memory, freed by the holder. */
static void test_role_models_plain(void **unused)
{
	struct role_models *rm = role_models__new(sizeof(double), NULL, NULL);
	double *d;

	assert_non_null(rm);
	d = role_models__get(rm, "", true);
	assert_non_null(d);
	assert_true(*d == 0);
	assert_string_equal(role_models__name(rm, 0), "");
	role_models__free(rm);
}

/*
 * The fleet run names its replicas web-a, batch-b, ... while training had
 * web and batch: a lookup falls back from NAME-X to NAME, never creates
 * the replica's own role, and an exact name wins over the fallback.
 */
static void test_role_models_replica(void **unused)
{
	struct role_models *rm =
		role_models__new(sizeof(struct model), model_init, model_fini);
	struct model *web, *batch, *web_b, *db;

	assert_non_null(rm);
	web = role_models__get(rm, "web", true);
	batch = role_models__get(rm, "batch", true);
	db = role_models__get(rm, "db", true);
	assert_non_null(web);
	assert_non_null(batch);
	assert_non_null(db);
	assert_ptr_equal(role_models__get(rm, "web-a", false), web);
	assert_ptr_equal(role_models__get(rm, "batch-d", false), batch);
	/* Suffixes are stripped one by one from the right. */
	assert_ptr_equal(role_models__get(rm, "web-a-2", false), web);
	assert_int_equal(role_models__cnt(rm), 3);
	/* An exact role is preferred over the stripped one. */
	web_b = role_models__get(rm, "web-b", true);
	assert_ptr_not_equal(web_b, web);
	assert_ptr_equal(role_models__get(rm, "web-b", false), web_b);
	assert_ptr_equal(role_models__get(rm, "web-b-1", false), web_b);
	assert_ptr_equal(role_models__get(rm, "web-c", false), web);
	/* Only whole names match: not a prefix without its dash. */
	assert_null(role_models__get(rm, "webx", false));
	assert_null(role_models__get(rm, "we-b", false));
	assert_null(role_models__get(rm, "pyweb-d", false));
	assert_ptr_equal(role_models__get(rm, "db-c", false), db);
	/* No name before the dash, or no dash: no fallback. */
	assert_null(role_models__get(rm, "-web", false));
	assert_null(role_models__get(rm, "logger", false));
	assert_null(role_models__get(rm, "", false));
	/* Training makes the name it is given, never a stripped one. */
	assert_ptr_not_equal(role_models__get(rm, "db-x", true), db);
	assert_int_equal(role_models__cnt(rm), 5);
	finis = 0;
	role_models__free(rm);
	assert_int_equal(finis, 5);
}

struct cont {
	char *name; /* first: see det_cont_get() */
	int v;
};

static void test_cont(void **unused)
{
	struct det_map m = {0};
	struct cont *c;
	char *name;
	bool created;

	c = det_cont_get(&m, 7, NULL, sizeof(*c), det_cont_free, &created);
	assert_non_null(c);
	assert_true(created);
	assert_string_equal(c->name, "");
	assert_ptr_equal(
		det_cont_get(&m, 7, "web", sizeof(*c), det_cont_free, &created),
		c);
	assert_false(created);
	/* NULL or the same name: the state keeps its string. */
	name = c->name;
	assert_int_equal(det_cont_rename(c, NULL), 0);
	assert_ptr_equal(c->name, name);
	assert_int_equal(det_cont_rename(c, "web"), 0);
	assert_string_equal(c->name, "web");
	name = c->name;
	assert_int_equal(det_cont_rename(c, "web"), 0);
	assert_ptr_equal(c->name, name);
	det_map_release(&m, det_cont_free);
	det_cont_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_models),
		cmocka_unit_test(test_role_models_plain),
		cmocka_unit_test(test_role_models_replica),
		cmocka_unit_test(test_cont),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
