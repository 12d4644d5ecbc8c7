/* SPDX-License-Identifier: MIT */
/*
 * The name of the running command ("cadet run", "cadet record"), for
 * messages of library code that more than one command drives: the
 * recorder says "cadet run: ..." when `cadet run` records. Set once by
 * the entry point before it dispatches; "cadet" until then.
 */
#ifndef CADET_LIB_UTIL_CMD_NAME_H
#define CADET_LIB_UTIL_CMD_NAME_H

extern const char *cadet_cmd_name;

/* cadet_cmd_name = "cadet @subcommand" (truncated to fit). */
void util_set_cmd_name(const char *subcommand);

#endif /* CADET_LIB_UTIL_CMD_NAME_H */
