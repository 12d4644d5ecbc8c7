// SPDX-License-Identifier: MIT
/*
 * Fuzz the results.jsonl parser of `cadet eval`: any bytes must give either
 * a parsed result whose indices are all in range, or NULL with a
 * "NAME:LINE: ..." message; never a crash, a leak or an out-of-bounds read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cadet_results *r;
	char err[256];

	err[0] = 0;
	r = cadet_results__parse((const char *)data, size, "fuzz.jsonl", err,
				 sizeof(err));
	if (!r) {
		/* every failure explains itself, naming the input */
		if (strncmp(err, "fuzz.jsonl", 10) || !errno)
			abort();
		return 0;
	}
	if (!r->ndets)
		abort();
	for (size_t i = 0; i < r->nscores; i++)
		if (r->scores[i].det >= r->ndets ||
		    r->scores[i].trace >= r->ntraces ||
		    r->scores[i].win_end < r->scores[i].win_start)
			abort();
	for (size_t i = 0; i < r->nalerts; i++)
		if (r->alerts[i].det >= r->ndets ||
		    r->alerts[i].trace >= r->ntraces)
			abort();
	for (size_t i = 0; i < r->ndets; i++)
		if (!r->dets[i].key || !r->dets[i].name || !r->dets[i].params ||
		    cadet_results__det_idx(r, r->dets[i].key) < 0)
			abort();
	cadet_results__free(r);
	return 0;
}
