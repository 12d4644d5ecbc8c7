// SPDX-License-Identifier: MIT
/*
 * The recorder: probes -> ring buffer -> records -> trace writer, plus the
 * container table, per-interval metrics and the start-of-trace snapshots.
 *
 * One thread (recorder__run) owns the writer. Other threads hand records
 * over through a mutex-protected queue (recorder__add_record).
 *
 * New cgroups: the kernel side records a cgroup from its mkdir on (see
 * bpf/cgroup.bpf.c) and this side holds its records back until container
 * discovery has classified it, at most PENDING_NS; then they are written
 * (a container) or dropped (anything else). The writer's reorder window is
 * longer than that, so held records are never late.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/util/fs.h"
#include "lib/util/version.h"
#include "recorder/containers.h"
#include "recorder/engines.h"
#include "recorder/events.h"
#include "recorder/metrics.h"
#include "recorder/pcap.h"
#include "recorder/probes.h"
#include "recorder/recorder.h"
#include "recorder/redact.h"

#define NSEC 1000000000ull
#define MSEC 1000000ull
#define DEFAULT_INTERVAL NSEC
#define MIN_INTERVAL (100 * MSEC)
#define POLL_MS 50
#define FAST_POLL_MS 5
/* runc is classified about 40 ms after its cgroup mkdir here. */
#define PENDING_NS (200 * MSEC)
#define REORDER_NS (300 * MSEC)
#define MAX_HELD_BYTES (64u << 20)
/* Names of the containers already running, before the snapshot. */
#define ENGINES_START_WAIT_MS 2000

struct held {
	uint64_t id;
	uint64_t deadline;
	uint64_t oldest_ts;
	struct cadet_rec **recs;
	size_t n, cap;
};

struct cmap_ent {
	char id[128];
	uint64_t cgroup_id;
	size_t path_len;
};

struct recorder {
	struct recorder_opts opts;
	char *output;
	char *cmdline;
	char *pcap_dir;
	struct container_table *table;
	struct probes *probes;
	struct ring_buffer *rb;
	struct metrics *metrics;
	struct cadet_writer *w;
	struct cadet_recbuf *b;
	struct pcap_set *pcap;
	struct engines *engines;

	volatile sig_atomic_t stop;
	atomic_int rescan;
	bool started; /* snapshot written: CONTAINER_ADD now */
	int werr; /* first writer error */
	uint64_t start_ts;
	struct metrics_totals tot;
	uint64_t bad_events;
	uint64_t held_bytes;
	uint64_t held_dropped;

	struct held *pending;
	size_t npending;

	pthread_mutex_t lock; /* queue and cmap */
	struct cadet_rec **queue;
	size_t nqueue, capqueue;
	struct cmap_ent *cmap;
	size_t ncmap;
	char **want_ids; /* recorder__want_id(), under lock */
	size_t nwant_ids;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* The first writer error stops the recording, with a clear message. */
static void writer_failed(struct recorder *r, int err)
{
	r->werr = err;
	r->stop = 1;
	if (err == -ENOSPC)
		fprintf(stderr,
			"cadet record: disk full writing %s: stopping; the trace keeps what was written so far\n",
			r->output);
	else
		fprintf(stderr, "cadet record: cannot write %s: %s: stopping\n",
			r->output, strerror(-err));
}

static void write_rec(struct recorder *r, const struct cadet_rec *rec)
{
	int err;

	if (r->werr)
		return;
	/* Before anything sees it: live detectors get the redacted record. */
	if (r->opts.redact) {
		rec = redact__record(r->opts.redact, rec);
		if (!rec) {
			r->bad_events++;
			return;
		}
	}
	if (r->opts.on_record)
		r->opts.on_record(rec, r->opts.on_record_ctx);
	if (!r->w) {
		r->tot.records++;
		return;
	}
	err = cadet_writer__add(r->w, rec);
	if (err)
		writer_failed(r, err);
	else
		r->tot.records++;
}

static int emit_cb(const struct cadet_rec *rec, void *ctx)
{
	struct recorder *r = ctx;

	write_rec(r, rec);
	return r->werr;
}

/* ---- records held for cgroups not classified yet ---- */

static struct held *pending_find(struct recorder *r, uint64_t id)
{
	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].id == id)
			return &r->pending[i];
	return NULL;
}

static void pending_add(struct recorder *r, uint64_t id, uint64_t now)
{
	struct held *h;

	if (pending_find(r, id))
		return;
	h = realloc(r->pending, (r->npending + 1) * sizeof(*h));
	if (!h) {
		/* Cannot hold: let its records through unclassified. */
		probes__del_cgroup(r->probes, id);
		return;
	}
	r->pending = h;
	h = &r->pending[r->npending++];
	memset(h, 0, sizeof(*h));
	h->id = id;
	h->deadline = now + PENDING_NS;
}

static int held_push(struct recorder *r, struct held *h,
		     const struct cadet_rec *rec)
{
	struct cadet_rec *c;

	if (r->held_bytes + rec->size > MAX_HELD_BYTES) {
		r->held_dropped++;
		return -ENOMEM;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct cadet_rec **v = realloc(h->recs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->recs = v;
		h->cap = cap;
	}
	c = malloc(rec->size);
	if (!c)
		return -ENOMEM;
	memcpy(c, rec, rec->size);
	if (!h->n || c->ts < h->oldest_ts)
		h->oldest_ts = c->ts;
	h->recs[h->n++] = c;
	r->held_bytes += rec->size;
	return 0;
}

/* Write (@keep) or drop the held records of @id and forget it. */
static void pending_resolve(struct recorder *r, uint64_t id, bool keep)
{
	struct held *h = pending_find(r, id);

	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		if (keep)
			write_rec(r, h->recs[i]);
		r->held_bytes -= h->recs[i]->size;
		free(h->recs[i]);
	}
	free(h->recs);
	*h = r->pending[--r->npending];
}

/* Drop the held records of one type (syscalls of a --seq-exclude cgroup). */
static void pending_drop_type(struct recorder *r, uint64_t id,
			      unsigned int type)
{
	struct held *h = pending_find(r, id);
	size_t kept = 0;

	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		if (h->recs[i]->type != type) {
			h->recs[kept++] = h->recs[i];
			continue;
		}
		r->held_bytes -= h->recs[i]->size;
		free(h->recs[i]);
	}
	h->n = kept;
}

static uint64_t pending_oldest(struct recorder *r)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].n && r->pending[i].oldest_ts < t)
			t = r->pending[i].oldest_ts;
	return t;
}

/* ---- container table callbacks ---- */

static void cmap_set(struct recorder *r, const struct container_info *c,
		     bool add)
{
	size_t plen = strlen(c->cgroup_path);

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->ncmap; i++) {
		struct cmap_ent *e = &r->cmap[i];

		if (strcmp(e->id, c->id))
			continue;
		if (!add) {
			if (e->cgroup_id == c->cgroup_id)
				*e = r->cmap[--r->ncmap];
			goto unlock;
		}
		/* The container's own cgroup is the shortest path. */
		if (plen < e->path_len) {
			e->cgroup_id = c->cgroup_id;
			e->path_len = plen;
		}
		goto unlock;
	}
	if (add) {
		struct cmap_ent *v =
			realloc(r->cmap, (r->ncmap + 1) * sizeof(*v));

		if (v) {
			r->cmap = v;
			v = &r->cmap[r->ncmap++];
			snprintf(v->id, sizeof(v->id), "%s", c->id);
			v->cgroup_id = c->cgroup_id;
			v->path_len = plen;
		}
	}
unlock:
	pthread_mutex_unlock(&r->lock);
}

static void container_rec(struct recorder *r, const struct container_info *c,
			  unsigned int type)
{
	struct cadet_rec_container *rec;
	int err = 0;

	rec = cadet_recbuf__start(r->b, type, sizeof(*rec));
	if (!rec)
		return;
	rec->h.ts = now_ns(CLOCK_MONOTONIC);
	/* Before the records held while the cgroup was being classified,
	 * so that readers know the container when they meet them. */
	if (type == CADET_REC_CONTAINER_ADD) {
		struct held *h = pending_find(r, c->cgroup_id);

		if (h && h->n && h->oldest_ts < rec->h.ts)
			rec->h.ts = h->oldest_ts;
	}
	rec->h.cgroup_id = c->cgroup_id;
	snprintf(rec->runtime, sizeof(rec->runtime), "%s",
		 container_runtime_name(c->runtime));
#define PUT(field, s)                                                 \
	if (!err && (s)[0])                                           \
	err = cadet_recbuf__put_str(                                  \
		r->b, offsetof(struct cadet_rec_container, field), s, \
		strlen(s))
	PUT(id, c->id);
	PUT(name, c->name);
	PUT(image, c->image);
	PUT(cgroup_path, c->cgroup_path);
	PUT(pod, c->pod);
	PUT(pod_namespace, c->pod_namespace);
#undef PUT
	if (!err)
		write_rec(r, cadet_recbuf__rec(r->b));
}

static void cgroup_dir(struct recorder *r, const struct container_info *c,
		       char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", container_table__cgroup_root(r->table),
		 c->cgroup_path);
}

/* Top-level entry of a container (not a nested cgroup, not the host). */
static bool is_container_top(struct recorder *r, const struct container_info *c)
{
	if (c->runtime == CADET_RT_UNKNOWN)
		return false;
	for (size_t i = 0; i < container_table__cnt(r->table); i++) {
		const struct container_info *o =
			container_table__get(r->table, i);
		size_t n = strlen(o->cgroup_path);

		if (o != c && !strcmp(o->id, c->id) &&
		    !strncmp(o->cgroup_path, c->cgroup_path, n) &&
		    c->cgroup_path[n] == '/')
			return false;
	}
	return true;
}

static bool wanted(struct recorder *r, const struct container_info *c)
{
	const char *p = r->opts.id_prefix;
	bool want;

	if (!p || !strncmp(c->id, p, strlen(p)))
		return true;
	pthread_mutex_lock(&r->lock);
	want = false;
	for (size_t i = 0; i < r->nwant_ids && !want; i++)
		want = !strcmp(r->want_ids[i], c->id);
	pthread_mutex_unlock(&r->lock);
	return want;
}

int recorder__want_id(struct recorder *r, const char *id)
{
	char **v, *s;

	if (!r || !id)
		return -EINVAL;
	s = strdup(id);
	if (!s)
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	v = realloc(r->want_ids, (r->nwant_ids + 1) * sizeof(*v));
	if (v) {
		r->want_ids = v;
		v[r->nwant_ids++] = s;
	}
	pthread_mutex_unlock(&r->lock);
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

static bool seq_excluded(const struct recorder *r,
			 const struct container_info *c)
{
	for (const char *const *n = r->opts.seq_exclude; n && *n; n++)
		if (!strcmp(*n, c->name))
			return true;
	return false;
}

static void on_add(const struct container_info *c, void *ctx)
{
	struct recorder *r = ctx;
	char dir[1024];
	bool no_seq;
	int err;

	if (!wanted(r, c)) {
		/* The kernel started recording it as a new cgroup: stop. */
		if (pending_find(r, c->cgroup_id) && !r->opts.all)
			probes__del_cgroup(r->probes, c->cgroup_id);
		pending_resolve(r, c->cgroup_id, false);
		return;
	}
	cgroup_dir(r, c, dir, sizeof(dir));
	no_seq = seq_excluded(r, c);
	if (no_seq)
		pending_drop_type(r, c->cgroup_id, CADET_REC_SYSCALL);
	/* With --all the map holds only cgroups that carry a flag. */
	if (!r->opts.all || no_seq) {
		err = probes__add_cgroup(r->probes, c->cgroup_id, no_seq);
		if (err)
			fprintf(stderr,
				"cadet record: cannot filter in cgroup %s: %s\n",
				c->cgroup_path, strerror(-err));
	}
	metrics__add_cgroup(r->metrics, c->cgroup_id, dir);
	container_rec(r, c,
		      r->started ? CADET_REC_CONTAINER_ADD
				 : CADET_REC_CONTAINER);
	if (r->opts.verbose > 1 && pending_find(r, c->cgroup_id))
		fprintf(stderr,
			"cadet record: new cgroup %llu classified after %.1f ms\n",
			(unsigned long long)c->cgroup_id,
			(now_ns(CLOCK_MONOTONIC) + PENDING_NS -
			 pending_find(r, c->cgroup_id)->deadline) /
				1e6);
	pending_resolve(r, c->cgroup_id, true);
	cmap_set(r, c, true);
	if (r->opts.verbose)
		fprintf(stderr, "cadet record: + %s %s (%s, cgroup %llu)\n",
			container_runtime_name(c->runtime), c->name,
			c->cgroup_path, (unsigned long long)c->cgroup_id);
	if (r->pcap && is_container_top(r, c)) {
		err = pcap_set__start(r->pcap, c->cgroup_id, c->name, dir);
		if (err && err != -EEXIST && r->opts.verbose > 1)
			fprintf(stderr, "cadet record: no capture for %s: %s\n",
				c->name, strerror(-err));
	}
}

/* The engine's name and image arrived after the container was added. */
static void on_update(const struct container_info *c, void *ctx)
{
	struct recorder *r = ctx;

	if (!wanted(r, c))
		return;
	if (seq_excluded(r, c)) {
		pending_drop_type(r, c->cgroup_id, CADET_REC_SYSCALL);
		probes__add_cgroup(r->probes, c->cgroup_id, true);
	}
	container_rec(r, c, CADET_REC_CONTAINER_UPDATE);
	if (r->opts.verbose)
		fprintf(stderr, "cadet record: = %s %s (%s)\n",
			container_runtime_name(c->runtime), c->name,
			c->image);
}

static int enrich(struct container_info *c, void *ctx)
{
	return engines__fill(ctx, c);
}

static void on_remove(const struct container_info *c, void *ctx)
{
	struct recorder *r = ctx;

	if (!wanted(r, c))
		return;
	if (!r->opts.all)
		probes__del_cgroup(r->probes, c->cgroup_id);
	metrics__remove_cgroup(r->metrics, c->cgroup_id);
	container_rec(r, c, CADET_REC_CONTAINER_REMOVE);
	cmap_set(r, c, false);
	if (r->pcap)
		pcap_set__stop(r->pcap, c->cgroup_id);
	if (r->opts.verbose)
		fprintf(stderr, "cadet record: - %s %s\n",
			container_runtime_name(c->runtime), c->name);
}

static void scan(struct recorder *r, uint64_t now)
{
	int n = container_table__scan(r->table, on_add, on_remove, r);

	if (n < 0 && r->opts.verbose)
		fprintf(stderr, "cadet record: container scan failed: %s\n",
			strerror(-n));
	/* Cgroups still unknown past their grace period are not ours. */
	for (size_t i = r->npending; i-- > 0;) {
		struct held *h = &r->pending[i];

		if (now < h->deadline)
			continue;
		probes__del_cgroup(r->probes, h->id);
		pending_resolve(r, h->id, false);
	}
}

/* ---- ring buffer ---- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct cadet_rec *rec;
	struct held *h;
	uint64_t id;
	int mkdir, err;

	r->tot.events++;
	if (event_cgroup(data, size, &id, &mkdir)) {
		if (mkdir && !r->opts.all)
			pending_add(r, id, now_ns(CLOCK_MONOTONIC));
		atomic_store(&r->rescan, 1);
		return 0;
	}
	err = event_to_record(r->b, data, size);
	if (err) {
		r->bad_events++;
		return 0;
	}
	rec = cadet_recbuf__rec(r->b);
	h = r->npending ? pending_find(r, rec->cgroup_id) : NULL;
	if (h)
		held_push(r, h, rec);
	else
		write_rec(r, rec);
	return r->werr;
}

/* ---- snapshots ---- */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

static const struct container_info *find_by_path(struct recorder *r,
						 const char *path)
{
	for (size_t i = 0; i < container_table__cnt(r->table); i++) {
		const struct container_info *c =
			container_table__get(r->table, i);

		if (!strcmp(c->cgroup_path, path))
			return c;
	}
	return NULL;
}

static void proc_rec(struct recorder *r, int pid, uint64_t cgid, uint64_t now)
{
	char path[64], buf[8192], exe[4096];
	struct cadet_rec_proc *rec;
	unsigned long long start = 0;
	unsigned int ppid = 0, uid = 0;
	ssize_t n, argv_len;
	char *p;
	int err;

	rec = cadet_recbuf__start(r->b, CADET_REC_PROC, sizeof(*rec));
	if (!rec)
		return;
	rec->h.ts = now;
	rec->h.cgroup_id = cgid;
	rec->h.pid = pid;
	rec->h.tid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		size_t n = strcspn(buf, "\n");

		memcpy(rec->h.comm, buf,
		       n < sizeof(rec->h.comm) ? n : sizeof(rec->h.comm) - 1);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		p = strstr(buf, "\nPPid:");
		if (p)
			ppid = strtoul(p + 6, NULL, 10);
		p = strstr(buf, "\nUid:");
		if (p)
			uid = strtoul(p + 5, NULL, 10);
	}
	rec->ppid = ppid;
	rec->uid = uid;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		/* Field 22 (starttime) counts after the ")" ending comm. */
		p = strrchr(buf, ')');
		for (int f = 2; p && f < 22; f++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
		rec->start_ts = start * NSEC / sysconf(_SC_CLK_TCK);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	err = 0;
	if (n > 0)
		err = cadet_recbuf__put_str(
			r->b, offsetof(struct cadet_rec_proc, exe), exe, n);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	argv_len = read_file(path, buf, sizeof(buf));
	while (argv_len > 0 && !buf[argv_len - 1])
		argv_len--;
	if (!err && argv_len > 0)
		err = cadet_recbuf__put_str(
			r->b, offsetof(struct cadet_rec_proc, argv), buf,
			argv_len);
	if (!err)
		write_rec(r, cadet_recbuf__rec(r->b));
}

/* PROC records for every process already in a recorded cgroup. */
static void proc_snapshot(struct recorder *r, uint64_t now)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const struct container_info *c;
		char path[64], buf[4096], *p;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strstr(buf, "0::");
		if (!p || (p != buf && p[-1] != '\n'))
			continue;
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		c = find_by_path(r, p);
		if (!c)
			continue;
		proc_rec(r, pid, c->cgroup_id, now);
	}
	closedir(d);
}

static struct cadet_rec *header_rec(struct recorder *r, struct cadet_recbuf *b)
{
	struct cadet_rec_header *h;
	struct utsname u;
	uint64_t m1, rt, m2;
	char host[256] = "";
	int err = 0;

	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	if (!h)
		return NULL;
	/* Bracket the realtime read for a tight offset estimate. */
	m1 = now_ns(CLOCK_MONOTONIC);
	rt = now_ns(CLOCK_REALTIME);
	m2 = now_ns(CLOCK_MONOTONIC);
	h->h.ts = r->start_ts;
	h->clock_id = CLOCK_MONOTONIC;
	h->ncpus = libbpf_num_possible_cpus();
	h->boot_to_epoch_ns = (int64_t)rt - (int64_t)(m1 + (m2 - m1) / 2);
	h->start_ts = r->start_ts;
	h->probes = r->opts.probes;
	h->interval_ns = r->opts.interval_ns;
	h->flags = r->opts.all ? CADET_HDR_F_ALL_CGROUPS : 0;
	if (r->opts.redact)
		h->flags |= CADET_HDR_F_REDACTED;
	uname(&u);
	gethostname(host, sizeof(host) - 1);
#define PUT(field, s)                \
	if (!err && (s)[0])          \
	err = cadet_recbuf__put_str( \
		b, offsetof(struct cadet_rec_header, field), s, strlen(s))
	PUT(kernel_release, u.release);
	PUT(hostname, host);
	PUT(recorder_version, CADET_VERSION);
	PUT(cmdline, r->cmdline);
#undef PUT
	if (err) {
		errno = -err;
		return NULL;
	}
	return cadet_recbuf__rec(b);
}

/* "run.cadet" -> "run": the prefix of the .pcap files. */
static char *trace_stem(const char *output)
{
	const char *base = strrchr(output, '/');
	char *s, *dot;

	s = strdup(base ? base + 1 : output);
	if (s && (dot = strrchr(s, '.')) && dot != s)
		*dot = '\0';
	return s;
}

static char *trace_dir(const char *output)
{
	const char *slash = strrchr(output, '/');

	if (!slash)
		return strdup(".");
	if (slash == output)
		return strdup("/");
	return strndup(output, slash - output);
}

/* ---- public API ---- */

struct recorder *recorder__new(const struct recorder_opts *opts)
{
	struct container_table_opts to = {.sz = sizeof(to)};
	struct engines_opts eo = {.sz = sizeof(eo)};
	struct probes_opts po = {.sz = sizeof(po)};
	struct metrics_opts mo = {.sz = sizeof(mo)};
	struct cadet_writer_opts wo = {.sz = sizeof(wo)};
	struct cadet_recbuf *hb = NULL;
	struct cadet_rec *hdr;
	struct recorder *r;
	int err;

	if (!opts || opts->sz < sizeof(size_t) ||
	    (!opts->output &&
	     (opts->sz <= offsetof(struct recorder_opts, on_record) ||
	      !opts->on_record))) {
		fprintf(stderr, "cadet record: no output file given (-o)\n");
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	memcpy(&r->opts, opts,
	       opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts));
	if (!r->opts.probes)
		r->opts.probes = CADET_PROBES_DEFAULT;
	if (!r->opts.interval_ns)
		r->opts.interval_ns = DEFAULT_INTERVAL;
	if (r->opts.interval_ns < MIN_INTERVAL) {
		fprintf(stderr,
			"cadet record: interval %llu ms is too short: use 100 ms or more\n",
			(unsigned long long)(r->opts.interval_ns / MSEC));
		err = -EINVAL;
		goto cleanup;
	}
	r->output = opts->output ? strdup(opts->output) : NULL;
	r->cmdline = strdup(opts->cmdline ? opts->cmdline : "");
	r->b = cadet_recbuf__new();
	if ((opts->output && !r->output) || !r->cmdline || !r->b) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = probes_check_env();
	if (err)
		goto cleanup;

	eo.docker_host = r->opts.docker_host;
	eo.containerd_state = r->opts.containerd_state;
	eo.podman_storage = r->opts.podman_storage;
	eo.verbose = r->opts.verbose;
	r->engines = engines__new(&eo);
	if (!r->engines) {
		err = -errno;
		fprintf(stderr, "cadet record: cannot start the engine resolver: %s\n",
			strerror(-err));
		goto cleanup;
	}
	to.all = r->opts.all;
	to.enrich = enrich;
	to.enrich_ctx = r->engines;
	to.on_update = on_update;
	r->table = container_table__new(&to);
	if (!r->table) {
		err = -errno;
		fprintf(stderr,
			"cadet record: cannot find the cgroup v2 hierarchy: %s\n"
			"  mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) and retry\n",
			strerror(-err));
		goto cleanup;
	}
	for (const char **cg = r->opts.cgroups; cg && *cg; cg++) {
		err = container_table__add_cgroup(r->table, *cg);
		if (err) {
			fprintf(stderr,
				"cadet record: cannot record cgroup %s: %s\n"
				"  give a directory of the cgroup v2 hierarchy (%s)\n",
				*cg, strerror(-err),
				container_table__cgroup_root(r->table));
			goto cleanup;
		}
	}

	po.probes = r->opts.probes;
	po.filter_all = r->opts.all;
	po.self_tgid = getpid();
	po.ringbuf_bytes = r->opts.ringbuf_bytes;
	po.verbose = r->opts.verbose;
	r->probes = probes__new(&po);
	if (!r->probes) {
		err = -errno;
		goto cleanup;
	}
	r->rb = ring_buffer__new(probes__map_fd(r->probes, PROBES_MAP_EVENTS),
				 on_event, r, NULL);
	if (!r->rb) {
		err = -errno;
		fprintf(stderr,
			"cadet record: cannot open the ring buffer: %s\n",
			strerror(-err));
		goto cleanup;
	}
	mo.counters_fd = probes__map_fd(r->probes, PROBES_MAP_COUNTERS);
	mo.drops_fd = probes__map_fd(r->probes, PROBES_MAP_DROPS);
	mo.hist_fd = probes__map_fd(r->probes, PROBES_MAP_SYSCALL_HIST);
	mo.mm_rss_fd = probes__map_fd(r->probes, PROBES_MAP_MM_RSS);
	mo.probes = r->probes;
	mo.all = r->opts.all;
	r->start_ts = now_ns(CLOCK_MONOTONIC);
	mo.start_ts = r->start_ts;
	r->metrics = metrics__new(&mo);
	if (!r->metrics) {
		err = -errno;
		goto cleanup;
	}

	hb = cadet_recbuf__new();
	hdr = hb ? header_rec(r, hb) : NULL;
	if (!hdr) {
		err = -errno;
		goto cleanup;
	}
	if (r->opts.on_record)
		r->opts.on_record(hdr, r->opts.on_record_ctx);
	wo.reorder_ns = REORDER_NS;
	wo.mode = util_data_mode();
	r->w = r->output ? cadet_writer__create(r->output, hdr, &wo) : NULL;
	if (r->output && !r->w) {
		err = -errno;
		fprintf(stderr,
			"cadet record: cannot create %s: %s\n"
			"  check that its directory exists, is writable and has free space\n",
			r->output, strerror(-err));
		goto cleanup;
	}

	if ((r->opts.probes & CADET_PROBE_PCAP) && r->opts.redact) {
		fprintf(stderr,
			"cadet record: --pcap and --redact cannot be combined: packet payloads cannot be redacted; drop one of them\n");
		err = -EINVAL;
		goto cleanup;
	}
	if ((r->opts.probes & CADET_PROBE_PCAP) && !r->output) {
		fprintf(stderr,
			"cadet record: --pcap writes beside the trace: give -o FILE\n");
		err = -EINVAL;
		goto cleanup;
	}
	if (r->opts.probes & CADET_PROBE_PCAP) {
		char *stem = trace_stem(r->output);
		char *dir = r->opts.pcap_dir ? strdup(r->opts.pcap_dir)
					     : trace_dir(r->output);

		r->pcap = stem && dir
				  ? pcap_set__new(dir, stem, r->opts.verbose)
				  : NULL;
		err = r->pcap ? 0 : -errno;
		free(stem);
		free(dir);
		if (err) {
			fprintf(stderr,
				"cadet record: cannot set up --pcap: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}

	/* Filter first, then snapshot: no process falls in between. The
	 * snapshot waits a little for the names of running containers. */
	engines__set_wait(r->engines, ENGINES_START_WAIT_MS);
	scan(r, r->start_ts);
	proc_snapshot(r, r->start_ts);
	r->started = true;
	/* From now on scans run on the ring buffer's thread. */
	engines__set_wait(r->engines, 0);
	cadet_recbuf__free(hb);
	return r;
cleanup:
	cadet_recbuf__free(hb);
	recorder__free(r);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

static void drain_queue(struct recorder *r)
{
	struct cadet_rec **q;
	size_t n;

	pthread_mutex_lock(&r->lock);
	q = r->queue;
	n = r->nqueue;
	r->queue = NULL;
	r->nqueue = r->capqueue = 0;
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < n; i++) {
		write_rec(r, q[i]);
		free(q[i]);
	}
	free(q);
}

static void interval_tick(struct recorder *r, uint64_t now)
{
	struct cadet_writer_stats st;
	uint64_t horizon;
	int err;

	err = metrics__collect(r->metrics, now, emit_cb, r);
	if (err && !r->werr)
		fprintf(stderr, "cadet record: reading counters: %s\n",
			strerror(-err));
	if (r->w) {
		cadet_writer__stats(r->w, &st);
		r->tot.bytes_written = st.bytes_out;
		r->tot.late = st.late;
	}
	metrics__stats(r->metrics, now, &r->tot, emit_cb, r);
	horizon = now > REORDER_NS ? now - REORDER_NS : 0;
	if (pending_oldest(r) <= horizon)
		horizon = pending_oldest(r) - 1;
	if (!r->werr && r->w) {
		err = cadet_writer__flush(r->w, horizon);
		if (err)
			writer_failed(r, err);
	}
}

int recorder__run(struct recorder *r)
{
	uint64_t now, next_tick, end = UINT64_MAX;
	int err;

	if (!r)
		return -EINVAL;
	now = now_ns(CLOCK_MONOTONIC);
	next_tick = r->start_ts + r->opts.interval_ns;
	if (r->opts.duration_ns)
		end = r->start_ts + r->opts.duration_ns;
	while (!r->stop) {
		int timeout = r->npending ? FAST_POLL_MS : POLL_MS;

		if (end != UINT64_MAX && end > now &&
		    (end - now) / MSEC < (uint64_t)timeout)
			timeout = (end - now) / MSEC;
		err = ring_buffer__poll(r->rb, timeout);
		if (err < 0 && err != -EINTR && !r->werr) {
			fprintf(stderr, "cadet record: ring buffer: %s\n",
				strerror(-err));
			break;
		}
		if (r->werr)
			break;
		/* Events are sent without wakeups: read what is there. */
		ring_buffer__consume(r->rb);
		drain_queue(r);
		now = now_ns(CLOCK_MONOTONIC);
		if (atomic_exchange(&r->rescan, 0) || r->npending ||
		    engines__settled(r->engines))
			scan(r, now);
		if (now >= next_tick) {
			scan(r, now);
			interval_tick(r, now);
			while (next_tick <= now)
				next_tick += r->opts.interval_ns;
		}
		if (now >= end)
			break;
	}
	/* The last partial interval, and whatever is still in flight. */
	ring_buffer__consume(r->rb);
	drain_queue(r);
	now = now_ns(CLOCK_MONOTONIC);
	scan(r, now + PENDING_NS);
	interval_tick(r, now);
	return r->werr;
}

void recorder__stop(struct recorder *r)
{
	if (r)
		r->stop = 1;
}

int recorder__add_record(struct recorder *r, const struct cadet_rec *rec)
{
	struct cadet_rec *c;
	int err = 0;

	if (!r || !rec || rec->size < sizeof(*rec))
		return -EINVAL;
	c = malloc(rec->size);
	if (!c)
		return -ENOMEM;
	memcpy(c, rec, rec->size);
	pthread_mutex_lock(&r->lock);
	if (r->nqueue == r->capqueue) {
		size_t cap = r->capqueue ? r->capqueue * 2 : 16;
		struct cadet_rec **q = realloc(r->queue, cap * sizeof(*q));

		if (!q) {
			err = -ENOMEM;
			goto unlock;
		}
		r->queue = q;
		r->capqueue = cap;
	}
	r->queue[r->nqueue++] = c;
	c = NULL;
unlock:
	pthread_mutex_unlock(&r->lock);
	free(c);
	return err;
}

uint64_t recorder__cgroup_of(struct recorder *r, const char *container_id)
{
	uint64_t id = 0;

	if (!r || !container_id)
		return 0;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->ncmap; i++)
		if (!strcmp(r->cmap[i].id, container_id))
			id = r->cmap[i].cgroup_id;
	pthread_mutex_unlock(&r->lock);
	return id;
}

void recorder__rescan(struct recorder *r)
{
	if (r)
		atomic_store(&r->rescan, 1);
}

int recorder__free(struct recorder *r)
{
	struct cadet_writer_stats st = {};
	int err = 0;

	if (!r)
		return 0;
	pcap_set__free(r->pcap);
	ring_buffer__free(r->rb);
	probes__free(r->probes);
	while (r->npending)
		pending_resolve(r, r->pending[0].id, false);
	free(r->pending);
	drain_queue(r);
	if (r->w) {
		/* Figures after close: only records on disk count as written. */
		err = cadet_writer__close_stats(r->w, &st);
		r->w = NULL;
		if (err == -ENOSPC && st.indexed)
			fprintf(stderr,
				"cadet record: disk full: %s keeps every chunk written whole; the %llu records that were not written are counted in a LOST record (cpu %u) at its end\n",
				r->output, (unsigned long long)st.dropped,
				CADET_LOST_CPU_WRITER);
		else if (err == -ENOSPC)
			fprintf(stderr,
				"cadet record: disk full: %s has every complete chunk but no index; 'cadet check --repair %s' rebuilds it (free some space first)\n",
				r->output, r->output);
		else if (err)
			fprintf(stderr, "cadet record: finishing %s: %s\n",
				r->output, strerror(-err));
		fprintf(stderr,
			"cadet record: %s: %llu records written, %llu events, %llu lost, %llu late, %llu bytes\n",
			r->output, (unsigned long long)st.records,
			(unsigned long long)r->tot.events,
			(unsigned long long)metrics__lost_total(r->metrics),
			(unsigned long long)st.late,
			(unsigned long long)st.bytes_out);
		if (st.dropped)
			fprintf(stderr,
				"cadet record: %s: %llu records LOST: not written because of the write error\n",
				r->output, (unsigned long long)st.dropped);
	} else if (r->metrics) {
		fprintf(stderr,
			"cadet record: %llu records, %llu events, %llu lost (no trace written)\n",
			(unsigned long long)r->tot.records,
			(unsigned long long)r->tot.events,
			(unsigned long long)metrics__lost_total(r->metrics));
	}
	metrics__free(r->metrics);
	container_table__free(r->table);
	engines__free(r->engines);
	cadet_recbuf__free(r->b);
	pthread_mutex_destroy(&r->lock);
	free(r->cmap);
	for (size_t i = 0; i < r->nwant_ids; i++)
		free(r->want_ids[i]);
	free(r->want_ids);
	free(r->output);
	free(r->cmdline);
	free(r->pcap_dir);
	free(r);
	return err;
}
