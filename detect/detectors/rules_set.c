// SPDX-License-Identifier: MIT
/*
 * The parsed rule set of the `rules` detector (rules.h): its accessors
 * and the freeing of rules, their expressions and conditions.
 */
#include <regex.h>
#include <stdlib.h>

#include "detect/detectors/rules.h"
#include "detect/detectors/rules_int.h"

void rule_cond_free(struct cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->salt && i < c->nalt; i++)
		free(c->salt[i]);
	free(c->salt);
	free(c->ialt);
	free(c->dalt);
	if (c->has_re)
		regfree(&c->re);
	free(c);
}

void rule_expr_free(struct rule_expr *e)
{
	if (!e)
		return;
	rule_expr_free(e->a);
	rule_expr_free(e->b);
	rule_cond_free(e->c);
	free(e);
}

void rule_release(struct rule *r)
{
	rule_expr_free(r->expr);
	free((void *)r->agg_field);
}

void rule_set__free(struct rule_set *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	free(rs);
}

size_t rule_set__cnt(const struct rule_set *rs)
{
	return rs->n;
}

const struct rule *rule_set__rule(const struct rule_set *rs, size_t idx)
{
	return idx < rs->n ? &rs->rules[idx] : NULL;
}
