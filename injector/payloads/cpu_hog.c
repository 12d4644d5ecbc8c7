// SPDX-License-Identifier: MIT
/*
 * cpu_hog: busy threads burning CPU with a duty cycle.
 *
 * Each of --threads threads spins for util x 100 ms of every 100 ms period
 * (floating point work the compiler cannot drop) until the deadline. The
 * container's CPU quota caps what it really gets; the trace shows the
 * target's cpu_ns per interval jump inside the window.
 */
#include "payload.h"

#include <pthread.h>

static const char usage[] =
	"Burns CPU in --threads threads at --util duty cycle.\n"
	"  --threads=N   busy threads (default 2, cap 64)\n"
	"  --util=F      fraction of each 100 ms period spent spinning\n"
	"                (default 1.0, 0.05..1.0)\n";

static const char *const keys[] = { "threads", "util", NULL };

#define PERIOD_NS (PL_NSEC / 10)

static double util;
static volatile double sink;

static void *spin(void *arg)
{
	double x = 1.0 + (uintptr_t)arg;

	while (pl_running()) {
		uint64_t period = pl_now();
		uint64_t busy_until = period + (uint64_t)(util * PERIOD_NS);

		while (pl_now() < busy_until)
			for (int i = 0; i < 4096; i++)
				x = x * 1.0000001 + 0.5 / x;
		sink = x;
		if (util < 1.0)
			pl_sleep_until(period + PERIOD_NS);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[64];
	long threads, started = 0;

	pl_init(argc, argv, "cpu_hog", usage, keys);
	threads = pl_int("threads", 2, 1, 64);
	util = pl_double("util", 1.0, 0.05, 1.0);

	pl_begin();
	for (long i = 0; i < threads; i++) {
		if (pthread_create(&tids[i], NULL, spin, (void *)(uintptr_t)i)) {
			pl_note("pthread_create: %s; running %ld threads",
				strerror(errno), started);
			break;
		}
		started++;
	}
	for (long i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pl_finish();
	return 0;
}
