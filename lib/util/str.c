// SPDX-License-Identifier: MIT
#include <string.h>

#include "lib/util/str.h"

void util_copy_n(char *dst, size_t dst_sz, const char *src, size_t n)
{
	if (!dst_sz)
		return;
	if (n >= dst_sz)
		n = dst_sz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void util_copy_str(char *dst, size_t dst_sz, const char *src)
{
	util_copy_n(dst, dst_sz, src, strlen(src));
}
