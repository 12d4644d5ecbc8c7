/* SPDX-License-Identifier: MIT */
/*
 * Scenario files for `cadet run`: loading one with its problems printed,
 * and the catalogue (--list) of a directory's scenarios.
 */
#ifndef CADET_INJECTOR_CATALOGUE_H
#define CADET_INJECTOR_CATALOGUE_H

#include "injector/profile.h"
#include "injector/scenario.h"

/*
 * scenario__load_variant() (@sel NULL: the file as written, its own
 * `profile =` included) printing what is wrong to stderr. 0 or -EINVAL.
 */
int scenario_load_reporting(const char *path, const struct profile_select *sel,
			    struct scenario **out);
/*
 * Print name, category, anomaly and description of every DIR/\*.ini
 * (@dir NULL: scenarios/ here, else beside the binary). Returns the
 * exit status: 0, 1 nothing to list, 2 a file did not load.
 */
int scenario_catalogue_list(const char *dir);

#endif /* CADET_INJECTOR_CATALOGUE_H */
