// SPDX-License-Identifier: MIT
/*
 * cadet_trace_pack(): records and header frame byte for byte the same in
 * fewer chunks, in place or to another file; a cut trace, a directory or
 * a device is refused with the input untouched; an older minor's records
 * are copied as stored, not zero-extended; packing twice changes nothing.
 */
#include <dirent.h>
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
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "cadet/trace.h"
#include "tests/unit/trace_samples.h"

#define TEST_TMPDIR_NAME "cadet-test-pack"
#include "tests/unit/test_tmpdir.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	p = malloc(sb.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, sb.st_size, 0), sb.st_size);
	close(fd);
	*len = sb.st_size;
	return p;
}

static void spit(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

static bool same_bytes(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *pa = slurp(a, &la), *pb = slurp(b, &lb);
	bool same = la == lb && !memcmp(pa, pb, la);

	free(pa);
	free(pb);
	return same;
}

/* Writes @n sample records 1 ms apart in chunks of @chunk_bytes. */
static void write_samples(const char *path, size_t n, size_t chunk_bytes)
{
	struct cadet_writer_opts o = {.sz = sizeof(o),
				      .chunk_bytes = chunk_bytes};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
			cadet_writer__add(
				w,
				sample_rec(b, sample_types[i % SAMPLE_NTYPES],
					   i, 2000000000ull + i * 1000000)),
			0);
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

/*
 * Every record of @path as stored, back to back, and the header frame
 * (the bytes before the first chunk) in @hdr. The caller frees both.
 */
static uint8_t *records_of(const char *path, size_t *len, uint64_t *n,
			   uint8_t **hdr, size_t *hdr_len, size_t *chunks)
{
	struct cadet_reader_opts ro = {.sz = sizeof(ro), .raw = true};
	struct cadet_reader *r = cadet_reader__open(path, &ro);
	const struct cadet_rec *rec;
	uint8_t *p = NULL, *file;
	size_t cap = 0, flen;
	int err;

	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	*len = 0;
	*n = 0;
	while ((err = cadet_reader__next(r, &rec)) > 0) {
		if (*len + rec->size > cap) {
			cap = (*len + rec->size) * 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		memcpy(p + *len, rec, rec->size);
		*len += rec->size;
		(*n)++;
	}
	assert_int_equal(err, 0);
	*chunks = cadet_reader__chunk_cnt(r);
	file = slurp(path, &flen);
	*hdr_len = *chunks ? cadet_reader__chunk(r, 0)->offset : 0;
	*hdr = file;
	cadet_reader__free(r);
	return p;
}

/* @a and @b hold the same header frame and the same records. */
static void assert_same_trace(const char *a, const char *b, size_t *ca,
			      size_t *cb)
{
	uint8_t *ha, *hb, *ra, *rb;
	size_t la, lb, hla, hlb;
	uint64_t na, nb;

	ra = records_of(a, &la, &na, &ha, &hla, ca);
	rb = records_of(b, &lb, &nb, &hb, &hlb, cb);
	assert_int_equal(na, nb);
	assert_int_equal(la, lb);
	assert_memory_equal(ra, rb, la);
	assert_int_equal(hla, hlb);
	assert_memory_equal(ha, hb, hla);
	free(ra);
	free(rb);
	free(ha);
	free(hb);
}

/* No TARGET.pack-XXXXXX file is left in the test directory. */
static void assert_no_leftovers(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".pack-"))
			fail_msg("left behind: %s", e->d_name);
	closedir(d);
}

static uint64_t fsize(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void test_pack_in_place(void **state)
{
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	struct cadet_check_report crep = {.sz = sizeof(crep)};
	const char *t = tpath("inplace.cadet"), *orig = tpath("inplace.orig");
	size_t ca, cb, len;
	uint8_t *p;
	struct stat sb;

	write_samples(t, 20000, 8192);
	assert_int_equal(chmod(t, 0640), 0);
	p = slurp(t, &len);
	spit(orig, p, len);
	free(p);

	assert_int_equal(cadet_trace_pack(t, NULL, NULL, &rep), 0);
	assert_true(rep.replaced);
	assert_int_equal(rep.records, 20000);
	assert_int_equal(rep.bytes_in, len);
	assert_int_equal(rep.bytes_out, fsize(t));
	assert_true(rep.bytes_out < rep.bytes_in);
	assert_true(rep.chunks_in > 100);
	/* Less than the default 4 MiB of records: one chunk. */
	assert_true(rep.record_bytes < 4u << 20);
	assert_int_equal(rep.chunks_out, 1);
	assert_same_trace(orig, t, &ca, &cb);
	assert_int_equal(ca, rep.chunks_in);
	assert_int_equal(cb, 1);
	assert_int_equal(cadet_trace_check(t, &crep), 0);
	assert_int_equal(crep.records, 20000);
	assert_int_equal(stat(t, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_no_leftovers();

	/* Packed again: nothing to gain, the file is left as it is. */
	p = slurp(t, &len);
	spit(orig, p, len);
	free(p);
	assert_int_equal(cadet_trace_pack(t, NULL, NULL, &rep), 0);
	assert_false(rep.replaced);
	assert_non_null(strstr(rep.message, "left as it is"));
	assert_true(same_bytes(orig, t));
	assert_no_leftovers();
}

static void test_pack_to_out(void **state)
{
	struct cadet_pack_opts o = {
		.sz = sizeof(o), .level = 3, .chunk_bytes = 64 << 10};
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	const char *in = tpath("src.cadet"), *out = tpath("out.cadet");
	const char *keep = tpath("src.orig");
	size_t ca, cb, len;
	uint8_t *p;

	write_samples(in, 20000, 8192);
	p = slurp(in, &len);
	spit(keep, p, len);
	free(p);

	assert_int_equal(cadet_trace_pack(in, out, &o, &rep), 0);
	assert_true(rep.replaced);
	assert_true(same_bytes(in, keep));
	assert_same_trace(in, out, &ca, &cb);
	/* 64 KiB chunks of a few MiB of records: several, far fewer. */
	assert_true(cb > 1 && cb < ca / 4);
	assert_int_equal(cb, rep.chunks_out);

	/* OUT exists: refused unless forced. */
	assert_int_equal(cadet_trace_pack(in, out, &o, &rep), -EEXIST);
	assert_false(rep.replaced);
	assert_non_null(strstr(rep.message, "exists"));
	o.force = true;
	o.chunk_bytes = 0; /* the default: one chunk */
	assert_int_equal(cadet_trace_pack(in, out, &o, &rep), 0);
	assert_same_trace(in, out, &ca, &cb);
	assert_int_equal(cb, 1);
	/* By time: one chunk per 2 s of its 20 s. */
	o.chunk_ns = 2000000000ull;
	assert_int_equal(cadet_trace_pack(in, out, &o, &rep), 0);
	assert_same_trace(in, out, &ca, &cb);
	assert_int_equal(cb, 10);
	assert_true(same_bytes(in, keep));
	assert_no_leftovers();
}

static void test_pack_refuses(void **state)
{
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	struct cadet_pack_opts o = {.sz = sizeof(o), .level = 99};
	const char *full = tpath("full.cadet"), *cut = tpath("cut.cadet");
	const char *keep = tpath("cut.orig");
	size_t len;
	uint8_t *p;

	write_samples(full, 3000, 4096);
	p = slurp(full, &len);
	spit(cut, p, len * 2 / 3);
	spit(keep, p, len * 2 / 3);
	free(p);

	assert_int_equal(cadet_trace_pack(cut, NULL, NULL, &rep), -EBADMSG);
	assert_false(rep.replaced);
	assert_non_null(strstr(rep.message, "cut"));
	assert_non_null(strstr(rep.message, "cadet check --repair"));
	assert_true(same_bytes(cut, keep));
	assert_int_equal(cadet_trace_pack(cut, tpath("x.cadet"), NULL, &rep),
			 -EBADMSG);
	assert_int_equal(access(tpath("x.cadet"), F_OK), -1);

	assert_int_equal(cadet_trace_pack(tmpdir, NULL, NULL, &rep), -EISDIR);
	assert_non_null(strstr(rep.message, "is a directory"));
	assert_int_equal(cadet_trace_pack("/dev/null", NULL, NULL, &rep),
			 -EINVAL);
	assert_non_null(strstr(rep.message, "not a regular file"));
	assert_int_equal(cadet_trace_pack(full, tmpdir, NULL, &rep), -EISDIR);
	assert_int_equal(cadet_trace_pack(full, NULL, &o, &rep), -EINVAL);
	assert_int_equal(cadet_trace_pack(NULL, NULL, NULL, &rep), -EINVAL);
	assert_no_leftovers();
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
 * A file as an older minor writes it: exec records 8 bytes shorter than
 * this build's, and a schema that says so. A reader zero-extends them;
 * pack must copy them as they are, and the older schema with them.
 */
static void test_pack_older_minor(void **state)
{
	const size_t F = sizeof(struct cadet_rec_exec);
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	const char *t = tpath("older.cadet"), *keep = tpath("older.orig");
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_exec *e;
	struct cadet_writer *w;
	uint8_t raw[512], *p;
	size_t len, pos, ca, cb;
	uint32_t crc, flen;

	w = cadet_writer__create(t, sample_header(b), NULL);
	assert_non_null(w);
	for (unsigned int i = 0; i < 3000; i++) {
		memset(raw, 0, sizeof(raw));
		e = (struct cadet_rec_exec *)raw;
		e->h.size = F - 8 + 16;
		e->h.type = CADET_REC_EXEC;
		e->h.ts = 1000000000ull + i * 10000000ull;
		e->argc = i;
		e->filename.off = F - 8;
		e->filename.len = 7;
		memcpy(raw + F - 8, "/bin/sh", 8);
		assert_int_equal(cadet_writer__add(w, &e->h), 0);
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);

	/* The schema says exec is 8 bytes shorter; the CRC stays valid. */
	p = slurp(t, &len);
	pos = find_schema(p, len, CADET_REC_EXEC);
	((struct cadet_rec_schema *)(p + pos))->fixed_size = F - 8;
	flen = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
	crc = crc32(0, p + 8 + 16, flen - 16);
	memcpy(p + 8 + 12, &crc, 4);
	spit(t, p, len);
	spit(keep, p, len);
	free(p);

	assert_int_equal(cadet_trace_pack(t, NULL, NULL, &rep), 0);
	assert_true(rep.replaced);
	assert_int_equal(rep.records, 3000);
	assert_int_equal(rep.record_bytes, 3000 * (F - 8 + 16));
	assert_same_trace(keep, t, &ca, &cb);
	assert_true(ca > 1);
	assert_int_equal(cb, 1);
}

/* Writes @secs intervals of BPF_STATS records for 3 programs in @mode. */
static void write_bpf_stats(const char *path, unsigned int secs,
			    unsigned int mode, bool counts)
{
	struct cadet_writer_opts o = {.sz = sizeof(o)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	for (unsigned int t = 0; t < secs; t++) {
		for (unsigned int p = 0; p < 3; p++) {
			struct cadet_rec_bpf_stats *r = cadet_recbuf__start(
				b, CADET_REC_BPF_STATS, sizeof(*r));

			r->h.ts = 2000000000ull + t * 1000000000ull;
			r->interval_ns = 1000000000;
			r->prog_id = 100 + p;
			r->stats = mode;
			r->run_cnt = counts ? 10 + t : 0;
			r->run_ns = counts ? 1000 * (t + 1) : 0;
			snprintf(r->prog, sizeof(r->prog), "prog%u", p);
			assert_int_equal(
				cadet_writer__add(w, cadet_recbuf__rec(b)), 0);
		}
		/* Another record between the intervals stays as it is. */
		assert_int_equal(
			cadet_writer__add(
				w,
				sample_rec(b, CADET_REC_EXEC, t,
					   2000000500ull + t * 1000000000ull)),
			0);
	}
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

static uint64_t count_type(const char *path, unsigned int type)
{
	struct cadet_reader *r = cadet_reader__open(path, NULL);
	const struct cadet_rec *rec;
	uint64_t n = 0;

	assert_non_null(r);
	while (cadet_reader__next(r, &rec) > 0)
		n += rec->type == type;
	cadet_reader__free(r);
	return n;
}

/*
 * --drop-idle-bpf-stats keeps each program's first unmeasured record and
 * every measured one; without it nothing is left out.
 */
static void test_pack_drop_idle_bpf_stats(void **state)
{
	struct cadet_pack_opts o = {.sz = sizeof(o),
				    .drop_idle_bpf_stats = true};
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	char *idle = tpath("idle.cadet"), *on = tpath("on.cadet");
	char *out = tpath("idle.out.cadet"), *on_out = tpath("on.out.cadet");
	char *plain = tpath("plain.out.cadet");

	write_bpf_stats(idle, 50, CADET_BPF_STATS_OFF, false);
	assert_int_equal(cadet_trace_pack(idle, out, &o, &rep), 0);
	assert_int_equal(rep.dropped, 49 * 3);
	assert_int_equal(rep.records, 3 + 50);
	assert_int_equal(count_type(out, CADET_REC_BPF_STATS), 3);
	assert_int_equal(count_type(out, CADET_REC_EXEC), 50);

	/* Without the option: every record, none dropped. */
	memset(&rep, 0, sizeof(rep));
	rep.sz = sizeof(rep);
	o.drop_idle_bpf_stats = false;
	assert_int_equal(cadet_trace_pack(idle, plain, &o, &rep), 0);
	assert_int_equal(rep.dropped, 0);
	assert_int_equal(count_type(plain, CADET_REC_BPF_STATS), 150);

	/* Measured records all stay, whatever their counts. */
	write_bpf_stats(on, 50, CADET_BPF_STATS_RECORDER, true);
	memset(&rep, 0, sizeof(rep));
	rep.sz = sizeof(rep);
	o.drop_idle_bpf_stats = true;
	assert_int_equal(cadet_trace_pack(on, on_out, &o, &rep), 0);
	assert_int_equal(rep.dropped, 0);
	{
		size_t ca, cb;

		assert_same_trace(on, on_out, &ca, &cb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_in_place),
		cmocka_unit_test(test_pack_to_out),
		cmocka_unit_test(test_pack_refuses),
		cmocka_unit_test(test_pack_older_minor),
		cmocka_unit_test(test_pack_drop_idle_bpf_stats),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
