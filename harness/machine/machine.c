/* SPDX-License-Identifier: GPL-2.0-only */
/* The simulated machine as a whole: machine.h. */
#include "fault.h"
#include "heap.h"
#include "machine.h"

void machine_reset(void)
{
    harness_hooks_reset();
    fault_reset();
    heap_reset();
}
