// SPDX-License-Identifier: MIT
/*
 * cadet run: the command line of the scenario runner (injector/run.h).
 * Every scenario file, in every variant --profile and --intensity ask
 * for (injector/profile.h), is loaded, validated and overridden before
 * anything starts.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "injector/catalogue.h"
#include "injector/cleanup.h"
#include "injector/profile.h"
#include "injector/run.h"
#include "injector/scenario.h"
#include "lib/util/args.h"
#include "lib/util/fs.h"
#include "recorder/redact.h"
#include "tools/commands.h"
#include "tools/redact_opts.h"

struct run_args {
	struct run_opts run;
	char **files;
	int nfiles;
	const char *list_dir;
	const char *start;
	unsigned int duration;
	bool list;
	int nseq_exclude;
	struct redact_args redact;
	const char *profiles; /* --profile: NULL, "all" or "a,b" */
	const char *intensities; /* --intensity: the same */
};

static const char doc[] =
	"Run labeled anomaly scenarios in real runc containers and record them.\n"
	"\n"
	"Each run starts the scenario's containers and normal load, injects\n"
	"its anomaly at an onset drawn from the seed, and writes a trace with\n"
	"LABEL records holding the ground truth. Needs root (runc, eBPF).\n"
	"\n"
	"Examples:\n"
	"  cadet run scenarios/memleak.ini -o datasets/runs/\n"
	"  cadet run scenarios/*.ini --repeat 5 --seed 7 -o datasets/runs/\n"
	"  cadet run scenarios/port_scan.ini --duration 20 --start 5 -v\n"
	"  cadet run scenarios/memleak.ini --normal     same load, no anomaly\n"
	"  cadet run scenarios/cpu_hog.ini --profile all --intensity all\n"
	"        one run per application profile and intensity\n"
	"  cadet run scenarios/*.ini --dry-run          validate, print the plan\n"
	"  cadet run --list                             the catalogue\n"
	"  cadet run scenarios/*.ini --redact --redact-keep /var/log --redact-key ds.key\n"
	"        argv and paths hashed (docs/trace-format.md, section 9)\n"
	"\n"
	"Traces (and --keep copies) are created 0600, or 0640 with\n"
	"--group-readable: they hold command lines and paths.\n"
	"\n"
	"Exit status: 0 ok, 1 a run failed, 2 bad arguments or scenario file,\n"
	"128+N stopped by signal N (130 SIGINT, 143 SIGTERM).";

static const char args_doc[] = "SCENARIO.ini...";

enum {
	OPT_START = 0x100,
	OPT_KEEP,
	OPT_NORMAL,
	OPT_ROOTFS,
	OPT_PAYLOADS,
	OPT_DIR,
	OPT_SYSCALL_SEQ,
	OPT_SEQ_EXCLUDE,
	OPT_GROUP_READABLE,
	OPT_SHARD,
	OPT_LAUNCHER,
	OPT_PROFILE,
	OPT_INTENSITY,
};

static const struct argp_option options[] = {
	{"output", 'o', "DIR", 0, "Trace directory (default datasets/runs)"},
	{"repeat", 'r', "N", 0,
	 "Runs per scenario, seeds SEED..SEED+N-1 (default 1)"},
	{"seed", 's', "N", 0,
	 "Seed of the first run (default: the file's seed)"},
	{"duration", 'd', "S", 0,
	 "Override the run duration, seconds (anomaly scaled to fit)"},
	{"start", OPT_START, "A-B", 0,
	 "Override the anomaly onset range, seconds"},
	{"profile", OPT_PROFILE, "NAME[,NAME]|all", 0,
	 "Run against these application profiles (scenarios/profiles/NAME.ini; "
	 "all: the file's profiles = list)"},
	{"intensity", OPT_INTENSITY, "NAME[,NAME]|all", 0,
	 "Apply these [intensity NAME] sections (all: every one)"},
	{"normal", OPT_NORMAL, NULL, 0,
	 "Run without the anomaly (a normal-only trace)"},
	{"syscall-seq", OPT_SYSCALL_SEQ, NULL, 0,
	 "Also record every syscall (nr, ret, tid) for sequence detectors"},
	{"seq-exclude", OPT_SEQ_EXCLUDE, "NAME", 0,
	 "With --syscall-seq: not the syscalls of container NAME (repeatable)"},
	{"list", 'l', NULL, 0, "List the scenario catalogue and exit"},
	{"dir", OPT_DIR, "DIR", 0,
	 "Catalogue directory for --list (default scenarios)"},
	{"dry-run", 'n', NULL, 0,
	 "Parse, validate and print the plan; start nothing"},
	{"keep", OPT_KEEP, NULL, 0,
	 "Keep container output and load scripts beside the trace"},
	{"rootfs", OPT_ROOTFS, "DIR", 0,
	 "Use this root filesystem for every container"},
	{"payloads", OPT_PAYLOADS, "DIR", 0,
	 "Payload binaries (default: payloads/ beside the cadet binary)"},
	{"verbose", 'v', NULL, 0,
	 "Say what happens (twice: runc commands too)"},
	{"launcher", OPT_LAUNCHER, "NAME", 0,
	 "Run the containers with runc (default) or docker (the daemon of "
	 "$DOCKER_HOST; overrides the file's launcher key)"},
	{"group-readable", OPT_GROUP_READABLE, NULL, 0,
	 "Create traces and kept files 0640 instead of 0600"},
	{"shard", OPT_SHARD, "I/N", 0,
	 "Do only the I-th of N shares of the runs (1-based; run k, from 0, of the "
	 "list, scenarios in the order given, each --repeat times, goes to "
	 "shard k mod N + 1); docs/scale.md"},
	{0},
};

static int parse_uint_arg(const char *s, unsigned long long max,
			  unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;
	unsigned long long v;

	switch (key) {
	case 'o':
		a->run.outdir = arg;
		break;
	case 'r':
		if (parse_uint_arg(arg, 100000, &v) || v == 0)
			argp_error(state,
				   "--repeat: expected a count >= 1, got '%s'",
				   arg);
		a->run.repeat = (unsigned int)v;
		break;
	case 's':
		if (parse_uint_arg(arg, UINT64_MAX, &v))
			argp_error(state,
				   "--seed: expected a whole number, got '%s'",
				   arg);
		a->run.seed = v;
		a->run.seed_set = true;
		break;
	case 'd':
		if (parse_uint_arg(arg, SCENARIO_DURATION_MAX, &v) ||
		    v < SCENARIO_DURATION_MIN)
			argp_error(
				state,
				"--duration: expected %d..%d seconds, got '%s'",
				SCENARIO_DURATION_MIN, SCENARIO_DURATION_MAX,
				arg);
		a->duration = (unsigned int)v;
		break;
	case OPT_START: {
		unsigned int lo, hi;

		if (scenario_parse_range(arg, &lo, &hi))
			argp_error(
				state,
				"--start: expected N or A-B seconds, got '%s'",
				arg);
		a->start = arg;
		break;
	}
	case OPT_NORMAL:
		a->run.normal = true;
		break;
	case OPT_PROFILE:
		a->profiles = arg;
		break;
	case OPT_INTENSITY:
		a->intensities = arg;
		break;
	case OPT_SYSCALL_SEQ:
		a->run.syscall_seq = true;
		break;
	case OPT_LAUNCHER:
		if (strcmp(arg, "runc") && strcmp(arg, "docker"))
			argp_error(state,
				   "bad --launcher '%s': give runc or docker",
				   arg);
		a->run.launcher = arg;
		break;
	case OPT_SEQ_EXCLUDE:
		if (a->nseq_exclude == SCENARIO_MAX_CONTAINERS)
			argp_error(state, "at most %d --seq-exclude options",
				   SCENARIO_MAX_CONTAINERS);
		a->run.seq_exclude[a->nseq_exclude++] = arg;
		break;
	case 'l':
		a->list = true;
		break;
	case OPT_DIR:
		a->list_dir = arg;
		break;
	case 'n':
		a->run.dry_run = true;
		break;
	case OPT_KEEP:
		a->run.keep = true;
		break;
	case OPT_ROOTFS:
		a->run.rootfs = arg;
		break;
	case OPT_PAYLOADS:
		a->run.payload_dir = arg;
		break;
	case 'v':
		a->run.verbose++;
		break;
	case OPT_GROUP_READABLE:
		util_set_group_readable(true);
		break;
	case OPT_SHARD:
		if (shard_parse(arg, &a->run.shard))
			argp_error(
				state,
				"--shard: expected I/N with 1 <= I <= N (e.g. 2/3), got '%s'",
				arg);
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->redact;
		break;
	case ARGP_KEY_ARG:
		return ARGP_ERR_UNKNOWN;
	case ARGP_KEY_ARGS:
		a->files = state->argv + state->next;
		a->nfiles = state->argc - state->next;
		break;
	case ARGP_KEY_END:
		if (!a->list && a->nfiles == 0)
			argp_error(
				state,
				"no scenario file given (try: cadet run --list)");
		if (a->start && a->run.normal)
			argp_error(state,
				   "--start and --normal do not go together");
		redact_args__check(&a->redact, state);
		/* Kept container output and scripts are copied as they are. */
		if (a->redact.on && a->run.keep)
			argp_error(
				state,
				"--keep copies container output unredacted: it does not go with --redact");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * Every file and variant valid and overridden before anything starts;
 * 0 or 2.
 */
static int load_scenarios(const struct run_args *a,
			  const struct profile_job *jobs, size_t njobs,
			  struct scenario **scns)
{
	int ret = 0;

	for (size_t i = 0; i < njobs; i++) {
		char msg[512], note[512];

		if (scenario_load_reporting(jobs[i].path, &jobs[i].sel,
					    &scns[i])) {
			ret = 2;
			continue;
		}
		if (scenario__override(scns[i], a->duration, a->start, msg,
				       sizeof(msg), note, sizeof(note))) {
			fprintf(stderr, "cadet run: %s: %s\n", jobs[i].path,
				msg);
			ret = 2;
		} else if (*note) {
			fprintf(stderr, "cadet run: %s: %s\n", jobs[i].path,
				note);
		}
	}
	return ret;
}

int cmd_run(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{&redact_args_argp, 0, NULL, 0},
		{0},
	};
	struct run_args a = {.run = {.outdir = "datasets/runs",
				     .repeat = 1,
				     .shard = SHARD_ALL},
			     .redact = {.not_with = "--keep"}};
	const struct argp argp = {options, parse_opt, args_doc, doc, children};
	struct scenario **scns = NULL;
	struct profile_job *jobs = NULL;
	size_t njobs = 0;
	char *cmdline = NULL, msg[512];
	int ret;

	/* For the trace header, before argp reorders argv. */
	cmdline = util_join_args("cadet run", argc, argv);
	if (!cmdline)
		return 1;
	/* Messages and usage say "cadet run"; bad usage exits 2. */
	argv[0] = "cadet run";
	argp_err_exit_status = 2;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a)) {
		free(cmdline);
		return 2;
	}
	if (a.list) {
		free(cmdline);
		return scenario_catalogue_list(a.list_dir);
	}
	if (redact_args__new_redact(&a.redact, "cadet run", &a.run.redact)) {
		free(cmdline);
		return 2;
	}
	/* One job per file and chosen profile and intensity. */
	if (profile_jobs(a.files, (size_t)a.nfiles, a.profiles, a.intensities,
			 &jobs, &njobs, msg, sizeof(msg))) {
		/* Only memory runs out here; names are checked at load. */
		fprintf(stderr, "cadet run: %s", msg);
		ret = 1;
		goto cleanup;
	}
	scns = calloc(njobs ? njobs : 1, sizeof(*scns));
	if (!scns) {
		ret = 1;
		goto cleanup;
	}
	ret = load_scenarios(&a, jobs, njobs, scns);
	if (!ret)
		ret = run_series(&a.run, scns, njobs, cmdline);
cleanup:
	redact__free(a.run.redact);
	free(cmdline);
	for (size_t i = 0; scns && i < njobs; i++)
		scenario__free(scns[i]);
	free(scns);
	profile_jobs_free(jobs, njobs);
	return cleanup_exit_code(ret);
}
