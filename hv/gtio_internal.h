/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared between the core's files; not an interface. */
#ifndef GTIO_INTERNAL_H
#define GTIO_INTERNAL_H

#include "gtio.h"

/* Access a domain may have through its IOMMU at one bfn. */
#define GTIO_ACCESS_NONE        0U
#define GTIO_ACCESS_R           1U
#define GTIO_ACCESS_RW          3U

/* vtd.c: the remapping unit. */
int gtio_vtd_init(struct gtio_machine *m);
void gtio_vtd_teardown(struct gtio_machine *m);
bool gtio_vtd_cm(const struct gtio_vtd *v);
bool gtio_vtd_coherent(const struct gtio_vtd *v);
int gtio_vtd_queue_psi(struct gtio_machine *m, uint16_t did, unsigned long bfn,
                       unsigned int am);
int gtio_vtd_queue_dsi(struct gtio_machine *m, uint16_t did);
int gtio_vtd_queue_context_global(struct gtio_machine *m);
int gtio_vtd_sync(struct gtio_machine *m);
void gtio_vtd_write_entry(struct gtio_machine *m, uint64_t *entry,
                          uint64_t val);
int gtio_vtd_set_context(struct gtio_machine *m, unsigned int dev,
                         const struct gtio_domain *dom);

/* iommu_pt.c: second-level page tables of one domain. */
int gtio_pt_create_root(struct gtio_machine *m, struct gtio_domain *dom);
int gtio_pt_set(struct gtio_machine *m, struct gtio_domain *dom,
                unsigned long bfn, unsigned int access);
int gtio_pt_collapse(struct gtio_machine *m, struct gtio_domain *dom,
                     unsigned long bfn);
unsigned int gtio_pt_get(const struct gtio_domain *dom, unsigned long bfn);
void gtio_pt_free_all(struct gtio_machine *m, struct gtio_domain *dom);
void gtio_pt_free_table(struct gtio_machine *m, struct gtio_domain *dom,
                        uint64_t maddr);

/* flush.c: deferred invalidation and its failure handling. */
void gtio_flush_note_change(struct gtio_machine *m, struct gtio_domain *dom,
                            unsigned long bfn, unsigned int old_access,
                            unsigned int new_access);
int gtio_flush_note_dead_table(struct gtio_machine *m, struct gtio_domain *dom,
                               uint64_t maddr);
bool gtio_flush_pending_for(const struct gtio_machine *m, unsigned long mfn);
int gtio_flush_now(struct gtio_machine *m);
int gtio_flush_domain_now(struct gtio_machine *m, struct gtio_domain *dom);
void gtio_flush_failed(struct gtio_machine *m, struct gtio_domain *dom, int rc);

/* frame.c: PV frames, references and types. */
struct gtio_frame *gtio_frame_of(struct gtio_machine *m, unsigned long mfn);
int gtio_frame_get_ref(struct gtio_machine *m, unsigned long mfn,
                       domid_t owner);
int gtio_frame_put_ref(struct gtio_machine *m, unsigned long mfn);
int gtio_frame_get_type(struct gtio_machine *m, unsigned long mfn,
                        enum gtio_page_type type);
void gtio_frame_put_type(struct gtio_machine *m, unsigned long mfn);
unsigned int gtio_frame_own_access(const struct gtio_frame *f);

/* grant.c */
int gtio_grant_complete_releases(struct gtio_machine *m);
void gtio_grant_release_domain(struct gtio_machine *m, struct gtio_domain *dom);
int gtio_grant_build_counts(struct gtio_machine *m, struct gtio_domain *dom);
void gtio_grant_free_counts(struct gtio_domain *dom);
unsigned int gtio_grant_count_access(const struct gtio_machine *m,
                                     const struct gtio_map_count *c);
bool gtio_grant_pinned(const struct gtio_domain *dom);

/* domain.c */
struct gtio_domain *gtio_domain_live(struct gtio_machine *m, domid_t d);
void gtio_domain_try_reap(struct gtio_machine *m, struct gtio_domain *dom);
bool gtio_domain_iommu_on(const struct gtio_domain *dom);
int gtio_domain_block_devices(struct gtio_machine *m, struct gtio_domain *dom);

/* An op outside an explicit hypercall is a hypercall of its own. */
bool gtio_hypercall_enter(struct gtio_machine *m);
int gtio_hypercall_leave(struct gtio_machine *m, bool implicit, int rc);

#endif /* GTIO_INTERNAL_H */
