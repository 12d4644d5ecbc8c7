// SPDX-License-Identifier: MIT
/*
 * Trace writer: a reorder buffer (min-heap on (ts, seq)) feeding chunks
 * that are compressed into one zstd frame each and written with a single
 * write(), then the chunk index and the seek table at close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/trace/trace_int.h"
#include "lib/util/fs.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"

struct heap_ent {
	uint64_t ts;
	uint64_t seq;
	struct cadet_rec *rec; /* owned copy */
};

struct cadet_writer {
	int fd;
	int err; /* sticky: first write error */
	size_t chunk_bytes;
	uint64_t chunk_ns;
	uint64_t reorder_ns;
	ZSTD_CCtx *cctx;

	struct heap_ent *heap;
	size_t nheap;
	size_t heap_cap;
	uint64_t seq;
	uint64_t max_ts; /* newest ts added */
	uint64_t last_ts; /* ts of the last record moved to a chunk */
	bool any_out;

	struct trace_buf chunk; /* uncompressed records of the open chunk */
	struct cadet_chunk_info cur;
	struct trace_buf frame; /* compressed output */

	struct cadet_chunk_info *chunks;
	size_t nchunks;
	size_t chunks_cap;
	uint32_t *fcsize; /* every frame written, for the seek table */
	uint32_t *fdsize;
	size_t nframes;
	size_t fcsize_cap;
	size_t fdsize_cap;

	struct cadet_writer_stats st;
};

static bool ent_less(const struct heap_ent *a, const struct heap_ent *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void heap_swap(struct heap_ent *a, struct heap_ent *b)
{
	struct heap_ent t = *a;

	*a = *b;
	*b = t;
}

static int heap_push(struct cadet_writer *w, struct heap_ent e)
{
	size_t i;

	if (vec_reserve(&w->heap, &w->heap_cap, w->nheap + 1, sizeof(*w->heap)))
		return -ENOMEM;
	i = w->nheap++;
	w->heap[i] = e;
	while (i && ent_less(&w->heap[i], &w->heap[(i - 1) / 2])) {
		heap_swap(&w->heap[i], &w->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct heap_ent heap_pop(struct cadet_writer *w)
{
	struct heap_ent top = w->heap[0];
	size_t i = 0;

	w->heap[0] = w->heap[--w->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->nheap && ent_less(&w->heap[l], &w->heap[m]))
			m = l;
		if (r < w->nheap && ent_less(&w->heap[r], &w->heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(&w->heap[i], &w->heap[m]);
		i = m;
	}
	return top;
}

static int note_frame(struct cadet_writer *w, size_t csize, size_t dsize)
{
	if (csize > UINT32_MAX || dsize > UINT32_MAX)
		return -EOVERFLOW;
	if (vec_reserve(&w->fcsize, &w->fcsize_cap, w->nframes + 1,
			sizeof(*w->fcsize)) ||
	    vec_reserve(&w->fdsize, &w->fdsize_cap, w->nframes + 1,
			sizeof(*w->fdsize)))
		return -ENOMEM;
	w->fcsize[w->nframes] = csize;
	w->fdsize[w->nframes] = dsize;
	w->nframes++;
	return 0;
}

static int write_frame(struct cadet_writer *w, const void *p, size_t len,
		       size_t dsize)
{
	int err;

	err = note_frame(w, len, dsize);
	if (err)
		return err;
	err = trace_write_full(w->fd, p, len);
	if (err) {
		/* Part of it may be on disk: it is not a frame of the file. */
		w->nframes--;
		return err;
	}
	w->st.bytes_out += len;
	return 0;
}

/* Compresses the open chunk into one frame and writes it. */
static int cut_chunk(struct cadet_writer *w)
{
	size_t n;
	int err;

	if (!w->cur.records)
		return 0;
	err = trace_buf_reserve(&w->frame, ZSTD_compressBound(w->chunk.len));
	if (err)
		return err;
	n = ZSTD_compress2(w->cctx, w->frame.p, w->frame.cap, w->chunk.p,
			   w->chunk.len);
	if (ZSTD_isError(n))
		return -EIO;
	if (vec_reserve(&w->chunks, &w->chunks_cap, w->nchunks + 1,
			sizeof(*w->chunks)))
		return -ENOMEM;
	w->cur.offset = w->st.bytes_out;
	w->cur.csize = n;
	w->cur.dsize = w->chunk.len;
	err = write_frame(w, w->frame.p, n, w->chunk.len);
	if (err)
		return err;
	w->chunks[w->nchunks++] = w->cur;
	w->st.chunks++;
	/* Counted once on disk: a failed write loses the whole chunk. */
	w->st.records += w->cur.records;
	w->st.lost += w->cur.lost;
	memset(&w->cur, 0, sizeof(w->cur));
	w->chunk.len = 0;
	return 0;
}

/* Moves the oldest buffered record into the open chunk. */
static int emit_one(struct cadet_writer *w)
{
	struct heap_ent e = heap_pop(w);
	struct cadet_rec *rec = e.rec;
	int err = 0;

	if (w->cur.records && rec->ts - w->cur.first_ts >= w->chunk_ns)
		err = cut_chunk(w);
	if (!err)
		err = trace_buf_reserve(&w->chunk, w->chunk.len + rec->size);
	if (err)
		goto cleanup;
	memcpy(w->chunk.p + w->chunk.len, rec, rec->size);
	w->chunk.len += rec->size;
	if (!w->cur.records)
		w->cur.first_ts = rec->ts;
	w->cur.last_ts = rec->ts;
	w->cur.records++;
	if (rec->type == CADET_REC_LOST &&
	    rec->size >= sizeof(struct cadet_rec_lost)) {
		uint64_t lost = ((struct cadet_rec_lost *)rec)->count;

		w->cur.lost += lost;
	}
	w->st.bytes_in += rec->size;
	w->last_ts = rec->ts;
	w->any_out = true;
	if (w->chunk.len >= w->chunk_bytes)
		err = cut_chunk(w);
cleanup:
	free(rec);
	return err;
}

/* Emits every buffered record with ts <= @ts. */
static int drain(struct cadet_writer *w, uint64_t ts)
{
	int err;

	while (w->nheap && w->heap[0].ts <= ts) {
		err = emit_one(w);
		if (err)
			return err;
	}
	return 0;
}

/* Creates @path and writes the header frame @hf. NULL + errno on failure. */
static struct cadet_writer *writer_create(const char *path,
					  const struct trace_buf *hf,
					  const struct cadet_writer_opts *opts)
{
	struct cadet_writer_opts o = {0};
	struct cadet_writer *w = NULL;
	int err = -EINVAL;

	if (opts) {
		if (opts->sz < CADET_WRITER_OPTS_SZ_MIN)
			goto cleanup;
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	err = -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		goto cleanup;
	w->fd = -1;
	w->chunk_bytes = o.chunk_bytes ? o.chunk_bytes : 1u << 20;
	if (w->chunk_bytes > TRACE_MAX_DSIZE / 2)
		w->chunk_bytes = TRACE_MAX_DSIZE / 2;
	w->chunk_ns = o.chunk_ns ? o.chunk_ns : NS_PER_S;
	w->reorder_ns = o.reorder_ns ? o.reorder_ns : 200000000ull;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx)
		goto cleanup;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(
		    w->cctx, ZSTD_c_compressionLevel, o.level ? o.level : 3)) ||
	    ZSTD_isError(
		    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag,
						1))) {
		err = -EINVAL;
		goto cleanup;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     o.mode ? o.mode : 0600);
	if (w->fd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* O_TRUNC keeps an old file's mode; a regular file gets ours. */
	err = util_fchmod_regular(w->fd, o.mode ? o.mode : 0600);
	if (err)
		goto cleanup;
	err = write_frame(w, hf->p, hf->len, 0);
cleanup:
	if (err) {
		cadet_writer__free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

/*
 * The public constructors' common tail: @hf is the header frame they
 * built, or @err why they could not. Releases @hf either way.
 */
static struct cadet_writer *
writer_create_from_frame(const char *path, struct trace_buf *hf, int err,
			 const struct cadet_writer_opts *opts)
{
	struct cadet_writer *w = NULL;

	if (!err) {
		w = writer_create(path, hf, opts);
		err = w ? 0 : -errno;
	}
	trace_buf_release(hf);
	if (err)
		errno = -err;
	return w;
}

struct cadet_writer *cadet_writer__create(const char *path,
					  const struct cadet_rec *hdr,
					  const struct cadet_writer_opts *opts)
{
	struct trace_buf hf = {0};
	int err = -EINVAL;

	if (path && hdr && hdr->type == CADET_REC_HEADER &&
	    hdr->size >= sizeof(struct cadet_rec_header) && !(hdr->size % 8) &&
	    hdr->size <= TRACE_MAX_HDR_FRAME / 2)
		err = trace_build_header_frame(hdr, &hf);
	return writer_create_from_frame(path, &hf, err, opts);
}

struct cadet_writer *
cadet_writer__create_from(const char *path, const struct cadet_reader *src,
			  const struct cadet_writer_opts *opts)
{
	struct trace_buf hf = {0};
	int err = -EINVAL;

	if (path && src)
		err = trace_reader_header_frame(src, &hf);
	return writer_create_from_frame(path, &hf, err, opts);
}

int cadet_writer__add(struct cadet_writer *w, const struct cadet_rec *rec)
{
	struct heap_ent e;
	int err;

	if (!w || !rec || rec->size < sizeof(*rec) || rec->size % 8 ||
	    rec->size > TRACE_MAX_DSIZE / 2)
		return -EINVAL;
	if (w->err)
		return w->err;
	e.rec = malloc(rec->size);
	if (!e.rec)
		return -ENOMEM;
	memcpy(e.rec, rec, rec->size);
	if (w->any_out && e.rec->ts < w->last_ts) {
		/* Past the reorder window: keep it, in order, marked late. */
		e.rec->ts = w->last_ts;
		w->st.late++;
	}
	e.ts = e.rec->ts;
	e.seq = w->seq++;
	err = heap_push(w, e);
	if (err) {
		free(e.rec);
		return err;
	}
	if (e.ts > w->max_ts)
		w->max_ts = e.ts;
	if (w->max_ts >= w->reorder_ns) {
		err = drain(w, w->max_ts - w->reorder_ns);
		if (err)
			w->err = err;
	}
	return err;
}

int cadet_writer__flush(struct cadet_writer *w, uint64_t ts)
{
	int err;

	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	err = drain(w, ts);
	if (!err)
		err = cut_chunk(w);
	if (err)
		w->err = err;
	return err;
}

void cadet_writer__stats(const struct cadet_writer *w,
			 struct cadet_writer_stats *st)
{
	if (!w || !st)
		return;
	*st = w->st;
	/* Added but not on disk: buffered, or lost to a write error. */
	st->pending = w->seq - w->st.records;
}

/*
 * After a write error (disk full): the file keeps every chunk written
 * whole. Cut off the partial frame, which frees its space, and try to
 * end the file properly: one chunk holding a LOST record that counts the
 * records that never reached the file, then index and seek table. If
 * that fails too, the file is left as a crash would leave it.
 */
static int finish_after_error(struct cadet_writer *w)
{
	uint64_t unwritten = w->seq - w->st.records;
	struct cadet_recbuf *b;
	struct cadet_rec_lost *l;
	int err;

	w->st.dropped = unwritten;
	if (ftruncate(w->fd, w->st.bytes_out) ||
	    lseek(w->fd, w->st.bytes_out, SEEK_SET) < 0)
		return -errno;
	while (w->nheap)
		free(w->heap[--w->nheap].rec);
	w->chunk.len = 0;
	memset(&w->cur, 0, sizeof(w->cur));
	if (!unwritten)
		return 0;
	b = cadet_recbuf__new();
	l = b ? cadet_recbuf__start(b, CADET_REC_LOST, sizeof(*l)) : NULL;
	if (!l) {
		cadet_recbuf__free(b);
		return -ENOMEM;
	}
	l->h.ts = w->nchunks ? w->chunks[w->nchunks - 1].last_ts : 0;
	l->h.cpu = CADET_LOST_CPU_WRITER;
	snprintf(l->h.comm, sizeof(l->h.comm), "cadet-writer");
	l->count = unwritten;
	err = trace_buf_reserve(&w->chunk, l->h.size);
	if (!err) {
		memcpy(w->chunk.p, l, l->h.size);
		w->chunk.len = l->h.size;
		w->cur.first_ts = w->cur.last_ts = l->h.ts;
		w->cur.records = 1;
		w->cur.lost = unwritten;
		err = cut_chunk(w);
	}
	cadet_recbuf__free(b);
	return err;
}

int cadet_writer__close_stats(struct cadet_writer *w,
			      struct cadet_writer_stats *st)
{
	struct trace_buf tail = {0};
	int err, werr;

	if (!w)
		return -EINVAL;
	err = w->err;
	if (!err)
		err = drain(w, UINT64_MAX);
	if (!err)
		err = cut_chunk(w);
	werr = err;
	if (err && err != -ENOMEM)
		err = finish_after_error(w);
	if (!err)
		err = trace_build_tail(w->chunks, w->nchunks, w->fcsize,
				       w->fdsize, w->nframes, &tail);
	if (!err)
		err = trace_write_full(w->fd, tail.p, tail.len);
	if (!err) {
		w->st.bytes_out += tail.len;
		w->st.indexed = 1;
	} else if (werr) {
		/* No room for the tail either: the file ends after a chunk. */
		if (ftruncate(w->fd, w->st.bytes_out))
			err = -errno;
	}
	if (close(w->fd) && !err)
		err = -errno;
	w->fd = -1;
	if (!w->st.dropped)
		w->st.dropped = w->seq - w->st.records;
	if (st) {
		*st = w->st;
		st->pending = 0;
	}
	trace_buf_release(&tail);
	cadet_writer__free(w);
	/* The first error is what the caller must hear about. */
	return werr ? werr : err;
}

int cadet_writer__close(struct cadet_writer *w)
{
	return cadet_writer__close_stats(w, NULL);
}

void cadet_writer__free(struct cadet_writer *w)
{
	if (!w)
		return;
	while (w->nheap)
		free(w->heap[--w->nheap].rec);
	free(w->heap);
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	trace_buf_release(&w->chunk);
	trace_buf_release(&w->frame);
	free(w->chunks);
	free(w->fcsize);
	free(w->fdsize);
	free(w);
}
