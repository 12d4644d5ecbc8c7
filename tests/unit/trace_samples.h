/* SPDX-License-Identifier: MIT */
/*
 * Deterministic sample records of every type, shared by the trace unit
 * tests and the golden file generator. Values derive from @i only.
 */
#ifndef CADET_TESTS_TRACE_SAMPLES_H
#define CADET_TESTS_TRACE_SAMPLES_H

#include <stdio.h>
#include <string.h>

#include "cadet/trace.h"

#define SAMPLE_CGROUP 4242
#define SAMPLE_BOOT_TO_EPOCH 1763776800000000000ll /* 2025-11-22T02:00Z */

static inline void sample_common(struct cadet_rec *h, unsigned int i,
				 uint64_t ts)
{
	static const char *const comms[] = {"nginx", "sh", "python3", "cat",
					    "busybox"};

	h->ts = ts;
	h->cpu = i % 2;
	h->cgroup_id = i % 7 == 6 ? 0 : SAMPLE_CGROUP + i % 3;
	h->pid = 100 + i % 50;
	h->tid = h->pid + (i % 4 == 3);
	snprintf(h->comm, sizeof(h->comm), "%s", comms[i % 5]);
}

static inline void sample_addr4(struct cadet_addr *a, uint8_t b0, uint8_t b1,
				uint8_t b2, uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	a->a[12] = b0;
	a->a[13] = b1;
	a->a[14] = b2;
	a->a[15] = b3;
}

#define PUT(b, st, f, s) \
	cadet_recbuf__put_str(b, offsetof(struct st, f), s, strlen(s))

static inline struct cadet_rec *sample_header(struct cadet_recbuf *b)
{
	struct cadet_rec_header *h =
		cadet_recbuf__start(b, CADET_REC_HEADER, sizeof(*h));

	h->h.ts = 1000000000;
	h->clock_id = 1;
	h->ncpus = 2;
	h->boot_to_epoch_ns = SAMPLE_BOOT_TO_EPOCH;
	h->start_ts = 1000000000;
	h->probes = CADET_PROBES_DEFAULT;
	h->interval_ns = 1000000000;
	PUT(b, cadet_rec_header, kernel_release, "6.18.0-test");
	PUT(b, cadet_rec_header, hostname, "testhost");
	PUT(b, cadet_rec_header, recorder_version, "cadet test");
	PUT(b, cadet_rec_header, cmdline, "cadet record -o run.cadet");
	return cadet_recbuf__rec(b);
}

/* Event and state types in a cycle (HEADER and SCHEMA excluded). */
static const unsigned int sample_types[] = {
	CADET_REC_CONTAINER,
	CADET_REC_CONTAINER_ADD,
	CADET_REC_CONTAINER_REMOVE,
	CADET_REC_PROC,
	CADET_REC_LOST,
	CADET_REC_STATS,
	CADET_REC_LABEL,
	CADET_REC_METRICS,
	CADET_REC_SYSCALL_HIST,
	CADET_REC_EXEC,
	CADET_REC_FORK,
	CADET_REC_EXIT,
	CADET_REC_SYSCALL,
	CADET_REC_OPEN,
	CADET_REC_FILE_OP,
	CADET_REC_CONNECT,
	CADET_REC_ACCEPT,
	CADET_REC_LISTEN,
	CADET_REC_SOCK_CLOSE,
	CADET_REC_TCP_RETRANSMIT,
	CADET_REC_TCP_RESET,
	CADET_REC_OOM_KILL,
	CADET_REC_SECURITY,
};
#define SAMPLE_NTYPES (sizeof(sample_types) / sizeof(sample_types[0]))

/* One record of @type, number @i, at @ts. NULL on allocation failure. */
static inline struct cadet_rec *sample_rec(struct cadet_recbuf *b,
					   unsigned int type, unsigned int i,
					   uint64_t ts)
{
	static const char *const ops[] = {"unlink", "rename",	"chmod",
					  "chown",  "truncate", "mkdir"};
	static const char *const sec_ops[] = {
		"capable", "setuid", "ptrace",	   "mount",
		"unshare", "kill",   "raw_socket", "memfd_create"};
	char buf[256];
	struct cadet_rec *h;

	switch (type) {
	case CADET_REC_CONTAINER:
	case CADET_REC_CONTAINER_ADD:
	case CADET_REC_CONTAINER_REMOVE: {
		struct cadet_rec_container *c =
			cadet_recbuf__start(b, type, sizeof(*c));

		snprintf(c->runtime, sizeof(c->runtime), "runc");
		snprintf(buf, sizeof(buf), "ctr%u", i % 3);
		PUT(b, cadet_rec_container, id, buf);
		snprintf(buf, sizeof(buf), "web%u", i % 3);
		if (i % 3 != 2) /* one container stays unnamed */
			PUT(b, cadet_rec_container, name, buf);
		PUT(b, cadet_rec_container, image, "/var/cache/cadet/rootfs");
		snprintf(buf, sizeof(buf), "/cadet/ctr%u", i % 3);
		PUT(b, cadet_rec_container, cgroup_path, buf);
		break;
	}
	case CADET_REC_PROC: {
		struct cadet_rec_proc *p =
			cadet_recbuf__start(b, type, sizeof(*p));
		static const char argv[] = "nginx\0-g\0daemon off;";

		p->ppid = 1;
		p->uid = 0;
		p->start_ts = ts / 2;
		PUT(b, cadet_rec_proc, exe, "/usr/sbin/nginx");
		cadet_recbuf__put_str(b, offsetof(struct cadet_rec_proc, argv),
				      argv, sizeof(argv) - 1);
		break;
	}
	case CADET_REC_LOST: {
		struct cadet_rec_lost *l =
			cadet_recbuf__start(b, type, sizeof(*l));

		l->count = 1 + i % 5;
		l->interval_ns = 1000000000;
		break;
	}
	case CADET_REC_STATS: {
		struct cadet_rec_stats *s =
			cadet_recbuf__start(b, type, sizeof(*s));

		s->interval_ns = 1000000000;
		s->cpu_ns = 1000 * i;
		s->rss_bytes = 12 << 20;
		s->events = 500 + i;
		s->records = 400 + i;
		s->bytes_written = 9000;
		break;
	}
	case CADET_REC_LABEL: {
		struct cadet_rec_label *l =
			cadet_recbuf__start(b, type, sizeof(*l));

		l->start_ts = ts;
		l->end_ts = ts + 5000000000ull;
		l->seed = 42;
		l->intensity = 0.5 + i % 2;
		snprintf(l->kind, sizeof(l->kind), "anomaly");
		PUT(b, cadet_rec_label, scenario, "mem_leak");
		PUT(b, cadet_rec_label, anomaly, "mem_leak");
		PUT(b, cadet_rec_label, target, "web0");
		PUT(b, cadet_rec_label, params, "rate=4M max=64M");
		break;
	}
	case CADET_REC_METRICS: {
		struct cadet_rec_metrics *m =
			cadet_recbuf__start(b, type, sizeof(*m));

		m->interval_ns = 1000000000;
		m->cpu_ns = 3000000 + i * 17;
		m->rss_bytes = (20 << 20) + i * 4096;
		m->tx_bytes = 1000 * (i % 13);
		m->rx_bytes = 900 * (i % 11);
		m->syscalls = 5000 + i % 100;
		m->nr_tasks = 3;
		break;
	}
	case CADET_REC_SYSCALL_HIST: {
		struct cadet_rec_syscall_hist *s =
			cadet_recbuf__start(b, type, sizeof(*s));
		uint32_t hist[] = {0, 120 + i % 9, 1, 80, 3, 40, 257, 12};

		s->interval_ns = 1000000000;
		cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_syscall_hist, hist), hist,
			sizeof(hist));
		break;
	}
	case CADET_REC_EXEC: {
		struct cadet_rec_exec *e =
			cadet_recbuf__start(b, type, sizeof(*e));
		int n;

		e->ppid = 1;
		e->uid = i % 2 ? 0 : 1000;
		e->argc = 3;
		PUT(b, cadet_rec_exec, filename, "/bin/sh");
		n = snprintf(buf, sizeof(buf), "sh%c-c%cecho %u \"quoted\"\t\\",
			     0, 0, i);
		cadet_recbuf__put_str(b, offsetof(struct cadet_rec_exec, argv),
				      buf, n);
		break;
	}
	case CADET_REC_FORK: {
		struct cadet_rec_fork *f =
			cadet_recbuf__start(b, type, sizeof(*f));

		f->child_pid = 1000 + i;
		f->child_tid = 1000 + i;
		f->clone_flags = 0x1200011;
		f->thread = i % 2;
		break;
	}
	case CADET_REC_EXIT: {
		struct cadet_rec_exit *x =
			cadet_recbuf__start(b, type, sizeof(*x));

		x->code = i % 3;
		x->signal = i % 5 == 4 ? 9 : 0;
		x->lifetime_ns = 123456789 + i;
		break;
	}
	case CADET_REC_SYSCALL: {
		struct cadet_rec_syscall *s =
			cadet_recbuf__start(b, type, sizeof(*s));

		s->nr = i % 300;
		s->ret = i % 4 == 0 ? -2 : (int64_t)(i % 4096);
		break;
	}
	case CADET_REC_OPEN: {
		struct cadet_rec_open *o =
			cadet_recbuf__start(b, type, sizeof(*o));

		o->flags = 0x80000;
		o->mode = 0644;
		o->ret = i % 5 == 0 ? -13 : (int)(3 + i % 10);
		o->dirfd = -100;
		snprintf(buf, sizeof(buf), "/var/log/nginx/access-%u.log",
			 i % 4);
		if (i % 11 == 10) /* bytes that are not UTF-8 */
			snprintf(buf, sizeof(buf), "/tmp/\xff\xfe\x01x");
		PUT(b, cadet_rec_open, path, buf);
		break;
	}
	case CADET_REC_FILE_OP: {
		struct cadet_rec_file_op *f =
			cadet_recbuf__start(b, type, sizeof(*f));

		snprintf(f->op, sizeof(f->op), "%s", ops[i % 6]);
		f->mode = 0600;
		PUT(b, cadet_rec_file_op, path, "/tmp/a");
		if (i % 6 == 1)
			PUT(b, cadet_rec_file_op, path2, "/tmp/b");
		break;
	}
	case CADET_REC_CONNECT:
	case CADET_REC_ACCEPT:
	case CADET_REC_LISTEN:
	case CADET_REC_SOCK_CLOSE:
	case CADET_REC_TCP_RETRANSMIT:
	case CADET_REC_TCP_RESET: {
		struct cadet_rec_sock *s =
			cadet_recbuf__start(b, type, sizeof(*s));

		if (i % 2) {
			sample_addr4(&s->saddr, 127, 0, 0, 1);
			sample_addr4(&s->daddr, 10, 0, 0, i % 250);
			s->family = 2;
		} else {
			s->saddr.a[15] = 1; /* ::1 */
			s->daddr.a[15] = 1;
			s->family = 10;
		}
		s->sport = 40000 + i % 1000;
		s->dport = 80;
		s->proto = 6;
		s->state = 7;
		s->tx_bytes = 100 * i;
		s->rx_bytes = 50 * i;
		break;
	}
	case CADET_REC_OOM_KILL: {
		struct cadet_rec_oom_kill *o =
			cadet_recbuf__start(b, type, sizeof(*o));

		o->victim_pid = 100 + i;
		o->rss_bytes = 256 << 20;
		break;
	}
	case CADET_REC_SECURITY: {
		struct cadet_rec_security *s =
			cadet_recbuf__start(b, type, sizeof(*s));

		snprintf(s->op, sizeof(s->op), "%s", sec_ops[i % 8]);
		s->ret = i % 3 ? 0 : -1;
		s->arg0 = i % 40;
		s->target_pid = i % 8 == 2 || i % 8 == 5 ? 1 : 0;
		s->denied = i % 3 == 0;
		if (i % 8 == 3)
			PUT(b, cadet_rec_security, str, "/mnt");
		break;
	}
	default:
		return NULL;
	}
	h = cadet_recbuf__rec(b);
	if (h)
		sample_common(h, i, ts);
	return h;
}

#endif
