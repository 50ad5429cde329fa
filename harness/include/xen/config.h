/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/config.h>: the build's configuration.  Xen's own
 * sets none of these, so gtio keeps Xen's values there.
 */
#ifndef SHIM_XEN_CONFIG_H
#define SHIM_XEN_CONFIG_H

/*
 * gtio's batch record holds twice Xen's: an input chooses its limits
 * (gtio_config) from 1 to past Xen's, so that every limit is reached by
 * short inputs and the code past Xen's value is exercised too.
 */
#define CONFIG_GTIO_PENDING_PAGES   16
#define CONFIG_GTIO_PENDING_TABLES  16
#define CONFIG_GTIO_BATCH_DOMAINS   8

#endif /* SHIM_XEN_CONFIG_H */
