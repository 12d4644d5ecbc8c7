// SPDX-License-Identifier: MIT
/*
 * The redaction options of cadet record and cadet run; see redact_opts.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/redact_opts.h"

enum {
	OPT_REDACT = 0x1000,
	OPT_REDACT_KEEP,
	OPT_REDACT_KEY,
};

static const struct argp_option options[] = {
	{"redact", OPT_REDACT, NULL, 0,
	 "Replace argv beyond argv[0] and paths outside the kept prefixes by "
	 "stable hashes (~h:...)",
	 0},
	{"redact-keep", OPT_REDACT_KEEP, "PREFIX", 0,
	 "With --redact: also keep paths under PREFIX in clear (repeatable; "
	 "kept always: /bin /sbin /usr /lib /lib32 /lib64 /libx32 /etc /proc "
	 "/sys /dev)",
	 0},
	{"redact-key", OPT_REDACT_KEY, "FILE", 0,
	 "With --redact: HMAC the values under the secret key in FILE (16 to "
	 "4096 bytes) so that hashes cannot be reversed by guessing",
	 0},
	{0}};

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct redact_args *ra = st->input;

	switch (key) {
	case OPT_REDACT:
		ra->on = true;
		break;
	case OPT_REDACT_KEEP:
		/* argp_error() exits, unless the caller parses with
		 * ARGP_NO_EXIT: then the option is refused. */
		if (ra->nkeep == REDACT_MAX_KEEP) {
			argp_error(st, "at most %d --redact-keep options",
				   REDACT_MAX_KEEP);
			return EINVAL;
		}
		if (arg[0] != '/') {
			argp_error(
				st,
				"--redact-keep '%s': give an absolute path prefix such as /var/log",
				arg);
			return EINVAL;
		}
		ra->keep[ra->nkeep++] = arg;
		break;
	case OPT_REDACT_KEY:
		ra->key_path = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* --redact's help names the command's option it does not go with. */
static char *help_filter(int key, const char *text, void *input)
{
	const struct redact_args *ra = input;
	char *s;

	if (key != OPT_REDACT || !ra || !ra->not_with)
		return (char *)text;
	if (asprintf(&s, "%s; not with %s", text, ra->not_with) < 0)
		return (char *)text;
	return s;
}

const struct argp redact_args_argp = {
	.options = options,
	.parser = parse_opt,
	.help_filter = help_filter,
};

void redact_args__check(const struct redact_args *ra, struct argp_state *st)
{
	if ((ra->nkeep || ra->key_path) && !ra->on)
		argp_error(st, "--redact-keep and --redact-key need --redact");
}

int redact_args__new_redact(const struct redact_args *ra, const char *cmd,
			    struct redact **rd)
{
	struct redact_opts ro = {
		.sz = sizeof(ro), .keep = ra->keep, .key_path = ra->key_path};
	char msg[512];
	int err;

	*rd = NULL;
	if (!ra->on)
		return 0;
	*rd = redact__new(&ro, msg, sizeof(msg));
	if (*rd)
		return 0;
	err = errno ? errno : EINVAL;
	fprintf(stderr, "%s: %s\n", cmd, msg[0] ? msg : strerror(err));
	return -err;
}
