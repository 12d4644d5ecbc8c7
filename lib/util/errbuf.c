// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "lib/util/errbuf.h"

int util_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}
