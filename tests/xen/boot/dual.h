/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The booted side of harness/tools/dual.c: dual traces run op by op through
 * /proc/gtio-dual (dual.c).
 */
#ifndef GTIO_BOOT_DUAL_H
#define GTIO_BOOT_DUAL_H

struct device;

/*
 * Create /proc/gtio-dual; dev is the edu device, grants come from domain
 * domid (0: none).
 */
void dual_start(struct device *dev, int domid);
void dual_stop(void);

#endif /* GTIO_BOOT_DUAL_H */
