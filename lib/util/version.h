/* SPDX-License-Identifier: MIT */
/*
 * The version of this build, as `git describe --always --dirty` gave it
 * when the binary was linked ("7f8277c", "7f8277c-dirty"), or "0.1"
 * outside a git checkout. It is defined in a generated object of its own
 * (build/version.c), so that a new commit relinks the binary instead of
 * recompiling every object.
 */
#ifndef CADET_UTIL_VERSION_H
#define CADET_UTIL_VERSION_H

extern const char cadet_version[];

#define CADET_VERSION cadet_version

#endif /* CADET_UTIL_VERSION_H */
