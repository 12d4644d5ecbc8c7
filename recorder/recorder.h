/* SPDX-License-Identifier: MIT */
/*
 * The recorder as a library: `cadet record` and the scenario runner
 * (`cadet run`, which records while it injects) both drive it.
 *
 * HowTo:
 *   struct recorder_opts o = { .sz = sizeof(o), .output = "run.cadet",
 *                              .probes = CADET_PROBES_DEFAULT };
 *   struct recorder *r = recorder__new(&o);      NULL + errno, message
 *                                                 printed to stderr
 *   thread A: recorder__run(r);                  loops until stopped
 *   thread B: recorder__add_record(r, label);    e.g. LABEL records
 *             recorder__stop(r);                 async-signal-safe
 *   recorder__free(r);                           finishes the file
 *
 * Live consumers set .on_record (output then optional).
 */
#ifndef CADET_RECORDER_RECORDER_H
#define CADET_RECORDER_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

struct recorder_opts {
	size_t sz;
	const char *output;             /* trace path */
	uint64_t probes;                /* enum cadet_probe mask */
	uint64_t interval_ns;           /* METRICS interval, default 1 s */
	uint64_t duration_ns;           /* 0 = until stopped */
	const char **cgroups;           /* extra cgroup paths, NULL-ended */
	int all;                        /* record host processes too */
	const char *pcap_dir;           /* with CADET_PROBE_PCAP; default: beside output */
	const char *cmdline;            /* stored in the header */
	int verbose;
	size_t ringbuf_bytes;           /* default 4 MiB */
	/* Kernel BPF run-time statistics on while recording (bpf_stats
	 * records; cost every BPF program about 100 ns per run). */
	int bpf_stats;
	/* Only containers whose runtime id starts with this (NULL: all):
	 * a scenario run records its own containers, not the host's others. */
	const char *id_prefix;
	/* Container names whose syscalls --syscall-seq leaves out (their
	 * histograms stay), NULL-ended: busy servers would swamp a trace. */
	const char *const *seq_exclude;
	/*
	 * Called on the recorder thread with every record as it goes to the
	 * writer (the header first), so a consumer sees exactly what the
	 * trace gets; it must not block. With it, output may be NULL: no
	 * trace is written (live detection without recording).
	 */
	void (*on_record)(const struct cadet_rec *rec, void *ctx);
	void *on_record_ctx;
	/*
	 * --redact (recorder/redact.h): every record passes through it
	 * before the writer and on_record see it; the header says so.
	 * Not with CADET_PROBE_PCAP (payloads cannot be redacted).
	 */
	struct redact *redact;
	/*
	 * Where the engines' metadata (names, images, pods) is read from
	 * (recorder/engines.h); NULL: $DOCKER_HOST or /var/run/docker.sock,
	 * /run/containerd, /var/lib/containers/storage.
	 */
	const char *docker_host;
	const char *containerd_state;
	const char *podman_storage;
};

struct recorder;

struct recorder *recorder__new(const struct recorder_opts *opts);
/* Runs until duration elapses or recorder__stop(). 0 or -errno. */
int recorder__run(struct recorder *r);
void recorder__stop(struct recorder *r);
/* Thread-safe: queue a record (ts in trace clock) for the trace. */
int recorder__add_record(struct recorder *r, const struct cadet_rec *rec);
/* Thread-safe: the container's cgroup id once discovered, else 0. */
uint64_t recorder__cgroup_of(struct recorder *r, const char *container_id);
/* Thread-safe: ask for an immediate container rescan. */
void recorder__rescan(struct recorder *r);
/* Record the container with runtime id @id too, whatever opts.id_prefix
 * says (docker's ids are its own); before its cgroup exists. 0 or -errno. */
int recorder__want_id(struct recorder *r, const char *id);
/* Finishes the trace (index + seek table) and frees. NULL is fine. */
int recorder__free(struct recorder *r);

#endif
