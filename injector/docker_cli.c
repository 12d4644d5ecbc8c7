// SPDX-License-Identifier: MIT
/*
 * Running the docker CLI for the Docker launcher: spawn with chosen
 * descriptors, wait with a bound, capture stdout and show stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "injector/docker_cli.h"
#include "lib/util/spawn.h"

uint64_t docker_cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int docker_cli_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd,
		     pid_t *pid)
{
	int err = util_spawn(argv, in_fd >= 0 ? in_fd : UTIL_SPAWN_NULL,
			     out_fd >= 0 ? out_fd : UTIL_SPAWN_INHERIT,
			     err_fd >= 0 ? err_fd : UTIL_SPAWN_INHERIT, pid);

	if (err)
		fprintf(stderr, "docker launcher: cannot run %s: %s\n", argv[0],
			strerror(-err));
	return err;
}

/* Exit status of @pid; SIGKILL after @timeout_ms (0: none). */
int docker_cli_wait(pid_t pid, uint64_t timeout_ms)
{
	int status, fd = timeout_ms ? pidfd_open(pid, 0) : -1;

	if (fd >= 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, (int)timeout_ms) == 0)
			kill(pid, SIGKILL);
		close(fd);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void docker_cli_print(const char *const *argv)
{
	fprintf(stderr, "docker launcher:");
	for (; *argv; argv++)
		fprintf(stderr, " %s", *argv);
	fputc('\n', stderr);
}

/*
 * Run docker with @argv (argv[0] "docker"); its stdout into @out (NUL
 * ended, cut to @out_sz), its stderr shown on failure. Returns the exit
 * status, or -errno.
 */
int docker_cli_run(const char *const *argv, char *out, size_t out_sz,
		   int verbose)
{
	int po[2], pe[2], err;
	char errbuf[2048];
	size_t n = 0, ne = 0;
	pid_t pid;

	if (verbose)
		docker_cli_print(argv);
	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	err = docker_cli_spawn(argv, -1, po[1], pe[1], &pid);
	close(po[1]);
	close(pe[1]);
	if (!err) {
		struct pollfd p[2] = {{.fd = po[0], .events = POLLIN},
				      {.fd = pe[0], .events = POLLIN}};
		uint64_t until = docker_cli_now_ms() + DOCKER_TIMEOUT_MS;

		while ((p[0].fd >= 0 || p[1].fd >= 0) &&
		       docker_cli_now_ms() < until) {
			char tmp[4096];
			ssize_t r;

			if (poll(p, 2, 1000) < 0 && errno != EINTR)
				break;
			for (int i = 0; i < 2; i++) {
				if (p[i].fd < 0 || !p[i].revents)
					continue;
				r = read(p[i].fd, tmp, sizeof(tmp));
				if (r <= 0) {
					p[i].fd = -1;
					continue;
				}
				if (i == 0 && out && n + 1 < out_sz) {
					size_t k = (size_t)r < out_sz - 1 - n
							   ? (size_t)r
							   : out_sz - 1 - n;
					memcpy(out + n, tmp, k);
					n += k;
				} else if (i == 1 && ne + 1 < sizeof(errbuf)) {
					size_t k = (size_t)r < sizeof(errbuf) -
									   1 -
									   ne
							   ? (size_t)r
							   : sizeof(errbuf) -
								     1 - ne;
					memcpy(errbuf + ne, tmp, k);
					ne += k;
				}
			}
		}
		err = docker_cli_wait(pid, 1);
	}
	close(po[0]);
	close(pe[0]);
	if (out && out_sz)
		out[n] = '\0';
	errbuf[ne] = '\0';
	if (err > 0 && ne)
		fprintf(stderr, "docker launcher: %s %s: %s", argv[0], argv[1],
			errbuf);
	return err;
}
