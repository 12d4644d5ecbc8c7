// SPDX-License-Identifier: MIT
/*
 * Rule file parser of the `rules` detector (rules.h); rules_match.c
 * matches the parsed rules against records.
 *
 * One rule per logical line (a trailing backslash continues a line):
 *
 *   NAME SEVERITY TYPE [FILTER] [&& AGGREGATE]
 *
 * FILTER is a boolean expression of conditions over the record's fields
 * (FIELD OP VALUE) and predicates (container, connected, runtime) with
 * !, &&, ||
 * and parentheses; AGGREGATE is count() or distinct(FIELD) compared with
 * a number "within" a duration, "per" container or pid.
 * docs/detectors.md is the reference. Field names and kinds come from the
 * trace schema table, so every field `cadet dump` shows can be matched.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace/trace_schema.h"
#include "detect/detectors/detectors.h"
#include "detect/detectors/rules.h"
#include "detect/detectors/rules_int.h"
#include "lib/util/vec.h"

/* Fields of the common record header, matchable in every rule. */
#define HFLD(f, k)                                                          \
	{                                                                   \
		.name = #f, .kind = CADET_FK_##k,                           \
		.offset = offsetof(struct cadet_rec, f),                    \
		.size = sizeof(((struct cadet_rec *)0)->f),                 \
	}
static const struct trace_field_desc hdr_fields[] = {
	HFLD(ts, U64),  HFLD(cpu, U16), HFLD(cgroup_id, U64),
	HFLD(pid, U32), HFLD(tid, U32), HFLD(comm, CHAR),
};

/* ---- lexer ---- */

struct parser {
	const char *s;          /* the logical line */
	size_t pos;
	size_t len;
	size_t tok;             /* start of the last word or name read */
	const char *fname;
	int line;
	char *err;
	size_t errlen;
	bool failed;
	unsigned int rec_type;
	int depth;              /* open parentheses */
	bool agg_next;          /* "&& count(" / "&& distinct(" seen */
};

static void perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (!p->err || !p->errlen)
		return;
	n = snprintf(p->err, p->errlen, "%s:%d:%zu: ", p->fname, p->line,
		     p->pos + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
	/* A '#' starting a token starts a comment. */
	if (p->pos < p->len && p->s[p->pos] == '#')
		p->pos = p->len;
}

static bool at_end(struct parser *p)
{
	skip_ws(p);
	return p->pos >= p->len;
}

static bool eat(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(p);
	if (p->len - p->pos >= n && !memcmp(p->s + p->pos, tok, n)) {
		p->pos += n;
		return true;
	}
	return false;
}

/*
 * Copies the token read from @start up to the current position into @buf;
 * false (and an error) when it is empty or does not fit.
 */
static bool take_token(struct parser *p, size_t start, char *buf,
		       size_t buflen, const char *what)
{
	if (p->pos == start) {
		perr(p, "expected %s", what);
		return false;
	}
	if (p->pos - start >= buflen) {
		p->pos = start;
		perr(p, "%s is too long (at most %zu characters)", what,
		     buflen - 1);
		return false;
	}
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	return true;
}

static bool is_ident_char(int c, bool first)
{
	return isalpha(c) || c == '_' || (!first && isdigit(c));
}

/* Reads an identifier into @buf; false (and an error) when there is none. */
static bool read_ident(struct parser *p, char *buf, size_t buflen,
		       const char *what)
{
	size_t start;

	skip_ws(p);
	start = p->tok = p->pos;
	while (p->pos < p->len &&
	       is_ident_char((unsigned char)p->s[p->pos], p->pos == start))
		p->pos++;
	return take_token(p, start, buf, buflen, what);
}

/* A whitespace-delimited word (rule names, severities, numbers). */
static bool read_word(struct parser *p, char *buf, size_t buflen,
		      const char *what)
{
	size_t start;

	skip_ws(p);
	start = p->tok = p->pos;
	while (p->pos < p->len && !isspace((unsigned char)p->s[p->pos]))
		p->pos++;
	return take_token(p, start, buf, buflen, what);
}

/*
 * A condition's value: a "quoted string" (\" and \\ escapes) or the text
 * up to the next blank or to a ')' that closes a group of the expression
 * (parentheses inside the value itself must balance, as in regexes).
 * Returns a malloc'd string or NULL (error set).
 */
static char *read_value(struct parser *p)
{
	size_t start, n = 0;
	char *out;
	int depth = 0;

	if (p->pos < p->len && p->s[p->pos] == '"') {
		out = malloc(p->len - p->pos + 1);
		if (!out) {
			perr(p, "out of memory");
			return NULL;
		}
		for (p->pos++; p->pos < p->len; p->pos++) {
			char c = p->s[p->pos];

			if (c == '"') {
				p->pos++;
				out[n] = '\0';
				return out;
			}
			if (c == '\\' && p->pos + 1 < p->len &&
			    (p->s[p->pos + 1] == '"' ||
			     p->s[p->pos + 1] == '\\'))
				c = p->s[++p->pos];
			out[n++] = c;
		}
		free(out);
		perr(p, "unterminated quoted value: add the closing '\"'");
		return NULL;
	}
	start = p->pos;
	for (; p->pos < p->len; p->pos++) {
		char c = p->s[p->pos];

		if (isspace((unsigned char)c))
			break;
		if (c == '(')
			depth++;
		if (c == ')' && depth-- == 0)
			break;
	}
	if (p->pos == start) {
		perr(p, "missing value after the operator");
		return NULL;
	}
	out = strndup(p->s + start, p->pos - start);
	if (!out)
		perr(p, "out of memory");
	return out;
}

/* ---- fields ---- */

static bool field_copy(struct rule_field *f, const struct trace_field_desc *d)
{
	if (strlen(d->name) >= sizeof(f->name))
		return false;
	strcpy(f->name, d->name);
	f->kind = d->kind;
	f->offset = d->offset;
	f->size = d->size;
	return true;
}

static bool field_supported(unsigned int kind)
{
	switch (kind) {
	case CADET_FK_U8:
	case CADET_FK_U16:
	case CADET_FK_U32:
	case CADET_FK_U64:
	case CADET_FK_S32:
	case CADET_FK_S64:
	case CADET_FK_F64:
	case CADET_FK_CHAR:
	case CADET_FK_VSTR:
	case CADET_FK_VLIST:
	case CADET_FK_ADDR:
		return true;
	default:
		return false;
	}
}

static bool field_find(struct parser *p, const char *name,
		       struct rule_field *f)
{
	const struct trace_type_desc *td = trace_type_desc(p->rec_type);
	char list[512];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(hdr_fields) / sizeof(hdr_fields[0]); i++)
		if (!strcmp(hdr_fields[i].name, name))
			return field_copy(f, &hdr_fields[i]);
	for (uint32_t i = 0; td && i < td->nfields; i++) {
		if (strcmp(td->fields[i].name, name))
			continue;
		if (!field_supported(td->fields[i].kind)) {
			perr(p, "field '%s' of '%s' records cannot be matched",
			     name, td->name);
			return false;
		}
		return field_copy(f, &td->fields[i]);
	}
	p->pos = p->tok;
	list[0] = '\0';
	for (uint32_t i = 0; td && i < td->nfields && n < sizeof(list); i++)
		if (field_supported(td->fields[i].kind))
			n += snprintf(list + n, sizeof(list) - n, " %s",
				      td->fields[i].name);
	perr(p, "unknown field '%s' for '%s' records (fields: ts cpu "
		"cgroup_id pid tid comm%s; predicates: container connected runtime)",
	     name, td ? td->name : "?", list);
	return false;
}

enum val_class rule_field_class(unsigned int kind)
{
	switch (kind) {
	case CADET_FK_F64:
		return VC_F64;
	case CADET_FK_CHAR:
	case CADET_FK_VSTR:
	case CADET_FK_VLIST:
	case CADET_FK_ADDR:
		return VC_TEXT;
	default:
		return VC_INT;
	}
}

static bool field_signed(unsigned int kind)
{
	return kind == CADET_FK_S32 || kind == CADET_FK_S64;
}

/* ---- conditions ---- */

static bool parse_int(const char *s, bool sgn, __int128 *out)
{
	char *end;

	errno = 0;
	if (*s == '-') {
		long long v = strtoll(s, &end, 0);

		if (!sgn && v)
			return false;
		*out = v;
	} else {
		unsigned long long v = strtoull(s, &end, 0);

		*out = v;
	}
	return !errno && end != s && !*end;
}

static bool read_op(struct parser *p, enum cmp_op *op)
{
	static const struct {
		const char *tok;
		enum cmp_op op;
	} ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "!~", OP_NRE },
		{ "<=", OP_LE }, { ">=", OP_GE }, { "=", OP_EQ },
		{ "~", OP_RE },  { "<", OP_LT },  { ">", OP_GT },
		{ "&", OP_BIT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].tok);

		if (p->len - p->pos >= n &&
		    !memcmp(p->s + p->pos, ops[i].tok, n)) {
			/* "&&" right after a name is not the bit test. */
			if (ops[i].op == OP_BIT && p->pos + 1 < p->len &&
			    p->s[p->pos + 1] == '&')
				return false;
			p->pos += n;
			*op = ops[i].op;
			return true;
		}
	}
	return false;
}

/* Splits @v on '|' into the condition's alternatives. */
static bool cond_set_values(struct parser *p, struct cond *c, char *v)
{
	size_t n = 1;
	bool multi_ok = c->op == OP_EQ || c->op == OP_NE;

	for (char *q = v; *q; q++)
		n += *q == '|';
	if (n > 1 && !multi_ok) {
		perr(p, "'|' alternatives work with = and != only");
		return false;
	}
	c->nalt = n;
	if (c->vc == VC_TEXT)
		c->salt = calloc(n, sizeof(*c->salt));
	else if (c->vc == VC_F64)
		c->dalt = calloc(n, sizeof(*c->dalt));
	else
		c->ialt = calloc(n, sizeof(*c->ialt));
	if (!c->salt && !c->dalt && !c->ialt) {
		perr(p, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char *bar = strchr(v, '|');
		char *end;

		if (bar)
			*bar = '\0';
		if (c->vc == VC_TEXT) {
			c->salt[i] = strdup(v);
			if (!c->salt[i]) {
				perr(p, "out of memory");
				return false;
			}
		} else if (c->vc == VC_F64) {
			errno = 0;
			c->dalt[i] = strtod(v, &end);
			if (errno || end == v || *end) {
				perr(p, "'%s' is not a number (field '%s')", v,
				     c->f.name);
				return false;
			}
		} else if (!parse_int(v, field_signed(c->f.kind),
				      &c->ialt[i])) {
			perr(p, "'%s' is not %s integer (field '%s')", v,
			     field_signed(c->f.kind) ? "an" : "a non-negative",
			     c->f.name);
			return false;
		}
		if (bar)
			v = bar + 1;
	}
	return true;
}

/*
 * glibc's regcomp() copies a repeated subexpression once per repetition,
 * so stacked or nested quantifiers ("a+++++...", "((a{99}){99}){99}")
 * cost memory exponentially. Bound the product of all repetition counts
 * (an over-estimate of the nesting) and refuse stacked quantifiers, which
 * POSIX leaves undefined anyway. NULL when fine, else why not.
 */
#define RE_REPEAT_BUDGET 100000

static const char *regex_too_complex(const char *re)
{
	double budget = 1;
	bool prev_quant = false;

	for (const char *c = re; *c; c++) {
		double f = 0;

		if (*c == '\\' && c[1]) {
			c++;
			prev_quant = false;
			continue;
		}
		if (*c == '[') {
			/* Bracket expression: "]" first is a literal. */
			c++;
			if (*c == '^')
				c++;
			if (*c == ']')
				c++;
			while (*c && *c != ']')
				c++;
			if (!*c)
				return NULL; /* regcomp reports it */
			prev_quant = false;
			continue;
		}
		if (*c == '*' || *c == '+' || *c == '?') {
			f = 2;
		} else if (*c == '{') {
			char *end;
			unsigned long m = strtoul(c + 1, &end, 10), n = m;

			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ?
					    strtoul(end + 1, &end, 10) :
					    (end++, m);
			if (m > 1000 || n > 1000)
				return "repetition counts above 1000";
			f = (m > n ? m : n) + 1;
			c = *end == '}' ? end : c;
		}
		if (!f) {
			prev_quant = false;
			continue;
		}
		if (prev_quant)
			return "stacked quantifiers (such as ++ or *{2})";
		prev_quant = true;
		budget *= f;
		if (budget > RE_REPEAT_BUDGET)
			return "too many nested repetitions";
	}
	return NULL;
}

static struct cond *parse_cond(struct parser *p, const char *name)
{
	struct cond *c = calloc(1, sizeof(*c));
	char *v = NULL;
	int rc;

	if (!c) {
		perr(p, "out of memory");
		return NULL;
	}
	if (!field_find(p, name, &c->f))
		goto err_free;
	c->vc = rule_field_class(c->f.kind);
	if (!read_op(p, &c->op)) {
		perr(p, "expected an operator (= != ~ !~ < <= > >= &) after "
			"'%s'",
		     name);
		goto err_free;
	}
	v = read_value(p);
	if (!v)
		goto err_free;
	if ((c->op == OP_RE || c->op == OP_NRE) && c->vc != VC_TEXT) {
		perr(p, "'%s' is a number: use = != < <= > >= with it", name);
		goto err_free;
	}
	if (c->op >= OP_LT && c->vc == VC_TEXT) {
		perr(p, "'%s' is text: use = != ~ !~ with it", name);
		goto err_free;
	}
	if (c->op == OP_BIT && c->vc != VC_INT) {
		perr(p, "'&' tests bits of an integer field, not '%s'", name);
		goto err_free;
	}
	if (c->op == OP_RE || c->op == OP_NRE) {
		const char *why = regex_too_complex(v);

		if (why) {
			perr(p, "regular expression '%.40s%s' has %s: simplify "
				"it",
			     v, strlen(v) > 40 ? "..." : "", why);
			goto err_free;
		}
		rc = regcomp(&c->re, v, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];

			regerror(rc, &c->re, msg, sizeof(msg));
			perr(p, "bad regular expression '%s': %s", v, msg);
			goto err_free;
		}
		c->has_re = true;
	} else if (!cond_set_values(p, c, v)) {
		goto err_free;
	}
	free(v);
	return c;

err_free:
	free(v);
	rule_cond_free(c);
	return NULL;
}

/* ---- expressions ---- */

static struct rule_expr *expr_new(struct parser *p, enum expr_kind k)
{
	struct rule_expr *e = calloc(1, sizeof(*e));

	if (!e)
		perr(p, "out of memory");
	else
		e->k = k;
	return e;
}

static bool peek_aggregate(struct parser *p)
{
	skip_ws(p);
	return (p->len - p->pos >= 6 && !memcmp(p->s + p->pos, "count(", 6)) ||
	       (p->len - p->pos >= 9 &&
		!memcmp(p->s + p->pos, "distinct(", 9));
}

static struct rule_expr *parse_or(struct parser *p);

static struct rule_expr *parse_unary(struct parser *p)
{
	struct rule_expr *e;
	char name[32];

	skip_ws(p);
	if (p->pos >= p->len) {
		perr(p, "expected a condition");
		return NULL;
	}
	if (p->s[p->pos] == '!') {
		p->pos++;
		e = expr_new(p, E_NOT);
		if (!e)
			return NULL;
		e->a = parse_unary(p);
		if (!e->a) {
			rule_expr_free(e);
			return NULL;
		}
		return e;
	}
	if (p->s[p->pos] == '(') {
		p->pos++;
		p->depth++;
		e = parse_or(p);
		if (!e)
			return NULL;
		if (!eat(p, ")")) {
			perr(p, "expected ')'");
			rule_expr_free(e);
			return NULL;
		}
		p->depth--;
		return e;
	}
	if (peek_aggregate(p)) {
		perr(p, "count() and distinct() go last, after '&&' at the "
			"top level of the rule");
		return NULL;
	}
	if (!read_ident(p, name, sizeof(name), "a field name or predicate"))
		return NULL;
	/* A predicate is a bare name: no operator follows. */
	if (p->pos >= p->len || isspace((unsigned char)p->s[p->pos]) ||
	    p->s[p->pos] == ')' ||
	    (p->s[p->pos] == '&' && p->pos + 1 < p->len &&
	     p->s[p->pos + 1] == '&') ||
	    p->s[p->pos] == '|') {
		e = expr_new(p, E_PRED);
		if (!e)
			return NULL;
		if (!strcmp(name, "container")) {
			e->pred = PRED_CONTAINER;
		} else if (!strcmp(name, "connected")) {
			e->pred = PRED_CONNECTED;
		} else if (!strcmp(name, "runtime")) {
			e->pred = PRED_RUNTIME;
		} else {
			p->pos -= strlen(name);
			perr(p, "'%s' is not a predicate (container, "
				"connected, runtime); a condition is FIELD OP "
				"VALUE",
			     name);
			rule_expr_free(e);
			return NULL;
		}
		return e;
	}
	e = expr_new(p, E_COND);
	if (!e)
		return NULL;
	e->c = parse_cond(p, name);
	if (!e->c) {
		rule_expr_free(e);
		return NULL;
	}
	return e;
}

static struct rule_expr *parse_and(struct parser *p)
{
	struct rule_expr *l = parse_unary(p), *e;

	while (l && eat(p, "&&")) {
		if (peek_aggregate(p)) {
			if (p->depth) {
				perr(p, "count() and distinct() cannot be "
					"inside parentheses");
				rule_expr_free(l);
				return NULL;
			}
			p->agg_next = true;
			return l;
		}
		e = expr_new(p, E_AND);
		if (!e) {
			rule_expr_free(l);
			return NULL;
		}
		e->a = l;
		e->b = parse_unary(p);
		if (!e->b) {
			rule_expr_free(e);
			return NULL;
		}
		l = e;
	}
	return l;
}

static struct rule_expr *parse_or(struct parser *p)
{
	struct rule_expr *l = parse_and(p), *e;

	while (l && !p->agg_next && eat(p, "||")) {
		e = expr_new(p, E_OR);
		if (!e) {
			rule_expr_free(l);
			return NULL;
		}
		e->a = l;
		e->b = parse_and(p);
		if (!e->b) {
			rule_expr_free(e);
			return NULL;
		}
		if (p->agg_next) {
			perr(p, "write the filter as (A || B) && count() ...: "
				"an aggregate applies to the whole filter");
			rule_expr_free(e);
			return NULL;
		}
		l = e;
	}
	return l;
}

/* count() OP N within DURATION [per container|pid] */
static bool parse_aggregate(struct parser *p, struct rule *r)
{
	char word[64], fname[32];
	__int128 thr;

	skip_ws(p);
	if (eat(p, "count(")) {
		r->agg = RULE_AGG_COUNT;
	} else if (eat(p, "distinct(")) {
		struct rule_field *f = calloc(1, sizeof(*f));

		r->agg = RULE_AGG_DISTINCT;
		if (!f) {
			perr(p, "out of memory");
			return false;
		}
		r->agg_field = f;
		if (!read_ident(p, fname, sizeof(fname), "a field name") ||
		    !field_find(p, fname, f))
			return false;
		if (rule_field_class(f->kind) == VC_F64) {
			perr(p, "distinct() needs an integer or text field");
			return false;
		}
	} else {
		perr(p, "expected count() or distinct(FIELD)");
		return false;
	}
	if (!eat(p, ")")) {
		perr(p, "expected ')'");
		return false;
	}
	if (eat(p, ">=")) {
		r->agg_inclusive = true;
	} else if (!eat(p, ">")) {
		perr(p, "expected '>' or '>=' after the aggregate");
		return false;
	}
	if (!read_word(p, word, sizeof(word), "a threshold"))
		return false;
	if (!parse_int(word, false, &thr) || thr < 1 || thr > RULE_AGG_MAX) {
		perr(p, "threshold '%s' must be an integer in [1, %d]", word,
		     RULE_AGG_MAX);
		return false;
	}
	r->agg_threshold = (uint64_t)thr;
	if (!read_word(p, word, sizeof(word), "'within'"))
		return false;
	if (strcmp(word, "within")) {
		perr(p, "expected 'within DURATION' after the threshold");
		return false;
	}
	if (!read_word(p, word, sizeof(word), "a duration"))
		return false;
	if (det_parse_duration(word, &r->agg_window_ns) || !r->agg_window_ns) {
		perr(p, "'%s' is not a duration (e.g. 5s, 500ms, 2m)", word);
		return false;
	}
	r->agg_per = RULE_PER_CONTAINER;
	if (at_end(p))
		return true;
	if (!read_word(p, word, sizeof(word), "'per'"))
		return false;
	if (strcmp(word, "per")) {
		perr(p, "unexpected '%s': the rule ends after 'within "
			"DURATION [per container|pid]'",
		     word);
		return false;
	}
	if (!read_word(p, word, sizeof(word), "container or pid"))
		return false;
	if (!strcmp(word, "pid")) {
		r->agg_per = RULE_PER_PID;
	} else if (strcmp(word, "container")) {
		perr(p, "expected 'per container' or 'per pid', not '%s'",
		     word);
		return false;
	}
	if (!at_end(p)) {
		perr(p, "unexpected text after 'per %s'", word);
		return false;
	}
	return true;
}

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static bool parse_rule(struct parser *p, struct rule *r,
		       const struct rule_set *rs)
{
	char word[RULE_NAME_MAX + 1];
	unsigned int t;

	if (!read_word(p, word, sizeof(word), "a rule name"))
		return false;
	if (!valid_name(word) || strlen(word) >= RULE_NAME_MAX) {
		p->pos -= strlen(word);
		perr(p, "rule name '%s': use letters, digits, '_', '.', '-' "
			"(at most %d characters)",
		     word, RULE_NAME_MAX - 1);
		return false;
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (!strcmp(rs->rules[i].name, word)) {
			p->pos -= strlen(word);
			perr(p, "rule '%s' is already defined at line %d", word,
			     rs->rules[i].line);
			return false;
		}
	}
	strcpy(r->name, word);
	if (!read_word(p, word, sizeof(word), "a severity (info, warning, "
					      "critical)"))
		return false;
	if (!strcmp(word, "info")) {
		r->sev = CADET_SEV_INFO;
	} else if (!strcmp(word, "warning")) {
		r->sev = CADET_SEV_WARNING;
	} else if (!strcmp(word, "critical")) {
		r->sev = CADET_SEV_CRITICAL;
	} else {
		p->pos -= strlen(word);
		perr(p, "severity '%s': use info, warning or critical", word);
		return false;
	}
	if (!read_word(p, word, sizeof(word), "a record type (exec, open, "
					      "connect, security, ...)"))
		return false;
	for (t = 1; t < CADET_REC_TYPE_MAX; t++) {
		const char *tn = cadet_rec_type_name(t);

		if (tn && !strcmp(tn, word))
			break;
	}
	if (t == CADET_REC_TYPE_MAX || t == CADET_REC_HEADER ||
	    t == CADET_REC_SCHEMA) {
		p->pos -= strlen(word);
		perr(p, "'%s' is not a record type; use one of exec fork exit "
			"open file_op connect accept listen sock_close "
			"tcp_retransmit tcp_reset oom_kill security syscall "
			"metrics label container_add container_remove",
		     word);
		return false;
	}
	r->rec_type = t;
	p->rec_type = t;
	if (at_end(p))
		return true;
	if (!peek_aggregate(p)) {
		r->expr = parse_or(p);
		if (!r->expr)
			return false;
		if (!p->agg_next) {
			if (!at_end(p)) {
				perr(p, "unexpected text: join conditions with "
					"&& or ||");
				return false;
			}
			return true;
		}
	}
	return parse_aggregate(p, r);
}

struct rule_set *rule_set__parse(const char *text, size_t len,
				 const char *fname, char *err, size_t errlen)
{
	struct rule_set *rs = calloc(1, sizeof(*rs));
	char *line = NULL;
	size_t pos = 0, lcap = 0;
	int lineno = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!rs)
		goto err_nomem;
	while (pos < len) {
		struct parser p = {
			.fname = fname ? fname : "<rules>",
			.err = err,
			.errlen = errlen,
		};
		size_t n = 0;
		int first = lineno + 1;

		/* Join continuation lines (trailing backslash). */
		for (;;) {
			size_t e = pos;

			while (e < len && text[e] != '\n')
				e++;
			lineno++;
			if (n + (e - pos) + 2 > lcap) {
				size_t cap = (n + (e - pos) + 2) * 2;
				char *nl = realloc(line, cap);

				if (!nl)
					goto err_nomem;
				line = nl;
				lcap = cap;
			}
			memcpy(line + n, text + pos, e - pos);
			n += e - pos;
			pos = e < len ? e + 1 : e;
			while (n && (line[n - 1] == '\r'))
				n--;
			if (n && line[n - 1] == '\\' && pos < len) {
				line[n - 1] = ' ';
				continue;
			}
			break;
		}
		line[n] = '\0';
		if (memchr(line, '\0', n)) {
			p.s = line;
			p.line = first;
			perr(&p, "NUL byte in the rule file");
			goto err_parse;
		}
		p.s = line;
		p.len = n;
		p.line = first;
		if (at_end(&p))
			continue;
		if (vec_reserve(&rs->rules, &rs->cap, rs->n + 1,
				sizeof(*rs->rules)))
			goto err_nomem;
		memset(&rs->rules[rs->n], 0, sizeof(rs->rules[0]));
		rs->rules[rs->n].line = first;
		if (!parse_rule(&p, &rs->rules[rs->n], rs)) {
			rule_release(&rs->rules[rs->n]);
			goto err_parse;
		}
		rs->n++;
	}
	free(line);
	return rs;

err_nomem:
	if (err && errlen)
		snprintf(err, errlen, "%s: out of memory", fname);
	free(line);
	rule_set__free(rs);
	errno = ENOMEM;
	return NULL;
err_parse:
	free(line);
	rule_set__free(rs);
	errno = EINVAL;
	return NULL;
}
