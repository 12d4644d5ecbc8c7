// SPDX-License-Identifier: MIT
/* Scenario files for `cadet run` (injector/catalogue.h). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "injector/catalogue.h"
#include "injector/host.h"

int scenario_load_reporting(const char *path, const struct profile_select *sel,
			    struct scenario **out)
{
	char err[8192];
	struct scenario_opts o = {
		.sz = sizeof(o), .errbuf = err, .errbuf_sz = sizeof(err)};

	*out = scenario__load_variant(path, &o, sel);
	if (!*out) {
		fputs(err, stderr);
		return -EINVAL;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenario_catalogue_list(const char *dir)
{
	char pattern[PATH_MAX], exe[PATH_MAX];
	glob_t g;
	int bad = 0, ret;

	if (!dir) {
		dir = "scenarios";
		if (!host_is_dir(dir) && host_exe_dir(exe, sizeof(exe))) {
			static char alt[PATH_MAX];

			if (snprintf(alt, sizeof(alt), "%s/../scenarios", exe) <
				    (int)sizeof(alt) &&
			    host_is_dir(alt))
				dir = alt;
		}
	}
	if (snprintf(pattern, sizeof(pattern), "%s/*.ini", dir) >=
	    (int)sizeof(pattern)) {
		fprintf(stderr, "cadet run: --dir: path too long\n");
		return 2;
	}
	ret = glob(pattern, 0, NULL, &g);
	if (ret == GLOB_NOMATCH) {
		fprintf(stderr, "cadet run: no scenario files (*.ini) in %s\n",
			dir);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "cadet run: cannot list %s\n", dir);
		return 1;
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
	printf("%-18s %-9s %-16s %s\n", "NAME", "CATEGORY", "ANOMALY",
	       "DESCRIPTION");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario *s;

		if (scenario_load_reporting(g.gl_pathv[i], NULL, &s)) {
			bad++;
			continue;
		}
		printf("%-18s %-9s %-16s %s\n", s->name,
		       scenario_category_name(s->category),
		       s->anomaly ? scenario_anomaly_class(s->anomaly) : "-",
		       s->description);
		scenario__free(s);
	}
	globfree(&g);
	return bad ? 2 : 0;
}
