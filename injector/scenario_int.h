/* SPDX-License-Identifier: MIT */
/*
 * Inside the scenario loader (injector/scenario.h): the file as parsed
 * (sections of raw keys with their lines) and the steps that turn it
 * into a struct scenario. Not an API.
 *
 *   injector/scenario_parse.c     INI text -> raw sections; value syntax
 *   injector/scenario_validate.c  raw sections -> struct scenario
 *   injector/scenario.c           loading, freeing, overrides
 */
#ifndef CADET_INJECTOR_SCENARIO_INT_H
#define CADET_INJECTOR_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "injector/scenario.h"

#define MAX_LINE 1024
#define MAX_ERRORS 50

enum sec_kind {
	SEC_NONE,
	SEC_SCENARIO,
	SEC_CONTAINER,
	SEC_WORKLOAD,
	SEC_ANOMALY,
};

struct raw_kv {
	char *key;
	char *value;
	int line;
	bool used;
};

struct raw_sec {
	enum sec_kind kind;
	char *label; /* "[container web]" as written, normalized */
	char *name; /* NAME of container/workload, else NULL */
	int line;
	struct raw_kv *kv;
	size_t nkv;
};

struct parser {
	const char *path;
	const struct scenario_line_origin *origin; /* merged text, or NULL */
	size_t norigin;
	const char *const *origin_files;
	const char *p; /* reader position */
	const char *end;
	int line; /* line last handed to inih */
	struct raw_sec *secs;
	size_t nsecs;
	struct raw_sec *cur; /* NULL before the first header, or bad one */
	bool cur_bad; /* keys of a rejected section are ignored */
	char *errbuf;
	size_t errbuf_sz;
	size_t errlen;
	int nerrors;
	bool oom;
};

/* "path:line: [sec] key: message\n" into the error buffer, while it
 * fits; counts every problem. */
void scn_perr(struct parser *ps, int line, const char *sec, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* @s without leading and trailing white space, in place. */
char *scn_trim(char *s);
/* [a-z0-9_]+ (and '-' with @dash), at most 63 characters. */
bool scn_valid_ident(const char *s, bool dash);
/* Run inih over ps->p..ps->end, collecting raw sections: inih's result
 * (0, the first bad line, -2 out of memory). */
int scn_parse_ini(struct parser *ps);
void scn_raw_free(struct parser *ps);
int scn_parse_u64(const char *s, uint64_t *out);
int scn_parse_double(const char *s, double *out);
/* Check the raw sections and fill @s; problems go through scn_perr(). */
void scn_validate(struct parser *ps, struct scenario *s);

#endif /* CADET_INJECTOR_SCENARIO_INT_H */
