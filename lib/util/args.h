/* SPDX-License-Identifier: MIT */
/* Command lines as typed, for the headers of the files a command writes. */
#ifndef CADET_LIB_UTIL_ARGS_H
#define CADET_LIB_UTIL_ARGS_H

/*
 * @argv joined by single spaces into a new string (free() it), with
 * @argv0 in place of argv[0] when not NULL ("cadet run" for a subcommand
 * whose argv[0] is its own name). NULL on ENOMEM.
 */
char *util_join_args(const char *argv0, int argc, char *const *argv);

#endif /* CADET_LIB_UTIL_ARGS_H */
