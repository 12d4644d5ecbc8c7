// SPDX-License-Identifier: MIT
/* What a run prints and keeps (injector/run_int.h). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cadet/trace.h"
#include "injector/cleanup.h"
#include "injector/host.h"
#include "injector/run_int.h"
#include "lib/util/fs.h"

static void print_size(char *buf, size_t sz, uint64_t v)
{
	if (v >= (1ull << 30) && !(v & ((1ull << 30) - 1)))
		snprintf(buf, sz, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= (1ull << 20) && !(v & ((1ull << 20) - 1)))
		snprintf(buf, sz, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= 1024 && !(v & 1023))
		snprintf(buf, sz, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, sz, "%llu", (unsigned long long)v);
}

void run_keep_file(const char *src, const char *dir, const char *name)
{
	char dst[PATH_MAX], buf[65536];
	int in, out;
	ssize_t n;

	if (!src)
		return;
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return;
	out = util_create_data(dst, O_TRUNC);
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		close(out);
	}
	close(in);
}

void run_keep_text(const char *dir, const char *name, const char *text)
{
	char dst[PATH_MAX];
	FILE *f;

	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	f = util_fopen_data(dst, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Counts from the finished trace: its index holds records and drops. */
static void trace_counts(const char *path, uint64_t *records, uint64_t *lost,
			 uint64_t *bytes, bool *ok)
{
	struct cadet_reader *rd = cadet_reader__open(path, NULL);
	struct stat st;

	*records = *lost = *bytes = 0;
	*ok = rd != NULL;
	if (!stat(path, &st))
		*bytes = (uint64_t)st.st_size;
	if (!rd)
		return;
	for (size_t i = 0; i < cadet_reader__chunk_cnt(rd); i++) {
		const struct cadet_chunk_info *c = cadet_reader__chunk(rd, i);

		*records += c->records;
		*lost += c->lost;
	}
	cadet_reader__free(rd);
}

void run_print_plan(const struct run *r, FILE *f)
{
	const struct scenario *s = r->s;
	char mem[32];

	fprintf(f, "%s: seed %" PRIu64 ", run %u -> %s\n", s->path,
		r->plan.seed, r->rep, r->trace);
	fprintf(f, "  %s (%s): %s\n", s->run_name,
		scenario_category_name(s->category), s->description);
	fprintf(f, "  duration %u s (hard deadline %u s)\n", s->duration,
		s->duration + SCENARIO_DEADLINE_SLACK_S);
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct scenario_container *c = &s->containers[i];

		char marker[PATH_MAX + 16];
		bool built;

		snprintf(marker, sizeof(marker), "%s/.cadet-rootfs",
			 r->rootfs[i]);
		built = r->opts->rootfs || host_is_file(marker, false);
		print_size(mem, sizeof(mem), c->memory);
		fprintf(f,
			"  container %s: memory %s, cpus %g, pids %" PRId64
			", image %s%s%s%s\n    command: %s\n",
			c->name, mem, c->cpus, c->pids, r->rootfs[i],
			c->packages ? " +" : "", c->packages ? c->packages : "",
			built ? ""
			      : " (not built yet: the run builds it once, about a minute)",
			c->command);
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct scenario_workload *w = &s->workloads[i];
		const char *t = s->containers[w->target].name;

		if (w->type == SCENARIO_WL_HTTP)
			fprintf(f,
				"  workload %s: http -> %s:127.0.0.1:%u, %u connections, %u threads, bursts 1..%u s\n",
				w->name, t, w->port, w->connections, w->threads,
				w->burst_s);
		else if (w->type == SCENARIO_WL_BATCH)
			fprintf(f,
				"  workload %s: batch in %s, a job of ~%" PRIu64
				" bytes every ~%g s\n",
				w->name, t, w->size, w->period);
		else if (w->type == SCENARIO_WL_LOG)
			fprintf(f, "  workload %s: log in %s, ~%g lines/s\n",
				w->name, t, w->rate);
		else if (w->type == SCENARIO_WL_CLIENT)
			fprintf(f,
				"  workload %s: client -> %s, ~%g requests/s in bursts of 1..%u s, surge chance %g\n    command: %s\n",
				w->name, t, w->rate, w->burst_s, w->surge,
				w->command);
		else
			for (size_t k = 0; k < w->nactions; k++)
				fprintf(f,
					"  workload %s: ops in %s, one action every ~%g s: %s = %s\n",
					w->name, t, w->period,
					w->actions[k].key, w->actions[k].value);
	}
	if (!s->anomaly || r->opts->normal) {
		fprintf(f, "  no anomaly: labeled normal\n");
		return;
	}
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct scenario_anomaly *an = &s->anomalies[i];
		char **argv, **env;

		fprintf(f,
			"  anomaly %s%s%s%s%s in %s at %.3f s (range %u-%u) for %llu s: ",
			an->name ? an->name : "", an->name ? ": " : "",
			an->type, an->class_name ? " as " : "",
			an->class_name ? an->class_name : "",
			s->containers[r->plan.targets[i]].name,
			r->plan.onsets_ms[i] / 1000.0, an->start_min,
			an->start_max,
			(unsigned long long)(r->plan.durations_ms[i] / 1000));
		if (!payload_env(an, r->plan.durations_ms[i], r->plan.seed,
				 &env)) {
			payload_env_print(f, env);
			payload_argv_free(env);
		}
		if (!payload_argv(an, r->plan.durations_ms[i], r->payload_dir,
				  &argv, true)) {
			payload_argv_print(f, argv);
			payload_argv_free(argv);
		}
		fputc('\n', f);
	}
}

void run_print_summary(const struct run *r, int err)
{
	const struct scenario *s = r->s;
	bool anomaly = s->anomaly && !r->opts->normal;
	uint64_t records, lost, bytes;
	bool trace_ok;

	trace_counts(r->trace, &records, &lost, &bytes, &trace_ok);
	printf("%s\n", r->trace);
	printf("%s: %s%.1f s, %" PRIu64 " records, %" PRIu64 " lost, %.1f MiB",
	       s->run_name, err ? "stopped early after " : "",
	       (cleanup_now_ns() - r->t_begin) / 1e9, records, lost,
	       bytes / 1048576.0);
	/* A fleet's windows also say where each anomaly was. */
	for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
		const char *type = scenario_anomaly_class(&s->anomalies[i]);
		bool fleet = s->nanomalies > 1;

		if (r->win_start[i] && r->t0)
			printf(", %s%s%s window %.3f-%.3f s%s", type,
			       fleet ? " in " : "",
			       fleet ? s->containers[r->plan.targets[i]].name
				     : "",
			       ((int64_t)(r->win_start[i] - r->t0)) / 1e9,
			       ((int64_t)(r->win_end[i] - r->t0)) / 1e9,
			       r->from_payload[i]
				       ? ""
				       : " (runner times: no cadet-payload lines)");
		else
			printf(", no %s injected", type);
		if (r->pl[i].t_end && r->pl[i].status != 0)
			printf(", payload exit %d", r->pl[i].status);
	}
	if (!anomaly)
		printf(", normal");
	printf("\n");
	fflush(stdout);
	if (!trace_ok)
		fprintf(stderr, "cadet run: warning: %s is not readable: %s\n",
			r->trace, cadet_reader__open_error());
}
