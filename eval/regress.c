// SPDX-License-Identifier: MIT
/*
 * Regression check: compare a fresh eval.json against a committed baseline
 * eval.json, metric by metric, per detector and scenario. Used by CI of
 * detector projects, so every change is named precisely enough to act on:
 * a drop is a regression; a gain beyond the tolerance is flagged too,
 * since a baseline that understates the results no longer guards them
 * (a later drop back would pass), so it must be recorded anew.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

enum direction {
	HIGHER_BETTER, /* in [0, 1]: absolute tolerance */
	LOWER_BETTER, /* unbounded: tolerance relative to max(old, 1) */
};

static const struct {
	const char *name;
	enum direction dir;
} checked[] = {
	{"detection_rate", HIGHER_BETTER},
	{"precision", HIGHER_BETTER},
	{"f1", HIGHER_BETTER},
	{"false_alarms_per_hour", LOWER_BETTER},
	{"latency_median_s", LOWER_BETTER},
	{"latency_p95_s", LOWER_BETTER},
	{"auc_pr", HIGHER_BETTER},
	{"auc_roc", HIGHER_BETTER},
	{"point_precision", HIGHER_BETTER},
	{"point_recall", HIGHER_BETTER},
	{"point_f1", HIGHER_BETTER},
	{"range_precision", HIGHER_BETTER},
	{"range_recall", HIGHER_BETTER},
	{"recording_detection_rate", HIGHER_BETTER},
	{"cfa", LOWER_BETTER},
};

#define UPDATE_HINT                                                        \
	"better than the baseline: if meant, record it (tools/regress.sh " \
	"--update, or cadet eval RESULTS -o BASELINE)"

struct tally {
	int changes;
	int improved;
};

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		const char *s = json_string_value(json_object_get(o, key));

		if (s && !strcmp(s, val))
			return o;
	}
	return NULL;
}

static void say(FILE *out, bool better, const char *det, const char *scen,
		const char *metric, json_t *old, json_t *cur)
{
	fprintf(out, "%s: detector=%s scenario=%s metric=%s",
		better ? "improvement" : "regression", det, scen, metric);
	if (old)
		fprintf(out, " old=%.4f", json_number_value(old));
	else
		fputs(" old=-", out);
	if (json_is_number(cur))
		fprintf(out, " new=%.4f", json_number_value(cur));
	else
		fputs(cur ? " new=null" : " new=missing", out);
	fputs(better ? " (" UPDATE_HINT ")\n" : "\n", out);
}

/*
 * How @cur moved from @old in direction @dir: -1 worse by more than @tol,
 * 1 better by more than @tol, 0 within it. The tolerance is absolute for
 * [0, 1] metrics, relative to max(old, 1) for the unbounded ones.
 */
static int moved(enum direction dir, json_t *old, json_t *cur, double tol)
{
	double o = json_number_value(old), c, t;

	if (!json_is_number(cur))
		return -1; /* a defined metric became undefined */
	c = json_number_value(cur);
	if (dir == HIGHER_BETTER) {
		t = tol + 1e-12;
		return c < o - t ? -1 : c > o + t ? 1 : 0;
	}
	t = tol * (fabs(o) > 1 ? fabs(o) : 1) + 1e-12;
	return c > o + t ? -1 : c < o - t ? 1 : 0;
}

static void cmp_one(struct tally *n, const char *det, const char *scen,
		    const char *metric, enum direction dir, json_t *ov,
		    json_t *cv, double tol, FILE *out)
{
	int m;

	if (!json_is_number(ov))
		return; /* undefined before: nothing to keep */
	m = moved(dir, ov, cv, tol);
	if (!m)
		return;
	say(out, m > 0, det, scen, metric, ov, cv);
	n->changes++;
	n->improved += m > 0;
}

static void cmp_stats(struct tally *n, const char *det, const char *scen,
		      json_t *old, json_t *cur, double tol, FILE *out)
{
	json_t *opa = json_object_get(old, "pa_k");
	json_t *cpa = json_object_get(cur, "pa_k");
	const char *k;
	json_t *ov;

	for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
		cmp_one(n, det, scen, checked[i].name, checked[i].dir,
			json_object_get(old, checked[i].name),
			json_object_get(cur, checked[i].name), tol, out);
	json_object_foreach(opa, k, ov)
	{
		char name[32];

		snprintf(name, sizeof(name), "pa_k.%s", k);
		cmp_one(n, det, scen, name, HIGHER_BETTER, ov,
			json_object_get(cpa, k), tol, out);
	}
}

/* Detectors and scenarios of @cur that @base lacks: new, so unguarded. */
static void additions(struct tally *n, json_t *bdets, json_t *cdets, FILE *out)
{
	json_t *cd, *cs;
	size_t i, j;

	json_array_foreach(cdets, i, cd)
	{
		const char *name =
			json_string_value(json_object_get(cd, "detector"));
		json_t *bd = name ? find_by(bdets, "detector", name) : NULL;

		if (!name)
			continue;
		if (!bd) {
			fprintf(out,
				"improvement: detector=%s is not in the baseline (" UPDATE_HINT ")\n",
				name);
			n->changes++;
			n->improved++;
			continue;
		}
		json_array_foreach(json_object_get(cd, "per_scenario"), j, cs)
		{
			const char *scen = json_string_value(
				json_object_get(cs, "scenario"));

			if (!scen ||
			    find_by(json_object_get(bd, "per_scenario"),
				    "scenario", scen))
				continue;
			fprintf(out,
				"improvement: detector=%s scenario=%s is not in the baseline (" UPDATE_HINT ")\n",
				name, scen);
			n->changes++;
			n->improved++;
		}
	}
}

/*
 * A baseline metric that is not a number (or null: undefined) or lies
 * outside its range would compare as "no regression" forever, so the
 * baseline is refused instead. Rates and fractions lie in [0, 1],
 * counts per hour and latencies are >= 0.
 */
static int check_value(const char *det, const char *scen, const char *metric,
		       enum direction dir, json_t *v, char *err, size_t errlen)
{
	const char *why;
	char *text;
	double x;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		why = "is not a number";
	} else {
		x = json_number_value(v);
		if (dir == HIGHER_BETTER && !(x >= 0 && x <= 1))
			why = "is outside [0, 1]";
		else if (dir == LOWER_BETTER && !(x >= 0))
			why = "is negative";
		else
			return 0;
	}
	text = json_dumps(v, JSON_ENCODE_ANY);
	snprintf(err, errlen,
		 "detector=%s scenario=%s metric=%s: baseline value %s %s; fix the baseline or regenerate it with `cadet eval RESULTS -o FILE`",
		 det, scen, metric, text ? text : "?", why);
	free(text);
	return -EINVAL;
}

static int check_stats(const char *det, const char *scen, json_t *stats,
		       char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	int ret;

	if (!json_is_object(stats)) {
		snprintf(err, errlen,
			 "detector=%s scenario=%s: expected an object of metrics",
			 det, scen);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		ret = check_value(det, scen, checked[i].name, checked[i].dir,
				  json_object_get(stats, checked[i].name), err,
				  errlen);
		if (ret)
			return ret;
	}
	json_object_foreach(json_object_get(stats, "pa_k"), k, v)
	{
		char name[64];

		snprintf(name, sizeof(name), "pa_k.%s", k);
		ret = check_value(det, scen, name, HIGHER_BETTER, v, err,
				  errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Every value the comparison reads, before any comparison is made. */
static int validate_baseline(json_t *bdets, char *err, size_t errlen)
{
	json_t *bd, *bs;
	size_t i, j;
	int ret;

	json_array_foreach(bdets, i, bd)
	{
		const char *name =
			json_string_value(json_object_get(bd, "detector"));

		if (!name) {
			snprintf(
				err, errlen,
				"the baseline's detectors[%zu] has no \"detector\" name",
				i);
			return -EINVAL;
		}
		json_array_foreach(json_object_get(bd, "per_scenario"), j, bs)
		{
			const char *scen = json_string_value(
				json_object_get(bs, "scenario"));

			if (!scen)
				continue;
			ret = check_stats(name, scen, bs, err, errlen);
			if (ret)
				return ret;
		}
		if (json_object_get(bd, "overall")) {
			ret = check_stats(name, "overall",
					  json_object_get(bd, "overall"), err,
					  errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int cadet_eval_regress(json_t *base, json_t *cur, double tolerance, FILE *out,
		       int *improved, char *err, size_t errlen)
{
	json_t *bdets = json_object_get(base, "detectors");
	json_t *cdets = json_object_get(cur, "detectors");
	struct tally n = {};
	json_t *bd;
	size_t i;

	if (!json_is_array(bdets) || !json_is_array(cdets)) {
		snprintf(
			err, errlen,
			"the baseline is not an eval.json (no \"detectors\" array); make one with `cadet eval RESULTS -o FILE`");
		return -EINVAL;
	}
	if (validate_baseline(bdets, err, errlen))
		return -EINVAL;
	json_array_foreach(bdets, i, bd)
	{
		const char *name =
			json_string_value(json_object_get(bd, "detector"));
		json_t *cd, *bs, *bscen = json_object_get(bd, "per_scenario");
		size_t j;

		if (!name) {
			snprintf(
				err, errlen,
				"the baseline's detectors[%zu] has no \"detector\" name",
				i);
			return -EINVAL;
		}
		cd = find_by(cdets, "detector", name);
		if (!cd) {
			fprintf(out,
				"regression: detector=%s missing from the new results\n",
				name);
			n.changes++;
			continue;
		}
		json_array_foreach(bscen, j, bs)
		{
			const char *scen = json_string_value(
				json_object_get(bs, "scenario"));
			json_t *cs;

			if (!scen)
				continue;
			cs = find_by(json_object_get(cd, "per_scenario"),
				     "scenario", scen);
			if (!cs) {
				fprintf(out,
					"regression: detector=%s scenario=%s missing from the new results\n",
					name, scen);
				n.changes++;
				continue;
			}
			cmp_stats(&n, name, scen, bs, cs, tolerance, out);
		}
		if (json_is_object(json_object_get(bd, "overall")))
			cmp_stats(&n, name, "overall",
				  json_object_get(bd, "overall"),
				  json_object_get(cd, "overall"), tolerance,
				  out);
	}
	additions(&n, bdets, cdets, out);
	if (improved)
		*improved = n.improved;
	return n.changes;
}
