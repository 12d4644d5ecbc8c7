// SPDX-License-Identifier: MIT
/*
 * mem_bomb: allocate as fast as the kernel allows.
 *
 * A child process maps and writes 16 MiB chunks back to back until --max
 * is resident, then holds it for --hold seconds (default: to the
 * deadline), frees it and starts again. By default --max stays below 80%
 * of the cgroup memory limit. With --oom=1 the cap is the limit itself
 * (hard cap 8G) so the cgroup OOM killer ends the child; the parent, tiny
 * and never the victim, sees the kill and bombs again after a second, so
 * the trace shows oom_kills as well as the RSS spikes.
 */
#include "payload.h"

#include <sys/mman.h>

static const char usage[] =
	"Allocates memory fast up to a cap, holds it, repeats.\n"
	"  --max=SIZE    resident cap (default 192M; hard cap 8G and, without\n"
	"                --oom=1, 80% of the cgroup memory limit)\n"
	"  --hold=S      seconds to hold the cap before freeing and repeating\n"
	"                (default 0 = until the deadline)\n"
	"  --oom=0|1     1: go past the limit and let the cgroup OOM-kill the\n"
	"                allocating child (only when a limit is set)\n";

static const char *const keys[] = { "max", "hold", "oom", NULL };

#define CHUNK (16ull << 20)

static void bomb(uint64_t max, double hold)
{
	void *chunks[8192];
	size_t n = 0;

	while (pl_running()) {
		uint64_t held = 0;

		while (held < max && n < 8192 && pl_running()) {
			char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				break;
			memset(p, 0x5a, CHUNK);
			chunks[n++] = p;
			held += CHUNK;
		}
		if (hold > 0)
			pl_sleep_ms((uint64_t)(hold * 1000));
		else
			pl_sleep_until(pl.deadline);
		while (n)
			munmap(chunks[--n], CHUNK);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	uint64_t max, limit;
	double hold;
	long oom, kills = 0;
	pid_t pid = 0;

	pl_init(argc, argv, "mem_bomb", usage, keys);
	max = pl_size("max", 192ull << 20, CHUNK, 8ull << 30);
	hold = pl_secs("hold", 0, 0, 3600);
	oom = pl_int("oom", 0, 0, 1);
	limit = pl_cgroup_mem_limit();
	if (oom && !limit) {
		pl_note("--oom=1 needs a cgroup memory limit; none found, keeping --max");
		oom = 0;
	}
	if (oom)
		max = limit + 4 * CHUNK < (8ull << 30) ? limit + 4 * CHUNK :
							 8ull << 30;
	else if (limit && max > limit / 5 * 4)
		max = limit / 5 * 4;
	pl_note("allocating up to %" PRIu64 " MiB per round", max >> 20);

	pl_begin();
	while (pl_running()) {
		int status;

		pid = pl_fork();
		if (pid < 0) {
			pl_note("fork: %s", strerror(errno));
			break;
		}
		if (pid == 0)
			bomb(max, hold);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			if (!pl_running())
				kill(pid, SIGKILL);
		pid = 0;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			kills++;
			pl_note("allocating child killed (OOM kill %ld)", kills);
			pl_sleep_ms(1000);
		}
	}
	pl_finish();
	pl_reap(pid);
	return 0;
}
