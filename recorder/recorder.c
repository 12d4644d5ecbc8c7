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
#include <errno.h>
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

#include "lib/util/cmd_name.h"
#include "lib/util/fs.h"
#include "lib/util/version.h"
#include "recorder/container_table.h"
#include "recorder/engines.h"
#include "recorder/interval_stats.h"
#include "recorder/pcap.h"
#include "recorder/probes.h"
#include "recorder/recorder_int.h"
#include "recorder/redact.h"

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

/* ---- session setup ---- */

/* -errno of a failed call, never 0: a step that failed stops setup. */
static int neg_errno(void)
{
	return errno ? -errno : -EINVAL;
}

/* The options as given, with defaults; 0 or -errno. */
static int take_opts(struct recorder *r, const struct recorder_opts *opts)
{
	memcpy(&r->opts, opts,
	       opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts));
	if (!r->opts.probes)
		r->opts.probes = CADET_PROBES_DEFAULT;
	if (!r->opts.interval_ns)
		r->opts.interval_ns = DEFAULT_INTERVAL;
	if (r->opts.interval_ns < MIN_INTERVAL) {
		fprintf(stderr,
			"%s: interval %llu ms is too short: use 100 ms or more\n",
			cadet_cmd_name,
			(unsigned long long)(r->opts.interval_ns / MSEC));
		return -EINVAL;
	}
	r->output = opts->output ? strdup(opts->output) : NULL;
	r->cmdline = strdup(opts->cmdline ? opts->cmdline : "");
	r->b = cadet_recbuf__new();
	if ((opts->output && !r->output) || !r->cmdline || !r->b)
		return -ENOMEM;
	return 0;
}

/* The container table, with the cgroups given by hand. */
static int open_table(struct recorder *r)
{
	struct container_table_opts to = {.sz = sizeof(to)};
	struct engines_opts eo = {.sz = sizeof(eo)};
	int err;

	eo.docker_host = r->opts.docker_host;
	eo.containerd_state = r->opts.containerd_state;
	eo.podman_storage = r->opts.podman_storage;
	eo.verbose = r->opts.verbose;
	r->engines = engines__new(&eo);
	if (!r->engines) {
		err = neg_errno();
		fprintf(stderr, "%s: cannot start the engine resolver: %s\n",
			cadet_cmd_name, strerror(-err));
		return err;
	}
	to.all = r->opts.all;
	to.enrich = recorder_enrich;
	to.enrich_ctx = r->engines;
	to.on_update = recorder_on_update;
	r->table = container_table__new(&to);
	if (!r->table) {
		err = neg_errno();
		fprintf(stderr,
			"%s: cannot find the cgroup v2 hierarchy: %s\n"
			"  mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) and retry\n",
			cadet_cmd_name, strerror(-err));
		return err;
	}
	for (const char **cg = r->opts.cgroups; cg && *cg; cg++) {
		err = container_table__add_cgroup(r->table, *cg);
		if (err) {
			fprintf(stderr,
				"%s: cannot record cgroup %s: %s\n"
				"  give a directory of the cgroup v2 hierarchy (%s)\n",
				cadet_cmd_name, *cg, strerror(-err),
				container_table__cgroup_root(r->table));
			return err;
		}
	}
	return 0;
}

/* The BPF programs, their ring buffer and the interval counters. */
static int open_probes(struct recorder *r)
{
	struct probes_opts po = {.sz = sizeof(po)};
	struct metrics_opts mo = {.sz = sizeof(mo)};
	int err;

	po.probes = r->opts.probes;
	po.filter_all = r->opts.all;
	po.self_tgid = getpid();
	po.ringbuf_bytes = r->opts.ringbuf_bytes;
	po.verbose = r->opts.verbose;
	po.bpf_stats = r->opts.bpf_stats;
	r->probes = probes__new(&po);
	if (!r->probes)
		return neg_errno();
	r->rb = ring_buffer__new(probes__map_fd(r->probes, PROBES_MAP_EVENTS),
				 recorder_on_event, r, NULL);
	if (!r->rb) {
		err = neg_errno();
		fprintf(stderr, "%s: cannot open the ring buffer: %s\n",
			cadet_cmd_name, strerror(-err));
		return err;
	}
	mo.counters_fd = probes__map_fd(r->probes, PROBES_MAP_COUNTERS);
	mo.drops_fd = probes__map_fd(r->probes, PROBES_MAP_DROPS);
	mo.hist_fd = probes__map_fd(r->probes, PROBES_MAP_SYSCALL_HIST);
	mo.rows_fd = probes__map_fd(r->probes, PROBES_MAP_ROWS);
	mo.mm_rss_fd = probes__map_fd(r->probes, PROBES_MAP_MM_RSS);
	mo.probes = r->probes;
	mo.all = r->opts.all;
	r->start_ts = now_ns(CLOCK_MONOTONIC);
	mo.start_ts = r->start_ts;
	r->metrics = metrics__new(&mo);
	return r->metrics ? 0 : neg_errno();
}

/* The header, to on_record and into a new trace (when there is one). */
static int open_writer(struct recorder *r)
{
	struct cadet_writer_opts wo = {.sz = sizeof(wo)};
	struct cadet_recbuf *hb = cadet_recbuf__new();
	struct cadet_rec *hdr;
	int err = 0;

	hdr = hb ? header_rec(r, hb) : NULL;
	if (!hdr) {
		err = neg_errno();
		goto cleanup;
	}
	if (r->opts.on_record)
		r->opts.on_record(hdr, r->opts.on_record_ctx);
	wo.reorder_ns = REORDER_NS;
	wo.mode = util_data_mode();
	r->w = r->output ? cadet_writer__create(r->output, hdr, &wo) : NULL;
	if (r->output && !r->w) {
		err = neg_errno();
		fprintf(stderr,
			"%s: cannot create %s: %s\n"
			"  check that its directory exists, is writable and has free space\n",
			cadet_cmd_name, r->output, strerror(-err));
	}
cleanup:
	cadet_recbuf__free(hb);
	return err;
}

/* --pcap: packet captures beside the trace. */
static int open_pcap(struct recorder *r)
{
	char *stem, *dir;
	int err;

	if (!(r->opts.probes & CADET_PROBE_PCAP))
		return 0;
	if (r->opts.redact) {
		fprintf(stderr,
			"%s: --pcap and --redact cannot be combined: packet payloads cannot be redacted; drop one of them\n",
			cadet_cmd_name);
		return -EINVAL;
	}
	if (!r->output) {
		fprintf(stderr,
			"%s: --pcap writes beside the trace: give -o FILE\n",
			cadet_cmd_name);
		return -EINVAL;
	}
	stem = trace_stem(r->output);
	dir = r->opts.pcap_dir ? strdup(r->opts.pcap_dir)
			       : trace_dir(r->output);
	r->pcap =
		stem && dir ? pcap_set__new(dir, stem, r->opts.verbose) : NULL;
	err = r->pcap ? 0 : neg_errno();
	free(stem);
	free(dir);
	if (err)
		fprintf(stderr, "%s: cannot set up --pcap: %s\n",
			cadet_cmd_name, strerror(-err));
	return err;
}

/* ---- public API ---- */

struct recorder *recorder__new(const struct recorder_opts *opts)
{
	struct recorder *r;
	int err;

	if (!opts || opts->sz < sizeof(size_t) ||
	    (!opts->output &&
	     (opts->sz <= offsetof(struct recorder_opts, on_record) ||
	      !opts->on_record))) {
		fprintf(stderr, "%s: no output file given (-o)\n",
			cadet_cmd_name);
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	err = take_opts(r, opts);
	if (!err)
		err = probes_check_env();
	if (!err)
		err = open_table(r);
	if (!err)
		err = open_probes(r);
	if (!err)
		err = open_writer(r);
	if (!err)
		err = open_pcap(r);
	if (err) {
		recorder__free(r);
		errno = err < 0 ? -err : EINVAL;
		return NULL;
	}
	/* Filter first, then snapshot: no process falls in between. The
	 * snapshot waits a little for the names of running containers. */
	engines__set_wait(r->engines, ENGINES_START_WAIT_MS);
	recorder_scan(r, r->start_ts);
	recorder_proc_snapshot(r, r->start_ts);
	r->started = true;
	/* From now on scans run on the ring buffer's thread. */
	engines__set_wait(r->engines, 0);
	return r;
}

static void interval_tick(struct recorder *r, uint64_t now)
{
	struct cadet_writer_stats st;
	uint64_t horizon;
	int err;

	err = metrics__collect(r->metrics, now, recorder_emit_cb, r);
	if (err && !r->werr)
		fprintf(stderr, "%s: reading counters: %s\n", cadet_cmd_name,
			strerror(-err));
	if (r->w) {
		cadet_writer__stats(r->w, &st);
		r->tot.bytes_written = st.bytes_out;
		r->tot.late = st.late;
	}
	metrics__stats(r->metrics, now, &r->tot, recorder_emit_cb, r);
	horizon = now > REORDER_NS ? now - REORDER_NS : 0;
	if (recorder_pending_oldest(r) <= horizon)
		horizon = recorder_pending_oldest(r) - 1;
	if (!r->werr && r->w) {
		err = cadet_writer__flush(r->w, horizon);
		if (err)
			recorder_writer_failed(r, err);
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
			fprintf(stderr, "%s: ring buffer: %s\n", cadet_cmd_name,
				strerror(-err));
			break;
		}
		if (r->werr)
			break;
		/* Events are sent without wakeups: read what is there. */
		probes__seq_flush(r->probes);
		ring_buffer__consume(r->rb);
		recorder_drain_queue(r);
		now = now_ns(CLOCK_MONOTONIC);
		if (atomic_exchange(&r->rescan, 0) || r->npending ||
		    engines__settled(r->engines))
			recorder_scan(r, now);
		if (now >= next_tick) {
			recorder_scan(r, now);
			interval_tick(r, now);
			while (next_tick <= now)
				next_tick += r->opts.interval_ns;
		}
		if (now >= end)
			break;
	}
	/* The last partial interval, and whatever is still in flight. */
	for (int i = 0; i < 100 && probes__seq_flush(r->probes) > 0; i++) {
		ring_buffer__consume(r->rb);
		usleep(1000);
	}
	ring_buffer__consume(r->rb);
	recorder_drain_queue(r);
	now = now_ns(CLOCK_MONOTONIC);
	recorder_scan(r, now + PENDING_NS);
	interval_tick(r, now);
	return r->werr;
}

void recorder__stop(struct recorder *r)
{
	if (r)
		r->stop = 1;
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
		recorder_pending_resolve(r, r->pending[0].id, NULL, NULL);
	free(r->pending);
	recorder_drain_queue(r);
	if (r->w) {
		/* Figures after close: only records on disk count as written. */
		err = cadet_writer__close_stats(r->w, &st);
		r->w = NULL;
		if (err == -ENOSPC && st.indexed)
			fprintf(stderr,
				"%s: disk full: %s keeps every chunk written whole; the %llu records that were not written are counted in a LOST record (cpu %u) at its end\n",
				cadet_cmd_name, r->output,
				(unsigned long long)st.dropped,
				CADET_LOST_CPU_WRITER);
		else if (err == -ENOSPC)
			fprintf(stderr,
				"%s: disk full: %s has every complete chunk but no index; 'cadet check --repair %s' rebuilds it (free some space first)\n",
				cadet_cmd_name, r->output, r->output);
		else if (err)
			fprintf(stderr, "%s: finishing %s: %s\n",
				cadet_cmd_name, r->output, strerror(-err));
		fprintf(stderr,
			"%s: %s: %llu records written, %llu events, %llu lost, %llu late, %llu bytes\n",
			cadet_cmd_name, r->output,
			(unsigned long long)st.records,
			(unsigned long long)r->tot.events,
			(unsigned long long)metrics__lost_total(r->metrics),
			(unsigned long long)st.late,
			(unsigned long long)st.bytes_out);
		if (st.dropped)
			fprintf(stderr,
				"%s: %s: %llu records LOST: not written because of the write error\n",
				cadet_cmd_name, r->output,
				(unsigned long long)st.dropped);
	} else if (r->metrics) {
		fprintf(stderr,
			"%s: %llu records, %llu events, %llu lost (no trace written)\n",
			cadet_cmd_name, (unsigned long long)r->tot.records,
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
