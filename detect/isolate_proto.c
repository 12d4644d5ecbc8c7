// SPDX-License-Identifier: MIT
/*
 * Plugin isolation: the message codec both sides of the socket speak
 * (isolate_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/isolate_int.h"

const char *const iso_stage_names[ISO_NSTAGES] = {
	[ISO_IDLE] = "between callbacks",
	[ISO_INIT] = "init",
	[ISO_BEGIN] = "on_trace_begin",
	[ISO_CONTAINER] = "on_container",
	[ISO_EVENT] = "on_event",
	[ISO_TICK] = "on_tick",
	[ISO_END] = "on_trace_end",
	[ISO_TRAIN_END] = "train_end",
	[ISO_FINI] = "fini",
	[ISO_SAVE] = "save_model",
	[ISO_LOAD] = "load_model",
	[ISO_DLOPEN] = "dlopen (the plugin's constructors)",
	[ISO_ENTRY] = "its entry function " CADET_DETECTOR_ENTRY_SYM "()",
};

/* malloc() gives 16-byte alignment: messages at offsets % 8 == 0 stay
 * aligned for the records in them. */
int iso_buf_reserve(struct iso_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends a message of @type with payload parts @a (@alen) and @b (@blen). */
int iso_msg_put(struct iso_buf *w, uint32_t type, const void *a, size_t alen,
		const void *b, size_t blen)
{
	struct iso_hdr h = {.type = type, .len = alen + blen};
	size_t tot = sizeof(h) + PAD8(alen + blen);

	if (alen + blen > ISO_MAX_MSG)
		return -EMSGSIZE;
	if (iso_buf_reserve(w, tot))
		return -ENOMEM;
	memcpy(w->p + w->len, &h, sizeof(h));
	if (alen)
		memcpy(w->p + w->len + sizeof(h), a, alen);
	if (blen)
		memcpy(w->p + w->len + sizeof(h) + alen, b, blen);
	memset(w->p + w->len + sizeof(h) + alen + blen, 0,
	       tot - sizeof(h) - alen - blen);
	w->len += tot;
	return 0;
}

/* The next complete message in @r from *@off, or NULL. */
const struct iso_hdr *iso_msg_next(const struct iso_buf *r, size_t *off)
{
	const struct iso_hdr *h;
	size_t tot;

	if (r->len - *off < sizeof(*h))
		return NULL;
	h = (const void *)(r->p + *off);
	tot = sizeof(*h) + PAD8(h->len);
	if (r->len - *off < tot)
		return NULL;
	*off += tot;
	return h;
}

/* Drops the first @off bytes of @r (a multiple of 8: alignment holds). */
void iso_buf_consume(struct iso_buf *r, size_t off)
{
	memmove(r->p, r->p + off, r->len - off);
	r->len -= off;
}

const char *iso_take_str(const char **p, const char *end)
{
	const char *s = *p, *nul = memchr(s, 0, end - s);

	if (!nul)
		return NULL;
	*p = nul + 1;
	return s;
}
