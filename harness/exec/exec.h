/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor: runs an op sequence on Xen (grant_table.c, the core and
 * the stand-ins of world.h), the simulated VT-d and the shadow model
 * together, and checks the oracles where docs/design.md, "The model and the checks" puts them.
 *
 * The ops run as calls: a grant map or unmap op is one hypercall, or,
 * between `begin` and `end`, consecutive ones of the same domain and kind
 * are one hypercall with several ops; every other op is a call of its own
 * (fault arming is not a call).  For each call:
 *
 *   inside Xen, as they happen   freed-reachable (a guest frame went back
 *                                to the heap), pagetable-writable (a frame
 *                                is about to be validated as a page table
 *                                or descriptor), and what the grantee's
 *                                devices reach when a granter's status
 *                                bits go
 *   after it                     status-mismatch (each op's status, the
 *                                handles and bus addresses Xen gave, the
 *                                sizes it reported), grant-released-early
 *                                (judged against the model), stale-dma,
 *                                dma-fault, vtd-protocol, accounting, and
 *                                the IOMMU table pages (after a flush
 *                                fault, of the domains it did not touch)
 *   at the end of the input      every domain destroyed, then nothing may
 *                                be left: domains, heap pages, allocations
 *
 * The model is applied after Xen ran, from the ops' meaning alone; if an
 * injected fault (or a domain left held by an earlier one) makes the
 * outcome depend on Xen, it is re-applied with the outcome Xen shows,
 * within what the design allows (shadow_reapply()).  A BUG() in Xen or the
 * core is a finding; a panic the injected faults explain (a hung register,
 * or a second invalidation failing in the call: panic_justified()) is a
 * fail-stop (the design stops rather than reuse memory a device may
 * reach), not one.
 *
 * One run at a time (Xen, the simulated machine and the model are
 * process-wide); resetting between runs costs what the last run touched.
 */
#ifndef HARNESS_EXEC_H
#define HARNESS_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "oracle.h"
#include "trace.h"

/* One op of a finished call, as the guest saw it. */
struct exec_op_view {
    size_t idx;                 /* its index in the input */
    const struct op *op;
    int status;                 /* GNTST_* for grant ops, else 0 or -errno */
    uint32_t handle;            /* a map that succeeded: its handle */
    uint64_t dev_bus_addr;      /* ... and its bus address */
};

struct exec_call_view {
    unsigned int nr;
    struct exec_op_view op[SH_MAX_CALL];
};

struct exec_opts {
    /* Each op, its status and the state it changed (replay); or NULL. */
    FILE *log;
    /* The finding line and the trace up to it; or NULL. */
    FILE *report;
    /*
     * Tests of the oracles: called just before Xen runs the call that
     * ends with op idx and just after it returned (before any check), to
     * break the state the way a defect would.  NULL normally.
     */
    void (*before_op)(size_t idx, void *ctx);
    void (*after_op)(size_t idx, void *ctx);
    /*
     * Called once a call of the input passed every check after it (not
     * for the teardown), with what each of its ops gave the guest: the
     * observable side of a run (harness/tools/dual.c compares it with a real
     * unit's).  NULL normally.
     */
    void (*after_call)(const struct exec_call_view *call, void *ctx);
    /*
     * Called once every op of the input ran without a finding, before the
     * teardown: exec_digest() there is the state the input left
     * (harness/tools/explore.c).  Returning false ends the run there,
     * without the teardown and its checks (the explorer, for a state whose
     * teardown it has checked already).  NULL normally.
     */
    bool (*at_end)(void *ctx);
    void *ctx;
};

struct exec_result {
    bool finding;
    struct finding f;
    bool fail_stop;             /* panic after an injected fault */
    size_t ops_run;             /* ops of the input executed */
    unsigned long faults;       /* faults injected */
    /* How often the core reached each limit of its batch record. */
    unsigned long pages_full, tables_full, domains_full;
    /* Maps Xen refused for a pin counter at its limit (pin_bits). */
    unsigned long pins_full;
    /*
     * Maps Xen refused for want of a handle (GNTST_no_space): a full
     * maptrack, or a frame for it that an injected fault withheld.
     */
    unsigned long maptrack_full;
    /*
     * Setup_tables refused for asking past the domain's grant frames, and
     * creates refused for a maximum past Xen's (opt_max_grant_frames).
     */
    unsigned long gnttab_full;
    /*
     * Maps Xen refused for a per-frame mapping count at its limit (only
     * in a build whose counts are narrowed: make count-flavour).
     */
    unsigned long count_full;
    /* Unmap hypercalls that ran past their first chunk (unmap_batch). */
    unsigned long unmap_chunked;
    /* Hypercalls stopped by a preemption check and continued (OP_PREEMPT). */
    unsigned long preemptions;
    /*
     * Reads of the queue head with the invalidation queue full: the
     * driver waiting for room (qi_entries).
     */
    unsigned long queue_full;
    /*
     * How far each limit was from the fullest record: 0, its limit path
     * taken; 1, full; n, n - 1 entries short.
     */
    unsigned int pages_left, tables_left, domains_left, pins_left;
    unsigned int maptrack_left, unmap_left, queue_left, count_left;
};

/* Run t; true if it ran to its end without a finding. */
bool exec_run(const struct trace *t, const struct exec_opts *opts,
              struct exec_result *res);

/*
 * A digest of the whole state between calls (harness/machine/digest.h): the
 * model, the guests' memory of their mappings, Xen's domains, fault
 * armings, the heap frames (Xen's grant and IOMMU tables among them) and
 * the simulated unit.  Two runs with equal digests are taken to behave
 * alike from there on.
 */
uint64_t exec_digest(void);

/*
 * The status an op returned is printed with this (GNTST_* names for grant
 * table ops, errno names for the others).
 */
const char *exec_status_name(unsigned int kind, int status);

#endif /* HARNESS_EXEC_H */
