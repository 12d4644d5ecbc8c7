// SPDX-License-Identifier: MIT
/*
 * fork_bomb: a bounded fork bomb.
 *
 * Waves of a binary process tree: every process forks two children until
 * the tree holds --max_procs processes, each lives --life ms and exits
 * after reaping its children; the next wave starts when the previous one
 * is gone. The tree size stays below the cgroup pids limit (16 tasks of
 * headroom are kept for the container's own processes), a failed fork
 * just ends that branch, and every child dies with the payload. The trace
 * shows fork and exit events and the target's forks/nr_tasks metrics jump.
 */
#include "payload.h"

static const char usage[] =
	"Forks waves of short-lived process trees.\n"
	"  --max_procs=N  processes per wave (default 64, hard cap 512 and the\n"
	"                 cgroup pids limit minus current tasks minus 16)\n"
	"  --life=MS      lifetime of each process in ms (default 300,\n"
	"                 20..5000)\n";

static const char *const keys[] = { "max_procs", "life", NULL };

static long life_ms;

static void tree(int depth)
{
	struct timespec ts = { .tv_sec = life_ms / 1000,
			       .tv_nsec = life_ms % 1000 * 1000000 };
	pid_t kids[2] = { 0, 0 };

	for (int i = 0; i < 2 && depth > 0; i++) {
		kids[i] = pl_fork();
		if (kids[i] == 0) {
			tree(depth - 1);
			_exit(0);
		}
	}
	nanosleep(&ts, NULL);
	for (int i = 0; i < 2; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
}

int main(int argc, char **argv)
{
	uint64_t pmax, pcur;
	long max_procs, waves = 0;
	int depth = 0;

	pl_init(argc, argv, "fork_bomb", usage, keys);
	max_procs = pl_int("max_procs", 64, 2, 512);
	life_ms = pl_int("life", 300, 20, 5000);
	pmax = pl_cgroup_pids_max();
	pcur = pl_cgroup_pids_current();
	if (pmax && (uint64_t)max_procs + pcur + 16 > pmax) {
		max_procs = pmax > pcur + 18 ? (long)(pmax - pcur - 16) : 2;
		pl_note("--max_procs lowered to %ld for the pids limit %" PRIu64,
			max_procs, pmax);
	}
	/* A full binary tree of depth d below the root holds 2^(d+1)-2. */
	while ((2l << (depth + 1)) - 2 <= max_procs)
		depth++;

	pl_begin();
	while (pl_running()) {
		pid_t root = pl_fork();

		if (root < 0) {
			pl_note("fork: %s", strerror(errno));
			pl_sleep_ms(life_ms);
			continue;
		}
		if (root == 0) {
			/* The wave's root counts as one of its processes. */
			tree(depth);
			_exit(0);
		}
		waitpid(root, NULL, 0);
		waves++;
	}
	pl_finish();
	pl_note("%ld waves of %ld processes", waves, (2l << depth) - 1);
	return 0;
}
