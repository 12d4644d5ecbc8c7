// SPDX-License-Identifier: MIT
/* Starting a helper program with chosen standard streams (spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>

#include "lib/util/spawn.h"

extern char **environ;

static int set_stream(posix_spawn_file_actions_t *fa, int child_fd, int fd,
		      int oflag)
{
	if (fd == UTIL_SPAWN_INHERIT)
		return 0;
	if (fd == UTIL_SPAWN_NULL)
		return posix_spawn_file_actions_addopen(fa, child_fd,
							"/dev/null", oflag, 0);
	if (fd < 0)
		return EBADF;
	return posix_spawn_file_actions_adddup2(fa, fd, child_fd);
}

int util_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd,
	       pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int err;

	if (!argv || !argv[0] || !pid)
		return -EINVAL;
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	err = set_stream(&fa, 0, in_fd, O_RDONLY);
	if (!err)
		err = set_stream(&fa, 1, out_fd, O_WRONLY);
	if (!err)
		err = set_stream(&fa, 2, err_fd, O_WRONLY);
	/* posix_spawnp() takes char *const[]; it does not write to them. */
	if (!err)
		err = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv,
				   environ);
	posix_spawn_file_actions_destroy(&fa);
	return -err;
}
