// SPDX-License-Identifier: MIT
/*
 * Fuzz the scenario parser: any bytes give a scenario or a message,
 * never a crash, a leak or an unterminated message buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "injector/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[2048];
	struct scenario_opts o = {.sz = sizeof(o),
				  .errbuf = err,
				  .errbuf_sz = sizeof(err),
				  .display_path = "fuzz.ini"};
	struct scenario *s;
	struct scenario_plan plan;

	s = scenario__load_mem((const char *)data, size, &o);
	if (!s) {
		/* The message is a terminated string within the buffer. */
		if (!memchr(err, '\0', sizeof(err)))
			__builtin_trap();
		return 0;
	}
	/* A valid scenario plans and takes overrides without trouble. */
	scenario__plan(s, size, &plan);
	if (s->anomaly && (plan.onset_ms < s->anomaly->start_min * 1000ull ||
			   plan.onset_ms > s->anomaly->start_max * 1000ull))
		__builtin_trap();
	scenario__override(s, 10, NULL, err, sizeof(err), NULL, 0);
	if (s->anomaly &&
	    s->anomaly->start_max + s->anomaly->duration > s->duration)
		__builtin_trap();
	scenario__free(s);
	return 0;
}
