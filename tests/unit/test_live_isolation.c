// SPDX-License-Identifier: MIT
/*
 * Live mode isolates .so plugins through the same hosting as replay: a
 * plugin that segfaults in on_event, or hangs, is disabled with a message
 * naming it and the signal, and the detector beside it raises the same
 * alerts as alone. The records come from the golden trace, fed
 * as the recorder would (live__on_record), without BPF.
 *
 * Needs the test plugins: make build/tests/plugins/crash_event.so (BUILD=
 * names another build directory).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "live/live.h"

#define GOLDEN "tests/fixtures/golden-v1.cadet"

static char tmpdir[] = "/tmp/cadet-test-live-iso.XXXXXX";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return strdup("");
	if (getdelim(&buf, &n, 0, f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * Runs live mode over the golden trace with @dets; returns the alert
 * lines written and stderr (both to free).
 */
static void run_live(const char **dets, int timeout_s, const char *tag,
		     char **alerts, char **err)
{
	char apath[256], epath[256];
	struct live_opts o = {
		.sz = sizeof(o),
		.detectors = dets,
		.alerts_path = apath,
		.trace_name = "live",
		.detector_timeout_s = timeout_s,
	};
	const struct cadet_rec *rec;
	struct cadet_reader *rd;
	struct live *l;
	int saved, fd;

	snprintf(apath, sizeof(apath), "%s/%s.alerts", tmpdir, tag);
	snprintf(epath, sizeof(epath), "%s/%s.err", tmpdir, tag);
	fflush(stderr);
	saved = dup(2);
	fd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
	/* No assertion while stderr is redirected: cmocka reports there. */
	l = live__new(&o);
	rd = l ? cadet_reader__open(GOLDEN, NULL) : NULL;
	while (rd && cadet_reader__next(rd, &rec) > 0)
		live__on_record(rec, l);
	cadet_reader__free(rd);
	live__finish(l);
	live__free(l);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (!l || !rd)
		print_message("live mode did not start: %s\n", slurp(epath));
	assert_non_null(l);
	assert_non_null(rd);
	*alerts = slurp(apath);
	*err = slurp(epath);
}

static void check_fault(const char *plugin, int timeout_s, const char *want)
{
	char so[512], good[512], msg[700], tag[300];
	const char *alone[] = {good, NULL};
	const char *both[] = {good, so, NULL};
	char *a1, *e1, *a2, *e2;
	const char *b = getenv("BUILD");

	b = b && *b ? b : "build";
	snprintf(so, sizeof(so), "%s/tests/plugins/%s.so", b, plugin);
	/* Built-ins are not linked into unit tests: good.so, with a fixed
	 * threshold so that live mode alerts. */
	snprintf(good, sizeof(good), "%s/tests/plugins/good.so:threshold=1",
		 b);
	if (access(so, R_OK)) {
		print_message("SKIP: %s not built\n", so);
		skip();
	}
	/* Distinct names: live mode appends to its alerts file. */
	snprintf(tag, sizeof(tag), "%s-alone", plugin);
	run_live(alone, timeout_s, tag, &a1, &e1);
	run_live(both, timeout_s, plugin, &a2, &e2);
	snprintf(msg, sizeof(msg), "detector %s: disabled: %s", so, want);
	if (!strstr(e2, msg))
		print_message("stderr: %s\nwant: %s\n", e2, msg);
	assert_non_null(strstr(e2, msg));
	/* good.so alone and beside the dead plugin: the same alerts. */
	assert_true(count_lines(a1) > 0);
	assert_int_equal(count_lines(a1), count_lines(a2));
	free(a1);
	free(e1);
	free(a2);
	free(e2);
}

static void test_live_segv(void **state)
{
	check_fault("crash_event", 0,
		    "killed by SIGSEGV (Segmentation fault) in on_event");
}

static void test_live_hang(void **state)
{
	check_fault("hang_event", 1, "no answer in 1 s in on_event");
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
		cmocka_unit_test(test_live_segv),
		cmocka_unit_test(test_live_hang),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
