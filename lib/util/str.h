/* SPDX-License-Identifier: MIT */
/* Bounded string copies into fixed-size fields. */
#ifndef CADET_LIB_UTIL_STR_H
#define CADET_LIB_UTIL_STR_H

#include <stddef.h>

/* Copy @n bytes of @src, truncated to fit, always NUL-terminated. */
void util_copy_n(char *dst, size_t dst_sz, const char *src, size_t n);
/* The same for a NUL-terminated @src. */
void util_copy_str(char *dst, size_t dst_sz, const char *src);

#endif /* CADET_LIB_UTIL_STR_H */
