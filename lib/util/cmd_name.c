// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "lib/util/cmd_name.h"

const char *cadet_cmd_name = "cadet";

void util_set_cmd_name(const char *subcommand)
{
	static char name[64];

	snprintf(name, sizeof(name), "cadet %s", subcommand);
	cadet_cmd_name = name;
}
