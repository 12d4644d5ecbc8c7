// SPDX-License-Identifier: MIT
/*
 * Records held for cgroups not classified yet (see recorder/recorder.c):
 * kept in memory, at most MAX_HELD_BYTES, until container discovery says
 * whether the cgroup is a container (written) or not (dropped).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/vec.h"
#include "recorder/probes.h"
#include "recorder/recorder_int.h"

struct held *recorder_pending_find(struct recorder *r, uint64_t id)
{
	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].id == id)
			return &r->pending[i];
	return NULL;
}

void recorder_pending_add(struct recorder *r, uint64_t id, uint64_t now)
{
	struct held *h;

	if (recorder_pending_find(r, id))
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

int recorder_pending_push(struct recorder *r, struct held *h,
			  const struct cadet_rec *rec)
{
	struct cadet_rec *c;

	if (r->held_bytes + rec->size > MAX_HELD_BYTES) {
		r->held_dropped++;
		return -ENOMEM;
	}
	if (vec_reserve(&h->recs, &h->cap, h->n + 1, sizeof(*h->recs)))
		return -ENOMEM;
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

void recorder_pending_resolve(struct recorder *r, uint64_t id,
			      recorder_emit_fn emit, void *ctx)
{
	struct held *h = recorder_pending_find(r, id);

	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		/* A failed write stops the writer itself (record_sink.c). */
		if (emit)
			emit(h->recs[i], ctx);
		r->held_bytes -= h->recs[i]->size;
		free(h->recs[i]);
	}
	free(h->recs);
	*h = r->pending[--r->npending];
}

/* Drop the held records of one type (syscalls of a --seq-exclude cgroup). */
void recorder_pending_drop_type(struct recorder *r, uint64_t id,
				unsigned int type)
{
	struct held *h = recorder_pending_find(r, id);
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

uint64_t recorder_pending_oldest(struct recorder *r)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].n && r->pending[i].oldest_ts < t)
			t = r->pending[i].oldest_ts;
	return t;
}
