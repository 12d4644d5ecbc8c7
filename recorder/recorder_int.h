/* SPDX-License-Identifier: MIT */
/*
 * Inside the recorder (recorder/recorder.c and the files it is split
 * into): its state and the steps the files share. Not an API.
 */
#ifndef CADET_RECORDER_RECORDER_INT_H
#define CADET_RECORDER_RECORDER_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "recorder/container_table.h"
#include "recorder/interval_stats.h"
#include "recorder/recorder.h"

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

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* recorder/record_sink.c: every record's way to the trace. */
/* Redact, hand to on_record, write; the first writer error stops. */
void recorder_write_rec(struct recorder *r, const struct cadet_rec *rec);
void recorder_writer_failed(struct recorder *r, int err);
/* recorder_write_rec() as a callback of metrics__collect() and others. */
int recorder_emit_cb(const struct cadet_rec *rec, void *ctx);
/* ring_buffer__new() callback: one event from the probes. */
int recorder_on_event(void *ctx, void *data, size_t size);
/* Write the records other threads queued with recorder__add_record(). */
void recorder_drain_queue(struct recorder *r);

/* recorder/held_records.c: records of cgroups not classified yet. */
struct held *recorder_pending_find(struct recorder *r, uint64_t id);
void recorder_pending_add(struct recorder *r, uint64_t id, uint64_t now);
int recorder_pending_push(struct recorder *r, struct held *h,
			  const struct cadet_rec *rec);
/*
 * Hand the held records of @id, in arrival order, to @emit (with @ctx;
 * NULL drops them) and forget it. The sink is passed in so that holding
 * records does not depend on how they are written (recorder_emit_cb()).
 */
typedef int (*recorder_emit_fn)(const struct cadet_rec *rec, void *ctx);
void recorder_pending_resolve(struct recorder *r, uint64_t id,
			      recorder_emit_fn emit, void *ctx);
/* Drop the held records of one type (syscalls of a --seq-exclude cgroup). */
void recorder_pending_drop_type(struct recorder *r, uint64_t id,
				unsigned int type);
/* Timestamp of the oldest held record; UINT64_MAX when none. */
uint64_t recorder_pending_oldest(struct recorder *r);

/* recorder/container_watch.c: rescan the container table, follow it. */
void recorder_scan(struct recorder *r, uint64_t now);
/* container_table_opts.on_update: a CONTAINER_UPDATE record. */
void recorder_on_update(const struct container_info *c, void *ctx);
/* container_table_opts.enrich: the engines' metadata (@ctx: engines). */
int recorder_enrich(struct container_info *c, void *ctx);

/* recorder/proc_snapshot.c: PROC records for every process already in a
 * recorded cgroup. */
void recorder_proc_snapshot(struct recorder *r, uint64_t now);

#endif /* CADET_RECORDER_RECORDER_INT_H */
