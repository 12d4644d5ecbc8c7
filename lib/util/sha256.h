/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of a file, as results name the traces they were computed from:
 * 64 lower-case hex digits.
 */
#ifndef CADET_LIB_UTIL_SHA256_H
#define CADET_LIB_UTIL_SHA256_H

#include <stddef.h>

/*
 * util_sha256_file() - hash the content of @path into @hex (64 digits and
 * a NUL). Returns 0, or -errno with @why saying what failed and where
 * ("PATH: No such file or directory", "PATH: read error").
 */
int util_sha256_file(const char *path, char hex[65], char *why, size_t whylen);

#endif /* CADET_LIB_UTIL_SHA256_H */
