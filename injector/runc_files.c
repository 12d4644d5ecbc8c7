// SPDX-License-Identifier: MIT
/*
 * A container's files on the host: small files of its bundle, the
 * overlay root (lower = the cached image, read-only; upper and work in
 * the bundle) and removing it all without leaving the bundle's file
 * system.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "injector/runc_int.h"

int runc_write_file(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int runc_read_small(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	if (type == FTW_DP || type == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/*
 * Remove a directory tree without leaving its file system: a still
 * mounted overlay (or anything else) below it is never descended into.
 */
int runc_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (!lstat(path, &st)) {
		fprintf(stderr, "container: could not remove %s completely\n",
			path);
		return -EBUSY;
	}
	return 0;
}

int runc_mount_overlay(struct container *c)
{
	char opts[3 * PATH_MAX + 64], upper[PATH_MAX + 8], work[PATH_MAX + 8];

	snprintf(upper, sizeof(upper), "%s/upper", c->bundle);
	snprintf(work, sizeof(work), "%s/work", c->bundle);
	if (mkdir(upper, 0755) || mkdir(work, 0700) || mkdir(c->rootfs, 0755))
		return -errno;
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 c->lower, upper, work);
	if (mount("overlay", c->rootfs, "overlay", 0, opts)) {
		int err = -errno;

		fprintf(stderr,
			"container: cannot mount the overlay on %s (lower %s): %s\n",
			c->rootfs, c->lower, strerror(errno));
		return err;
	}
	c->mounted = 1;
	return 0;
}

int runc_unmount_rootfs(const char *rootfs)
{
	if (!umount2(rootfs, UMOUNT_NOFOLLOW))
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not mounted (any more) */
	/* still busy (a process with its cwd there): detach it now, the
	 * kernel finishes when the last user goes */
	if (!umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW))
		return 0;
	return -errno;
}
