/* SPDX-License-Identifier: MIT */
/* File system helpers shared by the commands that write output trees. */
#ifndef CADET_LIB_UTIL_FS_H
#define CADET_LIB_UTIL_FS_H

/*
 * mkdir -p @path (mode 0755): 0, -ENOENT for "", -ENAMETOOLONG when @path
 * does not fit PATH_MAX, or the -errno of the mkdir that failed.
 */
int util_mkdir_p(const char *path);

#endif /* CADET_LIB_UTIL_FS_H */
