/* SPDX-License-Identifier: MIT */
/*
 * Private to detect/: what the exec adapter and the isolation proxies
 * ask the detector host beyond the public struct cadet_host.
 */
#ifndef CADET_DETECT_DETHOST_INT_H
#define CADET_DETECT_DETHOST_INT_H

#include "cadet/detector.h"

/* The record being delivered right now (on_event / on_container). */
const struct cadet_rec *det_host_cur_rec(const struct cadet_host *h);
/* Container name of @cgroup_id in the current trace, NULL if unknown. */
const char *det_host_ctr_name(const struct cadet_host *h,
				 uint64_t cgroup_id);
/* Seconds the exec adapter waits for a child before giving up. */
int det_host_exec_timeout(const struct cadet_host *h);
/*
 * Disables the detector for the rest of the run with a message (said on
 * stderr, kept for the results header); the other detectors go on.
 */
void det_host_disable(const struct cadet_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Current phase. */
enum cadet_phase det_host_phase(const struct cadet_host *h);

/* The exec adapter (detect/exec.c); its params: command=SHELL_COMMAND. */
extern const struct cadet_detector_ops det_exec_ops;

#endif /* CADET_DETECT_DETHOST_INT_H */
