/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's own xen/common/radix-tree.c, compiled as it is: the
 * maptrack_tree of grant_table.c keeps its per-frame counters in it.
 */
#include <common/radix-tree.c>
