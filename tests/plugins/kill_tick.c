// SPDX-License-Identifier: MIT
/* Test plugin that raises SIGKILL in on_tick (see faulty.h). */
#define FAULT_KILL_TICK
#include "faulty.h"
