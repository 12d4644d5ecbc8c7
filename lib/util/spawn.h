/* SPDX-License-Identifier: MIT */
/*
 * Starting a helper program (runc, docker, mkrootfs.sh) with its standard
 * streams chosen: the one posix_spawnp() set-up of the tree. Waiting,
 * timeouts and messages stay with the caller, which knows what the
 * program is for.
 *
 * HowTo:
 *   const char *const argv[] = {"runc", "list", NULL};
 *   pid_t pid;
 *   int err = util_spawn(argv, UTIL_SPAWN_NULL, out_fd, UTIL_SPAWN_INHERIT,
 *                        &pid);
 *   if (err) ... -errno, nothing started
 *   waitpid(pid, &status, 0);
 */
#ifndef CADET_LIB_UTIL_SPAWN_H
#define CADET_LIB_UTIL_SPAWN_H

#include <sys/types.h>

/* A stream of the child opened on /dev/null. */
#define UTIL_SPAWN_NULL (-1)
/* A stream the child shares with the caller. */
#define UTIL_SPAWN_INHERIT (-2)

/*
 * util_spawn() - start @argv[0], looked up in PATH, with @argv (NULL-
 * terminated) and the caller's environment. @in_fd, @out_fd and @err_fd
 * become the child's fds 0, 1 and 2: an fd (the caller keeps its own copy
 * and closes it), UTIL_SPAWN_NULL or UTIL_SPAWN_INHERIT. Signal mask,
 * process group and other fds are the caller's (mark private fds
 * O_CLOEXEC). Returns 0 with *@pid set, or -errno (-ENOENT: no such
 * program) with no child started.
 */
int util_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd,
	       pid_t *pid);

#endif /* CADET_LIB_UTIL_SPAWN_H */
