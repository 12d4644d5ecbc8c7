// SPDX-License-Identifier: MIT
/* Test plugin that calls exit(0) in init (see faulty.h). */
#define FAULT_EXIT_INIT
#include "faulty.h"
