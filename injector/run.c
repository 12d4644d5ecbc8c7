// SPDX-License-Identifier: MIT
/*
 * cadet run: run labeled anomaly scenarios in real runc containers while
 * recording them.
 *
 * One run: validate, check the host, build or reuse the images, start the
 * recorder (a thread), create the containers (created, not started, so
 * the recorder knows their cgroups before their first instruction), start
 * them and the normal load, inject each anomaly at its seeded onset, then
 * tear everything down in reverse order and finish the trace. Every step
 * that can fail or be interrupted leads to the same teardown.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "injector/cleanup.h"
#include "injector/container.h"
#include "injector/host.h"
#include "injector/label.h"
#include "injector/preflight.h"
#include "injector/run_int.h"
#include "lib/util/fs.h"

/* How long the recorder may take to see a new container's cgroup. */
#define CGROUP_WAIT_MS 5000

/*
 * Container ids of one run share "cadet-<token>-" so that its recorder
 * takes only them, not other containers on the host.
 */
static void run_token(char *buf, size_t sz)
{
	unsigned int tok;

	if (getrandom(&tok, sizeof(tok), 0) != sizeof(tok))
		tok = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	snprintf(buf, sz, "cadet-%06x-", tok & 0xffffffu);
}

static void utc_stamp(char *buf, size_t sz)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%Y%m%dT%H%M%SZ", &tm);
}

static void *recorder_thread(void *arg)
{
	struct run *r = arg;

	r->rec_ret = recorder__run(r->rec);
	r->rec_done = true;
	return NULL;
}

static void run_teardown(struct run *r)
{
	const struct scenario *s = r->s;

	/* Payloads first: they are the one thing meant to misbehave. */
	for (size_t i = 0; i < s->nanomalies; i++) {
		struct timespec ts;

		if (!r->pl_started[i])
			continue;
		if (!r->pl[i].done)
			payload_kill_execd(r->pl[i].target);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (pthread_timedjoin_np(r->pl_thread[i], NULL, &ts)) {
			/* Destroying its container ends the exec. */
			container__destroy(r->ctr[r->plan.targets[i]]);
			pthread_join(r->pl_thread[i], NULL);
		}
		r->pl_started[i] = false;
	}
	/* Every payload thread has ended: its argv and env are ours again. */
	for (size_t i = 0; i < s->nanomalies; i++) {
		payload_argv_free(r->pl[i].argv);
		payload_argv_free(r->pl[i].env);
		r->pl[i].argv = r->pl[i].env = NULL;
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		workload__free(r->wl[i]);
		r->wl[i] = NULL;
	}
	if (r->opts->verbose)
		fprintf(stderr,
			"cadet run: load stopped; removing containers\n");
	if (r->opts->keep && *r->keepdir)
		for (size_t i = 0; i < s->ncontainers; i++) {
			char name[160];

			if (!r->ctr[i])
				continue;
			snprintf(name, sizeof(name), "%s.log",
				 s->containers[i].name);
			run_keep_file(container__output_path(r->ctr[i]),
				      r->keepdir, name);
		}
	for (size_t i = s->ncontainers; i-- > 0;) {
		container__free(r->ctr[i]);
		r->ctr[i] = NULL;
	}
	if (r->opts->verbose)
		fprintf(stderr,
			"cadet run: containers removed; finishing the trace\n");
	if (r->rec) {
		/* Let the recorder see the containers go before it stops. */
		if (r->rec_started && !r->rec_done) {
			recorder__rescan(r->rec);
			usleep(300000);
			recorder__stop(r->rec);
			pthread_join(r->rec_thread, NULL);
		} else if (r->rec_started) {
			pthread_join(r->rec_thread, NULL);
		}
		r->rec_started = false;
		recorder__free(r->rec);
		r->rec = NULL;
	}
	cleanup_arm_deadline(0);
}

static int wait_cgroups(struct run *r)
{
	const struct scenario *s = r->s;
	unsigned long long until =
		cleanup_now_ns() + CGROUP_WAIT_MS * NS_PER_MS;

	for (;;) {
		size_t seen = 0;

		for (size_t i = 0; i < s->ncontainers; i++) {
			if (!r->cgid[i])
				r->cgid[i] = recorder__cgroup_of(
					r->rec, container__id(r->ctr[i]));
			seen += r->cgid[i] != 0;
		}
		if (seen == s->ncontainers)
			return 0;
		if (r->rec_done) {
			fprintf(stderr,
				"cadet run: the recorder stopped early (%s)\n",
				strerror(-r->rec_ret));
			return -EIO;
		}
		if (cleanup_now_ns() >= until) {
			for (size_t i = 0; i < s->ncontainers; i++)
				if (!r->cgid[i])
					fprintf(stderr,
						"cadet run: the recorder did not see container %s (%s, cgroup %s) within %d ms\n",
						s->containers[i].name,
						container__id(r->ctr[i]),
						container__cgroup_path(
							r->ctr[i]),
						CGROUP_WAIT_MS);
			return -ETIMEDOUT;
		}
		recorder__rescan(r->rec);
		if (cleanup_sleep_until(cleanup_now_ns() + 50 * NS_PER_MS))
			return -EINTR;
	}
}

/* --keep: the directory beside the trace ("<trace stem>.d"). */
static void make_keepdir(struct run *r)
{
	snprintf(r->keepdir, sizeof(r->keepdir), "%.*s.d",
		 (int)(strlen(r->trace) - strlen(".cadet")), r->trace);
	if (util_mkdir_p(r->keepdir))
		r->keepdir[0] = '\0';
}

static int start_recorder(struct run *r)
{
	const struct run_opts *a = r->opts;
	struct recorder_opts ro = {.sz = sizeof(ro)};
	int err;

	ro.output = r->trace;
	ro.probes = CADET_PROBES_DEFAULT |
		    (a->syscall_seq ? CADET_PROBE_SYSCALL_SEQ : 0);
	ro.seq_exclude = a->seq_exclude;
	ro.interval_ns = NS_PER_S;
	ro.cmdline = r->cmdline;
	ro.id_prefix = r->id_prefix;
	ro.verbose = a->verbose > 1;
	ro.redact = a->redact;
	r->rec = recorder__new(&ro);
	if (!r->rec) {
		err = -errno;
		fprintf(stderr, "cadet run: cannot start the recorder: %s\n",
			strerror(errno));
		return err;
	}
	cleanup_block_signals(true);
	err = -pthread_create(&r->rec_thread, NULL, recorder_thread, r);
	cleanup_block_signals(false);
	if (err) {
		fprintf(stderr,
			"cadet run: cannot start the recorder thread: %s\n",
			strerror(-err));
		return err;
	}
	r->rec_started = true;
	return 0;
}

/* Docker names its containers itself: the recorder is told their ids. */
static void want_container(const char *id, void *ctx)
{
	struct run *r = ctx;

	if (recorder__want_id(r->rec, id))
		fprintf(stderr, "cadet run: cannot record container %s\n", id);
}

static const char *run_launcher(const struct run *r)
{
	if (r->opts->launcher)
		return r->opts->launcher;
	return r->s->launcher ? r->s->launcher : "runc";
}

/* Create all containers: their cgroups exist, nothing runs yet. */
static int create_containers(struct run *r)
{
	const struct run_opts *a = r->opts;
	const struct scenario *s = r->s;
	struct container_mount mount = {0};
	char ann_scn[128], ann_seed[64], ann_run[64];
	const char *annotations[] = {ann_scn, ann_seed, ann_run, NULL};

	snprintf(ann_scn, sizeof(ann_scn), "cadet.scenario=%s", s->run_name);
	snprintf(ann_seed, sizeof(ann_seed), "cadet.seed=%" PRIu64,
		 r->plan.seed);
	snprintf(ann_run, sizeof(ann_run), "cadet.run=%u", r->rep);
	mount.source = r->payload_dir;
	mount.dest = PAYLOAD_DIR_IN_CONTAINER;
	mount.readonly = 1;
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct scenario_container *c = &s->containers[i];
		const char *argv[] = {"/bin/sh", "-c", c->command, NULL};
		struct container_opts co = {
			.sz = sizeof(co),
			.name = c->name,
			.id_prefix = r->id_prefix,
			.rootfs = r->rootfs[i],
			.argv = argv,
			.memory_max = c->memory,
			.cpus = c->cpus,
			.pids_max = c->pids,
			.net = CONTAINER_NET_LOOPBACK,
			.mounts = host_is_dir(r->payload_dir) ? &mount : NULL,
			.mount_cnt = host_is_dir(r->payload_dir) ? 1 : 0,
			.annotations = annotations,
			.verbose = a->verbose > 1,
			.launcher = run_launcher(r),
			.on_id = want_container,
			.on_id_ctx = r,
		};

		if (cleanup_stop_requested())
			return -EINTR;
		r->ctr[i] = container__create(&co);
		if (!r->ctr[i]) {
			int err = -errno;

			fprintf(stderr,
				"cadet run: cannot create container %s: %s\n",
				c->name, strerror(errno));
			return err;
		}
		if (a->verbose)
			fprintf(stderr, "cadet run: created %s (%s, %s)\n",
				c->name, container__id(r->ctr[i]),
				container__cgroup_path(r->ctr[i]));
	}
	return 0;
}

/* Once the recorder knows every cgroup: start all, the run's t0. */
static int start_containers(struct run *r)
{
	const struct scenario *s = r->s;
	int err;

	recorder__rescan(r->rec);
	err = wait_cgroups(r);
	if (err)
		return err;
	for (size_t i = 0; i < s->ncontainers; i++) {
		err = container__start(r->ctr[i]);
		if (err) {
			fprintf(stderr,
				"cadet run: cannot start container %s: %s\n",
				s->containers[i].name, strerror(-err));
			return err;
		}
	}
	r->t0 = cleanup_now_ns();
	if (r->opts->verbose)
		fprintf(stderr,
			"cadet run: %zu container(s) running; recording to %s\n",
			s->ncontainers, r->trace);
	return 0;
}

static int start_workloads(struct run *r)
{
	const struct run_opts *a = r->opts;
	const struct scenario *s = r->s;

	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct scenario_workload *w = &s->workloads[i];
		struct workload_opts wo = {
			.sz = sizeof(wo),
			.wl = w,
			.target = r->ctr[w->target],
			.seed = r->plan.workload_seed[i],
			.duration_ms = r->plan.duration_ms,
			.verbose = a->verbose > 1,
		};

		cleanup_block_signals(true);
		r->wl[i] = workload__start(&wo);
		cleanup_block_signals(false);
		if (!r->wl[i])
			return -errno;
		if (a->keep && *r->keepdir && w->type != SCENARIO_WL_HTTP) {
			char *script =
				workload_script(w, wo.seed, wo.duration_ms);
			char name[160];

			snprintf(name, sizeof(name), "workload-%s.sh", w->name);
			if (script)
				run_keep_text(r->keepdir, name, script);
			free(script);
		}
	}
	return 0;
}

/* At its seeded onset: anomaly @i's payload starts in its own thread. */
static int inject_anomaly(struct run *r, size_t i)
{
	const struct scenario *s = r->s;
	const struct scenario_anomaly *an = &s->anomalies[i];
	struct payload_run *pl = &r->pl[i];
	size_t target = r->plan.targets[i];
	int err;

	err = cleanup_sleep_until(r->t0 + r->plan.onsets_ms[i] * NS_PER_MS);
	if (err)
		return err;
	pl->target = r->ctr[target];
	pl->timeout_ms =
		r->plan.durations_ms[i] + SCENARIO_PAYLOAD_GRACE_S * 1000;
	err = payload_argv(an, r->plan.durations_ms[i], r->payload_dir,
			   &pl->argv, true);
	if (!err)
		err = payload_env(an, r->plan.durations_ms[i], r->plan.seed,
				  &pl->env);
	if (err)
		return err;
	if (r->opts->verbose) {
		fprintf(stderr, "cadet run: %.3f s: injecting in %s: ",
			(cleanup_now_ns() - r->t0) / 1e9,
			s->containers[target].name);
		payload_env_print(stderr, pl->env);
		payload_argv_print(stderr, pl->argv);
		fputc('\n', stderr);
	}
	cleanup_block_signals(true);
	err = -pthread_create(&r->pl_thread[i], NULL, payload_thread, pl);
	cleanup_block_signals(false);
	if (err)
		return err;
	r->pl_started[i] = true;
	return 0;
}

/* Every anomaly, in the order of their onsets (a fleet has several). */
static int inject_anomalies(struct run *r)
{
	const struct scenario *s = r->s;
	bool done[SCENARIO_MAX_ANOMALIES] = {0};

	for (size_t n = 0; n < s->nanomalies; n++) {
		size_t next = s->nanomalies;
		int err;

		for (size_t j = 0; j < s->nanomalies; j++)
			if (!done[j] &&
			    (next == s->nanomalies ||
			     r->plan.onsets_ms[j] < r->plan.onsets_ms[next]))
				next = j;
		done[next] = true;
		err = inject_anomaly(r, next);
		if (err)
			return err;
	}
	return 0;
}

/* Stop payload @i now so that its window ends where it ended. */
static void stop_payload(struct run *r, size_t i, int err)
{
	struct payload_run *pl = &r->pl[i];
	struct timespec ts;

	if (!pl->done) {
		int k = payload_kill_execd(pl->target);

		if (!err)
			fprintf(stderr,
				"cadet run: %s still running at the end of the run: killed%s\n",
				r->s->anomalies[i].type,
				k > 0 ? "" : " (found no process)");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	if (!pthread_timedjoin_np(r->pl_thread[i], NULL, &ts))
		r->pl_started[i] = false;
	else
		pl->t_end = cleanup_now_ns();
}

/*
 * Stop anomaly @i's payload if it still runs and label its window.
 * Returns 0 or the payload's failure to start (then no label: nothing
 * was injected, a label would be a lie).
 */
static int finish_anomaly(struct run *r, size_t i, int err)
{
	const struct scenario *s = r->s;
	const struct scenario_anomaly *an = &s->anomalies[i];
	size_t target = r->plan.targets[i];
	struct payload_run *pl = &r->pl[i];
	struct run_label l = {.anomaly = an};

	if (r->pl_started[i])
		stop_payload(r, i, err);
	if (pl->done && pl->status < 0) {
		fprintf(stderr,
			"cadet run: could not start the %s payload in %s: %s; no LABEL written\n",
			an->type, s->containers[target].name,
			strerror(-pl->status));
		return pl->status;
	}
	if (!pl->t_start)
		return 0;
	payload_window(pl, &r->win_start[i], &r->win_end[i],
		       &r->from_payload[i]);
	l.cgroup_id = r->cgid[target];
	l.target = s->containers[target].name;
	l.start = r->win_start[i];
	l.end = r->win_end[i];
	label_add(r->rec, s, r->plan.seed, &l);
	return 0;
}

/*
 * The end of the recorded run, whatever ended it: stop the payloads and
 * label what happened, one LABEL per anomaly. Returns @err, or the
 * first payload's failure to start.
 */
static int finish_run(struct run *r, int err)
{
	const struct scenario *s = r->s;
	bool anomaly = s->anomaly && !r->opts->normal;

	r->t_stop = cleanup_now_ns();
	for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
		int ret = finish_anomaly(r, i, err);

		if (ret && !err)
			err = ret;
	}
	if (!anomaly && r->t0) {
		struct run_label l = {.start = r->t0, .end = r->t_stop};

		label_add(r->rec, s, r->plan.seed, &l);
	}
	return err;
}

/* --keep: each payload's output, payload-NAME.out in a fleet. */
static void keep_payload_output(struct run *r)
{
	const struct scenario *s = r->s;

	for (size_t i = 0; i < s->nanomalies; i++) {
		char name[160];

		if (!r->pl[i].out)
			continue;
		if (s->nanomalies > 1)
			snprintf(name, sizeof(name), "payload-%s.out",
				 s->anomalies[i].name);
		else
			snprintf(name, sizeof(name), "payload.out");
		run_keep_text(r->keepdir, name, r->pl[i].out);
	}
}

static int run_one(struct run *r)
{
	const struct run_opts *a = r->opts;
	const struct scenario *s = r->s;
	int err;

	r->t_begin = cleanup_now_ns();
	/* The hard deadline bounds everything from here on. */
	cleanup_arm_deadline(s->duration + SCENARIO_DEADLINE_SLACK_S);
	if (a->keep)
		make_keepdir(r);
	err = start_recorder(r);
	if (!err)
		err = create_containers(r);
	if (!err)
		err = start_containers(r);
	if (!err)
		err = start_workloads(r);
	if (!err && s->anomaly && !a->normal)
		err = inject_anomalies(r);
	if (!err)
		err = cleanup_sleep_until(r->t0 +
					  r->plan.duration_ms * NS_PER_MS);
	if (r->rec && r->rec_started && !r->rec_done)
		err = finish_run(r, err);
	run_teardown(r);
	if (a->keep && *r->keepdir)
		keep_payload_output(r);
	if (!host_is_file(r->trace, false)) {
		fprintf(stderr, "cadet run: %s: no trace written\n", s->run_name);
		return err ? err : -EIO;
	}
	run_print_summary(r, err);
	return err;
}

/* Once per series, not for --dry-run: the host, stop handling, output. */
static int prepare_host(const struct run_opts *o)
{
	int err;

	if (run_preflight())
		return -EPERM;
	err = cleanup_install();
	if (err)
		return err;
	err = util_mkdir_p(o->outdir);
	if (err) {
		fprintf(stderr, "cadet run: cannot create %s: %s\n", o->outdir,
			strerror(-err));
		return err;
	}
	err = container__cleanup_stale(NULL);
	if (err > 0)
		fprintf(stderr,
			"cadet run: removed %d container(s) left by an earlier run\n",
			err);
	return 0;
}

/* The trace's name, the run's container ids and images. */
static int plan_run(struct run *r, uint64_t seed)
{
	const struct run_opts *o = r->opts;
	const struct scenario *s = r->s;
	char stamp[32];
	int err = 0;

	/* Run k of a series uses seed base+k: rerunning one is
	 * `--seed base+k`. */
	scenario__plan(s, seed, &r->plan);
	utc_stamp(stamp, sizeof(stamp));
	run_token(r->id_prefix, sizeof(r->id_prefix));
	snprintf(r->trace, sizeof(r->trace),
		 "%s/%s%s-s%" PRIu64 "-r%u-%s.cadet", o->outdir, s->run_name,
		 o->normal ? "-normal" : "", r->plan.seed, r->rep, stamp);
	for (size_t c = 0; c < s->ncontainers && !err; c++) {
		if (o->rootfs)
			snprintf(r->rootfs[c], PATH_MAX, "%s", o->rootfs);
		else
			err = host_rootfs_for(s->containers[c].packages,
					      o->dry_run, r->rootfs[c],
					      PATH_MAX);
	}
	return err;
}

int run_series(const struct run_opts *o, struct scenario *const *scns, size_t n,
	       const char *cmdline)
{
	char payload_buf[PATH_MAX];
	const char *payload_dir;
	unsigned int failed = 0, done = 0, total;
	int ret = 0, err;

	payload_dir = host_payload_dir(o->payload_dir, payload_buf,
				       sizeof(payload_buf));
	for (size_t i = 0; i < n; i++)
		if (run_check_scenario(scns[i], o->normal, payload_dir))
			ret = 2;
	if (ret)
		return ret;
	if (!o->dry_run && prepare_host(o))
		return 1;
	total = 0;
	for (size_t k = 0; k < n * o->repeat; k++)
		total += shard_owns(&o->shard, k);
	for (size_t i = 0; i < n && !cleanup_stop_requested(); i++) {
		struct scenario *s = scns[i];
		uint64_t base = o->seed_set ? o->seed : s->seed;

		for (unsigned int rep = 0; rep < o->repeat; rep++) {
			struct run r = {.opts = o,
					.s = s,
					.rep = rep,
					.payload_dir = payload_dir,
					.cmdline = cmdline};

			if (cleanup_stop_requested())
				break;
			if (!shard_owns(&o->shard, i * o->repeat + rep))
				continue;
			err = plan_run(&r, base + rep);
			if (o->dry_run) {
				run_print_plan(&r, stdout);
				if (err)
					ret = 1;
				continue;
			}
			if (o->verbose)
				run_print_plan(&r, stderr);
			else
				fprintf(stderr,
					"cadet run: [%u/%u] %s seed %" PRIu64
					", %u s%s\n",
					done + 1, total, s->run_name, r.plan.seed,
					s->duration,
					s->anomaly && !o->normal ? ""
								 : ", normal");
			if (!err)
				err = run_one(&r);
			done++;
			if (err && !cleanup_stop_requested()) {
				fprintf(stderr,
					"cadet run: %s seed %" PRIu64
					" failed\n",
					s->run_name, r.plan.seed);
				failed++;
			}
		}
	}
	if (cleanup_reason() == CLEANUP_DEADLINE) {
		fprintf(stderr,
			"cadet run: stopped by the hard deadline (duration + %d s)\n",
			SCENARIO_DEADLINE_SLACK_S);
		ret = 1;
	} else if (failed) {
		fprintf(stderr, "cadet run: %u of %u run(s) failed\n", failed,
			done);
		ret = 1;
	}
	return ret;
}
