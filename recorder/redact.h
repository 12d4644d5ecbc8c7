/* SPDX-License-Identifier: MIT */
/*
 * `--redact` for `cadet record` and `cadet run` (docs/trace-format.md,
 * section 9): argv beyond argv[0] and file paths outside an allow-list
 * are replaced by stable hashes before a record is written or handed to
 * live detectors.
 *
 * HowTo:
 *   const char *keep[] = { "/var/log", NULL };
 *   struct redact_opts o = { .sz = sizeof(o), .keep = keep,
 *                            .key_path = "dataset.key" };   or NULL
 *   char err[256];
 *   struct redact *rd = redact__new(&o, err, sizeof(err));
 *   if (!rd) -> errno; err says why
 *   rec = redact__record(rd, rec);    valid until the next call; NULL +
 *                                     errno for a malformed record
 *   redact__free(rd);
 *
 * A hash is REDACT_PREFIX followed by REDACT_HEX_LEN lowercase hex digits
 * of SHA-256 (no key) or HMAC-SHA-256 (with a key) of the original bytes:
 * the same value gives the same hash in every trace made with the same
 * key, so detectors that learn on paths and arguments still work.
 */
#ifndef CADET_RECORDER_REDACT_H
#define CADET_RECORDER_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "cadet/trace.h"

#define REDACT_PREFIX "~h:"
#define REDACT_HEX_LEN 16
/* Prefix, hex digits and the terminating NUL. */
#define REDACT_HASH_SZ (sizeof(REDACT_PREFIX) - 1 + REDACT_HEX_LEN + 1)
/* At most this many --redact-keep prefixes. */
#define REDACT_MAX_KEEP 64
/* A key file holds 16 to 4096 bytes. */
#define REDACT_KEY_MIN 16
#define REDACT_KEY_MAX 4096

/*
 * The path prefixes kept in clear by default, NULL-ended: system
 * locations whose names say what software runs, not whose data it is.
 */
extern const char *const redact_default_keep[];

struct redact_opts {
	size_t sz;
	/* Extra absolute path prefixes kept in clear, NULL-ended. */
	const char *const *keep;
	/* File holding a secret key: hashes become HMAC-SHA-256 under it. */
	const char *key_path;
};

struct redact;

/* NULL with errno set and a message in @err when an option is invalid. */
struct redact *redact__new(const struct redact_opts *opts, char *err,
			   size_t errlen);
void redact__free(struct redact *rd);

/* REDACT_PREFIX + hex of @len bytes at @data, NUL-terminated, in @out. */
void redact__hash(const struct redact *rd, const void *data, size_t len,
		  char out[REDACT_HASH_SZ]);

/*
 * Is the path kept in clear? Absolute, under a kept prefix at a
 * component boundary ("/usr" keeps "/usr/bin/x", not "/usrx"), and
 * without a ".." component that could leave the prefix.
 */
bool redact__path_kept(const struct redact *rd, const char *path,
		       size_t len);

/*
 * redact__record() - the record with its paths and arguments redacted:
 * exec (filename, argv), proc (exe, argv), open (path), file_op (path,
 * path2) and the paths of security mount, umount, chroot and pivot_root.
 * Other records are returned as they are. The copy lives in @rd until
 * the next call. NULL with errno EINVAL for a record too short for its
 * type, ENOMEM when out of memory.
 */
const struct cadet_rec *redact__record(struct redact *rd,
				       const struct cadet_rec *rec);

#endif
