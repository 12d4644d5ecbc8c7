// SPDX-License-Identifier: MIT
/*
 * Golden file: tests/fixtures/golden-v1.cadet was written once by this
 * program (`test_trace_golden --generate DIR`) and is committed with its
 * expected `cadet dump --json` output. Reading it must keep giving that
 * output, so a change that breaks files already recorded fails here.
 * Fields added later (appended, zero for old files) are allowed: every
 * key of the expected lines must be present with the same value.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cadet/trace.h"
#include "lib/trace/trace_print.h"
#include "tests/unit/trace_samples.h"

#define FIXTURES "tests/fixtures"
#define GOLDEN FIXTURES "/golden-v1.cadet"
#define GOLDEN_JSON FIXTURES "/golden-v1.dump.jsonl"
#define GOLDEN_TEXT FIXTURES "/golden-v1.dump.txt"

/* Two records of every type over 3 s, small chunks: several of them. */
static int generate_trace(const char *path)
{
	struct cadet_writer_opts o = {
		.sz = sizeof(o), .chunk_bytes = 2048, .level = 19};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = NULL;
	int err = -ENOMEM;

	if (!b)
		goto cleanup;
	w = cadet_writer__create(path, sample_header(b), &o);
	if (!w) {
		err = -errno;
		goto cleanup;
	}
	/* Container table first, as the recorder writes it. */
	for (unsigned int i = 0; i < 3; i++) {
		struct cadet_rec *rec =
			sample_rec(b, CADET_REC_CONTAINER, i, 1000000000);

		rec->cgroup_id = SAMPLE_CGROUP + i;
		err = cadet_writer__add(w, rec);
		if (err)
			goto cleanup;
	}
	for (unsigned int i = 0; i < 2 * SAMPLE_NTYPES; i++) {
		struct cadet_rec *rec =
			sample_rec(b, sample_types[i % SAMPLE_NTYPES], i,
				   1000000000 + i * 65000000ull);

		err = cadet_writer__add(w, rec);
		if (err)
			goto cleanup;
	}
	err = cadet_writer__close(w);
	w = NULL;
cleanup:
	cadet_writer__free(w);
	cadet_recbuf__free(b);
	return err;
}

/* The dump of @path (JSON or text) as one malloc'd string. */
static char *dump(const char *path, bool json)
{
	struct cadet_reader *r = cadet_reader__open(path, NULL);
	const struct cadet_rec *rec;
	struct trace_printer *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!r)
		return NULL;
	f = open_memstream(&buf, &len);
	p = trace_printer__new(f, r, json);
	while (p && cadet_reader__next(r, &rec) > 0) {
		trace_printer__observe(p, rec);
		trace_printer__print(p, rec);
	}
	trace_printer__free(p);
	fclose(f);
	cadet_reader__free(r);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(s, f);
	return fclose(f) ? -errno : 0;
}

/* Every key of each expected line equals the actual line's. */
static void assert_json_lines_cover(const char *expected, const char *actual)
{
	const char *e = expected, *a = actual;
	size_t line = 0;

	while (*e) {
		const char *ee = strchr(e, '\n'), *ae = strchr(a, '\n');
		json_t *je, *ja, *v;
		json_error_t jerr;
		const char *key;

		line++;
		assert_non_null(ee);
		if (!ae)
			fail_msg("line %zu: missing in the dump", line);
		je = json_loadb(e, ee - e, 0, &jerr);
		ja = json_loadb(a, ae - a, 0, &jerr);
		if (!je || !ja)
			fail_msg("line %zu: not JSON: %s", line, jerr.text);
		json_object_foreach(je, key, v)
		{
			if (!json_equal(v, json_object_get(ja, key)))
				fail_msg(
					"line %zu: field %s differs:\nwant %.*s\ngot  %.*s",
					line, key, (int)(ee - e), e,
					(int)(ae - a), a);
		}
		json_decref(je);
		json_decref(ja);
		e = ee + 1;
		a = ae + 1;
	}
	if (*a)
		fail_msg("the dump has more lines than the %zu expected", line);
}

static void test_golden_json(void **state)
{
	char *want = slurp(GOLDEN_JSON), *got = dump(GOLDEN, true);

	assert_non_null(want);
	assert_non_null(got);
	assert_json_lines_cover(want, got);
	free(want);
	free(got);
}

static void test_golden_text(void **state)
{
	char *want = slurp(GOLDEN_TEXT), *got = dump(GOLDEN, false);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static void test_golden_sound(void **state)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	struct cadet_reader *r;

	assert_int_equal(cadet_trace_check(GOLDEN, &rep), 0);
	assert_true(rep.chunks_ok > 1);
	r = cadet_reader__open(GOLDEN, NULL);
	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	cadet_reader__free(r);
}

/* Today's writer and reader give the same records as the old file. */
static void test_golden_rewrite(void **state)
{
	char path[] = "/tmp/cadet-golden.XXXXXX";
	char *want, *got;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(generate_trace(path), 0);
	want = slurp(GOLDEN_JSON);
	got = dump(path, true);
	unlink(path);
	assert_non_null(want);
	assert_non_null(got);
	assert_json_lines_cover(want, got);
	free(want);
	free(got);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_sound),
		cmocka_unit_test(test_golden_json),
		cmocka_unit_test(test_golden_text),
		cmocka_unit_test(test_golden_rewrite),
	};

	if (argc == 2 && !strcmp(argv[1], "--generate")) {
		char *s;
		int err = generate_trace(GOLDEN);

		if (err) {
			fprintf(stderr, "%s: %s\n", GOLDEN, strerror(-err));
			return 1;
		}
		s = dump(GOLDEN, true);
		err = s ? write_str(GOLDEN_JSON, s) : -EIO;
		free(s);
		s = dump(GOLDEN, false);
		if (!err)
			err = s ? write_str(GOLDEN_TEXT, s) : -EIO;
		free(s);
		if (err) {
			fprintf(stderr, "writing expected output: %s\n",
				strerror(-err));
			return 1;
		}
		printf("wrote %s, %s and %s\n", GOLDEN, GOLDEN_JSON,
		       GOLDEN_TEXT);
		return 0;
	}
	if (access(GOLDEN, R_OK)) {
		fprintf(stderr, "%s: %s (run from the source tree root)\n",
			GOLDEN, strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
