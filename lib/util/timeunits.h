/* SPDX-License-Identifier: MIT */
/*
 * Time unit factors. Trace time is in nanoseconds (uint64_t); these are
 * unsigned long long so that products stay 64-bit. For floating-point
 * seconds divide by (double)NS_PER_S.
 */
#ifndef CADET_LIB_UTIL_TIMEUNITS_H
#define CADET_LIB_UTIL_TIMEUNITS_H

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define NS_PER_MIN (60 * NS_PER_S)
#define NS_PER_H (3600 * NS_PER_S)
#define US_PER_S 1000000ull
#define MS_PER_S 1000ull

#endif
