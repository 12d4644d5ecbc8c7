// SPDX-License-Identifier: MIT
/*
 * SHA-256 of a file (lib/util/sha256.c): the digest of known content, and
 * a missing file refused with its path and reason.
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

#include "lib/util/sha256.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_known_digests(void **state)
{
	char path[] = "/tmp/cadet-sha256-XXXXXX", hex[65], why[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	/* FIPS 180-2 example "abc", and the empty file. */
	write_file(path, "abc");
	assert_int_equal(util_sha256_file(path, hex, why, sizeof(why)), 0);
	assert_string_equal(
		hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	write_file(path, "");
	assert_int_equal(util_sha256_file(path, hex, why, sizeof(why)), 0);
	assert_string_equal(
		hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	unlink(path);
}

static void test_missing_file(void **state)
{
	char hex[65], why[256];

	assert_int_equal(
		util_sha256_file("/nonexistent/x.cadet", hex, why, sizeof(why)),
		-ENOENT);
	assert_non_null(strstr(why, "/nonexistent/x.cadet"));
	assert_non_null(strstr(why, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_digests),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
