// SPDX-License-Identifier: MIT
/*
 * cadet run: run labeled anomaly scenarios in real runc containers while
 * recording them.
 *
 * One run: validate, check the host, build or reuse the images, start the
 * recorder (a thread), create the containers (created, not started, so
 * the recorder knows their cgroups before their first instruction), start
 * them and the normal load, inject the anomaly at the seeded onset, then
 * tear everything down in reverse order and finish the trace. Every step
 * that can fail or be interrupted leads to the same teardown.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cadet/trace.h"
#include "injector/cleanup.h"
#include "injector/container.h"
#include "injector/profile.h"
#include "injector/scenario.h"
#include "injector/workload.h"
#include "lib/util/args.h"
#include "lib/util/fs.h"
#include "recorder/recorder.h"
#include "recorder/redact.h"
#include "tools/commands.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
/* How long the recorder may take to see a new container's cgroup. */
#define CGROUP_WAIT_MS 5000
#define PAYLOAD_DIR_IN_CONTAINER "/cadet/bin"

extern char **environ;

struct run_args {
	char **files;
	int nfiles;
	const char *outdir;
	const char *list_dir;
	const char *start;
	const char *rootfs;
	const char *payload_dir;
	unsigned int repeat;
	unsigned int duration;
	uint64_t seed;
	bool seed_set;
	bool list;
	bool keep;
	bool dry_run;
	bool normal;
	bool syscall_seq;
	const char *seq_exclude[SCENARIO_MAX_CONTAINERS + 1];
	int nseq_exclude;
	int verbose;
	bool redact;
	const char *redact_keep[REDACT_MAX_KEEP + 1];
	int nredact_keep;
	const char *redact_key;
	struct redact *rd; /* built from the three above */
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
	OPT_REDACT,
	OPT_REDACT_KEEP,
	OPT_REDACT_KEY,
	OPT_GROUP_READABLE,
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
	{"group-readable", OPT_GROUP_READABLE, NULL, 0,
	 "Create traces and kept files 0640 instead of 0600"},
	{"redact", OPT_REDACT, NULL, 0,
	 "Replace argv beyond argv[0] and paths outside the kept prefixes by "
	 "stable hashes (~h:...); not with --keep"},
	{"redact-keep", OPT_REDACT_KEEP, "PREFIX", 0,
	 "With --redact: also keep paths under PREFIX in clear (repeatable; "
	 "kept always: /bin /sbin /usr /lib /lib32 /lib64 /libx32 /etc /proc "
	 "/sys /dev)"},
	{"redact-key", OPT_REDACT_KEY, "FILE", 0,
	 "With --redact: HMAC under the secret key in FILE (16 to 4096 bytes)"},
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
		a->outdir = arg;
		break;
	case 'r':
		if (parse_uint_arg(arg, 100000, &v) || v == 0)
			argp_error(state,
				   "--repeat: expected a count >= 1, got '%s'",
				   arg);
		a->repeat = (unsigned int)v;
		break;
	case 's':
		if (parse_uint_arg(arg, UINT64_MAX, &v))
			argp_error(state,
				   "--seed: expected a whole number, got '%s'",
				   arg);
		a->seed = v;
		a->seed_set = true;
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
		a->normal = true;
		break;
	case OPT_PROFILE:
		a->profiles = arg;
		break;
	case OPT_INTENSITY:
		a->intensities = arg;
		break;
	case OPT_SYSCALL_SEQ:
		a->syscall_seq = true;
		break;
	case OPT_SEQ_EXCLUDE:
		if (a->nseq_exclude == SCENARIO_MAX_CONTAINERS)
			argp_error(state, "at most %d --seq-exclude options",
				   SCENARIO_MAX_CONTAINERS);
		a->seq_exclude[a->nseq_exclude++] = arg;
		break;
	case 'l':
		a->list = true;
		break;
	case OPT_DIR:
		a->list_dir = arg;
		break;
	case 'n':
		a->dry_run = true;
		break;
	case OPT_KEEP:
		a->keep = true;
		break;
	case OPT_ROOTFS:
		a->rootfs = arg;
		break;
	case OPT_PAYLOADS:
		a->payload_dir = arg;
		break;
	case 'v':
		a->verbose++;
		break;
	case OPT_GROUP_READABLE:
		util_set_group_readable(true);
		break;
	case OPT_REDACT:
		a->redact = true;
		break;
	case OPT_REDACT_KEEP:
		if (a->nredact_keep == REDACT_MAX_KEEP)
			argp_error(state, "at most %d --redact-keep options",
				   REDACT_MAX_KEEP);
		if (arg[0] != '/')
			argp_error(
				state,
				"--redact-keep '%s': give an absolute path prefix such as /var/log",
				arg);
		a->redact_keep[a->nredact_keep++] = arg;
		break;
	case OPT_REDACT_KEY:
		a->redact_key = arg;
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
		if (a->start && a->normal)
			argp_error(state,
				   "--start and --normal do not go together");
		if ((a->nredact_keep || a->redact_key) && !a->redact)
			argp_error(state,
				   "--redact-keep and --redact-key need --redact");
		/* Kept container output and scripts are copied as they are. */
		if (a->redact && a->keep)
			argp_error(
				state,
				"--keep copies container output unredacted: it does not go with --redact");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- small helpers ---- */

static char *exe_dir(char *buf, size_t sz)
{
	ssize_t n = readlink("/proc/self/exe", buf, sz - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return buf;
}

static bool is_file(const char *path, bool exec)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) &&
	       (!exec || access(path, X_OK) == 0);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (is_file(buf, true))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/*
 * Container ids of one run share "cadet-<token>-" so that its recorder
 * takes only them, not other containers on the host.
 */
static void run_token(char *buf, size_t sz)
{
	unsigned int tok;

	if (getrandom(&tok, sizeof(tok), 0) != sizeof(tok))
		tok = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	snprintf(buf, sz, "cadet-%06x-", tok & 0xffffffu);
}

/* Where the payload binaries are: --payloads, beside the binary, build/. */
static const char *find_payload_dir(const struct run_args *a, char *buf,
				    size_t sz)
{
	char exe[PATH_MAX];

	/* runc resolves bind mount sources in the bundle: make it absolute. */
	if (a->payload_dir)
		return realpath(a->payload_dir, buf) ? buf : a->payload_dir;
	if (exe_dir(exe, sizeof(exe))) {
		if (snprintf(buf, sz, "%s/payloads", exe) < (int)sz &&
		    is_dir(buf))
			return buf;
	}
	return realpath("build/payloads", buf) ? buf : "build/payloads";
}

static const char *find_mkrootfs(char *buf, size_t sz)
{
	char exe[PATH_MAX];

	if (exe_dir(exe, sizeof(exe))) {
		if (snprintf(buf, sz, "%s/../injector/mkrootfs.sh", exe) <
			    (int)sz &&
		    is_file(buf, false))
			return buf;
	}
	snprintf(buf, sz, "injector/mkrootfs.sh");
	return is_file(buf, false) ? buf : NULL;
}

/*
 * Run argv, capture its stdout (stderr passes through), and give up when
 * a stop is requested. Returns the exit status, or -errno.
 */
static int spawn_capture(char *const argv[], char *out, size_t out_sz)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pfd[2], status = 0, err;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	/* Own process group: our stop handling decides when it dies. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return -err;
	}
	cleanup_register_pgid(pid);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char tmp[4096];
		ssize_t n;

		if (cleanup_stop_requested()) {
			kill(-pid, SIGTERM);
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(pfd[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (out && len + (size_t)n < out_sz) {
			memcpy(out + len, tmp, (size_t)n);
			len += (size_t)n;
		}
	}
	close(pfd[0]);
	if (out && out_sz)
		out[len < out_sz ? len : out_sz - 1] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	cleanup_unregister_pgid(pid);
	if (cleanup_stop_requested())
		return -EINTR;
	if (status < 0)
		return -ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Last non-empty line of @s, trimmed, in place. */
static char *last_line(char *s)
{
	char *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(s, '\n');
	return start ? start + 1 : s;
}

/*
 * The image for a package list: mkrootfs.sh builds it once and prints
 * its path. With @print_only, only where it would be.
 */
static int rootfs_for(const char *packages, bool print_only, char *path,
		      size_t sz)
{
	char script[PATH_MAX], out[8192], pkgs[1024];
	char *argv[64];
	int argc = 0, ret;
	char *save, *tok;

	if (!find_mkrootfs(script, sizeof(script))) {
		fprintf(stderr,
			"cadet run: injector/mkrootfs.sh not found; run from the cadet checkout or pass --rootfs DIR\n");
		return -ENOENT;
	}
	argv[argc++] = "/bin/bash";
	argv[argc++] = script;
	if (print_only)
		argv[argc++] = "--print-path";
	snprintf(pkgs, sizeof(pkgs), "%s", packages ? packages : "");
	for (tok = strtok_r(pkgs, " ", &save); tok && argc < 62;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	ret = spawn_capture(argv, out, sizeof(out));
	if (ret < 0)
		return ret;
	if (ret != 0) {
		fprintf(stderr,
			"cadet run: building the container image failed (mkrootfs.sh exit %d)%s%s\n",
			ret, packages ? " for packages: " : "",
			packages ? packages : "");
		return -EIO;
	}
	snprintf(path, sz, "%s", last_line(out));
	if (!*path) {
		fprintf(stderr, "cadet run: mkrootfs.sh printed no path\n");
		return -EIO;
	}
	return 0;
}

static void utc_stamp(char *buf, size_t sz)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%Y%m%dT%H%M%SZ", &tm);
}

/* "--duration=D --k=v ..." or the command, for messages and exec. */
static int payload_argv(const struct scenario_anomaly *an,
			uint64_t duration_ms, const char *payload_dir,
			char ***argvp, bool in_container)
{
	char **argv = calloc(an->nparams + 4, sizeof(*argv));
	size_t n = 0;

	if (!argv)
		return -ENOMEM;
	if (!strcmp(an->type, "command")) {
		argv[n++] = strdup("/bin/sh");
		argv[n++] = strdup("-c");
		argv[n++] = strdup(an->command);
	} else {
		if (asprintf(&argv[n++], "%s/%s",
			     in_container ? PAYLOAD_DIR_IN_CONTAINER
					  : payload_dir,
			     an->type) < 0)
			argv[n - 1] = NULL;
		if (asprintf(&argv[n++], "--duration=%llu",
			     (unsigned long long)(duration_ms / 1000)) < 0)
			argv[n - 1] = NULL;
		for (size_t i = 0; i < an->nparams; i++)
			if (asprintf(&argv[n++], "--%s=%s", an->params[i].key,
				     an->params[i].value) < 0)
				argv[n - 1] = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!argv[i]) {
			for (size_t j = 0; j < n; j++)
				free(argv[j]);
			free(argv);
			return -ENOMEM;
		}
	}
	*argvp = argv;
	return 0;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void argv_print(FILE *f, char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		fprintf(f, i ? " %s" : "%s", argv[i]);
}

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

/* ---- one run ---- */

struct payload_run {
	struct container *target;
	char **argv;
	uint64_t timeout_ms;
	int status;
	char *out;
	size_t out_len;
	unsigned long long t_start, t_end; /* runner's own times */
	volatile bool done;
};

struct run {
	const struct run_args *args;
	struct scenario *s;
	struct scenario_plan plan;
	unsigned int rep;
	char trace[PATH_MAX];
	char keepdir[PATH_MAX];
	char rootfs[SCENARIO_MAX_CONTAINERS][PATH_MAX];
	const char *payload_dir;
	char *cmdline;
	char id_prefix[32]; /* "cadet-<run token>-" */

	struct recorder *rec;
	pthread_t rec_thread;
	bool rec_started;
	volatile bool rec_done;
	int rec_ret;

	struct container *ctr[SCENARIO_MAX_CONTAINERS];
	uint64_t cgid[SCENARIO_MAX_CONTAINERS];
	struct workload *wl[SCENARIO_MAX_WORKLOADS];

	/* One per anomaly: several in a fleet (s->nanomalies). */
	struct payload_run pl[SCENARIO_MAX_ANOMALIES];
	pthread_t pl_thread[SCENARIO_MAX_ANOMALIES];
	bool pl_started[SCENARIO_MAX_ANOMALIES];

	unsigned long long t0; /* run start: containers started */
	unsigned long long t_stop;
};

static void *recorder_thread(void *arg)
{
	struct run *r = arg;

	r->rec_ret = recorder__run(r->rec);
	r->rec_done = true;
	return NULL;
}

static void *payload_thread(void *arg)
{
	struct payload_run *p = arg;
	struct container_exec_opts eo = {.sz = sizeof(eo),
					 .out = &p->out,
					 .out_len = &p->out_len,
					 .timeout_ms = p->timeout_ms};

	p->t_start = cleanup_now_ns();
	p->status =
		container__exec(p->target, (const char *const *)p->argv, &eo);
	if (!p->t_end)
		p->t_end = cleanup_now_ns();
	p->done = true;
	return NULL;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		/* comm may hold spaces and parentheses: skip to the last ')' */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
			ppid = 0;
	}
	fclose(f);
	return (pid_t)ppid;
}

/*
 * Kill what was exec'd into @c (the payload and what it started, load
 * loops), sparing the init and its descendants. The waited exec returns
 * once its process is gone.
 */
static int kill_execd(struct container *c)
{
	char path[PATH_MAX];
	pid_t init = container__pid(c), pids[4096];
	size_t n = 0;
	int killed = 0, pid;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs",
		     container__cgroup_path(c)) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (n < sizeof(pids) / sizeof(pids[0]) && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	/*
	 * Decide first, kill after: an orphan of a killed process is
	 * reparented to the init at once and would then look spared.
	 */
	for (size_t i = 0; i < n; i++) {
		pid_t p = pids[i];
		int depth = 0;

		while (p > 1 && p != init && depth++ < 64)
			p = parent_of(p);
		if (p == init || pids[i] == init)
			pids[i] = 0;
	}
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && !kill(pids[i], SIGKILL))
			killed++;
	return killed;
}

/* Parse the payload's "cadet-payload start|end <ns>" lines. */
static void payload_window(const struct payload_run *p, uint64_t *start,
			   uint64_t *end, bool *from_payload)
{
	bool have_start = false, have_end = false;
	const char *line = p->out;

	*start = p->t_start;
	*end = p->t_end;
	while (line && *line) {
		unsigned long long ns;
		char word[16];

		if (sscanf(line, "cadet-payload %15s %llu", word, &ns) == 2) {
			if (!strcmp(word, "start")) {
				*start = ns;
				have_start = true;
			} else if (!strcmp(word, "end")) {
				*end = ns;
				have_end = true;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	/* Ended by our kill, not by itself: the end is when it died. */
	if (have_start && !have_end)
		*end = p->t_end;
	if (*end < *start)
		*end = *start;
	*from_payload = have_start;
}

static int add_label(struct run *r, const struct scenario_anomaly *an,
		     uint64_t cgid, uint64_t start, uint64_t end,
		     const char *target)
{
	const char *kind = an ? "anomaly" : "normal";
	const struct scenario *s = r->s;
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_label *l;
	char params[2048] = "";
	size_t off = 0;
	int err = 0;

	if (!b)
		return -ENOMEM;
	l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
	if (!l) {
		err = -ENOMEM;
		goto cleanup;
	}
	/*
	 * Added once the window is known, so h.ts is now: a record stamped
	 * with the (past) start would arrive beyond the writer's reorder
	 * window and be counted late. The window is start_ts..end_ts.
	 */
	l->h.ts = cleanup_now_ns();
	l->h.cgroup_id = cgid;
	l->h.pid = (uint32_t)getpid();
	l->h.tid = l->h.pid;
	snprintf(l->h.comm, sizeof(l->h.comm), "cadet-run");
	l->start_ts = start;
	l->end_ts = end;
	l->seed = r->plan.seed;
	l->intensity = an ? an->intensity : 0.0;
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	if (an) {
		if (!strcmp(an->type, "command"))
			snprintf(params, sizeof(params), "command=%s",
				 an->command);
		for (size_t i = 0; i < an->nparams && off < sizeof(params);
		     i++) {
			int n = snprintf(params + off, sizeof(params) - off,
					 "%s%s=%s", off ? " " : "",
					 an->params[i].key,
					 an->params[i].value);
			if (n > 0)
				off += (size_t)n;
		}
	}
	err = cadet_recbuf__put_str(b,
				    offsetof(struct cadet_rec_label, scenario),
				    s->name, strlen(s->name));
	if (!err && an)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, anomaly), an->type,
			strlen(an->type));
	if (!err && target)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, target), target,
			strlen(target));
	if (!err && *params)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, params), params,
			strlen(params));
	if (!err)
		err = recorder__add_record(r->rec, cadet_recbuf__rec(b));
cleanup:
	cadet_recbuf__free(b);
	return err;
}

/* Copy a file for --keep; best effort. */
static void keep_file(const char *src, const char *dir, const char *name)
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

static void keep_text(const char *dir, const char *name, const char *text)
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

static void print_plan(const struct run *r, FILE *f)
{
	const struct scenario *s = r->s;
	char mem[32];

	fprintf(f, "%s: seed %" PRIu64 ", run %u -> %s\n", s->path,
		r->plan.seed, r->rep, r->trace);
	fprintf(f, "  %s (%s): %s\n", s->name,
		scenario_category_name(s->category), s->description);
	fprintf(f, "  duration %u s (hard deadline %u s)\n", s->duration,
		s->duration + SCENARIO_DEADLINE_SLACK_S);
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct scenario_container *c = &s->containers[i];

		char marker[PATH_MAX + 16];
		bool built;

		snprintf(marker, sizeof(marker), "%s/.cadet-rootfs",
			 r->rootfs[i]);
		built = r->args->rootfs || is_file(marker, false);
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
	for (size_t i = 0; s->anomaly && !r->args->normal &&
			   i < s->nanomalies;
	     i++) {
		const struct scenario_anomaly *an = &s->anomalies[i];
		char **argv;

		fprintf(f,
			"  anomaly %s%s%s in %s at %.3f s (range %u-%u) for %llu s: ",
			an->name ? an->name : "", an->name ? ": " : "",
			an->type, s->containers[r->plan.targets[i]].name,
			r->plan.onsets_ms[i] / 1000.0, an->start_min,
			an->start_max,
			(unsigned long long)(r->plan.durations_ms[i] / 1000));
		if (!payload_argv(an, r->plan.durations_ms[i], r->payload_dir,
				  &argv, true)) {
			argv_print(f, argv);
			argv_free(argv);
		}
		fputc('\n', f);
	}
	if (!s->anomaly || r->args->normal) {
		fprintf(f, "  no anomaly: labeled normal\n");
	}
}

static void run_teardown(struct run *r)
{
	const struct scenario *s = r->s;

	/* Payloads first: they are the one thing meant to misbehave. */
	for (size_t i = 0; i < s->nanomalies; i++) {
		struct timespec ts;

		if (!r->pl_started[i])
			continue;
		if (!r->pl[i].done)
			kill_execd(r->pl[i].target);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (pthread_timedjoin_np(r->pl_thread[i], NULL, &ts)) {
			/* Destroying its container ends the exec. */
			container__destroy(r->ctr[r->plan.targets[i]]);
			pthread_join(r->pl_thread[i], NULL);
		}
		r->pl_started[i] = false;
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		workload__free(r->wl[i]);
		r->wl[i] = NULL;
	}
	if (r->args->verbose)
		fprintf(stderr,
			"cadet run: load stopped; removing containers\n");
	if (r->args->keep && *r->keepdir)
		for (size_t i = 0; i < s->ncontainers; i++) {
			char name[160];

			if (!r->ctr[i])
				continue;
			snprintf(name, sizeof(name), "%s.log",
				 s->containers[i].name);
			keep_file(container__output_path(r->ctr[i]), r->keepdir,
				  name);
		}
	for (size_t i = s->ncontainers; i-- > 0;) {
		container__free(r->ctr[i]);
		r->ctr[i] = NULL;
	}
	if (r->args->verbose)
		fprintf(stderr,
			"cadet run: containers removed; finishing the trace\n");
	if (r->rec) {
		/* Let the recorder see the containers go before it stops. */
		if (r->rec_started && !r->rec_done) {
			recorder__rescan(r->rec);
			usleep(300000);
			recorder__stop(r->rec);
			pthread_join(r->rec_thread, NULL);
		} else if (r->rec_started) {
			pthread_join(r->rec_thread, NULL);
		}
		r->rec_started = false;
		recorder__free(r->rec);
		r->rec = NULL;
	}
	cleanup_arm_deadline(0);
}

static int wait_cgroups(struct run *r)
{
	const struct scenario *s = r->s;
	unsigned long long until =
		cleanup_now_ns() + CGROUP_WAIT_MS * NS_PER_MS;

	for (;;) {
		size_t seen = 0;

		for (size_t i = 0; i < s->ncontainers; i++) {
			if (!r->cgid[i])
				r->cgid[i] = recorder__cgroup_of(
					r->rec, container__id(r->ctr[i]));
			seen += r->cgid[i] != 0;
		}
		if (seen == s->ncontainers)
			return 0;
		if (r->rec_done) {
			fprintf(stderr,
				"cadet run: the recorder stopped early (%s)\n",
				strerror(-r->rec_ret));
			return -EIO;
		}
		if (cleanup_now_ns() >= until) {
			for (size_t i = 0; i < s->ncontainers; i++)
				if (!r->cgid[i])
					fprintf(stderr,
						"cadet run: the recorder did not see container %s (%s, cgroup %s) within %d ms\n",
						s->containers[i].name,
						container__id(r->ctr[i]),
						container__cgroup_path(
							r->ctr[i]),
						CGROUP_WAIT_MS);
			return -ETIMEDOUT;
		}
		recorder__rescan(r->rec);
		if (cleanup_sleep_until(cleanup_now_ns() + 50 * NS_PER_MS))
			return -EINTR;
	}
}

/*
 * Stop anomaly @i's payload if it still runs and label its window.
 * Returns 0 or the payload's start error (then no label: nothing was
 * injected, a label would be a lie).
 */
static int finish_anomaly(struct run *r, size_t i, int err, uint64_t *start,
			  uint64_t *end, bool *from_payload)
{
	const struct scenario *s = r->s;
	const struct scenario_anomaly *an = &s->anomalies[i];
	const char *target = s->containers[r->plan.targets[i]].name;
	struct payload_run *pl = &r->pl[i];

	if (r->pl_started[i]) {
		struct timespec ts;

		if (!pl->done) {
			int k = kill_execd(pl->target);

			if (!err)
				fprintf(stderr,
					"cadet run: %s still running at the end of the run: killed%s\n",
					an->type,
					k > 0 ? "" : " (found no process)");
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (!pthread_timedjoin_np(r->pl_thread[i], NULL, &ts))
			r->pl_started[i] = false;
		else
			pl->t_end = cleanup_now_ns();
	}
	if (pl->done && pl->status < 0) {
		fprintf(stderr,
			"cadet run: could not start the %s payload in %s: %s; no LABEL written\n",
			an->type, target, strerror(-pl->status));
		return pl->status;
	}
	if (pl->t_start) {
		payload_window(pl, start, end, from_payload);
		add_label(r, an, r->cgid[r->plan.targets[i]], *start, *end,
			  target);
	}
	return 0;
}

static int run_one(struct run *r)
{
	const struct run_args *a = r->args;
	const struct scenario *s = r->s;
	bool anomaly = s->anomaly && !a->normal;
	struct recorder_opts ro = {.sz = sizeof(ro)};
	struct container_mount mount = {0};
	char ann_scn[128], ann_seed[64], ann_run[64];
	const char *annotations[] = {ann_scn, ann_seed, ann_run, NULL};
	uint64_t win[SCENARIO_MAX_ANOMALIES][2] = {{0}}, records, lost, bytes;
	bool from_payload[SCENARIO_MAX_ANOMALIES] = {0}, trace_ok;
	unsigned long long t_begin = cleanup_now_ns();
	int err = 0;

	/* The hard deadline bounds everything from here on. */
	cleanup_arm_deadline(s->duration + SCENARIO_DEADLINE_SLACK_S);

	if (a->keep) {
		snprintf(r->keepdir, sizeof(r->keepdir), "%.*s.d",
			 (int)(strlen(r->trace) - strlen(".cadet")), r->trace);
		if (util_mkdir_p(r->keepdir))
			r->keepdir[0] = '\0';
	}

	ro.output = r->trace;
	ro.probes = CADET_PROBES_DEFAULT |
		    (a->syscall_seq ? CADET_PROBE_SYSCALL_SEQ : 0);
	ro.seq_exclude = a->seq_exclude;
	ro.interval_ns = NS_PER_S;
	ro.cmdline = r->cmdline;
	ro.id_prefix = r->id_prefix;
	ro.verbose = a->verbose > 1;
	ro.redact = a->rd;
	r->rec = recorder__new(&ro);
	if (!r->rec) {
		err = -errno;
		fprintf(stderr, "cadet run: cannot start the recorder: %s\n",
			strerror(errno));
		goto cleanup;
	}
	cleanup_block_signals(true);
	err = -pthread_create(&r->rec_thread, NULL, recorder_thread, r);
	cleanup_block_signals(false);
	if (err) {
		fprintf(stderr,
			"cadet run: cannot start the recorder thread: %s\n",
			strerror(-err));
		goto cleanup;
	}
	r->rec_started = true;

	/* Create all (cgroups exist, nothing runs), then start all. */
	snprintf(ann_scn, sizeof(ann_scn), "cadet.scenario=%s", s->name);
	snprintf(ann_seed, sizeof(ann_seed), "cadet.seed=%" PRIu64,
		 r->plan.seed);
	snprintf(ann_run, sizeof(ann_run), "cadet.run=%u", r->rep);
	mount.source = r->payload_dir;
	mount.dest = PAYLOAD_DIR_IN_CONTAINER;
	mount.readonly = 1;
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct scenario_container *c = &s->containers[i];
		const char *argv[] = {"/bin/sh", "-c", c->command, NULL};
		struct container_opts co = {
			.sz = sizeof(co),
			.name = c->name,
			.id_prefix = r->id_prefix,
			.rootfs = r->rootfs[i],
			.argv = argv,
			.memory_max = c->memory,
			.cpus = c->cpus,
			.pids_max = c->pids,
			.net = CONTAINER_NET_LOOPBACK,
			.mounts = is_dir(r->payload_dir) ? &mount : NULL,
			.mount_cnt = is_dir(r->payload_dir) ? 1 : 0,
			.annotations = annotations,
			.verbose = a->verbose > 1,
		};

		if (cleanup_stop_requested()) {
			err = -EINTR;
			goto cleanup;
		}
		r->ctr[i] = container__create(&co);
		if (!r->ctr[i]) {
			err = -errno;
			fprintf(stderr,
				"cadet run: cannot create container %s: %s\n",
				c->name, strerror(errno));
			goto cleanup;
		}
		if (a->verbose)
			fprintf(stderr, "cadet run: created %s (%s, %s)\n",
				c->name, container__id(r->ctr[i]),
				container__cgroup_path(r->ctr[i]));
	}
	recorder__rescan(r->rec);
	err = wait_cgroups(r);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < s->ncontainers; i++) {
		err = container__start(r->ctr[i]);
		if (err) {
			fprintf(stderr,
				"cadet run: cannot start container %s: %s\n",
				s->containers[i].name, strerror(-err));
			goto cleanup;
		}
	}
	r->t0 = cleanup_now_ns();
	if (a->verbose)
		fprintf(stderr,
			"cadet run: %zu container(s) running; recording to %s\n",
			s->ncontainers, r->trace);

	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct scenario_workload *w = &s->workloads[i];
		struct workload_opts wo = {
			.sz = sizeof(wo),
			.wl = w,
			.target = r->ctr[w->target],
			.seed = r->plan.workload_seed[i],
			.duration_ms = r->plan.duration_ms,
			.verbose = a->verbose > 1,
		};

		cleanup_block_signals(true);
		r->wl[i] = workload__start(&wo);
		cleanup_block_signals(false);
		if (!r->wl[i]) {
			err = -errno;
			goto cleanup;
		}
		if (a->keep && *r->keepdir && w->type != SCENARIO_WL_HTTP) {
			char *script =
				workload_script(w, wo.seed, wo.duration_ms);
			char name[160];

			snprintf(name, sizeof(name), "workload-%s.sh", w->name);
			if (script)
				keep_text(r->keepdir, name, script);
			free(script);
		}
	}

	/* Anomalies in the order of their onsets. */
	for (size_t n = 0; anomaly && n < s->nanomalies; n++) {
		const struct scenario_anomaly *an;
		struct payload_run *pl;
		size_t i = 0;

		for (size_t j = 0; j < s->nanomalies; j++)
			if (!r->pl_started[j] &&
			    (r->pl_started[i] ||
			     r->plan.onsets_ms[j] < r->plan.onsets_ms[i]))
				i = j;
		an = &s->anomalies[i];
		pl = &r->pl[i];
		err = cleanup_sleep_until(r->t0 +
					  r->plan.onsets_ms[i] * NS_PER_MS);
		if (err)
			goto cleanup;
		pl->target = r->ctr[r->plan.targets[i]];
		pl->timeout_ms = r->plan.durations_ms[i] +
				 SCENARIO_PAYLOAD_GRACE_S * 1000;
		err = payload_argv(an, r->plan.durations_ms[i], r->payload_dir,
				   &pl->argv, true);
		if (err)
			goto cleanup;
		if (a->verbose) {
			fprintf(stderr, "cadet run: %.3f s: injecting in %s: ",
				(cleanup_now_ns() - r->t0) / 1e9,
				s->containers[r->plan.targets[i]].name);
			argv_print(stderr, pl->argv);
			fputc('\n', stderr);
		}
		cleanup_block_signals(true);
		err = -pthread_create(&r->pl_thread[i], NULL, payload_thread,
				      pl);
		cleanup_block_signals(false);
		if (err)
			goto cleanup;
		r->pl_started[i] = true;
	}

	err = cleanup_sleep_until(r->t0 + r->plan.duration_ms * NS_PER_MS);
	if (err)
		goto cleanup;

cleanup:
	if (r->rec && r->rec_started && !r->rec_done) {
		r->t_stop = cleanup_now_ns();
		for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
			int ret = finish_anomaly(r, i, err, &win[i][0],
						 &win[i][1], &from_payload[i]);

			if (ret && !err)
				err = ret;
		}
		if (!anomaly && r->t0)
			add_label(r, NULL, 0, r->t0, r->t_stop, NULL);
	}
	run_teardown(r);
	for (size_t i = 0; a->keep && *r->keepdir && i < s->nanomalies; i++) {
		char name[160];

		if (!r->pl[i].out)
			continue;
		if (s->nanomalies > 1)
			snprintf(name, sizeof(name), "payload-%s.out",
				 s->anomalies[i].name);
		else
			snprintf(name, sizeof(name), "payload.out");
		keep_text(r->keepdir, name, r->pl[i].out);
	}

	if (!is_file(r->trace, false)) {
		fprintf(stderr, "cadet run: %s: no trace written\n", s->name);
		return err ? err : -EIO;
	}
	trace_counts(r->trace, &records, &lost, &bytes, &trace_ok);
	printf("%s\n", r->trace);
	printf("%s: %s%.1f s, %" PRIu64 " records, %" PRIu64 " lost, %.1f MiB",
	       s->name, err ? "stopped early after " : "",
	       (cleanup_now_ns() - t_begin) / 1e9, records, lost,
	       bytes / 1048576.0);
	for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
		if (win[i][0] && r->t0)
			printf(", %s%s%s window %.3f-%.3f s%s",
			       s->anomalies[i].type,
			       s->nanomalies > 1 ? " in " : "",
			       s->nanomalies > 1
				       ? s->containers[r->plan.targets[i]].name
				       : "",
			       ((int64_t)(win[i][0] - r->t0)) / 1e9,
			       ((int64_t)(win[i][1] - r->t0)) / 1e9,
			       from_payload[i]
				       ? ""
				       : " (runner times: no cadet-payload lines)");
		else
			printf(", no %s injected", s->anomalies[i].type);
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
	return err;
}

static int preflight(const struct run_args *a)
{
	if (geteuid() != 0) {
		fprintf(stderr,
			"cadet run: needs root: it starts runc containers and loads eBPF programs; run it with sudo\n");
		return -EPERM;
	}
	if (!in_path("runc")) {
		fprintf(stderr,
			"cadet run: runc not found in PATH; install it with: apt-get install runc (or: make deps)\n");
		return -ENOENT;
	}
	if (!in_path("nsenter")) {
		fprintf(stderr,
			"cadet run: nsenter not found (util-linux); http workloads need it\n");
		return -ENOENT;
	}
	if (!is_dir("/sys/fs/cgroup/unified") &&
	    !is_file("/sys/fs/cgroup/cgroup.controllers", false)) {
		fprintf(stderr,
			"cadet run: no cgroup v2 hierarchy (/sys/fs/cgroup/unified or /sys/fs/cgroup); containers cannot be told apart\n");
		return -ENOENT;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL) != 1) {
		fprintf(stderr,
			"cadet run: BPF is not usable here: loading a tracepoint program failed (need CAP_BPF and CAP_PERFMON, a kernel with CONFIG_BPF_SYSCALL, and kernel.unprivileged_bpf_disabled does not matter for root)\n");
		return -EPERM;
	}
	(void)a;
	return 0;
}

/* Checks of the plan that need the host but start nothing. */
static int check_run(const struct run_args *a, const struct scenario *s,
		     const char *payload_dir)
{
	char path[PATH_MAX];
	bool anomaly = s->anomaly && !a->normal;
	bool need_wrk = false;

	for (size_t i = 0; i < s->nworkloads; i++)
		need_wrk |= s->workloads[i].type == SCENARIO_WL_HTTP;
	if (need_wrk && !in_path("wrk")) {
		fprintf(stderr,
			"cadet run: %s has an http workload but wrk is not installed: apt-get install wrk (or: make deps)\n",
			s->path);
		return -ENOENT;
	}
	for (size_t i = 0; anomaly && i < s->nanomalies; i++) {
		const struct scenario_anomaly *an = &s->anomalies[i];

		if (!strcmp(an->type, "command"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", payload_dir,
			     an->type) >= (int)sizeof(path) ||
		    !is_file(path, true)) {
			fprintf(stderr,
				"cadet run: %s: [anomaly] type %s: no payload %s; build the payloads with make, or pick a type that is there:",
				s->path, an->type, path);
			{
				DIR *d = opendir(payload_dir);
				struct dirent *de;

				while (d && (de = readdir(d)))
					if (de->d_name[0] != '.')
						fprintf(stderr, " %s", de->d_name);
				if (d)
					closedir(d);
				else
					fprintf(stderr, " (%s missing)", payload_dir);
			}
			fprintf(stderr, " command\n");
			return -ENOENT;
		}
	}
	return 0;
}

static int load_one(const char *path, const struct profile_select *sel,
		    struct scenario **out)
{
	char err[8192];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = err, .errbuf_sz = sizeof(err)};

	*out = scenario__load_variant(path, &o, sel);
	if (!*out) {
		fputs(err, stderr);
		return -EINVAL;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_list(const struct run_args *a)
{
	char pattern[PATH_MAX], exe[PATH_MAX];
	const char *dir = a->list_dir;
	glob_t g;
	int bad = 0, ret;

	if (!dir) {
		dir = "scenarios";
		if (!is_dir(dir) && exe_dir(exe, sizeof(exe))) {
			static char alt[PATH_MAX];

			if (snprintf(alt, sizeof(alt), "%s/../scenarios", exe) <
				    (int)sizeof(alt) &&
			    is_dir(alt))
				dir = alt;
		}
	}
	if (snprintf(pattern, sizeof(pattern), "%s/*.ini", dir) >=
	    (int)sizeof(pattern)) {
		fprintf(stderr, "cadet run: --dir: path too long\n");
		return 2;
	}
	ret = glob(pattern, 0, NULL, &g);
	if (ret == GLOB_NOMATCH) {
		fprintf(stderr, "cadet run: no scenario files (*.ini) in %s\n",
			dir);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "cadet run: cannot list %s\n", dir);
		return 1;
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
	printf("%-18s %-9s %-16s %s\n", "NAME", "CATEGORY", "ANOMALY",
	       "DESCRIPTION");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario *s;

		if (load_one(g.gl_pathv[i], NULL, &s)) {
			bad++;
			continue;
		}
		printf("%-18s %-9s %-16s %s\n", s->name,
		       scenario_category_name(s->category),
		       s->anomaly ? s->anomaly->type : "-", s->description);
		scenario__free(s);
	}
	globfree(&g);
	return bad ? 2 : 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {.outdir = "datasets/runs", .repeat = 1};
	const struct argp argp = {options, parse_opt, args_doc, doc};
	struct scenario **scns = NULL;
	struct profile_job *jobs = NULL;
	size_t njobs = 0;
	char payload_buf[PATH_MAX], *cmdline = NULL;
	const char *payload_dir;
	unsigned int failed = 0, done = 0, total;
	int ret = 0, err;

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
		return do_list(&a);
	}
	if (a.redact) {
		struct redact_opts rdo = {.sz = sizeof(rdo),
					  .keep = a.redact_keep,
					  .key_path = a.redact_key};
		char msg[512];

		a.rd = redact__new(&rdo, msg, sizeof(msg));
		if (!a.rd) {
			fprintf(stderr, "cadet run: %s\n",
				msg[0] ? msg : strerror(errno));
			free(cmdline);
			return 2;
		}
	}

	/* Every file and variant is valid before anything starts. */
	{
		char msg[512];

		if (profile_jobs(a.files, (size_t)a.nfiles, a.profiles,
				 a.intensities, &jobs, &njobs, msg,
				 sizeof(msg))) {
			fprintf(stderr, "cadet run: %s", msg);
			redact__free(a.rd);
			free(cmdline);
			return 1;
		}
	}
	scns = calloc(njobs ? njobs : 1, sizeof(*scns));
	if (!scns) {
		profile_jobs_free(jobs, njobs);
		redact__free(a.rd);
		free(cmdline);
		return 1;
	}
	for (size_t i = 0; i < njobs; i++) {
		char msg[512], note[512];

		if (load_one(jobs[i].path, &jobs[i].sel, &scns[i])) {
			ret = 2;
			continue;
		}
		if (scenario__override(scns[i], a.duration, a.start, msg,
				       sizeof(msg), note, sizeof(note))) {
			fprintf(stderr, "cadet run: %s: %s\n", jobs[i].path,
				msg);
			ret = 2;
		} else if (*note) {
			fprintf(stderr, "cadet run: %s: %s\n", jobs[i].path,
				note);
		}
	}
	if (ret)
		goto cleanup;
	payload_dir = find_payload_dir(&a, payload_buf, sizeof(payload_buf));
	for (size_t i = 0; i < njobs; i++)
		if (check_run(&a, scns[i], payload_dir))
			ret = 2;
	if (ret)
		goto cleanup;
	if (!a.dry_run) {
		if (preflight(&a)) {
			ret = 1;
			goto cleanup;
		}
		err = cleanup_install();
		if (err) {
			ret = 1;
			goto cleanup;
		}
		err = util_mkdir_p(a.outdir);
		if (err) {
			fprintf(stderr, "cadet run: cannot create %s: %s\n",
				a.outdir, strerror(-err));
			ret = 1;
			goto cleanup;
		}
		err = container__cleanup_stale(NULL);
		if (err > 0)
			fprintf(stderr,
				"cadet run: removed %d container(s) left by an earlier run\n",
				err);
	}
	total = (unsigned int)njobs * a.repeat;
	for (size_t i = 0; i < njobs && !cleanup_stop_requested(); i++) {
		struct scenario *s = scns[i];
		uint64_t base = a.seed_set ? a.seed : s->seed;

		for (unsigned int rep = 0; rep < a.repeat; rep++) {
			struct run r = {.args = &a,
					.s = s,
					.rep = rep,
					.payload_dir = payload_dir,
					.cmdline = cmdline};
			char stamp[32];

			if (cleanup_stop_requested())
				break;
			/* Run k of a series uses seed base+k: rerunning one
			 * is `--seed base+k`. */
			scenario__plan(s, base + rep, &r.plan);
			utc_stamp(stamp, sizeof(stamp));
			run_token(r.id_prefix, sizeof(r.id_prefix));
			snprintf(r.trace, sizeof(r.trace),
				 "%s/%s%s-s%" PRIu64 "-r%u-%s.cadet", a.outdir,
				 s->name, a.normal ? "-normal" : "",
				 r.plan.seed, rep, stamp);
			err = 0;
			for (size_t c = 0; c < s->ncontainers && !err; c++) {
				if (a.rootfs)
					snprintf(r.rootfs[c], PATH_MAX, "%s",
						 a.rootfs);
				else
					err = rootfs_for(
						s->containers[c].packages,
						a.dry_run, r.rootfs[c],
						PATH_MAX);
			}
			if (a.dry_run) {
				print_plan(&r, stdout);
				if (err)
					ret = 1;
				continue;
			}
			if (a.verbose)
				print_plan(&r, stderr);
			else
				fprintf(stderr,
					"cadet run: [%u/%u] %s seed %" PRIu64
					", %u s%s\n",
					done + 1, total, s->name, r.plan.seed,
					s->duration,
					s->anomaly && !a.normal ? ""
								: ", normal");
			if (!err)
				err = run_one(&r);
			done++;
			if (err && !cleanup_stop_requested()) {
				fprintf(stderr,
					"cadet run: %s seed %" PRIu64
					" failed\n",
					s->name, r.plan.seed);
				failed++;
			}
		}
	}
	if (cleanup_reason() == CLEANUP_DEADLINE) {
		fprintf(stderr,
			"cadet run: stopped by the hard deadline (duration + %d s)\n",
			SCENARIO_DEADLINE_SLACK_S);
		ret = 1;
	} else if (failed) {
		fprintf(stderr, "cadet run: %u of %u run(s) failed\n", failed,
			done);
		ret = 1;
	}
cleanup:
	redact__free(a.rd);
	free(cmdline);
	for (size_t i = 0; scns && i < njobs; i++)
		scenario__free(scns[i]);
	free(scns);
	profile_jobs_free(jobs, njobs);
	return cleanup_exit_code(ret);
}
