/* SPDX-License-Identifier: MIT */
/*
 * Internals of the trace library shared by its modules (schema table,
 * frame scanning, record checks). Not part of the public API.
 */
#ifndef CADET_LIB_TRACE_INT_H
#define CADET_LIB_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_writeSkippableFrame */
#include <zstd.h>
#include <zstd_errors.h>

#include "cadet/trace.h"
#include "lib/trace/trace_schema.h"

/* Hard bounds: nothing in a file may ask for more than this. */
#define TRACE_MAX_DSIZE (256u << 20) /* decompressed chunk or record */
#define TRACE_MAX_HDR_FRAME (64u << 20) /* header frame payload */
#define TRACE_PRELUDE_SIZE 16 /* magic + major + minor + reserved */
#define TRACE_SKIP_HDR_SIZE 8 /* skippable magic + size */
#define TRACE_SEEK_FOOTER_SIZE 9 /* nframes + descriptor + magic */
#define TRACE_INDEX_HDR_SIZE 8 /* entry_size + nentries */
#define TRACE_INDEX_ENTRY_SIZE 48
#define TRACE_ZSTD_MAGIC 0xFD2FB528u

/* The schema table and bounded vstr access: lib/trace/trace_schema.h. */

/* Little-endian access: the format is little-endian on every host. */
static inline uint32_t trace_get_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t trace_get_le64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)trace_get_le32(b) | (uint64_t)trace_get_le32(b + 4)
						     << 32;
}

static inline void trace_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
	b[2] = v >> 16;
	b[3] = v >> 24;
}

static inline void trace_put_le64(void *p, uint64_t v)
{
	trace_put_le32(p, (uint32_t)v);
	trace_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/*
 * Checks the record at @p with @avail bytes left in its container.
 * Returns its size, or 0 with @why filled when it is malformed.
 */
size_t trace_rec_check(const uint8_t *p, size_t avail, char *why,
		       size_t whylen);

/* ---- frames ---- */

enum trace_frame_kind {
	TRACE_FRAME_DATA, /* a zstd frame: a chunk */
	TRACE_FRAME_SKIP, /* a skippable frame */
};

struct trace_frame {
	uint64_t off;
	uint64_t csize; /* whole frame, headers included */
	uint64_t dsize; /* content size (DATA) or payload size (SKIP) */
	uint32_t magic;
	enum trace_frame_kind kind;
};

/* A growable byte buffer. */
struct trace_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

int trace_buf_reserve(struct trace_buf *b, size_t cap);
void trace_buf_release(struct trace_buf *b);

int trace_pread_full(int fd, void *buf, size_t len, uint64_t off);
int trace_write_full(int fd, const void *buf, size_t len);
/*
 * The write(2) that trace_write_full() calls; tests replace it to inject
 * failures (a disk filling up) without needing root or a small file system.
 */
extern ssize_t (*trace_write_fn)(int fd, const void *buf, size_t len);

/*
 * trace_frame_read() - identify the frame at @off of a @file_size file.
 * DATA frames are read whole into @raw; skippable frames have their
 * payload read into @raw when @want_payload (else @raw->len = 0).
 * Returns 0, -ENODATA when the frame runs past the end of the file (a
 * cut file), -EBADMSG when it is malformed, other -errno on I/O errors;
 * @why says what is wrong.
 */
int trace_frame_read(int fd, uint64_t off, uint64_t file_size,
		     bool want_payload, struct trace_frame *f,
		     struct trace_buf *raw, char *why, size_t whylen);

/*
 * trace_chunk_decode() - decompress one DATA frame (checksum verified).
 * Returns 0 with @out->len = content size, or -EBADMSG with @why.
 */
int trace_chunk_decode(ZSTD_DCtx *dctx, const struct trace_buf *raw,
		       struct trace_buf *out, char *why, size_t whylen);

/* Per-chunk summary computed by walking its records. */
struct trace_chunk_sum {
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t records;
	uint64_t lost;
	bool ordered;
};

/* Walks a decoded chunk. 0, or -EBADMSG with @why at the bad record. */
int trace_chunk_summarize(const uint8_t *p, size_t len,
			  struct trace_chunk_sum *s, char *why, size_t whylen);

/* CRC-32 (zlib) of a header frame payload after its 16-byte prelude. */
uint32_t trace_header_crc(const uint8_t *payload, size_t len);

/*
 * Builds the header frame (skippable frame with prelude, @hdr and the
 * SCHEMA of every known type) into @out.
 */
int trace_build_header_frame(const struct cadet_rec *hdr,
			     struct trace_buf *out);

/* Builds the index and seek table frames for the given frames. */
int trace_build_tail(const struct cadet_chunk_info *chunks, size_t nchunks,
		     const uint32_t *frame_csize, const uint32_t *frame_dsize,
		     size_t nframes, struct trace_buf *out);

/*
 * Reader internals for check/repair: open with @header_only to validate
 * the header frame without looking for chunks.
 */
struct cadet_reader *
trace_reader_open_mode(const char *path, const struct cadet_reader_opts *opts,
		       bool header_only);
uint64_t trace_reader_data_off(const struct cadet_reader *r);
uint64_t trace_reader_tail_bytes(const struct cadet_reader *r);
/*
 * The header frame of the file @r reads, byte for byte (skippable frame
 * header included), into @out. 0, -EBADMSG (the file shrank) or -errno.
 */
int trace_reader_header_frame(const struct cadet_reader *r,
			      struct trace_buf *out);

/*
 * Files that replace a trace: a new file is written beside it and renamed
 * over it once complete and synced, so that a crash leaves either the old
 * file or the new one.
 *
 * trace_mkstemp_beside() - create "@path.@tag-XXXXXX" (mode 0600) and
 * return its fd, the name in *@tmp (free() it); -errno on failure.
 * trace_sync_dir() - fsync the directory of @path, so that a rename in
 * it is durable (best effort).
 */
int trace_mkstemp_beside(const char *path, const char *tag, char **tmp);
void trace_sync_dir(const char *path);

#endif
