/* SPDX-License-Identifier: MIT */
/*
 * Rule files of the `rules` detector: parser and matcher.
 * docs/detectors.md is the reference of the format; default.rules beside
 * this file is the rule set compiled into cadet.
 *
 * HowTo:
 *   char err[512];
 *   struct rule_set *rs = rule_set__parse(text, len, "my.rules", err,
 *                                         sizeof(err));
 *   if (!rs) -> errno; err says "my.rules:3:17: what is wrong"
 *   for each record: struct rule_ctx ctx = { .in_container = ..., ... };
 *           for (i = 0; i < rule_set__cnt(rs); i++)
 *                   if (rule_matches(rule_set__rule(rs, i), rec, &ctx)) ...
 *   rule_set__free(rs);
 */
#ifndef CADET_DETECT_DETECTORS_RULES_H
#define CADET_DETECT_DETECTORS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/detector.h"

#define RULE_NAME_MAX 64
/* Aggregates keep at most this many events (count) or values (distinct). */
#define RULE_AGG_MAX 100000

enum rule_agg_kind {
	RULE_AGG_NONE,
	RULE_AGG_COUNT,         /* count() > N within T */
	RULE_AGG_DISTINCT,      /* distinct(field) > N within T */
};

enum rule_agg_per {
	RULE_PER_CONTAINER,
	RULE_PER_PID,
};

/* Facts about a record that are not in the record itself. */
struct rule_ctx {
	bool in_container;      /* its cgroup is a known container */
	bool connected;         /* its process holds a network connection */
	bool runtime;           /* its process is runc setting the container up */
};

struct rule_expr;
struct rule_field;

struct rule {
	char name[RULE_NAME_MAX];
	enum cadet_severity sev;
	unsigned int rec_type;  /* enum cadet_rec_type */
	int line;
	struct rule_expr *expr; /* NULL: every record of rec_type */
	enum rule_agg_kind agg;
	const struct rule_field *agg_field; /* distinct() */
	uint64_t agg_threshold; /* fires when the aggregate exceeds it */
	bool agg_inclusive;     /* >= rather than > */
	uint64_t agg_window_ns;
	enum rule_agg_per agg_per;
};

struct rule_set;

struct rule_set *rule_set__parse(const char *text, size_t len,
				 const char *fname, char *err, size_t errlen);
void rule_set__free(struct rule_set *rs);
size_t rule_set__cnt(const struct rule_set *rs);
const struct rule *rule_set__rule(const struct rule_set *rs, size_t idx);

/* True when @rec is of the rule's type and its expression holds. */
bool rule_matches(const struct rule *r, const struct cadet_rec *rec,
		  const struct rule_ctx *ctx);
/*
 * The value of the rule's distinct() field in @rec as a 64-bit key
 * (numbers as is, strings and addresses hashed).
 */
uint64_t rule_agg_key(const struct rule *r, const struct cadet_rec *rec);

/* The default rule set (default.rules), NUL-terminated. */
extern const char rules_default_text[];

#endif /* CADET_DETECT_DETECTORS_RULES_H */
