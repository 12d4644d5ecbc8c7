/* SPDX-License-Identifier: MIT */
/*
 * Images and leftovers of the Docker launcher (injector/docker_images.c).
 */
#ifndef CADET_INJECTOR_DOCKER_IMAGES_H
#define CADET_INJECTOR_DOCKER_IMAGES_H

#include <stddef.h>

/*
 * docker_image_get() - the image of @rootfs for this process: imported
 * (`tar -C ROOTFS -c . | docker import`, label cadet.owner=PID) by the
 * first caller, shared by the next ones. Its tag into @tag. 0 or -errno.
 */
int docker_image_get(const char *rootfs, char *tag, size_t tag_sz,
		     int verbose);
/* One user less; the last one removes the image. */
void docker_image_put(const char *tag, int verbose);
/*
 * Remove containers and images labeled cadet.owner with a process that is
 * gone (or is no cadet), and their state dirs. Once per process.
 */
void docker_cleanup_stale(int verbose);
/* Remove the directory @dir and what it holds. */
void docker_state_dir_remove(const char *dir);

#endif
