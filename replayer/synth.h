/* SPDX-License-Identifier: MIT */
/*
 * Seeded synthetic traces for tests and replay benchmarks.
 */
#ifndef CADET_REPLAYER_SYNTH_H
#define CADET_REPLAYER_SYNTH_H

#include <stdint.h>

struct synth_opts {
	uint64_t records; /* about this many records in all */
	unsigned int containers; /* default 3 */
	uint64_t seconds; /* trace length, default 60 */
	uint64_t seed; /* default 1 */
	const char *anomaly; /* NULL: normal-only; else its type name */
};

/* Writes the trace; *@nrecords gets the count. 0 or -errno. */
int synth_write(const char *path, const struct synth_opts *opts,
		uint64_t *nrecords);

#endif /* CADET_REPLAYER_SYNTH_H */
