// SPDX-License-Identifier: MIT
/*
 * mem_leak: a gradual leak, the way a leaky service loses memory.
 *
 * Every 100 ms it mallocs rate/10 bytes in blocks of 1..64 KiB, writes
 * every page of them (so they become resident, not just reserved) and
 * never frees them, until --max is held or the deadline passes. The cap
 * is also kept below 75% of the cgroup memory limit, so the leak itself
 * never triggers the OOM killer: the trace shows the target's rss_bytes
 * climbing steadily inside the window.
 */
#include <sys/mman.h>

#include "payload.h"

static const char usage[] =
	"Leaks memory gradually; pages are touched so RSS grows.\n"
	"  --rate=SIZE   bytes per second (default 8M, cap 256M)\n"
	"  --max=SIZE    total cap (default 200M, hard cap 4G and 75% of the\n"
	"                cgroup memory limit)\n";

static const char *const keys[] = { "rate", "max", NULL };

#define STEP_NS (PL_NSEC / 10)

int main(int argc, char **argv)
{
	uint64_t rate, max, limit, held = 0, next;
	size_t nblocks = 0, cap = 0;
	void **blocks = NULL;
	long page = sysconf(_SC_PAGESIZE);
	bool capped = false;

	pl_init(argc, argv, "mem_leak", usage, keys);
	rate = pl_size("rate", 8ull << 20, 4096, 256ull << 20);
	max = pl_size("max", 200ull << 20, 4096, 4ull << 30);
	limit = pl_cgroup_mem_limit();
	if (limit && max > limit / 4 * 3) {
		max = limit / 4 * 3;
		pl_note("--max lowered to %" PRIu64 " bytes, 75%% of the cgroup memory limit",
			max);
	}

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		uint64_t goal = held + rate / 10;

		if (goal > max)
			goal = max;
		while (held < goal) {
			size_t sz = 1024 + pl_rand() % (64 * 1024);
			char *p;

			if (nblocks == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				void **nb = realloc(blocks, ncap * sizeof(*nb));

				if (!nb)
					break;
				blocks = nb;
				cap = ncap;
			}
			p = malloc(sz);
			if (!p)
				break;
			for (size_t off = 0; off < sz; off += page)
				p[off] = (char)(off >> 12) | 1;
			p[sz - 1] = 1;
			blocks[nblocks++] = p;
			held += sz;
		}
		if (held >= max && !capped) {
			pl_note("cap of %" PRIu64 " bytes reached, holding it", max);
			capped = true;
		}
		next += STEP_NS;
		pl_sleep_until(next);
	}
	pl_finish();
	for (size_t i = 0; i < nblocks; i++)
		free(blocks[i]);
	free(blocks);
	return 0;
}
