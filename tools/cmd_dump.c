// SPDX-License-Identifier: MIT
/*
 * cadet dump: print a trace's records, as perf-script-like text or as
 * JSON lines (one object per record).
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/trace.h"
#include "lib/trace/trace_print.h"
#include "tools/commands.h"

struct dump_args {
	const char *path;
	bool json;
	bool header;
	uint64_t from_ts;
	bool types[65536];
	bool any_type;
	const char *type_arg;
};

static const char dump_doc[] =
	"Print the records of a cadet trace.\n"
	"\n"
	"Text mode prints one perf-script-like line per record:\n"
	"  COMM PID/TID [CPU] SECONDS CONTAINER TYPE: field=value ...\n"
	"--json prints one JSON object per line with type, ts (ns), cpu,\n"
	"cgroup_id, container (name, or id when unnamed; null for the host or\n"
	"an unknown cgroup), pid, tid, comm, then every field of the record.\n"
	"The HEADER and SCHEMA records of the header frame are printed only\n"
	"with --header.\n"
	"\n"
	"EXAMPLES:\n"
	"  cadet dump run.cadet                     # every record as text\n"
	"  cadet dump run.cadet --json | jq .       # JSON lines\n"
	"  cadet dump run.cadet --type exec --type security\n"
	"  cadet dump run.cadet --type exec,open --from 12.5\n"
	"  cadet dump run.cadet --header --json | head\n"
	"\n"
	"Exit status: 0 when every record was read, 1 when the trace is\n"
	"damaged, cut (no seek table, e.g. the recorder was killed) or\n"
	"followed by another trace or trailing data: every record that can\n"
	"be read is printed and stderr says what is wrong and how much was\n"
	"read; 2 on usage or I/O errors (or not a regular file).";

static const struct argp_option dump_opts[] = {
	{"json", 'j', NULL, 0, "One JSON object per line", 0},
	{"type", 't', "TYPE[,TYPE]", 0,
	 "Only records of these types (exec, open, ...; repeatable)", 0},
	{"header", 'H', NULL, 0,
	 "Also print the HEADER and SCHEMA records first", 0},
	{"from", 'f', "SECONDS", 0,
	 "Start at this trace time (seconds of the trace clock)", 0},
	{0},
};

/* Type by name or number; -1 when unknown. */
static int type_by_name(const struct cadet_reader *r, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end && v > 0 && v < 65536)
		return v;
	for (unsigned int t = 1; t < 65536; t++) {
		const char *n = trace_type_name(r, t);

		if (n && !strcmp(n, s))
			return t;
		if (!r && t >= CADET_REC_TYPE_MAX)
			break;
	}
	return -1;
}

static error_t dump_parse(int key, char *arg, struct argp_state *state)
{
	struct dump_args *a = state->input;
	char *end;
	double d;

	switch (key) {
	case 'j':
		a->json = true;
		break;
	case 'H':
		a->header = true;
		break;
	case 't':
		/* Resolved after the file is open: it may name new types. */
		if (a->type_arg) {
			char *s;

			if (asprintf(&s, "%s,%s", a->type_arg, arg) < 0)
				argp_error(state, "out of memory");
			free((char *)a->type_arg);
			a->type_arg = s;
		} else {
			a->type_arg = strdup(arg);
		}
		break;
	case 'f':
		d = strtod(arg, &end);
		if (*end || d < 0)
			argp_error(state, "--from takes seconds, e.g. 12.5");
		a->from_ts = (uint64_t)(d * 1e9);
		break;
	case ARGP_KEY_ARG:
		if (a->path)
			argp_error(state, "one trace file at a time");
		a->path = arg;
		break;
	case ARGP_KEY_END:
		if (!a->path)
			argp_error(state,
				   "which trace? e.g. cadet dump run.cadet");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int resolve_types(struct dump_args *a, const struct cadet_reader *r)
{
	char *list, *tok, *save = NULL;
	int ret = 0;

	if (!a->type_arg)
		return 0;
	list = strdup(a->type_arg);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int t = type_by_name(r, tok);

		if (t < 0) {
			fprintf(stderr,
				"cadet dump: unknown record type '%s'; known types:",
				tok);
			for (unsigned int i = 1; i < CADET_REC_TYPE_MAX; i++)
				if (cadet_rec_type_name(i))
					fprintf(stderr, " %s",
						cadet_rec_type_name(i));
			fprintf(stderr, "\n");
			ret = -EINVAL;
			break;
		}
		a->types[t] = true;
		a->any_type = true;
	}
	free(list);
	return ret;
}

int cmd_dump(int argc, char **argv)
{
	static const struct argp argp = {
		.options = dump_opts,
		.parser = dump_parse,
		.args_doc = "FILE",
		.doc = dump_doc,
	};
	struct trace_printer *p = NULL;
	struct cadet_reader *r = NULL;
	const struct cadet_rec *rec;
	struct dump_args *a;
	int err, ret = 2;
	bool damaged = false;

	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "cadet dump: out of memory\n");
		return 2;
	}
	argv[0] = (char *)"cadet dump";
	if (argp_parse(&argp, argc, argv, 0, NULL, a))
		goto cleanup;
	r = cadet_reader__open(a->path, NULL);
	if (!r) {
		fprintf(stderr, "cadet dump: %s\n", cadet_reader__open_error());
		ret = errno == EBADMSG || errno == EPROTONOSUPPORT ? 1 : 2;
		goto cleanup;
	}
	if (resolve_types(a, r))
		goto cleanup;
	p = trace_printer__new(stdout, r, a->json);
	if (!p) {
		fprintf(stderr, "cadet dump: out of memory\n");
		goto cleanup;
	}
	if (a->header) {
		const struct cadet_rec_header *h = cadet_reader__header(r);

		err = trace_printer__print(p, &h->h);
		for (unsigned int t = 1; !err && t < 65536; t++) {
			const struct cadet_rec_schema *s =
				cadet_reader__schema(r, t);

			if (s)
				err = trace_printer__print(p, &s->h);
		}
	}
	if (a->from_ts)
		cadet_reader__seek_ts(r, a->from_ts);
	for (;;) {
		err = cadet_reader__next(r, &rec);
		if (!err)
			break;
		if (err < 0) {
			/* Report and go on: later chunks may be sound. */
			fprintf(stderr, "cadet dump: %s\n",
				cadet_reader__error(r));
			damaged = true;
			if (err != -EBADMSG)
				break;
			continue;
		}
		trace_printer__observe(p, rec);
		if (rec->ts < a->from_ts)
			continue;
		if (a->any_type && !a->types[rec->type])
			continue;
		err = trace_printer__print(p, rec);
		if (err) {
			fprintf(stderr, "cadet dump: cannot write: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	if (fflush(stdout)) {
		fprintf(stderr, "cadet dump: cannot write: %s\n",
			strerror(errno));
		goto cleanup;
	}
	ret = damaged ? 1 : 0;
cleanup:
	trace_printer__free(p);
	cadet_reader__free(r);
	if (a)
		free((char *)a->type_arg);
	free(a);
	return ret;
}
