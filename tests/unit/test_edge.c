// SPDX-License-Identifier: MIT
/*
 * Edge intervals (detect/edge.h): a container's first and teardown METRICS
 * never reach a detector, whether the trace marks them (format 1.2) or
 * not (the committed reference traces, recorded before the flags). The
 * last test replays real validation traces of the first reference dataset
 * (tests/fixtures/ref-v1, no edge flags) through a
 * plugin that scores teardown records 1e6 and start-up ones high, and
 * checks that its validation threshold is the largest score of the
 * ordinary intervals: edge ticks cannot set a threshold.
 *
 * Needs build/tests/plugins/edge_score.so ($BUILD names the build folder)
 * and is run from the repository's top folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cadet/trace.h"
#include "detect/edge.h"
#include "replayer/replay.h"

#define NS 1000000000ull
#define VAL1 "tests/fixtures/ref-v1/normal-s2001-r0-20261122T034954Z.cadet"
#define VAL2 "tests/fixtures/ref-v1/normal-s2002-r1-20261122T035028Z.cadet"
#define TRAIN "tests/fixtures/ref-v1/normal-s1001-r0-20261122T034739Z.cadet"

static struct cadet_recbuf *b;

static const struct cadet_rec *ctr(unsigned int type, uint64_t ts, uint64_t cg)
{
	struct cadet_rec_container *c =
		cadet_recbuf__start(b, type, sizeof(*c));

	c->h.ts = ts;
	c->h.cgroup_id = cg;
	return cadet_recbuf__rec(b);
}

static const struct cadet_rec *met(uint64_t ts, uint64_t cg, uint64_t rss,
				   uint64_t tasks, uint32_t flags)
{
	struct cadet_rec_metrics *m =
		cadet_recbuf__start(b, CADET_REC_METRICS, sizeof(*m));

	m->h.ts = ts;
	m->h.cgroup_id = cg;
	m->interval_ns = NS;
	m->rss_bytes = rss;
	m->nr_tasks = tasks;
	m->flags = flags;
	return cadet_recbuf__rec(b);
}

static const struct cadet_rec *hist(uint64_t ts, uint64_t cg)
{
	struct cadet_rec_syscall_hist *h =
		cadet_recbuf__start(b, CADET_REC_SYSCALL_HIST, sizeof(*h));

	h->h.ts = ts;
	h->h.cgroup_id = cg;
	return cadet_recbuf__rec(b);
}

/*
 * One container's life, twice: with the recorder's flags and as an older
 * trace has it (flags 0). Either way only the middle intervals pass.
 */
static void life(bool flagged)
{
	struct det_edge e = {};
	uint32_t first = flagged ? CADET_METRICS_F_FIRST : 0;
	uint32_t down = flagged ? CADET_METRICS_F_TEARDOWN : 0;

	det_edge_reset(&e);
	assert_false(det_edge_withhold(&e, ctr(CADET_REC_CONTAINER_ADD, 1, 7)));
	assert_true(det_edge_withhold(&e, met(1 * NS, 7, 100, 3, first)));
	assert_true(det_edge_withhold(&e, hist(1 * NS, 7)));
	/* another container's first interval at the same time */
	assert_true(det_edge_withhold(&e, met(1 * NS, 8, 100, 3, first)));
	for (uint64_t s = 2; s < 5; s++) {
		assert_false(det_edge_withhold(&e, met(s * NS, 7, 100, 3, 0)));
		assert_false(det_edge_withhold(&e, hist(s * NS, 7)));
		assert_false(det_edge_withhold(&e, met(s * NS, 8, 100, 3, 0)));
	}
	assert_false(
		det_edge_withhold(&e, ctr(CADET_REC_CONTAINER_REMOVE, 5, 7)));
	/* teardown: after the removal, tasks gone */
	assert_true(det_edge_withhold(&e, met(5 * NS + 1, 7, 0, 0, down)));
	assert_true(det_edge_withhold(&e, hist(5 * NS + 1, 7)));
	/* the other container goes on; its histogram is its own */
	assert_false(det_edge_withhold(&e, met(5 * NS + 1, 8, 100, 3, 0)));
	assert_false(det_edge_withhold(&e, hist(5 * NS + 1, 8)));
	assert_int_equal(e.withheld, 3);
	/* a new trace starts with no history */
	det_edge_reset(&e);
	assert_true(det_edge_withhold(&e, met(9 * NS, 8, 100, 3, first)));
	det_edge_release(&e);
}

static void test_flagged(void **state)
{
	life(true);
}

static void test_inferred(void **state)
{
	life(false);
}

/* The flags alone suffice, with no stream history to infer them from. */
static void test_flags_alone(void **state)
{
	struct det_edge e = {};

	det_edge_reset(&e);
	/* the first of a cgroup is an edge even unflagged */
	assert_true(det_edge_withhold(&e, met(1 * NS, 7, 100, 3, 0)));
	assert_false(det_edge_withhold(&e, met(2 * NS, 7, 100, 3, 0)));
	assert_true(det_edge_withhold(
		&e, met(3 * NS, 7, 100, 3, CADET_METRICS_F_TEARDOWN)));
	/* an empty cgroup (no task, no memory) is no sample either */
	assert_true(det_edge_withhold(&e, met(4 * NS, 7, 0, 0, 0)));
	/* memory 0 with tasks alive is a sample (a gauge may read 0) */
	assert_false(det_edge_withhold(&e, met(5 * NS, 7, 0, 2, 0)));
	/* re-added: a removal no longer applies */
	det_edge_withhold(&e, ctr(CADET_REC_CONTAINER_REMOVE, 6 * NS, 7));
	det_edge_withhold(&e, ctr(CADET_REC_CONTAINER_ADD, 7 * NS, 7));
	assert_false(det_edge_withhold(&e, met(8 * NS, 7, 100, 3, 0)));
	det_edge_release(&e);
}

/* Per cgroup of a real trace: METRICS count, execs max over the ordinary
 * intervals and over all, and whether a withheld one had rss 0. */
struct cg_count {
	uint64_t cg;
	unsigned int metrics, passed;
	bool removed;
	double max_mid, max_all;
};

static struct cg_count *cg_of(struct cg_count *c, size_t *n, uint64_t cg)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].cg == cg)
			return &c[i];
	assert_true(*n < 16);
	c[*n] = (struct cg_count){.cg = cg};
	return &c[(*n)++];
}

/*
 * Reads @path with the edge rule and, independently, with the rule of
 * the reference traces written out by hand: per container, its first
 * METRICS and the ones after its CONTAINER_REMOVE are edges. Returns the
 * largest execs of an ordinary interval; *@all gets that of all of them.
 */
static double real_trace(const char *path, double *all)
{
	struct cadet_reader *r = cadet_reader__open(path, NULL);
	struct cg_count c[16];
	const struct cadet_rec *rec;
	struct det_edge e = {};
	size_t n = 0;
	double mid = 0;
	int err;

	assert_non_null(r);
	det_edge_reset(&e);
	*all = 0;
	while ((err = cadet_reader__next(r, &rec)) > 0) {
		const struct cadet_rec_metrics *m = (const void *)rec;
		bool held = det_edge_withhold(&e, rec);
		struct cg_count *x;

		if (rec->type == CADET_REC_CONTAINER_REMOVE)
			cg_of(c, &n, rec->cgroup_id)->removed = true;
		if (rec->type != CADET_REC_METRICS)
			continue;
		x = cg_of(c, &n, rec->cgroup_id);
		/* the hand rule */
		assert_int_equal(held, x->metrics == 0 || x->removed);
		/* and what it means: no ordinary sample has rss 0 */
		if (!held)
			assert_true(m->rss_bytes > 0);
		x->metrics++;
		x->passed += !held;
		if (!held && m->execs > x->max_mid)
			x->max_mid = m->execs;
		if (m->rss_bytes && m->execs > x->max_all)
			x->max_all = m->execs;
		if (!m->rss_bytes)
			x->max_all = 1e6;
	}
	assert_int_equal(err, 0);
	/* three containers, each with both edges and ~30 s between them */
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_true(c[i].removed);
		assert_int_equal(c[i].passed + 2, c[i].metrics);
		assert_true(c[i].passed >= 25);
		if (c[i].max_mid > mid)
			mid = c[i].max_mid;
		if (c[i].max_all > *all)
			*all = c[i].max_all;
	}
	det_edge_release(&e);
	cadet_reader__free(r);
	return mid;
}

static void test_reference_traces(void **state)
{
	double all;

	assert_true(real_trace(VAL1, &all) < all);
	assert_true(real_trace(VAL2, &all) < all);
}

static const char *plugin_path(void)
{
	static char buf[700];
	const char *bd = getenv("BUILD");
	char *p = realpath(bd && *bd ? bd : "build", NULL);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%s/tests/plugins/edge_score.so", p);
	free(p);
	return buf;
}

/*
 * Validation on the two reference validation traces, threshold = the
 * largest validation score: it is the largest execs of an ordinary
 * interval, not the teardown's 1e6 nor a start-up interval's execs.
 */
static void test_threshold_ignores_edges(void **state)
{
	struct replay_opts o = {
		.sz = sizeof(o), .seed = 1, .jobs = 1, .quiet = true};
	struct replay *r = replay__new(&o);
	double all1, all2, mid, thr;
	char spec[800], *buf = NULL;
	size_t len = 0;
	json_t *h, *d;
	FILE *f;

	mid = real_trace(VAL1, &all1);
	if (real_trace(VAL2, &all2) > mid)
		mid = real_trace(VAL2, &all2);
	assert_non_null(r);
	snprintf(spec, sizeof(spec), "%s:threshold=max", plugin_path());
	assert_int_equal(replay__add_detector(r, spec), 0);
	assert_int_equal(replay__add_trace(r, CADET_PHASE_TRAIN, TRAIN), 0);
	assert_int_equal(replay__add_trace(r, CADET_PHASE_VALIDATE, VAL1), 0);
	assert_int_equal(replay__add_trace(r, CADET_PHASE_VALIDATE, VAL2), 0);
	assert_int_equal(replay__add_trace(r, CADET_PHASE_TEST, VAL1), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(replay__run(r, f), 0);
	fclose(f);
	replay__free(r);
	h = json_loadb(buf, strchr(buf, '\n') - buf, 0, NULL);
	assert_non_null(h);
	d = json_array_get(json_object_get(h, "detectors"), 0);
	thr = json_number_value(json_object_get(d, "threshold"));
	assert_true(thr == mid);
	/* not vacuous: the edges would have set it higher */
	assert_true(thr < all1 && thr < all2);
	assert_true(thr < 1e6);
	json_decref(h);
	free(buf);
}

static int setup(void **state)
{
	b = cadet_recbuf__new();
	return b ? 0 : -1;
}

static int teardown(void **state)
{
	cadet_recbuf__free(b);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flagged),
		cmocka_unit_test(test_inferred),
		cmocka_unit_test(test_flags_alone),
		cmocka_unit_test(test_reference_traces),
		cmocka_unit_test(test_threshold_ignores_edges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
