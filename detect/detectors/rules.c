// SPDX-License-Identifier: MIT
/*
 * rules: a rule-based detector. Each rule names a record type and a
 * filter over the record's fields, optionally an aggregate over a time
 * window (count or distinct values per container or per process); a
 * matching record raises an alert whose reason is the rule's name.
 *
 * The default rule set (default.rules) is compiled in: the Makefile turns
 * it into a C string literal at build time, so the binary never depends
 * on files beside it. `file=PATH` runs another rule file instead.
 *
 * Deterministic: the only state is what the trace's records say (which
 * containers exist, which processes hold connections, which are the
 * container runtime's, the aggregate windows), all in maps sorted by key
 * and driven by trace time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/rules.h"
#include "lib/util/bsearch.h"

const char rules_default_text[] =
#include "detect/detectors/default_rules.inc"
	;

#define EINPROGRESS_RET (-115)
#define AF_INET_VAL 2
#define AF_INET6_VAL 10

/* One aggregate window (per rule, per container or pid). */
struct agg_win {
	uint64_t suppress_until;
	/* count(): timestamps of the last threshold+1 events, a ring */
	uint64_t *ts;
	size_t head;
	size_t n;
	size_t cap;
	/* distinct(): values sorted ascending with their last time seen */
	uint64_t *val;
	uint64_t *last;
	size_t nval;
	size_t capval;
};

struct rules_state {
	const struct cadet_host *host;
	struct rule_set *rs;
	enum cadet_phase phase;
	struct det_map containers; /* cgroup id -> (void *)1 */
	struct det_map connected; /* pid -> (void *)1 */
	struct det_map origin; /* pid -> ORIGIN_* */
	struct det_map *aggs; /* per rule: key -> struct agg_win */
	uint64_t alerts;
};

static void agg_win_free(void *p)
{
	struct agg_win *w = p;

	if (!w)
		return;
	free(w->ts);
	free(w->val);
	free(w->last);
	free(w);
}

static void rules_fini(void *state)
{
	struct rules_state *s = state;

	if (!s)
		return;
	for (size_t i = 0; s->aggs && i < rule_set__cnt(s->rs); i++)
		det_map_release(&s->aggs[i], agg_win_free);
	free(s->aggs);
	det_map_release(&s->containers, NULL);
	det_map_release(&s->connected, NULL);
	det_map_release(&s->origin, NULL);
	rule_set__free(s->rs);
	free(s);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > (64u << 20)) {
				errno = EFBIG;
				goto err_free;
			}
			nb = realloc(buf, cap);
			if (!nb)
				goto err_free;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		errno = EIO;
		goto err_free;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;

err_free:
	free(buf);
	fclose(f);
	return NULL;
}

static int rules_init(void **state, const struct cadet_host *host,
		      const struct cadet_param *params, size_t nparams,
		      uint64_t seed)
{
	static const char *const known[] = {"file", NULL};
	const char *file = cadet_param_get(params, nparams, "file", NULL);
	struct rules_state *s;
	char err[512], *text = NULL;
	size_t len;
	int ret;

	ret = det_params_check(host, "rules", params, nparams, known);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->host = host;
	s->phase = CADET_PHASE_TEST;
	if (file) {
		text = read_file(file, &len);
		if (!text) {
			ret = -errno;
			det_log(host, "rules: cannot read rule file %s: %s",
				file, strerror(errno));
			goto err_free;
		}
		s->rs = rule_set__parse(text, len, file, err, sizeof(err));
	} else {
		s->rs = rule_set__parse(rules_default_text,
					strlen(rules_default_text),
					"default.rules", err, sizeof(err));
	}
	if (!s->rs) {
		ret = -errno;
		det_log(host, "rules: %s", err);
		goto err_free;
	}
	s->aggs = calloc(rule_set__cnt(s->rs) + 1, sizeof(*s->aggs));
	if (!s->aggs) {
		ret = -ENOMEM;
		goto err_free;
	}
	free(text);
	*state = s;
	return 0;

err_free:
	free(text);
	rules_fini(s);
	return ret;
}

static void reset_trace_state(struct rules_state *s)
{
	det_map_clear(&s->containers, NULL);
	det_map_clear(&s->connected, NULL);
	det_map_clear(&s->origin, NULL);
	for (size_t i = 0; i < rule_set__cnt(s->rs); i++)
		det_map_clear(&s->aggs[i], agg_win_free);
}

static int rules_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct rules_state *s = state;

	reset_trace_state(s);
	s->phase = t->phase;
	return 0;
}

static int rules_container(void *state, const struct cadet_container_desc *c,
			   int added)
{
	struct rules_state *s = state;

	/* Removed containers stay known: their last events still count. */
	if (added)
		return det_map_put(&s->containers, c->cgroup_id, (void *)1);
	return 0;
}

/* Pushes @ts into a count() window; returns the events within it. */
static int agg_count(struct agg_win *w, const struct rule *r, uint64_t ts,
		     size_t *count)
{
	if (!w->cap) {
		w->cap = r->agg_threshold + 1;
		w->ts = calloc(w->cap, sizeof(*w->ts));
		if (!w->ts)
			return -ENOMEM;
	}
	if (w->n == w->cap) {
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
	w->ts[(w->head + w->n) % w->cap] = ts;
	w->n++;
	while (w->n && w->ts[w->head] + r->agg_window_ns <= ts) {
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
	*count = w->n;
	return 0;
}

static int u64_before(const void *elem, const void *key)
{
	return *(const uint64_t *)elem < *(const uint64_t *)key;
}

/* Records value @v at @ts in a distinct() window; returns distinct values. */
static int agg_distinct(struct agg_win *w, const struct rule *r, uint64_t v,
			uint64_t ts, size_t *count)
{
	size_t lo =
		lower_bound(w->val, w->nval, sizeof(*w->val), &v, u64_before);
	size_t j = 0;

	if (lo < w->nval && w->val[lo] == v) {
		w->last[lo] = ts;
	} else {
		if (w->nval == RULE_AGG_MAX) {
			/* Full: forget the value seen longest ago. */
			size_t old = 0;

			for (size_t i = 1; i < w->nval; i++)
				if (w->last[i] < w->last[old])
					old = i;
			memmove(&w->val[old], &w->val[old + 1],
				(w->nval - old - 1) * sizeof(*w->val));
			memmove(&w->last[old], &w->last[old + 1],
				(w->nval - old - 1) * sizeof(*w->last));
			w->nval--;
			if (old < lo)
				lo--;
		}
		if (w->nval == w->capval) {
			size_t cap = w->capval ? w->capval * 2 : 32;
			uint64_t *nv = realloc(w->val, cap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			w->val = nv;
			nv = realloc(w->last, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			w->last = nv;
			w->capval = cap;
		}
		memmove(&w->val[lo + 1], &w->val[lo],
			(w->nval - lo) * sizeof(*w->val));
		memmove(&w->last[lo + 1], &w->last[lo],
			(w->nval - lo) * sizeof(*w->last));
		w->val[lo] = v;
		w->last[lo] = ts;
		w->nval++;
	}
	/* Drop values not seen within the window. */
	for (size_t i = 0; i < w->nval; i++) {
		if (w->last[i] + r->agg_window_ns <= ts)
			continue;
		w->val[j] = w->val[i];
		w->last[j] = w->last[i];
		j++;
	}
	w->nval = j;
	*count = j;
	return 0;
}

static int rule_aggregate(struct rules_state *s, size_t idx,
			  const struct rule *r, const struct cadet_rec *rec,
			  bool *fire)
{
	uint64_t key = r->agg_per == RULE_PER_PID ? rec->pid : rec->cgroup_id;
	struct agg_win *w = det_map_get(&s->aggs[idx], key);
	size_t count;
	int ret;

	*fire = false;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		ret = det_map_put(&s->aggs[idx], key, w);
		if (ret) {
			free(w);
			return ret;
		}
	}
	if (r->agg == RULE_AGG_COUNT)
		ret = agg_count(w, r, rec->ts, &count);
	else
		ret = agg_distinct(w, r, rule_agg_key(r, rec), rec->ts, &count);
	if (ret)
		return ret;
	if (count > r->agg_threshold ||
	    (r->agg_inclusive && count == r->agg_threshold)) {
		/* One alert per window, not one per event past the mark. */
		if (rec->ts >= w->suppress_until) {
			*fire = true;
			w->suppress_until = rec->ts + r->agg_window_ns;
		}
	}
	return 0;
}

/* Keeps track of which processes hold a network connection. */
static int track_connections(struct rules_state *s, const struct cadet_rec *rec)
{
	const struct cadet_rec_sock *sk = (const void *)rec;
	const struct cadet_rec_fork *fk = (const void *)rec;
	const struct cadet_rec_exit *ex = (const void *)rec;

	switch (rec->type) {
	case CADET_REC_CONNECT:
		if (rec->size < sizeof(*sk) ||
		    (sk->family != AF_INET_VAL && sk->family != AF_INET6_VAL))
			return 0;
		if (sk->ret == 0 || sk->ret == EINPROGRESS_RET)
			return det_map_put(&s->connected, rec->pid, (void *)1);
		return 0;
	case CADET_REC_ACCEPT:
		if (rec->size < sizeof(*sk) || sk->ret < 0 ||
		    (sk->family != AF_INET_VAL && sk->family != AF_INET6_VAL))
			return 0;
		return det_map_put(&s->connected, rec->pid, (void *)1);
	case CADET_REC_FORK:
		/* A child inherits its parent's sockets. */
		if (rec->size < sizeof(*fk) || fk->thread ||
		    !det_map_get(&s->connected, rec->pid))
			return 0;
		return det_map_put(&s->connected, fk->child_pid, (void *)1);
	case CADET_REC_EXIT:
		if (rec->size >= sizeof(*ex) && !ex->thread) {
			det_map_del(&s->connected, rec->pid);
			det_map_del(&s->origin, rec->pid);
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * How a container process came to be, for the `runtime` predicate.
 * runc joins a container's cgroup from outside: its re-executed init
 * ("exe", from /proc/self/exe) and the runc:[N:...] stages are first seen
 * in the container without a fork or an exec there that made them
 * (ORIGIN_OUTSIDE; their children by fork too). An exec ends runc's part
 * (the container's command replaces it), except runc re-executing itself
 * as "runc init". Every other process was forked or exec'd inside the
 * container (ORIGIN_INSIDE): a container binary named exe is one of
 * those.
 */
#define ORIGIN_INSIDE ((void *)1)
#define ORIGIN_OUTSIDE ((void *)2)

static bool argv_is_runc_init(const struct cadet_rec *rec)
{
	static const char want[] = "runc\0init";
	const struct cadet_rec_exec *ex = (const void *)rec;

	if (rec->size < sizeof(*ex) || ex->argv.len != sizeof(want) - 1 ||
	    ex->argv.off + (uint64_t)ex->argv.len > rec->size)
		return false;
	return !memcmp((const char *)rec + ex->argv.off, want,
		       sizeof(want) - 1);
}

/* The origin of @rec's process, learning it from this record. */
static int track_origin(struct rules_state *s, const struct cadet_rec *rec,
			bool in_container, void **origin)
{
	const struct cadet_rec_fork *fk = (const void *)rec;
	void *o = det_map_get(&s->origin, rec->pid);
	int ret;

	*origin = NULL;
	if (!in_container)
		return 0;
	if (!o) {
		/* Nothing in the container made it: it came from outside. */
		o = rec->type == CADET_REC_EXEC && !argv_is_runc_init(rec)
			    ? ORIGIN_INSIDE
			    : ORIGIN_OUTSIDE;
		ret = det_map_put(&s->origin, rec->pid, o);
		if (ret)
			return ret;
	} else if (rec->type == CADET_REC_EXEC && !argv_is_runc_init(rec)) {
		o = ORIGIN_INSIDE;
		ret = det_map_put(&s->origin, rec->pid, o);
		if (ret)
			return ret;
	}
	*origin = o;
	if (rec->type == CADET_REC_FORK && rec->size >= sizeof(*fk) &&
	    !fk->thread)
		return det_map_put(&s->origin, fk->child_pid, o);
	return 0;
}

static bool comm_is_runc(const char *comm)
{
	return !strcmp(comm, "exe") || !strncmp(comm, "runc", 4);
}

static int rules_event(void *state, const struct cadet_rec *rec)
{
	struct rules_state *s = state;
	struct rule_ctx ctx;
	void *origin;
	int ret;

	if (rec->type == CADET_REC_CONTAINER ||
	    rec->type == CADET_REC_CONTAINER_ADD ||
	    rec->type == CADET_REC_CONTAINER_UPDATE)
		return det_map_put(&s->containers, rec->cgroup_id, (void *)1);
	/* Without a container table (a partial trace), any cgroup counts. */
	ctx.in_container = s->containers.n ? det_map_get(&s->containers,
							 rec->cgroup_id) != NULL
					   : rec->cgroup_id != 0;
	ctx.connected = det_map_get(&s->connected, rec->pid) != NULL;
	ret = track_origin(s, rec, ctx.in_container, &origin);
	if (ret)
		return ret;
	ctx.runtime = origin == ORIGIN_OUTSIDE && comm_is_runc(rec->comm);
	for (size_t i = 0; i < rule_set__cnt(s->rs); i++) {
		const struct rule *r = rule_set__rule(s->rs, i);
		bool fire = true;

		if (!rule_matches(r, rec, &ctx))
			continue;
		if (r->agg != RULE_AGG_NONE) {
			ret = rule_aggregate(s, i, r, rec, &fire);
			if (ret)
				return ret;
		}
		if (fire && s->phase != CADET_PHASE_TRAIN && s->host->alert) {
			s->host->alert(s->host, rec->ts, rec->cgroup_id, r->sev,
				       r->name);
			s->alerts++;
		}
	}
	return track_connections(s, rec);
}

static int rules_trace_end(void *state, const struct cadet_trace_desc *t)
{
	reset_trace_state(state);
	return 0;
}

const struct cadet_detector_ops detector_rules_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "rules",
	.description = "rule file over events: shells, sensitive files, "
		       "privilege and namespace changes, scans, ...",
	.params_help = "file=(built-in default.rules): rule file to use",
	.init = rules_init,
	.on_trace_begin = rules_trace_begin,
	.on_container = rules_container,
	.on_event = rules_event,
	.on_trace_end = rules_trace_end,
	.fini = rules_fini,
	.flags = CADET_DET_F_OWN_ALERTS,
};
