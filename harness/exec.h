/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor: runs an op sequence on the core, the simulated VT-d and
 * the shadow model together, and checks the oracles where DESIGN.md
 * section 7 puts them:
 *
 *   after every op          status-mismatch (and vtd-protocol);
 *                           freed-reachable and pagetable-writable for
 *                           every frame the op freed or typed page table
 *                           or descriptor, as the model expects and as the
 *                           core did it; inside a hypercall, stale-dma
 *                           against what deferred invalidations may still
 *                           hold; grant-released-early for every grant
 *                           whose GTF_reading/GTF_writing went; accounting
 *   at every hypercall end  stale-dma, dma-fault, and (in runs without
 *                           injected faults) table-page and allocation leaks
 *   at the end of the input every domain destroyed, then nothing may be
 *                           left: domains, handles, references, heap
 *
 * An op outside begin/end is a hypercall of its own (create and
 * grant_write excepted: they do no hypervisor work); a begin inside a
 * hypercall and an end outside one are ignored, so that every op sequence
 * runs, and an input that ends inside a hypercall gets its end.  A BUG()
 * in the core is a finding; a panic after an injected fault is a
 * fail-stop (the design stops rather than reuse memory a device may
 * reach), not a finding.
 *
 * Under injected faults the model is re-applied with the outcome the core
 * shows (shadow_reapply()): a failed op must leave no trace, a failed
 * flush crashes the domain (blocking its devices) unless it is the
 * hardware domain, whose devices are then excused from stale-dma and
 * dma-fault until it is destroyed; freed-reachable holds for everyone.
 *
 * One run at a time (the core, the simulated machine and the model are
 * process-wide); resetting between runs costs what the last run touched.
 */
#ifndef HARNESS_EXEC_H
#define HARNESS_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "oracle.h"
#include "trace.h"

struct exec_opts {
    /* Each op, its status and the state it changed (replay); or NULL. */
    FILE *log;
    /* The finding line and the trace up to it; or NULL. */
    FILE *report;
    /*
     * Tests of the oracles: called just before the core runs op idx and
     * just after it returned (before any check), to break the core's
     * state the way a defect would.  NULL normally.
     */
    void (*before_op)(struct gtio_machine *m, size_t idx, void *ctx);
    void (*after_op)(struct gtio_machine *m, size_t idx, void *ctx);
    void *ctx;
};

struct exec_result {
    bool finding;
    struct finding f;
    bool fail_stop;             /* panic after an injected fault */
    size_t ops_run;             /* ops of the input executed */
    unsigned long faults;       /* faults injected */
};

/* Run t; true if it ran to its end without a finding. */
bool exec_run(const struct trace *t, const struct exec_opts *opts,
              struct exec_result *res);

/*
 * The status an op returned is printed with this (errno names for the
 * hypervisor ops, GNTST_* names for grant ops).
 */
const char *exec_status_name(unsigned int kind, int status);

#endif /* HARNESS_EXEC_H */
