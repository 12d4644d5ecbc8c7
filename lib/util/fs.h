/* SPDX-License-Identifier: MIT */
/* File system helpers shared by the commands that write output trees. */
#ifndef CADET_LIB_UTIL_FS_H
#define CADET_LIB_UTIL_FS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * mkdir -p @path (mode 0755): 0, -ENOENT for "", -ENAMETOOLONG when @path
 * does not fit PATH_MAX, or the -errno of the mkdir that failed.
 */
int util_mkdir_p(const char *path);

/*
 * Files that hold recorded data (traces, pcaps, results, alerts, models)
 * carry command lines, paths and packets: they are created 0600, or 0640
 * after util_set_group_readable(true) (--group-readable). The mode is
 * set with fchmod() after open(), so neither a permissive umask nor the
 * mode of a file being overwritten widens it.
 */
#define UTIL_DATA_MODE 0600
#define UTIL_DATA_MODE_GROUP 0640

void util_set_group_readable(bool on);
/* UTIL_DATA_MODE or UTIL_DATA_MODE_GROUP, as set above. */
mode_t util_data_mode(void);
/*
 * fchmod(@fd, @mode) when @fd is a regular file (never /dev/null or a
 * pipe given as output): 0 or -errno.
 */
int util_fchmod_regular(int fd, mode_t mode);
/*
 * open(@path, O_WRONLY | O_CREAT | O_CLOEXEC | @flags) with
 * util_data_mode(): the fd, or -errno.
 */
int util_create_data(const char *path, int flags);
/* The same as a stdio stream ("w" truncates, "a" appends); NULL + errno. */
FILE *util_fopen_data(const char *path, const char *how);

#endif /* CADET_LIB_UTIL_FS_H */
