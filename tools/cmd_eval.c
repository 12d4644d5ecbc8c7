// SPDX-License-Identifier: MIT
/*
 * cadet eval: score a replay's results against the labels of its test
 * traces; optionally fail on regressions against a baseline eval.json.
 */
#include <argp.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/eval.h"
#include "lib/util/sha256.h"
#include "tools/commands.h"

/* Exit codes: 0 fine, 1 regression found, 2 bad usage or input. */
#define EXIT_REGRESSION 1
#define EXIT_BAD 2

static const char doc[] =
	"Evaluate a replay: detection rate, alarm and point precision, F1, "
	"false alarms per hour, latency, LID-DS's per-recording detection "
	"rate and consecutive false alarms, point-wise, range-based, PA%K, "
	"AUC-PR/ROC, per detector and scenario (docs/metrics.md).\n"
	"\n"
	"Labels come from the test traces named in RESULTS (LABEL records); "
	"relative paths are tried from the current directory, then from the "
	"directory of RESULTS (or from --traces-dir).\n"
	"\n"
	"Exit status: 0 fine, 1 a metric changed beyond the tolerance against "
	"--baseline (a regression, or an improvement: then update the "
	"baseline), 2 bad "
	"usage or input.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet eval results.jsonl -o eval.json --md eval.md\n"
	"  cadet eval results.jsonl --baseline eval/baselines/ref.json "
	"--tolerance 0.02\n"
	"  cadet eval results.jsonl --grace 30 --range-bias front\n"
	"  cadet eval shard-1.jsonl shard-2.jsonl shard-3.jsonl -o eval.json\n"
	"      (the results of cadet replay --shard 1/3 .. 3/3: the same eval "
	"as one unsharded replay; docs/scale.md)\n"
	"\v"
	"Without -o, --md or --baseline the Markdown table goes to stdout.";

static const char args_doc[] = "RESULTS.jsonl...";

enum {
	OPT_MD = 'm',
	OPT_OUT = 'o',
	OPT_BASELINE = 'b',
	OPT_TOL = 't',
	OPT_GRACE = 256,
	OPT_GAP,
	OPT_BIN,
	OPT_ALPHA,
	OPT_BIAS,
	OPT_CARD,
	OPT_TRACES_DIR,
	OPT_NO_VERIFY,
};

static const struct argp_option options[] = {
	{"output", OPT_OUT, "FILE", 0, "write eval.json to FILE ('-': stdout)"},
	{"md", OPT_MD, "FILE", 0,
	 "write the Markdown tables to FILE ('-': stdout)"},
	{"baseline", OPT_BASELINE, "FILE", 0,
	 "compare with this eval.json; exit 1 when a metric dropped"},
	{"tolerance", OPT_TOL, "T", 0,
	 "allowed drop per metric (default 0.02; see docs/metrics.md)"},
	{"grace", OPT_GRACE, "S", 0,
	 "seconds after a window's end in which alerts still count (default 10)"},
	{"merge-gap", OPT_GAP, "S", 0,
	 "alerts at most S s apart form one alarm (default 5)"},
	{"bin", OPT_BIN, "S", 0, "time bin for point-wise metrics (default 1)"},
	{"range-alpha", OPT_ALPHA, "A", 0,
	 "existence weight of range recall, 0..1 (default 0)"},
	{"range-bias", OPT_BIAS, "B", 0,
	 "positional bias: flat (default), front, back, middle"},
	{"range-cardinality", OPT_CARD, "C", 0,
	 "reciprocal (default, 1/x) or one"},
	{"traces-dir", OPT_TRACES_DIR, "DIR", 0,
	 "resolve relative test trace paths from DIR"},
	{"no-verify", OPT_NO_VERIFY, NULL, 0,
	 "do not check test traces against the sha256 in RESULTS"},
	{},
};

struct args {
	const char **results; /* one file, or the shards of one replay */
	size_t nresults;
	const char *out;
	const char *md;
	const char *baseline;
	const char *traces_dir;
	bool no_verify;
	double tolerance;
	struct cadet_eval_opts o;
};

static int parse_seconds(const char *s, const char *what, uint64_t *ns,
			 bool *zero)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9) {
		fprintf(stderr,
			"cadet eval: %s '%s' is not a number of seconds >= 0\n",
			what, s);
		return -EINVAL;
	}
	*ns = (uint64_t)llround(v * 1e9);
	if (zero)
		*zero = *ns == 0;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;

	switch (key) {
	case OPT_OUT:
		a->out = arg;
		break;
	case OPT_MD:
		a->md = arg;
		break;
	case OPT_BASELINE:
		a->baseline = arg;
		break;
	case OPT_TRACES_DIR:
		a->traces_dir = arg;
		break;
	case OPT_NO_VERIFY:
		a->no_verify = true;
		break;
	case OPT_TOL:
		errno = 0;
		a->tolerance = strtod(arg, &end);
		if (errno || end == arg || *end || !(a->tolerance >= 0))
			argp_error(state,
				   "--tolerance '%s': want a number >= 0", arg);
		break;
	case OPT_GRACE:
		if (parse_seconds(arg, "--grace", &a->o.grace_ns,
				  &a->o.no_grace))
			argp_error(state, "bad --grace");
		break;
	case OPT_GAP:
		if (parse_seconds(arg, "--merge-gap", &a->o.merge_gap_ns,
				  &a->o.no_merge))
			argp_error(state, "bad --merge-gap");
		break;
	case OPT_BIN:
		if (parse_seconds(arg, "--bin", &a->o.bin_ns, NULL) ||
		    !a->o.bin_ns)
			argp_error(state, "--bin '%s': want seconds > 0", arg);
		break;
	case OPT_ALPHA:
		errno = 0;
		a->o.range.alpha = strtod(arg, &end);
		if (errno || end == arg || *end || !(a->o.range.alpha >= 0) ||
		    a->o.range.alpha > 1)
			argp_error(state, "--range-alpha '%s': want 0..1", arg);
		break;
	case OPT_BIAS:
		if (cadet_range_bias_parse(arg, &a->o.range.bias))
			argp_error(
				state,
				"--range-bias '%s': want flat, front, back or middle",
				arg);
		break;
	case OPT_CARD:
		if (cadet_range_card_parse(arg, &a->o.range.card))
			argp_error(
				state,
				"--range-cardinality '%s': want reciprocal or one",
				arg);
		break;
	case ARGP_KEY_ARG: {
		const char **r = realloc(a->results,
					 (a->nresults + 1) * sizeof(*r));

		if (!r)
			argp_failure(state, EXIT_BAD, ENOMEM, "results list");
		a->results = r;
		a->results[a->nresults++] = arg;
		break;
	}
	case ARGP_KEY_END:
		if (!a->results)
			argp_error(
				state,
				"which results file? e.g. cadet eval results.jsonl -o eval.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * Where to read test trace @path, named in results file @part, from; @buf
 * holds the answer.
 */
static const char *trace_path(const struct args *a, const char *path,
			      size_t part, char *buf, size_t len)
{
	char *copy, *dir;

	if (path[0] == '/')
		return path;
	if (a->traces_dir) {
		snprintf(buf, len, "%s/%s", a->traces_dir, path);
		return buf;
	}
	if (!access(path, R_OK))
		return path;
	copy = strdup(a->results[part]);
	if (!copy)
		return path;
	dir = dirname(copy);
	snprintf(buf, len, "%s/%s", dir, path);
	free(copy);
	return access(buf, R_OK) ? path : buf;
}

/*
 * The labels must come from the very trace the detectors saw: compare its
 * sha256 with the one replay wrote. 0 when equal or nothing to compare.
 */
static int verify_sha256(const char *path, const char *want)
{
	char hex[65], why[PATH_MAX + 64];
	int err;

	if (!want || !*want)
		return 0;
	err = util_sha256_file(path, hex, why, sizeof(why));
	if (err) {
		fprintf(stderr, "cadet eval: cannot hash %s\n", why);
		return err;
	}
	if (!strcasecmp(hex, want))
		return 0;
	fprintf(stderr,
		"cadet eval: %s: sha256 %s differs from %s in the results: the trace changed since replay; replay again (or --no-verify)\n",
		path, hex, want);
	return -EBADMSG;
}

static int write_json(json_t *j, const char *path)
{
	int flags = JSON_INDENT(2) | JSON_REAL_PRECISION(12);
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "cadet eval: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	if (json_dumpf(j, f, flags) || fputc('\n', f) == EOF)
		ret = -EIO;
	if (f != stdout && fclose(f))
		ret = -EIO;
	if (ret)
		fprintf(stderr, "cadet eval: error writing %s\n", path);
	return ret;
}

static int write_md(const struct cadet_eval *e, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int ret;

	if (!f) {
		fprintf(stderr, "cadet eval: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	ret = cadet_eval__write_md(e, f);
	if (f != stdout && fclose(f))
		ret = -EIO;
	if (ret)
		fprintf(stderr, "cadet eval: error writing %s\n", path);
	return ret;
}

static int check_baseline(const struct args *a, json_t *cur)
{
	json_error_t jerr;
	struct stat st;
	char err[512];
	json_t *base;
	int n, better = 0;
	FILE *f;

	/*
	 * Opened here rather than by json_load_file(), whose messages for
	 * a missing file or a directory name line -1 or "'[' expected".
	 */
	f = fopen(a->baseline, "r");
	if (!f) {
		fprintf(stderr, "cadet eval: %s: cannot open the baseline: %s%s\n",
			a->baseline, strerror(errno),
			errno == ENOENT ? "; make one with `cadet eval RESULTS -o FILE`" : "");
		return EXIT_BAD;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		fprintf(stderr,
			"cadet eval: %s: is a directory; --baseline takes an eval.json file\n",
			a->baseline);
		return EXIT_BAD;
	}
	base = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!base) {
		fprintf(stderr, "cadet eval: %s:%d: %s\n", a->baseline,
			jerr.line, jerr.text);
		return EXIT_BAD;
	}
	n = cadet_eval_regress(base, cur, a->tolerance, stdout, &better, err,
			       sizeof(err));
	json_decref(base);
	if (n < 0) {
		fprintf(stderr, "cadet eval: %s: %s\n", a->baseline, err);
		return EXIT_BAD;
	}
	if (n) {
		fprintf(stderr,
			"cadet eval: %d change%s against %s (tolerance %g): %d regression%s, %d improvement%s%s\n",
			n, n == 1 ? "" : "s", a->baseline, a->tolerance,
			n - better, n - better == 1 ? "" : "s", better,
			better == 1 ? "" : "s",
			better ? "; an improvement means the baseline is out of date: re-run with --update (tools/regress.sh --update) to record it"
			       : "");
		return EXIT_REGRESSION;
	}
	printf("no regression or improvement against %s (tolerance %g)\n",
	       a->baseline, a->tolerance);
	return 0;
}

/*
 * The results files, merged: the shards of one replay give the results
 * of the unsharded run; one file is put in the same (path) order.
 */
static struct cadet_results *load_results(const struct args *a)
{
	struct cadet_results **parts = calloc(a->nresults, sizeof(*parts));
	struct cadet_results *r = NULL;
	char err[1024];

	if (!parts) {
		fprintf(stderr, "cadet eval: out of memory\n");
		return NULL;
	}
	for (size_t i = 0; i < a->nresults; i++) {
		parts[i] = cadet_results__load(a->results[i], err, sizeof(err));
		if (!parts[i]) {
			fprintf(stderr, "cadet eval: %s\n", err);
			goto cleanup;
		}
	}
	r = cadet_results__merge(parts, a->results, a->nresults, err,
				 sizeof(err));
	if (!r)
		fprintf(stderr, "cadet eval: %s\n", err);
cleanup:
	for (size_t i = 0; i < a->nresults; i++)
		cadet_results__free(parts[i]);
	free(parts);
	return r;
}

int cmd_eval(int argc, char **argv)
{
	static const struct argp argp = {options, parse_opt, args_doc, doc};
	struct args a = {.tolerance = 0.02, .o = {.sz = sizeof(a.o)}};
	struct cadet_truth **truths = NULL;
	struct cadet_results *r = NULL;
	struct cadet_eval *e = NULL;
	json_t *j = NULL;
	char err[1024], buf[PATH_MAX];
	int ret = EXIT_BAD;

	char *name = argv[0];

	/* messages and --help say "cadet eval", not "eval" */
	argv[0] = "cadet eval";
	ret = argp_parse(&argp, argc, argv, 0, NULL, &a) ? EXIT_BAD : 0;
	argv[0] = name;
	if (ret)
		goto cleanup;
	ret = EXIT_BAD;
	r = load_results(&a);
	if (!r)
		goto cleanup;
	if (!r->ntraces) {
		fprintf(stderr,
			"cadet eval: %s%s: the header's \"test\" list is empty: nothing to evaluate\n",
			a.results[0], a.nresults > 1 ? " and the other shards" : "");
		goto cleanup;
	}
	if (r->skipped_trace)
		fprintf(stderr,
			"cadet eval: note: %zu score/alert lines name traces outside the test list; ignored\n",
			r->skipped_trace);
	if (r->skipped_type)
		fprintf(stderr,
			"cadet eval: note: %zu lines of unknown type ignored\n",
			r->skipped_type);
	truths = calloc(r->ntraces, sizeof(*truths));
	if (!truths)
		goto cleanup;
	for (size_t i = 0; i < r->ntraces; i++) {
		const char *p =
			trace_path(&a, r->traces[i].path, r->traces[i].part,
				   buf, sizeof(buf));

		if (r->traces[i].error)
			fprintf(stderr,
				"cadet eval: note: replay reported for %s: %s\n",
				r->traces[i].path, r->traces[i].error);
		/*
		 * Load (open) before hashing: the reader refuses what is not
		 * a regular file, such as /dev/zero, which would hash forever.
		 */
		truths[i] = cadet_truth__load(p, err, sizeof(err));
		if (!truths[i]) {
			fprintf(stderr,
				"cadet eval: %s\n(a test trace of %s; use --traces-dir if the traces moved)\n",
				err, a.results[r->traces[i].part]);
			goto cleanup;
		}
		if (!a.no_verify && verify_sha256(p, r->traces[i].sha256))
			goto cleanup;
		if (truths[i]->nscenarios > 1)
			fprintf(stderr,
				"cadet eval: note: %s has LABELs of several scenarios; all of it counts as '%s'\n",
				p, truths[i]->scenario);
	}
	e = cadet_eval__compute(r, truths, &a.o);
	if (!e) {
		fprintf(stderr, "cadet eval: evaluation failed: %s\n",
			strerror(errno));
		goto cleanup;
	}
	j = cadet_eval__to_json(e);
	if (!j) {
		fprintf(stderr, "cadet eval: out of memory\n");
		goto cleanup;
	}
	if (a.out && write_json(j, a.out))
		goto cleanup;
	if (a.md && write_md(e, a.md))
		goto cleanup;
	if (!a.out && !a.md && !a.baseline && write_md(e, "-"))
		goto cleanup;
	ret = a.baseline ? check_baseline(&a, j) : 0;
cleanup:
	json_decref(j);
	cadet_eval__free(e);
	if (truths)
		for (size_t i = 0; i < r->ntraces; i++)
			cadet_truth__free(truths[i]);
	free(truths);
	cadet_results__free(r);
	free(a.results);
	return ret;
}
