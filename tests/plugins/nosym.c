// SPDX-License-Identifier: MIT
/* Test plugin without the entry symbol: the host must refuse it. */
#include "cadet/detector.h"

const struct cadet_detector_ops *not_the_entry(void);

const struct cadet_detector_ops *not_the_entry(void)
{
	return NULL;
}
