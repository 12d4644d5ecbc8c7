/* SPDX-License-Identifier: MIT */
/*
 * Record printing shared by `cadet dump` and anything else that turns
 * records into text: one JSON object per line, or a perf-script-like
 * line. Fields are printed generically from the schema table (known
 * types) or from the file's own schema (types this build does not know).
 *
 * HowTo:
 *   struct trace_printer *p = trace_printer__new(stdout, reader, true);
 *   while (cadet_reader__next(reader, &rec) > 0) {
 *           trace_printer__observe(p, rec);   container names
 *           trace_printer__print(p, rec);
 *   }
 *   trace_printer__free(p);
 */
#ifndef CADET_LIB_TRACE_PRINT_H
#define CADET_LIB_TRACE_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "cadet/trace.h"

struct trace_printer;

/* @r (may be NULL) supplies the file's schema for unknown types. */
struct trace_printer *
trace_printer__new(FILE *out, const struct cadet_reader *r, bool json);
void trace_printer__free(struct trace_printer *p);
/* Learns container names from CONTAINER and CONTAINER_ADD records. */
int trace_printer__observe(struct trace_printer *p,
			   const struct cadet_rec *rec);
/* Container name (or id) of @cgroup_id, NULL for host/unknown. */
const char *trace_printer__container(const struct trace_printer *p,
				     uint64_t cgroup_id);
/* Prints one record as one line. 0 or -errno. */
int trace_printer__print(struct trace_printer *p, const struct cadet_rec *rec);

/* Name of @type from the table or from the file's schema, else NULL. */
const char *trace_type_name(const struct cadet_reader *r, unsigned int type);

#endif
