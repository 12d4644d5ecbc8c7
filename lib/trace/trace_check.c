// SPDX-License-Identifier: MIT
/*
 * Check and repair. Check walks every frame itself (it never trusts the
 * index), decodes every chunk, then compares what it found with the index
 * and the seek table. Repair writes a new file holding the header frame
 * and every sound chunk, with a fresh index and seek table, and renames it
 * over the original, so a crash during repair leaves the original intact;
 * the original is kept as FILE.orig unless told otherwise.
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
#include "lib/util/vec.h"

struct walk_frame {
	uint64_t off;
	uint64_t csize;
	uint64_t dsize;
	uint32_t magic;
	bool data;
	bool ok; /* data frame decoded and records sound */
	bool fix_magic; /* sound once its damaged magic is restored */
	struct trace_chunk_sum sum;
};

struct walk {
	int fd;
	uint64_t hdr_csize;
	struct walk_frame *frames;
	size_t nframes;
	size_t cap;
};

static void __attribute__((format(printf, 2, 3)))
problem(struct cadet_check_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->message[0])
		return; /* keep the first one */
	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
}

static void walk_release(struct walk *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->frames);
}

static int walk_add(struct walk *w, const struct walk_frame *f)
{
	if (vec_reserve(&w->frames, &w->cap, w->nframes + 1,
			sizeof(*w->frames)))
		return -ENOMEM;
	w->frames[w->nframes++] = *f;
	return 0;
}

/* Compares the seek table and index found at the end with the frames. */
static bool tail_ok(struct walk *w, size_t seek_idx,
		    const struct trace_buf *seek, const struct trace_buf *index)
{
	size_t nchunks = 0, c = 0;
	uint32_t n, entsz;

	if (seek_idx < 2 ||
	    w->frames[seek_idx - 1].magic != CADET_SKIP_MAGIC_INDEX)
		return false;
	if (seek->len < TRACE_SEEK_FOOTER_SIZE)
		return false;
	n = trace_get_le32(seek->p + seek->len - TRACE_SEEK_FOOTER_SIZE);
	if (n != seek_idx || seek->p[seek->len - 5] != 0 ||
	    seek->len != (size_t)n * 8 + TRACE_SEEK_FOOTER_SIZE)
		return false;
	for (size_t i = 0; i < seek_idx; i++) {
		const struct walk_frame *f = &w->frames[i];

		if (trace_get_le32(seek->p + i * 8) != f->csize ||
		    trace_get_le32(seek->p + i * 8 + 4) !=
			    (f->data ? f->dsize : 0))
			return false;
		nchunks += f->data;
	}
	if (index->len < TRACE_INDEX_HDR_SIZE)
		return false;
	entsz = trace_get_le32(index->p);
	n = trace_get_le32(index->p + 4);
	if (entsz < TRACE_INDEX_ENTRY_SIZE || n != nchunks ||
	    (index->len - TRACE_INDEX_HDR_SIZE) / entsz < n)
		return false;
	for (size_t i = 0; i < seek_idx; i++) {
		const struct walk_frame *f = &w->frames[i];
		const uint8_t *e;

		if (!f->data)
			continue;
		e = index->p + TRACE_INDEX_HDR_SIZE + c++ * entsz;
		if (trace_get_le64(e) != f->off ||
		    trace_get_le32(e + 8) != f->csize ||
		    trace_get_le32(e + 12) != f->dsize)
			return false;
		if (f->ok && (trace_get_le64(e + 16) != f->sum.first_ts ||
			      trace_get_le64(e + 24) != f->sum.last_ts ||
			      trace_get_le64(e + 32) != f->sum.records ||
			      trace_get_le64(e + 40) != f->sum.lost))
			return false;
	}
	return true;
}

/*
 * Offsets of every zstd frame magic in [@from, @size): the candidates a
 * damaged file's chunks may start at when its frame chain is broken.
 */
static int find_magics(int fd, uint64_t from, uint64_t size, uint64_t **out,
		       size_t *n)
{
	static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	const size_t blk = 1u << 20;
	uint8_t *buf = malloc(blk + sizeof(magic));
	uint64_t *v = NULL, off = from;
	size_t cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!buf)
		return -ENOMEM;
	while (off + sizeof(magic) <= size) {
		/* Blocks overlap by 3 bytes so that no magic is split. */
		size_t len = size - off < blk + 3 ? size - off : blk + 3;
		const uint8_t *p = buf, *q;

		err = trace_pread_full(fd, buf, len, off);
		if (err)
			break;
		while ((q = memmem(p, len - (p - buf), magic, sizeof(magic)))) {
			if (vec_reserve(&v, &cap, *n + 1, sizeof(*v))) {
				err = -ENOMEM;
				goto out;
			}
			v[(*n)++] = off + (q - buf);
			p = q + 1;
		}
		if (len < blk + 3)
			break;
		off += blk;
	}
out:
	free(buf);
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	*out = v;
	return 0;
}

static int cmp_frame(const void *a, const void *b)
{
	const struct walk_frame *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * The seek table found from the file's last 9 bytes (as the reader finds
 * it), whether or not the frames before it are sound: its entries give
 * where every frame should start. Appends those offsets to @cand.
 */
static void seek_table_offsets(struct walk *w, uint64_t size, bool *present,
			       uint64_t **cand, size_t *ncand, size_t *cap)
{
	uint8_t foot[TRACE_SEEK_FOOTER_SIZE], sk[TRACE_SKIP_HDR_SIZE];
	uint64_t st_size, st_off, off = 0;
	struct trace_buf st = {0};
	uint32_t nframes;

	if (size < w->hdr_csize + TRACE_SKIP_HDR_SIZE + TRACE_SEEK_FOOTER_SIZE ||
	    trace_pread_full(w->fd, foot, sizeof(foot), size - sizeof(foot)) ||
	    trace_get_le32(foot + 5) != CADET_SEEKABLE_MAGIC || foot[4] & 0x80)
		return;
	nframes = trace_get_le32(foot);
	st_size = TRACE_SKIP_HDR_SIZE + (uint64_t)nframes * 8 +
		  TRACE_SEEK_FOOTER_SIZE;
	if (st_size > size - w->hdr_csize)
		return;
	st_off = size - st_size;
	if (trace_pread_full(w->fd, sk, sizeof(sk), st_off) ||
	    trace_get_le32(sk) != CADET_SKIP_MAGIC_SEEK)
		return;
	*present = true;
	if (trace_buf_reserve(&st, st_size) ||
	    trace_pread_full(w->fd, st.p, st_size - TRACE_SKIP_HDR_SIZE,
			     st_off + TRACE_SKIP_HDR_SIZE))
		goto cleanup;
	for (uint32_t i = 0; i < nframes && off < st_off; i++) {
		if (vec_reserve(cand, cap, *ncand + 1, sizeof(**cand)))
			goto cleanup;
		(*cand)[(*ncand)++] = off;
		off += trace_get_le32(st.p + (size_t)i * 8);
	}
cleanup:
	trace_buf_release(&st);
}

/* Chunk offsets listed by an index frame's payload @ix. */
static void index_offsets(const struct trace_buf *ix, uint64_t **cand,
			  size_t *ncand, size_t *cap)
{
	uint32_t entsz, n;

	if (ix->len < TRACE_INDEX_HDR_SIZE)
		return;
	entsz = trace_get_le32(ix->p);
	n = trace_get_le32(ix->p + 4);
	if (entsz < TRACE_INDEX_ENTRY_SIZE)
		return;
	if ((ix->len - TRACE_INDEX_HDR_SIZE) / entsz < n)
		n = (ix->len - TRACE_INDEX_HDR_SIZE) / entsz;
	for (uint32_t i = 0; i < n; i++) {
		if (vec_reserve(cand, cap, *ncand + 1, sizeof(**cand)))
			return;
		(*cand)[(*ncand)++] = trace_get_le64(
			ix->p + TRACE_INDEX_HDR_SIZE + (size_t)i * entsz);
	}
}

/* Decodes the data frame @raw into @wf. 0, -EBADMSG with @why, -ENOMEM. */
static int decode_frame(ZSTD_DCtx *dctx, const struct trace_buf *raw,
			struct trace_buf *dec, struct walk_frame *wf,
			char *why, size_t whylen)
{
	int err = trace_chunk_decode(dctx, raw, dec, why, whylen);

	if (!err)
		err = trace_chunk_summarize(dec->p, dec->len, &wf->sum, why,
					    whylen);
	wf->ok = !err;
	return err;
}

/*
 * A chunk whose frame magic is damaged but whose frame header, blocks
 * and content checksum are intact: the seek table or index says a chunk
 * starts at @at. Reads it into @raw with the magic restored; the content
 * checksum then vouches for it. 0 or -EBADMSG.
 */
static int salvage_magic(int fd, uint64_t at, uint64_t size,
			 struct trace_buf *raw)
{
	uint8_t hdr[ZSTD_FRAMEHEADERSIZE_MAX];
	unsigned long long dsize;
	uint64_t left = size > at ? size - at : 0;
	size_t want, csize;

	if (left < sizeof(hdr) || trace_pread_full(fd, hdr, sizeof(hdr), at) ||
	    trace_get_le32(hdr) == TRACE_ZSTD_MAGIC)
		return -EBADMSG;
	trace_put_le32(hdr, TRACE_ZSTD_MAGIC);
	dsize = ZSTD_getFrameContentSize(hdr, sizeof(hdr));
	if (dsize == ZSTD_CONTENTSIZE_ERROR ||
	    dsize == ZSTD_CONTENTSIZE_UNKNOWN || dsize > TRACE_MAX_DSIZE)
		return -EBADMSG;
	want = ZSTD_compressBound(dsize) + ZSTD_FRAMEHEADERSIZE_MAX + 4;
	if (want > left)
		want = left;
	if (trace_buf_reserve(raw, want) ||
	    trace_pread_full(fd, raw->p, want, at))
		return -EBADMSG;
	trace_put_le32(raw->p, TRACE_ZSTD_MAGIC);
	csize = ZSTD_findFrameCompressedSize(raw->p, want);
	if (ZSTD_isError(csize))
		return -EBADMSG;
	raw->len = csize;
	return 0;
}

/*
 * Walks the frames one after the other from the header frame on. Where
 * the chain breaks (a damaged frame header or size), the frames after it
 * are still found: the seek table and the chunk index say where chunks
 * start, and every zstd frame magic further on is tried. A chunk counts
 * as sound only when it decodes with a valid checksum and well-formed
 * records, so whatever any reader path can read is found.
 */
static int walk_file(const char *path, struct cadet_check_report *rep,
		     struct walk *w)
{
	struct trace_buf raw = {0}, dec = {0}, seek = {0}, index = {0};
	uint64_t *cand = NULL, *magics = NULL, off, last_ts = 0;
	size_t ncand = 0, capcand = 0, nmagics = 0, seek_idx = 0, nseq;
	bool any = false, chain_ok = true, st_present = false;
	ZSTD_DCtx *dctx = NULL;
	struct cadet_reader *r;
	struct trace_frame f;
	char why[256];
	struct stat sb;
	int err;

	r = trace_reader_open_mode(path, NULL, true);
	if (!r) {
		err = -errno;
		snprintf(rep->message, sizeof(rep->message), "%s",
			 cadet_reader__open_error());
		return err == -EBADMSG || err == -EPROTONOSUPPORT ? -EBADMSG
								  : err;
	}
	w->hdr_csize = trace_reader_data_off(r);
	cadet_reader__free(r);

	w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (w->fd < 0 || fstat(w->fd, &sb)) {
		err = -errno;
		snprintf(rep->message, sizeof(rep->message), "%s: %s", path,
			 strerror(errno));
		return err;
	}
	rep->file_size = sb.st_size;
	rep->order_ok = true;
	dctx = ZSTD_createDCtx();
	err = dctx ? walk_add(w,
			      &(struct walk_frame){
				      .csize = w->hdr_csize,
				      .magic = CADET_SKIP_MAGIC_HEADER,
				      .ok = true,
			      })
		   : -ENOMEM;
	if (err)
		goto cleanup;

	/* 1. The chain of frames, as a scanning reader walks it. */
	for (off = w->hdr_csize; off < rep->file_size; off += f.csize) {
		struct walk_frame wf = {.off = off};

		err = trace_frame_read(w->fd, off, rep->file_size, true, &f,
				       &raw, why, sizeof(why));
		if (err == -ENODATA || err == -EBADMSG) {
			rep->tail_bytes = rep->file_size - off;
			chain_ok = false;
			if (err == -ENODATA)
				problem(rep,
					"%s: %llu bytes at offset %llu are an incomplete frame (the file was cut, e.g. the recorder was killed)",
					path,
					(unsigned long long)rep->tail_bytes,
					(unsigned long long)off);
			else
				problem(rep,
					"%s: frame at offset %llu: %s; the frames after it are found through the seek table, the index or their magic numbers",
					path, (unsigned long long)off, why);
			err = 0;
			break;
		}
		if (err) {
			snprintf(rep->message, sizeof(rep->message),
				 "%s: offset %llu: %s", path,
				 (unsigned long long)off, why);
			goto cleanup;
		}
		if (f.magic == CADET_SKIP_MAGIC_HEADER) {
			rep->tail_bytes = rep->file_size - off;
			rep->concatenated = true;
			chain_ok = false;
			problem(rep,
				"%s: a second trace starts at offset %llu (two traces were concatenated, e.g. by `cat A B`); split the file with `head -c %llu` and `tail -c +%llu`",
				path, (unsigned long long)off,
				(unsigned long long)off,
				(unsigned long long)off + 1);
			break;
		}
		wf.csize = f.csize;
		wf.dsize = f.dsize;
		wf.magic = f.magic;
		wf.data = f.kind == TRACE_FRAME_DATA;
		if (wf.data) {
			err = decode_frame(dctx, &raw, &dec, &wf, why,
					   sizeof(why));
			if (err == -ENOMEM)
				goto cleanup;
			if (err)
				problem(rep, "%s: chunk at offset %llu: %s",
					path, (unsigned long long)off, why);
			err = 0;
		} else if (f.magic == CADET_SKIP_MAGIC_INDEX) {
			err = trace_buf_reserve(&index, raw.len + 1);
			if (err)
				goto cleanup;
			memcpy(index.p, raw.p, raw.len);
			index.len = raw.len;
		} else if (f.magic == CADET_SKIP_MAGIC_SEEK) {
			rep->has_seek_table = true;
			seek_idx = w->nframes;
			err = trace_buf_reserve(&seek, raw.len + 1);
			if (err)
				goto cleanup;
			memcpy(seek.p, raw.p, raw.len);
			seek.len = raw.len;
		}
		err = walk_add(w, &wf);
		if (err)
			goto cleanup;
		if (f.magic == CADET_SKIP_MAGIC_SEEK &&
		    off + f.csize < rep->file_size) {
			uint64_t next = off + f.csize;
			uint8_t m[4];

			/* The seek table is always the last frame. */
			rep->tail_bytes = rep->file_size - next;
			chain_ok = false;
			if (rep->tail_bytes >= sizeof(m) &&
			    !trace_pread_full(w->fd, m, sizeof(m), next) &&
			    trace_get_le32(m) == CADET_SKIP_MAGIC_HEADER) {
				rep->concatenated = true;
				problem(rep,
					"%s: a second trace starts at offset %llu (two traces were concatenated, e.g. by `cat A B`); split the file with `head -c %llu` and `tail -c +%llu`",
					path, (unsigned long long)next,
					(unsigned long long)next,
					(unsigned long long)next + 1);
				break;
			}
			problem(rep,
				"%s: %llu bytes of trailing data after the seek table at offset %llu are not part of the trace",
				path, (unsigned long long)rep->tail_bytes,
				(unsigned long long)off);
			break;
		}
	}
	nseq = w->nframes;

	/*
	 * 2. Past a break in the chain (not past a second trace): chunks
	 * where the seek table, the index or a frame magic says one starts.
	 */
	seek_table_offsets(w, rep->file_size, &st_present, &cand, &ncand,
			   &capcand);
	rep->has_seek_table |= st_present;
	if (!chain_ok && !rep->concatenated) {
		uint64_t end = rep->file_size;

		if (!index.len && st_present) {
			/* The index is the last frame the seek table lists. */
			for (size_t i = ncand; i-- > 0;) {
				if (trace_frame_read(w->fd, cand[i], end, true,
						     &f, &raw, why,
						     sizeof(why)) ||
				    f.magic != CADET_SKIP_MAGIC_INDEX)
					continue;
				err = trace_buf_reserve(&index, raw.len + 1);
				if (err)
					goto cleanup;
				memcpy(index.p, raw.p, raw.len);
				index.len = raw.len;
				break;
			}
		}
		index_offsets(&index, &cand, &ncand, &capcand);
		err = find_magics(w->fd, w->hdr_csize, end, &magics, &nmagics);
		if (err)
			goto cleanup;
		for (size_t i = 0; i < ncand + nmagics; i++) {
			uint64_t at = i < ncand ? cand[i] : magics[i - ncand];
			struct walk_frame wf = {.off = at, .data = true};
			bool known = false;

			for (size_t j = 0; j < w->nframes && !known; j++)
				known = w->frames[j].off == at &&
					(j || !at);
			if (known || at < w->hdr_csize)
				continue;
			err = trace_frame_read(w->fd, at, end, true, &f, &raw,
					       why, sizeof(why));
			if (!err && f.kind != TRACE_FRAME_DATA)
				continue;
			if (err && i < ncand &&
			    !salvage_magic(w->fd, at, end, &raw)) {
				/* Listed as a chunk: try it with its magic. */
				f.csize = raw.len;
				f.dsize = ZSTD_getFrameContentSize(raw.p,
								   raw.len);
				f.magic = TRACE_ZSTD_MAGIC;
				wf.fix_magic = true;
				err = 0;
			}
			if (!err) {
				wf.csize = f.csize;
				wf.dsize = f.dsize;
				wf.magic = f.magic;
				err = decode_frame(dctx, &raw, &dec, &wf, why,
						   sizeof(why));
				if (err == -ENOMEM)
					goto cleanup;
			}
			err = 0;
			/* Chunks the seek table or index list count as bad. */
			if (!wf.ok && i >= ncand)
				continue;
			wf.ok = wf.ok && wf.csize;
			err = walk_add(w, &wf);
			if (err)
				goto cleanup;
		}
	}

	/* 3. Sound chunks in file order; overlapping ones cannot be real. */
	qsort(w->frames + 1, w->nframes - 1, sizeof(*w->frames), cmp_frame);
	for (size_t i = 1, prev = 0; i < w->nframes; i++) {
		struct walk_frame *wf = &w->frames[i];

		if (!wf->data)
			continue;
		if (wf->ok && prev &&
		    wf->off < w->frames[prev].off + w->frames[prev].csize)
			wf->ok = false;
		if (!wf->ok) {
			rep->chunks_bad++;
			continue;
		}
		prev = i;
		rep->chunks_ok++;
		rep->records += wf->sum.records;
		if (!wf->sum.ordered ||
		    (any && wf->sum.records && wf->sum.first_ts < last_ts)) {
			rep->order_ok = false;
			problem(rep,
				"%s: chunk at offset %llu: records out of time order",
				path, (unsigned long long)wf->off);
		}
		if (wf->sum.records) {
			last_ts = wf->sum.last_ts;
			any = true;
		}
	}
	if (!chain_ok && !rep->concatenated) {
		/* Unreadable bytes are those after the last frame found. */
		uint64_t last = st_present ? rep->file_size : 0;

		for (size_t i = 0; i < w->nframes; i++) {
			const struct walk_frame *wf = &w->frames[i];

			if ((wf->ok || !wf->data) &&
			    wf->off + wf->csize > last)
				last = wf->off + wf->csize;
		}
		rep->tail_bytes = rep->file_size - last;
	}
	if (rep->has_seek_table)
		rep->seek_table_ok = chain_ok && nseq == w->nframes &&
				     seek_idx == w->nframes - 1 &&
				     tail_ok(w, seek_idx, &seek, &index);
	if (!rep->has_seek_table)
		problem(rep,
			"%s: no seek table (the file was cut, e.g. the recorder was killed); every complete chunk is readable",
			path);
	else if (!rep->seek_table_ok)
		problem(rep,
			"%s: the chunk index or seek table does not match the chunks",
			path);
cleanup:
	if (err == -ENOMEM && !rep->message[0])
		snprintf(rep->message, sizeof(rep->message),
			 "%s: out of memory", path);
	ZSTD_freeDCtx(dctx);
	free(cand);
	free(magics);
	trace_buf_release(&raw);
	trace_buf_release(&dec);
	trace_buf_release(&seek);
	trace_buf_release(&index);
	return err;
}

static void report_init(struct cadet_check_report *rep)
{
	size_t sz = rep->sz;

	memset(rep, 0, sizeof(*rep));
	rep->sz = sz;
}

int cadet_trace_check(const char *path, struct cadet_check_report *rep)
{
	struct walk w = {.fd = -1};
	int err;

	if (!path || !rep)
		return -EINVAL;
	report_init(rep);
	err = walk_file(path, rep, &w);
	walk_release(&w);
	if (err)
		return err;
	if (rep->chunks_bad || rep->tail_bytes || !rep->has_seek_table ||
	    !rep->seek_table_ok || !rep->order_ok)
		return -EBADMSG;
	return 0;
}

static int copy_range(int in, int out, uint64_t off, uint64_t len,
		      struct trace_buf *buf)
{
	int err = trace_buf_reserve(buf, len);

	if (!err)
		err = trace_pread_full(in, buf->p, len, off);
	if (!err)
		err = trace_write_full(out, buf->p, len);
	return err;
}

/*
 * Records a reader can read from @path: dump's way (continuing past a
 * damaged chunk), through the index when it is usable, else by scanning;
 * with @scan by scanning only. 0 when it does not open.
 */
static uint64_t readable_records(const char *path, bool scan)
{
	struct cadet_reader_opts o = {.sz = sizeof(o), .ignore_index = scan};
	const struct cadet_rec *rec;
	struct cadet_reader *r;
	uint64_t n = 0;
	int err;

	r = cadet_reader__open(path, &o);
	if (!r)
		return 0;
	while ((err = cadet_reader__next(r, &rec)) != 0) {
		if (err > 0)
			n++;
		else if (err != -EBADMSG && err != -ENODATA)
			break;
	}
	cadet_reader__free(r);
	return n;
}

static uint64_t readable_max(const char *path)
{
	uint64_t a = readable_records(path, false);
	uint64_t b = readable_records(path, true);

	return a > b ? a : b;
}

int cadet_trace_repair(const char *path, struct cadet_check_report *rep)
{
	return cadet_trace_repair_opts(path, rep, NULL);
}

int cadet_trace_repair_opts(const char *path, struct cadet_check_report *rep,
			    const struct cadet_repair_opts *opts)
{
	struct cadet_repair_opts o = {0};
	struct cadet_chunk_info *chunks = NULL;
	uint32_t *fcs = NULL, *fds = NULL;
	struct trace_buf buf = {0};
	struct walk w = {.fd = -1};
	size_t nchunks = 0, nf = 0;
	char *tmp = NULL, *orig = NULL;
	uint64_t out_off, before, after;
	bool backed_up = false;
	struct stat sb;
	int err, fd = -1;

	if (!path || !rep)
		return -EINVAL;
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	report_init(rep);
	err = walk_file(path, rep, &w);
	if (err)
		goto cleanup;
	if (rep->concatenated) {
		/* Which trace to keep is the user's call: split, don't drop. */
		err = -EBADMSG;
		goto cleanup;
	}
	before = readable_max(path);
	err = -ENOMEM;
	chunks = calloc(w.nframes, sizeof(*chunks));
	fcs = calloc(w.nframes + 1, sizeof(*fcs));
	fds = calloc(w.nframes + 1, sizeof(*fds));
	if (!o.no_backup && asprintf(&orig, "%s.orig", path) < 0)
		orig = NULL;
	if (!chunks || !fcs || !fds || (!o.no_backup && !orig))
		goto cleanup;
	if (orig && !access(orig, F_OK)) {
		err = -EEXIST;
		snprintf(rep->message, sizeof(rep->message),
			 "%s: the backup %s already exists (from an earlier repair?): move it away, or repair without a backup; the file is unchanged",
			 path, orig);
		goto cleanup;
	}
	fd = trace_mkstemp_beside(path, "repair", &tmp);
	if (fd < 0) {
		err = fd;
		snprintf(rep->message, sizeof(rep->message),
			 "%s: cannot create a file beside it: %s", path,
			 strerror(-err));
		goto cleanup;
	}
	if (!fstat(w.fd, &sb))
		fchmod(fd, sb.st_mode & 0777);
	/* Header frame, then every sound chunk; old index and tail dropped. */
	err = copy_range(w.fd, fd, 0, w.hdr_csize, &buf);
	if (err)
		goto io_error;
	fcs[nf] = w.hdr_csize;
	fds[nf++] = 0;
	out_off = w.hdr_csize;
	for (size_t i = 1; i < w.nframes; i++) {
		const struct walk_frame *f = &w.frames[i];

		if (!f->data || !f->ok)
			continue;
		err = copy_range(w.fd, fd, f->off, f->csize, &buf);
		if (!err && f->fix_magic) {
			uint8_t m[4];

			trace_put_le32(m, TRACE_ZSTD_MAGIC);
			if (pwrite(fd, m, sizeof(m), out_off) != sizeof(m))
				err = -errno;
		}
		if (err)
			goto io_error;
		chunks[nchunks++] = (struct cadet_chunk_info){
			.offset = out_off,
			.csize = f->csize,
			.dsize = f->dsize,
			.first_ts = f->sum.first_ts,
			.last_ts = f->sum.last_ts,
			.records = f->sum.records,
			.lost = f->sum.lost,
		};
		fcs[nf] = f->csize;
		fds[nf++] = f->dsize;
		out_off += f->csize;
	}
	buf.len = 0;
	err = trace_build_tail(chunks, nchunks, fcs, fds, nf, &buf);
	if (!err)
		err = trace_write_full(fd, buf.p, buf.len);
	if (!err && fsync(fd))
		err = -errno;
	if (err)
		goto io_error;
	/* Never replace a file by one from which less can be read. */
	after = readable_max(tmp);
	if (after < before) {
		err = -EBADMSG;
		snprintf(rep->message, sizeof(rep->message),
			 "%s: repair would keep %llu of the %llu readable records: not done, the file is unchanged",
			 path, (unsigned long long)after,
			 (unsigned long long)before);
		goto cleanup;
	}
	if (orig) {
		/* A hard link keeps the original without a moment of no file. */
		if (link(path, orig)) {
			err = -errno;
			snprintf(rep->message, sizeof(rep->message),
				 "%s: cannot keep the original as %s: %s; the file is unchanged",
				 path, orig, strerror(errno));
			goto cleanup;
		}
		backed_up = true;
	}
	if (rename(tmp, path)) {
		err = -errno;
		if (backed_up)
			unlink(orig);
		goto io_error;
	}
	free(tmp);
	tmp = NULL;
	trace_sync_dir(path);
	walk_release(&w);
	w = (struct walk){.fd = -1};
	err = cadet_trace_check(path, rep);
	goto cleanup;
io_error:
	snprintf(rep->message, sizeof(rep->message),
		 "%s: repair failed: %s (the original file is unchanged)", path,
		 strerror(-err));
cleanup:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(orig);
	free(chunks);
	free(fcs);
	free(fds);
	trace_buf_release(&buf);
	walk_release(&w);
	return err;
}
