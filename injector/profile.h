/* SPDX-License-Identifier: MIT */
/*
 * Application profiles and anomaly intensities (docs/scenarios.md,
 * "Profiles and intensities"): the text-level step before the scenario
 * parser. A scenario names a profile (`profile = redis` resolves
 * scenarios/profiles/redis.ini beside the file) or includes files
 * (`include = a.ini b.ini`, relative to the including file); their
 * [container] and [workload] sections are merged under the file's own,
 * whose keys win. `[intensity NAME]` sections hold anomaly keys; the
 * selected one is merged into [anomaly]. `target = @service` names the
 * profile's main container. The result is one INI text plus, per line,
 * the file and line it came from, so every parser message still names
 * the line the user wrote.
 *
 * HowTo:
 *   struct profile_select sel = { .profile = "redis",
 *                                 .intensity = "high" };
 *   struct scenario *s = scenario__load_variant(path, &opts, &sel);
 *   profile_variants(path, &v, err, sizeof(err));   what "all" means
 */
#ifndef CADET_INJECTOR_PROFILE_H
#define CADET_INJECTOR_PROFILE_H

#include <stddef.h>

#include "injector/scenario.h"

/* Nested includes deeper than this are refused (and so are cycles). */
#define PROFILE_MAX_DEPTH 8
#define PROFILE_MAX_VARIANTS 16

struct profile_select {
	const char *profile; /* NULL: the file's `profile =` */
	const char *intensity; /* NULL: no [intensity NAME] applied */
};

/* The merged text and where each of its lines came from. */
struct profile_source {
	char *text;
	size_t len;
	struct scenario_line_origin *origin; /* one per line of text */
	size_t nlines;
	char **files; /* origin[i].file indexes this */
	size_t nfiles;
	/* Set when a variant was selected: "NAME_PROFILE_INTENSITY". */
	char *name_suffix;
};

/*
 * profile_expand() - merge the includes of @path (whose text is @text,
 * @len bytes) and apply @sel. Returns 0 with @out filled (free it with
 * profile_source_free()), or -errno with "file:line: message" lines in
 * @err (-EINVAL: a missing or cyclic include, an unknown profile or
 * intensity, a section a profile may not hold).
 */
int profile_expand(const char *path, const char *text, size_t len,
		   const struct profile_select *sel, struct profile_source *out,
		   char *err, size_t err_sz);
void profile_source_free(struct profile_source *src);

/* True when @text uses includes, profiles or intensities at all. */
bool profile_needed(const char *text, size_t len);

/* The variants a file offers, for `--profile all` / `--intensity all`. */
struct profile_variants {
	char *profiles[PROFILE_MAX_VARIANTS]; /* [scenario] profiles = ... */
	size_t nprofiles;
	char *intensities[PROFILE_MAX_VARIANTS]; /* [intensity NAME], in order */
	size_t nintensities;
};

int profile_variants(const char *path, struct profile_variants *v, char *err,
		     size_t err_sz);
void profile_variants_free(struct profile_variants *v);

/* One scenario file with one choice of profile and intensity. */
struct profile_job {
	const char *path;
	struct profile_select sel;
	char *profile; /* owned; sel points here */
	char *intensity;
};

/*
 * profile_jobs() - every (file, profile, intensity) combination that
 * `cadet run --profile P --intensity I FILES` runs. @profiles and
 * @intensities are NULL (as the file says), "all" (the file's
 * `profiles =` list, every [intensity NAME]) or comma separated names.
 * Returns 0 with a malloc'd array, or -errno with a message in @err.
 */
int profile_jobs(char *const *files, size_t nfiles, const char *profiles,
		 const char *intensities, struct profile_job **jobs,
		 size_t *njobs, char *err, size_t err_sz);
void profile_jobs_free(struct profile_job *jobs, size_t njobs);

/*
 * scenario__load_variant() - scenario__load() with includes, profiles
 * and intensities resolved. @sel may be NULL (the file as written).
 */
struct scenario *scenario__load_variant(const char *path,
					const struct scenario_opts *opts,
					const struct profile_select *sel);

#endif
