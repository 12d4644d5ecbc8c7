/* SPDX-License-Identifier: MIT */
/*
 * Inside of a running workload, shared by workload.c (http, batch, log)
 * and workload_host.c (client, ops): the host-side load threads.
 */
#ifndef CADET_INJECTOR_WORKLOAD_INT_H
#define CADET_INJECTOR_WORKLOAD_INT_H

#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "injector/scenario.h"

struct container;

struct workload {
	struct scenario_workload wl;
	struct container *target;
	uint64_t seed;
	uint64_t duration_ms;
	char wrk[256];
	char netns[128];
	int verbose;

	/* http, client, ops: a host thread */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	pid_t child; /* running wrk or client (own process group) */

	/* batch, log */
	pid_t shell; /* host pid of the shell loop */

	unsigned int runs;
	uint64_t host_cpu_ns; /* user + system of the host-side clients */
	bool stopped;
};

/* Shared by the host-side threads (workload_host.c). */

/* A client's own process group, stdin (and without -vv output) null. */
void workload_spawn_attrs(posix_spawnattr_t *attr,
			  posix_spawn_file_actions_t *fa, int verbose);
/*
 * Wait for the client @pid, with w->lock held on entry and return (it
 * is dropped while waiting, so that workload__stop() can kill it); its
 * CPU time goes to w->host_cpu_ns. Returns the wait status.
 */
int workload_wait_child(struct workload *w, pid_t pid);
/*
 * Sleep @ms unless the workload is stopped first; w->lock held on entry
 * and return. True when stopping.
 */
bool workload_pause(struct workload *w, uint64_t ms);

/* Thread bodies for type = client and type = ops (workload_host.c). */
void *workload_client_thread(void *arg);
void *workload_ops_thread(void *arg);

#endif
