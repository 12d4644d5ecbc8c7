// SPDX-License-Identifier: MIT
/*
 * priv_esc: privilege escalation attempts.
 *
 * Each round (--attempts rounds, --interval seconds apart):
 *   1. copies its own binary to /tmp/.cadet-suid-PID and sets the set-uid
 *      bit on it (chmod 04755), the classic backdoor;
 *   2. forks a child that drops to nobody (65534), then tries to get root
 *      back with setuid(0), setgid(0), setresuid(0, 0, 0), setgroups(),
 *      opens /etc/shadow (denied for nobody) and finally executes the
 *      set-uid copy, which tries setresuid(0, 0, 0) again from there.
 * When the container lacks CAP_SETUID/CAP_SETGID the drop itself is the
 * denied attempt and the rest runs as root. The copy is deleted at the
 * end. The trace shows setuid-family security events (several denied), a
 * chmod with the set-uid bit and an exec of the /tmp copy by uid 65534.
 */
#include "payload.h"

#include <grp.h>
#include <sys/stat.h>

static const char usage[] =
	"Drops to nobody and tries to regain root, plants a set-uid copy.\n"
	"  --attempts=N  rounds (default 5, 1..100)\n"
	"  --interval=S  seconds between rounds (default 3, 0.1..60)\n";

static const char *const keys[] = { "attempts", "interval", NULL };

#define NOBODY 65534

static char copy[64];

static void cleanup(void)
{
	if (copy[0])
		unlink(copy);
}

/* Runs as the set-uid copy: effective uid 0 if the bit did its work. */
static int stage_suid(void)
{
	int fd;

	if (setresuid(0, 0, 0) < 0 || setresgid(0, 0, 0) < 0)
		return 1;
	fd = open("/etc/shadow", O_RDONLY);
	if (fd >= 0)
		close(fd);
	return 0;
}

static void attempt(void)
{
	char *args[] = { copy, "--stage=suid", NULL };
	gid_t groups[1] = { 0 };
	int fd;

	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		pl_note("cannot drop to nobody (%s); trying as uid %d",
			strerror(errno), (int)getuid());
	if (setuid(0) == 0)
		pl_note("setuid(0) succeeded as uid %d", (int)getuid());
	if (setgid(0) < 0)
		errno = 0;
	if (setresuid(0, 0, 0) < 0)
		errno = 0;
	if (setreuid(0, 0) < 0)
		errno = 0;
	if (setgroups(1, groups) < 0)
		errno = 0;
	fd = open("/etc/shadow", O_RDONLY);
	if (fd >= 0)
		close(fd);
	if (copy[0])
		execv(copy, args);
	_exit(1);
}

int main(int argc, char **argv)
{
	long attempts, done = 0, escalated = 0;
	double interval;
	uint64_t next;

	if (argc == 2 && !strcmp(argv[1], "--stage=suid"))
		return stage_suid();
	pl_init(argc, argv, "priv_esc", usage, keys);
	attempts = pl_int("attempts", 5, 1, 100);
	interval = pl_secs("interval", 3, 0.1, 60);
	pl.cleanup = cleanup;

	pl_begin();
	next = pl_now();
	while (done < attempts && pl_running()) {
		pid_t pid;
		int status = 0;

		snprintf(copy, sizeof(copy), "/tmp/.cadet-suid-%d",
			 (int)getpid());
		if (pl_copy_file("/proc/self/exe", copy, 0755) < 0 ||
		    chmod(copy, 04755) < 0) {
			pl_note("cannot plant a set-uid copy at %s: %s", copy,
				strerror(errno));
			cleanup();
			copy[0] = '\0';
		}
		pid = pl_fork();
		if (pid == 0)
			attempt();
		if (pid > 0) {
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				escalated++;
		}
		cleanup();
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld attempts, %ld regained root through the set-uid copy",
		done, escalated);
	cleanup();
	return 0;
}
