/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * file family, its syscall events: opens (path, flags, mode, result) and
 * metadata changes (unlink, rename, chmod, chown, truncate, mkdir, link,
 * mknod). Its read/write byte counters are in sys_exit itself.
 *
 * The event is sent by sys_exit (syscall.bpf.c), when the result is
 * known, with the arguments from the user registers the kernel saved at
 * entry; path strings are read then from the caller's memory, which the
 * syscall does not change. Included by syscall.bpf.c, which defines
 * heap.
 */
#ifndef CADET_BPF_FILE_SYS_BPF_H
#define CADET_BPF_FILE_SYS_BPF_H

#include "common.bpf.h"

#define AT_FDCWD_VAL -100
#define AT_REMOVEDIR_VAL 0x200
#define O_CREAT_WRONLY_TRUNC 0x241

/* How sys_exit reads the saved arguments. */
enum file_kind {
	K_OPEN = 1,
	K_OPENAT,
	K_OPENAT2,
	K_CREAT,
	K_UNLINK,
	K_UNLINKAT,
	K_RMDIR,
	K_RENAME,
	K_RENAMEAT,
	K_CHMOD,
	K_FCHMODAT,
	K_CHOWN,
	K_FCHOWNAT,
	K_TRUNCATE,
	K_MKDIR,
	K_MKDIRAT,
	K_LINK,
	K_LINKAT,
	K_SYMLINK,
	K_SYMLINKAT,
	K_MKNOD,
	K_MKNODAT,
};

static __always_inline int open_exit(long ret, const struct cg_ent *ce,
				     const struct sys_args *p)
{
	__u32 zero = 0, size;
	struct cg_counters *c;
	const void *path;
	struct ev_open *e;

	c = counters_of(ce);
	if (c)
		CNT_ADD(&c->opens, 1);
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	switch (p->kind) {
	case K_OPEN:
		path = (void *)p->a[0];
		e->flags = p->a[1];
		e->mode = p->a[2];
		e->dirfd = AT_FDCWD_VAL;
		break;
	case K_CREAT:
		path = (void *)p->a[0];
		e->flags = O_CREAT_WRONLY_TRUNC;
		e->mode = p->a[1];
		e->dirfd = AT_FDCWD_VAL;
		break;
	case K_OPENAT2: {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), (void *)p->a[2]);
		path = (void *)p->a[1];
		e->flags = how.flags;
		e->mode = how.mode;
		e->dirfd = p->a[0];
		break;
	}
	default:
		path = (void *)p->a[1];
		e->flags = p->a[2];
		e->mode = p->a[3];
		e->dirfd = p->a[0];
		break;
	}
	e->ret = ret;
	e->path_len = read_ustr(e->path, EV_PATH_MAX, path);
	e->pad = 0;
	size = offsetof(struct ev_open, path) + e->path_len;
	if (size > sizeof(*e))
		size = sizeof(*e);
	fill_hdr(&e->h, EV_OPEN, size, ce->id);
	rb_output(e, size);
	return 0;
}

static __always_inline int fop_exit(long ret, __u64 cg,
				    const struct sys_args *p)
{
	const void *path = NULL, *path2 = NULL;
	__u32 zero = 0, size, len, len2;
	struct ev_file_op *e;

	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	e->mode = 0;
	e->uid = -1;
	e->gid = -1;
	switch (p->kind) {
	case K_UNLINK:
		e->op = FOP_UNLINK;
		path = (void *)p->a[0];
		break;
	case K_UNLINKAT:
		e->op = p->a[2] & AT_REMOVEDIR_VAL ? FOP_RMDIR : FOP_UNLINK;
		path = (void *)p->a[1];
		break;
	case K_RMDIR:
		e->op = FOP_RMDIR;
		path = (void *)p->a[0];
		break;
	case K_RENAME:
		e->op = FOP_RENAME;
		path = (void *)p->a[0];
		path2 = (void *)p->a[1];
		break;
	case K_RENAMEAT: /* renameat and renameat2 */
		e->op = FOP_RENAME;
		path = (void *)p->a[1];
		path2 = (void *)p->a[3];
		break;
	case K_CHMOD:
		e->op = FOP_CHMOD;
		path = (void *)p->a[0];
		e->mode = p->a[1];
		break;
	case K_FCHMODAT: /* fchmodat and fchmodat2 */
		e->op = FOP_CHMOD;
		path = (void *)p->a[1];
		e->mode = p->a[2];
		break;
	case K_CHOWN: /* chown and lchown */
		e->op = FOP_CHOWN;
		path = (void *)p->a[0];
		e->uid = p->a[1];
		e->gid = p->a[2];
		break;
	case K_FCHOWNAT:
		e->op = FOP_CHOWN;
		path = (void *)p->a[1];
		e->uid = p->a[2];
		e->gid = p->a[3];
		break;
	case K_TRUNCATE:
		e->op = FOP_TRUNCATE;
		path = (void *)p->a[0];
		break;
	case K_MKDIR:
		e->op = FOP_MKDIR;
		path = (void *)p->a[0];
		e->mode = p->a[1];
		break;
	case K_MKDIRAT:
		e->op = FOP_MKDIR;
		path = (void *)p->a[1];
		e->mode = p->a[2];
		break;
	case K_LINK:
	case K_SYMLINK:
		e->op = p->kind == K_LINK ? FOP_LINK : FOP_SYMLINK;
		/* path: the new name; path2: what it points to */
		path = (void *)p->a[1];
		path2 = (void *)p->a[0];
		break;
	case K_LINKAT:
		e->op = FOP_LINK;
		path = (void *)p->a[3];
		path2 = (void *)p->a[1];
		break;
	case K_SYMLINKAT:
		e->op = FOP_SYMLINK;
		path = (void *)p->a[2];
		path2 = (void *)p->a[0];
		break;
	case K_MKNOD:
		e->op = FOP_MKNOD;
		path = (void *)p->a[0];
		e->mode = p->a[1];
		break;
	case K_MKNODAT:
		e->op = FOP_MKNOD;
		path = (void *)p->a[1];
		e->mode = p->a[2];
		break;
	default:
		return 0;
	}
	e->ret = ret;
	len = read_ustr(e->buf, EV_PATH_MAX, path);
	len2 = read_ustr(e->buf + len, EV_PATH_MAX, path2);
	e->path_len = len;
	e->path2_len = len2;
	e->pad = 0;
	size = offsetof(struct ev_file_op, buf) + len + len2;
	if (size > sizeof(*e))
		size = sizeof(*e);
	fill_hdr(&e->h, EV_FILE_OP, size, cg);
	rb_output(e, size);
	return 0;
}

/* The event of a file syscall that returned @ret, from its saved args. */
static __noinline int file_sys_exit(long ret, const struct cg_ent *ce,
				    const struct sys_args *p)
{
	if (p->kind <= K_CREAT)
		return open_exit(ret, ce, p);
	return fop_exit(ret, ce->id, p);
}

#endif /* CADET_BPF_FILE_SYS_BPF_H */
