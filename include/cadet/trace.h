/* SPDX-License-Identifier: MIT */
/*
 * cadet trace library: write and read cadet trace files (format v1).
 *
 * Introduction
 *
 * A cadet trace is a sequence of independent zstd frames: a header frame
 * (skippable, uncompressed) holding the file header and the schema, then
 * data chunks (one zstd frame each, records sorted by time across the whole
 * file), then a chunk index and a seek table laid out as zstd's seekable
 * format. docs/trace-format.md is the normative specification; this header
 * is its C mirror.
 *
 * Every record starts with struct cadet_rec. Its payload is a fixed part
 * (a C struct made below from cadet/records.def, the list of record types
 * and their fields) followed by a tail holding variable-length data that
 * fixed-part fields of type struct cadet_vstr point into. The schema stored
 * in every file names each field, so tools read files written by newer
 * versions: unknown record types are skipped by their size, unknown trailing
 * fields are ignored, and fields are only ever appended.
 *
 * Conventions (libbpf style): functions returning int return 0 (or a count)
 * on success and -errno on failure; constructors return NULL and set errno.
 * Every object has a create/free pair and free(NULL) is a no-op. The caller
 * owns the buffers it passes in; records returned by the reader stay valid
 * until the next call on the same reader. Each function below says what it
 * returns and who owns it.
 *
 * API groups, each with a HowTo: record access helpers, building records
 * (recbuf), writer, reader, check and repair, pack. cadet/records.def
 * lists the record types and their fields.
 */
#ifndef CADET_TRACE_H
#define CADET_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CADET_FORMAT_MAJOR 1
#define CADET_FORMAT_MINOR 2

/* First 8 bytes of the header frame payload. */
#define CADET_FILE_MAGIC "CADETTR\0"

/* zstd skippable frame magics used by the format (0x184D2A50 + n). */
#define CADET_SKIP_MAGIC_HEADER 0x184D2A50u
#define CADET_SKIP_MAGIC_INDEX  0x184D2A51u
#define CADET_SKIP_MAGIC_SEEK   0x184D2A5Eu /* zstd seekable format */
#define CADET_SEEKABLE_MAGIC    0x8F92EAB1u /* zstd seekable footer */

#define CADET_COMM_LEN 16

/*
 * Record types (cadet/records.def lists them). Values are stable forever;
 * new types get new numbers. Readers skip types they do not know by their
 * size.
 */
enum cadet_rec_type {
#define CADET_RECORD_TYPE(id, NAME, name, st, version, since_minor) \
	CADET_REC_##NAME = id,
#include "cadet/records.def"
	CADET_REC_TYPE_MAX
};

/*
 * Common record header, 48 bytes, little-endian, 8-byte aligned.
 * @size covers header, fixed part and tail, padded to a multiple of 8.
 * @ts is CLOCK_MONOTONIC ns (the clock of bpf_ktime_get_ns()).
 * @cgroup_id is the full 64-bit cgroup v2 id; 0 for host/no cgroup.
 */
struct cadet_rec {
	uint32_t size;
	uint16_t type;
	uint16_t cpu;
	uint64_t ts;
	uint64_t cgroup_id;
	uint32_t pid;   /* tgid */
	uint32_t tid;
	char comm[CADET_COMM_LEN];
};

/*
 * Variable-length field: @len bytes at @off from the start of the record.
 * Strings are followed by one NUL byte not counted in @len; string lists
 * (argv) are NUL-separated strings, @len covering all but the final NUL.
 * An absent value has off = len = 0.
 */
struct cadet_vstr {
	uint32_t off;
	uint32_t len;
};

/* IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). */
struct cadet_addr {
	uint8_t a[16];
};

/* ---- header frame ---- */

enum cadet_probe {
	CADET_PROBE_PROCESS = 1u << 0,
	CADET_PROBE_SYSCALL = 1u << 1,
	CADET_PROBE_FILE = 1u << 2,
	CADET_PROBE_NET = 1u << 3,
	CADET_PROBE_MEM = 1u << 4,
	CADET_PROBE_CPU = 1u << 5,
	CADET_PROBE_SECURITY = 1u << 6,
	CADET_PROBE_SYSCALL_SEQ = 1u << 7,
	CADET_PROBE_PCAP = 1u << 8,
};
#define CADET_PROBES_DEFAULT 0x7fu

#define CADET_HDR_F_ALL_CGROUPS 0x1u /* --all: host processes too */
#define CADET_HDR_F_REDACTED 0x2u    /* --redact: paths, argv hashed */

/*
 * METRICS flags (since 1.2): the record's interval is not an ordinary
 * sample of the container. FIRST: its first interval, which began when
 * the container appeared (partial, and holding the start-up's work);
 * TEARDOWN: the interval in which it was removed (its tasks gone, so
 * rss_bytes and nr_tasks read 0). Replay withholds both from detectors
 * and infers them for traces recorded before the flags existed
 * (docs/detector-abi.md, "Edge intervals").
 */
#define CADET_METRICS_F_FIRST 0x1u
#define CADET_METRICS_F_TEARDOWN 0x2u

enum cadet_field_kind {
	CADET_FK_U8 = 1,
	CADET_FK_U16,
	CADET_FK_U32,
	CADET_FK_U64,
	CADET_FK_S32,
	CADET_FK_S64,
	CADET_FK_CHAR,  /* fixed NUL-padded string of @size bytes */
	CADET_FK_VSTR,  /* struct cadet_vstr -> string */
	CADET_FK_VLIST, /* struct cadet_vstr -> NUL-separated string list */
	CADET_FK_VU32,  /* struct cadet_vstr -> array of uint32_t */
	CADET_FK_ADDR,  /* struct cadet_addr */
	CADET_FK_HEX,   /* fixed bytes shown as hex */
	CADET_FK_F64,   /* IEEE 754 double */
	CADET_FK_VBYTES, /* struct cadet_vstr -> raw bytes shown as hex */
};

/* One entry of a schema record's field table (in its tail). */
struct cadet_schema_field {
	char name[32];
	uint16_t kind;      /* enum cadet_field_kind */
	uint16_t reserved;
	uint32_t offset;    /* from record start */
	uint32_t size;
	uint32_t reserved2;
};

enum cadet_runtime {
	CADET_RT_UNKNOWN = 0,
	CADET_RT_RUNC,
	CADET_RT_DOCKER,
	CADET_RT_CONTAINERD,
	CADET_RT_CRIO,
	CADET_RT_PODMAN,
	CADET_RT_KUBERNETES,
	CADET_RT_MANUAL,            /* --cgroup PATH */
};

/* How run_ns/run_cnt of BPF_STATS records were obtained. */
enum cadet_bpf_stats_mode {
	CADET_BPF_STATS_UNAVAILABLE = 0, /* kernel refused: run_* are 0 */
	CADET_BPF_STATS_RECORDER = 1,   /* turned on by the recorder */
	CADET_BPF_STATS_SYSCTL = 2,     /* already on (kernel.bpf_stats_enabled) */
	CADET_BPF_STATS_OFF = 3,        /* off on request: run_* are 0 */
};

/*
 * Whether BPF_STATS records of @mode carry measurements. The recorder
 * writes unmeasured ones once per program, at its first interval (older
 * recorders repeated them every interval with zeros; `cadet pack
 * --drop-idle-bpf-stats` drops the repeats).
 */
static inline bool cadet_bpf_stats_measured(unsigned int mode)
{
	return mode == CADET_BPF_STATS_RECORDER ||
	       mode == CADET_BPF_STATS_SYSCTL;
}

/* ---- record payloads ----
 *
 * struct cadet_rec_header, cadet_rec_schema, cadet_rec_container, ...: one
 * struct per payload layout of cadet/records.def, which lists the fields
 * and what they mean (docs/trace-format.md section 5 shows the offsets).
 * Each struct starts with struct cadet_rec h.
 */
#define CADET_RECORD_BEGIN(st) struct cadet_rec_##st { struct cadet_rec h;
#define CADET_RECORD_FIELD(st, ctype, field, kind) ctype field;
#define CADET_RECORD_ARRAY(st, ctype, field, n, kind) ctype field[n];
#define CADET_RECORD_RESERVED(st, ctype, field) ctype field;
#define CADET_RECORD_END(st) };
#include "cadet/records.def"

/* ---- record access helpers ----
 *
 * For any record, by field name: what `cadet dump` shows, without knowing
 * the payload struct. Detector plugins may call these four (the cadet
 * binary exports them to the plugins it loads; docs/detector-abi.md).
 *
 * HowTo:
 *   uint64_t ppid;
 *   const char *path;
 *
 *   printf("%s", cadet_rec_type_name(rec->type));       "exec"
 *   if (!cadet_rec_field_u64(rec, "ppid", &ppid)) ...
 *   path = cadet_rec_field_str(rec, "filename");         NULL: no such field
 *   path = cadet_rec_str(rec, &((struct cadet_rec_exec *)rec)->filename);
 */

/*
 * cadet_rec_str() - the string the vstr field @v of @rec points to.
 * Returns it (inside @rec: valid as long as @rec is), or "" when the
 * value is absent, out of the record's bounds or not NUL-terminated.
 * Never returns NULL.
 */
const char *cadet_rec_str(const struct cadet_rec *rec,
			  const struct cadet_vstr *v);

/*
 * cadet_rec_type_name() - name of record type @type ("exec", "open", ...;
 * a static string). Returns NULL for types this library does not know.
 */
const char *cadet_rec_type_name(unsigned int type);

/*
 * cadet_rec_field_u64() - integer field @field (schema name, as in
 * docs/trace-format.md section 5) of @rec into *@val. Unsigned kinds are
 * zero-extended; signed ones (s32, s64) are sign-extended, so cast *@val
 * to int64_t for them. Returns 0; -ENOENT when the record's type is not
 * known or has no such field; -EINVAL when an argument is NULL, the field
 * is not an integer or lies beyond @rec->size. *@val is set only on 0.
 */
int cadet_rec_field_u64(const struct cadet_rec *rec, const char *field,
			uint64_t *val);

/*
 * cadet_rec_field_str() - string field @field (kinds char and vstr) of
 * @rec. Returns the string (inside @rec; a char field of a full buffer is
 * returned via a per-thread copy valid until the next call in the same
 * thread), "" for an absent value, or NULL with errno ENOENT (type or
 * field unknown) or EINVAL (NULL argument, not a string field, or beyond
 * @rec->size).
 */
const char *cadet_rec_field_str(const struct cadet_rec *rec,
				const char *field);

/* ---- building records ----
 *
 * A recbuf builds one record at a time in a buffer it owns and reuses:
 * the fixed part first, then the strings of its vstr fields appended to
 * the tail. The record is the writer's input (cadet_writer__add() copies
 * it), so one recbuf serves any number of records.
 *
 * HowTo:
 *   struct cadet_recbuf *b = cadet_recbuf__new();
 *   struct cadet_rec_exec *e = cadet_recbuf__start(b, CADET_REC_EXEC,
 *                                                  sizeof(*e));
 *   e->h.ts = ts; ... fixed fields ...
 *   cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, filename),
 *                         path, strlen(path));
 *   cadet_writer__add(w, cadet_recbuf__rec(b));
 *   cadet_recbuf__free(b);
 * put_* may move the buffer: re-fetch pointers with cadet_recbuf__rec().
 */
struct cadet_recbuf;

/* cadet_recbuf__new() - an empty recbuf; NULL with errno ENOMEM. */
struct cadet_recbuf *cadet_recbuf__new(void);
/* cadet_recbuf__free() - frees @b and its record; NULL is a no-op. */
void cadet_recbuf__free(struct cadet_recbuf *b);
/*
 * cadet_recbuf__start() - start a new record of @type in @b, dropping the
 * previous one: @fixed_size bytes (header included, e.g. sizeof(struct
 * cadet_rec_exec)) zeroed, h.type and h.size set. Returns the record
 * (owned by @b, valid until the next call on @b), or NULL with errno
 * EINVAL (@b NULL, @fixed_size < sizeof(struct cadet_rec), @type above
 * 65535) or ENOMEM.
 */
void *cadet_recbuf__start(struct cadet_recbuf *b, unsigned int type,
			  size_t fixed_size);
/*
 * cadet_recbuf__put_str() - append @len bytes of @data and a NUL to the
 * tail of the current record and point the vstr at byte offset
 * @field_off of the fixed part at them (h.size grows). @data is copied;
 * it may be NULL when @len is 0 (an empty value). Returns 0, -EINVAL (no
 * record started, @field_off not a vstr slot inside the fixed part, @data
 * NULL with @len > 0), -E2BIG (record would exceed 256 MiB) or -ENOMEM;
 * on error the record is unchanged.
 */
int cadet_recbuf__put_str(struct cadet_recbuf *b, size_t field_off,
			  const void *data, size_t len);
/*
 * cadet_recbuf__rec() - the record being built (owned by @b; moves on
 * put_str), NULL when @b is NULL or no record was started.
 */
struct cadet_rec *cadet_recbuf__rec(struct cadet_recbuf *b);

struct cadet_reader;

/* ---- writer ----
 *
 * HowTo:
 *   struct cadet_writer_opts o = { .sz = sizeof(o), .level = 3 };
 *   struct cadet_writer *w = cadet_writer__create("run.cadet", hdr, &o);
 *   if (!w) -> errno says why
 *   cadet_writer__add(w, rec);      ... many times, roughly in time order
 *   cadet_writer__close(w);         flushes, writes index + seek table
 *
 * Records are held in a reorder buffer and written sorted by (ts, seq),
 * seq being the order of cadet_writer__add() calls. A record older than
 * the last written one (beyond the reorder window) is written with its ts
 * raised to that time and counted as late (cadet_writer__stats()).
 * Chunks are cut at chunk_bytes of records or chunk_ns of trace time.
 * Each chunk is written with one write() so that a crash leaves only
 * whole chunks plus at most one partial one. Write errors are sticky:
 * after the first one every call returns it and close() accounts for the
 * records that were not written.
 */
struct cadet_writer;

struct cadet_writer_opts {
	size_t sz;
	int level;              /* zstd level, default 3 */
	size_t chunk_bytes;     /* default 1 MiB uncompressed, at most 128 MiB */
	uint64_t chunk_ns;      /* default 1 s of trace time; UINT64_MAX: no limit */
	uint64_t reorder_ns;    /* default 200 ms */
	/* Permission bits of the file, set exactly (umask aside); default
	 * 0600: traces hold command lines and paths. */
	unsigned int mode;
};
#define CADET_WRITER_OPTS_SZ_MIN sizeof(size_t)

struct cadet_writer_stats {
	uint64_t records;       /* records in chunks written whole to the file */
	uint64_t chunks;
	uint64_t bytes_in;      /* uncompressed record bytes */
	uint64_t bytes_out;     /* file bytes so far */
	uint64_t late;
	uint64_t lost;          /* sum of LOST records' counts in the file */
	uint64_t pending;       /* added, not yet in the file (buffered) */
	uint64_t dropped;       /* at close: added but never written (write error) */
	uint64_t indexed;       /* at close: 1 when index and seek table were written */
};

/*
 * cpu of the LOST record a writer adds at close after a write error (disk
 * full): its count is the records that never reached the file.
 */
#define CADET_LOST_CPU_WRITER 0xffffu

/*
 * cadet_writer__create() - create (or truncate) the trace @path and write
 * its header frame: @hdr, the HEADER record (built with a recbuf; copied),
 * then the SCHEMA record of every record type this library knows. @opts
 * may be NULL (defaults); its sz must be at least
 * CADET_WRITER_OPTS_SZ_MIN. Returns the writer (free it with
 * cadet_writer__close() or cadet_writer__free()), or NULL with errno:
 * EINVAL (bad @hdr or @opts), ENOMEM, or the error of open()/write().
 */
struct cadet_writer *cadet_writer__create(const char *path,
					  const struct cadet_rec *hdr,
					  const struct cadet_writer_opts *opts);
/*
 * cadet_writer__create_from() - cadet_writer__create() whose header frame
 * is the one of the trace @src reads, byte for byte: its HEADER and
 * SCHEMA records and its format version as they are in that file, not
 * as this library would write them. For tools that rewrite a trace's
 * chunks (`cadet pack`): with @src's records added as stored
 * (cadet_reader_opts.raw) and in file order, the new file holds the same
 * header and records in other chunks. @src stays usable. Returns the
 * writer, or NULL with errno: EINVAL (NULL @path or @src, bad @opts),
 * EBADMSG (@src's file changed since it was opened), ENOMEM, or the
 * error of open()/read()/write().
 */
struct cadet_writer *
cadet_writer__create_from(const char *path, const struct cadet_reader *src,
			  const struct cadet_writer_opts *opts);
/*
 * cadet_writer__add() - queue a copy of @rec (the caller keeps @rec) and
 * write out whatever left the reorder window. Returns 0, -EINVAL (@rec's
 * size below 48, not a multiple of 8 or above 128 MiB), -ENOMEM (@rec not
 * queued), or the sticky write error (-EIO, -ENOSPC, ...; @rec was
 * queued but will be counted as dropped).
 */
int cadet_writer__add(struct cadet_writer *w, const struct cadet_rec *rec);
/*
 * cadet_writer__flush() - write every queued record with ts <= @ts and cut
 * a chunk (the recorder calls it periodically so that a crash loses
 * little). Returns 0, -EINVAL or the sticky write error.
 */
int cadet_writer__flush(struct cadet_writer *w, uint64_t ts);
/* cadet_writer__stats() - figures so far into *@st; no-op on NULL. */
void cadet_writer__stats(const struct cadet_writer *w,
			 struct cadet_writer_stats *st);
/*
 * cadet_writer__close() - flush all, write index and seek table, close.
 * Frees @w even on error. Returns 0, -EINVAL (@w NULL) or the first write
 * error (e.g. -ENOSPC). After a write error the file keeps every chunk
 * written whole; the partial one is cut off and, when there is room, a
 * chunk with a LOST record (cpu CADET_LOST_CPU_WRITER) counting the
 * records that were not written, an index and a seek table are added.
 */
int cadet_writer__close(struct cadet_writer *w);
/*
 * cadet_writer__close_stats() - cadet_writer__close() that also fills @st
 * (may be NULL) with the final figures. Same return values.
 */
int cadet_writer__close_stats(struct cadet_writer *w,
			      struct cadet_writer_stats *st);
/*
 * cadet_writer__free() - free without finishing the file: queued records
 * are dropped and the file is left as a crash would leave it (a cut
 * trace, `cadet check --repair` restores it). NULL is a no-op.
 */
void cadet_writer__free(struct cadet_writer *w);

/* ---- reader ----
 *
 * HowTo:
 *   struct cadet_reader *r = cadet_reader__open("run.cadet", NULL);
 *   if (!r) -> errno; cadet_reader__open_error() says why, naming the
 *              file and what to do
 *   const struct cadet_rec *rec;
 *   while ((err = cadet_reader__next(r, &rec)) > 0)
 *           use rec (valid until the next call);
 *   if (err < 0) -> cadet_reader__error(r) says what is wrong and where
 *   cadet_reader__free(r);
 *
 * A file without index/seek table (a cut file) is read by scanning its
 * frames; every complete chunk is returned, then next() returns -ENODATA
 * once (__error() says where the file was cut and how many records were
 * read). A damaged chunk, a second trace appended to the file or data
 * after the seek table give -EBADMSG; next() goes on with what follows
 * a damaged chunk. Only regular files are opened (EISDIR for a directory,
 * EINVAL for devices, FIFOs and sockets). Records from a newer format
 * minor whose fixed part is longer are returned as is; records from an
 * older file whose fixed part is shorter are zero-extended so that the
 * structs above can always be used.
 *
 * Everything a reader returns (records, header, schema records, chunk
 * info, messages) is owned by the reader: records until the next call of
 * next() or seek_ts(), the rest until cadet_reader__free(). A reader is
 * not thread-safe; use one per thread.
 */
struct cadet_reader;

struct cadet_reader_opts {
	size_t sz;
	bool ignore_index;      /* scan frames even if a seek table exists */
	/*
	 * next() returns records exactly as stored: those of an older minor
	 * are not zero-extended. For copying records byte for byte (pack);
	 * the payload structs above may then be longer than a record.
	 */
	bool raw;
};

struct cadet_chunk_info {
	uint64_t offset;        /* file offset of the frame */
	uint32_t csize;         /* compressed frame size */
	uint32_t dsize;         /* decompressed size */
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t records;
	uint64_t lost;
};

/*
 * cadet_reader__open() - open the trace @path, check its header frame and
 * load its seek table and index (or scan its frames when they are absent
 * or inconsistent). @opts may be NULL. Returns the reader, or NULL with
 * errno (ENOENT, EACCES, EISDIR, EINVAL for a file that is not regular,
 * EBADMSG for a file that is not a cadet trace or whose header frame is
 * damaged, EPROTONOSUPPORT for another format major, ENOMEM) and
 * cadet_reader__open_error() set.
 */
struct cadet_reader *cadet_reader__open(const char *path,
					const struct cadet_reader_opts *opts);
/* cadet_reader__free() - close the file, free @r; NULL is a no-op. */
void cadet_reader__free(struct cadet_reader *r);
/*
 * cadet_reader__open_error() - message of the last failed
 * cadet_reader__open() in this thread ("" before any); a per-thread
 * buffer overwritten by the next open.
 */
const char *cadet_reader__open_error(void);

/*
 * cadet_reader__header() - the file's HEADER record, zero-extended to
 * this library's struct (owned by @r); NULL when @r is NULL.
 */
const struct cadet_rec_header *cadet_reader__header(const struct cadet_reader *r);
/*
 * cadet_reader__schema() - the file's own SCHEMA record for @type (owned
 * by @r), NULL when the file has none or @r is NULL. Describes types this
 * library does not know too.
 */
const struct cadet_rec_schema *cadet_reader__schema(const struct cadet_reader *r,
						    unsigned int type);
/*
 * cadet_reader__next() - the next record in file order into *@rec.
 * Returns 1 and *@rec set (owned by @r, valid until the next call); 0 at
 * the end of the trace; -ENODATA once when the file was cut (every record
 * before the cut was returned); -EBADMSG at damage (calling again goes on
 * after it); -EINVAL for NULL arguments; other -errno (-EIO, -ENOMEM):
 * stop. cadet_reader__error() says what and where.
 */
int cadet_reader__next(struct cadet_reader *r, const struct cadet_rec **rec);
/*
 * cadet_reader__seek_ts() - position @r before the first chunk that may
 * hold records with ts >= @ts (binary search over the chunk list; the
 * next call of next() may still return a few earlier records of that
 * chunk). Returns 0, or -EINVAL when @r is NULL.
 */
int cadet_reader__seek_ts(struct cadet_reader *r, uint64_t ts);
/* cadet_reader__chunk_cnt() - number of data chunks found; 0 for NULL. */
size_t cadet_reader__chunk_cnt(const struct cadet_reader *r);
/*
 * cadet_reader__chunk() - chunk @idx (file order; owned by @r), NULL when
 * @idx >= cadet_reader__chunk_cnt() or @r is NULL.
 */
const struct cadet_chunk_info *cadet_reader__chunk(const struct cadet_reader *r,
						   size_t idx);
/* true when the file had a valid index and seek table (not cut). */
bool cadet_reader__indexed(const struct cadet_reader *r);
/*
 * cadet_reader__error() - message of the last error of @r ("" when none;
 * owned by @r, overwritten by the next error).
 */
const char *cadet_reader__error(const struct cadet_reader *r);

/* ---- check and repair ----
 *
 * HowTo:
 *   struct cadet_check_report rep = { .sz = sizeof(rep) };
 *   err = cadet_trace_check("run.cadet", &rep);
 *   if (err == -EBADMSG) -> rep.message says what; then perhaps
 *   err = cadet_trace_repair("run.cadet", &rep);  keeps run.cadet.orig
 *
 * The report is filled by the library (the caller owns it); message is
 * the first problem found.
 */

struct cadet_check_report {
	size_t sz;
	uint64_t file_size;
	uint64_t chunks_ok;
	uint64_t chunks_bad;    /* corrupt frames (checksum, decode) */
	uint64_t records;
	uint64_t tail_bytes;    /* bytes after the last complete frame */
	bool has_seek_table;
	bool seek_table_ok;
	bool order_ok;          /* records sorted by ts */
	char message[512];      /* first problem found, human readable */
	bool concatenated;      /* a second trace follows the first one */
};

/*
 * cadet_trace_check() - verify every frame, the index and the seek table.
 * Returns 0 when the file is sound, -EBADMSG when problems were found
 * (details in @rep), -EINVAL for NULL arguments, other -errno on I/O
 * errors.
 */
int cadet_trace_check(const char *path, struct cadet_check_report *rep);
/*
 * cadet_trace_repair() - rebuild index and seek table of a cut or damaged
 * file: keep every sound chunk (found by walking the frames, through the
 * seek table and index past a damaged frame, and by the zstd frame magic),
 * drop damaged chunks and the partial tail frame. The new file replaces
 * the original only when complete and when no fewer records can be read
 * from it; the original is kept as PATH.orig (-EEXIST when that exists).
 * Two concatenated traces are not repaired (-EBADMSG; split them).
 * Returns 0, -EBADMSG (details in @rep) or other -errno.
 */
int cadet_trace_repair(const char *path, struct cadet_check_report *rep);

struct cadet_repair_opts {
	size_t sz;
	bool no_backup;         /* do not keep the original as PATH.orig */
};

/*
 * cadet_trace_repair_opts() - cadet_trace_repair() with options; @opts
 * may be NULL (defaults). Same return values.
 */
int cadet_trace_repair_opts(const char *path, struct cadet_check_report *rep,
			    const struct cadet_repair_opts *opts);

/* ---- pack ----
 *
 * HowTo:
 *   struct cadet_pack_opts o = { .sz = sizeof(o) };      level 19, 4 MiB
 *   struct cadet_pack_report rep = { .sz = sizeof(rep) };
 *   err = cadet_trace_pack("run.cadet", NULL, &o, &rep); in place
 *   if (err) -> rep.message says why; run.cadet is unchanged
 *   else rep.bytes_in, rep.bytes_out, rep.replaced
 *
 * The recorder cuts a chunk every second so that a crash loses little;
 * each chunk is compressed on its own (level 3), which costs a quarter to
 * a half of a trace's size. Pack rewrites a finished trace for archiving: the
 * header frame and every record byte for byte and in the same order, in
 * chunks of @chunk_bytes at a high zstd level, with a new chunk index and
 * seek table. Only a sound trace is packed (cadet_trace_check() first;
 * a cut or damaged one is refused: repair it first). The new file is
 * written beside the target (TARGET.pack-XXXXXX), read back and compared
 * record by record with the input, synced, and only then renamed over the
 * target, so that neither an error nor a crash loses data.
 */

struct cadet_pack_opts {
	size_t sz;
	int level;              /* zstd level, default 19 */
	size_t chunk_bytes;     /* default 4 MiB of records, at most 128 MiB */
	uint64_t chunk_ns;      /* default 0: no time limit */
	bool force;             /* replace an existing @out */
	/* In place: replace the input even when the result is not smaller. */
	bool always;
	/*
	 * Leave out BPF_STATS records that measure nothing (statistics off
	 * or unavailable, zero counts) after each program's first, as the
	 * recorder now writes them: older traces repeat them every interval.
	 * The only change pack makes to the records; rep.dropped counts it.
	 */
	bool drop_idle_bpf_stats;
};

struct cadet_pack_report {
	size_t sz;
	uint64_t bytes_in;      /* file sizes */
	uint64_t bytes_out;
	uint64_t chunks_in;
	uint64_t chunks_out;
	uint64_t records;       /* copied and compared */
	uint64_t record_bytes;  /* their uncompressed size */
	bool replaced;          /* the new file is in place */
	char message[512];      /* why it failed or was not replaced */
	uint64_t dropped;       /* idle BPF_STATS records left out */
};

/*
 * cadet_trace_pack() - rewrite the trace @in into @out as described
 * above; @out NULL (or naming the same file as @in) packs @in in place:
 * a symlink's target is replaced, the file keeps its mode (and, for
 * root, its owner); other hard links to it keep the old file. In place,
 * a result that is not smaller than @in is dropped and @in left as it is
 * (rep.replaced false, rep.message says so) unless @opts->always. @out
 * is created with @in's mode. @opts may be NULL (defaults). Returns 0;
 * -EBADMSG when @in is not a sound trace (cut, damaged, concatenated,
 * out of order; rep.message says what and how to repair it); -EINVAL
 * (NULL @in or @rep, bad options, @in not a regular file); -EISDIR;
 * -EEXIST when @out exists and !@opts->force; -EAGAIN when @in changed
 * while it was packed; -EIO when the new file does not read back the
 * same (a bug; nothing is replaced); other -errno (ENOSPC, EACCES, ...).
 * On any error @in and @out are unchanged and no new file is left.
 */
int cadet_trace_pack(const char *in, const char *out,
		     const struct cadet_pack_opts *opts,
		     struct cadet_pack_report *rep);

#ifdef __cplusplus
}
#endif

#endif /* CADET_TRACE_H */
