// SPDX-License-Identifier: MIT
/*
 * cadet: container anomaly dataset and evaluation toolkit.
 * Dispatches to subcommands in the spirit of `perf record/report`.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util/cmd_name.h"
#include "lib/util/version.h"
#include "tools/commands.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "record", cmd_record, "record container eBPF events into a trace" },
	{ "run", cmd_run, "run labeled anomaly scenarios in real containers" },
	{ "info", cmd_info, "summarize a trace: header, containers, counts" },
	{ "dump", cmd_dump, "print a trace's records (text or JSON lines)" },
	{ "check", cmd_check, "verify a trace; --repair rebuilds a cut file" },
	{ "pack", cmd_pack, "repack a finished trace for archiving, records unchanged" },
	{ "replay", cmd_replay, "replay traces into detectors, deterministically" },
	{ "import", cmd_import, "convert an external dataset (ADFA-LD) to traces" },
	{ "eval", cmd_eval, "score replay results against the labels; regression check" },
	{ "report", cmd_report, "report.md with plots, Grafana dashboard, OpenMetrics" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cadet [--version] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'cadet COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cadet %s\n", CADET_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			/* Library messages then name the command that ran. */
			util_set_cmd_name(commands[i].name);
			return commands[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "cadet: '%s' is not a command. See 'cadet --help'.\n",
		argv[1]);
	return 2;
}
