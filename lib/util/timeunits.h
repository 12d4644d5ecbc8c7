/* SPDX-License-Identifier: MIT */
/*
 * Time unit factors. Trace time is in nanoseconds (uint64_t); the factors
 * are uint64_t constants too, so products do not wrap and results print
 * with PRIu64. For floating-point seconds divide by (double)NS_PER_S.
 */
#ifndef CADET_LIB_UTIL_TIMEUNITS_H
#define CADET_LIB_UTIL_TIMEUNITS_H

#include <stdint.h>

#define NS_PER_US UINT64_C(1000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MIN (60 * NS_PER_S)
#define NS_PER_H (3600 * NS_PER_S)
#define US_PER_S UINT64_C(1000000)
#define MS_PER_S UINT64_C(1000)

#endif
