// SPDX-License-Identifier: MIT
/* Test plugin that sleeps forever in on_event (see faulty.h). */
#define FAULT_HANG_EVENT
#include "faulty.h"
