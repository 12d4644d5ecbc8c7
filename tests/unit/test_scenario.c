// SPDX-License-Identifier: MIT
/*
 * Scenario parser, validation and the seeded plan.
 *
 * Malformed files live in tests/fixtures/scenarios/bad_*.ini; each says
 * in "; expect: TEXT" comment lines which messages it must produce, so a
 * new malformed case is a new file, not new code.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "injector/profile.h"
#include "injector/scenario.h"
#include "injector/workload.h"

#define FIXTURES "tests/fixtures/scenarios"

static char errbuf[16384];

static struct scenario *load(const char *name)
{
	char path[512];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = errbuf, .errbuf_sz = sizeof(errbuf)};

	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	return scenario__load(path, &o);
}

static struct scenario *load_str(const char *text)
{
	struct scenario_opts o = {.sz = sizeof(o),
				  .errbuf = errbuf,
				  .errbuf_sz = sizeof(errbuf),
				  .display_path = "mem.ini"};

	return scenario__load_mem(text, strlen(text), &o);
}

static void test_valid_catalogue_like(void **state)
{
	struct scenario *s = load("ok_memleak.ini");
	const struct scenario_anomaly *a;

	assert_non_null(s);
	assert_string_equal(s->name, "memleak");
	assert_string_equal(s->description,
			    "a batch worker leaks memory at a steady rate");
	assert_int_equal(s->category, SCENARIO_CAT_RESOURCE);
	assert_int_equal(s->duration, 60);
	assert_int_equal(s->seed, 3);

	assert_int_equal(s->ncontainers, 2);
	assert_string_equal(s->containers[0].name, "web");
	assert_string_equal(s->containers[0].command, "nginx -g 'daemon off;'");
	assert_int_equal(s->containers[0].nports, 1);
	assert_int_equal(s->containers[0].ports[0], 80);
	assert_int_equal(s->containers[0].memory, 128ull << 20);
	assert_true(s->containers[0].cpus == 0.5);
	assert_int_equal(s->containers[0].pids, 256);
	assert_null(s->containers[0].packages);
	assert_string_equal(s->containers[1].packages, "curl xz-utils");
	assert_int_equal(s->containers[1].memory, 512ull << 20);
	assert_int_equal(s->containers[1].pids, 128);
	assert_true(s->containers[1].cpus == 1.0);

	assert_int_equal(s->nworkloads, 3);
	assert_int_equal(s->workloads[0].type, SCENARIO_WL_HTTP);
	assert_int_equal(s->workloads[0].target, 0);
	assert_int_equal(s->workloads[0].connections, 8);
	assert_int_equal(s->workloads[0].threads, 2);
	assert_int_equal(s->workloads[0].port, 80);
	assert_int_equal(s->workloads[0].burst_s, 4);
	assert_int_equal(s->workloads[1].type, SCENARIO_WL_BATCH);
	assert_int_equal(s->workloads[1].target, 1);
	assert_true(s->workloads[1].period == 1.5);
	assert_int_equal(s->workloads[1].size, 2 << 20);
	assert_int_equal(s->workloads[2].type, SCENARIO_WL_LOG);
	assert_true(s->workloads[2].rate == 50);
	assert_true(s->workloads[2].period == 2);

	a = s->anomaly;
	assert_non_null(a);
	assert_string_equal(a->type, "mem_leak");
	assert_int_equal(a->target, 1);
	assert_int_equal(a->start_min, 10);
	assert_int_equal(a->start_max, 30);
	assert_int_equal(a->duration, 20);
	assert_true(a->intensity == 0.5);
	assert_null(a->command);
	/* Intensity keys in file order; intensity itself is not one. */
	assert_int_equal(a->nparams, 2);
	assert_string_equal(a->params[0].key, "rate");
	assert_string_equal(a->params[0].value, "8M");
	assert_string_equal(a->params[1].key, "max");
	assert_string_equal(a->params[1].value, "200M");
	scenario__free(s);
}

static void test_valid_normal_and_command(void **state)
{
	struct scenario *s = load("ok_normal.ini");

	assert_non_null(s);
	assert_null(s->anomaly);
	assert_int_equal(s->seed, 1);
	assert_int_equal(s->containers[0].nports, 2);
	/* http port defaults to the target's first port */
	assert_int_equal(s->workloads[0].port, 8080);
	assert_int_equal(s->workloads[0].connections, 4);
	assert_int_equal(s->workloads[0].threads, 1);
	scenario__free(s);

	s = load("interrupt.ini");
	assert_non_null(s);
	assert_string_equal(s->anomaly->type, "command");
	assert_string_equal(s->anomaly->command, "sleep 30");
	assert_int_equal(s->anomaly->start_min, 2);
	assert_int_equal(s->anomaly->start_max, 2);
	assert_int_equal(s->anomaly->nparams, 0);
	/* No class: the LABEL calls it a command. */
	assert_null(s->anomaly->class_name);
	assert_string_equal(scenario_anomaly_class(s->anomaly), "command");
	scenario__free(s);

	/* class = TYPE: a command standing for a catalogue type. */
	s = load_str(
		"[scenario]\nname = ho\ndescription = d\n"
		"category = resource\nduration = 60\n"
		"[container a]\ncommand = sleep 100\n"
		"[anomaly]\ntype = command\nclass = cpu_hog\ntarget = a\n"
		"start = 5\nduration = 10\n"
		"command = timeout \"$CADET_DURATION\" sha256sum /dev/zero\n"
		"busy = 0.3\n");
	if (!s)
		fail_msg("%s", errbuf);
	assert_string_equal(s->anomaly->type, "command");
	assert_string_equal(s->anomaly->class_name, "cpu_hog");
	assert_string_equal(scenario_anomaly_class(s->anomaly), "cpu_hog");
	/* class is no intensity key; busy is one (the command's CADET_BUSY) */
	assert_int_equal(s->anomaly->nparams, 1);
	assert_string_equal(s->anomaly->params[0].key, "busy");
	scenario__free(s);
}

/* Every bad_*.ini fixture fails with each of its "; expect:" messages. */
static void test_malformed_fixtures(void **state)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *de;
	int files = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], line[512];
		struct scenario *s;
		FILE *f;
		int expects = 0;

		if (strncmp(de->d_name, "bad_", 4))
			continue;
		s = load(de->d_name);
		if (s)
			fail_msg("%s parsed but must not", de->d_name);
		assert_int_equal(errno, EINVAL);
		snprintf(path, sizeof(path), FIXTURES "/%s", de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			char want[512];

			if (strncmp(line, "; expect: ", 10))
				continue;
			snprintf(want, sizeof(want), "%s", line + 10);
			want[strcspn(want, "\n")] = '\0';
			/* messages name the path as given */
			if (!strstr(errbuf, want))
				fail_msg("%s: expected message\n  %s\ngot:\n%s",
					 de->d_name, want, errbuf);
			expects++;
		}
		fclose(f);
		if (!expects)
			fail_msg("%s has no '; expect:' line", de->d_name);
		/* Every message is "path:line: ..." */
		for (char *l = errbuf; *l; l = strchr(l, '\n') + 1) {
			assert_true(!strncmp(l, FIXTURES "/bad_", 27));
			assert_non_null(strchr(l, '\n'));
		}
		files++;
	}
	closedir(d);
	assert_true(files >= 15);
}

static void test_memory_edge_cases(void **state)
{
	static const char base[] =
		"[scenario]\nname = x\ndescription = d\ncategory = network\n"
		"duration = 10\n[container a]\ncommand = true\n";
	char text[4096], big[2048];
	struct scenario *s;

	/* NUL inside the text */
	s = scenario__load_mem(
		"[scenario]\n\0name = x\n", 20,
		&(struct scenario_opts){.sz = sizeof(struct scenario_opts),
					.errbuf = errbuf,
					.errbuf_sz = sizeof(errbuf),
					.display_path = "nul.ini"});
	assert_null(s);
	assert_non_null(strstr(errbuf, "nul.ini:2: NUL byte"));

	/* empty file */
	s = load_str("");
	assert_null(s);
	assert_non_null(
		strstr(errbuf, "mem.ini:1: [scenario]: section missing"));

	/* a line longer than the parser takes is an error, not a split */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "%s[anomaly]\ntype = x%s\n", base, big);
	s = load_str(text);
	assert_null(s);
	assert_non_null(strstr(errbuf, "mem.ini:9: line too long"));

	/* CRLF line ends and a file without a final newline parse */
	s = load_str("[scenario]\r\nname = x\r\ndescription = d\r\n"
		     "category = network\r\nduration = 10\r\n"
		     "[container a]\r\ncommand = true");
	assert_non_null(s);
	assert_string_equal(s->containers[0].command, "true");
	scenario__free(s);

	/* scenario-level checks with minimal files */
	snprintf(text, sizeof(text),
		 "%s[anomaly]\ntype = cpu_hog\ntarget = a\nstart = 2-4\n"
		 "duration = 5\nthreads = 2\n",
		 base);
	s = load_str(text);
	assert_non_null(s);
	assert_int_equal(s->anomaly->nparams, 1);
	assert_true(s->anomaly->intensity == 1.0);
	scenario__free(s);
}

/*
 * Issue 10: the documented 1022-character line limit (inih's own buffer
 * is 200 bytes), a UTF-8 byte order mark, and a directory or missing
 * file instead of an INI file.
 */
static void test_file_robustness(void **state)
{
	static const char tail[] =
		"category = network\nduration = 10\n"
		"[container a]\ncommand = true\n";
	char text[4096], desc[1023];
	struct scenario *s;

	/* "description = " is 14 characters: the line is exactly 1022 */
	memset(desc, 'd', 1022 - 14);
	desc[1022 - 14] = '\0';
	snprintf(text, sizeof(text), "[scenario]\nname = x\ndescription = %s\n%s",
		 desc, tail);
	s = load_str(text);
	if (!s)
		fail_msg("a 1022-character line must parse:\n%s", errbuf);
	assert_int_equal(strlen(s->description), 1022 - 14);
	scenario__free(s);

	/* one more character is an error naming the line and the limit */
	snprintf(text, sizeof(text),
		 "[scenario]\nname = x\ndescription = d%s\n%s", desc, tail);
	s = load_str(text);
	assert_null(s);
	assert_non_null(strstr(errbuf, "mem.ini:3: line too long (1023 characters, at most 1022)"));

	/* a byte order mark before the first section is skipped */
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf[scenario]\nname = x\ndescription = d\n%s", tail);
	s = load_str(text);
	if (!s)
		fail_msg("a file starting with a BOM must parse:\n%s", errbuf);
	assert_string_equal(s->name, "x");
	scenario__free(s);

	/* a directory says so instead of "Input/output error" */
	s = scenario__load(FIXTURES, &(struct scenario_opts){
		.sz = sizeof(struct scenario_opts), .errbuf = errbuf,
		.errbuf_sz = sizeof(errbuf)});
	assert_null(s);
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(errbuf, FIXTURES ": is a directory"));

	s = load("no_such_file.ini");
	assert_null(s);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(errbuf, "no_such_file.ini: cannot read: no such file"));
}

static void test_value_parsers(void **state)
{
	uint64_t v;
	unsigned int a, b;

	assert_int_equal(scenario_parse_size("256M", &v), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(scenario_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(scenario_parse_size("512KiB", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(scenario_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(scenario_parse_size("-1M", &v), -EINVAL);
	assert_int_equal(scenario_parse_size("1X", &v), -EINVAL);
	assert_int_equal(scenario_parse_size("99999999999T", &v), -EINVAL);
	assert_int_equal(scenario_parse_size("", &v), -EINVAL);

	assert_int_equal(scenario_parse_range("10-30", &a, &b), 0);
	assert_int_equal(a, 10);
	assert_int_equal(b, 30);
	assert_int_equal(scenario_parse_range(" 7 ", &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 7);
	assert_int_equal(scenario_parse_range("30-10", &a, &b), -EINVAL);
	assert_int_equal(scenario_parse_range("soon", &a, &b), -EINVAL);
	assert_int_equal(scenario_parse_range("5-", &a, &b), -EINVAL);
	assert_int_equal(scenario_parse_range("-5", &a, &b), -EINVAL);
	assert_int_equal(scenario_parse_range("1.5", &a, &b), -EINVAL);
}

static void test_override(void **state)
{
	struct scenario *s = load("ok_memleak.ini");
	char err[256], note[256];

	assert_non_null(s);
	/* 60 s run with start 10-30 + 20 s: a 30 s run scales it by half */
	assert_int_equal(scenario__override(s, 30, NULL, err, sizeof(err), note,
					    sizeof(note)),
			 0);
	assert_int_equal(s->duration, 30);
	assert_int_equal(s->anomaly->start_min, 5);
	assert_int_equal(s->anomaly->start_max, 15);
	assert_int_equal(s->anomaly->duration, 10);
	assert_non_null(strstr(note, "start 5-15 s, duration 10 s"));

	assert_int_equal(scenario__override(s, 0, "2-3", err, sizeof(err), note,
					    sizeof(note)),
			 0);
	assert_int_equal(s->anomaly->start_min, 2);
	assert_int_equal(s->anomaly->start_max, 3);
	assert_string_equal(note, "");

	assert_int_equal(
		scenario__override(s, 0, "25", err, sizeof(err), NULL, 0),
		-EINVAL);
	assert_non_null(strstr(err, "would end after the 30 s run"));
	assert_int_equal(
		scenario__override(s, 0, "30", err, sizeof(err), NULL, 0),
		-EINVAL);
	assert_non_null(strstr(err, "would start after the 30 s run ends"));
	/* --duration with --start: the anomaly is cut to what is left */
	assert_int_equal(scenario__override(s, 20, "12", err, sizeof(err), note,
					    sizeof(note)),
			 0);
	assert_int_equal(s->anomaly->start_min, 12);
	assert_int_equal(s->anomaly->duration, 8);
	assert_non_null(strstr(note, "cut to the 20 s run"));
	assert_int_equal(
		scenario__override(s, 2, NULL, err, sizeof(err), NULL, 0),
		-EINVAL);
	assert_non_null(strstr(err, "out of range 5..3600"));
	scenario__free(s);
}

static void test_plan_seeded(void **state)
{
	struct scenario *s = load("ok_memleak.ini");
	struct scenario_plan p1, p2, p3;
	int differ = 0;

	assert_non_null(s);
	scenario__plan(s, 7, &p1);
	scenario__plan(s, 7, &p2);
	assert_memory_equal(&p1, &p2, sizeof(p1));
	assert_true(p1.onset_ms >= 10000 && p1.onset_ms <= 30000);
	assert_int_equal(p1.anomaly_ms, 20000);
	assert_int_equal(p1.duration_ms, 60000);

	/* Different seeds give different onsets, all within the range. */
	for (uint64_t seed = 1; seed <= 50; seed++) {
		scenario__plan(s, seed, &p3);
		assert_true(p3.onset_ms >= 10000 && p3.onset_ms <= 30000);
		differ += p3.onset_ms != p1.onset_ms;
	}
	assert_true(differ >= 49);
	scenario__plan(s, 8, &p3);
	assert_int_not_equal(p3.onset_ms, p1.onset_ms);
	assert_int_not_equal(p3.workload_seed[0], p1.workload_seed[0]);
	assert_int_not_equal(p1.workload_seed[0], p1.workload_seed[1]);

	/* A fixed start is a fixed onset. */
	s->anomaly->start_min = s->anomaly->start_max = 12;
	scenario__plan(s, 99, &p3);
	assert_int_equal(p3.onset_ms, 12000);
	scenario__free(s);
}

static void test_rng(void **state)
{
	struct scenario_rng a, b;
	unsigned int hist[10] = {0};

	scenario_rng_seed(&a, 42);
	scenario_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		assert_int_equal(scenario_rng_next(&a), scenario_rng_next(&b));
	for (int i = 0; i < 10000; i++) {
		uint64_t x = scenario_rng_range(&a, 0, 9);
		double d = scenario_rng_double(&a);

		assert_true(x <= 9);
		assert_true(d >= 0 && d < 1);
		hist[x]++;
	}
	/* Each bucket near 1000: far outside chance if the draw is biased. */
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 800 && hist[i] < 1200);
	assert_int_equal(scenario_rng_range(&a, 5, 5), 5);
	assert_int_equal(scenario_rng_range(&a, 5, 3), 5);
}

/* Load loops are drawn from their seed: same seed, same script. */
static void test_workload_script(void **state)
{
	struct scenario *s = load("ok_memleak.ini");
	const struct scenario_workload *batch, *log;
	char *a, *b, *c, *list;
	double total = 0;
	int jobs = 0;

	assert_non_null(s);
	batch = &s->workloads[1];
	log = &s->workloads[2];
	a = workload_script(batch, 11, 60000);
	b = workload_script(batch, 11, 60000);
	c = workload_script(batch, 12, 60000);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_non_null(strstr(a, "gzip -c"));
	assert_non_null(strstr(a, "sha256sum"));

	/* The schedule's pauses add up to the duration (period 1.5 s +-30%). */
	list = strstr(a, "for j in ");
	assert_non_null(list);
	list += strlen("for j in ");
	while (*list != ';') {
		unsigned long long sz;
		double p;
		int n;

		assert_int_equal(sscanf(list, "%llu:%lf%n", &sz, &p, &n), 2);
		assert_true(sz >= batch->size / 2 && sz <= batch->size * 3 / 2);
		assert_true(p >= 1.5 * 0.7 - 0.01 && p <= 1.5 * 1.3 + 0.01);
		total += p;
		jobs++;
		list += n;
		while (*list == ' ')
			list++;
	}
	assert_true(total >= 60.0 && total < 62.0);
	assert_true(jobs >= 30 && jobs <= 58);
	free(a);
	free(b);
	free(c);

	a = workload_script(log, 11, 10000);
	assert_non_null(a);
	assert_non_null(strstr(a, "/var/log/cadet-app.log"));
	free(a);
	/* http load has no script */
	assert_null(workload_script(&s->workloads[0], 1, 1000));
	assert_int_equal(errno, EINVAL);
	scenario__free(s);
}

/* ---- profiles, includes, intensities, several anomalies ---- */

#define INCLUDES FIXTURES "/include"

static struct scenario *load_variant(const char *name, const char *profile,
				     const char *intensity)
{
	char path[512];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = errbuf, .errbuf_sz = sizeof(errbuf)};
	struct profile_select sel = {.profile = profile,
				     .intensity = intensity};

	snprintf(path, sizeof(path), INCLUDES "/%s", name);
	errbuf[0] = '\0';
	return scenario__load_variant(path, &o, &sel);
}

static int container_index(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ncontainers; i++)
		if (!strcmp(s->containers[i].name, name))
			return (int)i;
	return -1;
}

static void test_profile_include(void **state)
{
	struct scenario *s = load_variant("ok_profile.ini", NULL, NULL);
	int srv, worker;

	if (!s)
		fail_msg("ok_profile.ini: %s", errbuf);
	assert_string_equal(s->name, "leak");
	assert_int_equal(s->ncontainers, 2);
	/* The profile's own sections first, then its include's. */
	assert_string_equal(s->containers[0].name, "srv");
	srv = container_index(s, "srv");
	worker = container_index(s, "worker");
	assert_true(srv >= 0 && worker >= 0);
	assert_int_equal(s->containers[srv].memory, 64 << 20);
	/* The scenario overrides one key and keeps the others. */
	assert_int_equal(s->containers[worker].memory, 128 << 20);
	assert_true(s->containers[worker].cpus == 0.5);
	assert_int_equal(s->nworkloads, 2);
	assert_int_equal(s->workloads[0].type, SCENARIO_WL_CLIENT);
	assert_string_equal(s->workloads[0].command, "true");
	assert_true(s->workloads[0].rate == 50);
	/* target = @service is the profile's service container. */
	assert_non_null(s->anomaly);
	assert_int_equal(s->anomaly->target, srv);
	assert_int_equal(s->anomaly->nparams, 1);
	assert_string_equal(s->anomaly->params[0].value, "4M");
	scenario__free(s);
}

static void test_profile_variants(void **state)
{
	struct scenario *s = load_variant("ok_profile.ini", NULL, "high");
	struct profile_job *jobs;
	char *files[] = {INCLUDES "/ok_profile.ini"};
	char err[256];
	size_t n;

	if (!s)
		fail_msg("high: %s", errbuf);
	assert_string_equal(s->name, "leak");
	assert_string_equal(s->variant, "high");
	assert_string_equal(s->run_name, "leak_high");
	assert_true(s->anomaly->intensity == 1.0);
	assert_int_equal(s->anomaly->nparams, 2);
	assert_string_equal(s->anomaly->params[0].key, "rate");
	assert_string_equal(s->anomaly->params[0].value, "8M");
	assert_string_equal(s->anomaly->params[1].key, "max");
	scenario__free(s);

	s = load_variant("ok_profile.ini", "other", "low");
	if (!s)
		fail_msg("other/low: %s", errbuf);
	assert_string_equal(s->name, "leak");
	assert_string_equal(s->run_name, "leak_other_low");
	assert_int_equal(container_index(s, "srv"), -1);
	assert_int_equal(s->containers[container_index(s, "worker")].memory,
			 128 << 20);
	assert_string_equal(s->containers[s->anomaly->target].name, "db");
	assert_true(s->anomaly->intensity == 0.25);
	assert_int_equal(s->workloads[0].type, SCENARIO_WL_OPS);
	assert_int_equal(s->workloads[0].nactions, 2);
	assert_string_equal(s->workloads[0].actions[1].key, "vacuum");
	scenario__free(s);

	/* --profile all --intensity all: 2 profiles x 2 intensities. */
	assert_int_equal(profile_jobs(files, 1, "all", "all", &jobs, &n, err,
				      sizeof(err)),
			 0);
	assert_int_equal(n, 4);
	assert_string_equal(jobs[0].sel.profile, "app");
	assert_string_equal(jobs[3].sel.profile, "other");
	assert_string_equal(jobs[3].sel.intensity, "high");
	profile_jobs_free(jobs, n);
	assert_int_equal(profile_jobs(files, 1, NULL, "low", &jobs, &n, err,
				      sizeof(err)),
			 0);
	assert_int_equal(n, 1);
	assert_null(jobs[0].sel.profile);
	profile_jobs_free(jobs, n);
}

static void expect_error(const char *file, const char *profile,
			 const char *intensity, const char *want)
{
	struct scenario *s = load_variant(file, profile, intensity);

	if (s)
		fail_msg("%s parsed but must not", file);
	assert_int_equal(errno, EINVAL);
	if (!strstr(errbuf, want))
		fail_msg("%s: expected message\n  %s\ngot:\n%s", file, want,
			 errbuf);
}

static void test_profile_errors(void **state)
{
	expect_error("bad_missing.ini", NULL, NULL,
		     INCLUDES "/bad_missing.ini:6: cannot read included "
		     INCLUDES "/nothere.ini: no such file");
	expect_error("bad_cycle.ini", NULL, NULL,
		     INCLUDES "/cycle_b.ini:2: include cycle: " INCLUDES
		     "/bad_cycle.ini includes itself (through 2 files)");
	/* A bad value in a profile names the profile's file and line. */
	expect_error("bad_profile_key.ini", NULL, NULL,
		     INCLUDES "/profiles/badkey.ini:6: [container srv] cpus: "
		     "expected a number of CPUs, got 'lots'");
	expect_error("bad_profile_section.ini", NULL, NULL,
		     INCLUDES "/profiles/badsec.ini:4: [anomaly] in a profile");
	expect_error("ok_profile.ini", "nope", NULL,
		     INCLUDES "/ok_profile.ini:7: cannot read included "
		     INCLUDES "/profiles/nope.ini");
	expect_error("ok_profile.ini", NULL, "medium",
		     "--intensity medium: no [intensity medium] section in "
		     "this file (it has: low, high)");
	expect_error("ok_instances.ini", "app", NULL,
		     "--profile app: this scenario names no profile");
	expect_error("bad_unnamed_anomalies.ini", NULL, NULL,
		     "bad_unnamed_anomalies.ini:8: [anomaly]: with several "
		     "anomalies each is [anomaly NAME]");
	expect_error("bad_unnamed_anomalies.ini", NULL, NULL,
		     "[anomaly two] target: no [container nope] in this file");
}

static void test_instances_and_anomalies(void **state)
{
	struct scenario *s = load_variant("ok_instances.ini", NULL, NULL);
	struct scenario_plan p1, p2;
	bool seen[2] = {false, false};
	uint64_t dmin = UINT64_MAX, dmax = 0;

	if (!s)
		fail_msg("ok_instances.ini: %s", errbuf);
	assert_int_equal(s->ncontainers, 4);
	assert_true(container_index(s, "srv-a") >= 0);
	assert_true(container_index(s, "worker-b") >= 0);
	assert_true(s->containers[container_index(s, "srv-b")].cpus == 0.25);
	assert_true(s->containers[container_index(s, "srv-a")].cpus == 1.0);
	assert_int_equal(s->nworkloads, 4);
	for (size_t i = 0; i < s->nworkloads; i++)
		if (!strcmp(s->workloads[i].name, "jobs-b"))
			assert_string_equal(
				s->containers[s->workloads[i].target].name,
				"worker-b");
	assert_int_equal(s->nanomalies, 2);
	assert_ptr_equal(s->anomaly, &s->anomalies[0]);
	assert_string_equal(s->anomalies[1].name, "two");
	assert_int_equal(s->anomalies[1].ntargets, 2);

	/* Seeded: same seed same plan; targets among the candidates. */
	for (uint64_t seed = 1; seed < 40; seed++) {
		scenario__plan(s, seed, &p1);
		scenario__plan(s, seed, &p2);
		assert_memory_equal(&p1, &p2, sizeof(p1));
		assert_int_equal(p1.onsets_ms[0], p1.onset_ms);
		assert_true(p1.onsets_ms[1] >= 60000 &&
			    p1.onsets_ms[1] <= 90000);
		assert_true(!strncmp(s->containers[p1.targets[0]].name,
				     "worker-", 7));
		assert_true(!strncmp(s->containers[p1.targets[1]].name, "srv-",
				     4));
		seen[!strcmp(s->containers[p1.targets[1]].name, "srv-b")] =
			true;
		/* duration = 5-15: whole seconds in range; 10: always 10. */
		assert_int_equal(p1.durations_ms[0], 10000);
		assert_int_equal(p1.durations_ms[1] % 1000, 0);
		if (p1.durations_ms[1] < dmin)
			dmin = p1.durations_ms[1];
		if (p1.durations_ms[1] > dmax)
			dmax = p1.durations_ms[1];
	}
	assert_true(seen[0] && seen[1]);
	assert_true(dmin >= 5000 && dmax <= 15000 && dmin < dmax);
	assert_int_equal(s->anomalies[1].duration_min, 5);
	assert_int_equal(s->anomalies[1].duration, 15);
	/* --duration scales every anomaly. */
	{
		char msg[256], note[256];

		assert_int_equal(scenario__override(s, 60, NULL, msg,
						    sizeof(msg), note,
						    sizeof(note)),
				 0);
		assert_true(s->anomalies[1].start_max +
				    s->anomalies[1].duration <=
			    60);
	}
	scenario__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_catalogue_like),
		cmocka_unit_test(test_valid_normal_and_command),
		cmocka_unit_test(test_malformed_fixtures),
		cmocka_unit_test(test_memory_edge_cases),
		cmocka_unit_test(test_file_robustness),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_plan_seeded),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_workload_script),
		cmocka_unit_test(test_profile_include),
		cmocka_unit_test(test_profile_variants),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_instances_and_anomalies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
