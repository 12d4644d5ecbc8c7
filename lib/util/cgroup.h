/* SPDX-License-Identifier: MIT */
/* Cgroup v2 directories as the kernel's BPF helpers name them. */
#ifndef CADET_LIB_UTIL_CGROUP_H
#define CADET_LIB_UTIL_CGROUP_H

#include <stdint.h>

/*
 * util_cgroup_id() - the id bpf_get_current_cgroup_id() reports for
 * tasks in the cgroup directory @path: its kernfs file handle (as
 * bpftool reads it), else its inode number. 0 or -errno.
 */
int util_cgroup_id(const char *path, uint64_t *id);

#endif /* CADET_LIB_UTIL_CGROUP_H */
