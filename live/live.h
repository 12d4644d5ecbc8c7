/* SPDX-License-Identifier: MIT */
/*
 * Live mode: the recorder's records go, as they are written, through a
 * bounded queue to a detector thread running the same detectors as
 * `cadet replay` (detect/dethost.h: built-ins, .so plugins, exec:), with
 * ticks from record time. Alerts become JSON lines (the replayer's alert
 * fields plus emit_ts), /metrics (Prometheus text, libmicrohttpd) and
 * optionally webhook POSTs. The recorder never waits for a detector: a
 * full queue drops records for the detectors, counted and exported.
 *
 * HowTo:
 *   struct live_opts o = { .sz = sizeof(o), .detectors = specs, ... };
 *   struct live *l = live__new(&o);              NULL + errno, message
 *   recorder_opts.on_record = live__on_record; .on_record_ctx = l;
 *   ... recorder__run() ...
 *   live__finish(l);     drains the queue, ends the detectors
 *   live__free(l);
 */
#ifndef CADET_LIVE_LIVE_H
#define CADET_LIVE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

struct live_opts {
	size_t sz;
	const char **detectors; /* specs, NULL-ended */
	const char **models; /* --model paths, NULL-ended */
	const char *metrics_addr; /* "127.0.0.1:9464"; NULL: no endpoint */
	const char *alerts_path; /* NULL or "-": stdout */
	const char *webhook_url; /* NULL: none */
	const char *trace_name; /* "trace" field of alert lines */
	size_t queue_bytes; /* default 32 MiB */
	uint64_t seed; /* default 1, as cadet replay */
	int exec_timeout_s;
	/* .so plugins: as cadet replay's --detector-timeout / --in-process */
	int detector_timeout_s;
	bool in_process;
};

struct live;

struct live *live__new(const struct live_opts *opts);
/* recorder_opts.on_record: copies @rec into the queue, never blocks. */
void live__on_record(const struct cadet_rec *rec, void *ctx);
/* Closes the queue, lets the detectors finish, prints a summary. */
int live__finish(struct live *l);
void live__free(struct live *l);

#endif /* CADET_LIVE_LIVE_H */
