// SPDX-License-Identifier: MIT
/*
 * fileless_exec: running a program that never touches the disk.
 *
 * Each of --count rounds (--interval seconds apart) creates an anonymous
 * memory file with memfd_create(), writes a program into it (a copy of
 * this payload by default, or --source=PATH such as /bin/true) and runs
 * it from a child with execveat(fd, "", AT_EMPTY_PATH), the way in-memory
 * droppers do. The copy of the payload runs in a "stage" mode that reads
 * /etc/hostname, sleeps briefly and exits. The trace shows a memfd_create
 * security event followed by an exec whose file is a memfd.
 */
#include "payload.h"

#include <sys/mman.h>
#include <sys/syscall.h>

static const char usage[] =
	"Runs a program from a memfd with execveat().\n"
	"  --count=N     programs run (default 5, 1..100)\n"
	"  --interval=S  seconds between them (default 2, 0.1..60)\n"
	"  --source=PATH program written into the memfd (default: this\n"
	"                payload, which then only reads /etc/hostname)\n"
	"  --name=NAME   memfd name (default kworker)\n";

static const char *const keys[] = { "count", "interval", "source", "name",
				    NULL };

#define STAGE "--stage=memfd"

static int stage(void)
{
	char buf[256];
	struct timespec ts = { 0, 300000000 };
	int fd = open("/etc/hostname", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			errno = 0;
		close(fd);
	}
	nanosleep(&ts, NULL);
	return 0;
}

static int run_from_memfd(const char *source, const char *name, bool self)
{
	char *args[] = { (char *)name, self ? STAGE : NULL, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int fd, err;
	pid_t pid;

	fd = memfd_create(name, 0);
	if (fd < 0)
		return -errno;
	{
		char tmp[64];

		/* pl_copy_file() opens by path: go through /proc. */
		snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
		err = pl_copy_file(source, tmp, 0755);
	}
	if (err) {
		close(fd);
		return err;
	}
	pid = pl_fork();
	if (pid == 0) {
		syscall(SYS_execveat, fd, "", args, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	close(fd);
	if (pid < 0)
		return -errno;
	return pl_wait_exec(pid);
}

int main(int argc, char **argv)
{
	const char *source, *name;
	long count, done = 0, ok = 0;
	double interval;
	uint64_t next;
	bool self;
	int err;

	if (argc == 2 && !strcmp(argv[1], STAGE))
		return stage();
	pl_init(argc, argv, "fileless_exec", usage, keys);
	count = pl_int("count", 5, 1, 100);
	interval = pl_secs("interval", 2, 0.1, 60);
	source = pl_str("source", "/proc/self/exe");
	name = pl_str("name", "kworker");
	self = !strcmp(source, "/proc/self/exe");
	if (access(source, R_OK) < 0)
		pl_die("--source=%s: %s", source, strerror(errno));

	pl_begin();
	next = pl_now();
	while (done < count && pl_running()) {
		err = run_from_memfd(source, name, self);
		if (err)
			pl_note("run from memfd: %s", strerror(-err));
		else
			ok++;
		done++;
		next += (uint64_t)(interval * PL_NSEC);
		pl_sleep_until(next);
	}
	pl_finish();
	pl_note("%ld of %ld programs ran from a memfd", ok, done);
	return 0;
}
