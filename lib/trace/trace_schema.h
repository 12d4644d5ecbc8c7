/* SPDX-License-Identifier: MIT */
/*
 * The trace library's schema table as the rest of cadet may read it: the
 * fields of every record type this build knows (name, kind, offset,
 * size), and bounds-checked access to a record's variable-length data.
 * Project-internal API of lib/trace (not installed): modules that work on
 * record fields by name, such as the rules detector, use it instead of
 * the library's private trace_int.h.
 */
#ifndef CADET_LIB_TRACE_SCHEMA_H
#define CADET_LIB_TRACE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

/* One field of a record type, as in the schema table. */
struct trace_field_desc {
	const char *name;
	uint16_t kind; /* enum cadet_field_kind */
	uint32_t offset; /* from record start */
	uint32_t size;
};

/* One record type: the single table that drives SCHEMA records and dump. */
struct trace_type_desc {
	uint16_t type;
	uint16_t version;
	uint16_t since_minor; /* format minor that added the type */
	const char *name;
	uint32_t fixed_size; /* header + fixed part */
	const struct trace_field_desc *fields;
	uint32_t nfields;
};

/* Descriptor of a known type, NULL for unknown ones. */
const struct trace_type_desc *trace_type_desc(unsigned int type);
size_t trace_type_desc_cnt(void);
const struct trace_type_desc *trace_type_desc_at(size_t idx);
bool trace_field_is_vstr(unsigned int kind);

/*
 * Bytes a vstr field points to, bounds checked against the record size.
 * NULL when absent or out of bounds; *len set on success.
 */
const uint8_t *trace_rec_vdata(const struct cadet_rec *rec,
			       const struct cadet_vstr *v, size_t *len);

#endif /* CADET_LIB_TRACE_SCHEMA_H */
