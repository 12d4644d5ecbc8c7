// SPDX-License-Identifier: MIT
/*
 * Host-side load threads for application profiles.
 *
 * client: the profile's own load generator (redis-benchmark, pgbench,
 * curl, ...) runs on the host inside the target's network namespace, as
 * wrk does for http, in bursts. Each burst gets a request rate drawn
 * from the seed: the run's level (0.7..1.3 of `rate`, so runs differ)
 * times a per-burst factor (0.5..1.5, so a run varies), and with chance
 * `surge` a legitimate surge of 2..3x for 10..20 s. The command reads
 * the burst from its environment: CADET_RATE (requests/s, >= 1),
 * CADET_SECONDS, CADET_REQUESTS (rate x seconds), CADET_SEED. A burst is
 * killed 5 s after its length at the latest.
 *
 * ops: benign operator actions (health checks, reloads, log rotation,
 * cron jobs, restarts, archive unpacks) run with `runc exec` in the
 * target, as a container engine runs health checks: one at a time, the
 * action and the pause before it (exponential around `period`, kept in
 * 0.2..3 periods) drawn from the seed. They are normal behaviour: no
 * label marks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "injector/cleanup.h"
#include "injector/container.h"
#include "injector/workload_int.h"

/* Longest wait for one ops action before it is killed. */
#define OPS_ACTION_TIMEOUT_MS 10000
/* A client burst still running this long after its length is killed. */
#define CLIENT_GRACE_S 5

extern char **environ;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool workload_pause(struct workload *w, uint64_t ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (!w->stopping &&
	       pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
		;
	return w->stopping;
}

/* One burst's parameters, drawn from the schedule's generator. */
struct burst {
	unsigned int seconds;
	unsigned int rate;
	uint64_t seed;
	bool surge;
};

static void draw_burst(const struct scenario_workload *wl,
		       struct scenario_rng *rng, double level, struct burst *b)
{
	double f = 0.5 + scenario_rng_double(rng);

	b->surge = scenario_rng_double(rng) < wl->surge;
	if (b->surge) {
		f = 2.0 + scenario_rng_double(rng);
		b->seconds = (unsigned int)scenario_rng_range(rng, 10, 20);
	} else {
		b->seconds =
			(unsigned int)scenario_rng_range(rng, 1, wl->burst_s);
	}
	b->rate = (unsigned int)(wl->rate * level * f + 0.5);
	if (b->rate < 1)
		b->rate = 1;
	b->seed = scenario_rng_next(rng);
}

/* environ plus the burst's CADET_* variables; freed with free(). */
static char **burst_env(const struct burst *b, char store[4][64])
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 5, sizeof(*env));
	if (!env)
		return NULL;
	memcpy(env, environ, n * sizeof(*env));
	snprintf(store[0], 64, "CADET_RATE=%u", b->rate);
	snprintf(store[1], 64, "CADET_SECONDS=%u", b->seconds);
	snprintf(store[2], 64, "CADET_REQUESTS=%llu",
		 (unsigned long long)b->rate * b->seconds);
	snprintf(store[3], 64, "CADET_SEED=%llu", (unsigned long long)b->seed);
	for (int i = 0; i < 4; i++)
		env[n + (size_t)i] = store[i];
	return env;
}

void workload_spawn_attrs(posix_spawnattr_t *attr,
			  posix_spawn_file_actions_t *fa, int verbose)
{
	sigset_t none, def;

	posix_spawnattr_init(attr);
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
					       POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(attr, &none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(attr, &def);
	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (!verbose) {
		posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY,
						 0);
		posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY,
						 0);
	}
}

int workload_wait_child(struct workload *w, pid_t pid)
{
	struct rusage ru;
	int status = -1;

	w->child = pid;
	w->runs++;
	/* An emergency exit of the runner kills it too. */
	cleanup_register_pgid(pid);
	pthread_mutex_unlock(&w->lock);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	cleanup_unregister_pgid(pid);
	pthread_mutex_lock(&w->lock);
	w->child = 0;
	w->host_cpu_ns +=
		(uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			1000000000ull +
		(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	return status;
}

void *workload_client_thread(void *arg)
{
	struct workload *w = arg;
	struct scenario_rng rng;
	uint64_t deadline = mono_ms() + w->duration_ms;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	double level;

	scenario_rng_seed(&rng, w->seed);
	level = 0.7 + 0.6 * scenario_rng_double(&rng);
	workload_spawn_attrs(&attr, &fa, w->verbose);
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		uint64_t now = mono_ms(), pause_ms;
		char net[160], limit[32], store[4][64], **env;
		char *argv[] = {"timeout", "-s",    "KILL", limit,
				"nsenter", net,	    "--",   "/bin/sh",
				"-c",	   w->wl.command, NULL};
		struct burst b;
		pid_t pid;
		int status = -1;

		if (now + 1000 > deadline)
			break;
		draw_burst(&w->wl, &rng, level, &b);
		if ((uint64_t)b.seconds * 1000 > deadline - now)
			b.seconds = (unsigned int)((deadline - now) / 1000);
		pause_ms = scenario_rng_range(&rng, 300,
					      500 + 1000ull * w->wl.burst_s);
		snprintf(net, sizeof(net), "--net=%s", w->netns);
		snprintf(limit, sizeof(limit), "%us",
			 b.seconds + CLIENT_GRACE_S);
		env = burst_env(&b, store);
		if (!env || posix_spawnp(&pid, "timeout", &fa, &attr, argv,
					 env)) {
			fprintf(stderr,
				"cadet run: workload %s: cannot start its client: %s\n",
				w->wl.name, strerror(env ? errno : ENOMEM));
			free(env);
			break;
		}
		free(env);
		status = workload_wait_child(w, pid);
		if (w->verbose)
			fprintf(stderr,
				"cadet run: workload %s: %u s at %u/s%s, exit %d, pause %llu ms\n",
				w->wl.name, b.seconds, b.rate,
				b.surge ? " (surge)" : "",
				WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				(unsigned long long)pause_ms);
		if (workload_pause(w, pause_ms))
			break;
	}
	pthread_mutex_unlock(&w->lock);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return NULL;
}

void *workload_ops_thread(void *arg)
{
	struct workload *w = arg;
	struct scenario_rng rng;
	uint64_t start = mono_ms();

	scenario_rng_seed(&rng, w->seed);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Exponential pauses: actions come at random, not on a beat. */
		double u = scenario_rng_double(&rng);
		double p = -log(1.0 - u) * w->wl.period;
		const struct scenario_param *act;
		const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
		struct container_exec_opts eo = {
			.sz = sizeof(eo), .timeout_ms = OPS_ACTION_TIMEOUT_MS};
		int status;

		if (p < 0.2 * w->wl.period)
			p = 0.2 * w->wl.period;
		if (p > 3 * w->wl.period)
			p = 3 * w->wl.period;
		act = &w->wl.actions[scenario_rng_range(&rng, 0,
							w->wl.nactions - 1)];
		if (mono_ms() + (uint64_t)(p * 1000) + 1000 >
		    start + w->duration_ms)
			break;
		if (workload_pause(w, (uint64_t)(p * 1000)))
			break;
		w->runs++;
		pthread_mutex_unlock(&w->lock);
		argv[2] = act->value;
		status = container__exec(w->target, argv, &eo);
		if (w->verbose)
			fprintf(stderr,
				"cadet run: workload %s: %s in %s, status %d\n",
				w->wl.name, act->key,
				container__name(w->target), status);
		pthread_mutex_lock(&w->lock);
		if (w->stopping)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}
