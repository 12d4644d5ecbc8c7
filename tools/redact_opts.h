/* SPDX-License-Identifier: MIT */
/*
 * --redact, --redact-keep and --redact-key (recorder/redact.h) as one
 * argp child parser: `cadet record` and `cadet run` take them with the
 * same help, the same checks and the same messages.
 *
 * HowTo:
 *   struct cmd_args { ...; struct redact_args redact; };
 *   args.redact.not_with = "--pcap";   named in --redact's help
 *   static const struct argp_child children[] = {
 *           {&redact_args_argp, 0, NULL, 0}, {0}};
 *   parser:
 *     ARGP_KEY_INIT: st->child_inputs[0] = &a->redact;
 *     ARGP_KEY_END:  redact_args__check(&a->redact, st);
 *                    then the command's own conflicts with a->redact.on
 *   after argp_parse():
 *     struct redact *rd;
 *     if (redact_args__new_redact(&a.redact, "cadet record", &rd))
 *             exit status 2 (the message is printed)
 *     ... redact__free(rd);           rd is NULL without --redact
 */
#ifndef CADET_TOOLS_REDACT_OPTS_H
#define CADET_TOOLS_REDACT_OPTS_H

#include <argp.h>
#include <stdbool.h>

#include "recorder/redact.h"

struct redact_args {
	bool on; /* --redact */
	const char *keep[REDACT_MAX_KEEP + 1]; /* --redact-keep, NULL-ended */
	int nkeep;
	const char *key_path; /* --redact-key */
	/* The command's option --redact does not go with, for the help. */
	const char *not_with;
};

extern const struct argp redact_args_argp;

/*
 * The checks that need every option: --redact-keep and --redact-key
 * without --redact are an error (argp_error() exits). Called by the
 * command's parser at ARGP_KEY_END, where its messages belong among the
 * command's own.
 */
void redact_args__check(const struct redact_args *ra, struct argp_state *st);

/*
 * The redactor the options ask for in *@rd: NULL without --redact.
 * 0, or -errno after printing "@cmd: why" on stderr.
 */
int redact_args__new_redact(const struct redact_args *ra, const char *cmd,
			    struct redact **rd);

#endif /* CADET_TOOLS_REDACT_OPTS_H */
