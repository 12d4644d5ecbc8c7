// SPDX-License-Identifier: MIT
/*
 * stide detector: mismatch counts and locality frame scores on a toy
 * sequence, worked out by hand; per-thread streams; databases per process
 * image; model save/load.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detectors/detectors.h"
#include "tests/unit/detector_host.h"

#define CG 77
#define US 1000ull

static const struct cadet_detector_ops *ops = &detector_stide_ops;

static void feed_seq(void *st, uint64_t cg, uint32_t tid, uint64_t t0,
		     const int *seq, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ops->on_event(st, th_syscall(t0 + i * US, cg,
							      tid, seq[i])),
				 0);
}

/*
 * Training 1 2 3 4 1 2 3 4 with n = 3 gives the database
 * {123, 234, 341, 412}. The test stream 1 2 3 4 9 1 2 3 has the windows
 * 123 234 349 491 912 123: mismatches 0 0 1 1 1 0. With a locality frame
 * of 4 windows the scores are 0/4 0/4 1/4 2/4 3/4 3/4.
 */
static const int train_seq[] = { 1, 2, 3, 4, 1, 2, 3, 4 };
static const int test_seq[] = { 1, 2, 3, 4, 9, 1, 2, 3 };
static const double want[] = { 0, 0, 0.25, 0.5, 0.75, 0.75 };

static void *trained(const char *emit)
{
	struct cadet_param p[] = { { "n", "3" }, { "lfc", "4" },
				   { "emit", emit } };
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, p, 3, 1), 0);
	th_begin(ops, st, CADET_PHASE_TRAIN);
	feed_seq(st, CG, 5, 1000 * US, train_seq, 8);
	th_end(ops, st, CADET_PHASE_TRAIN);
	assert_int_equal(ops->train_end(st), 0);
	assert_non_null(strstr(th_lastlog, "4 distinct windows of 3"));
	assert_int_equal(th_nscores, 0);
	return st;
}

static void test_window_scores(void **unused)
{
	void *st = trained("window");

	th_begin(ops, st, CADET_PHASE_TEST);
	feed_seq(st, CG, 9, 5000 * US, test_seq, 8);
	assert_int_equal(th_nscores, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(th_scores[i].cg, CG);
		assert_true(th_scores[i].v == want[i]);
		/* The window spans its 3 syscalls. */
		assert_int_equal(th_scores[i].start, (5000 + i) * US);
		assert_int_equal(th_scores[i].end, (5000 + i + 2) * US + 1);
	}
	ops->fini(st);
}

static void test_tick_max(void **unused)
{
	void *st = trained("tick");

	th_begin(ops, st, CADET_PHASE_TEST);
	feed_seq(st, CG, 9, 5000 * US, test_seq, 8);
	assert_int_equal(th_nscores, 0);
	assert_int_equal(ops->on_tick(st, 1000000000ull), 0);
	assert_int_equal(th_nscores, 1);
	assert_true(th_scores[0].v == 0.75);
	assert_int_equal(th_scores[0].start, 5000 * US);
	assert_int_equal(th_scores[0].end, 5007 * US + 1);
	/* Nothing new: nothing to say at the next tick. */
	assert_int_equal(ops->on_tick(st, 2000000000ull), 0);
	assert_int_equal(th_nscores, 1);
	ops->fini(st);
}

static void test_streams_per_thread(void **unused)
{
	void *st = trained("window");

	/* Two threads interleaved, each normal on its own: no mismatch. */
	th_begin(ops, st, CADET_PHASE_TEST);
	for (size_t i = 0; i < 8; i++) {
		ops->on_event(st, th_syscall(i * 2, CG, 100, train_seq[i]));
		ops->on_event(st, th_syscall(i * 2 + 1, CG, 101,
					     train_seq[(i + 2) % 8]));
	}
	assert_int_equal(th_nscores, 12);
	for (size_t i = 0; i < th_nscores; i++)
		assert_true(th_scores[i].v == 0);
	ops->fini(st);
}

static void test_container_removal_flushes(void **unused)
{
	void *st = trained("tick");

	th_begin(ops, st, CADET_PHASE_TEST);
	th_container(ops, st, CG, "c", 1);
	feed_seq(st, CG, 9, 5000 * US, test_seq, 8);
	assert_int_equal(th_container(ops, st, CG, "c", 0), 0);
	assert_int_equal(th_nscores, 1);
	assert_true(th_scores[0].v == 0.75);
	/* Its streams are gone: the same tid starts afresh. */
	feed_seq(st, CG, 9, 9000 * US, test_seq, 2);
	th_end(ops, st, CADET_PHASE_TEST);
	assert_int_equal(th_nscores, 1);
	ops->fini(st);
}

static void test_model_roundtrip(void **unused)
{
	char path[] = "/tmp/cadet-stide-XXXXXX";
	struct cadet_param p[] = { { "n", "3" }, { "lfc", "4" },
				   { "emit", "window" } };
	struct cadet_param p5[] = { { "n", "5" } };
	void *st = trained("window"), *st2 = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ops->save_model(st, path), 0);
	ops->fini(st);
	th_reset();
	assert_int_equal(ops->init(&st2, &th_host, p, 3, 1), 0);
	assert_int_equal(ops->load_model(st2, path), 0);
	th_begin(ops, st2, CADET_PHASE_TEST);
	feed_seq(st2, CG, 9, 0, test_seq, 8);
	assert_int_equal(th_nscores, 6);
	for (size_t i = 0; i < 6; i++)
		assert_true(th_scores[i].v == want[i]);
	ops->fini(st2);
	/* A model of another window length is refused with a reason. */
	assert_int_equal(ops->init(&st2, &th_host, p5, 1, 1), 0);
	assert_int_equal(ops->load_model(st2, path), -EINVAL);
	assert_non_null(strstr(th_lastlog, "n=5"));
	ops->fini(st2);
	unlink(path);
}

static void feed_comm(void *st, uint32_t tid, uint64_t t0, const char *comm,
		      const int *seq, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cadet_rec *r =
			(struct cadet_rec *)th_syscall(t0 + i * US, CG, tid,
						       seq[i]);

		snprintf(r->comm, sizeof(r->comm), "%s", comm);
		assert_int_equal(ops->on_event(st, r), 0);
	}
}

/*
 * by=image, n = 3, lfc = 4: "a" trains on 1 2 3 4 1 2 3 4, "b" on
 * 7 8 9 7 8 9. In test, "b"'s windows run by "a" are all mismatches for
 * "a" (scores 1/4 2/4 3/4 4/4); an image training never ran ("c") is not
 * judged with unknown=skip, and with unknown=union its windows 789 897
 * are normal (b has them) and 979 is not: 0 0 1/4.
 */
static void test_per_image(void **unused)
{
	static const int a_seq[] = { 1, 2, 3, 4, 1, 2, 3, 4 };
	static const int b_seq[] = { 7, 8, 9, 7, 8, 9 };
	static const int c_seq[] = { 7, 8, 9, 7, 9 };
	const char *modes[] = { "skip", "union" };

	for (int m = 0; m < 2; m++) {
		struct cadet_param p[] = { { "n", "3" },
					   { "lfc", "4" },
					   { "emit", "window" },
					   { "unknown", modes[m] } };
		void *st = NULL;

		th_reset();
		assert_int_equal(ops->init(&st, &th_host, p, 4, 1), 0);
		th_begin(ops, st, CADET_PHASE_TRAIN);
		feed_comm(st, 1, 0, "a", a_seq, 8);
		feed_comm(st, 2, 0, "b", b_seq, 6);
		th_end(ops, st, CADET_PHASE_TRAIN);
		assert_int_equal(ops->train_end(st), 0);
		assert_non_null(strstr(th_lastlog, "(2 images)"));
		th_begin(ops, st, CADET_PHASE_TEST);
		feed_comm(st, 3, 0, "a", b_seq, 6);
		assert_int_equal(th_nscores, 4);
		assert_true(th_scores[3].v == 1.0);
		feed_comm(st, 4, 0, "c", c_seq, 5);
		if (m == 0) {
			assert_int_equal(th_nscores, 4);
		} else {
			assert_int_equal(th_nscores, 7);
			assert_true(th_scores[4].v == 0);
			assert_true(th_scores[5].v == 0);
			assert_true(th_scores[6].v == 0.25);
		}
		ops->fini(st);
	}
}

static void test_bad_params(void **unused)
{
	struct cadet_param zero[] = { { "n", "0" } };
	struct cadet_param emit[] = { { "emit", "often" } };
	void *st = NULL;

	th_reset();
	assert_int_equal(ops->init(&st, &th_host, zero, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "n=0"));
	assert_int_equal(ops->init(&st, &th_host, emit, 1, 1), -EINVAL);
	assert_non_null(strstr(th_lastlog, "emit=often"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_scores),
		cmocka_unit_test(test_tick_max),
		cmocka_unit_test(test_streams_per_thread),
		cmocka_unit_test(test_container_removal_flushes),
		cmocka_unit_test(test_model_roundtrip),
		cmocka_unit_test(test_per_image),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
