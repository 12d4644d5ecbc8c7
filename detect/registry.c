// SPDX-License-Identifier: MIT
/*
 * The table of built-in detectors. Weak references let cadet link before
 * every detector exists: a missing one has address NULL and is skipped.
 */
#include <string.h>

#include "detect/registry.h"

#pragma weak detector_rules_ops
#pragma weak detector_zscore_ops
#pragma weak detector_trend_ops
#pragma weak detector_iforest_ops
#pragma weak detector_stide_ops
#pragma weak detector_sysfreq_ops
#pragma weak detector_ensemble_ops

/* --list-detectors order: baselines first, then the real detectors. */
static const struct cadet_detector_ops *const builtins[] = {
	&detector_null_ops,	&detector_random_ops, &detector_always_ops,
	&detector_rules_ops,	&detector_zscore_ops, &detector_trend_ops,
	&detector_iforest_ops,	&detector_stide_ops,  &detector_sysfreq_ops,
	&detector_ensemble_ops,
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const struct cadet_detector_ops *builtin_detector_at(size_t idx)
{
	size_t seen = 0;

	for (size_t i = 0; i < NBUILTINS; i++) {
		if (!builtins[i] || !builtins[i]->name)
			continue;
		if (seen++ == idx)
			return builtins[i];
	}
	return NULL;
}

const struct cadet_detector_ops *builtin_detector_find(const char *name)
{
	const struct cadet_detector_ops *ops;

	for (size_t i = 0; (ops = builtin_detector_at(i)); i++)
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}
