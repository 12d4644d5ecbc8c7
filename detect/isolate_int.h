/* SPDX-License-Identifier: MIT */
/*
 * Plugin isolation internals (isolate.h) shared by its three parts: the
 * message codec both sides speak (isolate_proto.c), the child that runs
 * the plugin (isolate_child.c) and the host-side proxies (isolate.c).
 *
 * Each message is a {u32 type, u32 len} header and len payload bytes
 * padded to 8, so that records in a buffer stay aligned.
 */
#ifndef CADET_DETECT_ISOLATE_INT_H
#define CADET_DETECT_ISOLATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cadet/detector.h"

#define ISO_FLUSH_BYTES (256u << 10)
#define ISO_MAX_MSG (64u << 20)
#define PAD8(n) (((n) + 7u) & ~(size_t)7u)

/* Host to child; the values double as the child's stage (what it runs). */
enum iso_op {
	ISO_IDLE = 0, /* stage only: waiting for input */
	ISO_INIT,
	ISO_BEGIN,
	ISO_CONTAINER,
	ISO_EVENT,
	ISO_TICK,
	ISO_END,
	ISO_TRAIN_END,
	ISO_FINI,
	ISO_SAVE,
	ISO_LOAD,
	ISO_DLOPEN, /* stage only: dlopen(), the plugin's constructors */
	ISO_ENTRY, /* stage only: its entry function */
	ISO_NSTAGES,
};

/* Child to host. */
enum iso_reply {
	ISO_R_META = 64, /* loaded: struct iso_meta, then 3 strings */
	ISO_R_REFUSED, /* i32 -errno, message: plugin_load()'s refusal */
	ISO_R_SCORE, /* u64 cgroup_id, win_start, win_end; double value */
	ISO_R_ALERT, /* u64 ts, cgroup_id; u32 severity, pad; reason */
	ISO_R_LOG, /* message */
	ISO_R_DONE, /* u32 op, i32 return: the answer to a waited-for op */
	ISO_R_FAIL, /* u32 op, i32 return: a batched callback failed */
};

struct iso_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes, without the padding to 8 */
};

/* Which callbacks the plugin has, in struct iso_meta.has. */
enum {
	HAS_BEGIN = 1 << 0,
	HAS_CONTAINER = 1 << 1,
	HAS_EVENT = 1 << 2,
	HAS_TICK = 1 << 3,
	HAS_END = 1 << 4,
	HAS_TRAIN_END = 1 << 5,
	HAS_FINI = 1 << 6,
	HAS_SAVE = 1 << 7,
	HAS_LOAD = 1 << 8,
};

struct iso_meta {
	uint64_t tick_ns;
	uint64_t flags;
	uint32_t abi_minor;
	uint32_t has;
	/* then name, description, params_help: NUL-ended, "" for NULL */
};

/* What the child is doing, for the host's message when it dies. */
struct iso_shared {
	volatile uint32_t stage;
	volatile uint64_t ts;
};

struct iso_buf {
	char *p;
	size_t len;
	size_t cap;
};

/* What each stage (enum iso_op) is called in messages. */
extern const char *const iso_stage_names[ISO_NSTAGES];

/* Room for @more bytes after the content. 0 or -ENOMEM. */
int iso_buf_reserve(struct iso_buf *b, size_t more);
/* Appends a message of @type with payload parts @a (@alen) and @b (@blen). */
int iso_msg_put(struct iso_buf *w, uint32_t type, const void *a, size_t alen,
		const void *b, size_t blen);
/* The next complete message in @r from *@off, or NULL. */
const struct iso_hdr *iso_msg_next(const struct iso_buf *r, size_t *off);
/* Drops the first @off bytes of @r (a multiple of 8: alignment holds). */
void iso_buf_consume(struct iso_buf *r, size_t off);
/*
 * The NUL-ended string at *@p before @end; moves *@p past it. NULL when
 * no NUL comes before @end.
 */
const char *iso_take_str(const char **p, const char *end);

/*
 * In the fresh child: keep only socket @fd (as fd 3), die with @host,
 * default signal handling.
 */
void iso_child_setup(int fd, pid_t host);
/* Loads the plugin at @path, reports its ops on @fd, serves; never returns. */
void iso_child_run(int fd, const char *path, struct iso_shared *sh)
	__attribute__((noreturn));

#endif /* CADET_DETECT_ISOLATE_INT_H */
