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

/* "unlink", "rename", ... for enum fop_kind; "?" when unknown. */
const char *event_file_op_name(unsigned int op);
/* "capable", "setuid", ... for enum sec_op; "?" when unknown. */
const char *event_security_op_name(unsigned int op);

#endif
