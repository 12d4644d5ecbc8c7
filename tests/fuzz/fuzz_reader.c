// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the trace reader: the input is written to a memfd
 * and opened as a trace, every record is read and printed (JSON and text,
 * exercising every field's bounds checks), then check runs on it.
 * Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "cadet/trace.h"
#include "lib/trace/trace_print.h"

static void read_all(const char *path, bool ignore_index, FILE *sink)
{
	struct cadet_reader_opts o = {.sz = sizeof(o),
				      .ignore_index = ignore_index};
	struct trace_printer *pj, *pt;
	const struct cadet_rec *rec;
	struct cadet_reader *r;
	int err, budget = 100000;

	r = cadet_reader__open(path, &o);
	if (!r)
		return;
	pj = trace_printer__new(sink, r, true);
	pt = trace_printer__new(sink, r, false);
	trace_printer__print(pj, &cadet_reader__header(r)->h);
	for (unsigned int t = 0; t < 64; t++) {
		const struct cadet_rec_schema *s = cadet_reader__schema(r, t);

		if (s)
			trace_printer__print(pj, &s->h);
	}
	for (size_t i = 0; i < cadet_reader__chunk_cnt(r); i++)
		(void)cadet_reader__chunk(r, i)->records;
	/* Errors skip a chunk; keep going as cadet dump does. */
	while (budget-- > 0 && (err = cadet_reader__next(r, &rec)) != 0) {
		if (err < 0)
			continue;
		trace_printer__observe(pj, rec);
		trace_printer__print(pj, rec);
		trace_printer__print(pt, rec);
		(void)cadet_rec_str(
			rec,
			(const struct cadet_vstr *)((const uint8_t *)rec + 48));
	}
	if (cadet_reader__chunk_cnt(r)) {
		cadet_reader__seek_ts(r, cadet_reader__chunk(r, 0)->last_ts);
		if (cadet_reader__next(r, &rec) > 0)
			trace_printer__print(pt, rec);
	}
	trace_printer__free(pj);
	trace_printer__free(pt);
	cadet_reader__free(r);
}

static void run(const uint8_t *data, size_t size, FILE *sink)
{
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	char path[64];
	int fd;

	fd = memfd_create("fuzz.cadet", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		read_all(path, false, sink);
		read_all(path, true, sink);
		cadet_trace_check(path, &rep);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	uint32_t len, crc;
	uint8_t *copy;

	if (!sink)
		sink = fopen("/dev/null", "w");
	run(data, size, sink);
	/*
	 * Again with the header frame's CRC made valid, so that mutations
	 * reach the header and schema parsing behind the checksum.
	 */
	if (size < 24)
		return 0;
	memcpy(&len, data + 4, 4);
	if (len < 16 || len > size - 8)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	crc = crc32(0, copy + 24, len - 16);
	memcpy(copy + 20, &crc, 4);
	run(copy, size, sink);
	free(copy);
	return 0;
}
