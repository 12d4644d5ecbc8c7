/* SPDX-License-Identifier: MIT */
/*
 * Built-in detectors: one table (registry.c) naming the ops of every
 * detector compiled into cadet. A built-in is an ordinary
 * struct cadet_detector_ops (include/cadet/detector.h), the same ABI a
 * plugin exports; it only skips dlopen().
 *
 * Adding one: define `const struct cadet_detector_ops detector_NAME_ops`
 * in detect/detectors/NAME.c with .sz, .abi_major/.abi_minor and .name
 * set, and list it in registry.c. Entries are declared weak there, so
 * cadet links (and skips the detector) while its file does not exist yet.
 */
#ifndef CADET_DETECT_REGISTRY_H
#define CADET_DETECT_REGISTRY_H

#include <stddef.h>

#include "cadet/detector.h"

/* Baselines, detect/baselines.c. */
extern const struct cadet_detector_ops detector_null_ops;
extern const struct cadet_detector_ops detector_random_ops;
extern const struct cadet_detector_ops detector_always_ops;

/* Built-in detectors, detect/detectors/. */
extern const struct cadet_detector_ops detector_rules_ops;
extern const struct cadet_detector_ops detector_zscore_ops;
extern const struct cadet_detector_ops detector_trend_ops;
extern const struct cadet_detector_ops detector_iforest_ops;
extern const struct cadet_detector_ops detector_stide_ops;
extern const struct cadet_detector_ops detector_sysfreq_ops;
extern const struct cadet_detector_ops detector_ensemble_ops;

/* Ops of the built-in named @name, NULL when there is none. */
const struct cadet_detector_ops *builtin_detector_find(const char *name);
/* The @idx-th linked built-in (table order), NULL past the end. */
const struct cadet_detector_ops *builtin_detector_at(size_t idx);

#endif /* CADET_DETECT_REGISTRY_H */
