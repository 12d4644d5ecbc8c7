// SPDX-License-Identifier: MIT
/*
 * drop_and_exec: a dropper writing a binary to /tmp and running it.
 *
 * Each of --count rounds (--interval seconds apart) writes a program to a
 * hidden file in --dir (a copy of /bin/sh by default, or of this payload
 * with --source=self), makes it executable with chmod 0755 and runs it:
 * the shell copy with `-c 'id; uname -a; cat /etc/hostname'`, the payload
 * copy in a stage mode that reads /etc/hostname. The file is deleted
 * after each run. The trace shows a create, a chmod and an exec of a file
 * under /tmp, whose image the container never had.
 */
#include "payload.h"

#include <sys/stat.h>

static const char usage[] =
	"Writes a binary to /tmp, chmods it executable and runs it.\n"
	"  --count=N     rounds (default 3, 1..100)\n"
	"  --interval=S  seconds between rounds (default 3, 0.1..60)\n"
	"  --source=PATH binary to drop (default /bin/sh; self = this payload)\n"
	"  --dir=PATH    where to drop it (default /tmp)\n";

static const char *const keys[] = { "count", "interval", "source", "dir",
				    NULL };

#define STAGE "--stage=dropped"

static char dropped[300];

static void cleanup(void)
{
	if (dropped[0])
		unlink(dropped);
}

static int stage(void)
{
	char buf[256];
	int fd = open("/etc/hostname", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			errno = 0;
		close(fd);
	}
	return 0;
}

static int drop_and_run(const char *source, bool self, const char *dir,
			long n)
{
	char *sh_args[] = { dropped, "-c",
			    "id; uname -a; cat /etc/hostname", NULL };
	char *self_args[] = { dropped, STAGE, NULL };
	int err;
	pid_t pid;

	snprintf(dropped, sizeof(dropped), "%s/.x%d.%ld", dir, (int)getpid(),
		 n);
	err = pl_copy_file(source, dropped, 0600);
	if (err)
		goto remove;
	if (chmod(dropped, 0755) < 0) {
		err = -errno;
		goto remove;
	}
	pid = pl_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(dropped, self ? self_args : sh_args);
		_exit(127);
	}
	if (pid < 0) {
		err = -errno;
		goto remove;
	}
	err = pl_wait_exec(pid);
remove:
	cleanup();
	dropped[0] = '\0';
	return err;
}

int main(int argc, char **argv)
{
	const char *source, *dir;
	long count, done = 0, ok = 0;
	double interval;
	uint64_t next;
	bool self;
	int err;

	if (argc == 2 && !strcmp(argv[1], STAGE))
		return stage();
	pl_init(argc, argv, "drop_and_exec", usage, keys);
	count = pl_int("count", 3, 1, 100);
	interval = pl_secs("interval", 3, 0.1, 60);
	source = pl_str("source", "/bin/sh");
	dir = pl_str("dir", "/tmp");
	self = !strcmp(source, "self");
	if (self)
		source = "/proc/self/exe";
	if (access(source, R_OK) < 0) {
		pl_note("%s: %s; dropping a copy of this payload instead",
			source, strerror(errno));
		source = "/proc/self/exe";
		self = true;
	}
	pl.cleanup = cleanup;

	pl_begin();
	next = pl_now();
	while (done < count && pl_running()) {
		err = drop_and_run(source, self, dir, done);
		if (err)
			pl_note("drop and run in %s: %s", dir, strerror(-err));
		else
			ok++;
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld of %ld dropped programs ran", ok, done);
	return 0;
}
