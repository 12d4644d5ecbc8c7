/* SPDX-License-Identifier: MIT */
/*
 * Error messages into a caller's buffer: the loaders and parsers that
 * return -errno also say what was wrong in "char *err, size_t errlen".
 */
#ifndef CADET_LIB_UTIL_ERRBUF_H
#define CADET_LIB_UTIL_ERRBUF_H

#include <stddef.h>

/* Formats into @err (of @errlen bytes, may be 0) and returns @ret. */
int util_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* CADET_LIB_UTIL_ERRBUF_H */
