/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event schema shared by the BPF probe families and the recorder.
 *
 * Every ring buffer event starts with struct ev_hdr, laid out exactly like
 * struct cadet_rec of include/cadet/trace.h, so that userspace only has to
 * append the variable-length tails. Fixed-size structs only: this header is
 * compiled both by clang -target bpf (with vmlinux.h) and by the host
 * compiler (with linux/types.h).
 */
#ifndef CADET_BPF_EVENTS_H
#define CADET_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EV_COMM_LEN 16
#define EV_PATH_MAX 4096	/* bytes of a path kept, NUL included */
#define EV_ARGV_MAX 4096	/* bytes of argv kept */
#define EV_SEC_STR_MAX 256	/* string of a security event */

/* Event types: same numbers as enum cadet_rec_type where one exists. */
enum ev_type {
	EV_EXEC = 16,
	EV_FORK = 17,
	EV_EXIT = 18,
	EV_SYSCALL = 19,
	EV_OPEN = 20,
	EV_FILE_OP = 21,
	EV_CONNECT = 22,
	EV_ACCEPT = 23,
	EV_LISTEN = 24,
	EV_SOCK_CLOSE = 25,
	EV_TCP_RETRANSMIT = 26,
	EV_TCP_RESET = 27,
	EV_OOM_KILL = 28,
	EV_SECURITY = 29,
	EV_CGROUP = 100,	/* cgroup v2 mkdir/rmdir: rescan containers */
	EV_SYSCALL_BATCH = 101,	/* up to EV_SEQ_BATCH syscalls of one CPU */
};

struct ev_hdr {
	__u32 size;		/* bytes of the whole event */
	__u16 type;
	__u16 cpu;
	__u64 ts;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	char comm[EV_COMM_LEN];
};

struct ev_exec {
	struct ev_hdr h;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 old_pid;
	__u32 argc;
	__u32 filename_len;	/* bytes in buf, no NUL */
	__u32 argv_len;		/* bytes after the filename, NUL-separated */
	__u32 argv_truncated;
	char buf[EV_PATH_MAX + EV_ARGV_MAX];
};

struct ev_fork {
	struct ev_hdr h;
	__u32 child_pid;
	__u32 child_tid;
	__u64 clone_flags;
	__u32 thread;
	__u32 pad;
};

struct ev_exit {
	struct ev_hdr h;
	__s32 code;
	__s32 signal;
	__u64 lifetime_ns;
	__u32 thread;
	__u32 pad;
};

struct ev_syscall {
	struct ev_hdr h;
	__s32 nr;
	__s32 pad;
	__s64 ret;
};

/*
 * --syscall-seq sends syscalls in batches, one ring buffer record per
 * EV_SEQ_BATCH syscalls of a CPU (the recorder unpacks each into the
 * EV_SYSCALL record it stands for); size and type are the batch's.
 */
#define EV_SEQ_BATCH 64

struct ev_seq_rec {
	__u64 ts;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__s32 nr;
	__u32 pad;
	__s64 ret;
	char comm[EV_COMM_LEN];
};

struct ev_seq_batch {
	__u32 size;		/* bytes used: header + n records */
	__u16 type;		/* EV_SYSCALL_BATCH */
	__u16 cpu;
	__u32 n;
	__u32 pad;
	struct ev_seq_rec r[EV_SEQ_BATCH];
};

struct ev_open {
	struct ev_hdr h;
	__s32 flags;
	__u32 mode;
	__s32 ret;
	__s32 dirfd;
	__u32 path_len;		/* bytes of path, no NUL */
	__u32 pad;
	char path[EV_PATH_MAX];
};

enum fop_kind {
	FOP_UNLINK = 1,
	FOP_RMDIR,
	FOP_RENAME,
	FOP_CHMOD,
	FOP_CHOWN,
	FOP_TRUNCATE,
	FOP_MKDIR,
	FOP_LINK,
	FOP_SYMLINK,
	FOP_MKNOD,
	FOP_MAX
};

struct ev_file_op {
	struct ev_hdr h;
	__u32 op;		/* enum fop_kind */
	__s32 ret;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 path_len;		/* bytes of buf, no NUL */
	__u32 path2_len;	/* bytes after path, no NUL */
	__u32 pad;
	char buf[2 * EV_PATH_MAX];
};

/* CONNECT, ACCEPT, LISTEN, SOCK_CLOSE, TCP_RETRANSMIT, TCP_RESET */
struct ev_sock {
	struct ev_hdr h;
	__u8 saddr[16];		/* IPv4 stored IPv4-mapped */
	__u8 daddr[16];
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u16 family;
	__u16 proto;
	__s32 ret;
	__s32 state;
	__u64 tx_bytes;
	__u64 rx_bytes;
};

struct ev_oom {
	struct ev_hdr h;
	__u32 victim_pid;
	__u32 pad;
	__u64 rss_bytes;
};

enum sec_op {
	SOP_CAPABLE = 1,
	SOP_SETUID,
	SOP_SETGID,
	SOP_SETREUID,
	SOP_SETREGID,
	SOP_SETRESUID,
	SOP_SETRESGID,
	SOP_SETFSUID,
	SOP_SETFSGID,
	SOP_PTRACE,
	SOP_MOUNT,
	SOP_UMOUNT,
	SOP_UNSHARE,
	SOP_SETNS,
	SOP_MEMFD_CREATE,
	SOP_BPF,
	SOP_INIT_MODULE,
	SOP_FINIT_MODULE,
	SOP_KILL,
	SOP_RAW_SOCKET,
	SOP_PACKET_SOCKET,
	SOP_CHROOT,
	SOP_PIVOT_ROOT,
	SOP_MAX
};

struct ev_security {
	struct ev_hdr h;
	__u32 op;		/* enum sec_op */
	__u32 denied;
	__s64 ret;
	__u64 arg[4];
	__u32 target_pid;
	__u32 str_len;
	char str[EV_SEC_STR_MAX];
};

struct ev_cgroup {
	struct ev_hdr h;
	__u64 id;		/* the cgroup made or removed */
	__u32 mkdir;		/* 1 mkdir, 0 rmdir */
	__u32 level;
};

/*
 * Per-cgroup counters (per-CPU hash keyed by the container's cgroup id).
 * All are running totals; userspace turns them into per-interval deltas.
 */
struct cg_counters {
	__u64 cpu_ns;
	__u64 tx_bytes;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 rx_packets;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 page_faults;
	__u64 ctx_switches;
	__u64 retransmits;
	__u64 resets;
	__u64 forks;
	__u64 execs;
	__u64 opens;
	__u64 connects;
	__u64 oom_kills;
};

/*
 * What the probes know of a recorded cgroup (container_cgroups and
 * cg_storage values). Written by the recorder and by cgroup_mkdir.
 */
#define CG_SLOTS 256		/* cgroups with a row in cg_rows */
#define CG_NO_SLOT 0xffffffffu	/* counted in the per-cgroup hashes */
#define CG_HIST_NR 512		/* syscall numbers a row counts */

enum cg_ent_flags {
	CG_F_PENDING = 1,	/* made while recording, not classified yet */
	CG_F_NO_SEQ = 2,	/* --syscall-seq leaves its syscalls out */
};

struct cg_ent {
	__u64 id;		/* the cgroup id records carry; 0: not recorded */
	__u32 slot;		/* row in cg_rows or CG_NO_SLOT */
	__u32 flags;		/* enum cg_ent_flags */
};

/*
 * A slot's row (per-CPU array): running totals; the histogram counts
 * modulo 2^32, userspace takes differences per interval.
 */
struct cg_row {
	struct cg_counters c;
	__u32 hist[CG_HIST_NR];
};

/* Key of the per-CPU syscall histogram of cgroups without a slot. */
struct hist_key {
	__u64 cgroup_id;
	__u32 nr;
	__u32 pad;
};

/* Value of the mm -> RSS map (key: the mm_struct address). */
struct mm_rss {
	__u64 cgroup_id;
	__u64 rss_bytes;
};

#endif /* CADET_BPF_EVENTS_H */
