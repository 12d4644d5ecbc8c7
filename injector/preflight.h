/* SPDX-License-Identifier: MIT */
/*
 * Checks before `cadet run` starts anything: the host (root, runc,
 * nsenter, cgroup v2, BPF) and each scenario's needs (wrk, payloads).
 * Each failed check says what is missing and how to get it.
 */
#ifndef CADET_INJECTOR_PREFLIGHT_H
#define CADET_INJECTOR_PREFLIGHT_H

#include <stdbool.h>

#include "injector/scenario.h"

/* The host can run containers and load BPF programs. 0 or -errno. */
int run_preflight(void);
/*
 * What @s needs beyond that (run with the anomaly unless @normal) is
 * there, payloads looked up in @payload_dir. 0 or -errno.
 */
int run_check_scenario(const struct scenario *s, bool normal,
		       const char *payload_dir);

#endif /* CADET_INJECTOR_PREFLIGHT_H */
