// SPDX-License-Identifier: MIT
/*
 * The payload of each anomaly (injector/payload.h): its argv carries
 * the duration the run's plan drew (`duration = A-B`), and its window
 * comes from its own start/end lines when it printed them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "injector/payload.h"
#include "injector/scenario.h"

static const char two_anomalies[] = "[scenario]\n"
				    "name = two\n"
				    "description = d\n"
				    "category = resource\n"
				    "duration = 120\n"
				    "[container a]\n"
				    "command = sleep infinity\n"
				    "[container b]\n"
				    "command = sleep infinity\n"
				    "[anomaly leak]\n"
				    "type = mem_leak\n"
				    "target = a b\n"
				    "start = 10-20\n"
				    "duration = 5-40\n"
				    "rate = 4M\n"
				    "max = 64M\n"
				    "[anomaly shell]\n"
				    "type = command\n"
				    "target = b\n"
				    "start = 50\n"
				    "duration = 7\n"
				    "command = id; sleep 3\n";

static struct scenario *load_two(void)
{
	char err[4096];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = err, .errbuf_sz = sizeof(err)};
	struct scenario *s =
		scenario__load_mem(two_anomalies, strlen(two_anomalies), &o);

	if (!s)
		fail_msg("%s", err);
	return s;
}

static size_t argc_of(char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	return n;
}

static void test_argv_planned_duration(void **state)
{
	struct scenario *s = load_two();
	struct scenario_plan plan;
	bool short_one = false, long_one = false;
	char **argv, want[64];

	assert_int_equal(s->nanomalies, 2);
	for (uint64_t seed = 1; seed <= 30; seed++) {
		scenario__plan(s, seed, &plan);
		assert_int_equal(payload_argv(&s->anomalies[0],
					      plan.durations_ms[0], "/opt/pl",
					      &argv, false),
				 0);
		assert_int_equal(argc_of(argv), 4);
		assert_string_equal(argv[0], "/opt/pl/mem_leak");
		/* The drawn duration, not the longest of the range. */
		snprintf(want, sizeof(want), "--duration=%llu",
			 (unsigned long long)(plan.durations_ms[0] / 1000));
		assert_string_equal(argv[1], want);
		assert_string_equal(argv[2], "--rate=4M");
		assert_string_equal(argv[3], "--max=64M");
		short_one |= plan.durations_ms[0] < 20000;
		long_one |= plan.durations_ms[0] > 25000;
		payload_argv_free(argv);
	}
	assert_true(short_one && long_one);

	/* In the container the binaries are at PAYLOAD_DIR_IN_CONTAINER. */
	assert_int_equal(
		payload_argv(&s->anomalies[0], 9000, "/opt/pl", &argv, true),
		0);
	assert_string_equal(argv[0], PAYLOAD_DIR_IN_CONTAINER "/mem_leak");
	assert_string_equal(argv[1], "--duration=9");
	payload_argv_free(argv);

	/* type = command: the command under /bin/sh -c, nothing added. */
	assert_int_equal(
		payload_argv(&s->anomalies[1], 7000, "/opt/pl", &argv, true),
		0);
	assert_int_equal(argc_of(argv), 3);
	assert_string_equal(argv[0], "/bin/sh");
	assert_string_equal(argv[1], "-c");
	assert_string_equal(argv[2], "id; sleep 3");
	payload_argv_free(argv);
	scenario__free(s);
}

/*
 * A command learns its drawn duration, the run's seed and its intensity
 * keys from the environment (it has no --duration to parse); a payload
 * gets none.
 */
static void test_command_env(void **state)
{
	static const char text[] =
		"[scenario]\n"
		"name = ho\n"
		"description = d\n"
		"category = resource\n"
		"duration = 60\n"
		"[container a]\n"
		"command = sleep infinity\n"
		"[anomaly]\n"
		"type = command\n"
		"class = mem_leak\n"
		"target = a\n"
		"start = 10\n"
		"duration = 15-25\n"
		"intensity = 0.25\n"
		"rate = 4M\n"
		"max_total = 64M\n"
		"command = timeout -s KILL \"$CADET_DURATION\" "
		"sleep 100\n";
	char err[4096];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = err, .errbuf_sz = sizeof(err)};
	struct scenario *s = scenario__load_mem(text, strlen(text), &o);
	struct scenario *two = load_two();
	char *not_set[1], **env;

	if (!s)
		fail_msg("%s", err);
	assert_int_equal(payload_env(s->anomaly, 17400, 4001, &env), 0);
	assert_non_null(env);
	assert_int_equal(argc_of(env), 5);
	/* whole seconds, as the plan drew them */
	assert_string_equal(env[0], "CADET_DURATION=17");
	assert_string_equal(env[1], "CADET_INTENSITY=0.25");
	assert_string_equal(env[2], "CADET_RATE=4M");
	assert_string_equal(env[3], "CADET_MAX_TOTAL=64M");
	assert_string_equal(env[4], "CADET_SEED=4001");
	payload_argv_free(env);
	scenario__free(s);

	/* A payload takes its keys as arguments: no environment. */
	env = not_set;
	assert_int_equal(payload_env(&two->anomalies[0], 9000, 1, &env), 0);
	assert_null(env);
	/* The fleet's command anomaly has no keys: the three of every run. */
	assert_int_equal(payload_env(&two->anomalies[1], 7000, 3, &env), 0);
	assert_int_equal(argc_of(env), 3);
	assert_string_equal(env[0], "CADET_DURATION=7");
	assert_string_equal(env[1], "CADET_INTENSITY=1");
	assert_string_equal(env[2], "CADET_SEED=3");
	payload_argv_free(env);
	scenario__free(two);
}

static void test_window(void **state)
{
	struct payload_run p = {.t_start = 1000, .t_end = 9000};
	uint64_t start, end;
	bool from_payload;

	/* No lines: the runner's own times. */
	payload_window(&p, &start, &end, &from_payload);
	assert_false(from_payload);
	assert_int_equal(start, 1000);
	assert_int_equal(end, 9000);

	/* Both lines, among other output. */
	p.out = "hello\ncadet-payload start 2000\nx\ncadet-payload end 7000\n";
	payload_window(&p, &start, &end, &from_payload);
	assert_true(from_payload);
	assert_int_equal(start, 2000);
	assert_int_equal(end, 7000);

	/* Killed before its end line: it ended when it died. */
	p.out = "cadet-payload start 2500\n";
	payload_window(&p, &start, &end, &from_payload);
	assert_true(from_payload);
	assert_int_equal(start, 2500);
	assert_int_equal(end, 9000);

	/* An end before the start is no window of negative length. */
	p.out = "cadet-payload start 8000\ncadet-payload end 3000\n";
	payload_window(&p, &start, &end, &from_payload);
	assert_int_equal(start, 8000);
	assert_int_equal(end, 8000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_planned_duration),
		cmocka_unit_test(test_command_env),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
