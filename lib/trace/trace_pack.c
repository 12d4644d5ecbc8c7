// SPDX-License-Identifier: MIT
/*
 * Pack: rewrite a finished trace with big chunks at a high zstd level for
 * archiving. The recorder cuts a chunk every second (a crash then loses
 * little) at level 3, and each chunk is compressed on its own; chunks of
 * 4 MiB of records at level 19 make a trace a quarter to a half smaller.
 * Bigger chunks gain little more (0.5 to 2 % at 16 MiB) but every reader
 * then decodes into a buffer that size: replay took twice the CPU time.
 *
 * Nothing of the trace changes but its chunks: the header frame is copied
 * byte for byte (cadet_writer__create_from()), the records are read as
 * stored (cadet_reader_opts.raw) and written in file order, so the writer
 * neither reorders nor alters them. The new file is read back and
 * compared record by record with the input before it replaces anything,
 * the way repair writes beside the file and renames (trace_check.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/trace/trace_int.h"

#define PACK_LEVEL_DEFAULT 19
#define PACK_CHUNK_BYTES_DEFAULT (4u << 20)

static void __attribute__((format(printf, 2, 3)))
say(struct cadet_pack_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
}

/* The same file, not just the same name: a trace replaced meanwhile differs. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Opens @path for reading records as stored; NULL + errno, @rep->message. */
static struct cadet_reader *open_raw(const char *path,
				     struct cadet_pack_report *rep)
{
	struct cadet_reader_opts ro = {.sz = sizeof(ro), .raw = true};
	struct cadet_reader *r = cadet_reader__open(path, &ro);
	int errnum = errno;

	if (!r) {
		say(rep, "%s", cadet_reader__open_error());
		errno = errnum;
	}
	return r;
}

/* In place, the file keeps its owner when root packs another's file. */
static void keep_owner(const char *path, const struct stat *sb)
{
	if (sb->st_uid == geteuid() && sb->st_gid == getegid())
		return;
	/* Best effort: only root may give a file to another user. */
	if (chown(path, sb->st_uid, sb->st_gid))
		return;
}

/*
 * --drop-idle-bpf-stats: the programs whose unmeasured BPF_STATS record
 * was kept. Recorders before the change wrote one per program every
 * interval with zero counts when statistics were off; the first of each
 * program says what ran and why it was not measured, the rest nothing.
 */
struct idle_filter {
	bool on;
	uint32_t *ids;
	size_t n, cap;
};

/* 1: @rec is an idle repeat to leave out, 0: keep it, -ENOMEM. */
static int idle_repeat(struct idle_filter *f, const struct cadet_rec *rec)
{
	const struct cadet_rec_bpf_stats *b = (const void *)rec;

	if (!f->on || rec->type != CADET_REC_BPF_STATS ||
	    rec->size < sizeof(*b) || cadet_bpf_stats_measured(b->stats) ||
	    b->run_ns || b->run_cnt)
		return 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->ids[i] == b->prog_id)
			return 1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		uint32_t *ids = realloc(f->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		f->ids = ids;
		f->cap = cap;
	}
	f->ids[f->n++] = b->prog_id;
	return 0;
}

static void idle_filter_release(struct idle_filter *f)
{
	free(f->ids);
	f->ids = NULL;
	f->n = f->cap = 0;
}

/* Copies every record of @r (less idle repeats), in file order, into @w. */
static int copy_records(struct cadet_reader *r, struct cadet_writer *w,
			const char *in, const struct cadet_pack_opts *o,
			struct cadet_pack_report *rep)
{
	struct idle_filter idle = {.on = o->drop_idle_bpf_stats};
	const struct cadet_rec *rec;
	int err;

	while ((err = cadet_reader__next(r, &rec)) > 0) {
		err = idle_repeat(&idle, rec);
		if (err > 0) {
			rep->dropped++;
			continue;
		}
		if (!err)
			err = cadet_writer__add(w, rec);
		if (err) {
			say(rep, "%s: writing the packed file: %s", in,
			    strerror(-err));
			return err;
		}
		rep->records++;
		rep->record_bytes += rec->size;
	}
	idle_filter_release(&idle);
	if (err) {
		/* Checked sound a moment ago: it changed, or the disk fails. */
		say(rep, "%s", cadet_reader__error(r));
		return err == -ENODATA ? -EBADMSG : err;
	}
	return 0;
}

/*
 * The packed file @out must read back as @in: the same header frame, the
 * same records byte for byte in the same order, through its new index.
 * 0, -EIO at the first difference, other -errno when a file cannot be
 * read; @rep->message says which.
 */
static int compare_traces(const char *in, const char *out,
			  const struct cadet_pack_opts *o,
			  struct cadet_pack_report *rep)
{
	struct idle_filter idle = {.on = o->drop_idle_bpf_stats};
	struct trace_buf ha = {0}, hb = {0};
	struct cadet_reader *a, *b = NULL;
	const struct cadet_rec *x, *y;
	uint64_t n = 0;
	int ea, eb, err = -EIO;

	a = open_raw(in, rep);
	if (a)
		b = open_raw(out, rep);
	if (!a || !b) {
		err = -errno;
		goto cleanup;
	}
	if (!cadet_reader__indexed(b)) {
		say(rep, "%s: the packed file has no usable index", out);
		goto cleanup;
	}
	err = trace_reader_header_frame(a, &ha);
	if (!err)
		err = trace_reader_header_frame(b, &hb);
	if (err) {
		say(rep, "%s: reading the header frame: %s", out,
		    strerror(-err));
		goto cleanup;
	}
	err = -EIO;
	if (ha.len != hb.len || memcmp(ha.p, hb.p, ha.len)) {
		say(rep, "%s: the header frame differs from the input's", out);
		goto cleanup;
	}
	for (;;) {
		/* The input's records but the idle repeats left out. */
		do {
			ea = cadet_reader__next(a, &x);
			err = ea > 0 ? idle_repeat(&idle, x) : 0;
		} while (err > 0);
		if (err < 0) {
			say(rep, "%s: %s", out, strerror(-err));
			goto cleanup;
		}
		err = -EIO;
		eb = cadet_reader__next(b, &y);
		if (ea < 0 || eb < 0) {
			say(rep, "%s", cadet_reader__error(ea < 0 ? a : b));
			goto cleanup;
		}
		if (ea != eb) {
			say(rep, "%s: %s after record %llu", out,
			    ea ? "the packed file ends" : "more records",
			    (unsigned long long)n);
			goto cleanup;
		}
		if (!ea)
			break;
		if (x->size != y->size || memcmp(x, y, x->size)) {
			say(rep, "%s: record %llu differs from the input's",
			    out, (unsigned long long)n);
			goto cleanup;
		}
		n++;
	}
	if (n != rep->records) {
		say(rep, "%s: %llu records read back, %llu written", out,
		    (unsigned long long)n, (unsigned long long)rep->records);
		goto cleanup;
	}
	err = 0;
cleanup:
	idle_filter_release(&idle);
	trace_buf_release(&ha);
	trace_buf_release(&hb);
	cadet_reader__free(a);
	cadet_reader__free(b);
	return err;
}

/*
 * Writes the packed copy of @in (@sb) to @tmp and checks it: sound, the
 * same header and records, synced to disk. Fills the figures of @rep.
 */
static int write_packed(const char *in, const struct stat *sb, const char *tmp,
			const struct cadet_pack_opts *o,
			struct cadet_pack_report *rep)
{
	struct cadet_writer_opts wo = {
		.sz = sizeof(wo),
		.level = o->level,
		.chunk_bytes = o->chunk_bytes,
		.chunk_ns = o->chunk_ns ? o->chunk_ns : UINT64_MAX,
		/* Records come sorted: no need to hold any back. */
		.reorder_ns = 1,
		.mode = sb->st_mode & 0777,
	};
	struct cadet_check_report crep = {.sz = sizeof(crep)};
	struct cadet_writer_stats st;
	struct cadet_writer *w = NULL;
	struct cadet_reader *r;
	struct stat tsb;
	int err, fd;

	r = open_raw(in, rep);
	if (!r)
		return -errno;
	w = cadet_writer__create_from(tmp, r, &wo);
	if (!w) {
		err = -errno;
		say(rep, "%s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	err = copy_records(r, w, in, o, rep);
	if (err)
		goto cleanup;
	err = cadet_writer__close_stats(w, &st);
	w = NULL;
	if (err) {
		say(rep, "%s: writing the packed file: %s", in, strerror(-err));
		goto cleanup;
	}
	rep->chunks_out = st.chunks;
	if (!st.indexed || st.records != rep->records || st.late) {
		err = -EIO;
		say(rep, "%s: the writer took %llu of %llu records (%llu late)",
		    tmp, (unsigned long long)st.records,
		    (unsigned long long)rep->records,
		    (unsigned long long)st.late);
		goto cleanup;
	}
	/* The writer gives mode 0 its default: a file of mode 0 stays so. */
	if (!wo.mode && chmod(tmp, 0)) {
		err = -errno;
		goto cleanup;
	}
	err = compare_traces(in, tmp, o, rep);
	if (err)
		goto cleanup;
	err = cadet_trace_check(tmp, &crep);
	if (err) {
		say(rep, "%s: the packed file does not check: %s", tmp,
		    crep.message[0] ? crep.message : strerror(-err));
		err = -EIO;
		goto cleanup;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) || fstat(fd, &tsb)) {
		err = -errno;
		say(rep, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	rep->bytes_out = tsb.st_size;
cleanup:
	cadet_writer__free(w);
	cadet_reader__free(r);
	return err;
}

/* The input must be a sound trace: anything else is repaired first. */
static int check_input(const char *in, struct cadet_pack_report *rep)
{
	struct cadet_check_report crep = {.sz = sizeof(crep)};
	int err = cadet_trace_check(in, &crep);

	rep->bytes_in = crep.file_size;
	rep->chunks_in = crep.chunks_ok;
	if (err == -EBADMSG && crep.concatenated)
		say(rep, "%s; not packed (the file is unchanged)",
		    crep.message);
	else if (err == -EBADMSG && crep.file_size)
		say(rep,
		    "%s; not packed (the file is unchanged): pack copies sound traces only, repair it first with `cadet check --repair %s`",
		    crep.message, in);
	else if (err)
		say(rep, "%s", crep.message[0] ? crep.message : strerror(-err));
	return err;
}

static void report_init(struct cadet_pack_report *rep)
{
	size_t sz = rep->sz;

	memset(rep, 0, sizeof(*rep));
	rep->sz = sz;
}

int cadet_trace_pack(const char *in, const char *out,
		     const struct cadet_pack_opts *opts,
		     struct cadet_pack_report *rep)
{
	struct cadet_pack_opts o = {0};
	char *target = NULL, *tmp = NULL;
	struct stat sb, osb, now;
	bool in_place = !out;
	int err, fd;

	if (!in || !rep)
		return -EINVAL;
	report_init(rep);
	if (opts) {
		if (opts->sz < CADET_WRITER_OPTS_SZ_MIN)
			return -EINVAL;
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!o.level)
		o.level = PACK_LEVEL_DEFAULT;
	if (!o.chunk_bytes)
		o.chunk_bytes = PACK_CHUNK_BYTES_DEFAULT;
	if (o.level < 1 || o.level > ZSTD_maxCLevel() ||
	    o.chunk_bytes > TRACE_MAX_DSIZE / 2) {
		say(rep,
		    "level %d or chunk size %zu out of range (1-%d, at most %u bytes)",
		    o.level, o.chunk_bytes, ZSTD_maxCLevel(),
		    TRACE_MAX_DSIZE / 2);
		return -EINVAL;
	}
	err = check_input(in, rep);
	if (err)
		return err;
	if (stat(in, &sb)) {
		err = -errno;
		say(rep, "%s: %s", in, strerror(errno));
		return err;
	}
	if (out && !stat(out, &osb)) {
		if (osb.st_dev == sb.st_dev && osb.st_ino == sb.st_ino) {
			in_place = true;
		} else if (S_ISDIR(osb.st_mode)) {
			say(rep,
			    "%s: is a directory; give the packed file's name",
			    out);
			return -EISDIR;
		} else if (!S_ISREG(osb.st_mode)) {
			say(rep, "%s: not a regular file; give a file name",
			    out);
			return -EINVAL;
		} else if (!o.force) {
			say(rep,
			    "%s: exists; not written over (give another name)",
			    out);
			return -EEXIST;
		}
	}
	/* In place through a symlink: the file it names is replaced. */
	target = in_place ? realpath(in, NULL) : strdup(out);
	if (!target) {
		err = -errno;
		say(rep, "%s: %s", in_place ? in : out, strerror(errno));
		return err;
	}
	fd = trace_mkstemp_beside(target, "pack", &tmp);
	if (fd < 0) {
		err = fd;
		say(rep, "%s: cannot create a file beside it: %s", target,
		    strerror(-err));
		goto cleanup;
	}
	close(fd);
	err = write_packed(in, &sb, tmp, &o, rep);
	if (err)
		goto cleanup;
	/* Packed from what was checked, not from a file replaced meanwhile. */
	if (stat(in, &now) || !same_file(&sb, &now)) {
		err = -EAGAIN;
		say(rep, "%s: changed while it was packed; not packed", in);
		goto cleanup;
	}
	if (in_place && !o.always && rep->bytes_out >= rep->bytes_in) {
		say(rep,
		    "%s: packing gives %llu bytes, not fewer than its %llu: left as it is",
		    in, (unsigned long long)rep->bytes_out,
		    (unsigned long long)rep->bytes_in);
		goto cleanup;
	}
	if (in_place)
		keep_owner(tmp, &sb);
	if (in_place || o.force) {
		err = rename(tmp, target) ? -errno : 0;
	} else {
		/* Not rename(): an @out created meanwhile is not clobbered. */
		err = link(tmp, target) ? -errno : 0;
		if (!err)
			unlink(tmp);
	}
	if (err) {
		say(rep, "%s: %s; %s is unchanged", target, strerror(-err), in);
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	trace_sync_dir(target);
	rep->replaced = true;
cleanup:
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(target);
	return err;
}
