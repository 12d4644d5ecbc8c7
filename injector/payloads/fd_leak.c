// SPDX-License-Identifier: MIT
/*
 * fd_leak: file descriptors opened and never closed.
 *
 * At --rate per second it opens files (/dev/null, /etc/hostname,
 * /proc/self/status, a scratch file in /tmp), sockets and pipes and keeps
 * them all, as a service with a missing close() does, until --max are
 * held or the deadline passes; then everything is closed and the scratch
 * file removed. The soft RLIMIT_NOFILE is raised to the hard one and
 * --max is kept 32 below it. The trace shows a burst of open events (and
 * socket activity) from one process of the target.
 */
#include "payload.h"

#include <sys/resource.h>

static const char usage[] =
	"Opens files, sockets and pipes without closing them.\n"
	"  --rate=N   descriptors per second (default 200, cap 10000)\n"
	"  --max=N    descriptors held at most (default 4000, hard cap 60000\n"
	"             and RLIMIT_NOFILE minus 32)\n";

static const char *const keys[] = { "rate", "max", NULL };

static char scratch[64];

static void cleanup(void)
{
	if (scratch[0])
		unlink(scratch);
}

static int leak_one(unsigned long i)
{
	int fds[2];

	switch (i % 8) {
	case 0:
	case 1:
		return open("/dev/null", O_RDONLY);
	case 2:
		return open("/etc/hostname", O_RDONLY);
	case 3:
		return open("/proc/self/status", O_RDONLY);
	case 4:
	case 5:
		return open(scratch, O_RDWR | O_CREAT | O_APPEND, 0600);
	case 6:
		return socket(AF_INET, SOCK_STREAM, 0);
	default:
		if (pipe(fds) < 0)
			return -1;
		close(fds[1]);
		return fds[0];
	}
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	long rate, max, held = 0, failed = 0;
	uint64_t next;
	int lowest = -1;

	pl_init(argc, argv, "fd_leak", usage, keys);
	rate = pl_int("rate", 200, 1, 10000);
	max = pl_int("max", 4000, 1, 60000);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur != RLIM_INFINITY &&
		    (rlim_t)max + 32 > rl.rlim_cur) {
			max = rl.rlim_cur > 64 ? (long)rl.rlim_cur - 32 : 32;
			pl_note("--max lowered to %ld for RLIMIT_NOFILE", max);
		}
	}
	snprintf(scratch, sizeof(scratch), "/tmp/.cadet-fd-leak-%d",
		 (int)getpid());
	pl.cleanup = cleanup;

	pl_begin();
	next = pl_now();
	while (pl_running()) {
		/* Ten batches a second keep the rate smooth. */
		long batch = rate / 10 ? rate / 10 : 1;

		for (long i = 0; i < batch && held < max; i++) {
			int fd = leak_one(held + failed);

			if (fd < 0) {
				failed++;
				continue;
			}
			if (lowest < 0)
				lowest = fd;
			held++;
		}
		next += rate >= 10 ? PL_NSEC / 10 : PL_NSEC / rate;
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("held %ld descriptors (%ld opens failed)", held, failed);
	/* Descriptors were handed out upwards from the lowest free one. */
	if (lowest >= 0)
		for (int fd = lowest; fd < lowest + held + 64; fd++)
			close(fd);
	cleanup();
	return 0;
}
