// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/fs.h"

int util_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (!n)
		return -ENOENT;
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Set once while parsing options, read by whichever thread writes. */
static atomic_bool group_readable;

void util_set_group_readable(bool on)
{
	atomic_store(&group_readable, on);
}

mode_t util_data_mode(void)
{
	return atomic_load(&group_readable) ? UTIL_DATA_MODE_GROUP
					    : UTIL_DATA_MODE;
}

int util_fchmod_regular(int fd, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && (st.st_mode & 07777) != mode &&
	    fchmod(fd, mode))
		return -errno;
	return 0;
}

int util_create_data(const char *path, int flags)
{
	mode_t mode = util_data_mode();
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
	if (fd < 0)
		return -errno;
	err = util_fchmod_regular(fd, mode);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

FILE *util_fopen_data(const char *path, const char *how)
{
	int fd = util_create_data(path, how[0] == 'a' ? O_APPEND : O_TRUNC);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, how);
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}
