// SPDX-License-Identifier: MIT
/*
 * Recorder cost for `cadet info`; see info_cost.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/info_cost.h"

static struct info_prog *find_prog(struct info_cost *c,
				   const struct cadet_rec_bpf_stats *b)
{
	struct info_prog *p;

	for (size_t i = 0; i < c->nprogs; i++) {
		p = &c->progs[i];
		if (!strncmp(p->family, b->family, sizeof(b->family)) &&
		    !strncmp(p->prog, b->prog, sizeof(b->prog)))
			return p;
	}
	p = realloc(c->progs, (c->nprogs + 1) * sizeof(*p));
	if (!p)
		return NULL;
	c->progs = p;
	p = &c->progs[c->nprogs++];
	memset(p, 0, sizeof(*p));
	memcpy(p->family, b->family, sizeof(b->family));
	memcpy(p->prog, b->prog, sizeof(b->prog));
	return p;
}

int info_cost__add(struct info_cost *c, const struct cadet_rec *rec)
{
	if (rec->type == CADET_REC_STATS) {
		const struct cadet_rec_stats *s = (const void *)rec;

		c->stats_recs++;
		c->interval_ns += s->interval_ns;
		c->cpu_ns += s->cpu_ns;
		c->events += s->events;
		if (s->rss_bytes > c->peak_rss)
			c->peak_rss = s->rss_bytes;
	} else if (rec->type == CADET_REC_BPF_STATS) {
		const struct cadet_rec_bpf_stats *b = (const void *)rec;
		struct info_prog *p = find_prog(c, b);

		if (!p)
			return -ENOMEM;
		c->bpf_recs++;
		c->mode = b->stats;
		p->run_ns += b->run_ns;
		p->run_cnt += b->run_cnt;
	}
	return 0;
}

static const char *mode_str(unsigned int mode)
{
	switch (mode) {
	case CADET_BPF_STATS_RECORDER:
		return "BPF run-time statistics turned on by the recorder";
	case CADET_BPF_STATS_SYSCTL:
		return "BPF run-time statistics already on (kernel.bpf_stats_enabled)";
	case CADET_BPF_STATS_OFF:
		return "BPF run-time statistics off (cadet record --bpf-stats turns them on)";
	default:
		return "BPF run-time statistics unavailable in this kernel";
	}
}

static void per(FILE *out, double num, uint64_t den, const char *fmt)
{
	if (den)
		fprintf(out, fmt, num / den);
	else
		fprintf(out, "%s", "n/a");
}

void info_cost__print(const struct info_cost *c, FILE *out)
{
	uint64_t run_ns = 0, run_cnt = 0;
	size_t idle = 0;
	bool kernel = c->bpf_recs && cadet_bpf_stats_measured(c->mode);

	if (!c->stats_recs && !c->bpf_recs)
		return;
	for (size_t i = 0; i < c->nprogs; i++) {
		run_ns += c->progs[i].run_ns;
		run_cnt += c->progs[i].run_cnt;
	}
	fprintf(out, "\n%-16s ", "recorder cost:");
	if (kernel)
		per(out, run_ns, c->events, "%.0f ns per event in the kernel");
	else
		fprintf(out, "kernel side unknown");
	fprintf(out, ", ");
	per(out, c->cpu_ns * 100.0, c->interval_ns, "%.1f %%");
	fprintf(out, " of one CPU in user space, peak RSS %.1f MiB\n",
		c->peak_rss / 1048576.0);
	fprintf(out, "  %-14s %.3f s CPU over %.3f s, %" PRIu64 " events (",
		"user space:", c->cpu_ns / 1e9, c->interval_ns / 1e9,
		c->events);
	per(out, c->cpu_ns, c->events, "%.0f ns per event");
	fprintf(out, ")\n");
	if (!c->bpf_recs) {
		fprintf(out,
			"  %-14s not recorded (no bpf_stats records: the trace predates format 1.1)\n",
			"kernel:");
		return;
	}
	if (!kernel) {
		fprintf(out, "  %-14s not measured: %s\n",
			"kernel:", mode_str(c->mode));
		return;
	}
	fprintf(out, "  %-14s %.3f s in %" PRIu64 " BPF program runs (",
		"kernel:", run_ns / 1e9, run_cnt);
	per(out, run_ns, run_cnt, "%.0f ns per run");
	fprintf(out, "); %s\n", mode_str(c->mode));
	fprintf(out, "  %-34s %12s %10s %10s %7s\n", "PROGRAM", "RUNS",
		"NS/RUN", "NS/EVENT", "SHARE");
	for (size_t i = 0; i < c->nprogs; i++) {
		const struct info_prog *p = &c->progs[i];
		char name[56];

		if (!p->run_cnt) {
			idle++;
			continue;
		}
		snprintf(name, sizeof(name), "%s/%s", p->family, p->prog);
		fprintf(out, "  %-34s %12" PRIu64 " %10.1f ", name, p->run_cnt,
			(double)p->run_ns / p->run_cnt);
		if (c->events)
			fprintf(out, "%10.1f", (double)p->run_ns / c->events);
		else
			fprintf(out, "%10s", "n/a");
		fprintf(out, " %6.1f%%\n",
			run_ns ? p->run_ns * 100.0 / run_ns : 0.0);
	}
	if (idle)
		fprintf(out, "  (%zu more programs loaded, never run)\n", idle);
}

void info_cost__free(struct info_cost *c)
{
	free(c->progs);
	c->progs = NULL;
	c->nprogs = 0;
}
