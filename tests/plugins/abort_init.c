// SPDX-License-Identifier: MIT
/* Test plugin that calls abort() in init (see faulty.h). */
#define FAULT_ABORT_INIT
#include "faulty.h"
