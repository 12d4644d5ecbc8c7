// SPDX-License-Identifier: MIT
/*
 * What `cadet run` finds on the host (injector/host.h). Images are built
 * by injector/mkrootfs.sh, run as a child that a stop request ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "injector/cleanup.h"
#include "injector/host.h"

extern char **environ;

char *host_exe_dir(char *buf, size_t sz)
{
	ssize_t n = readlink("/proc/self/exe", buf, sz - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return buf;
}

bool host_is_file(const char *path, bool exec)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) &&
	       (!exec || access(path, X_OK) == 0);
}

bool host_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool host_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (host_is_file(buf, true))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

const char *host_payload_dir(const char *given, char *buf, size_t sz)
{
	char exe[PATH_MAX];

	/* runc resolves bind mount sources in the bundle: make it absolute. */
	if (given)
		return realpath(given, buf) ? buf : given;
	if (host_exe_dir(exe, sizeof(exe))) {
		if (snprintf(buf, sz, "%s/payloads", exe) < (int)sz &&
		    host_is_dir(buf))
			return buf;
	}
	return realpath("build/payloads", buf) ? buf : "build/payloads";
}

static const char *find_mkrootfs(char *buf, size_t sz)
{
	char exe[PATH_MAX];

	if (host_exe_dir(exe, sizeof(exe))) {
		if (snprintf(buf, sz, "%s/../injector/mkrootfs.sh", exe) <
			    (int)sz &&
		    host_is_file(buf, false))
			return buf;
	}
	snprintf(buf, sz, "injector/mkrootfs.sh");
	return host_is_file(buf, false) ? buf : NULL;
}

/*
 * Run argv, capture its stdout (stderr passes through), and give up when
 * a stop is requested. Returns the exit status, or -errno.
 */
static int spawn_capture(char *const argv[], char *out, size_t out_sz)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pfd[2], status = 0, err;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	/* Own process group: our stop handling decides when it dies. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return -err;
	}
	cleanup_register_pgid(pid);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char tmp[4096];
		ssize_t n;

		if (cleanup_stop_requested()) {
			kill(-pid, SIGTERM);
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(pfd[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (out && len + (size_t)n < out_sz) {
			memcpy(out + len, tmp, (size_t)n);
			len += (size_t)n;
		}
	}
	close(pfd[0]);
	if (out && out_sz)
		out[len < out_sz ? len : out_sz - 1] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	cleanup_unregister_pgid(pid);
	if (cleanup_stop_requested())
		return -EINTR;
	if (status < 0)
		return -ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Last non-empty line of @s, trimmed, in place. */
static char *last_line(char *s)
{
	char *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(s, '\n');
	return start ? start + 1 : s;
}

/*
 * The image for a package list: mkrootfs.sh builds it once and prints
 * its path. With @print_only, only where it would be.
 */
int host_rootfs_for(const char *packages, bool print_only, char *path,
		    size_t sz)
{
	char script[PATH_MAX], out[8192], pkgs[1024];
	char *argv[64];
	int argc = 0, ret;
	char *save, *tok;

	if (!find_mkrootfs(script, sizeof(script))) {
		fprintf(stderr,
			"cadet run: injector/mkrootfs.sh not found; run from the cadet checkout or pass --rootfs DIR\n");
		return -ENOENT;
	}
	argv[argc++] = "/bin/bash";
	argv[argc++] = script;
	if (print_only)
		argv[argc++] = "--print-path";
	snprintf(pkgs, sizeof(pkgs), "%s", packages ? packages : "");
	for (tok = strtok_r(pkgs, " ", &save); tok && argc < 62;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	ret = spawn_capture(argv, out, sizeof(out));
	if (ret < 0)
		return ret;
	if (ret != 0) {
		fprintf(stderr,
			"cadet run: building the container image failed (mkrootfs.sh exit %d)%s%s\n",
			ret, packages ? " for packages: " : "",
			packages ? packages : "");
		return -EIO;
	}
	snprintf(path, sz, "%s", last_line(out));
	if (!*path) {
		fprintf(stderr, "cadet run: mkrootfs.sh printed no path\n");
		return -EIO;
	}
	return 0;
}
