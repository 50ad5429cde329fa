/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The named checks of DESIGN.md section 7.  Each failure is a distinct
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
 *   status-mismatch       an op's status is not what the model predicts
 *   accounting            pins, flags, references, types, maptrack, counts,
 *                         devices or leaks disagree with the model
 *   hypervisor-bug        BUG()/ASSERT() in the core (or a panic without
 *                         any injected fault)
 *   vtd-protocol          the core misused the hardware interface
 *
 * Memory safety is ASan's.  The checks read the simulated IOMMU through
 * vtd_sim.h and, for accounting only, the core's read-only views (gtio.h).
 */
#ifndef HARNESS_ORACLE_H
#define HARNESS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gtio.h"
#include "shadow.h"

/*
 * For loops that only compare states, run at every op: their coverage
 * would say nothing about the core, and comparison tracing would make them
 * the fuzzer's main cost.  Each such loop is a fast path in front of the
 * instrumented check, with the same predicate: when it finds a difference,
 * the check runs and reports it as before.
 */
#if defined(__clang__)
/* Not inlined: code inlined into an instrumented caller is instrumented. */
# define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
# define NO_COVERAGE
#endif

struct finding {
    const char *check;
    int domain;                 /* -1: none or quarantine */
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

/*
 * At a hypercall end; and after every op inside one with now set, against
 * shadow_allowed_now() (what deferred invalidations may still hold).
 */
bool oracle_stale_dma(const struct shadow *sh, bool now, struct finding *f);
bool oracle_dma_fault(const struct shadow *sh, const struct frame_set *fs,
                      struct finding *f);

/* At the events, right after the op in which they happened. */
bool oracle_freed_reachable(const struct shadow *sh, unsigned long mfn,
                            struct finding *f);
bool oracle_pagetable_writable(const struct shadow *sh, unsigned long mfn,
                               struct finding *f);
/*
 * strict: the core cleared the bits (the model may still count the
 * grantee's unmapped handles as pending: they must be gone by now);
 * otherwise the model did, and deferred invalidations of the grantee's
 * other unmaps may still be outstanding.
 */
bool oracle_grant_released_early(const struct shadow *sh,
                                 const struct sh_flag_clear *ev, bool strict,
                                 struct finding *f);

/* After every op: the core's state against the model's. */
bool oracle_accounting(const struct shadow *sh, struct gtio_machine *m,
                       const struct frame_set *fs, struct finding *f);

/*
 * At a hypercall end of a run without injected faults: table pages and
 * allocations against what the model's state needs.
 */
struct heap_base {
    unsigned int pages;         /* heap pages after machine init */
    unsigned int xmallocs;
};
bool oracle_leaks(const struct shadow *sh, struct gtio_machine *m,
                  const struct heap_base *base, const struct frame_set *fs,
                  struct finding *f);

/* Table pages a domain's IOMMU needs for what allowed() says it maps. */
unsigned int oracle_expected_tables(const struct shadow *sh, unsigned int d,
                                    const struct frame_set *fs);

#endif /* HARNESS_ORACLE_H */
