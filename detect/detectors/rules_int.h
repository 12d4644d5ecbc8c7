/* SPDX-License-Identifier: MIT */
/*
 * A parsed rule's insides, shared by the parser (rules_parse.c) and the
 * matcher (rules_match.c) of the `rules` detector; rules.h is what the
 * detector itself sees.
 */
#ifndef CADET_DETECT_DETECTORS_RULES_INT_H
#define CADET_DETECT_DETECTORS_RULES_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detectors/rules.h"

#define VALUE_MAX 4096  /* longest text a condition looks at */

struct rule_field {
	char name[32];
	uint16_t kind;          /* enum cadet_field_kind */
	uint32_t offset;
	uint32_t size;
};

enum cmp_op {
	OP_EQ,
	OP_NE,
	OP_RE,
	OP_NRE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_BIT,
};

enum val_class {
	VC_INT,
	VC_F64,
	VC_TEXT,
};

struct cond {
	struct rule_field f;
	enum cmp_op op;
	enum val_class vc;
	size_t nalt;
	char **salt;
	__int128 *ialt;
	double *dalt;
	regex_t re;
	bool has_re;
};

enum pred {
	PRED_CONTAINER,
	PRED_CONNECTED,
	PRED_RUNTIME,
};

enum expr_kind {
	E_AND,
	E_OR,
	E_NOT,
	E_COND,
	E_PRED,
};

struct rule_expr {
	enum expr_kind k;
	struct rule_expr *a;
	struct rule_expr *b;
	struct cond *c;
	enum pred pred;
};

struct rule_set {
	struct rule *rules;
	size_t n;
	size_t cap;
};

/* Free a condition, an expression tree, a rule's parts (rules_set.c). */
void rule_cond_free(struct cond *c);
void rule_expr_free(struct rule_expr *e);
void rule_release(struct rule *r);

/* How a condition compares a field of @kind (enum cadet_field_kind). */
enum val_class rule_field_class(unsigned int kind);

#endif /* CADET_DETECT_DETECTORS_RULES_INT_H */
