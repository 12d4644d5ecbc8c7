/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the cadet binary: one tools/cmd_NAME.c each, which
 * parses its arguments with argp (argv[0] is the subcommand name) and
 * calls the library of the layer that does the work. Only tools/
 * includes this header.
 */
#ifndef CADET_TOOLS_COMMANDS_H
#define CADET_TOOLS_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
