// SPDX-License-Identifier: MIT
/*
 * BPF events -> trace records. The event header is laid out like struct
 * cadet_rec, so conversion copies it and moves the variable-length parts
 * (paths, argv) into the record's tail.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <linux/types.h>

#include "bpf/events.h"
#include "recorder/events.h"

_Static_assert(sizeof(struct ev_hdr) == sizeof(struct cadet_rec),
	       "BPF event header must mirror struct cadet_rec");
_Static_assert(offsetof(struct ev_hdr, comm) ==
		       offsetof(struct cadet_rec, comm),
	       "BPF event header must mirror struct cadet_rec");

/* Macro tables: laid out by hand. */
/* clang-format off */
/* Every BPF event type has the number of its record type. */
#define EV_TYPES(X)                                                        \
	X(EXEC) X(FORK) X(EXIT) X(SYSCALL) X(OPEN) X(FILE_OP) X(CONNECT)   \
	X(ACCEPT) X(LISTEN) X(SOCK_CLOSE) X(TCP_RETRANSMIT) X(TCP_RESET) \
	X(OOM_KILL) X(SECURITY)
#define EV_TYPE_MATCHES(N)                                    \
	_Static_assert((int)EV_##N == (int)CADET_REC_##N,     \
		       "EV_" #N " must equal CADET_REC_" #N);
EV_TYPES(EV_TYPE_MATCHES)

/*
 * Width and signedness of both sides of each copy (EVENT_COPY_* of
 * recorder/events.h), checked at compile time inside a function that is
 * never called: the checks need objects of both struct types.
 */
#define SIGNED(x) ((__typeof__(x))-1 < 1)
#define COPY_AGREES(evst, recst, list)                             \
	static inline __attribute__((unused)) void copy_check_##recst(void) \
	{                                                          \
		const struct evst *e = 0;                          \
		const struct cadet_rec_##recst *r = 0;             \
		(void)e;                                           \
		(void)r;                                           \
		list(COPY_CHECK_ONE)                               \
	}
#define COPY_CHECK_ONE(ef, rf)                                             \
	_Static_assert(sizeof(e->ef) == sizeof(r->rf) &&                  \
			       SIGNED(e->ef) == SIGNED(r->rf),            \
		       "event field " #ef " and record field " #rf        \
		       " differ in width or signedness");
#define COPY_ONE(ef, rf) r->rf = e->ef;

COPY_AGREES(ev_exec, exec, EVENT_COPY_EXEC)
COPY_AGREES(ev_fork, fork, EVENT_COPY_FORK)
COPY_AGREES(ev_exit, exit, EVENT_COPY_EXIT)
COPY_AGREES(ev_syscall, syscall, EVENT_COPY_SYSCALL)
COPY_AGREES(ev_open, open, EVENT_COPY_OPEN)
COPY_AGREES(ev_file_op, file_op, EVENT_COPY_FILE_OP)
COPY_AGREES(ev_sock, sock, EVENT_COPY_SOCK)
COPY_AGREES(ev_oom, oom_kill, EVENT_COPY_OOM)
COPY_AGREES(ev_security, security, EVENT_COPY_SECURITY)
_Static_assert(sizeof(((struct ev_sock *)0)->saddr) ==
			       sizeof(struct cadet_addr) &&
		       sizeof(((struct ev_sock *)0)->daddr) ==
			       sizeof(struct cadet_addr),
	       "socket addresses must be struct cadet_addr wide");
/* clang-format on */

static const char *const fop_names[FOP_MAX] = {
	[FOP_UNLINK] = "unlink",   [FOP_RMDIR] = "rmdir",
	[FOP_RENAME] = "rename",   [FOP_CHMOD] = "chmod",
	[FOP_CHOWN] = "chown",	   [FOP_TRUNCATE] = "truncate",
	[FOP_MKDIR] = "mkdir",	   [FOP_LINK] = "link",
	[FOP_SYMLINK] = "symlink", [FOP_MKNOD] = "mknod",
};

static const char *const sec_names[SOP_MAX] = {
	[SOP_CAPABLE] = "capable",
	[SOP_SETUID] = "setuid",
	[SOP_SETGID] = "setgid",
	[SOP_SETREUID] = "setreuid",
	[SOP_SETREGID] = "setregid",
	[SOP_SETRESUID] = "setresuid",
	[SOP_SETRESGID] = "setresgid",
	[SOP_SETFSUID] = "setfsuid",
	[SOP_SETFSGID] = "setfsgid",
	[SOP_PTRACE] = "ptrace",
	[SOP_MOUNT] = "mount",
	[SOP_UMOUNT] = "umount",
	[SOP_UNSHARE] = "unshare",
	[SOP_SETNS] = "setns",
	[SOP_MEMFD_CREATE] = "memfd_create",
	[SOP_BPF] = "bpf",
	[SOP_INIT_MODULE] = "init_module",
	[SOP_FINIT_MODULE] = "finit_module",
	[SOP_KILL] = "kill",
	[SOP_RAW_SOCKET] = "raw_socket",
	[SOP_PACKET_SOCKET] = "packet_socket",
	[SOP_CHROOT] = "chroot",
	[SOP_PIVOT_ROOT] = "pivot_root",
};

const char *event_file_op_name(unsigned int op)
{
	return op < FOP_MAX && fop_names[op] ? fop_names[op] : "?";
}

const char *event_security_op_name(unsigned int op)
{
	return op < SOP_MAX && sec_names[op] ? sec_names[op] : "?";
}

/* Starts a record of @fixed bytes whose header is the event's. */
static void *start(struct cadet_recbuf *b, const struct ev_hdr *h, size_t fixed)
{
	struct cadet_rec *r = cadet_recbuf__start(b, h->type, fixed);

	if (!r)
		return NULL;
	r->cpu = h->cpu;
	r->ts = h->ts;
	r->cgroup_id = h->cgroup_id;
	r->pid = h->pid;
	r->tid = h->tid;
	memcpy(r->comm, h->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = '\0';
	return r;
}

static int put(struct cadet_recbuf *b, size_t off, const char *s, size_t len)
{
	if (!len)
		return 0;
	return cadet_recbuf__put_str(b, off, s, len);
}

/* Length of @s (at most @len bytes) without trailing NULs. */
static size_t trim_nul(const char *s, size_t len)
{
	while (len && !s[len - 1])
		len--;
	return len;
}

static int conv_exec(struct cadet_recbuf *b, const struct ev_exec *e,
		     size_t size)
{
	size_t base = offsetof(struct ev_exec, buf), fn, av;
	struct cadet_rec_exec *r;
	int err;

	fn = e->filename_len;
	av = e->argv_len;
	if (base + fn + av > size)
		return -EINVAL;
	r = start(b, &e->h, sizeof(*r));
	if (!r)
		return -errno;
	EVENT_COPY_EXEC(COPY_ONE)
	err = put(b, offsetof(struct cadet_rec_exec, filename), e->buf, fn);
	if (!err)
		err = put(b, offsetof(struct cadet_rec_exec, argv), e->buf + fn,
			  trim_nul(e->buf + fn, av));
	return err;
}

static int conv_open(struct cadet_recbuf *b, const struct ev_open *e,
		     size_t size)
{
	struct cadet_rec_open *r;

	if (offsetof(struct ev_open, path) + e->path_len > size)
		return -EINVAL;
	r = start(b, &e->h, sizeof(*r));
	if (!r)
		return -errno;
	EVENT_COPY_OPEN(COPY_ONE)
	return put(b, offsetof(struct cadet_rec_open, path), e->path,
		   e->path_len);
}

static int conv_file_op(struct cadet_recbuf *b, const struct ev_file_op *e,
			size_t size)
{
	struct cadet_rec_file_op *r;
	int err;

	if (offsetof(struct ev_file_op, buf) + e->path_len + e->path2_len >
	    size)
		return -EINVAL;
	r = start(b, &e->h, sizeof(*r));
	if (!r)
		return -errno;
	strncpy(r->op, event_file_op_name(e->op), sizeof(r->op) - 1);
	EVENT_COPY_FILE_OP(COPY_ONE)
	err = put(b, offsetof(struct cadet_rec_file_op, path), e->buf,
		  e->path_len);
	if (!err)
		err = put(b, offsetof(struct cadet_rec_file_op, path2),
			  e->buf + e->path_len, e->path2_len);
	return err;
}

static int conv_sock(struct cadet_recbuf *b, const struct ev_sock *e)
{
	struct cadet_rec_sock *r = start(b, &e->h, sizeof(*r));

	if (!r)
		return -errno;
	memcpy(r->saddr.a, e->saddr, sizeof(r->saddr.a));
	memcpy(r->daddr.a, e->daddr, sizeof(r->daddr.a));
	EVENT_COPY_SOCK(COPY_ONE)
	return 0;
}

static int conv_security(struct cadet_recbuf *b, const struct ev_security *e)
{
	struct cadet_rec_security *r = start(b, &e->h, sizeof(*r));
	size_t len = e->str_len;

	if (!r)
		return -errno;
	strncpy(r->op, event_security_op_name(e->op), sizeof(r->op) - 1);
	EVENT_COPY_SECURITY(COPY_ONE)
	if (len >= sizeof(e->str))
		len = sizeof(e->str) - 1;
	return put(b, offsetof(struct cadet_rec_security, str), e->str, len);
}

int event_to_record(struct cadet_recbuf *b, const void *data, size_t size)
{
	const struct ev_hdr *h = data;

	if (size < sizeof(*h) || h->size > size)
		return -EINVAL;

#define NEED(T)                         \
	do {                            \
		if (size < sizeof(T))   \
			return -EINVAL; \
	} while (0)

	switch (h->type) {
	case EV_EXEC:
		if (size < offsetof(struct ev_exec, buf))
			return -EINVAL;
		return conv_exec(b, data, size);
	case EV_FORK: {
		const struct ev_fork *e = data;
		struct cadet_rec_fork *r;

		NEED(*e);
		r = start(b, h, sizeof(*r));
		if (!r)
			return -errno;
		EVENT_COPY_FORK(COPY_ONE)
		return 0;
	}
	case EV_EXIT: {
		const struct ev_exit *e = data;
		struct cadet_rec_exit *r;

		NEED(*e);
		r = start(b, h, sizeof(*r));
		if (!r)
			return -errno;
		EVENT_COPY_EXIT(COPY_ONE)
		return 0;
	}
	case EV_SYSCALL: {
		const struct ev_syscall *e = data;
		struct cadet_rec_syscall *r;

		NEED(*e);
		r = start(b, h, sizeof(*r));
		if (!r)
			return -errno;
		EVENT_COPY_SYSCALL(COPY_ONE)
		return 0;
	}
	case EV_OPEN:
		if (size < offsetof(struct ev_open, path))
			return -EINVAL;
		return conv_open(b, data, size);
	case EV_FILE_OP:
		if (size < offsetof(struct ev_file_op, buf))
			return -EINVAL;
		return conv_file_op(b, data, size);
	case EV_CONNECT:
	case EV_ACCEPT:
	case EV_LISTEN:
	case EV_SOCK_CLOSE:
	case EV_TCP_RETRANSMIT:
	case EV_TCP_RESET:
		NEED(struct ev_sock);
		return conv_sock(b, data);
	case EV_OOM_KILL: {
		const struct ev_oom *e = data;
		struct cadet_rec_oom_kill *r;

		NEED(*e);
		r = start(b, h, sizeof(*r));
		if (!r)
			return -errno;
		EVENT_COPY_OOM(COPY_ONE)
		return 0;
	}
	case EV_SECURITY:
		NEED(struct ev_security);
		return conv_security(b, data);
	case EV_CGROUP:
		return -ENOENT;
	default:
		return -EINVAL;
	}
#undef NEED
}

int event_cgroup(const void *data, size_t size, uint64_t *id, int *mkdir)
{
	const struct ev_cgroup *e = data;

	if (size < sizeof(*e) || e->h.type != EV_CGROUP)
		return 0;
	*id = e->id;
	*mkdir = e->mkdir;
	return 1;
}
