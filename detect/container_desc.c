// SPDX-License-Identifier: MIT
/* A container record as a struct cadet_container_desc (container_desc.h). */
#include <string.h>

#include "detect/container_desc.h"

void det_container_desc(const struct cadet_rec *rec,
			struct cadet_container_desc *cd,
			char runtime[DET_RUNTIME_LEN])
{
	const struct cadet_rec_container *c = (const void *)rec;

	_Static_assert(DET_RUNTIME_LEN > sizeof(c->runtime),
		       "DET_RUNTIME_LEN holds the runtime and its NUL");
	*cd = (struct cadet_container_desc){
		.sz = sizeof(*cd),
		.cgroup_id = rec->cgroup_id,
		.id = cadet_rec_str(rec, &c->id),
		.name = cadet_rec_str(rec, &c->name),
		.cgroup_path = cadet_rec_str(rec, &c->cgroup_path),
		.runtime = runtime,
	};
	memcpy(runtime, c->runtime, sizeof(c->runtime));
	runtime[sizeof(c->runtime)] = 0;
}
