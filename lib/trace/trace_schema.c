// SPDX-License-Identifier: MIT
/*
 * The schema table: one entry per record type naming every payload field
 * with its kind, offset and size, expanded from cadet/records.def. The
 * writer turns it into the SCHEMA records of each file and the printers
 * (cadet dump) walk it, so a field added to records.def is stored,
 * described and shown without further code. Reserved fields are not
 * listed.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/trace/trace_int.h"

/* Macro tables: laid out by hand. */
/* clang-format off */
/*
 * Whether a field's C type fits its kind: exact types for numbers, so that
 * a uint64_t listed as U32 or an int32_t listed as U32 does not build.
 * Arrays are checked by their element type.
 */
#define KIND_FITS(t, k) KIND_FITS_##k(t)
#define KIND_FITS_U8(t) __builtin_types_compatible_p(t, uint8_t)
#define KIND_FITS_U16(t) __builtin_types_compatible_p(t, uint16_t)
#define KIND_FITS_U32(t) __builtin_types_compatible_p(t, uint32_t)
#define KIND_FITS_U64(t) __builtin_types_compatible_p(t, uint64_t)
#define KIND_FITS_S32(t) __builtin_types_compatible_p(t, int32_t)
#define KIND_FITS_S64(t) __builtin_types_compatible_p(t, int64_t)
#define KIND_FITS_F64(t) __builtin_types_compatible_p(t, double)
#define KIND_FITS_CHAR(t) __builtin_types_compatible_p(t, char)
#define KIND_FITS_HEX(t) (sizeof(t) == 1)
#define KIND_FITS_ADDR(t) __builtin_types_compatible_p(t, struct cadet_addr)
#define KIND_FITS_VSTR(t) __builtin_types_compatible_p(t, struct cadet_vstr)
#define KIND_FITS_VLIST KIND_FITS_VSTR
#define KIND_FITS_VU32 KIND_FITS_VSTR
#define KIND_FITS_VBYTES KIND_FITS_VSTR

/*
 * Layout checks. The size of each payload struct must be the sum of its
 * members': no padding the compiler chose, so the offsets are those of
 * docs/trace-format.md on every ABI (one _Static_assert spans the whole
 * BEGIN..END block). Records are 8-byte aligned, so are fixed parts.
 */
#define CADET_RECORD_BEGIN(st)                                          \
	_Static_assert(sizeof(struct cadet_rec_##st) % 8 == 0,          \
		       "cadet_rec_" #st " must be a multiple of 8 bytes"); \
	_Static_assert(sizeof(struct cadet_rec)
#define CADET_RECORD_FIELD(st, ctype, field, kind) +sizeof(ctype)
#define CADET_RECORD_ARRAY(st, ctype, field, n, kind) +sizeof(ctype) * (n)
#define CADET_RECORD_RESERVED(st, ctype, field) +sizeof(ctype)
#define CADET_RECORD_END(st)                                   \
	== sizeof(struct cadet_rec_##st),                      \
	"cadet_rec_" #st " has padding: add a reserved field");
#include "cadet/records.def"

#define CADET_RECORD_FIELD(st, ctype, field, kind)               \
	_Static_assert(KIND_FITS(ctype, kind),                   \
		       "cadet_rec_" #st "." #field " is not " #kind);
#define CADET_RECORD_ARRAY(st, ctype, field, n, kind) \
	CADET_RECORD_FIELD(st, ctype, field, kind)
#include "cadet/records.def"

/* The field tables: one per payload struct, reserved fields left out. */
#define FLD(st, f, k)                                           \
	{                                                       \
		.name = #f, .kind = CADET_FK_##k,               \
		.offset = offsetof(struct cadet_rec_##st, f),   \
		.size = sizeof(((struct cadet_rec_##st *)0)->f), \
	},
#define CADET_RECORD_BEGIN(st) \
	static const struct trace_field_desc st##_fields[] = {
#define CADET_RECORD_FIELD(st, ctype, field, kind) FLD(st, field, kind)
#define CADET_RECORD_ARRAY(st, ctype, field, n, kind) FLD(st, field, kind)
#define CADET_RECORD_END(st) };
#include "cadet/records.def"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* The types, in id order: the order of the SCHEMA records in a file. */
static const struct trace_type_desc types[] = {
#define CADET_RECORD_TYPE(id, NAME, nm, st, ver, since)              \
	{                                                            \
		.type = CADET_REC_##NAME, .version = ver, .name = #nm, \
		.since_minor = since,                                \
		.fixed_size = sizeof(struct cadet_rec_##st),         \
		.fields = st##_fields, .nfields = NFIELDS(st##_fields), \
	},
#include "cadet/records.def"
};
/* clang-format on */

/* Type number -> descriptor (NULL: unknown), built once. */
static const struct trace_type_desc *by_type[CADET_REC_TYPE_MAX];
static pthread_once_t by_type_once = PTHREAD_ONCE_INIT;

static void by_type_init(void)
{
	for (size_t i = 0; i < NFIELDS(types); i++)
		by_type[types[i].type] = &types[i];
}

const struct trace_type_desc *trace_type_desc(unsigned int type)
{
	if (type >= CADET_REC_TYPE_MAX)
		return NULL;
	pthread_once(&by_type_once, by_type_init);
	return by_type[type];
}

size_t trace_type_desc_cnt(void)
{
	return NFIELDS(types);
}

const struct trace_type_desc *trace_type_desc_at(size_t idx)
{
	return idx < NFIELDS(types) ? &types[idx] : NULL;
}

bool trace_field_is_vstr(unsigned int kind)
{
	return kind == CADET_FK_VSTR || kind == CADET_FK_VLIST ||
	       kind == CADET_FK_VU32 || kind == CADET_FK_VBYTES;
}

const char *cadet_rec_type_name(unsigned int type)
{
	const struct trace_type_desc *d = trace_type_desc(type);

	return d ? d->name : NULL;
}

const uint8_t *trace_rec_vdata(const struct cadet_rec *rec,
			       const struct cadet_vstr *v, size_t *len)
{
	uint64_t end;

	if (!rec || !v || (!v->off && !v->len))
		return NULL;
	/* The value and its NUL must lie inside the record, past the header. */
	end = (uint64_t)v->off + v->len + 1;
	if (v->off < sizeof(struct cadet_rec) || end > rec->size)
		return NULL;
	*len = v->len;
	return (const uint8_t *)rec + v->off;
}

const char *cadet_rec_str(const struct cadet_rec *rec,
			  const struct cadet_vstr *v)
{
	const uint8_t *p;
	size_t len;

	p = trace_rec_vdata(rec, v, &len);
	if (!p || p[len] != '\0')
		return "";
	return (const char *)p;
}

/* The schema field @name of @rec's type, bounds-checked; NULL + errno. */
static const struct trace_field_desc *field_of(const struct cadet_rec *rec,
					       const char *name)
{
	const struct trace_type_desc *d;

	if (!rec || !name) {
		errno = EINVAL;
		return NULL;
	}
	d = trace_type_desc(rec->type);
	for (uint32_t i = 0; d && i < d->nfields; i++) {
		const struct trace_field_desc *f = &d->fields[i];

		if (strcmp(f->name, name))
			continue;
		if ((uint64_t)f->offset + f->size > rec->size) {
			errno = EINVAL;
			return NULL;
		}
		return f;
	}
	errno = ENOENT;
	return NULL;
}

int cadet_rec_field_u64(const struct cadet_rec *rec, const char *field,
			uint64_t *val)
{
	const struct trace_field_desc *f = field_of(rec, field);
	const uint8_t *p;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	int32_t s32;

	if (!f)
		return -errno;
	if (!val)
		return -EINVAL;
	p = (const uint8_t *)rec + f->offset;
	switch (f->kind) {
	case CADET_FK_U8:
		memcpy(&u8, p, sizeof(u8));
		*val = u8;
		return 0;
	case CADET_FK_U16:
		memcpy(&u16, p, sizeof(u16));
		*val = u16;
		return 0;
	case CADET_FK_U32:
		memcpy(&u32, p, sizeof(u32));
		*val = u32;
		return 0;
	case CADET_FK_S32:
		memcpy(&s32, p, sizeof(s32));
		*val = (uint64_t)(int64_t)s32;
		return 0;
	case CADET_FK_U64:
	case CADET_FK_S64:
		memcpy(val, p, sizeof(*val));
		return 0;
	default:
		return -EINVAL;
	}
}

const char *cadet_rec_field_str(const struct cadet_rec *rec, const char *field)
{
	/* A char field filling its array has no NUL: hand out a copy. */
	static __thread char full[256];
	const struct trace_field_desc *f = field_of(rec, field);
	const char *p;
	size_t n;

	if (!f)
		return NULL;
	p = (const char *)rec + f->offset;
	switch (f->kind) {
	case CADET_FK_CHAR:
		n = strnlen(p, f->size);
		if (n < f->size)
			return p;
		if (n >= sizeof(full))
			n = sizeof(full) - 1;
		memcpy(full, p, n);
		full[n] = '\0';
		return full;
	case CADET_FK_VSTR: {
		struct cadet_vstr v;

		memcpy(&v, p, sizeof(v));
		return cadet_rec_str(rec, &v);
	}
	default:
		errno = EINVAL;
		return NULL;
	}
}

size_t trace_rec_check(const uint8_t *p, size_t avail, char *why, size_t whylen)
{
	const struct cadet_rec *rec = (const struct cadet_rec *)p;

	if (avail < sizeof(*rec)) {
		snprintf(why, whylen, "%zu stray bytes after the last record",
			 avail);
		return 0;
	}
	if (rec->size < sizeof(*rec) || rec->size % 8) {
		snprintf(
			why, whylen,
			"record of type %u has a bad size %u (must be >= %zu and a multiple of 8)",
			rec->type, rec->size, sizeof(*rec));
		return 0;
	}
	if (rec->size > avail) {
		snprintf(why, whylen,
			 "record of type %u claims %u bytes, only %zu left",
			 rec->type, rec->size, avail);
		return 0;
	}
	return rec->size;
}
