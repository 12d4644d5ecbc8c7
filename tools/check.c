// SPDX-License-Identifier: MIT
/*
 * cadet check: verify every frame, chunk, record order, the chunk index
 * and the seek table of a trace; --repair rebuilds a cut or damaged file.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cadet/trace.h"
#include "tools/commands.h"

struct check_args {
	const char *path;
	bool repair;
	bool quiet;
};

static const char check_doc[] =
	"Verify a cadet trace: every chunk decodes with a valid checksum,\n"
	"records are well formed and in time order, and the chunk index and\n"
	"seek table match the chunks.\n"
	"\n"
	"--repair rewrites the file with the header, every sound chunk and a\n"
	"fresh index and seek table; a partial last chunk (the file was cut,\n"
	"e.g. the recorder was killed) and damaged chunks are dropped. The new\n"
	"file replaces the old one only once it is complete.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet check run.cadet\n"
	"  cadet check --repair run.cadet\n"
	"\n"
	"Exit status: 0 the file is sound (after --repair: was repaired),\n"
	"1 problems were found (or could not be repaired), 2 usage or I/O\n"
	"error.";

static const struct argp_option check_opts[] = {
	{"repair", 'r', NULL, 0, "Rebuild index and seek table, drop damage",
	 0},
	{"quiet", 'q', NULL, 0, "Print only problems", 0},
	{0},
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	switch (key) {
	case 'r':
		a->repair = true;
		break;
	case 'q':
		a->quiet = true;
		break;
	case ARGP_KEY_ARG:
		if (a->path)
			argp_error(state, "one trace file at a time");
		a->path = arg;
		break;
	case ARGP_KEY_END:
		if (!a->path)
			argp_error(state,
				   "which trace? e.g. cadet check run.cadet");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void print_report(const struct cadet_check_report *rep)
{
	printf("size %" PRIu64 " bytes, %" PRIu64 " records in %" PRIu64
	       " sound chunks, %" PRIu64 " damaged chunks, %" PRIu64
	       " tail bytes, seek table %s, order %s\n",
	       rep->file_size, rep->records, rep->chunks_ok, rep->chunks_bad,
	       rep->tail_bytes,
	       !rep->has_seek_table ? "missing"
	       : rep->seek_table_ok ? "ok"
				    : "wrong",
	       rep->order_ok ? "ok" : "WRONG");
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		.options = check_opts,
		.parser = check_parse,
		.args_doc = "FILE",
		.doc = check_doc,
	};
	struct cadet_check_report rep = {.sz = sizeof(rep)};
	struct check_args a = {0};
	uint64_t before;
	int err;

	argv[0] = (char *)"cadet check";
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	err = cadet_trace_check(a.path, &rep);
	if (err && err != -EBADMSG) {
		fprintf(stderr, "cadet check: %s\n",
			rep.message[0] ? rep.message : strerror(-err));
		return 2;
	}
	if ((!a.quiet || err) && rep.file_size) {
		printf("%s: ", a.path);
		print_report(&rep);
	}
	if (!err) {
		if (!a.quiet)
			printf("%s: sound\n", a.path);
		return 0;
	}
	printf("problem: %s\n", rep.message);
	if (!a.repair)
		return 1;
	if (!rep.chunks_ok && !rep.records && rep.file_size == 0) {
		fprintf(stderr, "cadet check: %s: nothing to repair\n", a.path);
		return 1;
	}
	before = rep.records;
	err = cadet_trace_repair(a.path, &rep);
	if (err) {
		fprintf(stderr, "cadet check: repair: %s\n",
			rep.message[0] ? rep.message : strerror(-err));
		return err == -EBADMSG ? 1 : 2;
	}
	printf("%s: repaired: ", a.path);
	print_report(&rep);
	if (rep.records != before)
		printf("note: %" PRIu64 " records kept of %" PRIu64
		       " readable\n",
		       rep.records, before);
	return 0;
}
