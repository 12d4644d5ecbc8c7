// SPDX-License-Identifier: MIT
/*
 * Running runc (and the few other programs the launcher needs): spawn,
 * wait with a bound, and explain failures with runc's own log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "injector/runc_int.h"
#include "lib/util/spawn.h"

const char *runc_bin(void)
{
	const char *r = getenv("CADET_RUNC");

	return r && *r ? r : RUNC_DEFAULT;
}

/* Start @argv: stdin /dev/null, stdout/stderr to the fds (-1: /dev/null). */
int runc_spawn(const char *const *argv, int out_fd, int err_fd, pid_t *pid)
{
	int err = util_spawn(argv, UTIL_SPAWN_NULL,
			     out_fd >= 0 ? out_fd : UTIL_SPAWN_NULL,
			     err_fd >= 0 ? err_fd : UTIL_SPAWN_NULL, pid);

	if (err == -ENOENT && !strcmp(argv[0], runc_bin()))
		fprintf(stderr,
			"container: %s not found; install it with: apt-get install runc (or set CADET_RUNC)\n",
			argv[0]);
	return err;
}

int runc_spawn_piped(const char *const *argv, pid_t *pid)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	err = runc_spawn(argv, p[1], -1, pid);
	close(p[1]);
	if (err) {
		close(p[0]);
		return err;
	}
	return p[0];
}

/* Exit status as a shell reports it: 0..255, 128 + signal. */
int runc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/*
 * Wait for our child @pid up to @timeout_ms (0: forever). On timeout the
 * child is killed and reaped, and -ETIMEDOUT returned.
 */
int runc_wait_child(pid_t pid, uint64_t timeout_ms, int *status)
{
	struct pollfd pfd = {.events = POLLIN};
	int r;

	if (timeout_ms) {
		pfd.fd = pidfd_open(pid, 0);
		if (pfd.fd >= 0) {
			do {
				r = poll(&pfd, 1, (int)timeout_ms);
			} while (r < 0 && errno == EINTR);
			close(pfd.fd);
			if (r == 0) {
				kill(pid, SIGKILL);
				while (waitpid(pid, status, 0) < 0 &&
				       errno == EINTR)
					;
				return -ETIMEDOUT;
			}
		}
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Print the last lines of runc's log: its explanation of a failure. */
void runc_show_log(const struct container *c)
{
	char line[1024], last[5][1024];
	int n = 0, i;
	FILE *f;

	if (!c->runc_log[0])
		return;
	f = fopen(c->runc_log, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		memcpy(last[n++ % 5], line, sizeof(line));
	fclose(f);
	for (i = n > 5 ? n - 5 : 0; i < n; i++)
		fprintf(stderr, "  runc: %s", last[i % 5]);
}

/*
 * Run `runc --log LOG <args...>` and wait. stdout/stderr go to @out_fd
 * (-1: runc's log). Returns runc's exit code (0 = success) or -errno.
 */
int runc_run(struct container *c, const char *const *args, int out_fd,
	     uint64_t timeout_ms)
{
	const char *argv[64];
	int n = 0, log_fd = -1, status, err;
	pid_t pid;
	size_t i;

	argv[n++] = runc_bin();
	if (c->runc_log[0]) {
		argv[n++] = "--log";
		argv[n++] = c->runc_log;
		argv[n++] = "--log-format";
		argv[n++] = "text";
	}
	for (i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (c->verbose) {
		fprintf(stderr, "container:");
		for (i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	if (out_fd < 0 && c->runc_log[0]) {
		log_fd = open(c->runc_log,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		out_fd = log_fd;
	}
	err = runc_spawn(argv, out_fd, out_fd, &pid);
	if (log_fd >= 0)
		close(log_fd);
	if (err)
		return err;
	err = runc_wait_child(pid, timeout_ms, &status);
	if (err) {
		fprintf(stderr,
			"container: runc %s %s did not finish in %llu ms; killed\n",
			args[0], c->id, (unsigned long long)timeout_ms);
		return err;
	}
	return runc_exit_code(status);
}

/* `runc <args>` that must succeed: explains failures. 0 or -EIO. */
int runc_ok(struct container *c, const char *const *args)
{
	int r = runc_run(c, args, -1, RUNC_TIMEOUT_MS);

	if (r == 0)
		return 0;
	if (r > 0) {
		fprintf(stderr, "container: runc %s %s failed (exit %d)\n",
			args[0], c->id, r);
		runc_show_log(c);
		return -EIO;
	}
	return r;
}

/* The 22nd field of /proc/PID/stat: start time, tells a reused pid apart. */
unsigned long long runc_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (runc_read_small(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* after "comm)" come fields 3.. ; starttime is field 22 */
	for (i = 3; i <= 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

/* The process that created a bundle (its "owner" file) still runs. */
int runc_owner_alive(const char *bundle)
{
	char path[PATH_MAX + 8], buf[128];
	unsigned long long start;
	int pid;

	snprintf(path, sizeof(path), "%s/owner", bundle);
	if (runc_read_small(path, buf, sizeof(buf)) ||
	    sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	return runc_proc_start(pid) == start;
}

/* The image the default mkrootfs.sh package list names. */
int runc_default_rootfs(char *out, size_t sz)
{
	const char *const argv[] = {"injector/mkrootfs.sh", "--print-path",
				    NULL};
	const char *env = getenv("CADET_ROOTFS");
	int fd, status;
	ssize_t n;
	pid_t pid;

	if (env && *env) {
		snprintf(out, sz, "%s", env);
		return 0;
	}
	if (access(argv[0], X_OK)) {
		fprintf(stderr,
			"container: no root filesystem given and %s not found here; set opts.rootfs or CADET_ROOTFS, or run from the cadet checkout\n",
			argv[0]);
		return -ENOENT;
	}
	fd = runc_spawn_piped(argv, &pid);
	if (fd < 0)
		return fd;
	n = read(fd, out, sz - 1);
	close(fd);
	runc_wait_child(pid, 0, &status);
	if (n <= 0 || runc_exit_code(status))
		return -EIO;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}
