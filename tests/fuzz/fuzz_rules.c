// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the rules detector's rule file parser, then every parsed
 * rule matched against a few records of each kind it can name. Must never
 * crash, leak or read out of bounds, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cadet/trace.h"
#include "detect/detectors/rules.h"

/* A record of @type with a string tail, its vstr fields pointing at it. */
static void make_rec(uint8_t *buf, size_t size, unsigned int type,
		     const uint8_t *data, size_t len)
{
	struct cadet_rec *h = (struct cadet_rec *)buf;
	size_t tail = size - 64;

	memset(buf, 0, size);
	h->size = size;
	h->type = type;
	h->cgroup_id = 1;
	memcpy(h->comm, "sh", 3);
	/* Fill the fixed part with input bytes: numbers, chars, vstrs. */
	if (len)
		memcpy(buf + sizeof(*h), data,
		       len < tail - sizeof(*h) ? len : tail - sizeof(*h));
	memcpy(buf + tail, "/bin/sh\0-i\0", 11);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int types[] = {
		CADET_REC_EXEC, CADET_REC_OPEN, CADET_REC_FILE_OP,
		CADET_REC_CONNECT, CADET_REC_SECURITY, CADET_REC_METRICS,
		CADET_REC_LABEL, CADET_REC_SYSCALL,
	};
	struct rule_ctx ctx = { .in_container = true, .connected = size & 1 };
	uint64_t buf[64];
	struct rule_set *rs;
	char err[256];

	rs = rule_set__parse((const char *)data, size, "fuzz.rules", err,
			     sizeof(err));
	if (!rs)
		return 0;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		make_rec((uint8_t *)buf, sizeof(buf), types[t], data, size);
		for (size_t i = 0; i < rule_set__cnt(rs); i++) {
			const struct rule *r = rule_set__rule(rs, i);

			rule_matches(r, (const struct cadet_rec *)buf, &ctx);
			rule_agg_key(r, (const struct cadet_rec *)buf);
		}
	}
	rule_set__free(rs);
	return 0;
}
