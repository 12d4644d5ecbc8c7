// SPDX-License-Identifier: MIT
/*
 * Record builder: a fixed part followed by a tail that vstr fields point
 * into, padded to a multiple of 8 bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace/trace_int.h"
#include "lib/util/vec.h"

struct cadet_recbuf {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes in use, a multiple of 8 */
	size_t fixed; /* fixed part of the current record */
};

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int recbuf_grow(struct cadet_recbuf *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	if (need > TRACE_MAX_DSIZE)
		return -E2BIG;
	return vec_reserve(&b->buf, &b->cap, need < 256 ? 256 : need, 1);
}

struct cadet_recbuf *cadet_recbuf__new(void)
{
	struct cadet_recbuf *b = calloc(1, sizeof(*b));

	if (!b)
		errno = ENOMEM;
	return b;
}

void cadet_recbuf__free(struct cadet_recbuf *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

void *cadet_recbuf__start(struct cadet_recbuf *b, unsigned int type,
			  size_t fixed_size)
{
	struct cadet_rec *rec;
	size_t len = round8(fixed_size);
	int err;

	if (!b || fixed_size < sizeof(*rec) || type > UINT16_MAX) {
		errno = EINVAL;
		return NULL;
	}
	err = recbuf_grow(b, len);
	if (err) {
		errno = -err;
		return NULL;
	}
	memset(b->buf, 0, len);
	b->len = len;
	b->fixed = fixed_size;
	rec = (struct cadet_rec *)b->buf;
	rec->size = len;
	rec->type = type;
	return rec;
}

int cadet_recbuf__put_str(struct cadet_recbuf *b, size_t field_off,
			  const void *data, size_t len)
{
	struct cadet_vstr *v;
	size_t need;
	int err;

	if (!b || !b->len || field_off < sizeof(struct cadet_rec) ||
	    field_off + sizeof(*v) > b->fixed || (len && !data))
		return -EINVAL;
	if (len > TRACE_MAX_DSIZE)
		return -E2BIG;
	need = b->len + round8(len + 1);
	err = recbuf_grow(b, need);
	if (err)
		return err;
	if (len)
		memcpy(b->buf + b->len, data, len);
	memset(b->buf + b->len + len, 0, need - b->len - len);
	v = (struct cadet_vstr *)(b->buf + field_off);
	v->off = b->len;
	v->len = len;
	b->len = need;
	((struct cadet_rec *)b->buf)->size = need;
	return 0;
}

struct cadet_rec *cadet_recbuf__rec(struct cadet_recbuf *b)
{
	return b && b->len ? (struct cadet_rec *)b->buf : NULL;
}
