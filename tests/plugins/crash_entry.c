// SPDX-License-Identifier: MIT
/* Test plugin that segfaults in its entry function (see faulty.h). */
#define FAULT_SEGV_ENTRY
#include "faulty.h"
