// SPDX-License-Identifier: MIT
/*
 * ptrace_attach: process injection reconnaissance with ptrace().
 *
 * Each round (--rounds, --interval seconds apart) forks a victim child
 * holding a "secret" in memory, attaches to it with PTRACE_ATTACH, reads
 * the secret with PTRACE_PEEKDATA and its registers with PTRACE_GETREGS,
 * detaches and kills it; then a helper child tries PTRACE_SEIZE and
 * PTRACE_PEEKDATA on pid 1 (the container's init). Seizing never stops
 * the target and the helper exits right away, which detaches it. When the
 * payload runs in the host's initial pid namespace pid 1 is the host's
 * init, and that attempt is skipped. The trace shows ptrace security
 * events (attach, peek, seize) from the target.
 */
#include "payload.h"

#include <sys/ptrace.h>
#include <sys/user.h>

static const char usage[] =
	"Attaches to a child with ptrace and reads its memory; tries pid 1.\n"
	"  --rounds=N    rounds (default 5, 1..100)\n"
	"  --interval=S  seconds between rounds (default 2, 0.1..60)\n"
	"  --init=0|1    also try pid 1 when it is a container's init\n"
	"                (default 1)\n";

static const char *const keys[] = { "rounds", "interval", "init", NULL };

/* The initial pid namespace has a fixed inode number (PROC_PID_INIT_INO). */
#define INIT_PID_NS "pid:[4026531836]"

static volatile long secret = 0x5ec12e7;

static bool in_host_pid_ns(void)
{
	char link[64] = "";

	if (readlink("/proc/self/ns/pid", link, sizeof(link) - 1) < 0)
		return true;
	return !strcmp(link, INIT_PID_NS);
}

static bool peek_child(void)
{
	struct user_regs_struct regs;
	bool ok = false;
	pid_t pid;
	long word;
	int status;

	pid = pl_fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		goto kill_child;
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		goto kill_child;
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, (void *)&secret, NULL);
	ok = !errno && word == secret;
	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
kill_child:
	pl_reap(pid);
	return ok;
}

static void seize_init(void)
{
	pid_t pid = pl_fork();

	if (pid == 0) {
		/* Seize does not stop pid 1; exiting detaches from it. */
		if (ptrace(PTRACE_SEIZE, 1, NULL, NULL) == 0)
			ptrace(PTRACE_PEEKDATA, 1, (void *)0x400000, NULL);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	long rounds, done = 0, peeked = 0;
	bool init;
	double interval;
	uint64_t next;

	pl_init(argc, argv, "ptrace_attach", usage, keys);
	rounds = pl_int("rounds", 5, 1, 100);
	interval = pl_secs("interval", 2, 0.1, 60);
	init = pl_int("init", 1, 0, 1);
	if (init && in_host_pid_ns()) {
		pl_note("in the host's pid namespace: not touching pid 1");
		init = false;
	}

	pl_begin();
	next = pl_now();
	while (done < rounds && pl_running()) {
		if (peek_child())
			peeked++;
		if (init)
			seize_init();
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld rounds, %ld successful reads of a child's memory", done,
		peeked);
	return 0;
}
