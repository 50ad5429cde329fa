/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated machine as a whole (harness/README.md, "machine/").
 */
#ifndef HARNESS_MACHINE_H
#define HARNESS_MACHINE_H

/*
 * Back to power-on for a new run: time and the hooks' records of fatal
 * events, the fault points (disarmed, counts zero) and the heap (every
 * frame free).  The VT-d unit is reset with the run's capabilities when
 * Xen boots on it (world_boot(), vtd_sim_reset()).
 */
void machine_reset(void);

#endif /* HARNESS_MACHINE_H */
