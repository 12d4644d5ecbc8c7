// SPDX-License-Identifier: MIT
/* Test plugin that segfaults in on_event (see faulty.h). */
#define FAULT_SEGV_EVENT
#include "faulty.h"
