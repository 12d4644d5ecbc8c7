/* SPDX-License-Identifier: MIT */
/*
 * The anomaly's payload in a run: its command line, the thread that
 * execs it in the target container, killing what it started, and its
 * window as it reports it ("cadet-payload start|end <ns>" lines).
 */
#ifndef CADET_INJECTOR_PAYLOAD_H
#define CADET_INJECTOR_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "injector/container.h"
#include "injector/scenario.h"

/* Where the payload binaries are mounted in every container. */
#define PAYLOAD_DIR_IN_CONTAINER "/cadet/bin"

struct payload_run {
	struct container *target;
	char **argv;
	char **env; /* payload_env(): a command's CADET_* variables */
	uint64_t timeout_ms;
	int status;
	char *out;
	size_t out_len;
	unsigned long long t_start, t_end; /* runner's own times */
	volatile bool done;
};

/*
 * The argv of anomaly @an's payload ("<dir>/<type> --duration=D
 * --k=v ...", D being @duration_ms in whole seconds as the run's plan
 * drew it, or /bin/sh -c for a command), @dir being
 * PAYLOAD_DIR_IN_CONTAINER with @in_container. Free it with
 * payload_argv_free(). 0 or -ENOMEM.
 */
int payload_argv(const struct scenario_anomaly *an, uint64_t duration_ms,
		 const char *payload_dir, char ***argvp, bool in_container);
/*
 * The environment of a command anomaly (type = command; NULL for a
 * payload, which gets its keys as arguments): CADET_DURATION (@duration_ms
 * in whole seconds, as the plan drew it: the command must stop by then),
 * CADET_INTENSITY, CADET_SEED (@seed, the run's), and CADET_KEY=VALUE for
 * each intensity key, KEY in upper case. Free it with payload_argv_free().
 * 0 or -ENOMEM.
 */
int payload_env(const struct scenario_anomaly *an, uint64_t duration_ms,
		uint64_t seed, char ***envp);
/* Frees payload_argv()'s and payload_env()'s arrays. */
void payload_argv_free(char **argv);
/* argv joined by spaces, for messages. */
void payload_argv_print(FILE *f, char **argv);
/* env as "K=V " words to stand before the argv (nothing for NULL). */
void payload_env_print(FILE *f, char **env);
/* pthread start routine: exec p->argv in p->target, fill the rest. */
void *payload_thread(void *arg);
/*
 * Kill what was exec'd into @c (the payload and what it started, load
 * loops), sparing the init and its descendants. Returns how many were
 * killed, or -errno.
 */
int payload_kill_execd(struct container *c);
/*
 * The payload's window: from its own start/end lines, else the runner's
 * times (*@from_payload false). Ended by our kill: ends when it died.
 */
void payload_window(const struct payload_run *p, uint64_t *start,
		    uint64_t *end, bool *from_payload);

#endif /* CADET_INJECTOR_PAYLOAD_H */
