// SPDX-License-Identifier: MIT
/*
 * Rate features over a window of METRICS records and robust statistics;
 * see features.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/detectors/features.h"
#include "detect/edge.h"
#include "lib/util/vec.h"

const char *const det_rf_names[DET_NRF] = {
	"cpu_ms_s",	  "tx_bytes_s",	    "rx_bytes_s",     "tx_packets_s",
	"rx_packets_s",	  "read_bytes_s",   "write_bytes_s",  "syscalls_s",
	"page_faults_s",  "ctx_switches_s", "retransmits_s",  "resets_s",
	"forks_s",	  "execs_s",	    "opens_s",	      "connects_s",
	"oom_kills_s",	  "rss_bytes",	    "tasks",	      "cpu_per_syscall",
	"io_per_syscall", "tx_per_rx",	    "faults_per_cpu",
};

void det_rwin_init(struct det_rwin *w, size_t span)
{
	memset(w, 0, sizeof(*w));
	w->span = span < 1 ? 1 : span > DET_RWIN_MAX ? DET_RWIN_MAX : span;
}

bool det_rwin_push(struct det_rwin *w, const struct cadet_rec_metrics *m)
{
	struct det_rwin_rec *r;

	if (det_edge_metrics_marked(m))
		return false;
	r = &w->rec[w->next];
	r->interval_ns = m->interval_ns;
	r->v[DET_RF_CPU_MS] = m->cpu_ns;
	r->v[DET_RF_TX_BYTES] = m->tx_bytes;
	r->v[DET_RF_RX_BYTES] = m->rx_bytes;
	r->v[DET_RF_TX_PACKETS] = m->tx_packets;
	r->v[DET_RF_RX_PACKETS] = m->rx_packets;
	r->v[DET_RF_READ_BYTES] = m->read_bytes;
	r->v[DET_RF_WRITE_BYTES] = m->write_bytes;
	r->v[DET_RF_SYSCALLS] = m->syscalls;
	r->v[DET_RF_PAGE_FAULTS] = m->page_faults;
	r->v[DET_RF_CTX_SWITCHES] = m->ctx_switches;
	r->v[DET_RF_RETRANSMITS] = m->retransmits;
	r->v[DET_RF_RESETS] = m->resets;
	r->v[DET_RF_FORKS] = m->forks;
	r->v[DET_RF_EXECS] = m->execs;
	r->v[DET_RF_OPENS] = m->opens;
	r->v[DET_RF_CONNECTS] = m->connects;
	r->v[DET_RF_OOM_KILLS] = m->oom_kills;
	r->rss = m->rss_bytes;
	r->tasks = m->nr_tasks;
	w->ts[w->next] = m->h.ts;
	w->next = (w->next + 1) % w->span;
	if (w->n < w->span)
		w->n++;
	w->seen++;
	return true;
}

/* Slot of the i-th oldest record held. */
static size_t rwin_slot(const struct det_rwin *w, size_t i)
{
	return (w->next + w->span - w->n + i) % w->span;
}

uint64_t det_rwin_start(const struct det_rwin *w)
{
	size_t s;

	if (!w->n)
		return 0;
	s = rwin_slot(w, 0);
	return w->ts[s] > w->rec[s].interval_ns
		       ? w->ts[s] - w->rec[s].interval_ns
		       : 0;
}

void det_rwin_features(const struct det_rwin *w, double out[DET_NRF])
{
	double sum[DET_RF_RSS] = {0}, secs = 0, tasks = 0, rss = 0;

	memset(out, 0, DET_NRF * sizeof(out[0]));
	if (!w->n)
		return;
	for (size_t i = 0; i < w->n; i++) {
		const struct det_rwin_rec *r = &w->rec[rwin_slot(w, i)];

		for (int f = 0; f < DET_RF_RSS; f++)
			sum[f] += (double)r->v[f];
		secs += (double)r->interval_ns / 1e9;
		if (r->tasks > tasks)
			tasks = (double)r->tasks;
		rss = (double)r->rss; /* the newest, last in the loop */
	}
	/* A record without an interval (a hand-made one) counts 1 s. */
	if (secs <= 0)
		secs = (double)w->n;
	sum[DET_RF_CPU_MS] /= 1e6;
	for (int f = 0; f < DET_RF_RSS; f++)
		out[f] = log1p(sum[f] / secs);
	out[DET_RF_RSS] = log1p(rss);
	out[DET_RF_TASKS] = log1p(tasks);
	/* cpu in us per syscall: a tight loop burns cpu without syscalls. */
	out[DET_RF_CPU_PER_SYSCALL] =
		log1p(sum[DET_RF_CPU_MS] * 1e3 / secs) - out[DET_RF_SYSCALLS];
	out[DET_RF_IO_PER_SYSCALL] =
		log1p((sum[DET_RF_READ_BYTES] + sum[DET_RF_WRITE_BYTES]) /
		      secs) -
		out[DET_RF_SYSCALLS];
	out[DET_RF_TX_PER_RX] = out[DET_RF_TX_BYTES] - out[DET_RF_RX_BYTES];
	out[DET_RF_FAULTS_PER_CPU] =
		out[DET_RF_PAGE_FAULTS] - out[DET_RF_CPU_MS];
}

/* ---- rows ---- */

int det_rows_add(struct det_rows *r, const double *x, uint32_t run)
{
	if (vec_reserve(&r->x, &r->cap, (r->n + 1) * r->dim, sizeof(*r->x)) ||
	    vec_reserve(&r->run, &r->run_cap, r->n + 1, sizeof(*r->run)))
		return -ENOMEM;
	memcpy(&r->x[r->n * r->dim], x, r->dim * sizeof(*x));
	r->run[r->n++] = run;
	return 0;
}

void det_rows_release(struct det_rows *r)
{
	free(r->x);
	free(r->run);
	r->x = NULL;
	r->run = NULL;
	r->n = 0;
	r->cap = 0;
	r->run_cap = 0;
}

/* ---- robust statistics ---- */

int det_robust_fit(const double *x, const uint32_t *run, size_t n, size_t dim,
		   const double *floor, double *med, double *spread)
{
	uint32_t nruns = 0;
	double *col = NULL, *rmed = NULL;
	int ret = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (run[i] + 1 > nruns)
			nruns = run[i] + 1;
	col = malloc((n ? n : 1) * sizeof(*col));
	rmed = malloc((nruns ? nruns : 1) * sizeof(*rmed));
	if (!col || !rmed)
		goto cleanup;
	for (size_t f = 0; f < dim; f++) {
		double m, mad, between = 0;
		uint32_t nr = 0;

		for (size_t i = 0; i < n; i++)
			col[i] = x[i * dim + f];
		m = det_median(col, n);
		for (size_t i = 0; i < n; i++)
			col[i] = fabs(x[i * dim + f] - m);
		mad = DET_MAD_SD * det_median(col, n);
		/* The level of each run, then how far they spread. */
		for (uint32_t r = 0; r < nruns; r++) {
			size_t k = 0;

			for (size_t i = 0; i < n; i++)
				if (run[i] == r)
					col[k++] = x[i * dim + f];
			if (k)
				rmed[nr++] = det_median(col, k);
		}
		if (nr > 1) {
			double mm = det_median(rmed, nr);

			for (uint32_t r = 0; r < nr; r++)
				rmed[r] = fabs(rmed[r] - mm);
			between = DET_MAD_SD * det_median(rmed, nr);
		}
		med[f] = m;
		spread[f] = mad > between ? mad : between;
		if (floor && spread[f] < floor[f])
			spread[f] = floor[f];
	}
	ret = 0;
cleanup:
	free(col);
	free(rmed);
	return ret;
}

void det_rf_unit_floor(const double *med, double *spread)
{
	double one = log1p(exp(-med[DET_RF_TASKS]));

	if (spread[DET_RF_TASKS] < one)
		spread[DET_RF_TASKS] = one;
}
