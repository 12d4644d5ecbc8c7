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
	bool no_backup;
	bool quiet;
};

enum { OPT_NO_BACKUP = 0x100 };

static const char check_doc[] =
	"Verify a cadet trace: every chunk decodes with a valid checksum,\n"
	"records are well formed and in time order, and the chunk index and\n"
	"seek table match the chunks.\n"
	"\n"
	"--repair rewrites the file with the header, every sound chunk and a\n"
	"fresh index and seek table. Chunks past a damaged frame are found\n"
	"through the seek table, the chunk index and the zstd frame magic, so\n"
	"repair keeps every chunk that cadet dump can read (it refuses to\n"
	"write a file from which fewer records can be read). A partial last\n"
	"chunk (the file was cut, e.g. the recorder was killed) and damaged\n"
	"chunks are dropped. The original is kept as FILE.orig (--no-backup:\n"
	"not kept; repair refuses to run when FILE.orig exists); the new file\n"
	"replaces it only once complete. Two concatenated traces (cat A B)\n"
	"are not repaired: split them at the offset check names.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet check run.cadet\n"
	"  cadet check --repair run.cadet      # original kept as run.cadet.orig\n"
	"  cadet check --repair --no-backup run.cadet\n"
	"\n"
	"Exit status: 0 the file is sound (after --repair: was repaired),\n"
	"1 problems were found (or could not be repaired), 2 usage or I/O\n"
	"error.";

static const struct argp_option check_opts[] = {
	{"repair", 'r', NULL, 0, "Rebuild index and seek table, drop damage",
	 0},
	{"no-backup", OPT_NO_BACKUP, NULL, 0,
	 "With --repair: do not keep the original as FILE.orig", 0},
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
	case OPT_NO_BACKUP:
		a->no_backup = true;
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
		if (a->no_backup && !a->repair)
			argp_error(state, "--no-backup goes with --repair");
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
				    : "present but not matching the chunks",
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
	struct cadet_repair_opts ro = {.sz = sizeof(ro)};
	uint64_t before;
	int err;

	argv[0] = (char *)"cadet check";
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	ro.no_backup = a.no_backup;
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
	if (!a.repair) {
		if (rep.concatenated)
			printf("to fix: split the file as said above\n");
		else
			printf("to fix: cadet check --repair %s (keeps the original as %s.orig)\n",
			       a.path, a.path);
		return 1;
	}
	if (!rep.chunks_ok && !rep.records && rep.file_size == 0) {
		fprintf(stderr, "cadet check: %s: nothing to repair\n", a.path);
		return 1;
	}
	before = rep.records;
	err = cadet_trace_repair_opts(a.path, &rep, &ro);
	if (err) {
		fprintf(stderr, "cadet check: repair: %s\n",
			rep.message[0] ? rep.message : strerror(-err));
		return err == -EBADMSG || err == -EEXIST ? 1 : 2;
	}
	printf("%s: repaired: ", a.path);
	print_report(&rep);
	if (!a.no_backup)
		printf("%s: the original is kept as %s.orig\n", a.path, a.path);
	if (rep.records != before)
		printf("note: %" PRIu64 " records kept of %" PRIu64
		       " found in sound chunks\n",
		       rep.records, before);
	return 0;
}
