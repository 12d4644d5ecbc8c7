// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util/cgroup.h"

/* The file handle type cgroupfs (kernfs) hands out. */
#define FILEID_KERNFS 0xfe

int util_cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t cgid;
	} h;
	struct stat st;
	int mount_id;

	/* What bpf_get_current_cgroup_id() returns is the kernfs node id,
	 * which cgroupfs also hands out as its file handle. */
	h.fh.handle_bytes = sizeof(h.cgid);
	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) &&
	    h.fh.handle_type == FILEID_KERNFS && h.fh.handle_bytes == 8) {
		memcpy(id, h.fh.f_handle, sizeof(*id));
		return 0;
	}
	/* Not cgroupfs (a test tree) or no handles: the inode number, which
	 * equals the id on 64-bit kernels. */
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}
