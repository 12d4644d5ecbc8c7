// SPDX-License-Identifier: MIT
/*
 * The engine resolver: a thread that asks the container engines about the
 * containers the recorder found, and a cache of their answers.
 *
 * The recorder's thread only reads the cache (engines__fill()) and queues
 * ids; daemons are asked here, each request bounded by the timeout. A
 * container the engine does not know yet (Docker answers only once its
 * start finished) is asked again every RETRY_MS until the timeout, then
 * keeps its id as its name.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util/cmd_name.h"
#include "lib/util/vec.h"
#include "recorder/engines.h"

#define DEFAULT_TIMEOUT_MS 5000
#define RETRY_MS 100
#define MAX_ENTRIES 4096

enum entry_state { ENTRY_QUEUED, ENTRY_DONE, ENTRY_FAILED };

struct entry {
	enum cadet_runtime runtime;
	char id[128];
	enum entry_state state;
	uint64_t deadline; /* CLOCK_MONOTONIC ns: give up after */
	uint64_t next_try;
	struct engine_meta meta;
};

struct engines {
	char docker_host[256];
	char containerd_state[256];
	char podman_storage[256];
	unsigned int timeout_ms;
	uint64_t wait_until; /* fill() waits for answers until then */
	int verbose;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* work queued, or stop */
	pthread_cond_t answered; /* an entry left ENTRY_QUEUED */
	bool stop;
	atomic_bool settled;
	struct entry *v;
	size_t cnt, cap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void abs_deadline(struct timespec *ts, uint64_t mono)
{
	ts->tv_sec = mono / 1000000000ull;
	ts->tv_nsec = mono % 1000000000ull;
}

static bool has_engine(enum cadet_runtime rt)
{
	return rt == CADET_RT_DOCKER || rt == CADET_RT_CONTAINERD ||
	       rt == CADET_RT_CRIO || rt == CADET_RT_PODMAN ||
	       rt == CADET_RT_KUBERNETES;
}

/* One look-up by the engine of @rt; Kubernetes containers run under
 * containerd or cri-o, whose bundles the OCI look-up reads. */
static int lookup(struct engines *e, enum cadet_runtime rt, const char *id,
		  struct engine_meta *out)
{
	switch (rt) {
	case CADET_RT_DOCKER:
		return engine_docker_lookup(e->docker_host, id, e->timeout_ms,
					    out);
	case CADET_RT_CONTAINERD:
	case CADET_RT_CRIO:
	case CADET_RT_KUBERNETES:
		return engine_oci_lookup(e->containerd_state, id, out);
	case CADET_RT_PODMAN:
		return engine_podman_lookup(e->podman_storage, id, out);
	default:
		return -ENOENT;
	}
}

static struct entry *entry_find(struct engines *e, enum cadet_runtime rt,
				const char *id)
{
	for (size_t i = 0; i < e->cnt; i++)
		if (e->v[i].runtime == rt && !strcmp(e->v[i].id, id))
			return &e->v[i];
	return NULL;
}

/* The oldest half goes when the cache is full: containers come and go. */
static struct entry *entry_add(struct engines *e, enum cadet_runtime rt,
			       const char *id)
{
	struct entry *n;

	if (e->cnt == MAX_ENTRIES) {
		size_t keep = e->cnt / 2;

		memmove(e->v, e->v + e->cnt - keep, keep * sizeof(*e->v));
		e->cnt = keep;
	}
	if (vec_reserve(&e->v, &e->cap, e->cnt + 1, sizeof(*e->v)))
		return NULL;
	n = &e->v[e->cnt++];
	memset(n, 0, sizeof(*n));
	n->runtime = rt;
	engine_copy(n->id, sizeof(n->id), id);
	n->state = ENTRY_QUEUED;
	n->deadline = mono_ns() + e->timeout_ms * 1000000ull;
	return n;
}

/* The queued entry due first, or NULL; *@due: when the next one is. */
static struct entry *next_due(struct engines *e, uint64_t now, uint64_t *due)
{
	*due = UINT64_MAX;
	for (size_t i = 0; i < e->cnt; i++) {
		struct entry *x = &e->v[i];

		if (x->state != ENTRY_QUEUED)
			continue;
		if (x->next_try <= now)
			return x;
		if (x->next_try < *due)
			*due = x->next_try;
	}
	return NULL;
}

static void *resolver(void *arg)
{
	struct engines *e = arg;

	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		struct engine_meta meta;
		enum cadet_runtime rt;
		char id[128];
		struct entry *x;
		uint64_t now = mono_ns(), due;
		int err;

		x = next_due(e, now, &due);
		if (!x) {
			struct timespec ts;

			if (due == UINT64_MAX) {
				pthread_cond_wait(&e->wake, &e->lock);
			} else {
				abs_deadline(&ts, due);
				pthread_cond_timedwait(&e->wake, &e->lock, &ts);
			}
			continue;
		}
		/* Ask without the lock: fill() must not wait for a daemon. */
		rt = x->runtime;
		memcpy(id, x->id, sizeof(id));
		x->next_try = UINT64_MAX;
		pthread_mutex_unlock(&e->lock);
		memset(&meta, 0, sizeof(meta));
		err = lookup(e, rt, id, &meta);
		pthread_mutex_lock(&e->lock);
		x = entry_find(e, rt, id); /* the cache may have moved */
		if (!x)
			continue;
		now = mono_ns();
		if (!err) {
			x->meta = meta;
			x->state = ENTRY_DONE;
		} else if (err == -ENOENT &&
			   now + RETRY_MS * 1000000ull < x->deadline) {
			x->next_try = now + RETRY_MS * 1000000ull;
			continue;
		} else {
			x->state = ENTRY_FAILED;
			if (e->verbose)
				fprintf(stderr,
					"%s: no %s metadata for %.12s: %s\n",
					cadet_cmd_name,
					container_runtime_name(rt), id,
					strerror(-err));
		}
		atomic_store(&e->settled, true);
		pthread_cond_broadcast(&e->answered);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static void copy_opt(char *dst, size_t size, const char *s, const char *def)
{
	engine_copy(dst, size, s && *s ? s : def);
}

struct engines *engines__new(const struct engines_opts *opts)
{
	pthread_condattr_t ca;
	struct engines *e;
	const char *host;
	int err;

	if (!opts || opts->sz < offsetof(struct engines_opts, verbose)) {
		errno = EINVAL;
		return NULL;
	}
	err = engine_docker_global_init();
	if (err) {
		errno = -err;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	host = opts->docker_host ? opts->docker_host : getenv("DOCKER_HOST");
	copy_opt(e->docker_host, sizeof(e->docker_host), host,
		 "/var/run/docker.sock");
	copy_opt(e->containerd_state, sizeof(e->containerd_state),
		 opts->containerd_state, "/run/containerd");
	copy_opt(e->podman_storage, sizeof(e->podman_storage),
		 opts->podman_storage, "/var/lib/containers/storage");
	e->timeout_ms =
		opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	e->wait_until =
		opts->wait_ms ? mono_ns() + opts->wait_ms * 1000000ull : 0;
	e->verbose = opts->verbose;
	/* Deadlines are CLOCK_MONOTONIC, like the recorder's. */
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->wake, &ca);
	pthread_cond_init(&e->answered, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&e->thread, NULL, resolver, e);
	if (err) {
		engines__free(e);
		errno = err;
		return NULL;
	}
	e->started = true;
	return e;
}

void engines__free(struct engines *e)
{
	if (!e)
		return;
	if (e->started) {
		pthread_mutex_lock(&e->lock);
		e->stop = true;
		pthread_cond_broadcast(&e->wake);
		pthread_mutex_unlock(&e->lock);
		/* A daemon request in flight ends within its timeout. */
		pthread_join(e->thread, NULL);
	}
	pthread_cond_destroy(&e->wake);
	pthread_cond_destroy(&e->answered);
	pthread_mutex_destroy(&e->lock);
	free(e->v);
	free(e);
}

static void meta_apply(struct container_info *c, const struct engine_meta *m)
{
	if (m->name[0])
		engine_copy(c->name, sizeof(c->name), m->name);
	engine_copy(c->image, sizeof(c->image), m->image);
	engine_copy(c->pod, sizeof(c->pod), m->pod);
	engine_copy(c->pod_namespace, sizeof(c->pod_namespace),
		    m->pod_namespace);
}

int engines__fill(struct engines *e, struct container_info *c)
{
	struct entry *x;
	int err;

	if (!e || !c)
		return -EINVAL;
	if (!has_engine(c->runtime))
		return -ENOENT;
	pthread_mutex_lock(&e->lock);
	x = entry_find(e, c->runtime, c->id);
	if (!x) {
		x = entry_add(e, c->runtime, c->id);
		if (!x) {
			err = -ENOMEM;
			goto unlock;
		}
		pthread_cond_signal(&e->wake);
	}
	if (x->state == ENTRY_QUEUED && e->wait_until > mono_ns()) {
		struct timespec ts;

		abs_deadline(&ts, e->wait_until);
		while ((x = entry_find(e, c->runtime, c->id)) &&
		       x->state == ENTRY_QUEUED &&
		       pthread_cond_timedwait(&e->answered, &e->lock, &ts) !=
			       ETIMEDOUT)
			;
	}
	if (!x)
		err = -EAGAIN;
	else if (x->state == ENTRY_DONE)
		err = 0;
	else
		err = x->state == ENTRY_QUEUED ? -EAGAIN : -ENOENT;
	if (!err)
		meta_apply(c, &x->meta);
unlock:
	pthread_mutex_unlock(&e->lock);
	return err;
}

void engines__set_wait(struct engines *e, unsigned int ms)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->wait_until = ms ? mono_ns() + ms * 1000000ull : 0;
	pthread_mutex_unlock(&e->lock);
}

bool engines__settled(struct engines *e)
{
	return e && atomic_exchange(&e->settled, false);
}
