/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbered fault points, armed like Linux's fail_nth.
 *
 * Two independent one-shot armings exist: a countdown over the hits of all
 * points (fault_arm_nth) and a countdown per point (fault_arm_point).  A
 * hit that brings either to zero fails; both count the same hit, so an
 * input that arms both gets exactly what it asked for.
 */
#include <string.h>

#include "digest.h"
#include "fault.h"

static const char *const point_names[FP_NR] = {
    [FP_PT_ALLOC]           = "pt-alloc",
    [FP_MAPTRACK_ALLOC]     = "maptrack-alloc",
    [FP_COUNTER_ALLOC]      = "counter-alloc",
    [FP_GNTTAB_GROW]        = "gnttab-grow",
    [FP_XMALLOC]            = "xmalloc",
    [FP_REG_INV_TIMEOUT]    = "reg-inv-timeout",
    [FP_QI_WAIT_TIMEOUT]    = "qi-wait-timeout",
    [FP_QI_ERROR]           = "qi-error",
};

static struct {
    unsigned int nth_left;              /* 0: not armed */
    unsigned int point_left[FP_NR];     /* 0: not armed */
    unsigned long hits[FP_NR];
    unsigned long injected[FP_NR];
    unsigned long injected_total;
    enum fault_point last;
} faults = { .last = FP_NR };

static bool valid_point(enum fault_point p)
{
    return (unsigned int)p < FP_NR;
}

bool fault_hit(enum fault_point p)
{
    bool fail = false;

    if ( !valid_point(p) )
        return false;
    faults.hits[p]++;

    /* Count down both armings on this hit, even if the first one fires. */
    if ( faults.nth_left && --faults.nth_left == 0 )
        fail = true;
    if ( faults.point_left[p] && --faults.point_left[p] == 0 )
        fail = true;

    if ( fail )
    {
        faults.injected[p]++;
        faults.injected_total++;
        faults.last = p;
    }
    return fail;
}

void fault_arm_nth(unsigned int n)
{
    faults.nth_left = n;
}

void fault_arm_point(enum fault_point p, unsigned int k)
{
    if ( valid_point(p) )
        faults.point_left[p] = k;
}

bool fault_armed(void)
{
    unsigned int p;

    if ( faults.nth_left )
        return true;
    for ( p = 0; p < FP_NR; p++ )
        if ( faults.point_left[p] )
            return true;
    return false;
}

bool fault_nth_armed(void)
{
    return faults.nth_left;
}

bool fault_point_armed(enum fault_point p)
{
    return valid_point(p) && faults.point_left[p];
}

void fault_reset(void)
{
    memset(&faults, 0, sizeof(faults));
    faults.last = FP_NR;
}

unsigned long fault_hits(enum fault_point p)
{
    return valid_point(p) ? faults.hits[p] : 0;
}

unsigned long fault_injected(enum fault_point p)
{
    return valid_point(p) ? faults.injected[p] : 0;
}

unsigned long fault_injected_total(void)
{
    return faults.injected_total;
}

enum fault_point fault_last_injected(void)
{
    return faults.last;
}

const char *fault_point_name(enum fault_point p)
{
    return valid_point(p) ? point_names[p] : "none";
}

enum fault_point fault_point_by_name(const char *name)
{
    unsigned int p;

    for ( p = 0; name && p < FP_NR; p++ )
        if ( !strcmp(point_names[p], name) )
            return p;
    return FP_NR;
}

/*
 * What decides later injections and how the executor judges them: the
 * armings, and which points have failed before (not how often any was
 * hit).
 */
uint64_t fault_digest(uint64_t h)
{
    unsigned int p;

    h = digest_u64(h, faults.nth_left);
    for ( p = 0; p < FP_NR; p++ )
    {
        h = digest_u64(h, faults.point_left[p]);
        h = digest_u64(h, faults.injected[p] != 0);
    }
    return h;
}
