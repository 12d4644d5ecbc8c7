// SPDX-License-Identifier: MIT
/*
 * util_spawn(): the child's three streams as asked (an fd, /dev/null, or
 * the caller's), a missing program refused with no child, bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util/spawn.h"

/* Everything @fd gives until EOF, as a string. */
static void read_all(int fd, char *buf, size_t sz)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < sz && (n = read(fd, buf + len, sz - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
}

static int wait_exit(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* stdout and stderr to pipes of their own; stdin /dev/null (cat ends). */
static void test_streams(void **st)
{
	const char *const argv[] = {
		"sh", "-c", "cat; echo out; echo err >&2; exit 3", NULL};
	int po[2], pe[2];
	char out[64], err[64];
	pid_t pid;

	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	assert_int_equal(util_spawn(argv, UTIL_SPAWN_NULL, po[1], pe[1], &pid),
			 0);
	close(po[1]);
	close(pe[1]);
	read_all(po[0], out, sizeof(out));
	read_all(pe[0], err, sizeof(err));
	close(po[0]);
	close(pe[0]);
	assert_int_equal(wait_exit(pid), 3);
	assert_string_equal(out, "out\n");
	assert_string_equal(err, "err\n");
}

/* stdin from an fd; stdout to /dev/null leaves the pipe empty. */
static void test_stdin_and_null(void **st)
{
	const char *const argv[] = {
		"sh", "-c", "read x; echo \"$x\"; echo \"$x\" >&2", NULL};
	int pi[2], pe[2];
	char err[64];
	pid_t pid;

	assert_int_equal(pipe2(pi, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	assert_int_equal(write(pi[1], "hello\n", 6), 6);
	close(pi[1]);
	assert_int_equal(util_spawn(argv, pi[0], UTIL_SPAWN_NULL, pe[1], &pid),
			 0);
	close(pi[0]);
	close(pe[1]);
	read_all(pe[0], err, sizeof(err));
	close(pe[0]);
	assert_int_equal(wait_exit(pid), 0);
	assert_string_equal(err, "hello\n");
}

static void test_refused(void **st)
{
	const char *const missing[] = {"cadet-no-such-program-xyz", NULL};
	const char *const empty[] = {NULL};
	pid_t pid = 0;

	assert_int_equal(util_spawn(missing, UTIL_SPAWN_NULL, UTIL_SPAWN_NULL,
				    UTIL_SPAWN_NULL, &pid),
			 -ENOENT);
	assert_int_equal(util_spawn(empty, UTIL_SPAWN_NULL, UTIL_SPAWN_NULL,
				    UTIL_SPAWN_NULL, &pid),
			 -EINVAL);
	assert_int_equal(
		util_spawn(missing, -5, UTIL_SPAWN_NULL, UTIL_SPAWN_NULL, &pid),
		-EBADF);
	/* No child was started by any of them. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_stdin_and_null),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
