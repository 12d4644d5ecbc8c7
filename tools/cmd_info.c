// SPDX-License-Identifier: MIT
/*
 * cadet info: summarize a trace: header, time span, containers, counts
 * per record type, chunks, lost events and size per record.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cadet/trace.h"
#include "lib/trace/trace_print.h"
#include "lib/util/timeunits.h"
#include "tools/commands.h"
#include "tools/info_cost.h"

static const char info_doc[] =
	"Summarize a cadet trace: header (host, kernel, probes, recorder,\n"
	"command line, wall-clock start), time span, containers, records per\n"
	"type, chunks, lost events, compressed bytes per record, and whether\n"
	"the file is indexed or was cut (and is read by scanning).\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet info run.cadet\n"
	"\n"
	"Exit status: 0 when the whole trace was read, 1 when it is damaged,\n"
	"cut (no seek table, e.g. the recorder was killed) or followed by\n"
	"another trace or trailing data (said on stderr; the summary covers\n"
	"what could be read), 2 on usage or I/O errors (or not a regular\n"
	"file).";

struct info_ctr {
	uint64_t cgroup_id;
	char runtime[17];
	char *id;
	char *name;
	char *image;
	uint64_t added;
	uint64_t removed;
};

struct info_state {
	struct info_ctr *ctrs;
	size_t nctrs;
	uint64_t counts[65536];
	uint64_t records;
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t lost;
	uint64_t labels;
	struct info_cost cost;          /* STATS and BPF_STATS */
};

static error_t info_parse(int key, char *arg, struct argp_state *state)
{
	const char **path = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (*path)
			argp_error(state, "one trace file at a time");
		*path = arg;
		break;
	case ARGP_KEY_END:
		if (!*path)
			argp_error(state,
				   "which trace? e.g. cadet info run.cadet");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void fmt_wall(char *buf, size_t len, int64_t epoch_ns)
{
	time_t s = epoch_ns / 1000000000;
	struct tm tm;

	if (epoch_ns <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(buf, len, "unknown");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, epoch_ns % 1000000000);
}

static void print_probes(uint64_t probes)
{
	static const char *const names[] = {
		"process", "syscall",  "file",	      "net",  "mem",
		"cpu",	   "security", "syscall-seq", "pcap",
	};
	bool first = true;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(probes & (1ull << i)))
			continue;
		printf("%s%s", first ? "" : ",", names[i]);
		first = false;
	}
	if (probes >> 9)
		printf("%s0x%" PRIx64, first ? "" : ",", probes >> 9 << 9);
	printf("%s\n", probes ? "" : "none");
}

static char *dup_or_dash(const char *s)
{
	return strdup(*s ? s : "-");
}

static int note_container(struct info_state *st, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	struct info_ctr *n;
	size_t i;

	for (i = 0; i < st->nctrs; i++)
		if (st->ctrs[i].cgroup_id == rec->cgroup_id)
			break;
	if (rec->type == CADET_REC_CONTAINER_REMOVE) {
		if (i < st->nctrs)
			st->ctrs[i].removed = rec->ts;
		return 0;
	}
	if (i == st->nctrs) {
		n = realloc(st->ctrs, (st->nctrs + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		st->ctrs = n;
		memset(&n[i], 0, sizeof(*n));
		st->nctrs++;
	}
	n = &st->ctrs[i];
	free(n->id);
	free(n->name);
	free(n->image);
	n->cgroup_id = rec->cgroup_id;
	memcpy(n->runtime, c->runtime, sizeof(c->runtime));
	n->runtime[16] = '\0';
	if (!n->runtime[0])
		strcpy(n->runtime, "-");
	n->id = dup_or_dash(cadet_rec_str(rec, &c->id));
	n->name = dup_or_dash(cadet_rec_str(rec, &c->name));
	n->image = dup_or_dash(cadet_rec_str(rec, &c->image));
	/* An update renames the container: it was added when it was. */
	if (rec->type != CADET_REC_CONTAINER_UPDATE) {
		n->added = rec->type == CADET_REC_CONTAINER_ADD ? rec->ts : 0;
		n->removed = 0;
	}
	return n->id && n->name && n->image ? 0 : -ENOMEM;
}

static void print_span(const char *what, uint64_t a, uint64_t b, int64_t b2e)
{
	char wa[48], wb[48];

	fmt_wall(wa, sizeof(wa), (int64_t)a + b2e);
	fmt_wall(wb, sizeof(wb), (int64_t)b + b2e);
	printf("%-16s %.3f s (ts %" PRIu64 ".%09" PRIu64 " .. %" PRIu64
	       ".%09" PRIu64 ", %s .. %s)\n",
	       what, (b - a) / (double)NS_PER_S, a / NS_PER_S, a % NS_PER_S,
	       b / NS_PER_S, b % NS_PER_S, wa, wb);
}

static void print_summary(const char *path, struct cadet_reader *r,
			  struct info_state *st, bool damaged, bool cut)
{
	const struct cadet_rec_header *h = cadet_reader__header(r);
	uint8_t prelude[20];
	uint64_t fsize = 0;
	FILE *f;
	size_t nchunks = cadet_reader__chunk_cnt(r);
	char wall[48];
	struct stat sb;

	if (!stat(path, &sb))
		fsize = sb.st_size;
	/* The file's own version: the prelude after the frame header. */
	memset(prelude, 0, sizeof(prelude));
	f = fopen(path, "rb");
	if (f) {
		if (fread(prelude, 1, sizeof(prelude), f) != sizeof(prelude))
			memset(prelude, 0, sizeof(prelude));
		fclose(f);
	}
	printf("%-16s %s\n", "file:", path);
	printf("%-16s %" PRIu64 " bytes, %s\n", "size:", fsize,
	       cadet_reader__indexed(r)
		       ? "indexed (seek table and chunk index present)"
		       : "not indexed (cut or damaged; read by scanning frames; `cadet check --repair` adds an index)");
	printf("%-16s %u.%u (this cadet writes %u.%u)\n",
	       "format:", prelude[16] | prelude[17] << 8,
	       prelude[18] | prelude[19] << 8, CADET_FORMAT_MAJOR,
	       CADET_FORMAT_MINOR);
	printf("%-16s %s\n",
	       "recorder:", cadet_rec_str(&h->h, &h->recorder_version));
	printf("%-16s %s\n",
	       "command line:", cadet_rec_str(&h->h, &h->cmdline));
	printf("%-16s %s\n", "hostname:", cadet_rec_str(&h->h, &h->hostname));
	printf("%-16s %s\n",
	       "kernel:", cadet_rec_str(&h->h, &h->kernel_release));
	printf("%-16s %u\n", "cpus:", h->ncpus);
	printf("%-16s %s (id %u)\n",
	       "clock:", h->clock_id == 1 ? "CLOCK_MONOTONIC" : "unknown",
	       h->clock_id);
	fmt_wall(wall, sizeof(wall), h->boot_to_epoch_ns);
	printf("%-16s %s (boot_to_epoch_ns %" PRId64 ")\n", "booted:", wall,
	       (int64_t)h->boot_to_epoch_ns);
	fmt_wall(wall, sizeof(wall),
		 (int64_t)h->start_ts + h->boot_to_epoch_ns);
	printf("%-16s %s (ts %" PRIu64 ")\n", "started:", wall,
	       (uint64_t)h->start_ts);
	printf("%-16s ", "probes:");
	print_probes(h->probes);
	printf("%-16s %.3f s\n", "interval:", h->interval_ns / 1e9);
	printf("%-16s %s%s\n", "flags:",
	       h->flags & CADET_HDR_F_ALL_CGROUPS ? "all cgroups (host too)"
						  : "containers only",
	       h->flags & CADET_HDR_F_REDACTED
		       ? ", redacted (argv and paths hashed)"
		       : "");
	if (st->records)
		print_span("span:", st->first_ts, st->last_ts,
			   h->boot_to_epoch_ns);
	else
		printf("%-16s empty\n", "span:");
	printf("%-16s %" PRIu64 "\n", "records:", st->records);
	printf("%-16s %zu\n", "chunks:", nchunks);
	printf("%-16s %" PRIu64 "%s\n", "lost events:", st->lost,
	       st->lost ? " (kernel ring buffer drops; see lost records)" : "");
	if (st->records)
		printf("%-16s %.2f\n",
		       "bytes/record:", (double)fsize / st->records);
	if (damaged)
		printf("%-16s damaged: see the errors above; run `cadet check`\n",
		       "status:");
	else if (cut)
		printf("%-16s cut: the records before the cut are summarized; `cadet check --repair` adds the index\n",
		       "status:");

	printf("\ncontainers: %zu\n", st->nctrs);
	if (st->nctrs)
		printf("  %-14s %-8s %-20s %-16s %s\n", "CGROUP_ID", "RUNTIME",
		       "NAME", "ID", "IMAGE");
	for (size_t i = 0; i < st->nctrs; i++) {
		const struct info_ctr *c = &st->ctrs[i];

		printf("  %-14" PRIu64 " %-8s %-20s %-16.16s %s\n",
		       c->cgroup_id, c->runtime, c->name, c->id, c->image);
	}
	printf("\nrecords by type:\n");
	for (unsigned int t = 0; t < 65536; t++) {
		const char *n;

		if (!st->counts[t])
			continue;
		n = trace_type_name(r, t);
		if (n)
			printf("  %-18s %12" PRIu64 "\n", n, st->counts[t]);
		else
			printf("  type %-13u %12" PRIu64 " (unknown type)\n", t,
			       st->counts[t]);
	}
	info_cost__print(&st->cost, stdout);
}

int cmd_info(int argc, char **argv)
{
	static const struct argp argp = {
		.parser = info_parse,
		.args_doc = "FILE",
		.doc = info_doc,
	};
	const struct cadet_rec *rec;
	struct cadet_reader *r = NULL;
	struct info_state *st = NULL;
	const char *path = NULL;
	bool damaged = false, cut = false;
	int err, ret = 2;

	argv[0] = (char *)"cadet info";
	if (argp_parse(&argp, argc, argv, 0, NULL, &path))
		return 2;
	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "cadet info: out of memory\n");
		return 2;
	}
	r = cadet_reader__open(path, NULL);
	if (!r) {
		fprintf(stderr, "cadet info: %s\n", cadet_reader__open_error());
		ret = errno == EBADMSG || errno == EPROTONOSUPPORT ? 1 : 2;
		goto cleanup;
	}
	for (;;) {
		err = cadet_reader__next(r, &rec);
		if (!err)
			break;
		if (err < 0) {
			fprintf(stderr, "cadet info: %s\n",
				cadet_reader__error(r));
			if (err == -ENODATA)
				cut = true;
			else
				damaged = true;
			if (err != -EBADMSG)
				break;
			continue;
		}
		if (!st->records)
			st->first_ts = rec->ts;
		st->last_ts = rec->ts;
		st->records++;
		st->counts[rec->type]++;
		if (rec->type == CADET_REC_LOST)
			st->lost += ((const struct cadet_rec_lost *)rec)->count;
		if (info_cost__add(&st->cost, rec)) {
			fprintf(stderr, "cadet info: out of memory\n");
			goto cleanup;
		}
		if ((rec->type == CADET_REC_CONTAINER ||
		     rec->type == CADET_REC_CONTAINER_ADD ||
		     rec->type == CADET_REC_CONTAINER_UPDATE ||
		     rec->type == CADET_REC_CONTAINER_REMOVE) &&
		    note_container(st, rec)) {
			fprintf(stderr, "cadet info: out of memory\n");
			goto cleanup;
		}
	}
	print_summary(path, r, st, damaged, cut);
	ret = damaged || cut ? 1 : 0;
cleanup:
	for (size_t i = 0; st && i < st->nctrs; i++) {
		free(st->ctrs[i].id);
		free(st->ctrs[i].name);
		free(st->ctrs[i].image);
	}
	if (st) {
		free(st->ctrs);
		info_cost__free(&st->cost);
	}
	free(st);
	cadet_reader__free(r);
	return ret;
}
