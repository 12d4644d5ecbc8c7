// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "lib/util/args.h"

char *util_join_args(const char *argv0, int argc, char *const *argv)
{
	size_t len = 1 + (argv0 ? strlen(argv0) : 0);
	int first = argv0 ? 1 : 0;
	char *s, *p;

	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = argv0 ? stpcpy(s, argv0) : s;
	*p = '\0';
	for (int i = first; i < argc; i++) {
		if (i)
			*p++ = ' ';
		p = stpcpy(p, argv[i]);
	}
	return s;
}
