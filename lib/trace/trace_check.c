// SPDX-License-Identifier: MIT
/*
 * Check and repair. Check walks every frame itself (it never trusts the
 * index), decodes every chunk, then compares what it found with the index
 * and the seek table. Repair writes a new file holding the header frame
 * and every sound chunk, with a fresh index and seek table, and renames it
 * over the original, so a crash during repair leaves the original intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/trace/trace_int.h"

struct walk_frame {
	uint64_t off;
	uint64_t csize;
	uint64_t dsize;
	uint32_t magic;
	bool data;
	bool ok; /* data frame decoded and records sound */
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
	if (w->nframes == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct walk_frame *p = realloc(w->frames, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->frames = p;
		w->cap = cap;
	}
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

static int walk_file(const char *path, struct cadet_check_report *rep,
		     struct walk *w)
{
	struct trace_buf raw = {0}, dec = {0}, seek = {0}, index = {0};
	ZSTD_DCtx *dctx = NULL;
	struct cadet_reader *r;
	struct trace_frame f;
	uint64_t off, last_ts = 0;
	size_t seek_idx = 0;
	bool any = false;
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

	w->fd = open(path, O_RDONLY | O_CLOEXEC);
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
	for (off = w->hdr_csize; off < rep->file_size; off += f.csize) {
		struct walk_frame wf = {.off = off};

		err = trace_frame_read(w->fd, off, rep->file_size, true, &f,
				       &raw, why, sizeof(why));
		if (err == -ENODATA || err == -EBADMSG) {
			rep->tail_bytes = rep->file_size - off;
			if (err == -ENODATA)
				problem(rep,
					"%s: %llu bytes at offset %llu are an incomplete frame (the file was cut, e.g. the recorder was killed); run `cadet check --repair`",
					path,
					(unsigned long long)rep->tail_bytes,
					(unsigned long long)off);
			else
				problem(rep,
					"%s: frame at offset %llu: %s; %llu bytes from there on are unreadable; run `cadet check --repair`",
					path, (unsigned long long)off, why,
					(unsigned long long)rep->tail_bytes);
			err = 0;
			break;
		}
		if (err) {
			snprintf(rep->message, sizeof(rep->message),
				 "%s: offset %llu: %s", path,
				 (unsigned long long)off, why);
			goto cleanup;
		}
		wf.csize = f.csize;
		wf.dsize = f.dsize;
		wf.magic = f.magic;
		wf.data = f.kind == TRACE_FRAME_DATA;
		if (wf.data) {
			err = trace_chunk_decode(dctx, &raw, &dec, why,
						 sizeof(why));
			if (!err)
				err = trace_chunk_summarize(dec.p, dec.len,
							    &wf.sum, why,
							    sizeof(why));
			if (err == -ENOMEM)
				goto cleanup;
			if (err) {
				rep->chunks_bad++;
				problem(rep,
					"%s: chunk at offset %llu: %s; run `cadet check --repair` to drop it",
					path, (unsigned long long)off, why);
			} else {
				wf.ok = true;
				rep->chunks_ok++;
				rep->records += wf.sum.records;
				if (!wf.sum.ordered ||
				    (any && wf.sum.records &&
				     wf.sum.first_ts < last_ts)) {
					rep->order_ok = false;
					problem(rep,
						"%s: chunk at offset %llu: records out of time order",
						path, (unsigned long long)off);
				}
				if (wf.sum.records) {
					last_ts = wf.sum.last_ts;
					any = true;
				}
			}
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
	}
	err = 0;
	if (rep->has_seek_table)
		rep->seek_table_ok = !rep->tail_bytes &&
				     seek_idx == w->nframes - 1 &&
				     tail_ok(w, seek_idx, &seek, &index);
	if (!rep->has_seek_table)
		problem(rep,
			"%s: no seek table (the file was cut, e.g. the recorder was killed); every complete chunk is readable; run `cadet check --repair` to add one",
			path);
	else if (!rep->seek_table_ok)
		problem(rep,
			"%s: the chunk index or seek table does not match the chunks; run `cadet check --repair` to rebuild them",
			path);
cleanup:
	if (err == -ENOMEM && !rep->message[0])
		snprintf(rep->message, sizeof(rep->message),
			 "%s: out of memory", path);
	ZSTD_freeDCtx(dctx);
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

int cadet_trace_repair(const char *path, struct cadet_check_report *rep)
{
	struct cadet_chunk_info *chunks = NULL;
	uint32_t *fcs = NULL, *fds = NULL;
	struct trace_buf buf = {0};
	struct walk w = {.fd = -1};
	size_t nchunks = 0, nf = 0;
	char *tmp = NULL, *dir = NULL;
	uint64_t out_off;
	struct stat sb;
	int err, fd = -1;

	if (!path || !rep)
		return -EINVAL;
	report_init(rep);
	err = walk_file(path, rep, &w);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	chunks = calloc(w.nframes, sizeof(*chunks));
	fcs = calloc(w.nframes, sizeof(*fcs));
	fds = calloc(w.nframes, sizeof(*fds));
	if (asprintf(&tmp, "%s.repair-XXXXXX", path) < 0)
		tmp = NULL;
	if (!chunks || !fcs || !fds || !tmp)
		goto cleanup;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		snprintf(rep->message, sizeof(rep->message),
			 "%s: cannot create a file beside it: %s", path,
			 strerror(errno));
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
	if (rename(tmp, path)) {
		err = -errno;
		goto io_error;
	}
	free(tmp);
	tmp = NULL;
	/* fsync the directory so that the rename itself is durable. */
	dir = strdup(path);
	if (dir) {
		int dfd =
			open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
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
	free(dir);
	free(chunks);
	free(fcs);
	free(fds);
	trace_buf_release(&buf);
	walk_release(&w);
	return err;
}
