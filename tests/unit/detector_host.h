/* SPDX-License-Identifier: MIT */
/*
 * A detector host for the detector unit tests: records every score and
 * alert, and builds synthetic trace records with the trace library's
 * record builder (cadet_recbuf). One test program includes it once.
 */
#ifndef CADET_TESTS_DETECTOR_HOST_H
#define CADET_TESTS_DETECTOR_HOST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/detector.h"
#include "cadet/trace.h"

#define TH_MAX 8192

struct th_score {
	uint64_t cg;
	uint64_t start;
	uint64_t end;
	double v;
};

struct th_alert {
	uint64_t ts;
	uint64_t cg;
	enum cadet_severity sev;
	char reason[64];
};

static struct th_score th_scores[TH_MAX];
static size_t th_nscores;
static struct th_alert th_alerts[TH_MAX];
static size_t th_nalerts;
static char th_lastlog[1024];
static struct cadet_recbuf *th_b;

static inline void th_score_cb(const struct cadet_host *h, uint64_t cg, uint64_t ws,
			uint64_t we, double v)
{
	if (th_nscores < TH_MAX)
		th_scores[th_nscores++] =
			(struct th_score){ .cg = cg, .start = ws, .end = we,
					   .v = v };
}

static inline void th_alert_cb(const struct cadet_host *h, uint64_t ts, uint64_t cg,
			enum cadet_severity sev, const char *reason)
{
	struct th_alert *a;

	if (th_nalerts >= TH_MAX)
		return;
	a = &th_alerts[th_nalerts++];
	a->ts = ts;
	a->cg = cg;
	a->sev = sev;
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

static inline void th_log_cb(const struct cadet_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(th_lastlog, sizeof(th_lastlog), fmt, ap);
	va_end(ap);
}

static const struct cadet_host th_host = {
	.sz = sizeof(th_host),
	.score = th_score_cb,
	.alert = th_alert_cb,
	.log = th_log_cb,
};

static inline void th_reset(void)
{
	th_nscores = 0;
	th_nalerts = 0;
	th_lastlog[0] = '\0';
	if (!th_b)
		th_b = cadet_recbuf__new();
}

static inline void th_begin(const struct cadet_detector_ops *ops, void *st,
		     enum cadet_phase phase)
{
	struct cadet_trace_desc t = { .sz = sizeof(t), .path = "synthetic",
				      .phase = phase };

	if (ops->on_trace_begin)
		ops->on_trace_begin(st, &t);
}

static inline void th_end(const struct cadet_detector_ops *ops, void *st,
		   enum cadet_phase phase)
{
	struct cadet_trace_desc t = { .sz = sizeof(t), .path = "synthetic",
				      .phase = phase };

	if (ops->on_trace_end)
		ops->on_trace_end(st, &t);
}

static inline int th_container(const struct cadet_detector_ops *ops, void *st,
			uint64_t cg, const char *name, int added)
{
	struct cadet_container_desc d = { .sz = sizeof(d), .cgroup_id = cg,
					  .id = name, .name = name,
					  .runtime = "runc",
					  .cgroup_path = name };

	return ops->on_container ? ops->on_container(st, &d, added) : 0;
}

static inline void th_hdr(struct cadet_rec *h, uint64_t ts, uint64_t cg,
		   uint32_t pid, const char *comm)
{
	h->ts = ts;
	h->cgroup_id = cg;
	h->pid = pid;
	h->tid = pid;
	snprintf(h->comm, sizeof(h->comm), "%s", comm ? comm : "");
}

static inline const struct cadet_rec *th_syscall(uint64_t ts, uint64_t cg,
					  uint32_t tid, int nr)
{
	struct cadet_rec_syscall *r =
		cadet_recbuf__start(th_b, CADET_REC_SYSCALL, sizeof(*r));

	th_hdr(&r->h, ts, cg, tid, "t");
	r->nr = nr;
	return cadet_recbuf__rec(th_b);
}

/* METRICS with cpu_ns, rss_bytes and tx_bytes set, the rest 0. */
static inline const struct cadet_rec *th_metrics(uint64_t ts, uint64_t cg,
					  uint64_t cpu, uint64_t rss,
					  uint64_t tx)
{
	struct cadet_rec_metrics *r =
		cadet_recbuf__start(th_b, CADET_REC_METRICS, sizeof(*r));

	th_hdr(&r->h, ts, cg, 0, "");
	r->interval_ns = 1000000000ull;
	r->cpu_ns = cpu;
	r->rss_bytes = rss;
	r->tx_bytes = tx;
	return cadet_recbuf__rec(th_b);
}

/* argv given blank-separated; stored NUL-separated as the recorder does. */
static inline const struct cadet_rec *th_exec(uint64_t ts, uint64_t cg, uint32_t pid,
				       const char *comm, const char *filename,
				       const char *argv)
{
	struct cadet_rec_exec *r =
		cadet_recbuf__start(th_b, CADET_REC_EXEC, sizeof(*r));
	char buf[512];
	size_t n = strlen(argv);

	th_hdr(&r->h, ts, cg, pid, comm);
	snprintf(buf, sizeof(buf), "%s", argv);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = '\0';
	cadet_recbuf__put_str(th_b, offsetof(struct cadet_rec_exec, filename),
			      filename, strlen(filename));
	cadet_recbuf__put_str(th_b, offsetof(struct cadet_rec_exec, argv), buf,
			      n);
	return cadet_recbuf__rec(th_b);
}

static inline const struct cadet_rec *th_open(uint64_t ts, uint64_t cg, uint32_t pid,
				       const char *path, int flags)
{
	struct cadet_rec_open *r =
		cadet_recbuf__start(th_b, CADET_REC_OPEN, sizeof(*r));

	th_hdr(&r->h, ts, cg, pid, "cat");
	r->flags = flags;
	cadet_recbuf__put_str(th_b, offsetof(struct cadet_rec_open, path),
			      path, strlen(path));
	return cadet_recbuf__rec(th_b);
}

static inline const struct cadet_rec *th_security(uint64_t ts, uint64_t cg,
					   uint32_t pid, const char *op,
					   uint64_t arg0, uint32_t denied)
{
	struct cadet_rec_security *r =
		cadet_recbuf__start(th_b, CADET_REC_SECURITY, sizeof(*r));

	th_hdr(&r->h, ts, cg, pid, "x");
	snprintf(r->op, sizeof(r->op), "%s", op);
	r->arg0 = arg0;
	r->denied = denied;
	return cadet_recbuf__rec(th_b);
}

static inline const struct cadet_rec *th_file_op(uint64_t ts, uint64_t cg,
					  const char *op, const char *path,
					  uint32_t mode)
{
	struct cadet_rec_file_op *r =
		cadet_recbuf__start(th_b, CADET_REC_FILE_OP, sizeof(*r));

	th_hdr(&r->h, ts, cg, 50, "rm");
	snprintf(r->op, sizeof(r->op), "%s", op);
	r->mode = mode;
	cadet_recbuf__put_str(th_b, offsetof(struct cadet_rec_file_op, path),
			      path, strlen(path));
	return cadet_recbuf__rec(th_b);
}

static inline const struct cadet_rec *th_sock(unsigned int type, uint64_t ts,
				       uint64_t cg, uint32_t pid,
				       const char *comm, uint16_t dport,
				       int ret)
{
	struct cadet_rec_sock *r = cadet_recbuf__start(th_b, type, sizeof(*r));

	th_hdr(&r->h, ts, cg, pid, comm);
	r->family = 2;
	r->proto = 6;
	r->dport = dport;
	r->ret = ret;
	r->daddr.a[10] = 0xff;
	r->daddr.a[11] = 0xff;
	r->daddr.a[12] = 127;
	r->daddr.a[15] = 1;
	return cadet_recbuf__rec(th_b);
}

static inline const struct cadet_rec *th_fork(uint64_t ts, uint64_t cg, uint32_t pid,
				       uint32_t child)
{
	struct cadet_rec_fork *r =
		cadet_recbuf__start(th_b, CADET_REC_FORK, sizeof(*r));

	th_hdr(&r->h, ts, cg, pid, "p");
	r->child_pid = child;
	r->child_tid = child;
	return cadet_recbuf__rec(th_b);
}

/* cmocka compares floats only: doubles within @eps (include cmocka first). */
#define assert_double_equal(a, b, eps)                                      \
	do {                                                                \
		double a_ = (a), b_ = (b);                                  \
		if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                \
			fail_msg("%.17g != %.17g (+/- %g)", a_, b_,         \
				 (double)(eps));                            \
	} while (0)

#endif /* CADET_TESTS_DETECTOR_HOST_H */
