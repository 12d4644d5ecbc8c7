// SPDX-License-Identifier: MIT
/*
 * Normal load generators. The http client runs on the host (its cost is
 * not the container's), entering the target's network namespace with
 * nsenter so that 127.0.0.1 is the container's loopback; a thread runs
 * its bursts. Batch and log loads are shell loops inside the target,
 * started detached with container__exec(); their schedules are written
 * into the script, so the container runs no random number generator.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "injector/cleanup.h"
#include "injector/container.h"
#include "injector/workload.h"
#include "injector/workload_int.h"

/* Longest schedule written into a script; longer runs repeat it. */
#define MAX_STEPS 1500
#define LOG_FILE "/var/log/cadet-app.log"

extern char **environ;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Append to a growing string; on failure the string is freed. */
static int sappend(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int sappend(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return 0;
		}
		char *nb = realloc(*buf, *cap * 2 + (size_t)n + 256);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = *cap * 2 + (size_t)n + 256;
	}
}

/* Jitter factor in [1 - j, 1 + j]. */
static double jitter(struct scenario_rng *r, double j)
{
	return 1.0 - j + 2.0 * j * scenario_rng_double(r);
}

char *workload_script(const struct scenario_workload *wl, uint64_t seed,
		      uint64_t duration_ms)
{
	struct scenario_rng rng;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	uint64_t t = 0;
	unsigned int steps = 0, repeat;
	int err = 0;

	if (wl->type != SCENARIO_WL_BATCH && wl->type != SCENARIO_WL_LOG) {
		errno = EINVAL;
		return NULL;
	}
	scenario_rng_seed(&rng, seed);
	if (wl->type == SCENARIO_WL_BATCH) {
		/* Each job: a file of about `size` bytes (64 KiB blocks, so
		 * that a job is tens of syscalls, not hundreds: the syscall
		 * streams of the dataset stay small), compressed and hashed,
		 * then a jittered pause of about `period`. */
		err = sappend(&buf, &len, &cap,
			      "cd /tmp 2>/dev/null || cd /\n"
			      "f=.cadet-batch.$$\n"
			      "trap 'rm -f $f $f.gz' EXIT\n"
			      "run() {\n"
			      "for j in");
		while (!err && t < duration_ms && steps < MAX_STEPS) {
			uint64_t sz = (uint64_t)(wl->size * jitter(&rng, 0.5));
			double p = wl->period * jitter(&rng, 0.3);

			err = sappend(&buf, &len, &cap, " %llu:%.2f",
				      (unsigned long long)(sz ? sz : 1), p);
			t += (uint64_t)(p * 1000);
			steps++;
		}
		if (!err)
			err = sappend(&buf, &len, &cap,
				      "; do\n"
				      "\tdd if=/dev/urandom of=$f bs=64k"
				      " count=$(( (${j%%:*} + 65535) / 65536 ))"
				      " status=none\n"
				      "\tgzip -c $f >$f.gz\n"
				      "\tsha256sum $f.gz >/dev/null\n"
				      "\trm -f $f $f.gz\n"
				      "\tsleep ${j#*:}\n"
				      "done\n}\n");
	} else {
		/* Per period: about rate x period lines, one timestamp. */
		err = sappend(&buf, &len, &cap,
			      "mkdir -p /var/log\n"
			      "L=" LOG_FILE "\n"
			      "i=0\n"
			      "run() {\n"
			      "for j in");
		while (!err && t < duration_ms && steps < MAX_STEPS) {
			double p = wl->period * jitter(&rng, 0.3);
			double n = wl->rate * p * jitter(&rng, 0.5);

			err = sappend(&buf, &len, &cap, " %u:%.2f",
				      (unsigned int)(n + 0.5), p);
			t += (uint64_t)(p * 1000);
			steps++;
		}
		if (!err)
			err = sappend(
				&buf, &len, &cap,
				"; do\n"
				"\tn=${j%%:*}; t=$(date +%%Y-%%m-%%dT%%H:%%M:%%S)\n"
				"\twhile [ $n -gt 0 ]; do\n"
				"\t\ti=$((i + 1)); n=$((n - 1))\n"
				"\t\tprintf '%%s app[%%d]: GET /item/%%d status=%%d bytes=%%d\\n' "
				"$t $$ $((i %% 997)) $(( i %% 23 == 0 ? 404 : 200 )) $(( (i * 7919) %% 40000 ))\n"
				"\tdone >>$L\n"
				"\t[ $((i %% 50000)) -lt 200 ] && [ $i -gt 200 ] && mv -f $L $L.1\n"
				"\tsleep ${j#*:}\n"
				"done\n}\n");
	}
	/* A schedule cut at MAX_STEPS repeats until the duration is over. */
	repeat = t ? (unsigned int)((duration_ms + t - 1) / t) : 1;
	if (!err)
		err = sappend(
			&buf, &len, &cap,
			"k=0\nwhile [ $k -lt %u ]; do run; k=$((k + 1)); done\n",
			repeat ? repeat : 1);
	if (err) {
		free(buf);
		errno = -err;
		return NULL;
	}
	return buf;
}

static void *http_thread(void *arg)
{
	struct workload *w = arg;
	struct scenario_rng rng;
	uint64_t deadline = now_ms() + w->duration_ms;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;

	scenario_rng_seed(&rng, w->seed);
	workload_spawn_attrs(&attr, &fa, w->verbose);

	for (;;) {
		uint64_t now = now_ms(), burst_ms, pause_ms;
		char net[160], conns[16], threads[16], dur[24], url[64];
		char *argv[] = {"nsenter",   net,  "--",    w->wrk, "-c",
				conns,	     "-t", threads, "-d",   dur,
				"--timeout", "2s", url,	    NULL};
		pid_t pid;
		int status;

		if (now + 1000 > deadline)
			break;
		burst_ms = scenario_rng_range(&rng, 1, w->wl.burst_s) * 1000;
		if (burst_ms > deadline - now)
			burst_ms = (deadline - now) / 1000 * 1000;
		pause_ms = scenario_rng_range(&rng, 300,
					      500 + 1000ull * w->wl.burst_s);
		snprintf(net, sizeof(net), "--net=%s", w->netns);
		snprintf(conns, sizeof(conns), "%u", w->wl.connections);
		snprintf(threads, sizeof(threads), "%u", w->wl.threads);
		snprintf(dur, sizeof(dur), "%llus",
			 (unsigned long long)(burst_ms / 1000));
		snprintf(url, sizeof(url), "http://127.0.0.1:%u/", w->wl.port);

		pthread_mutex_lock(&w->lock);
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		if (posix_spawnp(&pid, "nsenter", &fa, &attr, argv, environ)) {
			pthread_mutex_unlock(&w->lock);
			fprintf(stderr,
				"cadet run: workload %s: cannot start nsenter/wrk: %s\n",
				w->wl.name, strerror(errno));
			break;
		}
		status = workload_wait_child(w, pid);
		if (w->verbose)
			fprintf(stderr,
				"cadet run: workload %s: wrk burst %llu s, exit %d, pause %llu ms\n",
				w->wl.name, (unsigned long long)burst_ms / 1000,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				(unsigned long long)pause_ms);
		if (workload_pause(w, pause_ms)) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pthread_mutex_unlock(&w->lock);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return NULL;
}

struct workload *workload__start(const struct workload_opts *opts)
{
	struct workload *w;
	pthread_condattr_t ca;
	char *script = NULL;
	int err = 0;

	if (!opts || opts->sz < sizeof(size_t) || !opts->wl || !opts->target) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->wl = *opts->wl;
	w->target = opts->target;
	w->seed = opts->seed;
	w->duration_ms = opts->duration_ms;
	w->verbose = opts->verbose;
	snprintf(w->wrk, sizeof(w->wrk), "%s", opts->wrk ? opts->wrk : "wrk");
	pthread_mutex_init(&w->lock, NULL);
	/* Pauses are measured on the monotonic clock, like the run. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);

	if (w->wl.type == SCENARIO_WL_HTTP || w->wl.type == SCENARIO_WL_CLIENT ||
	    w->wl.type == SCENARIO_WL_OPS) {
		const char *ns = container__netns_path(w->target);
		void *(*body)(void *) = http_thread;

		if (!ns || !*ns) {
			err = ENOENT;
			fprintf(stderr,
				"cadet run: workload %s: container %s has no network namespace (not started?)\n",
				w->wl.name, container__name(w->target));
			goto cleanup;
		}
		snprintf(w->netns, sizeof(w->netns), "%s", ns);
		if (w->wl.type == SCENARIO_WL_CLIENT)
			body = workload_client_thread;
		else if (w->wl.type == SCENARIO_WL_OPS)
			body = workload_ops_thread;
		err = pthread_create(&w->thread, NULL, body, w);
		if (err) {
			fprintf(stderr,
				"cadet run: workload %s: cannot start its thread: %s\n",
				w->wl.name, strerror(err));
			goto cleanup;
		}
		w->thread_started = true;
	} else {
		const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
		struct container_exec_opts eo = {
			.sz = sizeof(eo), .detach = 1, .pid = &w->shell};
		int ret;

		script = workload_script(&w->wl, w->seed, w->duration_ms);
		if (!script) {
			err = errno;
			goto cleanup;
		}
		argv[2] = script;
		ret = container__exec(w->target, argv, &eo);
		if (ret < 0) {
			err = -ret;
			fprintf(stderr,
				"cadet run: workload %s: cannot start its loop in %s: %s\n",
				w->wl.name, container__name(w->target),
				strerror(err));
			goto cleanup;
		}
		w->runs = 1;
	}
cleanup:
	free(script);
	if (err) {
		workload__free(w);
		errno = err;
		return NULL;
	}
	return w;
}

int workload__stop(struct workload *w)
{
	if (!w || w->stopped)
		return 0;
	w->stopped = true;
	if (w->thread_started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		if (w->child > 0)
			kill(-w->child, SIGKILL);
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->thread_started = false;
		/* What the host paid for this load (wrk, clients): -vv. */
		if (w->verbose && w->wl.type != SCENARIO_WL_OPS)
			fprintf(stderr,
				"cadet run: workload %s: %u runs, %.2f s of host CPU\n",
				w->wl.name, w->runs, w->host_cpu_ns / 1e9);
	}
	if (w->shell > 0) {
		/* Its current sleep or job ends on its own within a period;
		 * destroying the container takes the rest. */
		kill(w->shell, SIGKILL);
		w->shell = 0;
	}
	return 0;
}

void workload__free(struct workload *w)
{
	if (!w)
		return;
	workload__stop(w);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

unsigned int workload__runs(const struct workload *w)
{
	return w ? w->runs : 0;
}
