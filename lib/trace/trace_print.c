// SPDX-License-Identifier: MIT
/*
 * Generic record printing: JSON lines and perf-script-like text, both
 * driven by the schema table. Strings from the kernel may hold any bytes:
 * JSON output escapes control characters and turns each byte that is not
 * part of valid UTF-8 into \u00XX (its Latin-1 reading), so every line is
 * valid JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace/trace_int.h"
#include "lib/trace/trace_print.h"
#include "lib/util/timeunits.h"
#include "lib/util/vec.h"

struct ctr {
	uint64_t cgroup_id;
	char *name;
};

struct trace_printer {
	FILE *out;
	const struct cadet_reader *r;
	bool json;
	struct ctr *ctrs;
	size_t nctrs;
	size_t ctrs_cap;
	struct trace_buf line;
	int err;
};

static void put(struct trace_printer *p, const void *s, size_t n)
{
	if (p->err)
		return;
	if (trace_buf_reserve(&p->line, p->line.len + n + 1)) {
		p->err = -ENOMEM;
		return;
	}
	memcpy(p->line.p + p->line.len, s, n);
	p->line.len += n;
}

static void puts_(struct trace_printer *p, const char *s)
{
	put(p, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct trace_printer *p, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(p, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 sequence at @s (0 when invalid). */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A quoted, escaped string (JSON rules; also used by the text mode). */
static void put_str(struct trace_printer *p, const uint8_t *s, size_t n)
{
	size_t i = 0;

	put(p, "\"", 1);
	while (i < n) {
		uint8_t c = s[i];
		size_t l;

		switch (c) {
		case '"':
			put(p, "\\\"", 2);
			break;
		case '\\':
			put(p, "\\\\", 2);
			break;
		case '\n':
			put(p, "\\n", 2);
			break;
		case '\t':
			put(p, "\\t", 2);
			break;
		case '\r':
			put(p, "\\r", 2);
			break;
		default:
			l = c < 0x20 ? 0 : utf8_len(s + i, n - i);
			if (!l) {
				putf(p, "\\u%04x", c);
				break;
			}
			put(p, s + i, l);
			i += l;
			continue;
		}
		i++;
	}
	put(p, "\"", 1);
}

static void put_cstr(struct trace_printer *p, const char *s)
{
	put_str(p, (const uint8_t *)s, strlen(s));
}

static uint64_t get_uint(const uint8_t *b, uint32_t size)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (size) {
	case 1:
		memcpy(&v8, b, 1);
		return v8;
	case 2:
		memcpy(&v16, b, 2);
		return v16;
	case 4:
		memcpy(&v32, b, 4);
		return v32;
	default:
		memcpy(&v64, b, 8);
		return v64;
	}
}

static int64_t get_sint(const uint8_t *b, uint32_t size)
{
	int32_t v32;
	int64_t v64;

	if (size == 4) {
		memcpy(&v32, b, 4);
		return v32;
	}
	memcpy(&v64, b, 8);
	return v64;
}

static void put_hex(struct trace_printer *p, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	put(p, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[b[i] >> 4], digits[b[i] & 15]};

		put(p, h, 2);
	}
	put(p, "\"", 1);
}

static void put_addr(struct trace_printer *p, const uint8_t *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	char buf[INET6_ADDRSTRLEN];

	if (!memcmp(a, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	put(p, "\"", 1);
	puts_(p, buf);
	put(p, "\"", 1);
}

static void put_schema_table(struct trace_printer *p,
			     const struct cadet_rec *rec)
{
	const struct cadet_rec_schema *s = (const void *)rec;
	struct cadet_schema_field f;
	const uint8_t *d;
	size_t len;

	put(p, "[", 1);
	d = trace_rec_vdata(rec, &s->fields, &len);
	for (size_t i = 0; d && i < s->nfields && (i + 1) * sizeof(f) <= len;
	     i++) {
		memcpy(&f, d + i * sizeof(f), sizeof(f));
		if (i)
			put(p, ",", 1);
		puts_(p, "{\"name\":");
		put_str(p, (const uint8_t *)f.name,
			strnlen(f.name, sizeof(f.name)));
		putf(p, ",\"kind\":%u,\"offset\":%u,\"size\":%u}", f.kind,
		     f.offset, f.size);
	}
	put(p, "]", 1);
}

/* One field's value; false when it does not fit the record. */
static bool put_value(struct trace_printer *p, const struct cadet_rec *rec,
		      unsigned int kind, uint32_t off, uint32_t size)
{
	const uint8_t *b = (const uint8_t *)rec + off;
	struct cadet_vstr v;
	const uint8_t *d;
	size_t len;
	double dv;

	if ((uint64_t)off + size > rec->size)
		return false;
	switch (kind) {
	case CADET_FK_U8:
	case CADET_FK_U16:
	case CADET_FK_U32:
	case CADET_FK_U64:
		if (size != 1 && size != 2 && size != 4 && size != 8)
			return false;
		putf(p, "%" PRIu64, get_uint(b, size));
		return true;
	case CADET_FK_S32:
	case CADET_FK_S64:
		if (size != 4 && size != 8)
			return false;
		putf(p, "%" PRId64, get_sint(b, size));
		return true;
	case CADET_FK_F64:
		if (size != 8)
			return false;
		memcpy(&dv, b, 8);
		if (isfinite(dv))
			putf(p, "%.17g", dv);
		else
			puts_(p, "null");
		return true;
	case CADET_FK_CHAR:
		put_str(p, b, strnlen((const char *)b, size));
		return true;
	case CADET_FK_HEX:
		put_hex(p, b, size);
		return true;
	case CADET_FK_ADDR:
		if (size != sizeof(struct cadet_addr))
			return false;
		put_addr(p, b);
		return true;
	default:
		break;
	}
	if (!trace_field_is_vstr(kind) || size != sizeof(v))
		return false;
	memcpy(&v, b, sizeof(v));
	d = trace_rec_vdata(rec, &v, &len);
	if (!d)
		len = 0;
	switch (kind) {
	case CADET_FK_VSTR:
		put_str(p, d, len);
		break;
	case CADET_FK_VLIST:
		put(p, "[", 1);
		for (size_t i = 0, start = 0; len && i <= len; i++) {
			if (i < len && d[i])
				continue;
			if (start)
				put(p, ",", 1);
			put_str(p, d + start, i - start);
			start = i + 1;
		}
		put(p, "]", 1);
		break;
	case CADET_FK_VU32:
		put(p, "[", 1);
		for (size_t i = 0; i + 4 <= len; i += 4)
			putf(p, "%s%" PRIu64, i ? "," : "", get_uint(d + i, 4));
		put(p, "]", 1);
		break;
	case CADET_FK_VBYTES:
		if (rec->type == CADET_REC_SCHEMA &&
		    off == offsetof(struct cadet_rec_schema, fields))
			put_schema_table(p, rec);
		else
			put_hex(p, d, len);
		break;
	}
	return true;
}

const char *trace_type_name(const struct cadet_reader *r, unsigned int type)
{
	const struct cadet_rec_schema *s;
	const char *n = cadet_rec_type_name(type);

	if (n || !r)
		return n;
	s = cadet_reader__schema(r, type);
	if (!s)
		return NULL;
	n = cadet_rec_str(&s->h, &s->name);
	return *n ? n : NULL;
}

struct trace_printer *
trace_printer__new(FILE *out, const struct cadet_reader *r, bool json)
{
	struct trace_printer *p;

	if (!out) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->out = out;
	p->r = r;
	p->json = json;
	return p;
}

void trace_printer__free(struct trace_printer *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nctrs; i++)
		free(p->ctrs[i].name);
	free(p->ctrs);
	trace_buf_release(&p->line);
	free(p);
}

int trace_printer__observe(struct trace_printer *p, const struct cadet_rec *rec)
{
	const struct cadet_rec_container *c = (const void *)rec;
	const char *name;
	size_t i;

	if (!p || !rec)
		return -EINVAL;
	if ((rec->type != CADET_REC_CONTAINER &&
	     rec->type != CADET_REC_CONTAINER_ADD &&
	     rec->type != CADET_REC_CONTAINER_UPDATE) ||
	    rec->size < sizeof(*c) || !rec->cgroup_id)
		return 0;
	name = cadet_rec_str(rec, &c->name);
	if (!*name)
		name = cadet_rec_str(rec, &c->id);
	if (!*name)
		return 0;
	/* A reused cgroup id gets the newest name. */
	for (i = 0; i < p->nctrs; i++)
		if (p->ctrs[i].cgroup_id == rec->cgroup_id)
			break;
	if (i == p->nctrs) {
		if (vec_reserve(&p->ctrs, &p->ctrs_cap, p->nctrs + 1,
				sizeof(*p->ctrs)))
			return -ENOMEM;
		p->ctrs[p->nctrs++] = (struct ctr){.cgroup_id = rec->cgroup_id};
	}
	free(p->ctrs[i].name);
	p->ctrs[i].name = strdup(name);
	return p->ctrs[i].name ? 0 : -ENOMEM;
}

const char *trace_printer__container(const struct trace_printer *p,
				     uint64_t cgroup_id)
{
	if (!p || !cgroup_id)
		return NULL;
	for (size_t i = 0; i < p->nctrs; i++)
		if (p->ctrs[i].cgroup_id == cgroup_id)
			return p->ctrs[i].name;
	return NULL;
}

/* Walks the fields of @rec, printing "name":value or name=value. */
static void put_fields(struct trace_printer *p, const struct cadet_rec *rec)
{
	const struct trace_type_desc *d = trace_type_desc(rec->type);
	const struct cadet_schema_field *ff = NULL;
	const struct cadet_rec_schema *s = NULL;
	uint32_t n = 0;
	uint32_t file_fixed = UINT32_MAX;
	size_t len;

	if (d) {
		n = d->nfields;
		/* Fields appended after the file's minor are not shown: an
		 * old trace dumps as it always did. */
		s = p->r ? cadet_reader__schema(p->r, rec->type) : NULL;
		if (s)
			file_fixed = s->fixed_size;
	} else if (p->r && (s = cadet_reader__schema(p->r, rec->type))) {
		ff = (const void *)trace_rec_vdata(&s->h, &s->fields, &len);
		n = ff ? s->nfields : 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct cadet_schema_field f;
		const char *name;
		size_t mark = p->line.len;
		unsigned int kind;
		uint32_t off, size;

		if (d) {
			name = d->fields[i].name;
			kind = d->fields[i].kind;
			off = d->fields[i].offset;
			size = d->fields[i].size;
			if (off + size > file_fixed)
				continue;
		} else {
			memcpy(&f, &ff[i], sizeof(f));
			f.name[sizeof(f.name) - 1] = '\0';
			name = f.name;
			kind = f.kind;
			off = f.offset;
			size = f.size;
		}
		if (p->json) {
			put(p, ",", 1);
			put_cstr(p, name);
			put(p, ":", 1);
		} else {
			put(p, " ", 1);
			puts_(p, name);
			put(p, "=", 1);
		}
		/* A field that does not fit is left out entirely. */
		if (!put_value(p, rec, kind, off, size) && !p->err)
			p->line.len = mark;
	}
}

int trace_printer__print(struct trace_printer *p, const struct cadet_rec *rec)
{
	const char *tname, *ctr;
	char tbuf[32];

	if (!p || !rec)
		return -EINVAL;
	tname = trace_type_name(p->r, rec->type);
	if (!tname) {
		snprintf(tbuf, sizeof(tbuf), "type_%u", rec->type);
		tname = tbuf;
	}
	ctr = trace_printer__container(p, rec->cgroup_id);
	p->line.len = 0;
	if (p->json) {
		puts_(p, "{\"type\":");
		put_cstr(p, tname);
		putf(p,
		     ",\"ts\":%" PRIu64 ",\"cpu\":%u,\"cgroup_id\":%" PRIu64
		     ",\"container\":",
		     (uint64_t)rec->ts, rec->cpu, (uint64_t)rec->cgroup_id);
		if (ctr)
			put_cstr(p, ctr);
		else
			puts_(p, "null");
		putf(p, ",\"pid\":%u,\"tid\":%u,\"comm\":", rec->pid, rec->tid);
		put_str(p, (const uint8_t *)rec->comm,
			strnlen(rec->comm, sizeof(rec->comm)));
		put_fields(p, rec);
		put(p, "}\n", 2);
	} else {
		/* comm pid/tid [cpu] sec.ns container type: fields */
		char comm[CADET_COMM_LEN + 1];

		memcpy(comm, rec->comm, CADET_COMM_LEN);
		comm[CADET_COMM_LEN] = '\0';
		for (char *c = comm; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		putf(p, "%16s %7u/%-7u [%03u] %" PRIu64 ".%09" PRIu64 " ", comm,
		     rec->pid, rec->tid, rec->cpu,
		     (uint64_t)rec->ts / NS_PER_S,
		     (uint64_t)rec->ts % NS_PER_S);
		puts_(p, ctr ? ctr : "-");
		put(p, " ", 1);
		puts_(p, tname);
		put(p, ":", 1);
		put_fields(p, rec);
		put(p, "\n", 1);
	}
	if (p->err)
		return p->err;
	if (fwrite(p->line.p, 1, p->line.len, p->out) != p->line.len)
		return -EIO;
	return 0;
}
