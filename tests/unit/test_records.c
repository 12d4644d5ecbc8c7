// SPDX-License-Identifier: MIT
/*
 * The views of a record type agree: the enum and structs of cadet/trace.h,
 * the schema table of lib/trace (and the SCHEMA records a writer stores),
 * the record tables of docs/trace-format.md and the BPF event -> record
 * conversion of recorder/events.c.
 *
 * `test_records --markdown` prints the record tables of
 * docs/trace-format.md section 5 (the text between its "record tables"
 * markers) from the schema table; `make docs-records` puts them there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/types.h>

#include "bpf/events.h"
#include "lib/trace/trace_int.h"
#include "recorder/events.h"

#define DOCS "docs/trace-format.md"
#define MARK_BEGIN "<!-- record tables: begin -->\n"
#define MARK_END "<!-- record tables: end -->\n"

static const char *kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[CADET_FK_U8] = "u8",	    [CADET_FK_U16] = "u16",
		[CADET_FK_U32] = "u32",	    [CADET_FK_U64] = "u64",
		[CADET_FK_S32] = "s32",	    [CADET_FK_S64] = "s64",
		[CADET_FK_CHAR] = "char[]", [CADET_FK_VSTR] = "vstr",
		[CADET_FK_VLIST] = "vlist", [CADET_FK_VU32] = "vu32",
		[CADET_FK_ADDR] = "addr",   [CADET_FK_HEX] = "hex",
		[CADET_FK_F64] = "f64",	    [CADET_FK_VBYTES] = "vbytes",
	};

	return kind < sizeof(names) / sizeof(names[0]) && names[kind]
		       ? names[kind]
		       : "?";
}

/*
 * The tables of section 5: one per payload layout, headed by the types
 * that share it (they are neighbours in the table).
 */
static void print_markdown(FILE *out)
{
	size_t n = trace_type_desc_cnt();

	for (size_t i = 0; i < n;) {
		const struct trace_type_desc *d = trace_type_desc_at(i);
		size_t j = i;

		fprintf(out, "### ");
		for (; j < n && trace_type_desc_at(j)->fields == d->fields; j++)
			fprintf(out, "%s%s (%u)", j > i ? ", " : "",
				trace_type_desc_at(j)->name,
				trace_type_desc_at(j)->type);
		fprintf(out, "\n\nFixed part %u bytes, version %u.",
			d->fixed_size, d->version);
		if (d->since_minor)
			fprintf(out, " Added in %d.%u.", CADET_FORMAT_MAJOR,
				d->since_minor);
		fprintf(out,
			"\n\n| offset | size | field | kind |\n"
			"|---:|---:|---|---|\n"
			"| 0 | %zu | common header | |\n",
			sizeof(struct cadet_rec));
		for (uint32_t f = 0; f < d->nfields; f++)
			fprintf(out, "| %u | %u | %s | %s |\n",
				d->fields[f].offset, d->fields[f].size,
				d->fields[f].name,
				kind_name(d->fields[f].kind));
		i = j;
		if (i < n)
			fprintf(out, "\n");
	}
}

/* ---- enum, structs and schema table ---- */

struct want_field {
	const char *st;
	const char *name;
	unsigned int kind;
	size_t offset;
	size_t size;
};

/* records.def expanded here, independently of lib/trace. */
static const struct want_field want_fields[] = {
#define CADET_RECORD_FIELD(st, ctype, f, k)                         \
	{#st, #f, CADET_FK_##k, offsetof(struct cadet_rec_##st, f), \
	 sizeof(((struct cadet_rec_##st *)0)->f)},
#define CADET_RECORD_ARRAY(st, ctype, f, n, k) \
	CADET_RECORD_FIELD(st, ctype, f, k)
#include "cadet/records.def"
};

struct want_type {
	unsigned int id;
	unsigned int value; /* of enum cadet_rec_type */
	const char *name;
	const char *st;
	size_t fixed_size;
};

static const struct want_type want_types[] = {
#define CADET_RECORD_TYPE(id, NAME, nm, st, ver, since) \
	{id, CADET_REC_##NAME, #nm, #st, sizeof(struct cadet_rec_##st)},
#include "cadet/records.def"
};

#define NWANT_TYPES (sizeof(want_types) / sizeof(want_types[0]))
#define NWANT_FIELDS (sizeof(want_fields) / sizeof(want_fields[0]))

static void check_fields(const struct want_type *w,
			 const struct trace_type_desc *d)
{
	uint32_t k = 0;

	for (size_t i = 0; i < NWANT_FIELDS; i++) {
		const struct want_field *f = &want_fields[i];

		if (strcmp(f->st, w->st))
			continue;
		assert_true(k < d->nfields);
		assert_string_equal(d->fields[k].name, f->name);
		assert_int_equal(d->fields[k].kind, f->kind);
		assert_int_equal(d->fields[k].offset, f->offset);
		assert_int_equal(d->fields[k].size, f->size);
		k++;
	}
	assert_int_equal(k, d->nfields);
}

static void test_enum_and_schema_table(void **state)
{
	unsigned int known = 0;

	assert_int_equal(trace_type_desc_cnt(), NWANT_TYPES);
	for (size_t i = 0; i < NWANT_TYPES; i++) {
		const struct want_type *w = &want_types[i];
		const struct trace_type_desc *d = trace_type_desc(w->id);

		assert_int_equal(w->value, w->id);
		assert_true(w->id < CADET_REC_TYPE_MAX);
		assert_non_null(d);
		/* The SCHEMA records are written in table order: by id. */
		assert_ptr_equal(d, trace_type_desc_at(i));
		if (i)
			assert_true(w->id > want_types[i - 1].id);
		assert_string_equal(d->name, w->name);
		assert_string_equal(cadet_rec_type_name(w->id), w->name);
		assert_int_equal(d->fixed_size, w->fixed_size);
		check_fields(w, d);
	}
	/* Numbers not listed have no descriptor. */
	for (unsigned int t = 0; t < CADET_REC_TYPE_MAX + 2; t++)
		known += trace_type_desc(t) != NULL;
	assert_int_equal(known, NWANT_TYPES);
	assert_null(cadet_rec_type_name(CADET_REC_TYPE_MAX));
}

/* The SCHEMA records a writer stores say what the table says. */
static void test_schema_records(void **state)
{
	char path[] = "/tmp/cadet-test-records.XXXXXX";
	struct cadet_writer_opts o = {.sz = sizeof(o)};
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_reader *r;
	struct cadet_writer *w;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_non_null(b);
	assert_non_null(cadet_recbuf__start(b, CADET_REC_HEADER,
					    sizeof(struct cadet_rec_header)));
	w = cadet_writer__create(path, cadet_recbuf__rec(b), &o);
	assert_non_null(w);
	assert_int_equal(cadet_writer__close(w), 0);
	r = cadet_reader__open(path, NULL);
	assert_non_null(r);
	for (size_t i = 0; i < trace_type_desc_cnt(); i++) {
		const struct trace_type_desc *d = trace_type_desc_at(i);
		const struct cadet_rec_schema *s =
			cadet_reader__schema(r, d->type);
		const struct cadet_schema_field *ff;
		size_t len;

		assert_non_null(s);
		assert_int_equal(s->rec_type, d->type);
		assert_int_equal(s->rec_version, d->version);
		assert_int_equal(s->fixed_size, d->fixed_size);
		assert_string_equal(cadet_rec_str(&s->h, &s->name), d->name);
		assert_int_equal(s->nfields, d->nfields);
		ff = (const void *)trace_rec_vdata(&s->h, &s->fields, &len);
		assert_non_null(ff);
		assert_int_equal(len, d->nfields * sizeof(*ff));
		for (uint32_t f = 0; f < d->nfields; f++) {
			assert_string_equal(ff[f].name, d->fields[f].name);
			assert_int_equal(ff[f].kind, d->fields[f].kind);
			assert_int_equal(ff[f].offset, d->fields[f].offset);
			assert_int_equal(ff[f].size, d->fields[f].size);
		}
	}
	cadet_reader__free(r);
	cadet_recbuf__free(b);
	unlink(path);
}

/* ---- field access by schema name ---- */

static void test_field_helpers(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_exec *e;
	struct cadet_rec_file_op *f;
	uint64_t v = 7;

	assert_non_null(b);
	e = cadet_recbuf__start(b, CADET_REC_EXEC, sizeof(*e));
	assert_non_null(e);
	e->ppid = 4000000000u;
	e->ret = -2;
	assert_int_equal(cadet_recbuf__put_str(
				 b, offsetof(struct cadet_rec_exec, filename),
				 "/bin/sh", 7),
			 0);
	e = (void *)cadet_recbuf__rec(b);
	assert_int_equal(cadet_rec_field_u64(&e->h, "ppid", &v), 0);
	assert_int_equal(v, 4000000000u);
	assert_int_equal(cadet_rec_field_u64(&e->h, "ret", &v), 0);
	assert_int_equal((int64_t)v, -2);
	assert_string_equal(cadet_rec_field_str(&e->h, "filename"), "/bin/sh");
	/* A string list is not a string. */
	assert_null(cadet_rec_field_str(&e->h, "argv"));
	assert_int_equal(errno, EINVAL);
	/* Errors: unknown field, wrong kind, reserved fields are not fields. */
	v = 7;
	assert_int_equal(cadet_rec_field_u64(&e->h, "nope", &v), -ENOENT);
	assert_int_equal(cadet_rec_field_u64(&e->h, "filename", &v), -EINVAL);
	assert_int_equal(v, 7);
	assert_null(cadet_rec_field_str(&e->h, "ppid"));
	assert_int_equal(errno, EINVAL);
	assert_null(cadet_rec_field_str(&e->h, "reserved"));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(cadet_rec_field_u64(NULL, "ppid", &v), -EINVAL);
	assert_int_equal(cadet_rec_field_u64(&e->h, "ppid", NULL), -EINVAL);

	/* A char field that fills its array comes back NUL-terminated. */
	f = cadet_recbuf__start(b, CADET_REC_FILE_OP, sizeof(*f));
	assert_non_null(f);
	memcpy(f->op, "0123456789abcdef", sizeof(f->op));
	assert_string_equal(cadet_rec_field_str(&f->h, "op"),
			    "0123456789abcdef");
	memcpy(f->op, "chmod", 6);
	assert_string_equal(cadet_rec_field_str(&f->h, "op"), "chmod");
	assert_string_equal(cadet_rec_field_str(&f->h, "path2"), "");
	/* A record cut short of the field: refused, not read past. */
	f->h.size = offsetof(struct cadet_rec_file_op, gid);
	assert_int_equal(cadet_rec_field_u64(&f->h, "gid", &v), -EINVAL);
	/* Types the library does not know have no fields. */
	f->h.type = 15;
	assert_int_equal(cadet_rec_field_u64(&f->h, "ret", &v), -ENOENT);
	cadet_recbuf__free(b);
}

/* ---- docs ---- */

static char *slurp(FILE *f, size_t *len)
{
	char *p = NULL;
	size_t cap = 0, n = 0, got;

	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		got = fread(p + n, 1, cap - n - 1, f);
		if (!got)
			break;
		n += got;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

static void test_docs_tables(void **state)
{
	char *doc, *gen, *a, *b;
	size_t dlen, glen;
	FILE *f = fopen(DOCS, "r"), *m;

	if (!f) {
		/* Run from the source tree (tests/run-all.sh does). */
		print_message("SKIP: %s not found from %s\n", DOCS,
			      getcwd(NULL, 0));
		skip();
	}
	doc = slurp(f, &dlen);
	fclose(f);
	m = tmpfile();
	assert_non_null(m);
	print_markdown(m);
	rewind(m);
	gen = slurp(m, &glen);
	fclose(m);
	a = strstr(doc, MARK_BEGIN);
	assert_non_null(a);
	a += strlen(MARK_BEGIN);
	b = strstr(a, MARK_END);
	assert_non_null(b);
	/* One blank line after the begin marker and before the end one. */
	assert_true(b - a >= 2 && a[0] == '\n' && b[-2] == '\n');
	if ((size_t)(b - a - 2) != glen || memcmp(a + 1, gen, glen)) {
		print_error("%s section 5 differs from the schema table: "
			    "regenerate it with `make docs-records`\n",
			    DOCS);
		fail();
	}
	free(gen);
	free(doc);
}

/* ---- BPF event -> record conversion ---- */

/*
 * Fills the event after its header with a byte pattern so that every
 * field has a distinct value, converts it and checks that each field of
 * the copy list arrived unchanged; then that every numeric field of the
 * record was either copied or is known not to come from the event.
 */
#define CHECK_COPY(ef, rf)                                          \
	do {                                                        \
		assert_memory_equal(&r->rf, &e->ef, sizeof(r->rf)); \
		copied[ncopied++] = #rf;                            \
	} while (0);

static void pattern(void *ev, size_t size, unsigned int type)
{
	struct ev_hdr *h = ev;
	uint8_t *p = ev;

	for (size_t i = sizeof(*h); i < size; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	memset(h, 0, sizeof(*h));
	h->size = size;
	h->type = type;
	h->ts = 1;
}

/* Record fields a converted event fills otherwise (names, strings). */
static bool not_copied(unsigned int type, const char *field)
{
	const struct trace_type_desc *d = trace_type_desc(type);

	for (uint32_t i = 0; i < d->nfields; i++)
		if (!strcmp(d->fields[i].name, field))
			return d->fields[i].kind == CADET_FK_CHAR ||
			       d->fields[i].kind == CADET_FK_ADDR ||
			       trace_field_is_vstr(d->fields[i].kind) ||
			       /* exec's result is not known at exec time */
			       (type == CADET_REC_EXEC &&
				!strcmp(field, "ret"));
	fail_msg("%s has no field %s", d->name, field);
	return false;
}

static void check_covered(unsigned int type, const char **copied,
			  size_t ncopied)
{
	const struct trace_type_desc *d = trace_type_desc(type);

	for (uint32_t i = 0; i < d->nfields; i++) {
		bool found = not_copied(type, d->fields[i].name);

		for (size_t k = 0; !found && k < ncopied; k++)
			found = !strcmp(copied[k], d->fields[i].name);
		if (!found)
			fail_msg("%s.%s is not filled from the event", d->name,
				 d->fields[i].name);
	}
}

#define CONVERT(evst, recst, ty, list)                                    \
	do {                                                              \
		static struct evst ev;                                    \
		const struct evst *e = &ev;                               \
		const struct cadet_rec_##recst *r;                        \
		const char *copied[32];                                   \
		size_t ncopied = 0;                                       \
                                                                          \
		pattern(&ev, sizeof(ev), ty);                             \
		/* Lengths of tails must stay in bounds: none at all. */  \
		convert_prepare(&ev, ty);                                 \
		assert_int_equal(event_to_record(b, &ev, sizeof(ev)), 0); \
		r = (const void *)cadet_recbuf__rec(b);                   \
		assert_int_equal(r->h.type, ty);                          \
		list(CHECK_COPY) check_covered(ty, copied, ncopied);      \
	} while (0)

static void convert_prepare(void *ev, unsigned int type)
{
	switch (type) {
	case EV_EXEC:
		((struct ev_exec *)ev)->filename_len = 0;
		((struct ev_exec *)ev)->argv_len = 0;
		break;
	case EV_OPEN:
		((struct ev_open *)ev)->path_len = 0;
		break;
	case EV_FILE_OP:
		((struct ev_file_op *)ev)->path_len = 0;
		((struct ev_file_op *)ev)->path2_len = 0;
		break;
	case EV_SECURITY:
		((struct ev_security *)ev)->str_len = 0;
		break;
	}
}

static void test_conversion(void **state)
{
	struct cadet_recbuf *b = cadet_recbuf__new();

	assert_non_null(b);
	CONVERT(ev_exec, exec, EV_EXEC, EVENT_COPY_EXEC);
	CONVERT(ev_fork, fork, EV_FORK, EVENT_COPY_FORK);
	CONVERT(ev_exit, exit, EV_EXIT, EVENT_COPY_EXIT);
	CONVERT(ev_syscall, syscall, EV_SYSCALL, EVENT_COPY_SYSCALL);
	CONVERT(ev_open, open, EV_OPEN, EVENT_COPY_OPEN);
	CONVERT(ev_file_op, file_op, EV_FILE_OP, EVENT_COPY_FILE_OP);
	CONVERT(ev_sock, sock, EV_CONNECT, EVENT_COPY_SOCK);
	CONVERT(ev_sock, sock, EV_TCP_RESET, EVENT_COPY_SOCK);
	CONVERT(ev_oom, oom_kill, EV_OOM_KILL, EVENT_COPY_OOM);
	CONVERT(ev_security, security, EV_SECURITY, EVENT_COPY_SECURITY);
	cadet_recbuf__free(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_and_schema_table),
		cmocka_unit_test(test_schema_records),
		cmocka_unit_test(test_field_helpers),
		cmocka_unit_test(test_docs_tables),
		cmocka_unit_test(test_conversion),
	};

	if (argc == 2 && !strcmp(argv[1], "--markdown")) {
		print_markdown(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
