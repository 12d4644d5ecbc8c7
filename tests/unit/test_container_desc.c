// SPDX-License-Identifier: MIT
/*
 * det_container_desc(): what a detector's on_container() is told about a
 * container record, the same in the host and in an isolated plugin's
 * child: its strings, and a runtime that fills all 16 bytes of the record
 * still ends in a NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "detect/container_desc.h"

static void put(struct cadet_recbuf *b, size_t off, const char *s)
{
	assert_int_equal(cadet_recbuf__put_str(b, off, s, strlen(s)), 0);
}

static struct cadet_recbuf *container(const char *runtime, size_t rtlen)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_container *c;

	assert_non_null(b);
	c = cadet_recbuf__start(b, CADET_REC_CONTAINER_ADD, sizeof(*c));
	assert_non_null(c);
	c->h.ts = 5;
	c->h.cgroup_id = 42;
	memcpy(c->runtime, runtime, rtlen);
	put(b, offsetof(struct cadet_rec_container, id), "0123abcd");
	put(b, offsetof(struct cadet_rec_container, name), "web");
	put(b, offsetof(struct cadet_rec_container, cgroup_path),
	    "/system.slice/web");
	return b;
}

static void test_fields(void **st)
{
	struct cadet_recbuf *b = container("runc", 5);
	struct cadet_container_desc cd;
	char runtime[DET_RUNTIME_LEN];

	det_container_desc(cadet_recbuf__rec(b), &cd, runtime);
	assert_int_equal(cd.sz, sizeof(cd));
	assert_int_equal(cd.cgroup_id, 42);
	assert_string_equal(cd.id, "0123abcd");
	assert_string_equal(cd.name, "web");
	assert_string_equal(cd.cgroup_path, "/system.slice/web");
	assert_ptr_equal(cd.runtime, runtime);
	assert_string_equal(cd.runtime, "runc");
	cadet_recbuf__free(b);
}

static void test_full_runtime(void **st)
{
	struct cadet_recbuf *b = container("abcdefghijklmnop", 16);
	struct cadet_container_desc cd;
	char runtime[DET_RUNTIME_LEN];

	memset(runtime, 'x', sizeof(runtime));
	det_container_desc(cadet_recbuf__rec(b), &cd, runtime);
	assert_string_equal(cd.runtime, "abcdefghijklmnop");
	cadet_recbuf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_full_runtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
