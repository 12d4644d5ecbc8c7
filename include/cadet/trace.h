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
 * (a C struct below) followed by a tail holding variable-length data that
 * fixed-part fields of type struct cadet_vstr point into. The schema stored
 * in every file names each field, so tools read files written by newer
 * versions: unknown record types are skipped by their size, unknown trailing
 * fields are ignored, and fields are only ever appended.
 *
 * Conventions (libbpf style): functions returning int return 0 (or a count)
 * on success and -errno on failure; constructors return NULL and set errno.
 * Every object has a create/free pair and free(NULL) is a no-op. The caller
 * owns the buffers it passes in; records returned by the reader stay valid
 * until the next call on the same reader.
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
 * Record types. Values are stable forever; new types get new numbers.
 * Readers skip types they do not know by their size.
 */
enum cadet_rec_type {
	CADET_REC_HEADER = 1,           /* file header, in the header frame */
	CADET_REC_SCHEMA = 2,           /* one per record type, header frame */
	CADET_REC_CONTAINER = 3,        /* container table snapshot at start */
	CADET_REC_CONTAINER_ADD = 4,
	CADET_REC_CONTAINER_REMOVE = 5,
	CADET_REC_PROC = 6,             /* process snapshot at start */
	CADET_REC_LOST = 7,             /* events dropped on one CPU */
	CADET_REC_STATS = 8,            /* recorder's own resource use */
	CADET_REC_LABEL = 9,            /* ground truth from the injector */
	CADET_REC_METRICS = 10,         /* per container per interval */
	CADET_REC_SYSCALL_HIST = 11,    /* per container per interval */
	CADET_REC_BPF_STATS = 12,       /* recorder's cost per BPF program (1.1) */
	CADET_REC_CONTAINER_UPDATE = 13, /* late engine metadata (1.2) */

	CADET_REC_EXEC = 16,
	CADET_REC_FORK = 17,
	CADET_REC_EXIT = 18,
	CADET_REC_SYSCALL = 19,         /* --syscall-seq: one per syscall */
	CADET_REC_OPEN = 20,
	CADET_REC_FILE_OP = 21,         /* unlink, rename, chmod, chown, ... */
	CADET_REC_CONNECT = 22,
	CADET_REC_ACCEPT = 23,
	CADET_REC_LISTEN = 24,
	CADET_REC_SOCK_CLOSE = 25,
	CADET_REC_TCP_RETRANSMIT = 26,
	CADET_REC_TCP_RESET = 27,
	CADET_REC_OOM_KILL = 28,
	CADET_REC_SECURITY = 29,

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

struct cadet_rec_header {
	struct cadet_rec h;
	uint32_t clock_id;          /* 1 = CLOCK_MONOTONIC */
	uint32_t ncpus;
	int64_t boot_to_epoch_ns;   /* epoch_ns = ts + boot_to_epoch_ns */
	uint64_t start_ts;
	uint64_t probes;            /* enum cadet_probe mask */
	uint64_t interval_ns;       /* METRICS interval */
	uint32_t flags;             /* CADET_HDR_F_* */
	uint32_t reserved;
	struct cadet_vstr kernel_release;
	struct cadet_vstr hostname;
	struct cadet_vstr recorder_version;
	struct cadet_vstr cmdline;
};
#define CADET_HDR_F_ALL_CGROUPS 0x1u /* --all: host processes too */
#define CADET_HDR_F_REDACTED 0x2u    /* --redact: paths, argv hashed */

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

struct cadet_rec_schema {
	struct cadet_rec h;
	uint16_t rec_type;
	uint16_t rec_version;
	uint32_t fixed_size;        /* header + fixed part, bytes */
	uint32_t nfields;
	uint32_t reserved;
	struct cadet_vstr name;     /* "exec", "open", ... */
	struct cadet_vstr fields;   /* nfields x struct cadet_schema_field */
};

/* ---- state and bookkeeping records ---- */

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

/*
 * CONTAINER, CONTAINER_ADD, CONTAINER_REMOVE, CONTAINER_UPDATE;
 * h.cgroup_id is the key. CONTAINER_UPDATE carries the whole entry again
 * once the engine's metadata (name, image, pod) arrived after the add:
 * readers replace what they knew of that cgroup.
 */
struct cadet_rec_container {
	struct cadet_rec h;
	char runtime[16];           /* "runc", "docker", ... */
	struct cadet_vstr id;       /* runtime's container id */
	struct cadet_vstr name;     /* human name; may equal id */
	struct cadet_vstr image;    /* image or rootfs; may be empty */
	struct cadet_vstr cgroup_path; /* relative to the v2 mount */
	struct cadet_vstr pod;      /* Kubernetes pod name (1.2) */
	struct cadet_vstr pod_namespace; /* Kubernetes or containerd namespace (1.2) */
};

struct cadet_rec_proc {
	struct cadet_rec h;
	uint32_t ppid;
	uint32_t uid;
	uint64_t start_ts;
	struct cadet_vstr exe;
	struct cadet_vstr argv;
};

/* h.cpu is the CPU whose events were dropped. */
struct cadet_rec_lost {
	struct cadet_rec h;
	uint64_t count;
	uint64_t interval_ns;
};

struct cadet_rec_stats {
	struct cadet_rec h;
	uint64_t interval_ns;
	uint64_t cpu_ns;            /* recorder user+sys over the interval */
	uint64_t rss_bytes;
	uint64_t events;            /* ring buffer events over the interval */
	uint64_t records;           /* records written over the interval */
	uint64_t bytes_written;     /* compressed bytes over the interval */
	uint64_t lost;              /* kernel drops over the interval */
	uint64_t late;              /* records past the reorder window */
};

/*
 * Kernel-side cost of one of the recorder's BPF programs over the
 * interval ending at h.ts (BPF run-time statistics), written beside each
 * STATS record. Added in 1.1.
 */
struct cadet_rec_bpf_stats {
	struct cadet_rec h;
	uint64_t interval_ns;
	uint64_t run_ns;            /* ns spent in the program */
	uint64_t run_cnt;           /* invocations */
	uint32_t prog_id;           /* kernel program id */
	uint32_t stats;             /* enum cadet_bpf_stats_mode */
	char family[16];            /* probe family ("syscall") */
	char prog[32];              /* program ("sys_enter") */
};

/* How run_ns/run_cnt of BPF_STATS records were obtained. */
enum cadet_bpf_stats_mode {
	CADET_BPF_STATS_UNAVAILABLE = 0, /* kernel refused: run_* are 0 */
	CADET_BPF_STATS_RECORDER = 1,   /* turned on by the recorder */
	CADET_BPF_STATS_SYSCTL = 2,     /* already on (kernel.bpf_stats_enabled) */
	CADET_BPF_STATS_OFF = 3,        /* off on request: run_* are 0 */
};

/*
 * Ground truth. h.cgroup_id is the target container (0 for normal-only).
 * kind: "anomaly" or "normal".
 */
struct cadet_rec_label {
	struct cadet_rec h;
	uint64_t start_ts;
	uint64_t end_ts;
	uint64_t seed;
	double intensity;
	char kind[16];
	struct cadet_vstr scenario;
	struct cadet_vstr anomaly;  /* anomaly type, e.g. "mem_leak" */
	struct cadet_vstr target;   /* container name */
	struct cadet_vstr params;   /* intensity keys, "k=v k=v" */
};

/* Per container per interval; byte, ns and count fields are deltas. */
struct cadet_rec_metrics {
	struct cadet_rec h;
	uint64_t interval_ns;
	uint64_t cpu_ns;
	uint64_t rss_bytes;         /* gauge: current RSS */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t rx_packets;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t syscalls;
	uint64_t page_faults;
	uint64_t ctx_switches;
	uint64_t retransmits;
	uint64_t resets;
	uint64_t nr_tasks;          /* gauge: live tasks seen */
	uint64_t forks;
	uint64_t execs;
	uint64_t opens;
	uint64_t connects;
	uint64_t oom_kills;
};

/* Syscall histogram: hist holds (nr, count) uint32 pairs, nr ascending. */
struct cadet_rec_syscall_hist {
	struct cadet_rec h;
	uint64_t interval_ns;
	struct cadet_vstr hist;
};

/* ---- event records ---- */

struct cadet_rec_exec {
	struct cadet_rec h;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	int32_t ret;
	uint32_t old_pid;
	uint32_t argc;              /* real argc; argv may be capped */
	struct cadet_vstr filename;
	struct cadet_vstr argv;
};

struct cadet_rec_fork {
	struct cadet_rec h;
	uint32_t child_pid;
	uint32_t child_tid;
	uint64_t clone_flags;
	uint32_t thread;            /* 1 = new thread, 0 = new process */
	uint32_t reserved;
};

struct cadet_rec_exit {
	struct cadet_rec h;
	int32_t code;               /* exit status (WEXITSTATUS) */
	int32_t signal;             /* terminating signal or 0 */
	uint64_t lifetime_ns;
	uint32_t thread;            /* 1 = a thread, 0 = last of process */
	uint32_t reserved;
};

struct cadet_rec_syscall {
	struct cadet_rec h;
	int32_t nr;
	int32_t reserved;
	int64_t ret;
};

struct cadet_rec_open {
	struct cadet_rec h;
	int32_t flags;
	uint32_t mode;
	int32_t ret;
	int32_t dirfd;
	struct cadet_vstr path;
};

struct cadet_rec_file_op {
	struct cadet_rec h;
	char op[16];                /* "unlink", "rename", "chmod", ... */
	int32_t ret;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	struct cadet_vstr path;
	struct cadet_vstr path2;    /* rename target, link target */
};

/* CONNECT, ACCEPT, LISTEN, SOCK_CLOSE, TCP_RETRANSMIT, TCP_RESET */
struct cadet_rec_sock {
	struct cadet_rec h;
	struct cadet_addr saddr;
	struct cadet_addr daddr;
	uint16_t sport;
	uint16_t dport;
	uint16_t family;            /* AF_INET, AF_INET6, AF_UNIX */
	uint16_t proto;             /* IPPROTO_TCP, ... */
	int32_t ret;
	int32_t state;              /* TCP state for SOCK_CLOSE etc */
	uint64_t tx_bytes;          /* SOCK_CLOSE: bytes over the life */
	uint64_t rx_bytes;
};

struct cadet_rec_oom_kill {
	struct cadet_rec h;
	uint32_t victim_pid;
	uint32_t reserved;
	uint64_t rss_bytes;
};

/*
 * Security-relevant operation. op is a name such as "capable", "setuid",
 * "ptrace", "mount", "unshare", "setns", "memfd_create", "bpf",
 * "init_module", "kill", "raw_socket", "packet_socket"; the meaning of
 * arg0..arg3 per op is listed in docs/trace-format.md.
 */
struct cadet_rec_security {
	struct cadet_rec h;
	char op[16];
	int64_t ret;
	uint64_t arg0;
	uint64_t arg1;
	uint64_t arg2;
	uint64_t arg3;
	uint32_t target_pid;
	uint32_t denied;            /* 1 when the kernel said no */
	struct cadet_vstr str;      /* path, name, ... */
};

/* ---- record access helpers ---- */

/*
 * cadet_rec_str() - the string a vstr field points to, or "" when absent
 * or out of bounds. Never returns NULL.
 */
const char *cadet_rec_str(const struct cadet_rec *rec,
			  const struct cadet_vstr *v);

/* cadet_rec_type_name() - "exec", "open", ...; NULL for unknown types. */
const char *cadet_rec_type_name(unsigned int type);

/* ---- building records ----
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

struct cadet_recbuf *cadet_recbuf__new(void);
void cadet_recbuf__free(struct cadet_recbuf *b);
/* Zeroed fixed part of @fixed_size bytes (header included), type set. */
void *cadet_recbuf__start(struct cadet_recbuf *b, unsigned int type,
			  size_t fixed_size);
/* Appends @len bytes plus a NUL to the tail; sets the vstr at @field_off. */
int cadet_recbuf__put_str(struct cadet_recbuf *b, size_t field_off,
			  const void *data, size_t len);
struct cadet_rec *cadet_recbuf__rec(struct cadet_recbuf *b);

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
 * whole chunks plus at most one partial one.
 */
struct cadet_writer;

struct cadet_writer_opts {
	size_t sz;
	int level;              /* zstd level, default 3 */
	size_t chunk_bytes;     /* default 1 MiB uncompressed */
	uint64_t chunk_ns;      /* default 1 s of trace time */
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
 * @hdr is the HEADER record (built with a recbuf); the writer adds the
 * schema of every record type it knows after it.
 */
struct cadet_writer *cadet_writer__create(const char *path,
					  const struct cadet_rec *hdr,
					  const struct cadet_writer_opts *opts);
int cadet_writer__add(struct cadet_writer *w, const struct cadet_rec *rec);
/* Writes every buffered record with ts <= @ts and cuts a chunk. */
int cadet_writer__flush(struct cadet_writer *w, uint64_t ts);
void cadet_writer__stats(const struct cadet_writer *w,
			 struct cadet_writer_stats *st);
/*
 * Flush all, write index and seek table, close. Frees @w even on error.
 * After a write error (e.g. -ENOSPC, returned) the file keeps every chunk
 * written whole; the partial one is cut off and, when there is room, a
 * chunk with a LOST record (cpu CADET_LOST_CPU_WRITER) counting the
 * records that were not written, an index and a seek table are added.
 */
int cadet_writer__close(struct cadet_writer *w);
/* cadet_writer__close() that also fills @st with the final figures. */
int cadet_writer__close_stats(struct cadet_writer *w,
			      struct cadet_writer_stats *st);
/* Free without finishing the file (leaves it as a crash would). */
void cadet_writer__free(struct cadet_writer *w);

/* ---- reader ----
 *
 * HowTo:
 *   struct cadet_reader *r = cadet_reader__open("run.cadet", NULL);
 *   if (!r) -> errno; cadet_strerror_path() style message via
 *              cadet_reader__open_error()
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
 */
struct cadet_reader;

struct cadet_reader_opts {
	size_t sz;
	bool ignore_index;      /* scan frames even if a seek table exists */
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

struct cadet_reader *cadet_reader__open(const char *path,
					const struct cadet_reader_opts *opts);
void cadet_reader__free(struct cadet_reader *r);
/* Error message of the last failed cadet_reader__open() in this thread. */
const char *cadet_reader__open_error(void);

const struct cadet_rec_header *cadet_reader__header(const struct cadet_reader *r);
/* Schema record of @type in this file, NULL if the file has none. */
const struct cadet_rec_schema *cadet_reader__schema(const struct cadet_reader *r,
						    unsigned int type);
/*
 * 1 and *rec set: a record; 0: end of trace; -ENODATA: the file was cut
 * (every record before the cut was returned); -EBADMSG: damage, calling
 * again goes on after it; other -errno: stop. __error() says what.
 */
int cadet_reader__next(struct cadet_reader *r, const struct cadet_rec **rec);
/* Position before the first chunk that may hold records with ts >= @ts. */
int cadet_reader__seek_ts(struct cadet_reader *r, uint64_t ts);
size_t cadet_reader__chunk_cnt(const struct cadet_reader *r);
const struct cadet_chunk_info *cadet_reader__chunk(const struct cadet_reader *r,
						   size_t idx);
/* true when the file had a valid index and seek table (not cut). */
bool cadet_reader__indexed(const struct cadet_reader *r);
const char *cadet_reader__error(const struct cadet_reader *r);

/* ---- check and repair ---- */

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
 * (details in @rep), other -errno on I/O errors.
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

/* cadet_trace_repair() with options; @opts may be NULL (defaults). */
int cadet_trace_repair_opts(const char *path, struct cadet_check_report *rep,
			    const struct cadet_repair_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* CADET_TRACE_H */
