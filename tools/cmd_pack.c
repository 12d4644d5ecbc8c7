// SPDX-License-Identifier: MIT
/*
 * cadet pack: rewrite a finished trace with big chunks at a high zstd
 * level for archiving, every record unchanged (cadet_trace_pack()).
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cadet/trace.h"
#include "lib/util/timeunits.h"
#include "tools/commands.h"

struct pack_args {
	const char *in;
	const char *out;
	struct cadet_pack_opts o;
	bool quiet;
};

enum { OPT_CHUNK_SECONDS = 0x100, OPT_ALWAYS, OPT_DROP_IDLE_BPF_STATS };

static const char pack_doc[] =
	"Rewrite a finished trace for archiving: the recorder cuts a chunk\n"
	"every second of trace time, compressed on its own at zstd level 3\n"
	"so that a crash loses little; pack puts the records into big chunks\n"
	"(4 MiB of records each) at level 19, which makes a trace a quarter\n"
	"to a half smaller. Bigger chunks gain little more and cost every\n"
	"reader a buffer of their size.\n"
	"\n"
	"The header, the schema and every record stay byte for byte the same\n"
	"and in the same order (cadet dump prints the same); only the chunks,\n"
	"the chunk index and the seek table are new. Readers read a packed\n"
	"trace like any other; seeking in time only goes chunk by chunk.\n"
	"The one exception, on request: --drop-idle-bpf-stats leaves out the\n"
	"bpf_stats records that older recorders wrote every second with\n"
	"zero counts when BPF statistics were off (each program's first\n"
	"one stays), as the recorder writes them now.\n"
	"\n"
	"Without OUT, IN is replaced in place (a symlink's target; mode and\n"
	"owner kept; other hard links keep the old file), and only when the\n"
	"packed file is smaller. The new file is written beside the target\n"
	"as TARGET.pack-XXXXXX, read back and compared record by record with\n"
	"IN, synced, then renamed over the target: an error, Ctrl-C or a\n"
	"crash never loses data (an interrupted pack may leave the\n"
	"TARGET.pack-XXXXXX file behind; delete it). A cut or damaged trace\n"
	"is refused and left as it is: run `cadet check --repair IN` first.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet pack run.cadet                  # in place\n"
	"  cadet pack run.cadet run.packed.cadet\n"
	"  cadet pack --level 3 --chunk-size 1M run.cadet\n"
	"  cadet pack --drop-idle-bpf-stats old.cadet\n"
	"  for f in datasets/ref/*/*.cadet; do cadet pack \"$f\"; done\n"
	"\n"
	"Exit status: 0 packed (or left as it is, not smaller), 1 IN is not a\n"
	"sound trace or OUT exists (nothing changed), 2 usage or I/O error\n"
	"(nothing changed).";

static const struct argp_option pack_opts[] = {
	{"level", 'l', "N", 0, "zstd level, 1-22 (default 19)", 0},
	{"chunk-size", 'c', "SIZE", 0,
	 "Records per chunk: MiB, or a size with K, M, G (default 4M, at most 128M)",
	 0},
	{"chunk-seconds", OPT_CHUNK_SECONDS, "S", 0,
	 "Also cut a chunk every S seconds of trace time (default: never)", 0},
	{"force", 'f', NULL, 0, "Replace OUT when it exists", 0},
	{"always", OPT_ALWAYS, NULL, 0,
	 "In place: replace IN even when the packed file is not smaller", 0},
	{"drop-idle-bpf-stats", OPT_DROP_IDLE_BPF_STATS, NULL, 0,
	 "Leave out bpf_stats records with nothing measured after each "
	 "program's first",
	 0},
	{"quiet", 'q', NULL, 0, "Print only errors", 0},
	{0},
};

/* "16", "16M", "16MiB", "4096K", "1G": bytes; a bare number is MiB. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1u << 20;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		mul = 1u << 10;
	else if (*end == 'G' || *end == 'g')
		mul = 1u << 30;
	else if (*end && *end != 'M' && *end != 'm')
		return -EINVAL;
	if (*end && strcmp(end + 1, "") && strcmp(end + 1, "iB") &&
	    strcmp(end + 1, "B"))
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static error_t pack_parse(int key, char *arg, struct argp_state *state)
{
	struct pack_args *a = state->input;
	uint64_t v = 0;
	char *end;
	double d;
	long l;

	switch (key) {
	case 'l':
		errno = 0;
		l = strtol(arg, &end, 10);
		if (errno || *end || l < 1 || l > 22)
			argp_error(state, "--level: give 1 to 22, not '%s'",
				   arg);
		a->o.level = l;
		break;
	case 'c':
		if (parse_size(arg, &v) || v < 4096 || v > 128u << 20)
			argp_error(
				state,
				"--chunk-size: give 4K to 128M (a bare number is MiB), not '%s'",
				arg);
		a->o.chunk_bytes = v;
		break;
	case OPT_CHUNK_SECONDS:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || *end || end == arg || !(d >= 0.001) || d > 1e9)
			argp_error(
				state,
				"--chunk-seconds: give seconds of trace time, 0.001 or more, not '%s'",
				arg);
		a->o.chunk_ns = (uint64_t)(d * NS_PER_S);
		break;
	case 'f':
		a->o.force = true;
		break;
	case OPT_DROP_IDLE_BPF_STATS:
		a->o.drop_idle_bpf_stats = true;
		break;
	case OPT_ALWAYS:
		a->o.always = true;
		break;
	case 'q':
		a->quiet = true;
		break;
	case ARGP_KEY_ARG:
		if (!a->in)
			a->in = arg;
		else if (!a->out)
			a->out = arg;
		else
			argp_error(state,
				   "one trace at a time: IN and perhaps OUT");
		break;
	case ARGP_KEY_END:
		if (!a->in)
			argp_error(state,
				   "which trace? e.g. cadet pack run.cadet");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_pack(int argc, char **argv)
{
	static const struct argp argp = {
		.options = pack_opts,
		.parser = pack_parse,
		.args_doc = "IN [OUT]",
		.doc = pack_doc,
	};
	struct pack_args a = {.o = {.sz = sizeof(a.o)}};
	struct cadet_pack_report rep = {.sz = sizeof(rep)};
	const char *dst;
	double t0;
	int err;

	argv[0] = (char *)"cadet pack";
	argp_err_exit_status = 2;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	t0 = now_s();
	err = cadet_trace_pack(a.in, a.out, &a.o, &rep);
	if (err) {
		fprintf(stderr, "cadet pack: %s\n",
			rep.message[0] ? rep.message : strerror(-err));
		if (err == -EEXIST)
			fprintf(stderr, "cadet pack: --force replaces it\n");
		return err == -EBADMSG || err == -EEXIST ? 1 : 2;
	}
	if (!rep.replaced) {
		if (!a.quiet)
			printf("%s\n", rep.message);
		return 0;
	}
	if (a.quiet)
		return 0;
	dst = a.out ? a.out : a.in;
	printf("%s: %" PRIu64 " -> %" PRIu64 " bytes (%.1f %%), %" PRIu64
	       " -> %" PRIu64 " chunks, %" PRIu64
	       " records (%.1f MiB) identical, %.1f s\n",
	       dst, rep.bytes_in, rep.bytes_out,
	       rep.bytes_in ? 100.0 * rep.bytes_out / rep.bytes_in : 0.0,
	       rep.chunks_in, rep.chunks_out, rep.records,
	       rep.record_bytes / 1048576.0, now_s() - t0);
	if (rep.dropped)
		printf("%s: %" PRIu64 " idle bpf_stats records left out\n", dst,
		       rep.dropped);
	return 0;
}
