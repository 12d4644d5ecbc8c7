// SPDX-License-Identifier: MIT
/*
 * adfa_stide: STIDE on ADFA-LD, computed by driving the stide detector's
 * ops directly over a dataset written by `cadet import adfa-ld`.
 *
 *   make build/libcadet.a
 *   cc -O2 -Iinclude -I. tests/adfa/adfa_stide.c build/libcadet.a \
 *      -o build/adfa_stide -lzstd -ljansson -lm
 *   build/adfa_stide datasets/adfa-ld 3 5 7 9
 *
 * Protocol: train on train/ (Training_Data_Master); score every trace of
 * val/ (Validation_Data_Master, normal) and attack/ (Attack_Data_Master).
 * The score of a trace is the maximum (and, second figure, the mean) of
 * its windows' LFC scores (emit=window, lfc=20). AUC-ROC is attack traces
 * against validation traces (ties count one half). Detection rate: the
 * fraction of attack traces whose score exceeds the threshold set on the
 * validation scores alone: their maximum, or their 99th percentile
 * (nearest rank); the false positive rate on validation is shown beside.
 * Traces shorter than n syscalls have no window and score 0.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cadet/detector.h"
#include "detect/detectors/detectors.h"

struct acc {
	double max;
	double sum;
	uint64_t cnt;
	int split;              /* 0 train, 1 val, 2 attack; -1 unseen */
};

static struct acc *accs;
static size_t naccs;
static int cur_split;

static void h_score(const struct cadet_host *h, uint64_t cg, uint64_t ws,
		    uint64_t we, double v)
{
	if (cg >= naccs)
		return;
	if (!accs[cg].cnt || v > accs[cg].max)
		accs[cg].max = v;
	accs[cg].sum += v;
	accs[cg].cnt++;
}

static void h_alert(const struct cadet_host *h, uint64_t ts, uint64_t cg,
		    enum cadet_severity sev, const char *reason)
{
}

static void h_log(const struct cadet_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct cadet_host host = {
	.sz = sizeof(host),
	.score = h_score,
	.alert = h_alert,
	.log = h_log,
};

static int feed(const struct cadet_detector_ops *ops, void *st,
		const char *path, enum cadet_phase phase)
{
	struct cadet_reader *r = cadet_reader__open(path, NULL);
	struct cadet_trace_desc td = { .sz = sizeof(td), .path = path,
				       .phase = phase };
	const struct cadet_rec *rec;
	uint64_t next_tick = 0;
	int err;

	if (!r) {
		fprintf(stderr, "%s: %s\n", path, cadet_reader__open_error());
		return -1;
	}
	td.header = cadet_reader__header(r);
	ops->on_trace_begin(st, &td);
	while ((err = cadet_reader__next(r, &rec)) > 0) {
		if (!next_tick)
			next_tick = (rec->ts / DET_NSEC_PER_SEC + 1) *
				    DET_NSEC_PER_SEC;
		while (rec->ts >= next_tick) {
			ops->on_tick(st, next_tick);
			next_tick += DET_NSEC_PER_SEC;
		}
		if (rec->type == CADET_REC_CONTAINER_ADD ||
		    rec->type == CADET_REC_CONTAINER_REMOVE) {
			const struct cadet_rec_container *c = (const void *)rec;
			struct cadet_container_desc d = {
				.sz = sizeof(d),
				.cgroup_id = rec->cgroup_id,
				.id = cadet_rec_str(rec, &c->id),
				.name = cadet_rec_str(rec, &c->name),
				.runtime = c->runtime,
				.cgroup_path = cadet_rec_str(rec,
							     &c->cgroup_path),
			};

			if (rec->cgroup_id < naccs)
				accs[rec->cgroup_id].split = cur_split;
			ops->on_container(st, &d,
					  rec->type == CADET_REC_CONTAINER_ADD);
		}
		if (ops->on_event(st, rec))
			return -1;
	}
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", path, cadet_reader__error(r));
		cadet_reader__free(r);
		return -1;
	}
	ops->on_trace_end(st, &td);
	cadet_reader__free(r);
	return 0;
}

static int feed_split(const struct cadet_detector_ops *ops, void *st,
		      const char *dir, json_t *man, const char *split,
		      enum cadet_phase phase, int idx)
{
	json_t *files = json_object_get(json_object_get(
		json_object_get(man, "splits"), split), "files");
	size_t i;
	json_t *f;

	cur_split = idx;
	json_array_foreach(files, i, f) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, json_string_value(f));
		if (feed(ops, st, path, phase))
			return -1;
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Mann-Whitney AUC: P(attack > normal) + P(tie) / 2. */
static double auc(const double *pos, size_t np, const double *neg, size_t nn)
{
	double s = 0;
	size_t lo = 0, hi = 0;

	/* neg sorted: count below / equal by two pointers on sorted pos. */
	for (size_t i = 0; i < np; i++) {
		while (lo < nn && neg[lo] < pos[i])
			lo++;
		hi = lo;
		while (hi < nn && neg[hi] == pos[i])
			hi++;
		s += lo + 0.5 * (hi - lo);
	}
	return s / ((double)np * nn);
}

static void report(int n, const char *what, double *val, size_t nv,
		   double *att, size_t na)
{
	double thr_max, thr_q99, dr_max = 0, dr_q = 0, fp_q = 0;
	size_t rank;

	qsort(val, nv, sizeof(*val), cmp_d);
	qsort(att, na, sizeof(*att), cmp_d);
	thr_max = val[nv - 1];
	rank = (size_t)ceil(0.99 * nv);
	thr_q99 = val[rank ? rank - 1 : 0];
	for (size_t i = 0; i < na; i++) {
		dr_max += att[i] > thr_max;
		dr_q += att[i] > thr_q99;
	}
	for (size_t i = 0; i < nv; i++)
		fp_q += val[i] > thr_q99;
	printf("| %d | %s | %.4f | %.3f | %.1f %% | %.3f | %.1f %% | %.2f %% |\n",
	       n, what, auc(att, na, val, nv), thr_max, 100 * dr_max / na,
	       thr_q99, 100 * dr_q / na, 100 * fp_q / nv);
}

int main(int argc, char **argv)
{
	const struct cadet_detector_ops *ops = &detector_stide_ops;
	json_error_t jerr;
	json_t *man;
	char mpath[4096];

	if (argc < 3) {
		fprintf(stderr, "usage: %s DATASET_DIR N...\n", argv[0]);
		return 2;
	}
	snprintf(mpath, sizeof(mpath), "%s/MANIFEST.json", argv[1]);
	man = json_load_file(mpath, 0, &jerr);
	if (!man) {
		fprintf(stderr, "%s: %s\n", mpath, jerr.text);
		return 1;
	}
	naccs = 1;
	{
		json_t *sp = json_object_get(man, "splits");
		const char *k;
		json_t *v;

		json_object_foreach(sp, k, v)
			naccs += json_integer_value(json_object_get(v, "traces"));
	}
	printf("| n | trace score | AUC-ROC | thr (val max) | DR @ max | "
	       "thr (val q99) | DR @ q99 | FPR val @ q99 |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int a = 2; a < argc; a++) {
		char nbuf[16];
		struct cadet_param params[] = {
			{ "n", nbuf },
			{ "lfc", "20" },
			{ "emit", "window" },
			/* classic STIDE: the reference has one database */
			{ "by", "all" },
		};
		double *vmax, *amax, *vmean, *amean;
		size_t nv = 0, na = 0;
		void *st;

		snprintf(nbuf, sizeof(nbuf), "%d", atoi(argv[a]));
		accs = calloc(naccs, sizeof(*accs));
		for (size_t i = 0; i < naccs; i++)
			accs[i].split = -1;
		if (ops->init(&st, &host, params, 4, 1))
			return 1;
		if (feed_split(ops, st, argv[1], man, "train",
			       CADET_PHASE_TRAIN, 0) ||
		    ops->train_end(st) ||
		    feed_split(ops, st, argv[1], man, "val",
			       CADET_PHASE_VALIDATE, 1) ||
		    feed_split(ops, st, argv[1], man, "attack",
			       CADET_PHASE_TEST, 2))
			return 1;
		ops->fini(st);
		vmax = calloc(naccs, sizeof(double));
		amax = calloc(naccs, sizeof(double));
		vmean = calloc(naccs, sizeof(double));
		amean = calloc(naccs, sizeof(double));
		for (size_t i = 0; i < naccs; i++) {
			double mx = accs[i].cnt ? accs[i].max : 0;
			double mn = accs[i].cnt ? accs[i].sum / accs[i].cnt : 0;

			if (accs[i].split == 1) {
				vmax[nv] = mx;
				vmean[nv++] = mn;
			} else if (accs[i].split == 2) {
				amax[na] = mx;
				amean[na++] = mn;
			}
		}
		report(atoi(argv[a]), "max", vmax, nv, amax, na);
		report(atoi(argv[a]), "mean", vmean, nv, amean, na);
		fprintf(stderr, "n=%s: %zu validation, %zu attack traces\n",
			nbuf, nv, na);
		free(vmax);
		free(amax);
		free(vmean);
		free(amean);
		free(accs);
	}
	json_decref(man);
	return 0;
}
