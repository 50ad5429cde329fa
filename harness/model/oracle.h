/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The named checks of docs/design.md, "The model and the checks".  Each failure is a distinct
 * finding:
 *
 *   stale-dma             a device can reach more than allowed(), or a frame
 *                         other than bfn, or memory through a wild walk
 *   dma-fault             an allowed DMA may fault
 *   freed-reachable       a frame just freed is reachable by a device
 *   pagetable-writable    a frame just typed page table / descriptor is
 *                         DMA-writable
 *   grant-released-early  a granter's GTF_reading/GTF_writing was cleared
 *                         while the grantee's devices still reach the frame
 *   status-mismatch       an op's status (Xen's GNTST_ or errno) is not
 *                         what the model predicts
 *   accounting            pins, flags, references, types, maptrack, counts,
 *                         devices or leaks disagree with the model
 *   hypervisor-bug        BUG()/ASSERT() in Xen or the core (or a panic
 *                         without any injected fault)
 *   vtd-protocol          the VT-d driver misused the hardware interface
 *
 * Memory safety is ASan's.  The checks read the simulated IOMMU through
 * vtd_sim.h and, for accounting only, Xen's state through world.h's
 * read-only views.
 */
#ifndef HARNESS_ORACLE_H
#define HARNESS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nocov.h"
#include "shadow.h"


struct finding {
    const char *check;
    int domain;                 /* domid; -1: none or quarantine */
    long bfn;                   /* -1: not applicable */
    long mfn;
    char possible[8];           /* R, W, RW, fault, wild, - */
    char allowed[8];            /* none, R, RW, - */
    size_t op;                  /* index of the op after which it was seen */
    char detail[320];
};

void finding_init(struct finding *f, const char *check, size_t op);
/* The one FINDING line (with newline), then '# detail' if there is one. */
void finding_print(FILE *out, const struct finding *f);

/* At the end of every call. */
bool oracle_stale_dma(const struct shadow *sh, struct finding *f);
bool oracle_dma_fault(const struct shadow *sh, const struct frame_set *fs,
                      struct finding *f);

/* At the events, at the instant they happen inside Xen. */
bool oracle_freed_reachable(const struct shadow *sh, unsigned long mfn,
                            struct finding *f);
bool oracle_pagetable_writable(const struct shadow *sh, unsigned long mfn,
                               unsigned int type, struct finding *f);
/*
 * What the devices that may use slot d's context can do to frame mfn now
 * (SIM_R/SIM_W bits, through any bfn; *bfn: one that gives the most),
 * beyond what the domain that owns such a device now, if not d, may
 * reach there itself: recorded when a grant's status bits go, judged
 * against the model once the call is applied.
 */
unsigned int oracle_reach_of(const struct shadow *sh, unsigned int d,
                             unsigned long mfn, unsigned long *bfn);

/*
 * What the accounting compares besides every domain and device: the
 * frames of frames (their page_info, and the per-frame counts of the
 * domains of slots), the grant entries of the domains of slots, and of
 * their maptracks either every handle (all_handles) or only those of
 * handle[] (accounting_handle() pairs of slot and handle).
 */
struct accounting_scope {
    const struct frame_set *frames;
    unsigned int slots;                 /* ~0U: every domain */
    bool all_handles;
    const uint32_t *handle;
    unsigned int nr_handles;
};

static inline uint32_t accounting_handle(unsigned int slot,
                                         unsigned int handle)
{
    return slot << 16 | (handle & 0xffff);
}

/* After every call: Xen's state (as world.h shows it) against the model's. */
bool oracle_accounting(const struct shadow *sh,
                       const struct accounting_scope *scope,
                       struct finding *f);

/*
 * How much the accounting and the DMA checks compared, running totals:
 * what a test of their cost counts, as timing cannot be asserted.
 */
struct oracle_work {
    unsigned long frames;           /* page_info compared */
    unsigned long counts;           /* per-frame counts compared */
    unsigned long entries;          /* grant entries compared */
    unsigned long handles;          /* maptrack entries compared */
    unsigned long dma_frames;       /* frames dma-fault looked at */
    unsigned long table_frames;     /* frames the table-page count looked at */
};

extern struct oracle_work oracle_work;

/*
 * For the table-page count: the frames allowed() lets each domain's
 * IOMMU reach, and how many of them each leaf table (512 bfns) covers,
 * as last counted.  Kept between calls, so that after a call that can
 * change the frames it names only, the count reads those alone.
 */
#define TALLY_LEAVES    ((RUN_MAX_FRAMES + 511) / 512)

struct table_tally {
    uint64_t allowed[SH_DOMAINS][(RUN_MAX_FRAMES + 63) / 64];
    uint16_t in_leaf[SH_DOMAINS][TALLY_LEAVES];
};

/* Forgets every frame: before the tally reads all of a run's again. */
void oracle_tally_reset(struct table_tally *t);

/* Reads again, for each domain, whether allowed() reaches fs's frames. */
void oracle_tally_frames(struct table_tally *t, const struct shadow *sh,
                         const struct frame_set *fs);

/*
 * At the end of each call: each domain's IOMMU table pages against what
 * its mappings need, from the tally; after a flush fault, for every
 * domain it did not touch (a touched one may hold what the failed flush
 * was to retire).
 */
bool oracle_table_pages(const struct shadow *sh, const struct table_tally *t,
                        struct finding *f);

#endif /* HARNESS_ORACLE_H */
