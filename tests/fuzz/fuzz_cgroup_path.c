// SPDX-License-Identifier: MIT
/*
 * Fuzz the container discovery parsers: the first byte picks the cgroup
 * path parser (even) or the runc state.json parser (odd); the rest is
 * the input. Both must return 0 or -errno, never read out of bounds, and
 * always leave NUL-terminated strings behind.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/discovery.h"

static void check_strings(const struct container_info *ci)
{
	if (!memchr(ci->id, 0, sizeof(ci->id)) ||
	    !memchr(ci->name, 0, sizeof(ci->name)) ||
	    !memchr(ci->image, 0, sizeof(ci->image)) ||
	    !memchr(ci->cgroup_path, 0, sizeof(ci->cgroup_path)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_info ci;
	char *s;
	int err;

	if (!size)
		return 0;
	if (data[0] & 1) {
		err = container_parse_runc_state((const char *)data + 1,
						 size - 1, NULL, &ci);
		if (err && err != -EINVAL)
			abort();
		if (!err && (ci.runtime != CADET_RT_RUNC || !ci.id[0] ||
			     ci.cgroup_path[0] != '/'))
			abort();
		check_strings(&ci);
		return 0;
	}
	/* the path parser takes a C string */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	err = container_parse_cgroup_path(s, &ci);
	if (err && err != -ENOENT)
		abort();
	if (!err &&
	    (!ci.id[0] || !ci.name[0] || strlen(ci.name) > strlen(ci.id)))
		abort();
	check_strings(&ci);
	free(s);
	return 0;
}
