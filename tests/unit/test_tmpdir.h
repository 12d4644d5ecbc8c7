/* SPDX-License-Identifier: MIT */
/*
 * A scratch folder per test program, made by the group setup and removed
 * with what is in it by the group teardown.
 *
 * HowTo: define TEST_TMPDIR_NAME (a name to tell the folder by in /tmp)
 * before including this header, pass tmpdir_setup and tmpdir_teardown to
 * cmocka_run_group_tests(), and name files in it with tpath("x.cadet").
 */
#ifndef CADET_TESTS_TEST_TMPDIR_H
#define CADET_TESTS_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

#ifndef TEST_TMPDIR_NAME
#error "define TEST_TMPDIR_NAME before including test_tmpdir.h"
#endif

static char tmpdir[] = "/tmp/" TEST_TMPDIR_NAME ".XXXXXX";

/* tmpdir/@name; the last 16 results stay valid (a test uses a few at once). */
static inline char *tpath(const char *name)
{
	static char buf[16][600];
	static unsigned int n;
	char *p = buf[n++ % 16];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static inline int tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_teardown(void **state)
{
	char cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif /* CADET_TESTS_TEST_TMPDIR_H */
