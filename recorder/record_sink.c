// SPDX-License-Identifier: MIT
/*
 * Every record's way to the trace: events from the ring buffer (held
 * back while their cgroup is being classified), records queued by other
 * threads, and the writer, whose first error stops the recording.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/events.h"
#include "recorder/probes.h"
#include "recorder/redact.h"
#include "lib/util/cmd_name.h"
#include "lib/util/vec.h"
#include "recorder/recorder_int.h"

/* The first writer error stops the recording, with a clear message. */
void recorder_writer_failed(struct recorder *r, int err)
{
	r->werr = err;
	r->stop = 1;
	if (err == -ENOSPC)
		fprintf(stderr,
			"%s: disk full writing %s: stopping; the trace keeps what was written so far\n",
			cadet_cmd_name, r->output);
	else
		fprintf(stderr, "%s: cannot write %s: %s: stopping\n",
			cadet_cmd_name, r->output, strerror(-err));
}

void recorder_write_rec(struct recorder *r, const struct cadet_rec *rec)
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
		recorder_writer_failed(r, err);
	else
		r->tot.records++;
}

int recorder_emit_cb(const struct cadet_rec *rec, void *ctx)
{
	struct recorder *r = ctx;

	recorder_write_rec(r, rec);
	return r->werr;
}

static int on_one_event(void *ctx, const void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct cadet_rec *rec;
	struct held *h;
	uint64_t id;
	int mkdir, err;

	r->tot.events++;
	if (event_cgroup(data, size, &id, &mkdir)) {
		if (mkdir && !r->opts.all)
			recorder_pending_add(r, id, now_ns(CLOCK_MONOTONIC));
		atomic_store(&r->rescan, 1);
		return 0;
	}
	err = event_to_record(r->b, data, size);
	if (err) {
		r->bad_events++;
		return 0;
	}
	rec = cadet_recbuf__rec(r->b);
	h = r->npending ? recorder_pending_find(r, rec->cgroup_id) : NULL;
	if (h)
		recorder_pending_push(r, h, rec);
	else
		recorder_write_rec(r, rec);
	return r->werr;
}

/* One ring-buffer sample: a batch of syscalls (--syscall-seq) or one event. */
int recorder_on_event(void *ctx, void *data, size_t size)
{
	int n = probes_seq_unpack(data, size, on_one_event, ctx);

	return n ? (n < 0 ? n : 0) : on_one_event(ctx, data, size);
}

void recorder_drain_queue(struct recorder *r)
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
		recorder_write_rec(r, q[i]);
		free(q[i]);
	}
	free(q);
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
	err = vec_reserve(&r->queue, &r->capqueue, r->nqueue + 1,
			  sizeof(*r->queue));
	if (err)
		goto unlock;
	r->queue[r->nqueue++] = c;
	c = NULL;
unlock:
	pthread_mutex_unlock(&r->lock);
	free(c);
	return err;
}
