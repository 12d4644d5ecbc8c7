// SPDX-License-Identifier: MIT
/* Test plugin built for a future major ABI: the host must refuse it. */
#include <stdlib.h>

#include "cadet/detector.h"

static int bad_init(void **state, const struct cadet_host *host,
		    const struct cadet_param *p, size_t np, uint64_t seed)
{
	/* Never called: a refused plugin is not initialised. */
	abort();
}

static const struct cadet_detector_ops bad_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR + 1,
	.abi_minor = 0,
	.name = "bad_abi",
	.init = bad_init,
};

const struct cadet_detector_ops *cadet_detector_entry(void)
{
	return &bad_ops;
}
