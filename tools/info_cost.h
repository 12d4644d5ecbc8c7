/* SPDX-License-Identifier: MIT */
/*
 * The recorder's own cost as `cadet info` shows it: user-space CPU and
 * RSS from STATS records, kernel-side BPF time per program from
 * BPF_STATS records (format 1.1).
 *
 * HowTo:
 *   struct info_cost c = {};
 *   for each record: info_cost__add(&c, rec);      0 or -ENOMEM
 *   info_cost__print(&c, stdout);
 *   info_cost__free(&c);
 */
#ifndef CADET_TOOLS_INFO_COST_H
#define CADET_TOOLS_INFO_COST_H

#include <stdint.h>
#include <stdio.h>

#include "cadet/trace.h"

struct info_prog {
	char family[17];
	char prog[33];
	uint64_t run_ns;
	uint64_t run_cnt;
};

struct info_cost {
	uint64_t stats_recs;
	uint64_t interval_ns;           /* sum over STATS */
	uint64_t cpu_ns;
	uint64_t events;
	uint64_t peak_rss;
	uint64_t bpf_recs;
	unsigned int mode;              /* of the last BPF_STATS record */
	struct info_prog *progs;
	size_t nprogs;
};

int info_cost__add(struct info_cost *c, const struct cadet_rec *rec);
void info_cost__print(const struct info_cost *c, FILE *out);
void info_cost__free(struct info_cost *c);

#endif
