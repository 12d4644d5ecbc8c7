/* SPDX-License-Identifier: MIT */
/*
 * The struct cadet_container_desc a detector's on_container() gets for a
 * CONTAINER, CONTAINER_ADD or CONTAINER_REMOVE record: built the same way
 * by the detector host (dethost.c) and by an isolated plugin's child
 * process (isolate_child.c), which receives the record itself.
 */
#ifndef CADET_DETECT_CONTAINER_DESC_H
#define CADET_DETECT_CONTAINER_DESC_H

#include "cadet/detector.h"
#include "cadet/trace.h"

/* The runtime of a container record as a string, with its NUL. */
#define DET_RUNTIME_LEN 32

/*
 * det_container_desc() - what on_container() gets for @rec; strings point
 * into @rec and @runtime, so both must outlive @cd.
 */
void det_container_desc(const struct cadet_rec *rec,
			struct cadet_container_desc *cd,
			char runtime[DET_RUNTIME_LEN]);

#endif /* CADET_DETECT_CONTAINER_DESC_H */
