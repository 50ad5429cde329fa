/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared between gtio's files; not an interface. */
#ifndef GTIO_INTERNAL_H
#define GTIO_INTERNAL_H

#include "gtio.h"

/* Leaf access: what the entry at a dfn gives (GTIO_PTE_R/W bits). */
#define GTIO_ACCESS_NONE        0U
#define GTIO_ACCESS_R           1U
#define GTIO_ACCESS_RW          3U

extern const struct gtio_unit_ops *gtio_unit;

/* pt.c: d's second-level tables. */
int gtio_pt_set(struct domain *d, unsigned long dfn, unsigned int access,
                unsigned int *old_access);
unsigned int gtio_pt_get(struct domain *d, unsigned long dfn);
void gtio_pt_collapse(struct domain *d, unsigned long dfn);
void gtio_pt_free_table(struct domain *d, struct page_info *pg);
void gtio_pt_leak_table(struct domain *d, struct page_info *pg);

/* flush.c: invalidations, deferred inside a batch. */
bool gtio_in_batch(void);
void gtio_flush_note(struct domain *d, unsigned long dfn,
                     unsigned int flush_flags, bool reduced);
void gtio_flush_note_dead_table(struct domain *d, struct page_info *pg);
int gtio_flush_now(void);
void gtio_flush_reset(void);
void gtio_flush_confirmed_all(const struct domain *d);

#endif /* GTIO_INTERNAL_H */
