/* SPDX-License-Identifier: MIT */
/*
 * Stop requests and last-resort cleanup for `cadet run`.
 *
 * SIGINT, SIGTERM, SIGHUP and the run's hard deadline (SIGALRM) only set
 * a flag: the runner polls it and tears the run down in order (payload,
 * workloads, containers, then the recorder, so the trace is finished).
 * A second signal says cleanup is under way; a third kills every
 * registered process group and exits at once, for a cleanup that hangs.
 *
 * HowTo:
 *   cleanup_install();                 once, before anything starts
 *   cleanup_arm_deadline(secs);        per run; 0 disarms
 *   while (!cleanup_stop_requested()) ...
 *   cleanup_register_pgid(pgid);  ...  cleanup_unregister_pgid(pgid);
 *   exit(cleanup_exit_code(0));        128 + signal after a signal
 */
#ifndef CADET_INJECTOR_CLEANUP_H
#define CADET_INJECTOR_CLEANUP_H

#include <stdbool.h>
#include <sys/types.h>

/* Pseudo signal number reported when the hard deadline fired. */
#define CLEANUP_DEADLINE (-1)

int cleanup_install(void);
bool cleanup_stop_requested(void);
/* 0, the signal that asked to stop, or CLEANUP_DEADLINE. */
int cleanup_reason(void);
/* Ask to stop from inside the program (an error in another thread). */
void cleanup_request_stop(void);
void cleanup_arm_deadline(unsigned int seconds);
/* Process groups killed with SIGKILL by the emergency exit. */
int cleanup_register_pgid(pid_t pgid);
void cleanup_unregister_pgid(pid_t pgid);
/* @code, or 128 + signal when a signal stopped the run. */
int cleanup_exit_code(int code);
/* Block the stop signals in the calling thread (for helper threads). */
void cleanup_block_signals(bool block);
/*
 * Sleep until CLOCK_MONOTONIC reaches @deadline_ns or a stop is
 * requested, in short steps. Returns 0 at the deadline, -EINTR on stop.
 */
int cleanup_sleep_until(unsigned long long deadline_ns);
unsigned long long cleanup_now_ns(void);

#endif
