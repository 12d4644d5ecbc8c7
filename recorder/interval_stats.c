// SPDX-License-Identifier: MIT
/*
 * Kernel counters -> METRICS, SYSCALL_HIST, LOST and STATS records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/events.h"
#include "lib/util/bsearch.h"
#include "recorder/interval_stats.h"
#include "recorder/probes.h"

/* Syscall numbers kept per cgroup; x86-64 uses fewer than 500. */
#define HIST_NR_MAX 1024
#define NCOUNTERS (sizeof(struct cg_counters) / sizeof(__u64))

/*
 * A cgroup's totals are the sum of its slot's row (cg_rows) and of its
 * entries in the hashes (counted there before it had a slot, or when it
 * has none); the histogram counts modulo 2^32.
 */
struct cg_state {
	uint64_t id;
	bool tracked; /* added by the recorder */
	bool removed; /* report once more, then forget */
	bool seen; /* found in the counters this time */
	bool emitted; /* a METRICS record was written: the next is not FIRST */
	char *dir;
	struct cg_counters sum; /* totals read now */
	struct cg_counters prev;
	struct cg_counters delta;
	uint32_t *hist_sum; /* HIST_NR_MAX running totals read now */
	uint32_t *hist_prev;
	uint64_t *hist_delta;
	uint64_t syscalls;
	uint64_t rss_bytes;
};

struct metrics {
	struct metrics_opts opts;
	int ncpus;
	struct cg_state **cg; /* sorted by id */
	size_t ncg;
	uint64_t *percpu; /* scratch: one value per CPU */
	struct cg_counters *percpu_cnt;
	struct cg_row *percpu_row;
	uint64_t *drops_prev;
	uint64_t lost_total;
	uint64_t lost_interval;
	uint64_t last_ts;
	/* STATS bookkeeping */
	uint64_t stats_ts;
	uint64_t cpu_prev_ns;
	struct metrics_totals tot_prev;
	/* BPF_STATS: previous cumulative counters per program */
	struct probes_prog_stat *progs;
	struct probes_prog_stat *progs_prev;
	size_t nprogs;
	size_t nprogs_listed; /* programs already written while unmeasured */
	struct cadet_recbuf *b;
};

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static uint64_t sub(uint64_t cur, uint64_t prev)
{
	/* A counter that went back was made anew: all of it is new. */
	return cur >= prev ? cur - prev : cur;
}

static int cg_cmp(const void *a, const void *b)
{
	const struct cg_state *x = *(struct cg_state *const *)a;
	const struct cg_state *y = *(struct cg_state *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cg_before(const void *elem, const void *key)
{
	return (*(struct cg_state *const *)elem)->id < *(const uint64_t *)key;
}

static struct cg_state *cg_find(struct metrics *m, uint64_t id)
{
	size_t i = lower_bound(m->cg, m->ncg, sizeof(*m->cg), &id, cg_before);

	return i < m->ncg && m->cg[i]->id == id ? m->cg[i] : NULL;
}

static void cg_free(struct cg_state *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->hist_sum);
	free(c->hist_prev);
	free(c->hist_delta);
	free(c);
}

static struct cg_state *cg_get(struct metrics *m, uint64_t id)
{
	struct cg_state *c = cg_find(m, id), **v;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->id = id;
	c->hist_sum = calloc(HIST_NR_MAX, sizeof(uint32_t));
	c->hist_prev = calloc(HIST_NR_MAX, sizeof(uint32_t));
	c->hist_delta = calloc(HIST_NR_MAX, sizeof(uint64_t));
	v = realloc(m->cg, (m->ncg + 1) * sizeof(*v));
	if (!c->hist_sum || !c->hist_prev || !c->hist_delta || !v) {
		if (v)
			m->cg = v;
		cg_free(c);
		return NULL;
	}
	m->cg = v;
	m->cg[m->ncg++] = c;
	qsort(m->cg, m->ncg, sizeof(*m->cg), cg_cmp);
	return c;
}

struct metrics *metrics__new(const struct metrics_opts *opts)
{
	struct metrics *m;

	if (!opts || opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	memcpy(&m->opts, opts,
	       opts->sz < sizeof(m->opts) ? opts->sz : sizeof(m->opts));
	m->last_ts = m->opts.start_ts;
	m->stats_ts = m->opts.start_ts;
	/* STATS is about recording, not about loading the probes. */
	m->cpu_prev_ns = self_cpu_ns();
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0) {
		free(m);
		errno = EINVAL;
		return NULL;
	}
	m->percpu = calloc(m->ncpus, sizeof(uint64_t));
	m->percpu_cnt = calloc(m->ncpus, sizeof(struct cg_counters));
	m->percpu_row = calloc(m->ncpus, sizeof(struct cg_row));
	m->drops_prev = calloc(m->ncpus, sizeof(uint64_t));
	m->b = cadet_recbuf__new();
	if (!m->percpu || !m->percpu_cnt || !m->percpu_row || !m->drops_prev ||
	    !m->b) {
		metrics__free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ncg; i++)
		cg_free(m->cg[i]);
	free(m->cg);
	free(m->percpu);
	free(m->percpu_cnt);
	free(m->percpu_row);
	free(m->drops_prev);
	free(m->progs);
	free(m->progs_prev);
	cadet_recbuf__free(m->b);
	free(m);
}

int metrics__add_cgroup(struct metrics *m, uint64_t id, const char *dir)
{
	struct cg_state *c = cg_get(m, id);

	if (!c)
		return -ENOMEM;
	c->tracked = true;
	c->removed = false;
	if (dir && (!c->dir || strcmp(c->dir, dir))) {
		free(c->dir);
		c->dir = strdup(dir);
	}
	return 0;
}

void metrics__remove_cgroup(struct metrics *m, uint64_t id)
{
	struct cg_state *c = cg_find(m, id);

	if (c)
		c->removed = true;
}

uint64_t metrics__lost_total(const struct metrics *m)
{
	return m ? m->lost_total : 0;
}

static void add_counters(struct cg_counters *sum, const struct cg_counters *v)
{
	__u64 *s = (__u64 *)sum;
	const __u64 *x = (const __u64 *)v;

	for (size_t i = 0; i < NCOUNTERS; i++)
		s[i] += x[i];
}

/* The cgroup of a hash key: known, or new with --all; else NULL. */
static struct cg_state *cg_for_key(struct metrics *m, uint64_t id)
{
	struct cg_state *c = cg_find(m, id);

	if (!c && m->opts.all)
		c = cg_get(m, id);
	return c;
}

static void read_counters(struct metrics *m)
{
	int fd = m->opts.counters_fd;
	__u64 key, next, *prevp = NULL;

	while (!bpf_map_get_next_key(fd, prevp, &next)) {
		struct cg_state *c;

		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, m->percpu_cnt))
			continue;
		c = cg_for_key(m, key);
		if (!c)
			continue;
		for (int cpu = 0; cpu < m->ncpus; cpu++)
			add_counters(&c->sum, &m->percpu_cnt[cpu]);
		c->seen = true;
	}
}

static void read_hist(struct metrics *m)
{
	int fd = m->opts.hist_fd;
	struct hist_key key, next, *prevp = NULL;

	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prevp, &next)) {
		struct cg_state *c;
		uint64_t sum = 0;

		key = next;
		prevp = &key;
		/* Bad numbers (syscall(-1)) are not syscalls: skipped. */
		if (key.nr >= HIST_NR_MAX)
			continue;
		if (bpf_map_lookup_elem(fd, &key, m->percpu))
			continue;
		c = cg_for_key(m, key.cgroup_id);
		if (!c)
			continue;
		for (int cpu = 0; cpu < m->ncpus; cpu++)
			sum += m->percpu[cpu];
		c->hist_sum[key.nr] += (uint32_t)sum;
		c->seen = true;
	}
}

/* The rows of the cgroups that have a slot: one lookup each. */
static void read_rows(struct metrics *m)
{
	int fd = m->opts.rows_fd;

	if (fd < 0 || !m->opts.probes)
		return;
	for (size_t i = 0; i < m->ncg; i++) {
		struct cg_state *c = m->cg[i];
		int slot = probes__cgroup_slot(m->opts.probes, c->id);
		__u32 key = slot;

		if (slot < 0 || bpf_map_lookup_elem(fd, &key, m->percpu_row))
			continue;
		for (int cpu = 0; cpu < m->ncpus; cpu++) {
			const struct cg_row *row = &m->percpu_row[cpu];

			add_counters(&c->sum, &row->c);
			for (uint32_t nr = 0; nr < CG_HIST_NR; nr++)
				c->hist_sum[nr] += row->hist[nr];
		}
		c->seen = true;
	}
}

/* Totals read now -> deltas since the previous collection. */
static void take_deltas(struct cg_state *c)
{
	__u64 *s = (__u64 *)&c->sum, *p = (__u64 *)&c->prev;
	__u64 *d = (__u64 *)&c->delta;

	if (!c->seen)
		return;
	for (size_t i = 0; i < NCOUNTERS; i++)
		d[i] = sub(s[i], p[i]);
	c->prev = c->sum;
	for (uint32_t nr = 0; nr < HIST_NR_MAX; nr++) {
		c->hist_delta[nr] =
			(uint32_t)(c->hist_sum[nr] - c->hist_prev[nr]);
		c->hist_prev[nr] = c->hist_sum[nr];
		c->syscalls += c->hist_delta[nr];
	}
}

static void read_rss(struct metrics *m)
{
	int fd = m->opts.mm_rss_fd;
	__u64 key, next, *prevp = NULL;
	struct mm_rss v;

	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prevp, &next)) {
		struct cg_state *c;

		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		c = cg_find(m, v.cgroup_id);
		if (c)
			c->rss_bytes += v.rss_bytes;
	}
}

/* Tasks in the cgroup now: lines of cgroup.threads. */
static uint64_t count_tasks(const char *dir)
{
	char path[4096], buf[8192];
	uint64_t n = 0;
	ssize_t r;
	int fd;

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.threads", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

static bool cg_quiet(const struct cg_state *c)
{
	const __u64 *d = (const __u64 *)&c->delta;

	for (size_t i = 0; i < NCOUNTERS; i++)
		if (d[i])
			return false;
	return !c->syscalls && !c->rss_bytes;
}

static int emit_cg(struct metrics *m, struct cg_state *c, uint64_t now,
		   uint64_t interval, metrics_emit_fn emit, void *ctx)
{
	struct cadet_rec_metrics *r;
	struct cadet_rec_syscall_hist *hr;
	uint32_t *pairs;
	size_t n = 0;
	int err;

	r = cadet_recbuf__start(m->b, CADET_REC_METRICS, sizeof(*r));
	if (!r)
		return -errno;
	r->h.ts = now;
	r->h.cgroup_id = c->id;
	r->interval_ns = interval;
	r->cpu_ns = c->delta.cpu_ns;
	r->rss_bytes = c->rss_bytes;
	r->tx_bytes = c->delta.tx_bytes;
	r->rx_bytes = c->delta.rx_bytes;
	r->tx_packets = c->delta.tx_packets;
	r->rx_packets = c->delta.rx_packets;
	r->read_bytes = c->delta.read_bytes;
	r->write_bytes = c->delta.write_bytes;
	r->syscalls = c->syscalls;
	r->page_faults = c->delta.page_faults;
	r->ctx_switches = c->delta.ctx_switches;
	r->retransmits = c->delta.retransmits;
	r->resets = c->delta.resets;
	r->nr_tasks = count_tasks(c->dir);
	r->forks = c->delta.forks;
	r->execs = c->delta.execs;
	r->opens = c->delta.opens;
	r->connects = c->delta.connects;
	r->oom_kills = c->delta.oom_kills;
	/*
	 * The edges are marked here, where they are known for certain, so
	 * that no detector takes them for samples: the first interval began
	 * when the cgroup appeared, not at the previous collection, and the
	 * last one follows its removal (no task left: rss and tasks 0).
	 */
	if (!c->emitted)
		r->flags |= CADET_METRICS_F_FIRST;
	if (c->removed)
		r->flags |= CADET_METRICS_F_TEARDOWN;
	c->emitted = true;
	err = emit(cadet_recbuf__rec(m->b), ctx);
	if (err < 0 || m->opts.hist_fd < 0)
		return err;

	pairs = malloc(HIST_NR_MAX * 2 * sizeof(uint32_t));
	if (!pairs)
		return -ENOMEM;
	for (uint32_t nr = 0; nr < HIST_NR_MAX; nr++) {
		if (!c->hist_delta[nr])
			continue;
		pairs[n * 2] = nr;
		pairs[n * 2 + 1] = c->hist_delta[nr] > UINT32_MAX
					   ? UINT32_MAX
					   : c->hist_delta[nr];
		n++;
	}
	if (n) {
		hr = cadet_recbuf__start(m->b, CADET_REC_SYSCALL_HIST,
					 sizeof(*hr));
		if (!hr) {
			err = -errno;
			goto cleanup;
		}
		hr->h.ts = now;
		hr->h.cgroup_id = c->id;
		hr->interval_ns = interval;
		err = cadet_recbuf__put_str(
			m->b, offsetof(struct cadet_rec_syscall_hist, hist),
			pairs, n * 2 * sizeof(uint32_t));
		if (!err)
			err = emit(cadet_recbuf__rec(m->b), ctx);
	}
cleanup:
	free(pairs);
	return err;
}

static int emit_lost(struct metrics *m, uint64_t now, uint64_t interval,
		     metrics_emit_fn emit, void *ctx)
{
	__u32 zero = 0;
	int err = 0;

	m->lost_interval = 0;
	if (bpf_map_lookup_elem(m->opts.drops_fd, &zero, m->percpu))
		return -errno;
	for (int cpu = 0; cpu < m->ncpus && err >= 0; cpu++) {
		uint64_t d = sub(m->percpu[cpu], m->drops_prev[cpu]);
		struct cadet_rec_lost *r;

		m->drops_prev[cpu] = m->percpu[cpu];
		if (!d)
			continue;
		m->lost_interval += d;
		m->lost_total += d;
		r = cadet_recbuf__start(m->b, CADET_REC_LOST, sizeof(*r));
		if (!r)
			return -errno;
		r->h.ts = now;
		r->h.cpu = cpu;
		r->count = d;
		r->interval_ns = interval;
		err = emit(cadet_recbuf__rec(m->b), ctx);
	}
	return err;
}

static void forget(struct metrics *m, struct cg_state *c)
{
	struct hist_key hk = {.cgroup_id = c->id};
	size_t j = 0;

	bpf_map_delete_elem(m->opts.counters_fd, &c->id);
	if (m->opts.hist_fd >= 0)
		for (hk.nr = 0; hk.nr < HIST_NR_MAX; hk.nr++)
			if (c->hist_prev[hk.nr])
				bpf_map_delete_elem(m->opts.hist_fd, &hk);
	/* Its last figures are out: the row may go to another cgroup. */
	if (m->opts.probes)
		probes__release_slot(m->opts.probes, c->id);
	for (size_t i = 0; i < m->ncg; i++)
		if (m->cg[i] != c)
			m->cg[j++] = m->cg[i];
	m->ncg = j;
	cg_free(c);
}

int metrics__collect(struct metrics *m, uint64_t now, metrics_emit_fn emit,
		     void *ctx)
{
	uint64_t interval =
		m->last_ts && now > m->last_ts ? now - m->last_ts : 0;
	int err = 0;

	for (size_t i = 0; i < m->ncg; i++) {
		struct cg_state *c = m->cg[i];

		memset(&c->sum, 0, sizeof(c->sum));
		memset(&c->delta, 0, sizeof(c->delta));
		memset(c->hist_sum, 0, HIST_NR_MAX * sizeof(uint32_t));
		memset(c->hist_delta, 0, HIST_NR_MAX * sizeof(uint64_t));
		c->syscalls = 0;
		c->rss_bytes = 0;
		c->seen = false;
	}
	read_counters(m);
	read_hist(m);
	read_rows(m);
	for (size_t i = 0; i < m->ncg; i++)
		take_deltas(m->cg[i]);
	read_rss(m);
	m->last_ts = now;

	for (size_t i = 0; i < m->ncg && err >= 0; i++) {
		struct cg_state *c = m->cg[i];

		/* Host cgroups (--all) only when something happened. */
		if (!c->tracked && cg_quiet(c))
			continue;
		err = emit_cg(m, c, now, interval, emit, ctx);
	}
	if (err >= 0)
		err = emit_lost(m, now, interval, emit, ctx);
	for (size_t i = m->ncg; i-- > 0;)
		if (m->cg[i]->removed)
			forget(m, m->cg[i]);
	return err < 0 ? err : 0;
}

static uint64_t self_rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * sysconf(_SC_PAGESIZE);
}

static int emit_bpf_stats(struct metrics *m, uint64_t now, uint64_t interval,
			  metrics_emit_fn emit, void *ctx)
{
	size_t n = probes__prog_stats(m->opts.probes, m->progs, m->nprogs);
	unsigned int mode = probes__stats_mode(m->opts.probes);
	int err = 0;

	if (n > m->nprogs) {
		struct probes_prog_stat *a, *b;

		a = realloc(m->progs, n * sizeof(*a));
		if (a)
			m->progs = a;
		b = realloc(m->progs_prev, n * sizeof(*b));
		if (b)
			m->progs_prev = b;
		if (!a || !b)
			return -ENOMEM;
		/* Counters start at 0 when a program is loaded. */
		memset(m->progs_prev + m->nprogs, 0,
		       (n - m->nprogs) * sizeof(*b));
		m->nprogs = n;
		n = probes__prog_stats(m->opts.probes, m->progs, m->nprogs);
	}
	/*
	 * Without run-time statistics every count is 0: a program's first
	 * record says it ran and why it is not measured; repeating it every
	 * interval made a sixth of a quiet trace's records.
	 */
	size_t first = cadet_bpf_stats_measured(mode) ? 0 : m->nprogs_listed;

	for (size_t i = first; i < n && i < m->nprogs && err >= 0; i++) {
		const struct probes_prog_stat *c = &m->progs[i];
		struct cadet_rec_bpf_stats *r;

		r = cadet_recbuf__start(m->b, CADET_REC_BPF_STATS, sizeof(*r));
		if (!r)
			return -errno;
		r->h.ts = now;
		r->h.pid = getpid();
		r->h.tid = r->h.pid;
		strncpy(r->h.comm, "cadet", sizeof(r->h.comm) - 1);
		r->interval_ns = interval;
		r->run_ns = sub(c->run_ns, m->progs_prev[i].run_ns);
		r->run_cnt = sub(c->run_cnt, m->progs_prev[i].run_cnt);
		r->prog_id = c->id;
		r->stats = mode;
		strncpy(r->family, c->family, sizeof(r->family) - 1);
		strncpy(r->prog, c->prog, sizeof(r->prog) - 1);
		m->progs_prev[i] = *c;
		err = emit(cadet_recbuf__rec(m->b), ctx);
		if (err >= 0)
			m->nprogs_listed = i + 1;
	}
	return err;
}

int metrics__stats(struct metrics *m, uint64_t now,
		   const struct metrics_totals *t, metrics_emit_fn emit,
		   void *ctx)
{
	uint64_t cpu_ns = self_cpu_ns();
	struct cadet_rec_stats *r;
	uint64_t interval;
	int err;

	r = cadet_recbuf__start(m->b, CADET_REC_STATS, sizeof(*r));
	if (!r)
		return -errno;
	r->h.ts = now;
	r->h.pid = getpid();
	r->h.tid = r->h.pid;
	strncpy(r->h.comm, "cadet", sizeof(r->h.comm) - 1);
	interval = m->stats_ts && now > m->stats_ts ? now - m->stats_ts : 0;
	r->interval_ns = interval;
	r->cpu_ns = sub(cpu_ns, m->cpu_prev_ns);
	r->rss_bytes = self_rss_bytes();
	r->events = sub(t->events, m->tot_prev.events);
	r->records = sub(t->records, m->tot_prev.records);
	r->bytes_written = sub(t->bytes_written, m->tot_prev.bytes_written);
	r->late = sub(t->late, m->tot_prev.late);
	r->lost = m->lost_interval;
	m->stats_ts = now;
	m->cpu_prev_ns = cpu_ns;
	m->tot_prev = *t;
	err = emit(cadet_recbuf__rec(m->b), ctx);
	if (err < 0 || !m->opts.probes)
		return err;
	return emit_bpf_stats(m, now, interval, emit, ctx);
}
