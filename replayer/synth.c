// SPDX-License-Identifier: MIT
/*
 * Synthetic traces for tests and benchmarks (`cadet replay
 * --make-synthetic`): a few containers with METRICS every second and a
 * seeded stream of exec/open/connect/syscall events, optionally with a
 * labeled anomaly (memory and CPU growth of the first container). The same
 * options and seed always give the same records.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cadet/trace.h"
#include "detect/util.h"
#include "replayer/synth.h"

#define NS 1000000000ull

static int put(struct cadet_recbuf *b, size_t off, const char *s)
{
	return cadet_recbuf__put_str(b, off, s, strlen(s));
}

static int add_header(struct cadet_recbuf *b, uint64_t start)
{
	struct cadet_rec_header *h;
	int err = 0;

	h = cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));
	if (!h)
		return -errno;
	h->h.ts = start;
	h->clock_id = 1;
	h->ncpus = 2;
	h->start_ts = start;
	h->probes = CADET_PROBES_DEFAULT;
	h->interval_ns = NS;
	err = err
		      ?: put(b,
			     offsetof(struct cadet_rec_header, kernel_release),
			     "synthetic");
	err = err
		      ?: put(b, offsetof(struct cadet_rec_header, hostname),
			     "synthetic");
	err = err
		      ?: put(b,
			     offsetof(struct cadet_rec_header,
				      recorder_version),
			     "cadet-synth");
	err = err
		      ?: put(b, offsetof(struct cadet_rec_header, cmdline),
			     "cadet replay --make-synthetic");
	return err;
}

static int add_container(struct cadet_writer *w, struct cadet_recbuf *b,
			 uint64_t ts, uint64_t cg, unsigned int i)
{
	struct cadet_rec_container *c;
	char s[64];
	int err = 0;

	c = cadet_recbuf__start(b, CADET_REC_CONTAINER, sizeof(*c));
	if (!c)
		return -errno;
	c->h.ts = ts;
	c->h.cgroup_id = cg;
	memcpy(c->runtime, "runc", 4);
	snprintf(s, sizeof(s), "synth-ctr%u", i);
	err = err ?: put(b, offsetof(struct cadet_rec_container, id), s);
	snprintf(s, sizeof(s), "ctr%u", i);
	err = err ?: put(b, offsetof(struct cadet_rec_container, name), s);
	err = err
		      ?: put(b, offsetof(struct cadet_rec_container, image),
			     "debian:bookworm");
	snprintf(s, sizeof(s), "/cadet-synth/ctr%u", i);
	err = err
		      ?: put(b,
			     offsetof(struct cadet_rec_container, cgroup_path),
			     s);
	return err ?: cadet_writer__add(w, cadet_recbuf__rec(b));
}

static int add_label(struct cadet_writer *w, struct cadet_recbuf *b,
		     const struct synth_opts *o, uint64_t start, uint64_t cg0,
		     uint64_t a0, uint64_t a1)
{
	struct cadet_rec_label *l;
	bool anomaly = o->anomaly && *o->anomaly;
	int err = 0;

	l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
	if (!l)
		return -errno;
	l->h.ts = start;
	l->h.cgroup_id = anomaly ? cg0 : 0;
	l->start_ts = anomaly ? a0 : start;
	l->end_ts = anomaly ? a1 : start + o->seconds * NS;
	l->seed = o->seed;
	l->intensity = anomaly ? 1.0 : 0.0;
	snprintf(l->kind, sizeof(l->kind), "%s",
		 anomaly ? "anomaly" : "normal");
	err = err
		      ?: put(b, offsetof(struct cadet_rec_label, scenario),
			     "synthetic");
	err = err
		      ?: put(b, offsetof(struct cadet_rec_label, anomaly),
			     anomaly ? o->anomaly : "");
	err = err
		      ?: put(b, offsetof(struct cadet_rec_label, target),
			     anomaly ? "ctr0" : "");
	return err ?: cadet_writer__add(w, cadet_recbuf__rec(b));
}

static uint64_t jitter(uint64_t *rng, uint64_t base, double rel)
{
	double u = rng_uniform(rng) * 2 - 1;

	return (uint64_t)((double)base * (1 + rel * u));
}

static int add_metrics(struct cadet_writer *w, struct cadet_recbuf *b,
		       uint64_t *rng, uint64_t ts, uint64_t cg, double boost,
		       uint64_t leak)
{
	struct cadet_rec_metrics *m;

	m = cadet_recbuf__start(b, CADET_REC_METRICS, sizeof(*m));
	if (!m)
		return -errno;
	m->h.ts = ts;
	m->h.cgroup_id = cg;
	m->interval_ns = NS;
	m->cpu_ns = jitter(rng, 200000000, 0.2) * boost;
	m->rss_bytes = jitter(rng, 50u << 20, 0.02) + leak;
	m->tx_bytes = jitter(rng, 100000, 0.3);
	m->rx_bytes = jitter(rng, 80000, 0.3);
	m->tx_packets = m->tx_bytes / 1000;
	m->rx_packets = m->rx_bytes / 1000;
	m->read_bytes = jitter(rng, 40000, 0.5);
	m->write_bytes = jitter(rng, 20000, 0.5);
	m->syscalls = jitter(rng, 5000, 0.2) * boost;
	m->page_faults = jitter(rng, 300, 0.3) * boost;
	m->ctx_switches = jitter(rng, 800, 0.2);
	m->nr_tasks = 4;
	m->forks = rng_next(rng) % 3;
	m->execs = m->forks;
	m->opens = jitter(rng, 40, 0.5);
	m->connects = jitter(rng, 10, 0.5);
	return cadet_writer__add(w, cadet_recbuf__rec(b));
}

static int add_event(struct cadet_writer *w, struct cadet_recbuf *b,
		     uint64_t *rng, uint64_t ts, uint64_t cg, unsigned int ci)
{
	unsigned int kind = rng_next(rng) % 16;
	struct cadet_rec *h;
	int err = 0;

	if (kind == 0) {
		struct cadet_rec_exec *e =
			cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*e));

		if (!e)
			return -errno;
		e->ppid = 100 + ci;
		e->argc = 1;
		err = put(b, offsetof(struct cadet_rec_exec, filename),
			  "/bin/true");
		err = err
			      ?: put(b, offsetof(struct cadet_rec_exec, argv),
				     "true");
	} else if (kind == 1) {
		struct cadet_rec_open *op =
			cadet_recbuf__start(b, CADET_REC_OPEN, sizeof(*op));

		if (!op)
			return -errno;
		op->ret = 3;
		op->dirfd = -100;
		err = put(b, offsetof(struct cadet_rec_open, path),
			  "/etc/hosts");
	} else if (kind == 2) {
		struct cadet_rec_sock *s =
			cadet_recbuf__start(b, CADET_REC_CONNECT, sizeof(*s));

		if (!s)
			return -errno;
		s->family = 2;
		s->proto = 6;
		s->daddr.a[10] = s->daddr.a[11] = 0xff;
		s->daddr.a[12] = 127;
		s->daddr.a[15] = 1;
		s->dport = 80;
	} else {
		struct cadet_rec_syscall *s =
			cadet_recbuf__start(b, CADET_REC_SYSCALL, sizeof(*s));

		if (!s)
			return -errno;
		s->nr = (int)(rng_next(rng) % 64);
	}
	if (err)
		return err;
	h = cadet_recbuf__rec(b);
	h->ts = ts;
	h->cgroup_id = cg;
	h->pid = h->tid = 100 + ci;
	h->cpu = ci % 2;
	snprintf(h->comm, sizeof(h->comm), "worker%u", ci % 1000);
	return cadet_writer__add(w, h);
}

int synth_write(const char *path, const struct synth_opts *opts,
		uint64_t *nrecords)
{
	struct synth_opts o = *opts;
	struct cadet_writer_opts wo = {.sz = sizeof(wo), .level = 3};
	struct cadet_writer_stats st;
	struct cadet_recbuf *hb = NULL, *b = NULL;
	struct cadet_writer *w = NULL;
	uint64_t rng, start = 1000 * NS + 123456789, a0, a1, per;
	int err;

	if (!o.containers)
		o.containers = 3;
	if (!o.seconds)
		o.seconds = 60;
	if (!o.seed)
		o.seed = 1;
	rng = o.seed;
	/* METRICS give containers x seconds records; events the rest. */
	per = o.records / (o.containers * o.seconds);
	per = per > 1 ? per - 1 : 0;
	a0 = start + o.seconds * NS * 6 / 10;
	a1 = start + o.seconds * NS * 9 / 10;
	hb = cadet_recbuf__new();
	b = cadet_recbuf__new();
	if (!hb || !b) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = add_header(hb, start);
	if (err)
		goto cleanup;
	w = cadet_writer__create(path, cadet_recbuf__rec(hb), &wo);
	if (!w) {
		err = -errno;
		goto cleanup;
	}
	for (unsigned int c = 0; c < o.containers && !err; c++)
		err = add_container(w, b, start, 1000 + c, c);
	err = err ?: add_label(w, b, &o, start, 1000, a0, a1);
	for (uint64_t s = 0; s < o.seconds && !err; s++) {
		uint64_t t0 = start + s * NS;

		for (uint64_t k = 0; k < per && !err; k++) {
			uint64_t ts = t0 + (k * NS) / per;

			for (unsigned int c = 0; c < o.containers && !err; c++)
				err = add_event(w, b, &rng, ts + c, 1000 + c,
						c);
		}
		for (unsigned int c = 0; c < o.containers && !err; c++) {
			uint64_t ts = t0 + NS - 1;
			bool in = o.anomaly && *o.anomaly && c == 0 &&
				  ts >= a0 && ts < a1;

			err = add_metrics(
				w, b, &rng, ts, 1000 + c, in ? 3.0 : 1.0,
				in ? (ts - a0) / NS * (20u << 20) : 0);
		}
	}
	if (err)
		goto cleanup;
	cadet_writer__stats(w, &st);
	if (nrecords)
		*nrecords = st.records;
	err = cadet_writer__close(w);
	w = NULL;
cleanup:
	cadet_writer__free(w);
	cadet_recbuf__free(hb);
	cadet_recbuf__free(b);
	return err;
}
