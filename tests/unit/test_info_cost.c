// SPDX-License-Identifier: MIT
/*
 * `cadet info` on a trace carrying the recorder's own cost: STATS records
 * (user-space CPU, RSS) and BPF_STATS records (kernel time per BPF
 * program). The trace is written with the writer API, info runs in
 * process with its stdout in a file, and the figures it prints are
 * checked against the ones written.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "tests/unit/trace_samples.h"
#include "tools/commands.h"

static char dir[] = "/tmp/cadet-test-info-cost.XXXXXX";

static char *tpath(const char *name)
{
	static char p[4][256];
	static int n;

	n = (n + 1) % 4;
	snprintf(p[n], sizeof(p[n]), "%s/%s", dir, name);
	return p[n];
}

static void add_stats(struct cadet_writer *w, struct cadet_recbuf *b,
		      uint64_t ts)
{
	struct cadet_rec_stats *s =
		cadet_recbuf__start(b, CADET_REC_STATS, sizeof(*s));

	s->h.ts = ts;
	s->interval_ns = 1000000000;
	s->cpu_ns = 25000000;            /* 2.5 % of one CPU */
	s->rss_bytes = ts == 2000000000 ? 20 << 20 : 30 << 20;
	s->events = 100000;
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
}

static void add_bpf(struct cadet_writer *w, struct cadet_recbuf *b,
		    uint64_t ts, const char *fam, const char *prog,
		    uint64_t ns, uint64_t cnt, unsigned int mode)
{
	struct cadet_rec_bpf_stats *s =
		cadet_recbuf__start(b, CADET_REC_BPF_STATS, sizeof(*s));

	s->h.ts = ts;
	s->interval_ns = 1000000000;
	s->run_ns = ns;
	s->run_cnt = cnt;
	s->prog_id = 7;
	s->stats = mode;
	strncpy(s->family, fam, sizeof(s->family) - 1);
	strncpy(s->prog, prog, sizeof(s->prog) - 1);
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
}

/* Two intervals, two programs; @mode as the recorder would say. */
static void write_trace(const char *path, unsigned int mode, bool bpf)
{
	struct cadet_writer_opts o = {.sz = sizeof(o)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	for (uint64_t ts = 2000000000; ts <= 3000000000; ts += 1000000000) {
		add_stats(w, b, ts);
		if (!bpf)
			continue;
		/* 200 ns x 1 M runs and 150 ns x 100 k runs per interval */
		add_bpf(w, b, ts, "syscall", "sys_enter", 200000000, 1000000,
			mode);
		add_bpf(w, b, ts, "net", "sock_send_length", 15000000, 100000,
			mode);
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

/* stdout of `cadet info PATH` as a malloc'd string. */
static char *run_info(const char *path)
{
	char *argv[] = {"info", (char *)path, NULL};
	const char *out = tpath("info.txt");
	int fd, saved;
	char *s;
	FILE *f;
	long n;

	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 1);
	close(fd);
	assert_int_equal(cmd_info(2, argv), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fopen(out, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, n, f), n);
	fclose(f);
	return s;
}

static void assert_has(const char *text, const char *want)
{
	assert_non_null(text);
	if (strstr(text, want))
		return;
	print_error("missing \"%s\" in:\n%s\n", want, text);
	fail();
}

static void test_cost_measured(void **state)
{
	const char *p = tpath("cost.cadet");
	char *s;

	write_trace(p, CADET_BPF_STATS_RECORDER, true);
	s = run_info(p);
	/* (400 + 30) ms of BPF over 200 k events; 50 ms CPU over 2 s */
	assert_has(s, "recorder cost:   2150 ns per event in the kernel, "
		      "2.5 % of one CPU in user space, peak RSS 30.0 MiB\n");
	assert_has(s, "bpf_stats");
	assert_has(s, "0.430 s in 2200000 BPF program runs (195 ns per run); "
		      "BPF run-time statistics turned on by the recorder\n");
	assert_has(s, "  PROGRAM                                    RUNS"
		      "     NS/RUN   NS/EVENT   SHARE\n"
		      "  syscall/sys_enter                       2000000"
		      "      200.0     2000.0   93.0%\n"
		      "  net/sock_send_length                     200000"
		      "      150.0      150.0    7.0%\n");
	free(s);
}

static void test_cost_unavailable(void **state)
{
	const char *p = tpath("nostats.cadet");
	char *s;

	write_trace(p, CADET_BPF_STATS_UNAVAILABLE, true);
	s = run_info(p);
	assert_has(s, "recorder cost:   kernel side unknown, 2.5 % of one CPU");
	assert_has(s, "not measured: BPF run-time statistics unavailable");
	assert_null(strstr(s, "PROGRAM"));
	free(s);
}

static void test_cost_old_trace(void **state)
{
	const char *p = tpath("old.cadet");
	char *s;

	write_trace(p, 0, false);
	s = run_info(p);
	assert_has(s, "kernel side unknown");
	assert_has(s, "not recorded (no bpf_stats records");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_measured),
		cmocka_unit_test(test_cost_unavailable),
		cmocka_unit_test(test_cost_old_trace),
	};
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	for (const char *n = "cost.cadet\0nostats.cadet\0old.cadet\0info.txt\0";
	     *n; n += strlen(n) + 1)
		unlink(tpath(n));
	rmdir(dir);
	return ret;
}
