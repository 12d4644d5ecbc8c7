// SPDX-License-Identifier: MIT
/*
 * cadet record: record the eBPF events of containers into a trace.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/args.h"
#include "lib/util/fs.h"
#include "live/live.h"
#include "recorder/recorder.h"
#include "recorder/redact.h"
#include "tools/commands.h"
#include "tools/redact_opts.h"

#define NSEC 1000000000ull
#define MAX_CGROUPS 64
#define MAX_DETECTORS 32
#define DEFAULT_METRICS_ADDR "127.0.0.1:9464"

struct record_args {
	struct recorder_opts o;
	const char *cgroups[MAX_CGROUPS + 1];
	int ncgroups;
	const char *seq_exclude[MAX_CGROUPS + 1];
	int nseq_exclude;
	uint64_t probes;
	bool probes_given;
	bool live;
	bool live_opt; /* a live-only option was given */
	struct live_opts lo;
	const char *dets[MAX_DETECTORS + 1];
	int ndets;
	const char *models[MAX_DETECTORS + 1];
	int nmodels;
	struct redact_args redact;
};

static const char doc[] =
	"Record the eBPF events of containers into a cadet trace.\n"
	"\n"
	"Every container on the host is recorded, plus the cgroups given with\n"
	"--cgroup; --all adds the host's own processes. Stop with Ctrl-C\n"
	"(SIGINT) or SIGTERM: the trace is finished cleanly either way.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet record -o run.cadet -d 30\n"
	"        every container on the host for 30 s\n"
	"  cadet record -o run.cadet --probes process,net,security --syscall-seq --interval 100ms\n"
	"        three probe families plus every syscall, metrics every 100 ms\n"
	"  cadet record -o run.cadet --cgroup /sys/fs/cgroup/unified/foo --all --pcap\n"
	"        a hand-made cgroup and the host, with packet captures\n"
	"  cadet record -o run.cadet -d 60 --bpf-stats\n"
	"        also the probes' kernel run time per program (cadet info shows\n"
	"        it as \"recorder cost\"); costs every BPF program on the host\n"
	"        about 100 ns per run while on, so it is off by default\n"
	"  cadet record --live --detector rules --detector zscore:threshold=8 \\\n"
	"        --alerts alerts.jsonl --metrics-addr 127.0.0.1:9464\n"
	"        live detection: alerts as JSON lines, Prometheus metrics at\n"
	"        http://127.0.0.1:9464/metrics; add -o to record as well\n"
	"  cadet record --live --detector iforest --model iforest.model --webhook URL\n"
	"        a model trained by cadet replay --save-model; alerts POSTed to\n"
	"        an Alertmanager-style webhook (docs/live.md)\n"
	"  cadet record -o run.cadet --redact --redact-keep /var/log --redact-key ds.key\n"
	"        argv and paths outside /bin /sbin /usr /lib* /etc /proc /sys /dev\n"
	"        /var/log replaced by keyed hashes (docs/trace-format.md, section 9)\n"
	"\n"
	"FILES: the trace, pcaps and --alerts are created 0600 (owner only), or\n"
	"0640 with --group-readable: they hold command lines, paths, packets.\n"
	"\n"
	"PROBES: process, syscall, file, net, mem, cpu, security (default: all)\n";

enum {
	OPT_PROBES = 0x100,
	OPT_SYSCALL_SEQ,
	OPT_INTERVAL,
	OPT_CGROUP,
	OPT_ALL,
	OPT_PCAP,
	OPT_RINGBUF,
	OPT_LIVE,
	OPT_DETECTOR,
	OPT_MODEL,
	OPT_METRICS_ADDR,
	OPT_ALERTS,
	OPT_WEBHOOK,
	OPT_LIVE_QUEUE,
	OPT_SEED,
	OPT_DETECTOR_TIMEOUT,
	OPT_IN_PROCESS,
	OPT_SEQ_EXCLUDE,
	OPT_GROUP_READABLE,
	OPT_DOCKER_HOST,
	OPT_CONTAINERD_STATE,
	OPT_PODMAN_STORAGE,
	OPT_BPF_STATS,
};

static const struct argp_option options[] = {
	{"output", 'o', "FILE", 0,
	 "Trace file to write (required, except with --live)", 0},
	{"duration", 'd', "TIME", 0,
	 "Stop after TIME (seconds, or with an ms/s/m suffix); default: until Ctrl-C",
	 0},
	{"probes", OPT_PROBES, "LIST", 0,
	 "Comma-separated probe families to load (default: all)", 0},
	{"syscall-seq", OPT_SYSCALL_SEQ, NULL, 0,
	 "Also record every syscall (nr, ret, tid): costly", 0},
	{"seq-exclude", OPT_SEQ_EXCLUDE, "NAME", 0,
	 "With --syscall-seq: not the syscalls of this container (repeatable)",
	 0},
	{"interval", OPT_INTERVAL, "TIME", 0,
	 "Metrics interval (default 1s, at least 100ms)", 0},
	{"cgroup", OPT_CGROUP, "PATH", 0,
	 "Record this cgroup v2 directory too (repeatable)", 0},
	{"all", OPT_ALL, NULL, 0,
	 "Record host processes too, not only containers", 0},
	{"pcap", OPT_PCAP, NULL, 0,
	 "Capture each container's packets into TRACE-<container>.pcap", 0},
	{"ringbuf", OPT_RINGBUF, "MB", 0,
	 "Ring buffer size in MiB, a power of two (default 4)", 0},
	{"bpf-stats", OPT_BPF_STATS, NULL, 0,
	 "Record the probes' kernel run time (bpf_stats records; costs every "
	 "BPF program on the host about 100 ns per run)",
	 0},
	{"verbose", 'v', NULL, 0, "Say more (twice: libbpf debug output)", 0},
	{"docker-host", OPT_DOCKER_HOST, "SOCKET", 0,
	 "Docker's API socket for container names and images (default $DOCKER_HOST, else /var/run/docker.sock)",
	 0},
	{"containerd-state", OPT_CONTAINERD_STATE, "DIR", 0,
	 "containerd's state directory (default /run/containerd)", 0},
	{"podman-storage", OPT_PODMAN_STORAGE, "DIR", 0,
	 "podman's storage root (default /var/lib/containers/storage)", 0},
	{"group-readable", OPT_GROUP_READABLE, NULL, 0,
	 "Create the trace, pcaps and alerts 0640 instead of 0600", 0},
	{NULL, 0, NULL, 0, "Live detection (docs/live.md):", 1},
	{"live", OPT_LIVE, NULL, 0,
	 "Run detectors on the live stream (recording with -o is optional)", 1},
	{"detector", OPT_DETECTOR, "SPEC", 0,
	 "Detector as for cadet replay: NAME[:k=v,...], PATH.so, exec:CMD "
	 "(repeatable; default: rules)",
	 1},
	{"model", OPT_MODEL, "PATH", 0,
	 "Model and threshold saved by cadet replay --save-model (PATH or "
	 "PATH.<detector>; repeatable)",
	 1},
	{"metrics-addr", OPT_METRICS_ADDR, "ADDR", 0,
	 "Serve Prometheus metrics on ADDR (default " DEFAULT_METRICS_ADDR
	 "; none: off)",
	 1},
	{"alerts", OPT_ALERTS, "FILE", 0,
	 "Append alerts as JSON lines to FILE (default: stdout)", 1},
	{"webhook", OPT_WEBHOOK, "URL", 0,
	 "Also POST alerts to URL in Alertmanager's format (http:// only)", 1},
	{"live-queue", OPT_LIVE_QUEUE, "MB", 0,
	 "Detector queue size in MiB (default 32); overflow is counted", 1},
	{"seed", OPT_SEED, "N", 0, "Detector base seed (default 1)", 1},
	{"detector-timeout", OPT_DETECTOR_TIMEOUT, "SECONDS", 0,
	 "A .so plugin runs in a process of its own; longest it may go "
	 "without progress before it is killed and disabled (default 60)",
	 1},
	{"in-process", OPT_IN_PROCESS, NULL, 0,
	 "Load .so plugins into cadet itself: no isolation (trusted plugins)",
	 1},
	{0}};

static const struct {
	const char *name;
	uint64_t bit;
} probe_names[] = {
	{"process", CADET_PROBE_PROCESS},   {"syscall", CADET_PROBE_SYSCALL},
	{"file", CADET_PROBE_FILE},	    {"net", CADET_PROBE_NET},
	{"mem", CADET_PROBE_MEM},	    {"cpu", CADET_PROBE_CPU},
	{"security", CADET_PROBE_SECURITY}, {"all", CADET_PROBES_DEFAULT},
};

/* "30", "30s", "500ms", "2m" -> ns; 0 on error. */
static uint64_t parse_time(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return 0;
	if (!*end || !strcmp(end, "s"))
		return v * NSEC;
	if (!strcmp(end, "ms"))
		return v * (NSEC / 1000);
	if (!strcmp(end, "m"))
		return v * 60 * NSEC;
	return 0;
}

static int parse_probes(const char *list, uint64_t *mask, struct argp_state *st)
{
	char *dup = strdup(list), *tok, *save = NULL;

	if (!dup)
		return ENOMEM;
	*mask = 0;
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(probe_names) / sizeof(probe_names[0]);
		     i++)
			if (!strcmp(tok, probe_names[i].name))
				break;
		if (i == sizeof(probe_names) / sizeof(probe_names[0])) {
			argp_error(
				st,
				"unknown probe family '%s': choose from process, syscall, file, net, mem, cpu, security",
				tok);
			free(dup);
			return EINVAL;
		}
		*mask |= probe_names[i].bit;
	}
	free(dup);
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *st)
{
	struct record_args *a = st->input;
	uint64_t mb;

	switch (key) {
	case 'o':
		a->o.output = arg;
		break;
	case 'd':
		a->o.duration_ns = parse_time(arg);
		if (!a->o.duration_ns)
			argp_error(
				st,
				"bad duration '%s': give seconds or a number with ms, s or m (e.g. 30, 500ms, 2m)",
				arg);
		break;
	case OPT_INTERVAL:
		a->o.interval_ns = parse_time(arg);
		if (!a->o.interval_ns)
			argp_error(st,
				   "bad interval '%s': give e.g. 1s or 100ms",
				   arg);
		if (a->o.interval_ns < NSEC / 10)
			argp_error(
				st,
				"interval '%s' is too short: the minimum is 100ms",
				arg);
		break;
	case OPT_PROBES:
		if (parse_probes(arg, &a->probes, st))
			return EINVAL;
		a->probes_given = true;
		break;
	case OPT_SYSCALL_SEQ:
		a->o.probes |= CADET_PROBE_SYSCALL_SEQ;
		break;
	case OPT_PCAP:
		a->o.probes |= CADET_PROBE_PCAP;
		break;
	case OPT_CGROUP:
		if (a->ncgroups == MAX_CGROUPS)
			argp_error(st, "at most %d --cgroup options",
				   MAX_CGROUPS);
		a->cgroups[a->ncgroups++] = arg;
		break;
	case OPT_SEQ_EXCLUDE:
		if (a->nseq_exclude == MAX_CGROUPS)
			argp_error(st, "at most %d --seq-exclude options",
				   MAX_CGROUPS);
		a->seq_exclude[a->nseq_exclude++] = arg;
		break;
	case OPT_ALL:
		a->o.all = 1;
		break;
	case OPT_DOCKER_HOST:
		a->o.docker_host = arg;
		break;
	case OPT_CONTAINERD_STATE:
		a->o.containerd_state = arg;
		break;
	case OPT_PODMAN_STORAGE:
		a->o.podman_storage = arg;
		break;
	case OPT_RINGBUF:
		mb = strtoull(arg, NULL, 10);
		if (!mb || (mb & (mb - 1)) || mb > 1024)
			argp_error(
				st,
				"bad --ringbuf '%s': give a power of two of MiB, 1 to 1024",
				arg);
		a->o.ringbuf_bytes = mb << 20;
		break;
	case OPT_BPF_STATS:
		a->o.bpf_stats = 1;
		break;
	case 'v':
		a->o.verbose++;
		break;
	case OPT_GROUP_READABLE:
		util_set_group_readable(true);
		break;
	case OPT_LIVE:
		a->live = true;
		break;
	case OPT_DETECTOR:
		if (a->ndets == MAX_DETECTORS)
			argp_error(st, "at most %d --detector options",
				   MAX_DETECTORS);
		a->dets[a->ndets++] = arg;
		a->live_opt = true;
		break;
	case OPT_MODEL:
		if (a->nmodels == MAX_DETECTORS)
			argp_error(st, "at most %d --model options",
				   MAX_DETECTORS);
		a->models[a->nmodels++] = arg;
		a->live_opt = true;
		break;
	case OPT_METRICS_ADDR:
		a->lo.metrics_addr = strcmp(arg, "none") ? arg : NULL;
		a->live_opt = true;
		break;
	case OPT_ALERTS:
		a->lo.alerts_path = arg;
		a->live_opt = true;
		break;
	case OPT_WEBHOOK:
		a->lo.webhook_url = arg;
		a->live_opt = true;
		break;
	case OPT_LIVE_QUEUE:
		mb = strtoull(arg, NULL, 10);
		if (!mb || mb > 4096)
			argp_error(st,
				   "bad --live-queue '%s': give MiB, 1 to 4096",
				   arg);
		a->lo.queue_bytes = mb << 20;
		a->live_opt = true;
		break;
	case OPT_SEED:
		a->lo.seed = strtoull(arg, NULL, 10);
		a->live_opt = true;
		break;
	case OPT_DETECTOR_TIMEOUT:
		mb = strtoull(arg, NULL, 10);
		if (!mb || mb > 86400)
			argp_error(
				st,
				"bad --detector-timeout '%s': give seconds, 1 to 86400",
				arg);
		a->lo.detector_timeout_s = mb;
		a->live_opt = true;
		break;
	case OPT_IN_PROCESS:
		a->lo.in_process = true;
		a->live_opt = true;
		break;
	case ARGP_KEY_INIT:
		st->child_inputs[0] = &a->redact;
		break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!a->o.output && !a->live)
			argp_error(
				st,
				"no output file: give one with -o FILE (or detect live with --live)");
		redact_args__check(&a->redact, st);
		if (a->redact.on && (a->o.probes & CADET_PROBE_PCAP))
			argp_error(
				st,
				"--pcap and --redact cannot be combined: packet payloads cannot be redacted; record without --pcap, or capture separately");
		if (a->live_opt && !a->live)
			argp_error(
				st,
				"--detector, --model, --metrics-addr, --alerts, --webhook, --live-queue, --seed, --detector-timeout and --in-process need --live");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct recorder *volatile active;

static void on_signal(int sig)
{
	recorder__stop(active);
}

int cmd_record(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{&redact_args_argp, 0, NULL, 0},
		{0},
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.args_doc = NULL,
		.doc = doc,
		.children = children,
	};
	struct record_args a = {
		.o = {.sz = sizeof(a.o)},
		.lo = {.sz = sizeof(a.lo),
		       .metrics_addr = DEFAULT_METRICS_ADDR,
		       .seed = 1},
		.redact = {.not_with = "--pcap"},
	};
	struct sigaction sa = {.sa_handler = on_signal};
	struct live *live = NULL;
	struct redact *rd = NULL;
	struct recorder *r;
	char *cmdline;
	int err;

	/* Messages should name the command the user typed. */
	if (argc > 0)
		argv[0] = "cadet record";
	err = argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (err)
		return 2;
	a.o.probes |= a.probes_given ? a.probes : CADET_PROBES_DEFAULT;
	a.o.cgroups = a.cgroups;
	a.o.seq_exclude = a.seq_exclude;
	cmdline = util_join_args(NULL, argc, argv);
	a.o.cmdline = cmdline;
	if (redact_args__new_redact(&a.redact, "cadet record", &rd)) {
		free(cmdline);
		return 2;
	}
	a.o.redact = rd;

	if (a.live) {
		/* An exec'd detector that dies must not kill us. */
		signal(SIGPIPE, SIG_IGN);
		if (!a.ndets)
			a.dets[a.ndets++] = "rules";
		a.lo.detectors = a.dets;
		a.lo.models = a.models;
		a.lo.trace_name = a.o.output;
		live = live__new(&a.lo);
		if (!live) {
			redact__free(rd);
			free(cmdline);
			return 1;
		}
		a.o.on_record = live__on_record;
		a.o.on_record_ctx = live;
	}
	r = recorder__new(&a.o);
	if (!r) {
		live__free(live);
		redact__free(rd);
		free(cmdline);
		return 1;
	}
	/* No SA_RESTART: a signal must end the ring buffer poll at once. */
	active = r;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Like tcpdump's "listening on": scripts wait for this line. */
	if (live && a.lo.metrics_addr)
		fprintf(stderr,
			"cadet record: live: metrics at http://%s/metrics\n",
			a.lo.metrics_addr);
	fprintf(stderr, "cadet record: recording to %s%s\n",
		a.o.output ? a.o.output : "(no trace, live detection only)",
		a.o.duration_ns ? "" : " until Ctrl-C");
	err = recorder__run(r);
	active = NULL;
	if (recorder__free(r) && !err)
		err = -EIO;
	live__free(live);
	redact__free(rd);
	free(cmdline);
	return err ? 1 : 0;
}
