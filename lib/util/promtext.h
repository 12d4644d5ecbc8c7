/* SPDX-License-Identifier: MIT */
/*
 * Metric names and text-format pieces shared by the two places cadet
 * speaks Prometheus: the report's OpenMetrics file (reports/openmetrics.c)
 * and live mode's /metrics endpoint (live/live_metrics.c). One table
 * of per-container families, so a dashboard works on both.
 *
 * Formats: OpenMetrics 1.0 names a counter family without "_total" and
 * has UNIT lines; the Prometheus text format 0.0.4 (what /metrics serves)
 * names the sample, "_total" included, in HELP and TYPE, and has no UNIT.
 */
#ifndef CADET_LIB_UTIL_PROMTEXT_H
#define CADET_LIB_UTIL_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum prom_ctr_metric {
	PROM_CTR_CPU,
	PROM_CTR_RSS,
	PROM_CTR_TX,
	PROM_CTR_RX,
	PROM_CTR_SYSCALLS,
	PROM_CTR_N,
};

struct prom_family {
	const char *name; /* family name; counters' samples add "_total" */
	const char *type; /* "counter" or "gauge" */
	const char *unit; /* NULL: none */
	const char *help;
};

/* Per-container families from METRICS records, by enum prom_ctr_metric. */
extern const struct prom_family prom_ctr_families[PROM_CTR_N];

static inline bool prom_is_counter(const struct prom_family *f)
{
	return f->type[0] == 'c';
}

/* @f's sample name into @buf: the family name, "_total" for counters. */
const char *prom_sample_name(const struct prom_family *f, char *buf,
			     size_t len);
/* HELP/TYPE (and UNIT for OpenMetrics) lines of @f. */
void prom_put_family(FILE *out, const struct prom_family *f, bool openmetrics);
/* A label value: backslash, double quote and newline escaped. */
void prom_put_label_value(FILE *out, const char *s);
/* Nanoseconds as exact seconds, "12.000345678". */
void prom_put_seconds(FILE *out, uint64_t ns);

#endif /* CADET_LIB_UTIL_PROMTEXT_H */
