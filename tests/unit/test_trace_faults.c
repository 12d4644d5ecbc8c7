// SPDX-License-Identifier: MIT
/*
 * Trace library under faults: repair of files whose frame headers, index
 * or seek table are damaged (never fewer readable records afterwards),
 * the backup repair keeps, cut and concatenated files reported by the
 * reader, non-regular inputs refused, and the writer filling a disk.
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
#include <unistd.h>

#include <cmocka.h>

#include "cadet/trace.h"
#include "lib/trace/trace_int.h"
#include "lib/util/rng.h"
#include "tests/unit/trace_samples.h"

#define TEST_TMPDIR_NAME "cadet-test-faults"
#include "tests/unit/test_tmpdir.h"

static uint64_t file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void write_file_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void copy_prefix(const char *from, const char *to, uint64_t len)
{
	char *buf = malloc(len + 1);
	int in = open(from, O_RDONLY);

	assert_non_null(buf);
	assert_true(in >= 0);
	assert_int_equal(pread(in, buf, len, 0), (ssize_t)len);
	close(in);
	write_file_bytes(to, buf, len);
	free(buf);
}

/* Writes @n sample records, 1 ms apart, in chunks of ~@chunk bytes. */
static void write_samples(const char *path, size_t n, size_t chunk)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = chunk};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
			cadet_writer__add(
				w, sample_rec(b, sample_types[i % SAMPLE_NTYPES],
					      i, 2000000000ull + i * 1000000)),
			0);
	assert_int_equal(cadet_writer__close(w), 0);
	cadet_recbuf__free(b);
}

/*
 * Records `cadet dump` reads: past damaged chunks, stopping only at other
 * errors. *last gets the last negative next() result (0 if none).
 */
static uint64_t dump_count(const char *path, bool scan, int *last)
{
	struct cadet_reader_opts o = {.sz = sizeof(o), .ignore_index = scan};
	const struct cadet_rec *rec;
	struct cadet_reader *r;
	uint64_t n = 0;
	int err;

	if (last)
		*last = 0;
	r = cadet_reader__open(path, &o);
	if (!r)
		return 0;
	while ((err = cadet_reader__next(r, &rec)) != 0) {
		if (err > 0) {
			n++;
			continue;
		}
		if (last)
			*last = err;
		if (err != -EBADMSG)
			break;
	}
	cadet_reader__free(r);
	return n;
}

static void xor_byte(const char *path, uint64_t off, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= mask;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* Where the frames of a sound trace are. */
struct layout {
	struct cadet_chunk_info *chunks;
	size_t nchunks;
	uint64_t index_off, seek_off, size;
	uint64_t *block_off; /* first block header of each chunk */
};

static void get_layout(const char *path, struct layout *l)
{
	struct cadet_reader *r = cadet_reader__open(path, NULL);
	uint8_t hdr[ZSTD_FRAMEHEADERSIZE_MAX];
	int fd = open(path, O_RDONLY);

	assert_non_null(r);
	assert_true(cadet_reader__indexed(r));
	assert_true(fd >= 0);
	l->nchunks = cadet_reader__chunk_cnt(r);
	l->chunks = calloc(l->nchunks, sizeof(*l->chunks));
	l->block_off = calloc(l->nchunks, sizeof(*l->block_off));
	assert_non_null(l->chunks);
	assert_non_null(l->block_off);
	for (size_t i = 0; i < l->nchunks; i++) {
		l->chunks[i] = *cadet_reader__chunk(r, i);
		assert_int_equal(pread(fd, hdr, sizeof(hdr),
				       l->chunks[i].offset),
				 sizeof(hdr));
		l->block_off[i] = l->chunks[i].offset +
				  ZSTD_frameHeaderSize(hdr, sizeof(hdr));
	}
	cadet_reader__free(r);
	close(fd);
	l->size = file_size(path);
	l->index_off = l->chunks[l->nchunks - 1].offset +
		       l->chunks[l->nchunks - 1].csize;
	l->seek_off = l->size - (8 + 8 * (l->nchunks + 2) + 9);
}

/* One damage to a frame header: which byte, which bits. */
static void mutate_one(const char *path, const struct layout *l,
		       uint64_t *rng)
{
	uint64_t x = util_splitmix64(rng);
	uint8_t mask = 1u << (x >> 8) % 8;
	size_t c = (x >> 16) % l->nchunks;
	const struct cadet_chunk_info *ci = &l->chunks[c];
	uint64_t off;

	switch (x % 10) {
	case 0: /* chunk: zstd magic */
	case 1:
		off = ci->offset + (x >> 32) % 4;
		break;
	case 2: /* chunk: frame header descriptor */
		off = ci->offset + 4;
		break;
	case 3: /* chunk: window descriptor / content size */
		off = ci->offset + 5 + (x >> 32) % (l->block_off[c] -
						    ci->offset - 5);
		break;
	case 4: /* chunk: first block header (type, size) */
	case 5:
		off = l->block_off[c] + (x >> 32) % 3;
		break;
	case 6: /* chunk: whole frame size seen as content checksum */
		off = ci->offset + ci->csize - 1 - (x >> 32) % 4;
		break;
	case 7: /* index: magic, size, entry size or count, an entry */
		off = l->index_off + (x >> 32) % 16;
		if ((x >> 40) % 2)
			off = l->index_off + 16 +
			      48 * ((x >> 44) % l->nchunks) + (x >> 52) % 16;
		break;
	case 8: /* seek table: magic, size, an entry */
		off = l->seek_off + (x >> 32) % (8 + 8 * (l->nchunks + 2));
		break;
	default: /* seek table footer: count, descriptor, magic */
		off = l->size - 1 - (x >> 32) % 9;
		break;
	}
	xor_byte(path, off, mask);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * 100 seeded mutants, each with 1-3 damaged frame headers (of chunks, the
 * index, the seek table): repair keeps at least what any reader path read
 * before, and leaves a sound file.
 */
static void test_repair_mutants(void **state)
{
	struct cadet_repair_opts ro = {.sz = sizeof(ro), .no_backup = true};
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	const char *src = tpath("mut-src.cadet"), *dst = tpath("mut.cadet");
	uint64_t before[100], after[100], total;
	size_t n = 100, gained = 0;
	struct layout l = {0};

	write_samples(src, 6000, 4096);
	get_layout(src, &l);
	total = dump_count(src, false, NULL);
	assert_int_equal(total, 6000);
	assert_true(l.nchunks > 20);
	for (size_t m = 0; m < n; m++) {
		uint64_t rng = 0x5eed0000 + m, a, b;
		int nmut = 1 + util_splitmix64(&rng) % 3;

		copy_prefix(src, dst, l.size);
		for (int k = 0; k < nmut; k++)
			mutate_one(dst, &l, &rng);
		a = dump_count(dst, false, NULL);
		b = dump_count(dst, true, NULL);
		before[m] = a > b ? a : b;
		assert_int_equal(cadet_trace_repair_opts(dst, &rep, &ro), 0);
		after[m] = dump_count(dst, false, NULL);
		if (after[m] < before[m])
			fail_msg("mutant %zu: %llu records readable before repair, %llu after",
				 m, (unsigned long long)before[m],
				 (unsigned long long)after[m]);
		assert_int_equal(cadet_trace_check(dst, &rep), 0);
		gained += after[m] > before[m];
	}
	qsort(before, n, sizeof(before[0]), cmp_u64);
	qsort(after, n, sizeof(after[0]), cmp_u64);
	printf("repair mutants: %zu mutants of a %llu-record trace (%zu chunks): records readable before repair min %llu median %llu, after min %llu median %llu; %zu gained records\n",
	       n, (unsigned long long)total, l.nchunks,
	       (unsigned long long)before[0], (unsigned long long)before[n / 2],
	       (unsigned long long)after[0], (unsigned long long)after[n / 2],
	       gained);
	free(l.chunks);
	free(l.block_off);
}

/*
 * A damaged frame magic in the middle: check stopped there and repair
 * dropped every later chunk; check said "seek table missing".
 */
static void test_repair_past_broken_frame(void **state)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	const char *src = tpath("mid-src.cadet"), *dst = tpath("mid.cadet");
	struct layout l = {0};
	uint64_t before;

	write_samples(src, 3000, 4096);
	get_layout(src, &l);
	copy_prefix(src, dst, l.size);
	/* The frame header descriptor of a middle chunk: undecodable. */
	xor_byte(dst, l.chunks[l.nchunks / 2].offset + 4, 0x08);
	before = dump_count(dst, false, NULL);
	assert_true(before > 2500);
	assert_int_equal(cadet_trace_check(dst, &rep), -EBADMSG);
	assert_true(rep.has_seek_table);
	assert_int_equal(rep.records, before);
	assert_null(strstr(rep.message, "--repair"));
	unlink(tpath("mid.cadet.orig"));
	assert_int_equal(cadet_trace_repair(dst, &rep), 0);
	assert_int_equal(dump_count(dst, false, NULL), before);
	/* The original is kept beside it, unchanged. */
	assert_int_equal(file_size(tpath("mid.cadet.orig")), l.size);
	assert_int_equal(dump_count(tpath("mid.cadet.orig"), false, NULL),
			 before);
	/* A second repair does not overwrite that backup. */
	xor_byte(dst, file_size(dst) - 1, 1);
	assert_int_equal(cadet_trace_repair(dst, &rep), -EEXIST);
	assert_non_null(strstr(rep.message, "mid.cadet.orig"));

	/* A broken zstd magic is restored from what the index says. */
	copy_prefix(src, dst, l.size);
	xor_byte(dst, l.chunks[3].offset + 1, 0x10);
	assert_true(dump_count(dst, false, NULL) < 3000);
	assert_int_equal(cadet_trace_repair_opts(
				 dst, &rep,
				 &(struct cadet_repair_opts){
					 .sz = sizeof(struct cadet_repair_opts),
					 .no_backup = true}),
			 0);
	assert_int_equal(dump_count(dst, false, NULL), 3000);
	free(l.chunks);
	free(l.block_off);
}

/* A cut file: every complete chunk, then -ENODATA saying so, once. */
static void test_cut_reported(void **state)
{
	const char *src = tpath("cut-src.cadet"), *dst = tpath("cut.cadet");
	struct cadet_reader *r;
	const struct cadet_rec *rec;
	struct layout l = {0};
	uint64_t n = 0, want = 0;
	int err;

	write_samples(src, 3000, 4096);
	get_layout(src, &l);
	copy_prefix(src, dst, l.chunks[5].offset + l.chunks[5].csize / 2);
	for (size_t i = 0; i < 5; i++)
		want += l.chunks[i].records;
	r = cadet_reader__open(dst, NULL);
	assert_non_null(r);
	while ((err = cadet_reader__next(r, &rec)) > 0)
		n++;
	assert_int_equal(err, -ENODATA);
	assert_int_equal(n, want);
	assert_non_null(strstr(cadet_reader__error(r), "cut"));
	assert_non_null(strstr(cadet_reader__error(r), "cut.cadet"));
	assert_int_equal(cadet_reader__next(r, &rec), 0);
	cadet_reader__free(r);
	/* Cut exactly after a chunk: still no seek table, still cut. */
	copy_prefix(src, dst, l.chunks[5].offset);
	assert_int_equal(dump_count(dst, false, &err), want);
	assert_int_equal(err, -ENODATA);
	free(l.chunks);
	free(l.block_off);
}

static void cat_files(const char *a, const char *b, const char *out)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cat '%s' '%s' >'%s'", a, b, out);
	assert_int_equal(system(cmd), 0);
}

/* cat A B and trailing bytes are reported, not read as one trace. */
static void test_concatenated(void **state)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	const char *a = tpath("a.cadet"), *b = tpath("b.cadet");
	const char *ab = tpath("ab.cadet");
	struct cadet_reader *r;
	const struct cadet_rec *rec;
	int err;

	write_samples(a, 500, 4096);
	write_samples(b, 300, 4096);
	cat_files(a, b, ab);
	assert_int_equal(dump_count(ab, false, &err), 500);
	assert_int_equal(err, -EBADMSG);
	r = cadet_reader__open(ab, NULL);
	assert_non_null(r);
	while (cadet_reader__next(r, &rec) > 0)
		;
	assert_non_null(strstr(cadet_reader__error(r), "second trace"));
	cadet_reader__free(r);
	assert_int_equal(cadet_trace_check(ab, &rep), -EBADMSG);
	assert_true(rep.concatenated);
	assert_non_null(strstr(rep.message, "second trace"));
	/* Repair does not pick one of the two: the file stays as it is. */
	assert_int_equal(cadet_trace_repair(ab, &rep), -EBADMSG);
	assert_int_equal(file_size(ab), file_size(a) + file_size(b));

	write_file_bytes(tpath("junk"), "junk junk junk\n", 15);
	cat_files(a, tpath("junk"), ab);
	assert_int_equal(dump_count(ab, false, &err), 500);
	assert_int_equal(err, -EBADMSG);
	assert_int_equal(cadet_trace_check(ab, &rep), -EBADMSG);
	assert_non_null(strstr(rep.message, "trailing"));
}

/* Devices, FIFOs and directories are refused at open, at once. */
static void test_non_regular(void **state)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	struct cadet_reader *r;

	assert_int_equal(symlink("/dev/zero", tpath("zero.cadet")), 0);
	r = cadet_reader__open(tpath("zero.cadet"), NULL);
	assert_null(r);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(cadet_reader__open_error(),
			       "character device"));
	assert_int_not_equal(cadet_trace_check(tpath("zero.cadet"), &rep), 0);

	assert_int_equal(mkfifo(tpath("fifo.cadet"), 0600), 0);
	r = cadet_reader__open(tpath("fifo.cadet"), NULL);
	assert_null(r);
	assert_non_null(strstr(cadet_reader__open_error(), "FIFO"));

	r = cadet_reader__open(tmpdir, NULL);
	assert_null(r);
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(cadet_reader__open_error(), "is a directory"));
}

/* ---- a disk filling up, simulated ---- */

static uint64_t disk_limit = UINT64_MAX;

/* write(2) on a file system of @disk_limit bytes: short, then ENOSPC. */
static ssize_t limited_write(int fd, const void *buf, size_t len)
{
	off_t pos = lseek(fd, 0, SEEK_CUR);

	if (pos < 0)
		return -1;
	if ((uint64_t)pos >= disk_limit) {
		errno = ENOSPC;
		return -1;
	}
	if (pos + len > disk_limit)
		len = disk_limit - pos;
	return write(fd, buf, len);
}

/* Writes 20000 records as fill_disk() does; how many were added. */
static uint64_t write_until_full(const char *path, int *err)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 16384};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_writer *w;
	uint64_t added = 0;

	assert_non_null(b);
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	*err = 0;
	for (size_t i = 0; i < 20000 && !*err; i++) {
		*err = cadet_writer__add(
			w, sample_rec(b, sample_types[i % SAMPLE_NTYPES], i,
				      2000000000ull + i * 100000));
		added++;
	}
	cadet_recbuf__free(b);
	cadet_writer__free(w);
	return added;
}

/*
 * The disk fills while chunk @k + 1 is written: with @room, all but its
 * last byte fit (cutting it off frees enough for a LOST chunk and the
 * tail); without, only 10 bytes of it. Every figure the writer gives must
 * match the file.
 */
static void fill_disk(size_t k, bool room)
{
	struct cadet_writer_opts o = {.sz = sizeof(o), .chunk_bytes = 16384};
	const char *path = tpath("full.cadet");
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_chunk_info next;
	struct cadet_writer_stats st;
	struct cadet_reader *r;
	const struct cadet_rec *rec;
	struct cadet_writer *w;
	uint64_t added = 0, n = 0, lost_rec = 0, limit;
	int err = 0, rerr;

	/* Where the chunks fall on an unlimited disk (deterministic). */
	write_until_full(path, &err);
	assert_int_equal(err, 0);
	r = cadet_reader__open(path, NULL);
	assert_non_null(r);
	assert_true(cadet_reader__chunk_cnt(r) > k + 2);
	next = *cadet_reader__chunk(r, k + 1);
	limit = next.offset + (room ? next.csize - 1 : 10);
	cadet_reader__free(r);

	disk_limit = limit;
	trace_write_fn = limited_write;
	w = cadet_writer__create(path, sample_header(b), &o);
	assert_non_null(w);
	for (size_t i = 0; i < 20000 && !err; i++) {
		err = cadet_writer__add(
			w, sample_rec(b, sample_types[i % SAMPLE_NTYPES], i,
				      2000000000ull + i * 100000));
		added++;
	}
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(cadet_writer__close_stats(w, &st), -ENOSPC);
	trace_write_fn = write;
	assert_int_equal(st.indexed, room);
	assert_true(file_size(path) <= limit);
	r = cadet_reader__open(path, NULL);
	assert_non_null(r);
	assert_int_equal(cadet_reader__indexed(r), room);
	while ((rerr = cadet_reader__next(r, &rec)) > 0) {
		n++;
		if (rec->type == CADET_REC_LOST &&
		    rec->cpu == CADET_LOST_CPU_WRITER)
			lost_rec += ((const struct cadet_rec_lost *)rec)->count;
	}
	assert_int_equal(rerr, room ? 0 : -ENODATA);
	cadet_reader__free(r);
	/* Only what is in the file counts as written; the rest as lost. */
	assert_int_equal(st.records, n);
	assert_true(st.dropped > 0);
	if (room) {
		assert_int_equal(st.records - 1 + st.dropped, added);
		assert_int_equal(lost_rec, st.dropped);
	} else {
		assert_int_equal(st.records + st.dropped, added);
		assert_int_equal(file_size(path), next.offset);
	}
	printf("disk full at %llu bytes: %llu records added, %llu in the file, %llu lost%s\n",
	       (unsigned long long)limit, (unsigned long long)added,
	       (unsigned long long)st.records, (unsigned long long)st.dropped,
	       room ? " (counted in a LOST record; file indexed)"
		    : " (no room for the index: file cut after the last whole chunk)");
	cadet_recbuf__free(b);
}

static void test_writer_disk_full(void **state)
{
	fill_disk(3, true);
}

static void test_writer_disk_full_no_room(void **state)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};

	fill_disk(3, false);
	assert_int_equal(cadet_trace_check(tpath("full.cadet"), &rep),
			 -EBADMSG);
	assert_int_equal(rep.tail_bytes, 0);
	assert_false(rep.has_seek_table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repair_mutants),
		cmocka_unit_test(test_repair_past_broken_frame),
		cmocka_unit_test(test_cut_reported),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_non_regular),
		cmocka_unit_test(test_writer_disk_full),
		cmocka_unit_test(test_writer_disk_full_no_room),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
