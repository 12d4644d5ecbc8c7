/* SPDX-License-Identifier: MIT */
/*
 * Test plugins that misbehave, for the isolation tests: each crash_*.c,
 * hang_*.c or exit_*.c defines one FAULT_* and includes this. Otherwise
 * a working detector that scores every container with its event count
 * per tick, so that the misbehaviour is the only thing wrong with it.
 *
 *   FAULT_SEGV_EVENT   segfault in the 10th on_event
 *   FAULT_SEGV_ENTRY   segfault in the entry function
 *   FAULT_ABORT_INIT   abort() in init
 *   FAULT_KILL_TICK    raise(SIGKILL) in the 3rd on_tick
 *   FAULT_EXIT_INIT    exit(0) in init
 *   FAULT_HANG_EVENT   sleeps forever in the 10th on_event
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "cadet/detector.h"

struct faulty {
	const struct cadet_host *host;
	unsigned long events, ticks;
	uint64_t cg;
};

static int faulty_init(void **state, const struct cadet_host *host,
		       const struct cadet_param *p, size_t np, uint64_t seed)
{
	struct faulty *f = calloc(1, sizeof(*f));

#ifdef FAULT_ABORT_INIT
	abort();
#endif
#ifdef FAULT_EXIT_INIT
	exit(0);
#endif
	if (!f)
		return -ENOMEM;
	f->host = host;
	*state = f;
	return 0;
}

static int faulty_event(void *state, const struct cadet_rec *rec)
{
	struct faulty *f = state;

	if (++f->events == 10) {
#ifdef FAULT_SEGV_EVENT
		*(volatile int *)(uintptr_t)f->ticks = 1; /* NULL: ticks is 0 */
		raise(SIGSEGV); /* if page 0 were mapped */
#endif
#ifdef FAULT_HANG_EVENT
		for (;;)
			pause();
#endif
	}
	f->cg = rec->cgroup_id;
	return 0;
}

static int faulty_tick(void *state, uint64_t ts)
{
	struct faulty *f = state;

#ifdef FAULT_KILL_TICK
	if (++f->ticks == 3)
		raise(SIGKILL);
#endif
	f->host->score(f->host, f->cg, ts - 1000000000ull, ts, f->events);
	return 0;
}

static void faulty_fini(void *state)
{
	free(state);
}

static const struct cadet_detector_ops faulty_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "faulty",
	.description = "test plugin that misbehaves (tests/plugins/faulty.h)",
	.params_help = "",
	.init = faulty_init,
	.on_event = faulty_event,
	.on_tick = faulty_tick,
	.fini = faulty_fini,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
#ifdef FAULT_SEGV_ENTRY
	*(volatile int *)(uintptr_t)faulty_ops.tick_ns = 1; /* NULL */
	raise(SIGSEGV);
#endif
	return &faulty_ops;
}
