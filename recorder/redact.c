// SPDX-License-Identifier: MIT
/*
 * Redaction of paths and arguments in records (recorder/redact.h).
 *
 * Records are rebuilt rather than edited in place: a hash is not as long
 * as the value it replaces, so the record's tail is laid out anew. The
 * fixed part is copied as it is; only the vstr fields listed in
 * redacted[] are written again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "recorder/redact.h"

const char *const redact_default_keep[] = {
	"/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/proc", "/sys", "/dev", NULL,
};

enum vkind {
	V_PATH, /* a path: kept or hashed whole */
	V_ARGV, /* a vlist: argv[0] as a command name, the rest hashed */
	V_SEC, /* security str: a path for the ops in sec_path_ops */
};

static const struct {
	unsigned int type;
	size_t fixed;
	size_t off;
	enum vkind kind;
} redacted[] = {
	{CADET_REC_EXEC, sizeof(struct cadet_rec_exec),
	 offsetof(struct cadet_rec_exec, filename), V_PATH},
	{CADET_REC_EXEC, sizeof(struct cadet_rec_exec),
	 offsetof(struct cadet_rec_exec, argv), V_ARGV},
	{CADET_REC_PROC, sizeof(struct cadet_rec_proc),
	 offsetof(struct cadet_rec_proc, exe), V_PATH},
	{CADET_REC_PROC, sizeof(struct cadet_rec_proc),
	 offsetof(struct cadet_rec_proc, argv), V_ARGV},
	{CADET_REC_OPEN, sizeof(struct cadet_rec_open),
	 offsetof(struct cadet_rec_open, path), V_PATH},
	{CADET_REC_FILE_OP, sizeof(struct cadet_rec_file_op),
	 offsetof(struct cadet_rec_file_op, path), V_PATH},
	{CADET_REC_FILE_OP, sizeof(struct cadet_rec_file_op),
	 offsetof(struct cadet_rec_file_op, path2), V_PATH},
	{CADET_REC_SECURITY, sizeof(struct cadet_rec_security),
	 offsetof(struct cadet_rec_security, str), V_SEC},
};

/* Security ops whose str is a path (memfd_create's is a chosen name). */
static const char *const sec_path_ops[] = {"mount", "umount", "chroot",
					   "pivot_root"};

struct redact {
	char **keep; /* prefixes without a trailing '/' */
	size_t nkeep;
	unsigned char key[REDACT_KEY_MAX];
	size_t key_len; /* 0: plain SHA-256 */
	struct cadet_recbuf *b;
	char *tmp; /* argv being rebuilt */
	size_t tmp_cap;
};

static int add_keep(struct redact *rd, const char *p, char *err, size_t errlen)
{
	size_t n = strlen(p);
	char **k;

	if (p[0] != '/') {
		snprintf(err, errlen,
			 "--redact-keep '%s': give an absolute path prefix such as /var/log",
			 p);
		return -EINVAL;
	}
	/* "/var/log/" and "/var/log" mean the same; "/" keeps every path. */
	while (n > 0 && p[n - 1] == '/')
		n--;
	k = realloc(rd->keep, (rd->nkeep + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	rd->keep = k;
	rd->keep[rd->nkeep] = strndup(p, n);
	if (!rd->keep[rd->nkeep])
		return -ENOMEM;
	rd->nkeep++;
	return 0;
}

static int read_key(struct redact *rd, const char *path, char *err,
		    size_t errlen)
{
	ssize_t n;
	size_t len = 0;
	char extra;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "--redact-key %s: %s", path,
			 strerror(errno));
		return ret;
	}
	while (len < sizeof(rd->key) &&
	       (n = read(fd, rd->key + len, sizeof(rd->key) - len)) > 0)
		len += (size_t)n;
	if (len == sizeof(rd->key) && read(fd, &extra, 1) > 0) {
		snprintf(err, errlen,
			 "--redact-key %s: longer than %d bytes; a key of 32 random bytes is enough (head -c 32 /dev/urandom > FILE)",
			 path, REDACT_KEY_MAX);
		ret = -EINVAL;
	} else if (len < REDACT_KEY_MIN) {
		snprintf(err, errlen,
			 "--redact-key %s: %zu bytes, at least %d needed; make one with head -c 32 /dev/urandom > FILE",
			 path, len, REDACT_KEY_MIN);
		ret = -EINVAL;
	}
	close(fd);
	rd->key_len = ret ? 0 : len;
	return ret;
}

struct redact *redact__new(const struct redact_opts *opts, char *err,
			   size_t errlen)
{
	struct redact_opts o = {0};
	struct redact *rd;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return NULL;
	for (size_t i = 0; !ret && redact_default_keep[i]; i++)
		ret = add_keep(rd, redact_default_keep[i], err, errlen);
	for (size_t i = 0; !ret && o.keep && o.keep[i]; i++) {
		if (i == REDACT_MAX_KEEP) {
			snprintf(err, errlen,
				 "at most %d --redact-keep prefixes",
				 REDACT_MAX_KEEP);
			ret = -E2BIG;
			break;
		}
		ret = add_keep(rd, o.keep[i], err, errlen);
	}
	if (!ret && o.key_path)
		ret = read_key(rd, o.key_path, err, errlen);
	if (!ret) {
		rd->b = cadet_recbuf__new();
		if (!rd->b)
			ret = -ENOMEM;
	}
	if (ret) {
		if (ret == -ENOMEM && errlen && !err[0])
			snprintf(err, errlen, "out of memory");
		redact__free(rd);
		errno = -ret;
		return NULL;
	}
	return rd;
}

void redact__free(struct redact *rd)
{
	if (!rd)
		return;
	for (size_t i = 0; i < rd->nkeep; i++)
		free(rd->keep[i]);
	free(rd->keep);
	/* The key is a secret: do not leave it in freed memory. */
	explicit_bzero(rd->key, sizeof(rd->key));
	cadet_recbuf__free(rd->b);
	free(rd->tmp);
	free(rd);
}

void redact__hash(const struct redact *rd, const void *data, size_t len,
		  char out[REDACT_HASH_SZ])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *p = out;

	if (rd->key_len)
		HMAC(EVP_sha256(), rd->key, (int)rd->key_len, data, len, md,
		     &mdlen);
	else
		EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	memcpy(p, REDACT_PREFIX, sizeof(REDACT_PREFIX) - 1);
	p += sizeof(REDACT_PREFIX) - 1;
	for (int i = 0; i < REDACT_HEX_LEN / 2; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0xf];
	}
	*p = '\0';
}

static bool has_dotdot(const char *path, size_t len)
{
	for (size_t i = 0; i + 2 <= len; i++) {
		bool start = i == 0 || path[i - 1] == '/';

		if (start && path[i] == '.' &&
		    path[i + 1] == '.' && (i + 2 == len || path[i + 2] == '/'))
			return true;
	}
	return false;
}

bool redact__path_kept(const struct redact *rd, const char *path, size_t len)
{
	if (!len || path[0] != '/' || has_dotdot(path, len))
		return false;
	for (size_t i = 0; i < rd->nkeep; i++) {
		size_t n = strlen(rd->keep[i]);

		if (len >= n && !memcmp(path, rd->keep[i], n) &&
		    (len == n || path[n] == '/' || n == 0))
			return true;
	}
	return false;
}

static int tmp_reserve(struct redact *rd, size_t need)
{
	char *t;
	size_t cap = rd->tmp_cap ? rd->tmp_cap : 256;

	if (need <= rd->tmp_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	t = realloc(rd->tmp, cap);
	if (!t)
		return -ENOMEM;
	rd->tmp = t;
	rd->tmp_cap = cap;
	return 0;
}

/* A path (or argv[0] naming one) into @b's field at @off. */
static int put_path(struct redact *rd, size_t off, const char *s, size_t len)
{
	char h[REDACT_HASH_SZ];

	if (!len || redact__path_kept(rd, s, len))
		return cadet_recbuf__put_str(rd->b, off, s, len);
	redact__hash(rd, s, len, h);
	return cadet_recbuf__put_str(rd->b, off, h, strlen(h));
}

/*
 * argv[0] stays when it is a bare command name ("nginx"), as comm does;
 * one that names a path follows the path rule. Every later argument is
 * hashed, empty ones excepted (they hide nothing).
 */
static int put_argv(struct redact *rd, size_t off, const char *s, size_t len)
{
	size_t pos = 0, out = 0;
	int err;

	for (unsigned int i = 0; pos <= len; i++) {
		const char *arg = s + pos;
		size_t n = strnlen(arg, len - pos);
		char h[REDACT_HASH_SZ];
		const char *rep = arg;
		size_t replen = n;

		if (n && ((i == 0 && memchr(arg, '/', n) &&
			   !redact__path_kept(rd, arg, n)) ||
			  i > 0)) {
			redact__hash(rd, arg, n, h);
			rep = h;
			replen = strlen(h);
		}
		err = tmp_reserve(rd, out + replen + 1);
		if (err)
			return err;
		if (i)
			rd->tmp[out++] = '\0';
		memcpy(rd->tmp + out, rep, replen);
		out += replen;
		pos += n + 1;
	}
	return cadet_recbuf__put_str(rd->b, off, rd->tmp, out);
}

static bool sec_is_path(const struct cadet_rec *rec)
{
	const struct cadet_rec_security *s = (const void *)rec;

	for (size_t i = 0; i < sizeof(sec_path_ops) / sizeof(sec_path_ops[0]);
	     i++)
		if (!strncmp(s->op, sec_path_ops[i], sizeof(s->op)))
			return true;
	return false;
}

const struct cadet_rec *redact__record(struct redact *rd,
				       const struct cadet_rec *rec)
{
	struct cadet_rec *nr;
	size_t first = SIZE_MAX, fixed = 0;
	uint32_t size;
	int err = 0;

	for (size_t i = 0; i < sizeof(redacted) / sizeof(redacted[0]); i++)
		if (redacted[i].type == rec->type) {
			if (first == SIZE_MAX)
				first = i;
			fixed = redacted[i].fixed;
		}
	if (first == SIZE_MAX)
		return rec;
	if (rec->size < fixed) {
		errno = EINVAL;
		return NULL;
	}
	nr = cadet_recbuf__start(rd->b, rec->type, fixed);
	if (!nr)
		return NULL;
	size = nr->size;
	memcpy(nr, rec, fixed);
	nr->size = size;
	/* Stale offsets into @rec must not survive a field left absent. */
	for (size_t i = first; i < sizeof(redacted) / sizeof(redacted[0]) &&
			       redacted[i].type == rec->type;
	     i++)
		memset((char *)nr + redacted[i].off, 0,
		       sizeof(struct cadet_vstr));
	for (size_t i = first; !err &&
			       i < sizeof(redacted) / sizeof(redacted[0]) &&
			       redacted[i].type == rec->type;
	     i++) {
		const struct cadet_vstr *v =
			(const void *)((const char *)rec + redacted[i].off);
		const char *s = (const char *)rec + v->off;

		/* Absent, or out of bounds: a reader treats it as absent. */
		if (!v->off || v->off < sizeof(struct cadet_rec) ||
		    (uint64_t)v->off + v->len + 1 > rec->size)
			continue;
		switch (redacted[i].kind) {
		case V_PATH:
			err = put_path(rd, redacted[i].off, s, v->len);
			break;
		case V_ARGV:
			err = put_argv(rd, redacted[i].off, s, v->len);
			break;
		case V_SEC:
			err = sec_is_path(rec) ?
				      put_path(rd, redacted[i].off, s, v->len) :
				      cadet_recbuf__put_str(
					      rd->b, redacted[i].off, s, v->len);
			break;
		}
	}
	if (err) {
		errno = -err;
		return NULL;
	}
	return cadet_recbuf__rec(rd->b);
}
