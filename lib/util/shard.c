// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/shard.h"

/* A decimal number without sign or spaces; -EINVAL otherwise. */
static int parse_count(const char *s, size_t len, unsigned int *out)
{
	unsigned long v = 0;

	if (!len || len > 6)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (unsigned int)v;
	return 0;
}

int shard_parse(const char *s, struct shard *out)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	struct shard sh;

	if (!slash || parse_count(s, slash - s, &sh.index) ||
	    parse_count(slash + 1, strlen(slash + 1), &sh.count))
		return -EINVAL;
	if (sh.count < 1 || sh.count > SHARD_MAX || sh.index < 1 ||
	    sh.index > sh.count)
		return -EINVAL;
	*out = sh;
	return 0;
}

bool shard_owns(const struct shard *sh, size_t k)
{
	if (sh->count <= 1)
		return true;
	return k % sh->count == sh->index - 1;
}

bool shard_is_split(const struct shard *sh)
{
	return sh->count > 1;
}

struct ranked {
	const char *name;
	size_t pos;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int shard_select_sorted(const struct shard *sh, const char *const *names,
			size_t n, bool *mine)
{
	struct ranked *r;

	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++)
		r[j] = (struct ranked){.name = names[j], .pos = j};
	qsort(r, n, sizeof(*r), ranked_cmp);
	for (size_t k = 0; k < n; k++)
		mine[r[k].pos] = shard_owns(sh, k);
	free(r);
	return 0;
}
