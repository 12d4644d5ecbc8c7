// SPDX-License-Identifier: MIT
/*
 * Trace reader. open() validates the header frame, then takes the chunk
 * list from the index when the seek table and index are present and agree
 * with each other, else scans the frames one by one (a cut file). next()
 * decodes one chunk at a time; every size read from the file is checked
 * before use, so a damaged file yields an error message, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/trace/trace_int.h"
#include "lib/util/bsearch.h"
#include "lib/util/vec.h"

struct cadet_reader {
	char *path;
	int fd;
	uint64_t file_size;
	uint64_t data_off; /* first byte after the header frame */
	bool raw_recs; /* next() returns records as stored (opts.raw) */
	ZSTD_DCtx *dctx;

	struct cadet_rec_header *hdr; /* zero-extended copy */
	struct cadet_rec_schema **schemas;
	size_t nschemas;
	size_t schemas_cap;
	/* File's schema of each known type, for zero-extension. */
	const struct cadet_rec_schema *fschema[CADET_REC_TYPE_MAX];

	struct cadet_chunk_info *chunks;
	size_t nchunks;
	size_t chunks_cap;
	bool indexed;
	uint64_t tail_bytes; /* scan: bytes after the last whole frame */
	/*
	 * Why the trace ends early, reported by next() once after the last
	 * readable record: -ENODATA a cut file (no seek table), -EBADMSG a
	 * malformed frame, a second trace or trailing data.
	 */
	char *end_error;
	int end_errno;
	bool end_error_shown;

	size_t next_chunk;
	size_t cur_chunk;
	bool loaded;
	size_t pos;
	struct trace_buf raw;
	struct trace_buf dec;
	struct trace_buf ext; /* zero-extended record */

	char err[640];
};

static __thread char open_err[640];

const char *cadet_reader__open_error(void)
{
	return open_err;
}

static void __attribute__((format(printf, 3, 4)))
set_err(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int add_chunk(struct cadet_reader *r, const struct cadet_chunk_info *ci)
{
	if (vec_reserve(&r->chunks, &r->chunks_cap, r->nchunks + 1,
			sizeof(*r->chunks)))
		return -ENOMEM;
	r->chunks[r->nchunks++] = *ci;
	return 0;
}

/* A schema record is usable when its field table lies inside it. */
static bool schema_valid(const struct cadet_rec_schema *s)
{
	const struct cadet_schema_field *f;
	size_t len;

	if (s->h.size < sizeof(*s) ||
	    s->fixed_size < sizeof(struct cadet_rec) ||
	    s->fixed_size > TRACE_MAX_DSIZE)
		return false;
	if (!s->nfields)
		return true;
	f = (const void *)trace_rec_vdata(&s->h, &s->fields, &len);
	if (!f || s->fields.off % 8 || len / sizeof(*f) < s->nfields)
		return false;
	return true;
}

/* Fields of the file's schema, or NULL when it has none. */
static const struct cadet_schema_field *
schema_fields(const struct cadet_rec_schema *s)
{
	size_t len;

	return (const void *)trace_rec_vdata(&s->h, &s->fields, &len);
}

/*
 * Zero-extends a record whose fixed part is shorter than this build's
 * struct (written by an older minor): the fixed part is padded with zeros
 * and vstr offsets into the tail move by the added length.
 */
static const struct cadet_rec *normalize(struct cadet_reader *r,
					 const struct cadet_rec *rec)
{
	const struct trace_type_desc *d = trace_type_desc(rec->type);
	const struct cadet_rec_schema *fs;
	uint32_t ofix, F, delta, tail;
	size_t nsize;
	uint8_t *p;

	if (!d)
		return rec;
	F = d->fixed_size;
	fs = r->fschema[rec->type];
	ofix = fs && fs->fixed_size < F ? fs->fixed_size : F;
	if (ofix > rec->size)
		ofix = rec->size;
	if (ofix >= F)
		return rec;
	delta = F - ofix;
	tail = rec->size - ofix;
	nsize = ((size_t)F + tail + 7) & ~(size_t)7;
	if (trace_buf_reserve(&r->ext, nsize))
		return NULL;
	p = r->ext.p;
	memcpy(p, rec, ofix);
	memset(p + ofix, 0, nsize - ofix);
	memcpy(p + F, (const uint8_t *)rec + ofix, tail);
	((struct cadet_rec *)p)->size = nsize;
	if (fs && fs->fixed_size < F) {
		const struct cadet_schema_field *f = schema_fields(fs);

		for (uint32_t i = 0; f && i < fs->nfields; i++) {
			struct cadet_vstr *v;

			if (!trace_field_is_vstr(f[i].kind) ||
			    f[i].offset % 4 || f[i].offset + sizeof(*v) > ofix)
				continue;
			v = (struct cadet_vstr *)(p + f[i].offset);
			if (v->off >= ofix && v->off <= UINT32_MAX - delta)
				v->off += delta;
		}
	} else {
		for (uint32_t i = 0; i < d->nfields; i++) {
			const struct trace_field_desc *f = &d->fields[i];
			struct cadet_vstr *v;

			if (!trace_field_is_vstr(f->kind) ||
			    f->offset + sizeof(*v) > ofix)
				continue;
			v = (struct cadet_vstr *)(p + f->offset);
			if (v->off >= ofix && v->off <= UINT32_MAX - delta)
				v->off += delta;
		}
	}
	return (const struct cadet_rec *)p;
}

static int parse_header_frame(struct cadet_reader *r, const uint8_t *p,
			      size_t len)
{
	const struct cadet_rec *hdr = NULL;
	const struct cadet_rec *rec;
	char why[256];
	size_t pos, sz;
	uint16_t major, minor;

	if (len < TRACE_PRELUDE_SIZE || memcmp(p, CADET_FILE_MAGIC, 8)) {
		set_err(open_err, sizeof(open_err),
			"%s: not a cadet trace (no CADETTR magic)", r->path);
		return -EBADMSG;
	}
	major = p[8] | p[9] << 8;
	minor = p[10] | p[11] << 8;
	if (major != CADET_FORMAT_MAJOR) {
		set_err(open_err, sizeof(open_err),
			"%s: trace format %u.%u is not supported (this cadet reads %u.x); use a cadet release that reads format %u",
			r->path, major, minor, CADET_FORMAT_MAJOR, major);
		return -EPROTONOSUPPORT;
	}
	if (trace_get_le32(p + 12) != trace_header_crc(p, len)) {
		set_err(open_err, sizeof(open_err),
			"%s: header frame at offset 0: checksum mismatch (file corrupted); nothing can be read safely",
			r->path);
		return -EBADMSG;
	}
	for (pos = TRACE_PRELUDE_SIZE; pos < len; pos += sz) {
		sz = trace_rec_check(p + pos, len - pos, why, sizeof(why));
		if (!sz) {
			set_err(open_err, sizeof(open_err),
				"%s: header frame at offset %llu: %s (file corrupted)",
				r->path,
				(unsigned long long)(TRACE_SKIP_HDR_SIZE + pos),
				why);
			return -EBADMSG;
		}
		rec = (const void *)(p + pos);
		if (pos == TRACE_PRELUDE_SIZE) {
			if (rec->type != CADET_REC_HEADER)
				break;
			hdr = rec;
		} else if (rec->type == CADET_REC_SCHEMA) {
			const struct cadet_rec_schema *s = (const void *)rec;
			struct cadet_rec_schema *c;

			if (!schema_valid(s)) {
				set_err(open_err, sizeof(open_err),
					"%s: header frame at offset %llu: malformed schema record (file corrupted)",
					r->path,
					(unsigned long long)(TRACE_SKIP_HDR_SIZE +
							     pos));
				return -EBADMSG;
			}
			if (vec_reserve(&r->schemas, &r->schemas_cap,
					r->nschemas + 1, sizeof(*r->schemas)))
				return -ENOMEM;
			c = malloc(s->h.size);
			if (!c)
				return -ENOMEM;
			memcpy(c, s, s->h.size);
			r->schemas[r->nschemas++] = c;
			if (c->rec_type < CADET_REC_TYPE_MAX &&
			    !r->fschema[c->rec_type])
				r->fschema[c->rec_type] = c;
		}
		/* Other record types in the header frame: skipped. */
	}
	if (!hdr) {
		set_err(open_err, sizeof(open_err),
			"%s: header frame does not start with a HEADER record (file corrupted)",
			r->path);
		return -EBADMSG;
	}
	rec = normalize(r, hdr);
	if (!rec)
		return -ENOMEM;
	r->hdr = malloc(rec->size);
	if (!r->hdr)
		return -ENOMEM;
	memcpy(r->hdr, rec, rec->size);
	return 0;
}

/*
 * Seek table + index: used only when both are intact and consistent with
 * each other and with the file size; anything else means "scan".
 */
static int load_index(struct cadet_reader *r, uint64_t hdr_csize)
{
	uint8_t foot[TRACE_SEEK_FOOTER_SIZE];
	struct trace_buf st = {0}, ix = {0};
	struct trace_frame f;
	uint64_t st_size, st_off, off, index_off = 0;
	uint32_t nframes, esize, n, entsz;
	char why[256];
	size_t j = 0;
	int ret = -ENOENT;

	if (r->file_size <
	    hdr_csize + TRACE_SKIP_HDR_SIZE + TRACE_SEEK_FOOTER_SIZE)
		return -ENOENT;
	if (trace_pread_full(r->fd, foot, sizeof(foot),
			     r->file_size - sizeof(foot)))
		return -ENOENT;
	if (trace_get_le32(foot + 5) != CADET_SEEKABLE_MAGIC)
		return -ENOENT;
	nframes = trace_get_le32(foot);
	if (foot[4] & 0x7c)
		return -ENOENT;
	esize = foot[4] & 0x80 ? 12 : 8;
	st_size = TRACE_SKIP_HDR_SIZE + (uint64_t)nframes * esize +
		  TRACE_SEEK_FOOTER_SIZE;
	if (nframes < 2 || st_size > r->file_size - hdr_csize)
		return -ENOENT;
	st_off = r->file_size - st_size;
	if (trace_frame_read(r->fd, st_off, r->file_size, true, &f, &st, why,
			     sizeof(why)) ||
	    f.magic != CADET_SKIP_MAGIC_SEEK || f.csize != st_size)
		goto cleanup;
	/* Frame 0 is the header, the last one the index; sizes must add up. */
	off = 0;
	for (uint32_t i = 0; i < nframes; i++) {
		uint32_t cs = trace_get_le32(st.p + (size_t)i * esize);

		if (i == 0 && cs != hdr_csize)
			goto cleanup;
		if (i == nframes - 1)
			index_off = off;
		off += cs;
	}
	if (off != st_off)
		goto cleanup;
	if (trace_frame_read(r->fd, index_off, st_off, true, &f, &ix, why,
			     sizeof(why)) ||
	    f.magic != CADET_SKIP_MAGIC_INDEX || ix.len < TRACE_INDEX_HDR_SIZE)
		goto cleanup;
	entsz = trace_get_le32(ix.p);
	n = trace_get_le32(ix.p + 4);
	if (entsz < TRACE_INDEX_ENTRY_SIZE ||
	    (ix.len - TRACE_INDEX_HDR_SIZE) / entsz < n)
		goto cleanup;
	/* Every index entry must be a data frame listed in the seek table. */
	off = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e =
			ix.p + TRACE_INDEX_HDR_SIZE + (size_t)i * entsz;
		struct cadet_chunk_info ci = {
			.offset = trace_get_le64(e),
			.csize = trace_get_le32(e + 8),
			.dsize = trace_get_le32(e + 12),
			.first_ts = trace_get_le64(e + 16),
			.last_ts = trace_get_le64(e + 24),
			.records = trace_get_le64(e + 32),
			.lost = trace_get_le64(e + 40),
		};

		for (; j < nframes; j++) {
			if (off >= ci.offset)
				break;
			off += trace_get_le32(st.p + j * esize);
		}
		if (j == 0 || j >= nframes - 1 || off != ci.offset ||
		    trace_get_le32(st.p + j * esize) != ci.csize ||
		    trace_get_le32(st.p + j * esize + 4) != ci.dsize ||
		    ci.dsize > TRACE_MAX_DSIZE || ci.first_ts > ci.last_ts) {
			r->nchunks = 0;
			goto cleanup;
		}
		if (add_chunk(r, &ci)) {
			r->nchunks = 0;
			ret = -ENOMEM;
			goto cleanup;
		}
	}
	r->indexed = true;
	ret = 0;
cleanup:
	trace_buf_release(&st);
	trace_buf_release(&ix);
	return ret;
}

static int __attribute__((format(printf, 3, 4)))
set_end_error(struct cadet_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(r->end_error);
	va_start(ap, fmt);
	n = vasprintf(&r->end_error, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->end_error = NULL;
		return -ENOMEM;
	}
	r->end_errno = err;
	return 0;
}

static uint64_t chunk_records(const struct cadet_reader *r)
{
	uint64_t n = 0;

	for (size_t i = 0; i < r->nchunks; i++)
		n += r->chunks[i].records;
	return n;
}

/*
 * What follows a seek table that is not the end of the file: another
 * trace (files concatenated) or foreign bytes. Either way the trace ended
 * at @off; the rest is not read.
 */
static int note_trailing(struct cadet_reader *r, uint64_t off)
{
	uint8_t magic[4];

	r->tail_bytes = r->file_size - off;
	if (r->tail_bytes >= sizeof(magic) &&
	    !trace_pread_full(r->fd, magic, sizeof(magic), off) &&
	    trace_get_le32(magic) == CADET_SKIP_MAGIC_HEADER)
		return set_end_error(
			r, -EBADMSG,
			"%s: a second trace starts at offset %llu (two traces were concatenated, e.g. by `cat A B`): read the %llu records of the first one only; split the file with `head -c %llu` and `tail -c +%llu`",
			r->path, (unsigned long long)off,
			(unsigned long long)chunk_records(r),
			(unsigned long long)off, (unsigned long long)off + 1);
	return set_end_error(
		r, -EBADMSG,
		"%s: %llu bytes of trailing data after the seek table at offset %llu are not part of the trace (file corrupted or appended to): read the %llu records before them",
		r->path, (unsigned long long)r->tail_bytes,
		(unsigned long long)off, (unsigned long long)chunk_records(r));
}

/* Cut or damaged index: find the chunks by walking the frames. */
static int scan_frames(struct cadet_reader *r)
{
	struct trace_chunk_sum sum;
	struct trace_frame f;
	char why[256];
	uint64_t off = r->data_off;
	bool seek_table = false;
	int err;

	while (off < r->file_size) {
		struct cadet_chunk_info ci = {0};

		err = trace_frame_read(r->fd, off, r->file_size, false, &f,
				       &r->raw, why, sizeof(why));
		if (err == -ENODATA) {
			r->tail_bytes = r->file_size - off;
			break;
		}
		if (err) {
			r->tail_bytes = r->file_size - off;
			err = set_end_error(
				r, -EBADMSG,
				"%s: frame at offset %llu: %s; the %llu records before it were read, the %llu bytes from there on were not; try `cadet check --repair`",
				r->path, (unsigned long long)off, why,
				(unsigned long long)chunk_records(r),
				(unsigned long long)r->tail_bytes);
			if (err)
				return err;
			break;
		}
		if (f.magic == CADET_SKIP_MAGIC_HEADER) {
			err = note_trailing(r, off);
			if (err)
				return err;
			break;
		}
		if (f.kind == TRACE_FRAME_DATA) {
			ci.offset = off;
			ci.csize = f.csize;
			ci.dsize = f.dsize;
			/* Undecodable chunks stay listed: next() reports them. */
			if (!trace_chunk_decode(r->dctx, &r->raw, &r->dec, why,
						sizeof(why)) &&
			    !trace_chunk_summarize(r->dec.p, r->dec.len, &sum,
						   why, sizeof(why))) {
				ci.first_ts = sum.first_ts;
				ci.last_ts = sum.last_ts;
				ci.records = sum.records;
				ci.lost = sum.lost;
			}
			err = add_chunk(r, &ci);
			if (err)
				return err;
		}
		off += f.csize;
		if (f.magic == CADET_SKIP_MAGIC_SEEK) {
			/* The seek table is always the last frame. */
			seek_table = true;
			if (off < r->file_size) {
				err = note_trailing(r, off);
				if (err)
					return err;
			}
			break;
		}
	}
	r->raw.len = 0;
	r->dec.len = 0;
	if (!r->end_error && !seek_table)
		return set_end_error(
			r, -ENODATA,
			"%s: the trace was cut after %llu of %llu bytes (no seek table: the recorder was killed, or the disk filled): read the %llu records of its %zu complete chunks%s; `cadet check --repair` adds the missing index",
			r->path,
			(unsigned long long)(r->file_size - r->tail_bytes),
			(unsigned long long)r->file_size,
			(unsigned long long)chunk_records(r), r->nchunks,
			r->tail_bytes ? ", not the partial chunk after them"
				      : "");
	return 0;
}

/* Says why @path (stat() as @sb, or failed with @errnum) is no trace. */
static int not_regular(const char *path, const struct stat *sb, int errnum)
{
	const char *what;

	if (errnum) {
		set_err(open_err, sizeof(open_err), "%s: %s", path,
			strerror(errnum));
		return -errnum;
	}
	if (S_ISDIR(sb->st_mode)) {
		set_err(open_err, sizeof(open_err),
			"%s: is a directory; give a trace file (e.g. %s/*.cadet)",
			path, path);
		return -EISDIR;
	}
	what = S_ISCHR(sb->st_mode)  ? "a character device"
	       : S_ISBLK(sb->st_mode) ? "a block device"
	       : S_ISFIFO(sb->st_mode) ? "a FIFO"
	       : S_ISSOCK(sb->st_mode) ? "a socket"
				       : "a special file";
	set_err(open_err, sizeof(open_err),
		"%s: is %s, not a regular file; a trace must be a regular file (copy a stream to a file first)",
		path, what);
	return -EINVAL;
}

struct cadet_reader *
trace_reader_open_mode(const char *path, const struct cadet_reader_opts *opts,
		       bool header_only)
{
	struct cadet_reader_opts o = {0};
	struct cadet_reader *r = NULL;
	struct trace_frame f;
	struct stat sb;
	char why[256];
	int err = -EINVAL;

	open_err[0] = '\0';
	if (!path) {
		set_err(open_err, sizeof(open_err), "no trace file given");
		goto cleanup;
	}
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	err = -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto cleanup;
	r->fd = -1;
	r->raw_recs = o.raw;
	r->path = strdup(path);
	r->dctx = ZSTD_createDCtx();
	if (!r->path || !r->dctx)
		goto cleanup;
	/*
	 * Only regular files (after following symlinks): a device or FIFO
	 * has no size to trust and may never end (/dev/zero), and opening
	 * a FIFO would block. stat() first, then fstat() the opened file
	 * in case the path changed in between.
	 */
	if (stat(path, &sb)) {
		err = not_regular(path, &sb, errno);
		goto cleanup;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = not_regular(path, &sb, 0);
		goto cleanup;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0 || fstat(r->fd, &sb)) {
		err = -errno;
		set_err(open_err, sizeof(open_err), "%s: %s", path,
			strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = not_regular(path, &sb, 0);
		goto cleanup;
	}
	r->file_size = sb.st_size;
	err = trace_frame_read(r->fd, 0, r->file_size, false, &f, &r->raw, why,
			       sizeof(why));
	if (err == -ENODATA && r->file_size >= TRACE_SKIP_HDR_SIZE &&
	    f.magic == CADET_SKIP_MAGIC_HEADER) {
		set_err(open_err, sizeof(open_err),
			"%s: the header frame is cut (file has %llu bytes): nothing to read",
			path, (unsigned long long)r->file_size);
		err = -EBADMSG;
		goto cleanup;
	}
	if (err && err != -ENODATA && err != -EBADMSG) {
		set_err(open_err, sizeof(open_err), "%s: %s", path, why);
		goto cleanup;
	}
	if (err || f.magic != CADET_SKIP_MAGIC_HEADER) {
		set_err(open_err, sizeof(open_err),
			"%s: not a cadet trace (no CADETTR magic)", path);
		err = -EBADMSG;
		goto cleanup;
	}
	if (f.dsize > TRACE_MAX_HDR_FRAME) {
		set_err(open_err, sizeof(open_err),
			"%s: header frame of %llu bytes is absurd (file corrupted)",
			path, (unsigned long long)f.dsize);
		err = -EBADMSG;
		goto cleanup;
	}
	err = trace_frame_read(r->fd, 0, r->file_size, true, &f, &r->raw, why,
			       sizeof(why));
	if (err) {
		set_err(open_err, sizeof(open_err), "%s: %s", path, why);
		goto cleanup;
	}
	err = parse_header_frame(r, r->raw.p, r->raw.len);
	if (err)
		goto cleanup;
	r->data_off = f.csize;
	if (header_only)
		goto cleanup;
	if (o.ignore_index || load_index(r, f.csize))
		err = scan_frames(r);
cleanup:
	if (err) {
		if (!open_err[0])
			set_err(open_err, sizeof(open_err), "%s: %s",
				path ? path : "", strerror(-err));
		cadet_reader__free(r);
		errno = -err;
		return NULL;
	}
	return r;
}

struct cadet_reader *cadet_reader__open(const char *path,
					const struct cadet_reader_opts *opts)
{
	return trace_reader_open_mode(path, opts, false);
}

void cadet_reader__free(struct cadet_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	for (size_t i = 0; i < r->nschemas; i++)
		free(r->schemas[i]);
	free(r->schemas);
	free(r->hdr);
	free(r->chunks);
	free(r->end_error);
	trace_buf_release(&r->raw);
	trace_buf_release(&r->dec);
	trace_buf_release(&r->ext);
	free(r->path);
	free(r);
}

uint64_t trace_reader_data_off(const struct cadet_reader *r)
{
	return r->data_off;
}

uint64_t trace_reader_tail_bytes(const struct cadet_reader *r)
{
	return r->tail_bytes;
}

int trace_reader_header_frame(const struct cadet_reader *r,
			      struct trace_buf *out)
{
	int err;

	/* Validated at open; read again rather than kept for every reader. */
	err = trace_buf_reserve(out, r->data_off);
	if (!err)
		err = trace_pread_full(r->fd, out->p, r->data_off, 0);
	if (err)
		return err == -ENODATA ? -EBADMSG : err;
	out->len = r->data_off;
	return 0;
}

const struct cadet_rec_header *
cadet_reader__header(const struct cadet_reader *r)
{
	return r ? r->hdr : NULL;
}

const struct cadet_rec_schema *
cadet_reader__schema(const struct cadet_reader *r, unsigned int type)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->nschemas; i++)
		if (r->schemas[i]->rec_type == type)
			return r->schemas[i];
	return NULL;
}

static int chunk_error(struct cadet_reader *r, int err, const char *why)
{
	const struct cadet_chunk_info *ci = &r->chunks[r->cur_chunk];

	set_err(r->err, sizeof(r->err),
		"%s: chunk %zu at offset %llu: %s; records before it were read; try `cadet check --repair`",
		r->path, r->cur_chunk, (unsigned long long)ci->offset, why);
	r->loaded = false;
	return err;
}

static int load_chunk(struct cadet_reader *r)
{
	const struct cadet_chunk_info *ci;
	struct trace_frame f;
	char why[256];
	int err;

	r->cur_chunk = r->next_chunk++;
	ci = &r->chunks[r->cur_chunk];
	err = trace_frame_read(r->fd, ci->offset, r->file_size, false, &f,
			       &r->raw, why, sizeof(why));
	if (!err && f.kind != TRACE_FRAME_DATA) {
		snprintf(why, sizeof(why), "not a data frame");
		err = -EBADMSG;
	}
	if (!err && (f.csize != ci->csize || f.dsize != ci->dsize)) {
		snprintf(
			why, sizeof(why),
			"frame has %llu/%llu bytes, index says %u/%u (file corrupted)",
			(unsigned long long)f.csize,
			(unsigned long long)f.dsize, ci->csize, ci->dsize);
		err = -EBADMSG;
	}
	if (!err)
		err = trace_chunk_decode(r->dctx, &r->raw, &r->dec, why,
					 sizeof(why));
	if (err)
		return chunk_error(r, err == -ENODATA ? -EBADMSG : err, why);
	r->pos = 0;
	r->loaded = true;
	return 0;
}

int cadet_reader__next(struct cadet_reader *r, const struct cadet_rec **rec)
{
	const struct cadet_rec *p;
	char why[256];
	size_t sz;
	int err;

	if (!r || !rec)
		return -EINVAL;
	for (;;) {
		if (!r->loaded) {
			if (r->next_chunk >= r->nchunks) {
				if (r->end_error && !r->end_error_shown) {
					r->end_error_shown = true;
					set_err(r->err, sizeof(r->err), "%s",
						r->end_error);
					return r->end_errno;
				}
				return 0;
			}
			err = load_chunk(r);
			if (err)
				return err;
		}
		if (r->pos >= r->dec.len) {
			r->loaded = false;
			continue;
		}
		sz = trace_rec_check(r->dec.p + r->pos, r->dec.len - r->pos,
				     why, sizeof(why));
		if (!sz) {
			char msg[300];

			snprintf(msg, sizeof(msg), "byte %zu of the chunk: %s",
				 r->pos, why);
			return chunk_error(r, -EBADMSG, msg);
		}
		p = (const void *)(r->dec.p + r->pos);
		r->pos += sz;
		*rec = r->raw_recs ? p : normalize(r, p);
		if (!*rec) {
			set_err(r->err, sizeof(r->err), "%s: out of memory",
				r->path);
			return -ENOMEM;
		}
		return 1;
	}
}

static int chunk_ends_before(const void *chunk, const void *ts)
{
	return ((const struct cadet_chunk_info *)chunk)->last_ts <
	       *(const uint64_t *)ts;
}

int cadet_reader__seek_ts(struct cadet_reader *r, uint64_t ts)
{
	if (!r)
		return -EINVAL;
	/* Chunks are in time order: first one whose last_ts >= ts. */
	r->next_chunk = lower_bound(r->chunks, r->nchunks, sizeof(*r->chunks),
				    &ts, chunk_ends_before);
	r->loaded = false;
	r->end_error_shown = false;
	return 0;
}

size_t cadet_reader__chunk_cnt(const struct cadet_reader *r)
{
	return r ? r->nchunks : 0;
}

const struct cadet_chunk_info *cadet_reader__chunk(const struct cadet_reader *r,
						   size_t idx)
{
	return r && idx < r->nchunks ? &r->chunks[idx] : NULL;
}

bool cadet_reader__indexed(const struct cadet_reader *r)
{
	return r && r->indexed;
}

const char *cadet_reader__error(const struct cadet_reader *r)
{
	return r ? r->err : "no reader";
}
