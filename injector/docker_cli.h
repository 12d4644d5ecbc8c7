/* SPDX-License-Identifier: MIT */
/*
 * The docker CLI as the Docker launcher runs it (injector/docker_cli.c).
 * argv[0] is looked up in PATH; the daemon is the CLI's ($DOCKER_HOST).
 */
#ifndef CADET_INJECTOR_DOCKER_CLI_H
#define CADET_INJECTOR_DOCKER_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A bound for any one docker command (an import of a large rootfs). */
#define DOCKER_TIMEOUT_MS 120000

uint64_t docker_cli_now_ms(void);
/* Start @argv with stdin @in_fd (-1: /dev/null), stdout @out_fd and
 * stderr @err_fd (-1: ours). 0 or -errno. */
int docker_cli_spawn(const char *const *argv, int in_fd, int out_fd,
		     int err_fd, pid_t *pid);
/* Exit status of @pid (128 + signal); SIGKILL after @timeout_ms (0:
 * none). -errno when it cannot be waited for. */
int docker_cli_wait(pid_t pid, uint64_t timeout_ms);
/* "docker launcher: ARGV..." on stderr. */
void docker_cli_print(const char *const *argv);
/*
 * Run @argv to its end (at most DOCKER_TIMEOUT_MS): its stdout into @out
 * (NUL-ended, cut to @out_sz; NULL: dropped), its stderr shown when it
 * fails. Returns the exit status or -errno.
 */
int docker_cli_run(const char *const *argv, char *out, size_t out_sz,
		   int verbose);

#endif
