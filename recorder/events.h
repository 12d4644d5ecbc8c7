/* SPDX-License-Identifier: MIT */
/*
 * BPF ring buffer events (bpf/events.h) -> trace records (cadet/trace.h).
 *
 * HowTo:
 *   struct cadet_recbuf *b = cadet_recbuf__new();
 *   err = event_to_record(b, data, size);
 *   if (!err) cadet_writer__add(w, cadet_recbuf__rec(b));
 */
#ifndef CADET_RECORDER_EVENTS_H
#define CADET_RECORDER_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

/*
 * event_to_record() - build in @b the record for ring buffer event @data
 * of @size bytes. Returns 0, -ENOENT for events that are not records
 * (cgroup changes: see event_cgroup()), -EINVAL for a malformed event.
 */
int event_to_record(struct cadet_recbuf *b, const void *data, size_t size);

/*
 * event_cgroup() - for a cgroup mkdir/rmdir event: 1 and *@id / *@mkdir
 * set; 0 for any other event.
 */
int event_cgroup(const void *data, size_t size, uint64_t *id, int *mkdir);

/*
 * The fields event_to_record() copies one to one from a BPF event
 * (bpf/events.h, plain C for the BPF compiler) to its record
 * (cadet/records.def), as X(event field, record field). The copy, the
 * compile-time checks that both sides have the same width and signedness
 * (recorder/events.c) and the unit test of the conversion are made from
 * these lists, so a field whose type changes on one side only does not
 * build, and a record field nobody fills is noticed.
 */
/* Copy lists: laid out by hand. */
/* clang-format off */
#define EVENT_COPY_EXEC(X) \
	X(ppid, ppid) X(uid, uid) X(gid, gid) X(old_pid, old_pid) X(argc, argc)
#define EVENT_COPY_FORK(X)                              \
	X(child_pid, child_pid) X(child_tid, child_tid) \
	X(clone_flags, clone_flags) X(thread, thread)
#define EVENT_COPY_EXIT(X)                                          \
	X(code, code) X(signal, signal) X(lifetime_ns, lifetime_ns) \
	X(thread, thread)
#define EVENT_COPY_SYSCALL(X) X(nr, nr) X(ret, ret)
#define EVENT_COPY_OPEN(X) \
	X(flags, flags) X(mode, mode) X(ret, ret) X(dirfd, dirfd)
#define EVENT_COPY_FILE_OP(X) X(ret, ret) X(mode, mode) X(uid, uid) X(gid, gid)
#define EVENT_COPY_SOCK(X)                                                \
	X(sport, sport) X(dport, dport) X(family, family) X(proto, proto) \
	X(ret, ret) X(state, state) X(tx_bytes, tx_bytes)                 \
	X(rx_bytes, rx_bytes)
#define EVENT_COPY_OOM(X) X(victim_pid, victim_pid) X(rss_bytes, rss_bytes)
#define EVENT_COPY_SECURITY(X)                                      \
	X(ret, ret) X(arg[0], arg0) X(arg[1], arg1) X(arg[2], arg2) \
	X(arg[3], arg3) X(target_pid, target_pid) X(denied, denied)
/* clang-format on */

/* "unlink", "rename", ... for enum fop_kind; "?" when unknown. */
const char *event_file_op_name(unsigned int op);
/* "capable", "setuid", ... for enum sec_op; "?" when unknown. */
const char *event_security_op_name(unsigned int op);

#endif
