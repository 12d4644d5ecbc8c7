// SPDX-License-Identifier: MIT
/*
 * cadet report: report.md with PNG plots, a Grafana dashboard and an
 * OpenMetrics file from traces and, optionally, replay results and eval.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util/fs.h"
#include "reports/report.h"
#include "tools/commands.h"

/* Exit codes: 0 fine, 1 plots failed (the rest written), 2 bad input. */
#define EXIT_PLOTS 1
#define EXIT_BAD 2
#define MAX_NAMES 64

static const char doc[] =
	"Write a report of recorded traces: report.md with gnuplot PNGs "
	"(per-container CPU, memory, network and syscall rate with labeled "
	"windows and alerts; detector metric bars; F1 heat map), "
	"dashboard.json for Grafana's TestData datasource and metrics.om "
	"(OpenMetrics for promtool).\n"
	"\n"
	"--results and --eval are optional; without them the report shows "
	"the recording only. docs/reports.md describes the files, "
	"docs/grafana.md the dashboard import.\n"
	"\n"
	"Exit status: 0 fine, 1 the plots failed (everything else was "
	"written), 2 bad usage or input.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet report datasets/runs/memleak-*.cadet --results results.jsonl "
	"--eval eval.json -o reports/memleak/\n"
	"  cadet report run.cadet -o /tmp/rep --container web --container db\n"
	"  cadet report run.cadet -o /tmp/rep --no-plots\n"
	"  promtool tsdb create-blocks-from openmetrics reports/memleak/metrics.om "
	"/tmp/tsdb";

static const char args_doc[] = "TRACE...";

enum {
	OPT_OUT = 'o',
	OPT_RESULTS = 'r',
	OPT_EVAL = 'e',
	OPT_CONTAINER = 'c',
	OPT_MAX = 256,
	OPT_TITLE,
	OPT_NO_PLOTS,
	OPT_GNUPLOT,
};

static const struct argp_option options[] = {
	{"output", OPT_OUT, "DIR", 0,
	 "Write the report into DIR (created; default cadet-report)"},
	{"results", OPT_RESULTS, "FILE", 0,
	 "results.jsonl of `cadet replay`: alerts on the plots and dashboard"},
	{"eval", OPT_EVAL, "FILE", 0,
	 "eval.json of `cadet eval`: metric tables, bars, heat map"},
	{"container", OPT_CONTAINER, "NAME", 0,
	 "Show this container (repeatable; default: the anomaly targets and the busiest)"},
	{"max-containers", OPT_MAX, "N", 0,
	 "Show at most N containers per trace (default 8)"},
	{"title", OPT_TITLE, "TEXT", 0,
	 "Report and dashboard title (default: the scenarios)"},
	{"no-plots", OPT_NO_PLOTS, NULL, 0, "Do not run gnuplot"},
	{"gnuplot", OPT_GNUPLOT, "PROG", 0,
	 "gnuplot program to run (default gnuplot)"},
	{},
};

struct args {
	const char **traces;
	size_t ntraces;
	const char *names[MAX_NAMES];
	const char *out;
	bool no_plots;
	struct cadet_report_opts o;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;
	long v;

	switch (key) {
	case OPT_OUT:
		a->out = arg;
		break;
	case OPT_RESULTS:
		a->o.results = arg;
		break;
	case OPT_EVAL:
		a->o.eval = arg;
		break;
	case OPT_CONTAINER:
		if (a->o.ncontainers == MAX_NAMES)
			argp_error(state, "at most %d --container names",
				   MAX_NAMES);
		a->names[a->o.ncontainers++] = arg;
		break;
	case OPT_MAX:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 1000)
			argp_error(state,
				   "--max-containers '%s': want 1 to 1000",
				   arg);
		a->o.max_containers = (size_t)v;
		break;
	case OPT_TITLE:
		a->o.title = arg;
		break;
	case OPT_NO_PLOTS:
		a->no_plots = true;
		break;
	case OPT_GNUPLOT:
		a->o.gnuplot = arg;
		break;
	case ARGP_KEY_ARG:
		a->traces[a->ntraces++] = arg;
		break;
	case ARGP_KEY_END:
		if (!a->ntraces)
			argp_error(
				state,
				"which traces? e.g. cadet report run.cadet --results results.jsonl --eval eval.json -o report/");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static FILE *create(const char *dir, const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "cadet report: cannot write %s: %s\n", path,
			strerror(errno));
	return f;
}

static int finish(FILE *f, const char *path, int err)
{
	if (fclose(f))
		err = err ?: -EIO;
	if (err)
		fprintf(stderr, "cadet report: error writing %s: %s\n", path,
			strerror(-err));
	return err;
}

static int write_outputs(const struct cadet_report *r, const char *dir,
			 bool no_plots, int *exit_code)
{
	char path[4096], err[2048];
	int nplots = 0, ret;
	json_t *d;
	FILE *f;

	f = create(dir, "metrics.om", path, sizeof(path));
	if (!f)
		return -EIO;
	ret = finish(f, path, cadet_report__write_om(r, f));
	if (ret)
		return ret;

	d = cadet_report__dashboard(r);
	if (!d) {
		fprintf(stderr,
			"cadet report: out of memory building the dashboard\n");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/dashboard.json", dir);
	ret = json_dump_file(d, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(d);
	if (ret) {
		fprintf(stderr, "cadet report: cannot write %s\n", path);
		return -EIO;
	}

	if (!no_plots) {
		nplots = cadet_report__plot(r, dir, err, sizeof(err));
		if (nplots < 0) {
			fprintf(stderr, "cadet report: %s\n", err);
			*exit_code = EXIT_PLOTS;
			nplots = 0;
		}
	}

	f = create(dir, "report.md", path, sizeof(path));
	if (!f)
		return -EIO;
	ret = finish(f, path,
		     cadet_report__write_md(r, f, !no_plots && !*exit_code));
	if (ret)
		return ret;
	printf("%s/report.md, dashboard.json, metrics.om, %d PNG(s)\n", dir,
	       nplots);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = {options, parse_opt, args_doc, doc};
	struct args a = {.out = "cadet-report", .o = {.sz = sizeof(a.o)}};
	struct cadet_report *r = NULL;
	char *name = argv[0], err[1024];
	int ret, exit_code = 0;

	a.traces = calloc(argc, sizeof(*a.traces));
	if (!a.traces) {
		fprintf(stderr, "cadet report: out of memory\n");
		return EXIT_BAD;
	}
	a.o.containers = a.names;
	/* messages and --help say "cadet report"; usage errors exit 2 */
	argv[0] = "cadet report";
	argp_err_exit_status = EXIT_BAD;
	ret = argp_parse(&argp, argc, argv, 0, NULL, &a);
	argv[0] = name;
	if (ret) {
		exit_code = EXIT_BAD;
		goto cleanup;
	}
	r = cadet_report__load(a.traces, a.ntraces, &a.o, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "cadet report: %s\n", err);
		exit_code = EXIT_BAD;
		goto cleanup;
	}
	if (r->results_alerts_unmatched)
		fprintf(stderr,
			"cadet report: note: %zu alerts in %s name traces not given on the command line; not shown\n",
			r->results_alerts_unmatched, a.o.results);
	for (size_t i = 0; i < r->ntraces; i++)
		if (!r->traces[i].nshown)
			fprintf(stderr,
				"cadet report: note: %s has no container with METRICS%s; nothing to plot for it\n",
				r->traces[i].path,
				a.o.ncontainers ? " among the --container names"
						: "");
	ret = util_mkdir_p(a.out);
	if (ret) {
		fprintf(stderr, "cadet report: cannot create %s: %s\n", a.out,
			strerror(-ret));
		exit_code = EXIT_BAD;
		goto cleanup;
	}
	if (write_outputs(r, a.out, a.no_plots, &exit_code))
		exit_code = EXIT_BAD;
cleanup:
	cadet_report__free(r);
	free(a.traces);
	return exit_code;
}
