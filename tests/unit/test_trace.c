// SPDX-License-Identifier: MIT
/*
 * Trace library tests: round trip of every record type, ordering, chunking,
 * seeking, large records, cut files, repair, damaged and foreign files,
 * forward compatibility.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "cadet/trace.h"
#include "lib/trace/trace_print.h"
#include "tests/unit/trace_samples.h"

#define TEST_TMPDIR_NAME "cadet-test-trace"
#include "tests/unit/test_tmpdir.h"

struct recs {
	struct cadet_rec **v;
	size_t n;
};

static void recs_add(struct recs *r, const struct cadet_rec *rec)
{
	r->v = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	assert_non_null(r->v);
	r->v[r->n] = malloc(rec->size);
	assert_non_null(r->v[r->n]);
	memcpy(r->v[r->n], rec, rec->size);
	r->n++;
}

static void recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static struct cadet_writer *open_writer(const char *path,
					const struct cadet_writer_opts *o)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), o);
	assert_non_null(w);
	cadet_recbuf__free(b);
	return w;
}

/* Writes @n sample records of cycling types, 1 ms apart; kept in @out. */
static void write_samples(const char *path, size_t n,
			  const struct cadet_writer_opts *o, struct recs *out)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(path, o);

	for (size_t i = 0; i < n; i++) {
		struct cadet_rec *rec =
			sample_rec(b, sample_types[i % SAMPLE_NTYPES], i,
				   2000000000ull + i * 1000000);

		assert_non_null(rec);
		assert_int_equal(cadet_writer__add(w, rec), 0);
		if (out)
			recs_add(out, rec);
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

/* Reads every record; returns the last next() result (0 or -errno). */
static int read_all(const char *path, const struct cadet_reader_opts *o,
		    struct recs *out)
{
	struct cadet_reader *r = cadet_reader__open(path, o);
	const struct cadet_rec *rec;
	int err;

	if (!r)
		return -errno;
	while ((err = cadet_reader__next(r, &rec)) > 0)
		recs_add(out, rec);
	cadet_reader__free(r);
	return err;
}

static void assert_recs_equal(const struct recs *a, const struct recs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i]->size, b->v[i]->size);
		assert_memory_equal(a->v[i], b->v[i], a->v[i]->size);
	}
}

static uint64_t file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void copy_prefix(const char *from, const char *to, uint64_t len)
{
	char *buf = malloc(len + 1);
	int in = open(from, O_RDONLY), out;

	assert_non_null(buf);
	assert_true(in >= 0);
	assert_int_equal(pread(in, buf, len, 0), (ssize_t)len);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	assert_int_equal(write(out, buf, len), (ssize_t)len);
	close(in);
	close(out);
	free(buf);
}

static void test_roundtrip_all_types(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct recs in = {0}, out = {0};
	const struct cadet_rec_header *h;
	struct cadet_reader *r;

	write_samples(tpath("all.cadet"), SAMPLE_NTYPES * 3, NULL, &in);
	assert_int_equal(read_all(tpath("all.cadet"), NULL, &out), 0);
	assert_recs_equal(&in, &out);

	r = cadet_reader__open(tpath("all.cadet"), NULL);
	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	h = cadet_reader__header(r);
	assert_int_equal(h->h.type, CADET_REC_HEADER);
	assert_int_equal(h->ncpus, 2);
	assert_int_equal(h->boot_to_epoch_ns, SAMPLE_BOOT_TO_EPOCH);
	assert_string_equal(cadet_rec_str(&h->h, &h->hostname), "testhost");
	assert_string_equal(cadet_rec_str(&h->h, &h->kernel_release),
			    "6.18.0-test");
	for (unsigned int t = 1; t < CADET_REC_TYPE_MAX; t++) {
		const struct cadet_rec_schema *s = cadet_reader__schema(r, t);

		if (!cadet_rec_type_name(t)) {
			assert_null(s);
			continue;
		}
		assert_non_null(s);
		assert_string_equal(cadet_rec_str(&s->h, &s->name),
				    cadet_rec_type_name(t));
		assert_true(s->nfields > 0);
	}
	assert_null(cadet_rec_type_name(999));
	assert_string_equal(cadet_rec_type_name(CADET_REC_EXEC), "exec");
	cadet_reader__free(r);
	recs_free(&in);
	recs_free(&out);
	cadet_recbuf__free(b);
}

static void test_reorder(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .reorder_ns = 50000000};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(tpath("reorder.cadet"), &o);
	struct cadet_writer_stats st;
	struct recs out = {0};
	uint64_t prev_ts = 0;
	uint32_t prev_pid = 0;

	/* ts jitter within 20 ms (< window); pid = add order. */
	for (unsigned int i = 0; i < 5000; i++) {
		uint64_t ts =
			1000000000ull + i * 100000 + (i * 7919u % 200) * 100000;
		struct cadet_rec *rec = sample_rec(b, CADET_REC_SYSCALL, i, ts);

		rec->pid = i;
		assert_int_equal(cadet_writer__add(w, rec), 0);
	}
	cadet_writer__stats(w, &st);
	assert_int_equal(st.late, 0);
	assert_int_equal(cadet_writer__close(w), 0);
	assert_int_equal(read_all(tpath("reorder.cadet"), NULL, &out), 0);
	assert_int_equal(out.n, 5000);
	for (size_t i = 0; i < out.n; i++) {
		assert_true(out.v[i]->ts >= prev_ts);
		/* Equal timestamps keep the order of add(). */
		if (i && out.v[i]->ts == prev_ts)
			assert_true(out.v[i]->pid > prev_pid);
		prev_ts = out.v[i]->ts;
		prev_pid = out.v[i]->pid;
	}
	recs_free(&out);
	cadet_recbuf__free(b);
}

static void test_late(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .reorder_ns = 1000};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(tpath("late.cadet"), &o);
	struct cadet_writer_stats st;
	struct recs out = {0};
	struct cadet_rec *rec;

	for (unsigned int i = 0; i < 100; i++) {
		rec = sample_rec(b, CADET_REC_FORK, i, 1000000 + i * 10000);
		assert_int_equal(cadet_writer__add(w, rec), 0);
	}
	/* Far older than everything written: raised and counted. */
	rec = sample_rec(b, CADET_REC_EXIT, 7, 5);
	assert_int_equal(cadet_writer__add(w, rec), 0);
	cadet_writer__stats(w, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(cadet_writer__close(w), 0);
	assert_int_equal(read_all(tpath("late.cadet"), NULL, &out), 0);
	assert_int_equal(out.n, 101);
	for (size_t i = 1; i < out.n; i++)
		assert_true(out.v[i]->ts >= out.v[i - 1]->ts);
	/* The late record keeps its content, with a raised ts. */
	for (size_t i = 0; i < out.n; i++)
		if (out.v[i]->type == CADET_REC_EXIT)
			assert_true(out.v[i]->ts > 5);
	recs_free(&out);
	cadet_recbuf__free(b);
}

static void test_many_chunks(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 8192};
	struct recs in = {0}, out = {0};
	uint64_t records = 0, lost = 0, want_lost = 0, off;
	struct cadet_reader *r;

	write_samples(tpath("many.cadet"), 20000, &o, &in);
	for (size_t i = 0; i < in.n; i++)
		if (in.v[i]->type == CADET_REC_LOST)
			want_lost += ((struct cadet_rec_lost *)in.v[i])->count;
	r = cadet_reader__open(tpath("many.cadet"), NULL);
	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	assert_true(cadet_reader__chunk_cnt(r) > 100);
	off = 0;
	for (size_t i = 0; i < cadet_reader__chunk_cnt(r); i++) {
		const struct cadet_chunk_info *ci = cadet_reader__chunk(r, i);

		assert_true(ci->offset > off);
		assert_true(ci->first_ts <= ci->last_ts);
		off = ci->offset;
		records += ci->records;
		lost += ci->lost;
	}
	assert_null(cadet_reader__chunk(r, cadet_reader__chunk_cnt(r)));
	assert_int_equal(records, 20000);
	assert_int_equal(lost, want_lost);
	cadet_reader__free(r);
	assert_int_equal(read_all(tpath("many.cadet"), NULL, &out), 0);
	assert_recs_equal(&in, &out);
	recs_free(&out);

	/* Scanning without the index finds the same chunks and records. */
	struct cadet_reader_opts ro = {.sz = sizeof(ro), .ignore_index = true};

	assert_int_equal(read_all(tpath("many.cadet"), &ro, &out), 0);
	assert_recs_equal(&in, &out);
	recs_free(&out);
	recs_free(&in);
}

static void test_chunk_by_time(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_ns = 100000000};
	struct cadet_reader *r;

	/* 1000 records 1 ms apart = 1 s: ten 100 ms chunks. */
	write_samples(tpath("time.cadet"), 1000, &o, NULL);
	r = cadet_reader__open(tpath("time.cadet"), NULL);
	assert_non_null(r);
	assert_int_equal(cadet_reader__chunk_cnt(r), 10);
	for (size_t i = 0; i < 10; i++) {
		const struct cadet_chunk_info *ci = cadet_reader__chunk(r, i);

		assert_true(ci->last_ts - ci->first_ts < 100000000);
	}
	cadet_reader__free(r);
}

static void test_flush(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(tpath("flush.cadet"), NULL);
	struct cadet_writer_stats st;
	struct recs out = {0};

	for (unsigned int i = 0; i < 10; i++)
		assert_int_equal(
			cadet_writer__add(
				w, sample_rec(b, CADET_REC_OPEN, i, 1000 + i)),
			0);
	assert_int_equal(cadet_writer__flush(w, 1004), 0);
	cadet_writer__stats(w, &st);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.chunks, 1);
	/* Without close: the flushed chunk is on disk, the file is cut. */
	cadet_writer__free(w);
	assert_int_equal(read_all(tpath("flush.cadet"), NULL, &out), -ENODATA);
	assert_int_equal(out.n, 5);
	recs_free(&out);
	cadet_recbuf__free(b);
}

static void test_seek_ts(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 4096};
	struct recs in = {0};
	struct cadet_reader *r;

	write_samples(tpath("seek.cadet"), 5000, &o, &in);
	r = cadet_reader__open(tpath("seek.cadet"), NULL);
	assert_non_null(r);
	for (size_t k = 0; k < in.n; k += 617) {
		uint64_t ts = in.v[k]->ts;
		const struct cadet_rec *rec;
		size_t seen = 0, want = 0;
		bool first = true;

		for (size_t i = 0; i < in.n; i++)
			want += in.v[i]->ts >= ts;
		assert_int_equal(cadet_reader__seek_ts(r, ts), 0);
		while (cadet_reader__next(r, &rec) > 0) {
			/* The first chunk may start a little before ts. */
			if (first)
				assert_true(rec->ts <= ts);
			first = false;
			seen += rec->ts >= ts;
		}
		assert_int_equal(seen, want);
	}
	/* Past the end: nothing. */
	const struct cadet_rec *rec;

	assert_int_equal(cadet_reader__seek_ts(r, UINT64_MAX), 0);
	assert_int_equal(cadet_reader__next(r, &rec), 0);
	cadet_reader__free(r);
	recs_free(&in);
}

static void test_big_record(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(tpath("big.cadet"), NULL);
	const size_t n = 300000;
	char *argv = malloc(n);
	struct recs out = {0};
	struct cadet_rec_exec *e;

	assert_non_null(argv);
	for (size_t i = 0; i < n; i++)
		argv[i] = i % 64 == 63 ? '\0' : 'a' + i % 26;
	e = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*e));
	e->argc = n / 64;
	assert_int_equal(
		cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, argv),
				      argv, n),
		0);
	assert_int_equal(cadet_recbuf__put_str(
				 b, offsetof(struct cadet_rec_exec, filename),
				 "/bin/x", 6),
			 0);
	assert_true(cadet_recbuf__rec(b)->size > 65536);
	assert_int_equal(cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
	assert_int_equal(cadet_writer__close(w), 0);
	assert_int_equal(read_all(tpath("big.cadet"), NULL, &out), 0);
	assert_int_equal(out.n, 1);
	e = (struct cadet_rec_exec *)out.v[0];
	assert_int_equal(e->argv.len, n);
	assert_memory_equal((char *)e + e->argv.off, argv, n);
	assert_string_equal(cadet_rec_str(&e->h, &e->filename), "/bin/x");
	recs_free(&out);
	free(argv);
	cadet_recbuf__free(b);
}

/* Cut the file at many offsets: every complete chunk stays readable. */
static void test_cut_file(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 4096};
	const char *full = tpath("cutsrc.cadet"), *cut = tpath("cut.cadet");
	struct recs in = {0};
	struct cadet_chunk_info *ci;
	struct cadet_reader *r;
	size_t nchunks;
	uint64_t size, hdr_end;

	write_samples(full, 3000, &o, &in);
	size = file_size(full);
	r = cadet_reader__open(full, NULL);
	assert_non_null(r);
	nchunks = cadet_reader__chunk_cnt(r);
	ci = calloc(nchunks, sizeof(*ci));
	for (size_t i = 0; i < nchunks; i++)
		ci[i] = *cadet_reader__chunk(r, i);
	hdr_end = ci[0].offset;
	cadet_reader__free(r);

	for (uint64_t len = 0; len < size;
	     len += len < hdr_end + 64 ? 7 : 211) {
		struct recs out = {0};
		size_t want = 0;
		int err;

		for (size_t i = 0; i < nchunks; i++)
			if (ci[i].offset + ci[i].csize <= len)
				want += ci[i].records;
		copy_prefix(full, cut, len);
		err = read_all(cut, NULL, &out);
		if (len < hdr_end) {
			assert_int_equal(err, -EBADMSG);
			assert_non_null(strstr(cadet_reader__open_error(),
					       "cut.cadet"));
			continue;
		}
		/* Every complete chunk, then "cut" (no seek table). */
		assert_int_equal(err, -ENODATA);
		assert_int_equal(out.n, want);
		for (size_t i = 0; i < out.n; i++)
			assert_memory_equal(out.v[i], in.v[i], in.v[i]->size);
		recs_free(&out);
	}
	free(ci);
	recs_free(&in);
}

static void test_repair(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 4096};
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	const char *full = tpath("repsrc.cadet"), *cut = tpath("rep.cadet");
	struct recs before = {0}, after = {0};
	struct cadet_reader *r;

	write_samples(full, 3000, &o, NULL);
	assert_int_equal(cadet_trace_check(full, &rep), 0);
	assert_true(rep.has_seek_table && rep.seek_table_ok && rep.order_ok);
	assert_int_equal(rep.records, 3000);
	assert_int_equal(rep.chunks_bad, 0);

	copy_prefix(full, cut, file_size(full) * 2 / 3);
	assert_int_equal(cadet_trace_check(cut, &rep), -EBADMSG);
	assert_false(rep.has_seek_table);
	assert_true(rep.tail_bytes > 0);
	assert_non_null(strstr(rep.message, "cut"));
	assert_int_equal(read_all(cut, NULL, &before), -ENODATA);
	assert_true(before.n > 1000 && before.n < 3000);
	assert_int_equal(rep.records, before.n);

	assert_int_equal(cadet_trace_repair(cut, &rep), 0);
	assert_int_equal(cadet_trace_check(cut, &rep), 0);
	r = cadet_reader__open(cut, NULL);
	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	cadet_reader__free(r);
	assert_int_equal(read_all(cut, NULL, &after), 0);
	assert_recs_equal(&before, &after);
	recs_free(&before);
	recs_free(&after);
}

static void flip_bit(const char *path, uint64_t off, int bit)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 1u << bit;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/*
 * A flipped bit anywhere is either caught by check or harmless to the
 * records; nothing crashes.
 */
static void test_bit_flips(void **state)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 2048};
	const char *src = tpath("flipsrc.cadet"), *dst = tpath("flip.cadet");
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	struct recs in = {0};
	uint64_t size, hdr_end;
	struct cadet_reader *r;
	size_t caught = 0;

	write_samples(src, 300, &o, &in);
	size = file_size(src);
	r = cadet_reader__open(src, NULL);
	hdr_end = cadet_reader__chunk(r, 0)->offset;
	cadet_reader__free(r);
	for (uint64_t off = 0; off < size; off += off < hdr_end ? 13 : 5) {
		struct recs out = {0};
		int err, cerr;

		copy_prefix(src, dst, size);
		flip_bit(dst, off, off % 8);
		err = read_all(dst, NULL, &out);
		cerr = cadet_trace_check(dst, &rep);
		{
			bool same = !err && out.n == in.n;

			for (size_t i = 0; same && i < in.n; i++)
				same = !memcmp(out.v[i], in.v[i],
					       in.v[i]->size);
			assert_true(cerr == -EBADMSG || same);
			caught += cerr == -EBADMSG;
		}
		recs_free(&out);
	}
	assert_true(caught > 0);
	recs_free(&in);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_foreign_file(void **state)
{
	static const uint8_t zstd_frame[] = {0x28, 0xb5, 0x2f, 0xfd, 0x20,
					     0x00, 0x01, 0x00, 0x00};
	static const uint8_t other_skip[] = {0x50, 0x2a, 0x4d, 0x18, 4,	  0,
					     0,	   0,	 'a',  'b',  'c', 'd'};
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	struct cadet_reader *r;

	write_file(tpath("text.txt"), "hello, world\n", 13);
	write_file(tpath("empty"), "", 0);
	write_file(tpath("zstd.zst"), zstd_frame, sizeof(zstd_frame));
	write_file(tpath("skip"), other_skip, sizeof(other_skip));
	const char *paths[] = {tpath("text.txt"), tpath("empty"),
			       tpath("zstd.zst"), tpath("skip")};

	for (size_t i = 0; i < 4; i++) {
		r = cadet_reader__open(paths[i], NULL);
		assert_null(r);
		assert_int_equal(errno, EBADMSG);
		assert_non_null(strstr(cadet_reader__open_error(),
				       "not a cadet trace (no CADETTR magic)"));
		assert_non_null(strstr(cadet_reader__open_error(), paths[i]));
		assert_int_equal(cadet_trace_check(paths[i], &rep), -EBADMSG);
		assert_non_null(strstr(rep.message, "not a cadet trace"));
	}
	r = cadet_reader__open(tpath("does-not-exist"), NULL);
	assert_null(r);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(cadet_trace_check(tpath("does-not-exist"), &rep),
			 -ENOENT);
	r = cadet_reader__open(tmpdir, NULL);
	assert_null(r);
}

/* Byte offset of the SCHEMA record of @type in the header frame. */
static size_t find_schema(const uint8_t *p, size_t len, unsigned int type)
{
	for (size_t pos = 8 + 16; pos + 48 <= len;) {
		const struct cadet_rec_schema *s = (const void *)(p + pos);

		if (s->h.type == CADET_REC_SCHEMA && s->rec_type == type)
			return pos;
		pos += s->h.size;
	}
	fail_msg("no schema for type %u", type);
	return 0;
}

/*
 * Rewrites the header frame's exec schema to claim @fixed_size: the file
 * then looks as written by a cadet whose exec record has that fixed part.
 */
static void patch_exec_schema(const char *path, uint32_t fixed_size)
{
	int fd = open(path, O_RDWR);
	uint8_t buf[65536];
	ssize_t n;
	size_t pos;

	assert_true(fd >= 0);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	pos = find_schema(buf, n, CADET_REC_EXEC);
	((struct cadet_rec_schema *)(buf + pos))->fixed_size = fixed_size;
	/* Keep the header frame's CRC-32 valid. */
	uint32_t len =
		buf[4] | buf[5] << 8 | buf[6] << 16 | (uint32_t)buf[7] << 24;
	uint32_t crc = crc32(0, buf + 8 + 16, len - 16);

	memcpy(buf + 8 + 12, &crc, 4);
	assert_int_equal(pwrite(fd, buf, n, 0), n);
	close(fd);
}

static void test_forward_compat(void **state)
{
	const size_t F = sizeof(struct cadet_rec_exec);
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;
	struct recs out = {0};
	struct cadet_rec_exec *e;
	struct cadet_rec *rec;
	uint8_t raw[512];

	/* Newer file: an unknown type and exec with 16 more fixed bytes. */
	w = open_writer(tpath("newer.cadet"), NULL);
	memset(raw, 0, sizeof(raw));
	rec = (struct cadet_rec *)raw;
	rec->size = 64;
	rec->type = 200;
	rec->ts = 10;
	assert_int_equal(cadet_writer__add(w, rec), 0);
	memset(raw, 0, sizeof(raw));
	e = (struct cadet_rec_exec *)raw;
	e->h.size = F + 16 + 16;
	e->h.type = CADET_REC_EXEC;
	e->h.ts = 20;
	e->argc = 7;
	memset(raw + F, 0xab, 16); /* the new fields */
	e->filename.off = F + 16;
	e->filename.len = 5;
	memcpy(raw + F + 16, "/bin/", 6);
	assert_int_equal(cadet_writer__add(w, &e->h), 0);
	assert_int_equal(cadet_writer__close(w), 0);
	patch_exec_schema(tpath("newer.cadet"), F + 16);
	assert_int_equal(read_all(tpath("newer.cadet"), NULL, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.v[0]->type, 200);
	assert_int_equal(out.v[0]->size, 64);
	e = (struct cadet_rec_exec *)out.v[1];
	assert_int_equal(e->argc, 7);
	assert_string_equal(cadet_rec_str(&e->h, &e->filename), "/bin/");
	assert_string_equal(cadet_rec_str(&e->h, &e->argv), "");
	recs_free(&out);

	/* Older file: exec without its last field (argv). */
	w = open_writer(tpath("older.cadet"), NULL);
	memset(raw, 0, sizeof(raw));
	e = (struct cadet_rec_exec *)raw;
	e->h.size = F - 8 + 16;
	e->h.type = CADET_REC_EXEC;
	e->h.ts = 20;
	e->argc = 3;
	e->filename.off = F - 8;
	e->filename.len = 7;
	memcpy(raw + F - 8, "/bin/sh", 8);
	assert_int_equal(cadet_writer__add(w, &e->h), 0);
	assert_int_equal(cadet_writer__close(w), 0);
	patch_exec_schema(tpath("older.cadet"), F - 8);
	assert_int_equal(read_all(tpath("older.cadet"), NULL, &out), 0);
	assert_int_equal(out.n, 1);
	e = (struct cadet_rec_exec *)out.v[0];
	assert_true(e->h.size >= F);
	assert_int_equal(e->argc, 3);
	assert_string_equal(cadet_rec_str(&e->h, &e->filename), "/bin/sh");
	assert_int_equal(e->argv.off, 0);
	assert_int_equal(e->argv.len, 0);
	recs_free(&out);
	cadet_recbuf__free(b);
}

static void test_printer_json(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct trace_printer *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	p = trace_printer__new(f, NULL, true);
	assert_non_null(p);
	assert_int_equal(trace_printer__observe(
				 p, sample_rec(b, CADET_REC_CONTAINER, 0, 1)),
			 0);
	assert_int_equal(
		trace_printer__print(p, sample_rec(b, CADET_REC_CONNECT, 3, 5)),
		0);
	assert_int_equal(
		trace_printer__print(p, sample_rec(b, CADET_REC_OPEN, 10, 6)),
		0);
	fclose(f);
	assert_non_null(strstr(buf, "\"type\":\"connect\""));
	assert_non_null(strstr(buf, "\"container\":\"web0\""));
	assert_non_null(strstr(buf, "\"saddr\":\"127.0.0.1\""));
	assert_non_null(
		strstr(buf, "\"path\":\"/tmp/\\u00ff\\u00fe\\u0001x\""));
	trace_printer__free(p);
	free(buf);
	cadet_recbuf__free(b);
}

/* Not a test: CADET_TRACE_BENCH=1 prints size and speed figures. */
static void bench(void)
{
	const char *path =
		getenv("CADET_TRACE_BENCH_OUT") ?: tpath("bench.cadet");
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w = open_writer(path, NULL);
	const struct cadet_rec *rec;
	struct cadet_writer_stats st;
	struct cadet_reader *r;
	struct timespec t0, t1, t2;
	const size_t n = 2000000;
	size_t cnt = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < n; i++) {
		/* A mix like a busy container: mostly opens, syscalls, socks. */
		static const unsigned int mix[] = {
			CADET_REC_OPEN,	    CADET_REC_OPEN,
			CADET_REC_OPEN,	    CADET_REC_SYSCALL,
			CADET_REC_SYSCALL,  CADET_REC_CONNECT,
			CADET_REC_ACCEPT,   CADET_REC_SOCK_CLOSE,
			CADET_REC_EXEC,	    CADET_REC_FORK,
			CADET_REC_EXIT,	    CADET_REC_FILE_OP,
			CADET_REC_SECURITY, CADET_REC_METRICS,
		};
		unsigned int t = mix[(i * 2654435761u >> 7) % 14];

		assert_int_equal(
			cadet_writer__add(w, sample_rec(b, t, i, i * 20000)),
			0);
	}
	cadet_writer__stats(w, &st);
	assert_int_equal(cadet_writer__close(w), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r = cadet_reader__open(path, NULL);
	while (cadet_reader__next(r, &rec) > 0)
		cnt++;
	cadet_reader__free(r);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	double tw = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	double tr = (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;

	printf("bench: %zu records, %.1f B/record raw, %.2f B/record in file, write %.0f rec/s, read %.0f rec/s\n",
	       cnt, (double)st.bytes_in / n, (double)file_size(path) / n,
	       n / tw, cnt / tr);
	cadet_recbuf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_late),
		cmocka_unit_test(test_many_chunks),
		cmocka_unit_test(test_chunk_by_time),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_seek_ts),
		cmocka_unit_test(test_big_record),
		cmocka_unit_test(test_cut_file),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_foreign_file),
		cmocka_unit_test(test_forward_compat),
		cmocka_unit_test(test_printer_json),
	};

	if (getenv("CADET_TRACE_BENCH")) {
		tmpdir_setup(NULL);
		bench();
		return tmpdir_teardown(NULL);
	}
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
