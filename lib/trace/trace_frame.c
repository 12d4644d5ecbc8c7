// SPDX-License-Identifier: MIT
/*
 * Frames of a trace file: reading and identifying them, decoding chunks,
 * and building the header, index and seek table frames. Shared by the
 * writer, the reader and check/repair.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/trace/trace_int.h"
#include "lib/util/vec.h"

_Static_assert(sizeof(struct cadet_rec) == 48, "record header is 48 bytes");
_Static_assert(sizeof(struct cadet_schema_field) == 48, "schema field");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "records are stored as little-endian C structs");

int trace_buf_reserve(struct trace_buf *b, size_t cap)
{
	/* Records and lines are small: start at a page, not a few bytes. */
	if (cap > b->cap && cap < 4096)
		cap = 4096;
	return vec_reserve(&b->p, &b->cap, cap, 1);
}

void trace_buf_release(struct trace_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int trace_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

ssize_t (*trace_write_fn)(int fd, const void *buf, size_t len) = write;

int trace_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = trace_write_fn(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int trace_mkstemp_beside(const char *path, const char *tag, char **tmp)
{
	int fd;

	if (asprintf(tmp, "%s.%s-XXXXXX", path, tag) < 0) {
		*tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

void trace_sync_dir(const char *path)
{
	char *dir = strdup(path);
	int dfd;

	if (!dir)
		return;
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
}

static bool is_skippable(uint32_t magic)
{
	return (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

int trace_frame_read(int fd, uint64_t off, uint64_t file_size,
		     bool want_payload, struct trace_frame *f,
		     struct trace_buf *raw, char *why, size_t whylen)
{
	uint8_t hdr[ZSTD_FRAMEHEADERSIZE_MAX];
	uint64_t left = file_size > off ? file_size - off : 0;
	unsigned long long dsize;
	size_t want, csize;
	int err;

	memset(f, 0, sizeof(*f));
	f->off = off;
	raw->len = 0;
	if (left < TRACE_SKIP_HDR_SIZE) {
		snprintf(why, whylen, "%llu bytes too short for a frame",
			 (unsigned long long)left);
		return -ENODATA;
	}
	want = left < sizeof(hdr) ? left : sizeof(hdr);
	err = trace_pread_full(fd, hdr, want, off);
	if (err) {
		snprintf(why, whylen, "read error: %s", strerror(-err));
		return err == -ENODATA ? -ENODATA : err;
	}
	f->magic = trace_get_le32(hdr);
	if (is_skippable(f->magic)) {
		f->kind = TRACE_FRAME_SKIP;
		f->dsize = trace_get_le32(hdr + 4);
		f->csize = TRACE_SKIP_HDR_SIZE + f->dsize;
		if (f->csize > left) {
			snprintf(
				why, whylen,
				"skippable frame of %llu bytes runs past the end of the file",
				(unsigned long long)f->csize);
			return -ENODATA;
		}
		if (!want_payload)
			return 0;
		if (f->dsize > TRACE_MAX_DSIZE) {
			snprintf(
				why, whylen,
				"skippable frame payload of %llu bytes is absurd",
				(unsigned long long)f->dsize);
			return -EBADMSG;
		}
		err = trace_buf_reserve(raw, f->dsize + 1);
		if (!err)
			err = trace_pread_full(fd, raw->p, f->dsize,
					       off + TRACE_SKIP_HDR_SIZE);
		if (err) {
			snprintf(why, whylen, "read error: %s", strerror(-err));
			return err;
		}
		raw->len = f->dsize;
		return 0;
	}
	if (f->magic != TRACE_ZSTD_MAGIC) {
		snprintf(why, whylen,
			 "no zstd frame here (magic 0x%08x; file corrupted)",
			 f->magic);
		return -EBADMSG;
	}
	f->kind = TRACE_FRAME_DATA;
	dsize = ZSTD_getFrameContentSize(hdr, want);
	if (dsize == ZSTD_CONTENTSIZE_ERROR) {
		snprintf(why, whylen, "bad zstd frame header");
		return want < sizeof(hdr) ? -ENODATA : -EBADMSG;
	}
	if (dsize == ZSTD_CONTENTSIZE_UNKNOWN) {
		/* A short header may just be cut; a full one lacks the size. */
		snprintf(why, whylen, "zstd frame without content size");
		return want < sizeof(hdr) ? -ENODATA : -EBADMSG;
	}
	if (dsize > TRACE_MAX_DSIZE) {
		snprintf(why, whylen,
			 "chunk claims %llu decompressed bytes (limit %u)",
			 dsize, TRACE_MAX_DSIZE);
		return -EBADMSG;
	}
	f->dsize = dsize;
	/* A frame never exceeds the compress bound of its content. */
	want = ZSTD_compressBound(dsize) + ZSTD_FRAMEHEADERSIZE_MAX + 4;
	if (want > left)
		want = left;
	err = trace_buf_reserve(raw, want);
	if (!err)
		err = trace_pread_full(fd, raw->p, want, off);
	if (err) {
		snprintf(why, whylen, "read error: %s", strerror(-err));
		return err;
	}
	csize = ZSTD_findFrameCompressedSize(raw->p, want);
	if (ZSTD_isError(csize)) {
		if (want == left) {
			snprintf(why, whylen, "chunk frame is incomplete (%s)",
				 ZSTD_getErrorName(csize));
			return -ENODATA;
		}
		snprintf(why, whylen, "malformed zstd frame (%s)",
			 ZSTD_getErrorName(csize));
		return -EBADMSG;
	}
	f->csize = csize;
	raw->len = csize;
	return 0;
}

int trace_chunk_decode(ZSTD_DCtx *dctx, const struct trace_buf *raw,
		       struct trace_buf *out, char *why, size_t whylen)
{
	unsigned long long dsize;
	size_t n;
	int err;

	out->len = 0;
	dsize = ZSTD_getFrameContentSize(raw->p, raw->len);
	if (dsize == ZSTD_CONTENTSIZE_ERROR ||
	    dsize == ZSTD_CONTENTSIZE_UNKNOWN || dsize > TRACE_MAX_DSIZE) {
		snprintf(why, whylen, "bad zstd frame header");
		return -EBADMSG;
	}
	/* +1 so that an empty chunk still has a buffer. */
	err = trace_buf_reserve(out, dsize + 1);
	if (err) {
		snprintf(why, whylen, "out of memory for %llu bytes", dsize);
		return err;
	}
	n = ZSTD_decompressDCtx(dctx, out->p, dsize, raw->p, raw->len);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_checksum_wrong)
			snprintf(why, whylen,
				 "checksum mismatch (file corrupted)");
		else
			snprintf(why, whylen,
				 "cannot decompress (%s; file corrupted)",
				 ZSTD_getErrorName(n));
		return -EBADMSG;
	}
	if (n != dsize) {
		snprintf(why, whylen,
			 "decompressed %zu bytes, frame header says %llu", n,
			 dsize);
		return -EBADMSG;
	}
	out->len = n;
	return 0;
}

int trace_chunk_summarize(const uint8_t *p, size_t len,
			  struct trace_chunk_sum *s, char *why, size_t whylen)
{
	size_t pos = 0;

	memset(s, 0, sizeof(*s));
	s->ordered = true;
	while (pos < len) {
		const struct cadet_rec *rec = (const void *)(p + pos);
		size_t sz = trace_rec_check(p + pos, len - pos, why, whylen);

		if (!sz)
			return -EBADMSG;
		if (!s->records)
			s->first_ts = rec->ts;
		else if (rec->ts < s->last_ts)
			s->ordered = false;
		s->last_ts = rec->ts;
		s->records++;
		if (rec->type == CADET_REC_LOST &&
		    sz >= sizeof(struct cadet_rec_lost))
			s->lost += ((const struct cadet_rec_lost *)rec)->count;
		pos += sz;
	}
	return 0;
}

uint32_t trace_header_crc(const uint8_t *payload, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	if (len > TRACE_PRELUDE_SIZE)
		crc = crc32(crc, payload + TRACE_PRELUDE_SIZE,
			    len - TRACE_PRELUDE_SIZE);
	return crc;
}

static int put_skippable(struct trace_buf *out, uint32_t magic,
			 const void *payload, size_t len)
{
	size_t n;
	int err;

	err = trace_buf_reserve(out, out->len + TRACE_SKIP_HDR_SIZE + len);
	if (err)
		return err;
	n = ZSTD_writeSkippableFrame(out->p + out->len, out->cap - out->len,
				     payload, len, magic - 0x184D2A50u);
	if (ZSTD_isError(n))
		return -EOVERFLOW;
	out->len += n;
	return 0;
}

/* The SCHEMA record of @d, appended to @body. */
static int put_schema(struct trace_buf *body, const struct trace_type_desc *d)
{
	struct cadet_schema_field *fl = NULL;
	struct cadet_rec_schema *s;
	struct cadet_recbuf *b;
	struct cadet_rec *rec;
	int err = -ENOMEM;

	b = cadet_recbuf__new();
	fl = calloc(d->nfields ? d->nfields : 1, sizeof(*fl));
	if (!b || !fl)
		goto cleanup;
	for (uint32_t i = 0; i < d->nfields; i++) {
		snprintf(fl[i].name, sizeof(fl[i].name), "%s",
			 d->fields[i].name);
		fl[i].kind = d->fields[i].kind;
		fl[i].offset = d->fields[i].offset;
		fl[i].size = d->fields[i].size;
	}
	s = cadet_recbuf__start(b, CADET_REC_SCHEMA, sizeof(*s));
	if (!s) {
		err = -errno;
		goto cleanup;
	}
	s->rec_type = d->type;
	s->rec_version = d->version;
	s->fixed_size = d->fixed_size;
	s->nfields = d->nfields;
	err = cadet_recbuf__put_str(b, offsetof(struct cadet_rec_schema, name),
				    d->name, strlen(d->name));
	if (!err)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_schema, fields), fl,
			d->nfields * sizeof(*fl));
	if (err)
		goto cleanup;
	rec = cadet_recbuf__rec(b);
	err = trace_buf_reserve(body, body->len + rec->size);
	if (err)
		goto cleanup;
	memcpy(body->p + body->len, rec, rec->size);
	body->len += rec->size;
cleanup:
	free(fl);
	cadet_recbuf__free(b);
	return err;
}

int trace_build_header_frame(const struct cadet_rec *hdr, struct trace_buf *out)
{
	struct trace_buf body = {0};
	int err;

	err = trace_buf_reserve(&body, TRACE_PRELUDE_SIZE + hdr->size);
	if (err)
		goto cleanup;
	memcpy(body.p, CADET_FILE_MAGIC, 8);
	body.p[8] = CADET_FORMAT_MAJOR;
	body.p[9] = CADET_FORMAT_MAJOR >> 8;
	body.p[10] = CADET_FORMAT_MINOR;
	body.p[11] = CADET_FORMAT_MINOR >> 8;
	memcpy(body.p + TRACE_PRELUDE_SIZE, hdr, hdr->size);
	((struct cadet_rec *)(body.p + TRACE_PRELUDE_SIZE))->type =
		CADET_REC_HEADER;
	body.len = TRACE_PRELUDE_SIZE + hdr->size;
	for (size_t i = 0; i < trace_type_desc_cnt(); i++) {
		err = put_schema(&body, trace_type_desc_at(i));
		if (err)
			goto cleanup;
	}
	/* Data chunks carry zstd checksums; the header frame this one. */
	trace_put_le32(body.p + 12, trace_header_crc(body.p, body.len));
	err = put_skippable(out, CADET_SKIP_MAGIC_HEADER, body.p, body.len);
cleanup:
	trace_buf_release(&body);
	return err;
}

int trace_build_tail(const struct cadet_chunk_info *chunks, size_t nchunks,
		     const uint32_t *frame_csize, const uint32_t *frame_dsize,
		     size_t nframes, struct trace_buf *out)
{
	struct trace_buf body = {0};
	size_t index_start = out->len;
	uint32_t index_csize;
	uint8_t *e;
	int err;

	if (nchunks > UINT32_MAX / TRACE_INDEX_ENTRY_SIZE ||
	    nframes + 1 > UINT32_MAX / 8 - 2)
		return -EOVERFLOW;
	/* Chunk index. */
	err = trace_buf_reserve(
		&body, TRACE_INDEX_HDR_SIZE + nchunks * TRACE_INDEX_ENTRY_SIZE);
	if (err)
		goto cleanup;
	trace_put_le32(body.p, TRACE_INDEX_ENTRY_SIZE);
	trace_put_le32(body.p + 4, nchunks);
	e = body.p + TRACE_INDEX_HDR_SIZE;
	for (size_t i = 0; i < nchunks; i++, e += TRACE_INDEX_ENTRY_SIZE) {
		trace_put_le64(e, chunks[i].offset);
		trace_put_le32(e + 8, chunks[i].csize);
		trace_put_le32(e + 12, chunks[i].dsize);
		trace_put_le64(e + 16, chunks[i].first_ts);
		trace_put_le64(e + 24, chunks[i].last_ts);
		trace_put_le64(e + 32, chunks[i].records);
		trace_put_le64(e + 40, chunks[i].lost);
	}
	body.len = e - body.p;
	err = put_skippable(out, CADET_SKIP_MAGIC_INDEX, body.p, body.len);
	if (err)
		goto cleanup;
	index_csize = out->len - index_start;

	/* Seek table: every frame before it, the index included. */
	body.len = 0;
	err = trace_buf_reserve(&body,
				(nframes + 1) * 8 + TRACE_SEEK_FOOTER_SIZE);
	if (err)
		goto cleanup;
	e = body.p;
	for (size_t i = 0; i < nframes; i++, e += 8) {
		trace_put_le32(e, frame_csize[i]);
		trace_put_le32(e + 4, frame_dsize[i]);
	}
	trace_put_le32(e, index_csize);
	trace_put_le32(e + 4, 0);
	e += 8;
	trace_put_le32(e, nframes + 1);
	e[4] = 0; /* descriptor: no checksums */
	trace_put_le32(e + 5, CADET_SEEKABLE_MAGIC);
	body.len = e + TRACE_SEEK_FOOTER_SIZE - body.p;
	err = put_skippable(out, CADET_SKIP_MAGIC_SEEK, body.p, body.len);
cleanup:
	trace_buf_release(&body);
	return err;
}
