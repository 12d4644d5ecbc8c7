// SPDX-License-Identifier: MIT
/*
 * cadet replay: feed traces to detectors, deterministically.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detect/registry.h"
#include "lib/util/fs.h"
#include "lib/util/shard.h"
#include "replayer/replay.h"
#include "replayer/synth.h"
#include "tools/commands.h"

enum {
	OPT_TRAIN = 0x100,
	OPT_VALIDATE,
	OPT_TEST,
	OPT_LIST,
	OPT_EXEC_TIMEOUT,
	OPT_SYNTH,
	OPT_SYNTH_RECORDS,
	OPT_SYNTH_CONTAINERS,
	OPT_SYNTH_SECONDS,
	OPT_SYNTH_ANOMALY,
	OPT_SAVE_MODEL,
	OPT_DETECTOR_TIMEOUT,
	OPT_IN_PROCESS,
	OPT_GROUP_READABLE,
	OPT_SHARD,
};

struct targ {
	enum cadet_phase phase;
	const char *path;
};

struct args {
	struct replay *r;
	struct targ *traces;
	size_t ntraces;
	size_t ntest;
	enum cadet_phase mode; /* where plain arguments go */
	const char *output;
	const char *save_model;
	uint64_t seed;
	int jobs;
	int exec_timeout;
	int detector_timeout;
	bool in_process;
	bool quiet;
	bool list;
	const char **dets;
	size_t ndets;
	struct shard shard;
	const char *synth;
	struct synth_opts so;
	int ret;
};

static const char doc[] =
	"Replay traces into detectors, deterministically.\n"
	"\n"
	"Detectors train on --train traces (normal-only), get their alert\n"
	"threshold from their scores on --validate traces (normal-only; the\n"
	"largest score, or threshold=qNN for a quantile) and are then run on\n"
	"the test traces. Results go to -o as JSON lines: a header, then one\n"
	"line per score and alert in (trace, detector, time) order. The same\n"
	"inputs, parameters and --seed give byte-identical output, whatever\n"
	"--jobs. --train, --validate and --test take every argument up to the\n"
	"next option; other plain arguments are test traces.\n"
	"\n"
	"A detector is NAME[:key=value,...] (built-in, see --list-detectors),\n"
	"PATH.so[:key=value,...] (a plugin, docs/detector-abi.md) or\n"
	"exec:COMMAND (a program reading JSON lines). Every detector takes\n"
	"threshold=max|qNN|NUMBER|none.\n"
	"\n"
	"A .so plugin runs in a child process of its own: when it crashes,\n"
	"exits or hangs (no progress for --detector-timeout seconds; then it\n"
	"is killed) that detector alone is disabled, with a message naming it,\n"
	"the signal and the callback, and the others' results are written.\n"
	"--in-process dlopen()s plugins into cadet instead (trusted plugins;\n"
	"a crash there ends the run). Built-in detectors always run in-process.\n"
	"\n"
	"Exit status: 0 clean; 1 a trace was skipped (damaged, not a regular\n"
	"file) or cut (its records before the cut, e.g. by a killed recorder,\n"
	"are replayed, with a warning), or a detector disabled\n"
	"(it failed, crashed, exited or hung; said on stderr, the results\n"
	"header has \"disabled\": why, the rest is written); 2 bad usage or\n"
	"input (nothing written).\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet replay run.cadet --detector rules --detector iforest:trees=100 -o results.jsonl\n"
	"  cadet replay --train ref/train/*.cadet --validate ref/val/*.cadet \\\n"
	"      --detector stide:n=6 ref/test/*.cadet -j 2 -o results.jsonl\n"
	"  cadet replay run.cadet --detector ./mydetector.so:threshold=3\n"
	"  cadet replay run.cadet --detector 'exec:python3 examples/detectors/sk_iforest.py'\n"
	"  cadet replay --train normal/*.cadet --validate val/*.cadet --detector iforest \\\n"
	"      --save-model iforest.model      (then: cadet record --live --model iforest.model)\n"
	"  cadet replay --list-detectors\n"
	"  cadet replay --make-synthetic big.cadet --synth-records 10000000";

static const struct argp_option options[] = {
	{"detector", 'd', "SPEC", 0, "Detector to run (repeatable)", 0},
	{"train", OPT_TRAIN, "TRACE...", 0, "Training traces (normal-only)", 0},
	{"validate", OPT_VALIDATE, "TRACE...", 0,
	 "Validation traces (normal-only): set thresholds", 0},
	{"test", OPT_TEST, "TRACE...", 0, "Test traces (also: plain args)", 0},
	{"output", 'o', "FILE", 0, "Results file (default: stdout)", 0},
	{"jobs", 'j', "N", 0, "Worker threads (default 1)", 0},
	{"seed", 's', "N", 0, "Base seed (default 1)", 0},
	{"quiet", 'q', NULL, 0, "No summary on stderr", 0},
	{"list-detectors", OPT_LIST, NULL, 0,
	 "List built-in detectors and their parameters", 0},
	{"save-model", OPT_SAVE_MODEL, "PATH", 0,
	 "After training and validation, save the model and threshold "
	 "(PATH, PATH.threshold; with several detectors PATH.<name>) for "
	 "cadet record --live --model",
	 0},
	{"group-readable", OPT_GROUP_READABLE, NULL, 0,
	 "Create the results and models 0640 instead of 0600 (owner only)", 0},
	{"exec-timeout", OPT_EXEC_TIMEOUT, "SECONDS", 0,
	 "Longest wait for an exec'd detector's answer (default 120)", 0},
	{"detector-timeout", OPT_DETECTOR_TIMEOUT, "SECONDS", 0,
	 "Longest a .so plugin's process may go without progress before it "
	 "is killed and its detector disabled (default 60)",
	 0},
	{"shard", OPT_SHARD, "I/N", 0,
	 "Test only the I-th of N shares of the test traces (1-based; "
	 "ranked by path, round robin); training and validation stay "
	 "whole. cadet eval merges the N results (docs/scale.md)",
	 0},
	{"in-process", OPT_IN_PROCESS, NULL, 0,
	 "Load .so plugins into cadet itself: no isolation (trusted "
	 "plugins only)",
	 0},
	{NULL, 0, NULL, 0, "Synthetic traces (tests, benchmarks):", 1},
	{"make-synthetic", OPT_SYNTH, "FILE", 0,
	 "Write a seeded synthetic trace to FILE and exit", 1},
	{"synth-records", OPT_SYNTH_RECORDS, "N", 0,
	 "About N records (default 10000)", 1},
	{"synth-containers", OPT_SYNTH_CONTAINERS, "N", 0,
	 "Containers (default 3)", 1},
	{"synth-seconds", OPT_SYNTH_SECONDS, "N", 0,
	 "Trace length in seconds (default 60)", 1},
	{"synth-anomaly", OPT_SYNTH_ANOMALY, "TYPE", 0,
	 "Label an anomaly of TYPE (e.g. mem_leak) on ctr0", 1},
	{},
};

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct args *a = st->input;
	uint64_t v;

	switch (key) {
	case OPT_TRAIN:
	case OPT_VALIDATE:
	case OPT_TEST:
		a->mode = CADET_PHASE_TEST;
		if (key == OPT_TRAIN)
			a->mode = CADET_PHASE_TRAIN;
		else if (key == OPT_VALIDATE)
			a->mode = CADET_PHASE_VALIDATE;
		/* The option's argument is the first trace of its list. */
		__attribute__((fallthrough));
	case ARGP_KEY_ARG: {
		struct targ *t =
			realloc(a->traces, (a->ntraces + 1) * sizeof(*t));

		if (!t)
			argp_failure(st, 2, ENOMEM, "trace list");
		a->traces = t;
		a->traces[a->ntraces].phase = a->mode;
		a->traces[a->ntraces++].path = arg;
		a->ntest += a->mode == CADET_PHASE_TEST;
		return 0;
	}
	}
	/* Any other option ends a --train/--validate/--test list. */
	a->mode = CADET_PHASE_TEST;
	switch (key) {
	case 'd': {
		const char **d = realloc(a->dets, (a->ndets + 1) * sizeof(*d));

		if (!d)
			argp_failure(st, 2, ENOMEM, "detector list");
		a->dets = d;
		a->dets[a->ndets++] = arg;
		break;
	}
	case 'o':
		a->output = arg;
		break;
	case 'j':
		if (parse_u64(arg, 1, 64, &v))
			argp_error(st, "--jobs %s: want a number from 1 to 64",
				   arg);
		a->jobs = v;
		break;
	case 's':
		if (parse_u64(arg, 0, INT64_MAX, &v))
			argp_error(
				st,
				"--seed %s: want an integer from 0 to 2^63-1",
				arg);
		a->seed = v;
		break;
	case 'q':
		a->quiet = true;
		break;
	case OPT_LIST:
		a->list = true;
		break;
	case OPT_EXEC_TIMEOUT:
		if (parse_u64(arg, 1, 86400, &v))
			argp_error(
				st,
				"--exec-timeout %s: want seconds, 1 to 86400",
				arg);
		a->exec_timeout = v;
		break;
	case OPT_DETECTOR_TIMEOUT:
		if (parse_u64(arg, 1, 86400, &v))
			argp_error(
				st,
				"--detector-timeout %s: want seconds, 1 to 86400",
				arg);
		a->detector_timeout = v;
		break;
	case OPT_IN_PROCESS:
		a->in_process = true;
		break;
	case OPT_SAVE_MODEL:
		a->save_model = arg;
		break;
	case OPT_GROUP_READABLE:
		util_set_group_readable(true);
		break;
	case OPT_SHARD:
		if (shard_parse(arg, &a->shard))
			argp_error(
				st,
				"--shard %s: want I/N with 1 <= I <= N, e.g. --shard 2/3",
				arg);
		break;
	case OPT_SYNTH:
		a->synth = arg;
		break;
	case OPT_SYNTH_RECORDS:
		if (parse_u64(arg, 1, 1ull << 40, &a->so.records))
			argp_error(st,
				   "--synth-records %s: want a positive count",
				   arg);
		break;
	case OPT_SYNTH_CONTAINERS:
		if (parse_u64(arg, 1, 1000, &v))
			argp_error(st, "--synth-containers %s: want 1 to 1000",
				   arg);
		a->so.containers = v;
		break;
	case OPT_SYNTH_SECONDS:
		if (parse_u64(arg, 1, 86400 * 7, &a->so.seconds))
			argp_error(st, "--synth-seconds %s: want 1 to 604800",
				   arg);
		break;
	case OPT_SYNTH_ANOMALY:
		a->so.anomaly = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void list_detectors(void)
{
	const struct cadet_detector_ops *ops;

	printf("Built-in detectors (NAME[:key=value,...]):\n");
	for (size_t i = 0; (ops = builtin_detector_at(i)); i++) {
		printf("  %-8s %s\n", ops->name,
		       ops->description ? ops->description : "");
		if (ops->params_help && *ops->params_help)
			printf("           params: %s\n", ops->params_help);
	}
	printf("\nEvery detector also takes threshold=max|qNN|NUMBER|none "
	       "(host-level):\n"
	       "  max   the largest score on --validate traces (default)\n"
	       "  qNN   the NN%% quantile of validation scores (nearest rank), "
	       "e.g. q99\n"
	       "  N     a fixed number; none: no alerts from scores\n"
	       "\nPlugins: PATH.so[:key=value,...], built against "
	       "include/cadet/detector.h (ABI %u.%u).\n"
	       "Programs: exec:COMMAND, JSON lines on stdin/stdout "
	       "(docs/detector-abi.md).\n",
	       CADET_DETECTOR_ABI_MAJOR, CADET_DETECTOR_ABI_MINOR);
}

static int make_synthetic(struct args *a)
{
	uint64_t n = 0;
	int err;

	if (!a->so.records)
		a->so.records = 10000;
	a->so.seed = a->seed;
	err = synth_write(a->synth, &a->so, &n);
	if (err) {
		fprintf(stderr, "cadet replay: cannot write %s: %s\n", a->synth,
			strerror(-err));
		return 2;
	}
	if (!a->quiet)
		printf("%s: %" PRIu64 " records\n", a->synth, n);
	return 0;
}

/*
 * Results go to a temporary file renamed into place on success, so a
 * failed run never leaves half a file. Only regular files: a device or a
 * FIFO (-o /dev/null, -o /dev/stdout) is written in place.
 */
static int run(struct args *a)
{
	bool to_file = a->output && strcmp(a->output, "-");
	bool in_place = false;
	char tmp[PATH_MAX] = "";
	FILE *out = stdout;
	struct stat st;
	int ret, fd = -1;

	if (to_file && !stat(a->output, &st) && !S_ISREG(st.st_mode)) {
		in_place = true;
		out = fopen(a->output, "w");
	} else if (to_file) {
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", a->output) >=
		    (int)sizeof(tmp)) {
			fprintf(stderr, "cadet replay: %s: path too long\n",
				a->output);
			return 2;
		}
		fd = mkstemp(tmp);
		out = fd >= 0 ? fdopen(fd, "w") : NULL;
		/* Results name containers and processes: 0600 unless
		 * --group-readable (mkstemp already made it 0600). */
		if (out)
			util_fchmod_regular(fd, util_data_mode());
	}
	if (!out) {
		fprintf(stderr, "cadet replay: cannot create %s: %s\n",
			a->output, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return 2;
	}
	ret = replay__run(a->r, out);
	if (ret < 0)
		fprintf(stderr, "cadet replay: %s\n", replay__error(a->r));
	if (!to_file)
		return ret < 0 ? 2 : ret;
	if (fclose(out) && ret >= 0) {
		fprintf(stderr, "cadet replay: cannot write %s: %s\n",
			a->output, strerror(errno));
		ret = -EIO;
	}
	if (in_place)
		return ret < 0 ? 2 : ret;
	if (ret >= 0 && rename(tmp, a->output)) {
		fprintf(stderr, "cadet replay: cannot write %s: %s\n",
			a->output, strerror(errno));
		ret = -EIO;
	}
	if (ret < 0) {
		unlink(tmp);
		return 2;
	}
	return ret;
}

/*
 * --shard: drop the test traces of other shards. Training and validation
 * traces stay, so every shard trains the same models and thresholds.
 */
static int keep_shard(struct args *a)
{
	const char **names = NULL;
	bool *mine = NULL;
	size_t n = 0, kept = 0;
	int ret = -ENOMEM;

	if (!shard_is_split(&a->shard))
		return 0;
	names = calloc(a->ntest + 1, sizeof(*names));
	mine = calloc(a->ntest + 1, sizeof(*mine));
	if (!names || !mine)
		goto cleanup;
	for (size_t i = 0; i < a->ntraces; i++)
		if (a->traces[i].phase == CADET_PHASE_TEST)
			names[n++] = a->traces[i].path;
	ret = shard_select_sorted(&a->shard, names, n, mine);
	if (ret)
		goto cleanup;
	n = 0;
	for (size_t i = 0; i < a->ntraces; i++) {
		if (a->traces[i].phase == CADET_PHASE_TEST && !mine[n++])
			continue;
		a->traces[kept++] = a->traces[i];
	}
	a->ntraces = kept;
cleanup:
	free(mine);
	free(names);
	return ret;
}

int cmd_replay(int argc, char **argv)
{
	struct args a = {.mode = CADET_PHASE_TEST,
			 .seed = 1,
			 .jobs = 1,
			 .shard = SHARD_ALL};
	struct argp argp = {options, parse_opt, "[TRACE...]", doc};
	struct replay_opts o = {.sz = sizeof(o)};
	int ret = 2;

	/* An exec'd detector that dies must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		goto cleanup;
	if (a.list) {
		list_detectors();
		ret = 0;
		goto cleanup;
	}
	if (a.synth) {
		ret = make_synthetic(&a);
		goto cleanup;
	}
	if (!a.ndets) {
		fprintf(stderr,
			"cadet replay: no detector: add --detector NAME (see --list-detectors)\n");
		goto cleanup;
	}
	if (!a.ntest && !a.save_model) {
		fprintf(stderr,
			"cadet replay: no test trace: name the traces to test (plain arguments or --test)\n");
		goto cleanup;
	}
	if (keep_shard(&a)) {
		fprintf(stderr, "cadet replay: out of memory\n");
		goto cleanup;
	}
	o.seed = a.seed;
	o.jobs = a.jobs;
	o.quiet = a.quiet;
	o.exec_timeout_s = a.exec_timeout;
	o.detector_timeout_s = a.detector_timeout;
	o.in_process = a.in_process;
	o.save_model = a.save_model;
	/* Only training a model: no results unless asked for. */
	if (!a.ntest && !a.output)
		a.output = "/dev/null";
	a.r = replay__new(&o);
	if (!a.r) {
		fprintf(stderr, "cadet replay: out of memory\n");
		goto cleanup;
	}
	for (size_t i = 0; i < a.ntraces; i++) {
		if (replay__add_trace(a.r, a.traces[i].phase,
				      a.traces[i].path)) {
			fprintf(stderr, "cadet replay: %s\n",
				replay__error(a.r));
			goto cleanup;
		}
	}
	for (size_t i = 0; i < a.ndets; i++) {
		if (replay__add_detector(a.r, a.dets[i])) {
			fprintf(stderr, "cadet replay: %s\n",
				replay__error(a.r));
			goto cleanup;
		}
	}
	ret = run(&a);
cleanup:
	free(a.dets);
	free(a.traces);
	replay__free(a.r);
	return ret;
}
