// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * file family: opens (path, flags, mode, result), metadata changes
 * (unlink, rename, chmod, chown, truncate, mkdir, link, mknod) and
 * per-cgroup read/write byte counters.
 *
 * Arguments are saved per thread at sys_enter and the event is sent at
 * sys_exit, when the result is known; path strings are read at exit from
 * the caller's memory, which the syscall does not change.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AT_FDCWD_VAL -100
#define AT_REMOVEDIR_VAL 0x200
#define O_CREAT_WRONLY_TRUNC 0x241

DEFINE_HEAP();
DEFINE_PENDING_MAP(file_args);

/* How sys_exit reads the saved arguments. */
enum kind {
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

static __always_inline int open_exit(struct sys_exit_ctx *ctx,
				     const struct cg_ent *ce,
				     struct pending_args *p)
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
	e->ret = ctx->ret;
	e->path_len = read_ustr(e->path, EV_PATH_MAX, path);
	e->pad = 0;
	size = offsetof(struct ev_open, path) + e->path_len;
	if (size > sizeof(*e))
		size = sizeof(*e);
	fill_hdr(&e->h, EV_OPEN, size, ce->id);
	rb_output(e, size);
	return 0;
}

static __always_inline int fop_exit(struct sys_exit_ctx *ctx, __u64 cg,
				    struct pending_args *p)
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
	e->ret = ctx->ret;
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

static __always_inline int file_exit(struct sys_exit_ctx *ctx)
{
	struct pending_args p;
	struct cg_ent ce;

	if (!current_ent(&ce))
		return 0;
	if (pending_take(&file_args, ctx->nr, &p))
		return 0;
	if (p.kind <= K_CREAT)
		return open_exit(ctx, &ce, &p);
	return fop_exit(ctx, ce.id, &p);
}

#define FILE_SYSCALL(sc, kind, nargs)                               \
	SEC("tp/syscalls/sys_enter_" #sc)                           \
	int sys_enter_##sc(struct sys_enter_ctx *ctx)               \
	{                                                           \
		if (current_cg())                                   \
			pending_save(&file_args, kind, ctx, nargs); \
		return 0;                                           \
	}                                                           \
	SEC("tp/syscalls/sys_exit_" #sc)                            \
	int sys_exit_##sc(struct sys_exit_ctx *ctx)                 \
	{                                                           \
		return file_exit(ctx);                              \
	}

FILE_SYSCALL(open, K_OPEN, 3)
FILE_SYSCALL(openat, K_OPENAT, 4)
FILE_SYSCALL(openat2, K_OPENAT2, 4)
FILE_SYSCALL(creat, K_CREAT, 2)
FILE_SYSCALL(unlink, K_UNLINK, 1)
FILE_SYSCALL(unlinkat, K_UNLINKAT, 3)
FILE_SYSCALL(rmdir, K_RMDIR, 1)
FILE_SYSCALL(rename, K_RENAME, 2)
FILE_SYSCALL(renameat, K_RENAMEAT, 4)
FILE_SYSCALL(renameat2, K_RENAMEAT, 5)
FILE_SYSCALL(chmod, K_CHMOD, 2)
FILE_SYSCALL(fchmodat, K_FCHMODAT, 3)
FILE_SYSCALL(fchmodat2, K_FCHMODAT, 4)
FILE_SYSCALL(chown, K_CHOWN, 3)
FILE_SYSCALL(lchown, K_CHOWN, 3)
FILE_SYSCALL(fchownat, K_FCHOWNAT, 5)
FILE_SYSCALL(truncate, K_TRUNCATE, 2)
FILE_SYSCALL(mkdir, K_MKDIR, 2)
FILE_SYSCALL(mkdirat, K_MKDIRAT, 3)
FILE_SYSCALL(link, K_LINK, 2)
FILE_SYSCALL(linkat, K_LINKAT, 5)
FILE_SYSCALL(symlink, K_SYMLINK, 2)
FILE_SYSCALL(symlinkat, K_SYMLINKAT, 3)
FILE_SYSCALL(mknod, K_MKNOD, 3)
FILE_SYSCALL(mknodat, K_MKNODAT, 4)
