/* SPDX-License-Identifier: MIT */
/*
 * What `cadet run` finds on the host: programs in PATH, the payload
 * binaries, and container images, which injector/mkrootfs.sh builds
 * once per package list.
 */
#ifndef CADET_INJECTOR_HOST_H
#define CADET_INJECTOR_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Directory of the running binary, in @buf; NULL if unknown. */
char *host_exe_dir(char *buf, size_t sz);
/* A regular file (and executable, with @exec). */
bool host_is_file(const char *path, bool exec);
bool host_is_dir(const char *path);
/* @prog is an executable in $PATH (or the default path). */
bool host_in_path(const char *prog);
/*
 * Where the payload binaries are: @given (--payloads), else payloads/
 * beside the binary, else build/payloads; absolute where it exists,
 * because runc resolves bind mount sources in the bundle.
 */
const char *host_payload_dir(const char *given, char *buf, size_t sz);
/*
 * The image for a package list (NULL: the default one): mkrootfs.sh
 * builds it once and prints its path into @path. With @print_only, only
 * where it would be. 0 or -errno (message printed).
 */
int host_rootfs_for(const char *packages, bool print_only, char *path,
		    size_t sz);

#endif /* CADET_INJECTOR_HOST_H */
