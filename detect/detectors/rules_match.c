// SPDX-License-Identifier: MIT
/*
 * Matching of the `rules` detector (rules.h): a parsed rule's filter
 * against one record, and the key its aggregate counts per. Field values
 * are read at the offsets the trace schema table gives (rules_parse.c
 * resolved them), as integers, doubles or text.
 */
#include <arpa/inet.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "detect/detectors/rules.h"
#include "detect/detectors/rules_int.h"
#include "lib/trace/trace_schema.h"

struct fval {
	enum val_class vc;
	__int128 i;
	double d;
	const char *s;
	char buf[VALUE_MAX];
};

/* In fval_read(): v->i from the @type integer at the field's offset. */
#define FVAL_INT(type)                                                      \
	do {                                                                \
		type x_;                                                    \
									    \
		memcpy(&x_, base + f->offset, sizeof(x_));                  \
		v->i = x_;                                                  \
	} while (0)

static void fval_read(const struct rule_field *f, const struct cadet_rec *rec,
		      struct fval *v)
{
	const uint8_t *base = (const uint8_t *)rec;
	bool present = (uint64_t)f->offset + f->size <= rec->size;

	v->vc = rule_field_class(f->kind);
	v->i = 0;
	v->d = 0;
	v->s = "";
	if (!present)
		return;
	switch (f->kind) {
	case CADET_FK_U8:
		v->i = base[f->offset];
		break;
	case CADET_FK_U16:
		FVAL_INT(uint16_t);
		break;
	case CADET_FK_U32:
		FVAL_INT(uint32_t);
		break;
	case CADET_FK_U64:
		FVAL_INT(uint64_t);
		break;
	case CADET_FK_S32:
		FVAL_INT(int32_t);
		break;
	case CADET_FK_S64:
		FVAL_INT(int64_t);
		break;
	case CADET_FK_F64:
		memcpy(&v->d, base + f->offset, sizeof(v->d));
		break;
	case CADET_FK_CHAR: {
		size_t n = f->size < VALUE_MAX - 1 ? f->size : VALUE_MAX - 1;

		memcpy(v->buf, base + f->offset, n);
		v->buf[n] = '\0';
		v->s = v->buf;
		break;
	}
	case CADET_FK_VSTR:
		v->s = cadet_rec_str(rec, (const void *)(base + f->offset));
		break;
	case CADET_FK_VLIST: {
		/* argv: NUL-separated words, matched joined by blanks. */
		struct cadet_vstr vs;
		size_t len;
		const uint8_t *d;

		memcpy(&vs, base + f->offset, sizeof(vs));
		d = trace_rec_vdata(rec, &vs, &len);
		if (!d)
			break;
		if (len > VALUE_MAX - 1)
			len = VALUE_MAX - 1;
		for (size_t i = 0; i < len; i++)
			v->buf[i] = d[i] ? (char)d[i] : ' ';
		v->buf[len] = '\0';
		v->s = v->buf;
		break;
	}
	case CADET_FK_ADDR: {
		const uint8_t *a = base + f->offset;
		static const uint8_t v4pfx[12] = { [10] = 0xff, [11] = 0xff };

		if (!memcmp(a, v4pfx, sizeof(v4pfx)))
			inet_ntop(AF_INET, a + 12, v->buf, sizeof(v->buf));
		else
			inet_ntop(AF_INET6, a, v->buf, sizeof(v->buf));
		v->s = v->buf;
		break;
	}
	default:
		break;
	}
}
#undef FVAL_INT

static bool cond_eval(const struct cond *c, const struct cadet_rec *rec)
{
	struct fval v;
	bool any = false;

	fval_read(&c->f, rec, &v);
	switch (c->op) {
	case OP_RE:
		return !regexec(&c->re, v.s, 0, NULL, 0);
	case OP_NRE:
		return regexec(&c->re, v.s, 0, NULL, 0) != 0;
	case OP_EQ:
	case OP_NE:
		for (size_t i = 0; i < c->nalt && !any; i++) {
			if (c->vc == VC_TEXT)
				any = !strcmp(v.s, c->salt[i]);
			else if (c->vc == VC_F64)
				any = v.d == c->dalt[i];
			else
				any = v.i == c->ialt[i];
		}
		return c->op == OP_EQ ? any : !any;
	case OP_BIT:
		return (v.i & c->ialt[0]) != 0;
	default:
		break;
	}
	if (c->vc == VC_F64) {
		double x = c->dalt[0];

		switch (c->op) {
		case OP_LT:
			return v.d < x;
		case OP_LE:
			return v.d <= x;
		case OP_GT:
			return v.d > x;
		default:
			return v.d >= x;
		}
	}
	switch (c->op) {
	case OP_LT:
		return v.i < c->ialt[0];
	case OP_LE:
		return v.i <= c->ialt[0];
	case OP_GT:
		return v.i > c->ialt[0];
	default:
		return v.i >= c->ialt[0];
	}
}

static bool expr_eval(const struct rule_expr *e, const struct cadet_rec *rec,
		      const struct rule_ctx *ctx)
{
	switch (e->k) {
	case E_AND:
		return expr_eval(e->a, rec, ctx) && expr_eval(e->b, rec, ctx);
	case E_OR:
		return expr_eval(e->a, rec, ctx) || expr_eval(e->b, rec, ctx);
	case E_NOT:
		return !expr_eval(e->a, rec, ctx);
	case E_PRED:
		switch (e->pred) {
		case PRED_CONTAINER:
			return ctx->in_container;
		case PRED_CONNECTED:
			return ctx->connected;
		case PRED_RUNTIME:
			return ctx->runtime;
		}
		return false;
	case E_COND:
		return cond_eval(e->c, rec);
	}
	return false;
}

bool rule_matches(const struct rule *r, const struct cadet_rec *rec,
		  const struct rule_ctx *ctx)
{
	if (rec->type != r->rec_type)
		return false;
	return !r->expr || expr_eval(r->expr, rec, ctx);
}

uint64_t rule_agg_key(const struct rule *r, const struct cadet_rec *rec)
{
	struct fval v;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	if (!r->agg_field)
		return 0;
	fval_read(r->agg_field, rec, &v);
	if (v.vc != VC_TEXT)
		return (uint64_t)v.i;
	for (const char *s = v.s; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}
