// SPDX-License-Identifier: MIT
/*
 * Prometheus / OpenMetrics text pieces shared by reports and live mode.
 */
#include <inttypes.h>
#include <stdio.h>

#include "lib/util/promtext.h"
#include "lib/util/timeunits.h"

const struct prom_family prom_ctr_families[PROM_CTR_N] = {
	[PROM_CTR_CPU] =
		{"cadet_container_cpu_seconds", "counter", "seconds",
		 "CPU time used by the container's tasks (sum of METRICS cpu_ns)."},
	[PROM_CTR_RSS] = {"cadet_container_memory_rss_bytes", "gauge", "bytes",
			  "Resident set size of the container's tasks."},
	[PROM_CTR_TX] = {"cadet_container_network_transmit_bytes", "counter",
			 "bytes", "Bytes sent by the container's sockets."},
	[PROM_CTR_RX] = {"cadet_container_network_receive_bytes", "counter",
			 "bytes", "Bytes received by the container's sockets."},
	[PROM_CTR_SYSCALLS] = {"cadet_container_syscalls", "counter", NULL,
			       "System calls made by the container's tasks."},
};

const char *prom_sample_name(const struct prom_family *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", f->name, prom_is_counter(f) ? "_total" : "");
	return buf;
}

void prom_put_family(FILE *out, const struct prom_family *f, bool openmetrics)
{
	char name[128];

	if (openmetrics) {
		fprintf(out, "# TYPE %s %s\n", f->name, f->type);
		if (f->unit)
			fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
		fprintf(out, "# HELP %s %s\n", f->name, f->help);
		return;
	}
	prom_sample_name(f, name, sizeof(name));
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, f->help, name,
		f->type);
}

void prom_put_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

void prom_put_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%" PRIu64 ".%09" PRIu64, ns / NS_PER_S,
		ns % NS_PER_S);
}
