/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection and fatal-event recording for the simulated machine.
 *
 * Fault points are numbered and named; the fuzzer arms "fail the n-th hit
 * of any point from now" (as Linux's fail_nth) or "fail point p at its k-th
 * hit from now", so every injected failure is exactly reproducible from the
 * input.  Arming is one-shot.
 *
 * The second half is what hooks.c records when hypervisor code calls
 * BUG(), panic() or domain_crash(): the executor sets an unwind point so
 * that a fatal condition ends the input instead of the process.
 */
#ifndef HARNESS_FAULT_H
#define HARNESS_FAULT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every failure of the machine that the core must handle is one of these;
 * SECURITY.md ("Fault points") says where each fires, what the core must
 * do then, and which scenario and sweep (tests/harness/fault_sweep.c)
 * show it.
 */
enum fault_point {
    FP_PT_ALLOC,            /* an IOMMU table page (iommu_alloc_pgtable) */
    FP_MAPTRACK_ALLOC,      /* a maptrack frame (get_maptrack_handle) */
    FP_COUNTER_ALLOC,       /* a maptrack_tree node (radix-tree.c) */
    FP_GNTTAB_GROW,         /* a grant table frame (gnttab_grow_table) */
    FP_XMALLOC,             /* any other allocation (domain creation) */
    FP_REG_INV_TIMEOUT,     /* an IOTLB_REG/CCMD invalidation hangs */
    FP_QI_WAIT_TIMEOUT,     /* a QI wait completes late */
    FP_QI_ERROR,            /* a QI descriptor raises FSTS.IQE */
    FP_NR
};

/* Called at every hit of point p: true means "fail this one". */
bool fault_hit(enum fault_point p);

/* Fail the n-th hit (n >= 1) of any point from now; n == 0 disarms. */
void fault_arm_nth(unsigned int n);
/* Fail point p at its k-th hit (k >= 1) from now; k == 0 disarms it. */
void fault_arm_point(enum fault_point p, unsigned int k);
/* Whether any arming is still waiting to fire. */
bool fault_armed(void);
/* Whether fault_arm_nth()'s, or fault_arm_point(p)'s, is still waiting. */
bool fault_nth_armed(void);
bool fault_point_armed(enum fault_point p);

/* Everything back to "no fault armed, no hit counted". */
void fault_reset(void);

unsigned long fault_hits(enum fault_point p);
unsigned long fault_injected(enum fault_point p);
unsigned long fault_injected_total(void);
/* The point of the last injected failure, FP_NR if none since reset. */
enum fault_point fault_last_injected(void);

const char *fault_point_name(enum fault_point p);
/* The armings and which points failed, into digest h (digest.h). */
uint64_t fault_digest(uint64_t h);
/* FP_NR if the name is unknown. */
enum fault_point fault_point_by_name(const char *name);

/* ---- Fatal events and domain crashes (implemented in hooks.c) ---- */

enum harness_fatal_kind {
    HARNESS_FATAL_NONE,
    HARNESS_FATAL_BUG,      /* BUG(), BUG_ON(), ASSERT() in the core */
    HARNESS_FATAL_PANIC,    /* panic() */
};

struct harness_fatal {
    enum harness_fatal_kind kind;
    const char *file;       /* NULL for a panic */
    int line;
    char what[256];
};

/*
 * Where hh_bug()/hh_panic() longjmp to, with the kind as the value; NULL
 * (the default) makes them print the event and abort().
 */
void harness_set_unwind(jmp_buf *unwind);
/* The last fatal event since harness_hooks_reset(). */
const struct harness_fatal *harness_last_fatal(void);

/* domain_crash() calls since harness_hooks_reset(), and the last one. */
unsigned long harness_domain_crashes(void);
const char *harness_last_crash_file(void);
int harness_last_crash_line(void);
struct domain *harness_last_crash_domain(void);

/* printk() output is discarded unless this is set (or $GTIO_VERBOSE is). */
extern bool harness_verbose;
/* Whether printk() prints: harness_verbose, or $GTIO_VERBOSE not "0". */
bool harness_printk_on(void);

/* Virtual time back to 0, fatal and crash records cleared. */
void harness_hooks_reset(void);
/* Virtual nanoseconds each cpu_relax() takes (default 1000). */
void harness_set_relax_step(int64_t ns);

#endif /* HARNESS_FAULT_H */
