// SPDX-License-Identifier: MIT
/*
 * qsort(NULL, 0, ...) is undefined behaviour (glibc declares the base
 * nonnull; UBSan reports it). The replayer sorts per-trace container
 * tables and result lists that may well be empty: replay a trace without
 * a single container record and check that no qsort() got a NULL base.
 * This binary interposes qsort() to see every call, with or without a
 * sanitizer build.
 *
 * Needs the test plugins: make build/tests/plugins/good.so (BUILD= names
 * another build directory).
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "replayer/replay.h"

#define NS 1000000000ull

static char tmpdir[] = "/tmp/cadet-test-qsort.XXXXXX";
static unsigned int null_qsorts;

typedef void (*qsort_fn)(void *, size_t, size_t,
			 int (*)(const void *, const void *));

/* Every qsort() of this program (libcadet.a's included) comes here. */
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	static qsort_fn real;
	/* glibc declares @base nonnull: a plain test would be optimized out. */
	void *volatile seen = base;

	if (!seen) {
		null_qsorts++;
		return;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "qsort");
	real(base, n, size, cmp);
}

/* Header and EXEC records only: no CONTAINER record at all. */
static void write_trace(const char *path)
{
	struct cadet_writer_opts wo = {.sz = sizeof(wo)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_header *h;
	struct cadet_rec_exec *e;
	struct cadet_writer *w;

	assert_non_null(b);
	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	h->h.ts = 5 * NS;
	h->clock_id = 1;
	h->start_ts = 5 * NS;
	h->interval_ns = NS;
	w = cadet_writer__create(path, cadet_recbuf__rec(b), &wo);
	assert_non_null(w);
	for (int i = 0; i < 20; i++) {
		e = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*e));
		e->h.ts = 5 * NS + i * (NS / 4);
		e->h.cgroup_id = 77;
		cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, filename),
				      "/bin/true", 9);
		assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

static void test_no_container_trace(void **state)
{
	struct replay_opts o = {.sz = sizeof(o), .seed = 1, .quiet = true};
	const char *b = getenv("BUILD");
	char trace[256], det[512];
	struct replay *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(trace, sizeof(trace), "%s/noctr.cadet", tmpdir);
	snprintf(det, sizeof(det), "%s/tests/plugins/good.so",
		 b && *b ? b : "build");
	if (access(det, R_OK)) {
		print_message("SKIP: %s not built\n", det);
		skip();
	}
	write_trace(trace);
	r = replay__new(&o);
	assert_non_null(r);
	assert_int_equal(replay__add_trace(r, CADET_PHASE_TEST, trace), 0);
	assert_int_equal(replay__add_detector(r, det), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	null_qsorts = 0;
	assert_int_equal(replay__run(r, f), 0);
	fclose(f);
	/* The run itself is whole: a header and no scores (no container). */
	assert_non_null(strstr(buf, "\"type\":\"header\""));
	assert_int_equal(null_qsorts, 0);
	free(buf);
	replay__free(r);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_container_trace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
