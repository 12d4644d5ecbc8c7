// SPDX-License-Identifier: MIT
/*
 * The recorder following the container table: each container found is
 * filtered in (probes), measured (metrics), announced (CONTAINER records)
 * and, with --pcap, captured; each one gone is undone the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/engines.h"
#include "recorder/pcap.h"
#include "recorder/probes.h"
#include "lib/util/cmd_name.h"
#include "recorder/recorder_int.h"

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
		struct held *h = recorder_pending_find(r, c->cgroup_id);

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
		recorder_write_rec(r, cadet_recbuf__rec(r->b));
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
		if (recorder_pending_find(r, c->cgroup_id) && !r->opts.all)
			probes__del_cgroup(r->probes, c->cgroup_id);
		recorder_pending_resolve(r, c->cgroup_id, NULL, NULL);
		return;
	}
	cgroup_dir(r, c, dir, sizeof(dir));
	no_seq = seq_excluded(r, c);
	if (no_seq)
		recorder_pending_drop_type(r, c->cgroup_id, CADET_REC_SYSCALL);
	/* With --all the map holds only cgroups that carry a flag. */
	if (!r->opts.all || no_seq) {
		err = probes__add_cgroup(r->probes, c->cgroup_id, no_seq);
		if (err)
			fprintf(stderr, "%s: cannot filter in cgroup %s: %s\n",
				cadet_cmd_name, c->cgroup_path, strerror(-err));
	}
	metrics__add_cgroup(r->metrics, c->cgroup_id, dir);
	container_rec(r, c,
		      r->started ? CADET_REC_CONTAINER_ADD
				 : CADET_REC_CONTAINER);
	if (r->opts.verbose > 1 && recorder_pending_find(r, c->cgroup_id))
		fprintf(stderr,
			"%s: new cgroup %llu classified after %.1f ms\n",
			cadet_cmd_name, (unsigned long long)c->cgroup_id,
			(now_ns(CLOCK_MONOTONIC) + PENDING_NS -
			 recorder_pending_find(r, c->cgroup_id)->deadline) /
				1e6);
	recorder_pending_resolve(r, c->cgroup_id, recorder_emit_cb, r);
	cmap_set(r, c, true);
	if (r->opts.verbose)
		fprintf(stderr, "%s: + %s %s (%s, cgroup %llu)\n",
			cadet_cmd_name, container_runtime_name(c->runtime),
			c->name, c->cgroup_path,
			(unsigned long long)c->cgroup_id);
	if (r->pcap && is_container_top(r, c)) {
		err = pcap_set__start(r->pcap, c->cgroup_id, c->name, dir);
		if (err && err != -EEXIST && r->opts.verbose > 1)
			fprintf(stderr, "%s: no capture for %s: %s\n",
				cadet_cmd_name, c->name, strerror(-err));
	}
}

/* The engine's name and image arrived after the container was added. */
void recorder_on_update(const struct container_info *c, void *ctx)
{
	struct recorder *r = ctx;

	if (!wanted(r, c))
		return;
	if (seq_excluded(r, c)) {
		recorder_pending_drop_type(r, c->cgroup_id, CADET_REC_SYSCALL);
		probes__add_cgroup(r->probes, c->cgroup_id, true);
	}
	container_rec(r, c, CADET_REC_CONTAINER_UPDATE);
	if (r->opts.verbose)
		fprintf(stderr, "%s: = %s %s (%s)\n", cadet_cmd_name,
			container_runtime_name(c->runtime), c->name, c->image);
}

int recorder_enrich(struct container_info *c, void *ctx)
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
		fprintf(stderr, "%s: - %s %s\n", cadet_cmd_name,
			container_runtime_name(c->runtime), c->name);
}

void recorder_scan(struct recorder *r, uint64_t now)
{
	int n = container_table__scan(r->table, on_add, on_remove, r);

	if (n < 0 && r->opts.verbose)
		fprintf(stderr, "%s: container scan failed: %s\n",
			cadet_cmd_name, strerror(-n));
	/* Cgroups still unknown past their grace period are not ours. */
	for (size_t i = r->npending; i-- > 0;) {
		struct held *h = &r->pending[i];

		if (now < h->deadline)
			continue;
		probes__del_cgroup(r->probes, h->id);
		recorder_pending_resolve(r, h->id, NULL, NULL);
	}
}
