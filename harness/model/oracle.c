/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checks of docs/design.md, "The model and the checks" (see oracle.h).  The DMA checks ask the
 * simulated VT-d what each device could do now (every translation it may
 * still hold, not just the current tables) and compare with the shadow
 * model; the accounting check compares Xen's state, read through
 * world.h's views, with it.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <public/grant_table.h>

#include "heap.h"
#include "oracle.h"
#include "trace.h"
#include "vtd_sim.h"
#include "vtd_hw.h"
#include "xen/world.h"

void finding_init(struct finding *f, const char *check, size_t op)
{
    memset(f, 0, sizeof(*f));
    f->check = check;
    f->domain = -1;
    f->bfn = -1;
    f->mfn = -1;
    f->op = op;
    snprintf(f->possible, sizeof(f->possible), "-");
    snprintf(f->allowed, sizeof(f->allowed), "-");
}

static void detail(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void detail(struct finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
    va_end(ap);
}

void finding_print(FILE *out, const struct finding *f)
{
    char d[12], bfn[24], mfn[24];

    if ( f->domain < 0 )
        snprintf(d, sizeof(d), "-");
    else
        snprintf(d, sizeof(d), "%d", f->domain);
    if ( f->bfn < 0 )
        snprintf(bfn, sizeof(bfn), "-");
    else
        snprintf(bfn, sizeof(bfn), "%ld", f->bfn);
    if ( f->mfn < 0 )
        snprintf(mfn, sizeof(mfn), "-");
    else
        snprintf(mfn, sizeof(mfn), "%ld", f->mfn);
    fprintf(out, "FINDING %s d=%s bfn=%s mfn=%s possible=%s allowed=%s "
            "op=%zu\n", f->check, d, bfn, mfn, f->possible, f->allowed,
            f->op);
    if ( f->detail[0] )
        fprintf(out, "# %s\n", f->detail);
}

struct oracle_work oracle_work;

/* ---- frame sets ---- */

void frame_set_init(struct frame_set *s, unsigned long nr)
{
    memset(s->bits, 0, sizeof(s->bits));
    s->nr = nr < RUN_MAX_FRAMES ? nr : RUN_MAX_FRAMES;
}

void frame_set_add(struct frame_set *s, unsigned long mfn)
{
    if ( mfn < s->nr )
        s->bits[mfn / 64] |= 1ULL << (mfn % 64);
}

/* A bit scan: no coverage (see NO_COVERAGE), the loops using it have it. */
unsigned long NO_COVERAGE frame_set_next(const struct frame_set *s,
                                         unsigned long mfn)
{
    unsigned long w;
    uint64_t bits;

    if ( mfn >= s->nr )
        return s->nr;
    w = mfn / 64;
    bits = s->bits[w] & (~0ULL << (mfn % 64));
    while ( !bits )
    {
        if ( ++w >= (s->nr + 63) / 64 )
            return s->nr;
        bits = s->bits[w];
    }
    mfn = w * 64 + __builtin_ctzll(bits);
    return mfn < s->nr ? mfn : s->nr;
}

static const char *sim_access_name(unsigned int access)
{
    switch ( access & (SIM_R | SIM_W) )
    {
    case SIM_R:             return "R";
    case SIM_W:             return "W";
    case SIM_R | SIM_W:     return "RW";
    default:                return "fault";
    }
}

static int domid_of(const struct shadow *sh, unsigned int slot)
{
    return slot < SH_DOMAINS ? (int)sh->dom[slot].domid : -1;
}

static int owner_for_report(const struct shadow *sh, unsigned int dev)
{
    return domid_of(sh, sh->dev[dev].owner);
}

static void describe_device(char *buf, size_t len, const struct shadow *sh,
                            unsigned int dev)
{
    const struct sh_device *dv = &sh->dev[dev];
    char moved[64] = "", left[40];

    if ( dv->unconfirmed )
    {
        shadow_stale_contexts_name(sh, left, sizeof(left), dv);
        snprintf(moved, sizeof(moved), ", move from %s unconfirmed", left);
    }
    if ( dv->owner == SH_NOBODY )
        snprintf(buf, len, "dev %u (quarantine%s)", dev, moved);
    else
        snprintf(buf, len, "dev %u (d%u%s)", dev, sh->dom[dv->owner].domid,
                 moved);
}

/*
 * What a device may reach at bfn: what allowed() gives the domain it
 * belongs to and, while moves are unconfirmed, the domains it left.
 */
static unsigned int device_allowed(const struct shadow *sh, unsigned int dev,
                                   unsigned long bfn)
{
    const struct sh_device *dv = &sh->dev[dev];
    unsigned int bits = 0, d;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( sh_device_may_use(dv, d) )
            bits |= sh_access_bits(shadow_may_reach(sh, d, bfn));
    return bits;
}

static const char *bits_name(unsigned int bits)
{
    return bits == (SIM_R | SIM_W) ? "RW" : bits == SIM_R ? "R" :
           bits == SIM_W ? "W" : "none";
}

/* ---- walking the possible translations ---- */

enum walk_rule {
    RULE_STALE,         /* no more than allowed, at frame bfn */
    RULE_FRAME,         /* no access at all to one frame */
    RULE_WRITE,         /* no write to one frame */
    RULE_REACH,         /* collect the access to one frame */
};

struct walk {
    const struct shadow *sh;
    enum walk_rule rule;
    unsigned long mfn;          /* RULE_FRAME/WRITE/REACH */
    unsigned int reach;         /* RULE_REACH: the access found */
    unsigned long reach_bfn;    /* RULE_REACH: a bfn giving all of it */
    bool bad;
    unsigned int dev;
    struct sim_translation t;
    unsigned int allowed;
};

static bool visit(void *ctx, unsigned int dev, const struct sim_translation *t)
{
    struct walk *w = ctx;
    unsigned int access = t->access & (SIM_R | SIM_W), allowed;

    if ( !access )
        return true;
    switch ( w->rule )
    {
    case RULE_STALE:
        allowed = device_allowed(w->sh, dev, t->bfn);
        w->bad = t->mfn != t->bfn || (access & ~allowed);
        break;
    case RULE_FRAME:
        allowed = 0;
        w->bad = t->mfn == w->mfn;
        break;
    case RULE_WRITE:
        allowed = 0;
        w->bad = t->mfn == w->mfn && (access & SIM_W);
        break;
    default:
        if ( t->mfn == w->mfn && (access & ~w->reach) )
        {
            /* The bfn that adds the most: W outranks R. */
            if ( !w->reach || (access & SIM_W) )
                w->reach_bfn = t->bfn;
            w->reach |= access;
        }
        return true;
    }
    if ( !w->bad )
        return true;
    w->dev = dev;
    w->t = *t;
    w->allowed = allowed;
    return false;
}

static void report_translation(struct finding *f, const struct walk *w,
                               const char *what)
{
    char dev[96];

    describe_device(dev, sizeof(dev), w->sh, w->dev);
    f->domain = owner_for_report(w->sh, w->dev);
    f->bfn = w->t.bfn;
    f->mfn = w->t.mfn;
    snprintf(f->possible, sizeof(f->possible), "%s",
             sim_access_name(w->t.access));
    snprintf(f->allowed, sizeof(f->allowed), "%s", bits_name(w->allowed));
    detail(f, "%s: %s may use did %u bfn %lu -> mfn %lu %s", what, dev,
           w->t.did, w->t.bfn, w->t.mfn, sim_access_name(w->t.access));
}

static bool check_wild(const struct shadow *sh, unsigned int dev,
                       struct finding *f)
{
    char why[160], desc[96];

    if ( !vtd_sim_wild(dev, why, sizeof(why)) )
        return false;
    describe_device(desc, sizeof(desc), sh, dev);
    f->domain = owner_for_report(sh, dev);
    snprintf(f->possible, sizeof(f->possible), "wild");
    snprintf(f->allowed, sizeof(f->allowed), "none");
    detail(f, "%s can reach arbitrary memory: %s", desc, why);
    return true;
}

static bool walk_all(struct walk *w, struct finding *f, const char *what,
                     bool include_excused)
{
    unsigned int dev;

    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        if ( !include_excused && shadow_device_excused(w->sh, dev) )
            continue;
        if ( check_wild(w->sh, dev, f) )
            return true;
        vtd_sim_for_each_reachable(dev, visit, w);
        if ( w->bad )
        {
            report_translation(f, w, what);
            return true;
        }
    }
    return false;
}

bool oracle_stale_dma(const struct shadow *sh, struct finding *f)
{
    struct walk w = { .sh = sh, .rule = RULE_STALE };
    unsigned int dev;

    /* A wild walk is stale for everyone, excused devices included. */
    for ( dev = 0; dev < SH_DEVICES; dev++ )
        if ( check_wild(sh, dev, f) )
            return true;
    if ( !walk_all(&w, f, "more than allowed", false) )
        return false;
    if ( w.t.mfn != w.t.bfn )
        detail(f, "translation to another frame: did %u bfn %lu -> mfn %lu",
               w.t.did, w.t.bfn, w.t.mfn);
    return true;
}

bool oracle_dma_fault(const struct shadow *sh, const struct frame_set *fs,
                      struct finding *f)
{
    unsigned int dev;
    unsigned long bfn;

    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        const struct sh_device *dv = &sh->dev[dev];
        const struct sh_domain *dom;

        /* A device whose move is unconfirmed may still use the old context. */
        if ( dv->owner == SH_NOBODY || dv->unconfirmed ||
             shadow_device_excused(sh, dev) )
            continue;
        dom = &sh->dom[dv->owner];
        if ( dom->state != SH_DOM_LIVE || dom->crashed )
            continue;
        for_each_frame ( bfn, fs )
        {
            enum sh_access a = shadow_allowed(sh, dv->owner, bfn);

            oracle_work.dma_frames++;
            if ( a == SH_NONE ||
                 !vtd_sim_may_fault(dev, bfn, sh_access_bits(a)) )
                continue;
            f->domain = dom->domid;
            f->bfn = bfn;
            f->mfn = bfn;
            snprintf(f->possible, sizeof(f->possible), "fault");
            snprintf(f->allowed, sizeof(f->allowed), "%s", sh_access_name(a));
            detail(f, "dev %u of d%u: a %s DMA at bfn %lu may fault", dev,
                   dom->domid, sh_access_name(a), bfn);
            return true;
        }
    }
    return false;
}

bool oracle_freed_reachable(const struct shadow *sh, unsigned long mfn,
                            struct finding *f)
{
    struct walk w = { .sh = sh, .rule = RULE_FRAME, .mfn = mfn };
    char what[64];

    snprintf(what, sizeof(what), "frame %lu was freed", mfn);
    if ( !walk_all(&w, f, what, true) )
        return false;
    if ( f->mfn < 0 )
        f->mfn = mfn;
    return true;
}

bool oracle_pagetable_writable(const struct shadow *sh, unsigned long mfn,
                               unsigned int type, struct finding *f)
{
    struct walk w = { .sh = sh, .rule = RULE_WRITE, .mfn = mfn };
    char what[96];

    snprintf(what, sizeof(what), "frame %lu is being validated as %s", mfn,
             page_type_name(type));
    if ( !walk_all(&w, f, what, true) )
        return false;
    if ( f->mfn < 0 )
        f->mfn = mfn;
    return true;
}

/*
 * What dev's current owner, if another domain than d, may itself reach at
 * mfn: a device that left d reaching the frame as its new owner may is no
 * sign that d's mapping of it lives on.
 */
static unsigned int new_owner_may_reach(const struct shadow *sh,
                                        unsigned int dev, unsigned int d,
                                        unsigned long mfn)
{
    unsigned int owner = sh->dev[dev].owner;

    if ( owner == d || owner >= SH_DOMAINS )
        return 0;
    return sh_access_bits(shadow_may_reach(sh, owner, mfn));
}

unsigned int oracle_reach_of(const struct shadow *sh, unsigned int d,
                             unsigned long mfn, unsigned long *bfn)
{
    unsigned int dev, reach = 0, beyond;

    *bfn = 0;
    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        struct walk w = { .sh = sh, .rule = RULE_REACH, .mfn = mfn };

        if ( !sh_device_may_use(&sh->dev[dev], d) )
            continue;
        vtd_sim_for_each_reachable(dev, visit, &w);
        beyond = w.reach & ~new_owner_may_reach(sh, dev, d, mfn);
        /* The bfn that adds the most: W outranks R. */
        if ( beyond && (!reach || (beyond & SIM_W)) )
            *bfn = w.reach_bfn;
        reach |= beyond;
    }
    return reach;
}

/* ---- accounting ---- */

static bool account_fail(struct finding *f, int d, long mfn, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

static bool account_fail(struct finding *f, int d, long mfn, const char *fmt,
                         ...)
{
    va_list ap;

    f->domain = d;
    f->mfn = mfn;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
    va_end(ap);
    return true;
}

static const char *const state_names[] = { "none", "live", "dying", "dead" };

/* Xen's domain, as the model's states name it. */
static unsigned int xen_state(const struct domain *d)
{
    switch ( d->is_dying )
    {
    case DOMDYING_alive:    return SH_DOM_LIVE;
    case DOMDYING_dying:    return SH_DOM_DYING;
    default:                return SH_DOM_DEAD;
    }
}

static bool account_domains(const struct shadow *sh, struct finding *f)
{
    unsigned int per_frame = sh_handles_per_frame(&sh->hdr);
    const struct domain *xd;
    unsigned int d;

    for ( xd = world_first_domain(); xd; xd = world_next_domain(xd) )
        if ( shadow_slot(sh, xd->domain_id) == SH_NOBODY )
            return account_fail(f, xd->domain_id, -1, "Xen has d%u (%s), "
                                "the model none", xd->domain_id,
                                state_names[xen_state(xd)]);
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh->dom[d];

        if ( sd->state == SH_DOM_NONE )
            continue;
        xd = world_domain(sd->domid);
        if ( !xd )
            return account_fail(f, sd->domid, -1, "the model has d%u (%s), "
                                "Xen none", sd->domid, state_names[sd->state]);
        if ( xen_state(xd) != sd->state ||
             world_domain_crashed(xd) != sd->crashed )
            return account_fail(f, sd->domid, -1, "d%u: Xen %s%s, model %s%s",
                                sd->domid, state_names[xen_state(xd)],
                                world_domain_crashed(xd) ? " crashed" : "",
                                state_names[sd->state],
                                sd->crashed ? " crashed" : "");
        if ( gnttab_view_nr_frames(xd) != sd->nr_gframes ||
             gnttab_view_maptrack_limit(xd) != sh_maptrack_entries(sh, sd) )
            return account_fail(f, sd->domid, -1, "d%u: Xen has %u grant and "
                                "%u maptrack frames, model %u and %u",
                                sd->domid, gnttab_view_nr_frames(xd),
                                gnttab_view_maptrack_limit(xd) / per_frame,
                                sd->nr_gframes, sd->nr_mframes);
    }
    return false;
}

/*
 * Xen's pin word: host w, host r, device w, device r, bits each (a byte
 * unless the run scaled the counters down); nothing above them.
 */
static bool pins_match(uint32_t pin, const struct sh_pins *p,
                       unsigned int bits)
{
    uint32_t mask = (1U << bits) - 1;
    uint64_t above = (uint64_t)pin >> (4 * bits);

    /* Most entries are unpinned on both sides. */
    if ( !pin )
        return !p->host_rw && !p->host_ro && !p->dev_rw && !p->dev_ro;
    return (pin & mask) == p->host_rw && ((pin >> bits) & mask) == p->host_ro &&
           ((pin >> 2 * bits) & mask) == p->dev_rw &&
           ((pin >> 3 * bits) & mask) == p->dev_ro && !above;
}

/* The grant refs the ops can name, by code. */
static const grant_ref_t *named_refs(void)
{
    static grant_ref_t refs[SH_REFS];
    static bool known;
    unsigned int g;

    for ( g = 0; !known && g < SH_REFS; g++ )
        refs[g] = op_ref_value(g);
    known = true;
    return refs;
}

/* Entry g of sd (ref, one of its table's) against Xen's view of it. */
static bool account_entry(const struct shadow *sh, const struct sh_domain *sd,
                          unsigned int g, uint32_t ref,
                          const struct gnttab_grant_view *x,
                          struct finding *f)
{
    const struct sh_entry *se = &sd->shared[g];
    const struct sh_active *sa = &sd->active[g];
    uint32_t pin = x->pin;
    grant_entry_v1_t ce = x->shared;
    unsigned long mfn = x->mfn;
    domid_t domid = x->domid;

    if ( !x->present )
        return account_fail(f, sd->domid, -1, "d%u grant %u: not in Xen's "
                            "table", sd->domid, ref);
    if ( ce.flags != se->flags || ce.domid != se->domid ||
         ce.frame != se->frame )
    {
        char cf[96], sf[96];

        format_gtf_flags(cf, sizeof(cf), ce.flags);
        format_gtf_flags(sf, sizeof(sf), se->flags);
        return account_fail(f, sd->domid, -1, "d%u grant %u: Xen flags=%s "
                            "grantee=%u frame=%u, model flags=%s grantee=%u "
                            "frame=%u", sd->domid, ref, cf, ce.domid, ce.frame,
                            sf, se->domid, se->frame);
    }
    if ( !pins_match(pin, &sa->pin, sh_pin_bits(&sh->hdr)) )
        return account_fail(f, sd->domid, -1, "d%u active %u: Xen pins %#x "
                            "(host rw ro, dev rw ro, %u bits each), model host "
                            "rw=%u ro=%u dev rw=%u ro=%u", sd->domid, ref, pin,
                            sh_pin_bits(&sh->hdr),
                            sa->pin.host_rw, sa->pin.host_ro, sa->pin.dev_rw,
                            sa->pin.dev_ro);
    /* The pins agree: Xen's word is 0 exactly when the model has none. */
    if ( pin && (domid != sa->domid || mfn != sa->mfn) )
        return account_fail(f, sd->domid, sa->mfn, "d%u active %u: Xen "
                            "pinned for d%u mfn %lu, model for d%u mfn %u",
                            sd->domid, ref, domid, mfn, sa->domid, sa->mfn);
    return false;
}

/*
 * The first of d's handles on which Xen and the model disagree, with
 * Xen's view of it; SH_NO_HANDLE if they all agree (the common case,
 * hence uninstrumented).
 */
#define SH_NO_HANDLE    UINT_MAX

static bool handle_agrees(const struct shadow *sh, const struct sh_handle *sm,
                          const struct gnttab_handle_view *x)
{
    return x->flags == sm->flags &&
           (!x->flags || (x->ref == op_ref_value(sm->ref) &&
                          x->domid == sh->dom[sm->rd].domid));
}

static unsigned int NO_COVERAGE first_bad_handle(const struct shadow *sh,
                                                 const struct sh_domain *sd,
                                                 const struct domain *xd,
                                                 struct gnttab_handle_view *x)
{
    static struct gnttab_handle_view xen[SH_HANDLES];
    unsigned int h, n;

    n = gnttab_view_handles(xd, xen, sh_maptrack_entries(sh, sd));
    oracle_work.handles += n;
    for ( h = 0; h < n; h++ )
        if ( !handle_agrees(sh, &sd->handle[h], &xen[h]) )
        {
            *x = xen[h];
            return h;
        }
    return SH_NO_HANDLE;
}

static bool handle_fail(const struct shadow *sh, const struct sh_domain *sd,
                        unsigned int h, const struct gnttab_handle_view *x,
                        struct finding *f)
{
    const struct sh_handle *sm = &sd->handle[h];

    return account_fail(f, sd->domid, sm->flags ? (long)sm->mfn : -1,
                        "d%u handle %u: Xen flags %#x ref %u d%u, model "
                        "flags %#x ref %u d%u", sd->domid, h, x->flags, x->ref,
                        x->domid, sm->flags, op_ref_value(sm->ref),
                        sm->flags ? sh->dom[sm->rd].domid : 0);
}

/* Every handle of d's maptrack. */
static bool account_handles(const struct shadow *sh,
                            const struct sh_domain *sd,
                            const struct domain *xd, struct finding *f)
{
    struct gnttab_handle_view x;
    unsigned int h = first_bad_handle(sh, sd, xd, &x);

    return h != SH_NO_HANDLE && handle_fail(sh, sd, h, &x, f);
}

/*
 * The handles of the scope: those the call's ops name or were given.
 * One past the maptrack (an unmap of a bad handle) is not there to see;
 * the maptrack's size is account_domains()'.
 */
static bool account_named_handles(const struct shadow *sh,
                                  const struct accounting_scope *scope,
                                  struct finding *f)
{
    unsigned int i;

    for ( i = 0; i < scope->nr_handles; i++ )
    {
        unsigned int d = scope->handle[i] >> 16, h = scope->handle[i] & 0xffff;
        const struct sh_domain *sd = &sh->dom[d];
        struct gnttab_handle_view x;

        if ( sd->state == SH_DOM_NONE || h >= sh_maptrack_entries(sh, sd) ||
             !gnttab_view_handle(world_domain(sd->domid), h, &x.flags, &x.ref,
                                 &x.domid) )
            continue;
        oracle_work.handles++;
        if ( !handle_agrees(sh, &sd->handle[h], &x) )
            return handle_fail(sh, sd, h, &x, f);
    }
    return false;
}

/* grant_table.c's maptrack_tree counters, where Xen keeps them. */
static bool account_counts(const struct shadow *sh, unsigned int d,
                           const struct domain *xd, const struct frame_set *fs,
                           struct finding *f)
{
    const struct sh_domain *sd = &sh->dom[d];
    unsigned long mfn, rd, wr;

    if ( !sd->iommu )
        return false;
    for_each_frame ( mfn, fs )
    {
        oracle_work.counts++;
        gnttab_view_counts(xd, mfn, &rd, &wr);
        if ( rd != sh->count_ro[d][mfn] || wr != sh->count_rw[d][mfn] )
            return account_fail(f, sd->domid, mfn, "d%u count of mfn %lu: "
                                "Xen rd=%lu wr=%lu, model ro=%u rw=%u",
                                sd->domid, mfn, rd, wr, sh->count_ro[d][mfn],
                                sh->count_rw[d][mfn]);
    }
    return false;
}

static bool account_grants(const struct shadow *sh,
                           const struct accounting_scope *scope,
                           struct finding *f)
{
    const grant_ref_t *refs = named_refs();
    struct gnttab_grant_view xen[SH_REFS];
    unsigned int d, g;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh->dom[d];
        const struct domain *xd;
        uint32_t nr_refs;

        if ( sd->state == SH_DOM_NONE || !((scope->slots >> d) & 1) )
            continue;
        xd = world_domain(sd->domid);
        gnttab_view_grants(xd, refs, SH_REFS, xen);
        oracle_work.entries += SH_REFS;
        nr_refs = (uint32_t)sd->nr_gframes * SH_ENTRIES_PER_FRAME;
        for ( g = 0; g < SH_REFS; g++ )
            if ( refs[g] < nr_refs &&
                 account_entry(sh, sd, g, refs[g], &xen[g], f) )
                return true;
        if ( (scope->all_handles && account_handles(sh, sd, xd, f)) ||
             account_counts(sh, d, xd, scope->frames, f) )
            return true;
    }
    return !scope->all_handles && account_named_handles(sh, scope, f);
}

/* Xen's page_info of a guest frame, as the model keeps frames. */
struct xen_frame {
    unsigned int owner;         /* slot, SH_NOBODY */
    bool allocated, held, pinned;
    unsigned int type;
    unsigned long refs, type_count;
    unsigned int guest_refs;
};

static void read_frame(const struct shadow *sh, unsigned long mfn,
                       struct xen_frame *x)
{
    const struct page_info *pg = hh_mfn_to_page(mfn);
    const struct domain *owner = page_get_owner(pg);

    x->owner = owner ? shadow_slot(sh, owner->domain_id) : SH_NOBODY;
    x->refs = pg->count_info & PGC_count_mask;
    x->allocated = pg->count_info & PGC_allocated;
    x->held = owner && !x->refs;
    x->type = (pg->u.inuse.type_info & PGT_type_mask) >> PG_shift(3);
    x->type_count = pg->u.inuse.type_info & PGT_count_mask;
    x->pinned = pg->u.inuse.type_info & PGT_pinned;
    x->guest_refs = world_guest_type_refs(mfn);
}

static bool frame_agrees(const struct xen_frame *x, const struct sh_frame *s)
{
    if ( x->owner != s->owner || x->held != s->held )
        return false;
    return s->held ||
           (x->allocated == s->allocated && x->refs == s->refs &&
            x->type_count == s->type_count && x->pinned == s->pinned &&
            x->guest_refs == s->guest_refs &&
            (x->type == s->type || s->owner == SH_NOBODY));
}

static bool account_frames(const struct shadow *sh, const struct frame_set *fs,
                           struct finding *f)
{
    unsigned long mfn;

    for_each_frame ( mfn, fs )
    {
        const struct sh_frame *s = &sh->frame[mfn];
        struct xen_frame x;

        oracle_work.frames++;
        read_frame(sh, mfn, &x);
        if ( frame_agrees(&x, s) )
            continue;
        return account_fail(f, domid_of(sh, s->owner), mfn, "frame %lu: Xen "
                            "d%d refs=%lu type=%s/%lu%s%s%s guest-refs=%u, "
                            "model d%d refs=%u type=%s/%u%s%s%s guest-refs=%u",
                            mfn, domid_of(sh, x.owner), x.refs,
                            page_type_name(x.type), x.type_count,
                            x.pinned ? " pinned" : "",
                            x.allocated ? " allocated" : "",
                            x.held ? " held" : "", x.guest_refs,
                            domid_of(sh, s->owner), s->refs,
                            page_type_name(s->type), s->type_count,
                            s->pinned ? " pinned" : "",
                            s->allocated ? " allocated" : "",
                            s->held ? " held" : "", s->guest_refs);
    }
    return false;
}

static bool account_devices(const struct shadow *sh, struct finding *f)
{
    unsigned int dev;

    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        const struct domain *xd = world_device_owner(dev);
        unsigned int x = xd ? shadow_slot(sh, xd->domain_id) : SH_NOBODY;

        if ( x != sh->dev[dev].owner )
            return account_fail(f, domid_of(sh, x), -1, "dev %u: Xen has it "
                                "in d%d, model in d%d (-1: quarantine)", dev,
                                domid_of(sh, x),
                                domid_of(sh, sh->dev[dev].owner));
    }
    return false;
}

bool oracle_accounting(const struct shadow *sh,
                       const struct accounting_scope *scope,
                       struct finding *f)
{
    return account_domains(sh, f) || account_frames(sh, scope->frames, f) ||
           account_grants(sh, scope, f) || account_devices(sh, f);
}

/* ---- IOMMU table pages ---- */

void oracle_tally_reset(struct table_tally *t)
{
    memset(t, 0, sizeof(*t));
}

static void tally_frame(struct table_tally *t, const struct shadow *sh,
                        unsigned int d, unsigned long bfn)
{
    uint64_t bit = 1ULL << (bfn % 64), *word = &t->allowed[d][bfn / 64];
    bool was = *word & bit, is = shadow_allowed(sh, d, bfn) != SH_NONE;

    oracle_work.table_frames++;
    if ( was == is )
        return;
    *word ^= bit;
    if ( is )
        t->in_leaf[d][bfn / VTD_PTES_PER_TABLE]++;
    else
        t->in_leaf[d][bfn / VTD_PTES_PER_TABLE]--;
}

/*
 * Only a live or dying domain with an IOMMU may be allowed a frame
 * (shadow_allowed()): a domain that died since the last count, or a
 * slot that was freed, is allowed none.
 */
static bool may_be_allowed(const struct sh_domain *sd)
{
    return sd->iommu &&
           (sd->state == SH_DOM_LIVE || sd->state == SH_DOM_DYING);
}

/* The slots may_be_allowed(); the others' rows cleared. */
static unsigned int tally_slots(struct table_tally *t, const struct shadow *sh)
{
    unsigned int d, slots = 0;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( may_be_allowed(&sh->dom[d]) )
            slots |= 1U << d;
        else
        {
            memset(t->allowed[d], 0, sizeof(t->allowed[d]));
            memset(t->in_leaf[d], 0, sizeof(t->in_leaf[d]));
        }
    return slots;
}

void oracle_tally_frames(struct table_tally *t, const struct shadow *sh,
                         const struct frame_set *fs)
{
    unsigned int d, slots = tally_slots(t, sh);
    unsigned long bfn;

    for_each_frame ( bfn, fs )
    {
        if ( bfn >= RUN_MAX_FRAMES )
            break;
        for ( d = 0; d < SH_DOMAINS; d++ )
            if ( (slots >> d) & 1 )
                tally_frame(t, sh, d, bfn);
    }
}

/*
 * bfn < 2^12: one level-3 and one level-2 table, and a leaf for each
 * 512 bfns with one allowed.
 */
static unsigned int expected_tables(const struct shadow *sh, unsigned int d,
                                    const struct table_tally *t)
{
    unsigned int leaf, leaves = 0;

    if ( !sh->dom[d].has_root )
        return 0;
    for ( leaf = 0; leaf < TALLY_LEAVES; leaf++ )
        leaves += t->in_leaf[d][leaf] != 0;
    return 1 + (leaves ? 2 + leaves : 0);
}

static unsigned int table_pages(const struct domain *xd)
{
    const struct page_info *pg;
    unsigned int n = 0;

    page_list_for_each ( pg, &xd->iommu.arch.pgtables.list )
        n++;
    return n;
}

/*
 * Did a failed flush touch d?  Its tables may then hold what the flush
 * was to retire (docs/design.md, "Fault injection"): it was crashed (a domU), or is the
 * hardware domain excused until a DSI completes, or is held.
 */
static bool flush_fault_touched(const struct shadow *sh, unsigned int d)
{
    const struct sh_domain *sd = &sh->dom[d];

    return sh->faulted &&
           (sd->crashed || sd->state != SH_DOM_LIVE || sd->held_for_pins ||
            (sd->domid == 0 && sh->d0_excused));
}

bool oracle_table_pages(const struct shadow *sh, const struct table_tally *t,
                        struct finding *f)
{
    unsigned int d;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh->dom[d];
        const struct domain *xd;
        unsigned int have, need;

        if ( sd->state == SH_DOM_NONE || flush_fault_touched(sh, d) )
            continue;
        xd = world_domain(sd->domid);
        have = table_pages(xd);
        need = sd->iommu ? expected_tables(sh, d, t) : 0;
        if ( have != need )
            return account_fail(f, sd->domid, -1, "d%u: %u IOMMU table "
                                "pages, %u needed for what it maps", sd->domid,
                                have, need);
    }
    return false;
}
