// SPDX-License-Identifier: MIT
/*
 * Test plugin: calls the record helpers the cadet binary exports to
 * plugins (cadet/trace.h: cadet_rec_type_name(), cadet_rec_field_u64(),
 * cadet_rec_field_str()). It is built without linking any cadet library,
 * so it loads only where those symbols are exported, and it alerts on
 * every exec record with "TYPE FILENAME ppid=PPID uid=UID" made by the
 * helpers, which a test compares with `cadet dump`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cadet/detector.h"

struct helper {
	const struct cadet_host *host;
};

static int helper_init(void **state, const struct cadet_host *host,
		       const struct cadet_param *p, size_t np, uint64_t seed)
{
	struct helper *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->host = host;
	*state = h;
	return 0;
}

static int helper_event(void *state, const struct cadet_rec *rec)
{
	struct helper *h = state;
	uint64_t ppid, uid;
	const char *file;
	char reason[256];
	int err;

	if (rec->type != CADET_REC_EXEC)
		return 0;
	err = cadet_rec_field_u64(rec, "ppid", &ppid);
	if (!err)
		err = cadet_rec_field_u64(rec, "uid", &uid);
	if (err)
		return err;
	file = cadet_rec_field_str(rec, "filename");
	if (!file)
		return -errno;
	snprintf(reason, sizeof(reason), "%s %s ppid=%llu uid=%llu",
		 cadet_rec_type_name(rec->type), file, (unsigned long long)ppid,
		 (unsigned long long)uid);
	h->host->alert(h->host, rec->ts, rec->cgroup_id, CADET_SEV_INFO,
		       reason);
	return 0;
}

static void helper_fini(void *state)
{
	free(state);
}

static const struct cadet_detector_ops helper_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "uses_rec_helper",
	.description = "test plugin: alerts on exec via the record helpers",
	.init = helper_init,
	.on_event = helper_event,
	.fini = helper_fini,
	.flags = CADET_DET_F_OWN_ALERTS,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
	return &helper_ops;
}
