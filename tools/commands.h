/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the cadet binary. Each lives in its own folder
 * (record in recorder/, run in injector/, ...) and parses its own
 * arguments with argp; argv[0] is the subcommand name.
 */
#ifndef CADET_TOOLS_COMMANDS_H
#define CADET_TOOLS_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
