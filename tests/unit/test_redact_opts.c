// SPDX-License-Identifier: MIT
/*
 * The redaction options cadet record and cadet run share
 * (tools/redact_opts.c), under a parent parser as the commands have one:
 * what they store, the messages of a bad prefix, of too many prefixes and
 * of --redact-keep or --redact-key without --redact, --redact's help
 * naming the command's conflicting option, and the redactor they make.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/redact_opts.h"

struct parent_args {
	struct redact_args redact;
	FILE *out; /* argp's messages and help */
};

static error_t parent_parse(int key, char *arg, struct argp_state *st)
{
	struct parent_args *a = st->input;

	switch (key) {
	case ARGP_KEY_INIT:
		st->child_inputs[0] = &a->redact;
		st->err_stream = a->out;
		st->out_stream = a->out;
		break;
	case ARGP_KEY_END:
		redact_args__check(&a->redact, st);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{&redact_args_argp, 0, NULL, 0},
	{0},
};

/* No options of its own: an empty table would make glibc's help leak. */
static const struct argp parent = {
	.parser = parent_parse,
	.children = children,
};

/* Parses "cmd" + @args (NULL-ended) into @a; what argp said in *@said. */
static int parse(struct parent_args *a, char **said, const char *const *args)
{
	char *argv[2 * REDACT_MAX_KEEP + 8] = {"cmd"};
	size_t len;
	int argc = 1, ret;

	while (*args)
		argv[argc++] = (char *)*args++;
	a->out = open_memstream(said, &len);
	assert_non_null(a->out);
	ret = argp_parse(&parent, argc, argv, ARGP_NO_EXIT, NULL, a);
	fclose(a->out);
	return ret;
}

static void test_options(void **unused)
{
	const char *args[] = {
		"--redact", "--redact-keep", "/var/log", "--redact-key",
		"k.key",    "--redact-keep", "/srv",	 NULL};
	struct parent_args a = {0};
	char *said;

	assert_int_equal(parse(&a, &said, args), 0);
	assert_string_equal(said, "");
	assert_true(a.redact.on);
	assert_int_equal(a.redact.nkeep, 2);
	assert_string_equal(a.redact.keep[0], "/var/log");
	assert_string_equal(a.redact.keep[1], "/srv");
	assert_null(a.redact.keep[2]);
	assert_string_equal(a.redact.key_path, "k.key");
	free(said);
}

static void test_errors(void **unused)
{
	static const struct {
		const char *args[4];
		const char *said;
	} cases[] = {
		{{"--redact-keep", "/var/log", NULL},
		 "cmd: --redact-keep and --redact-key need --redact\n"},
		{{"--redact-key", "k.key", NULL},
		 "cmd: --redact-keep and --redact-key need --redact\n"},
		{{"--redact", "--redact-keep", "var/log", NULL},
		 "cmd: --redact-keep 'var/log': give an absolute path prefix "
		 "such as /var/log\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parent_args a = {0};
		char *said;

		parse(&a, &said, cases[i].args);
		assert_non_null(strstr(said, cases[i].said));
		free(said);
	}
}

static void test_too_many(void **unused)
{
	const char *args[2 * REDACT_MAX_KEEP + 4] = {"--redact"};
	struct parent_args a = {0};
	size_t n = 1;
	char *said;

	for (int i = 0; i <= REDACT_MAX_KEEP; i++) {
		args[n++] = "--redact-keep";
		args[n++] = "/srv";
	}
	assert_int_not_equal(parse(&a, &said, args), 0);
	assert_non_null(
		strstr(said, "cmd: at most 64 --redact-keep options\n"));
	assert_int_equal(a.redact.nkeep, REDACT_MAX_KEEP);
	assert_null(a.redact.keep[REDACT_MAX_KEEP]);
	free(said);
}

/* Runs of blanks and newlines (help is wrapped) to one space. */
static void squeeze(char *s)
{
	char *d = s;

	for (const char *p = s; *p; p++) {
		if (!isspace((unsigned char)*p))
			*d++ = *p;
		else if (d > s && d[-1] != ' ')
			*d++ = ' ';
	}
	*d = '\0';
}

static void test_help(void **unused)
{
	const char *args[] = {"--help", NULL};
	struct parent_args a = {.redact.not_with = "--pcap"};
	char *said;

	parse(&a, &said, args);
	squeeze(said);
	assert_non_null(strstr(said, " --redact-key=FILE With --redact: "));
	assert_non_null(
		strstr(said, "stable hashes (~h:...); not with --pcap "));
	free(said);
}

static void test_new_redact(void **unused)
{
	const char *keep[] = {"--redact", "--redact-keep", "/srv", NULL};
	const char *bad_key[] = {"--redact", "--redact-key",
				 "/nonexistent/cadet.key", NULL};
	const char *none[] = {NULL};
	struct parent_args a = {0};
	struct redact *rd = (void *)1;
	char *said;

	parse(&a, &said, none);
	free(said);
	assert_int_equal(redact_args__new_redact(&a.redact, "cmd", &rd), 0);
	assert_null(rd);

	memset(&a, 0, sizeof(a));
	parse(&a, &said, keep);
	free(said);
	assert_int_equal(redact_args__new_redact(&a.redact, "cmd", &rd), 0);
	assert_non_null(rd);
	assert_true(redact__path_kept(rd, "/srv/x", 6));
	assert_false(redact__path_kept(rd, "/home/x", 7));
	redact__free(rd);

	memset(&a, 0, sizeof(a));
	parse(&a, &said, bad_key);
	free(said);
	assert_int_equal(redact_args__new_redact(&a.redact, "cmd", &rd),
			 -ENOENT);
	assert_null(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_new_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
