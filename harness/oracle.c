/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checks of DESIGN.md section 7 (see oracle.h).  The DMA checks ask the
 * simulated VT-d what each device could do now (every translation it may
 * still hold, not just the current tables) and compare with the shadow
 * model; the accounting check compares the core's read-only views with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/lib.h>
#include <public/grant_table.h>

#include "heap.h"
#include "oracle.h"
#include "trace.h"
#include "vtd_sim.h"
#include "vtd_hw.h"

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

static unsigned int sim_bits(enum sh_access a)
{
    return a == SH_RW ? SIM_R | SIM_W : a == SH_R ? SIM_R : 0;
}

static int owner_for_report(const struct shadow *sh, unsigned int dev)
{
    return sh->dev[dev].owner == SH_NOBODY ? -1 : sh->dev[dev].owner;
}

static void describe_device(char *buf, size_t len, const struct shadow *sh,
                            unsigned int dev)
{
    const struct sh_device *dv = &sh->dev[dev];
    char moved[64] = "", left[32];

    if ( dv->unconfirmed )
    {
        shadow_stale_contexts_name(left, sizeof(left), dv);
        snprintf(moved, sizeof(moved), ", move from %s unconfirmed", left);
    }
    if ( dv->owner == SH_NOBODY )
        snprintf(buf, len, "dev %u (quarantine%s)", dev, moved);
    else
        snprintf(buf, len, "dev %u (d%u%s)", dev, dv->owner, moved);
}

/*
 * What a device may reach at bfn: what allowed() gives the domain it
 * belongs to and, while moves are unconfirmed, the domains it left.
 */
static unsigned int device_allowed(const struct shadow *sh, unsigned int dev,
                                   unsigned long bfn, bool now)
{
    const struct sh_device *dv = &sh->dev[dev];
    unsigned int bits = 0, d;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( sh_device_may_use(dv, d) )
            bits |= sim_bits(shadow_may_reach(sh, d, bfn, now));
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
    RULE_GRANT,         /* to one frame, no more than allowed now */
};

struct walk {
    const struct shadow *sh;
    enum walk_rule rule;
    bool now;                   /* RULE_STALE inside a hypercall */
    unsigned long mfn;          /* RULE_FRAME/WRITE/GRANT */
    unsigned int mask;          /* RULE_GRANT: the access that must be gone */
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
        allowed = device_allowed(w->sh, dev, t->bfn, w->now);
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
        allowed = t->bfn == t->mfn ? device_allowed(w->sh, dev, t->bfn, w->now)
                                   : 0;
        w->bad = t->mfn == w->mfn && (access & w->mask & ~allowed);
        break;
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

bool oracle_stale_dma(const struct shadow *sh, bool now, struct finding *f)
{
    struct walk w = { .sh = sh, .rule = RULE_STALE, .now = now };
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

            if ( a == SH_NONE || !vtd_sim_may_fault(dev, bfn, sim_bits(a)) )
                continue;
            f->domain = dv->owner;
            f->bfn = bfn;
            f->mfn = bfn;
            snprintf(f->possible, sizeof(f->possible), "fault");
            snprintf(f->allowed, sizeof(f->allowed), "%s", sh_access_name(a));
            detail(f, "dev %u of d%u: a %s DMA at bfn %lu may fault", dev,
                   dv->owner, sh_access_name(a), bfn);
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
                               struct finding *f)
{
    struct walk w = { .sh = sh, .rule = RULE_WRITE, .mfn = mfn };
    char what[96];

    snprintf(what, sizeof(what), "frame %lu became %s", mfn,
             page_type_name(sh->frame[mfn].type));
    if ( !walk_all(&w, f, what, true) )
        return false;
    if ( f->mfn < 0 )
        f->mfn = mfn;
    return true;
}

bool oracle_grant_released_early(const struct shadow *sh,
                                 const struct sh_flag_clear *ev, bool strict,
                                 struct finding *f)
{
    struct walk w = {
        .sh = sh, .rule = RULE_GRANT, .mfn = ev->mfn, .now = !strict,
        .mask = ev->bits & GTF_reading ? SIM_R | SIM_W : SIM_W,
    };
    char what[128];
    unsigned int dev;

    snprintf(what, sizeof(what), "d%u cleared %s of grant %u (d%u's mapping "
             "of mfn %u)", ev->rd,
             ev->bits & GTF_reading ? "GTF_reading" : "GTF_writing", ev->ref,
             ev->ld, ev->mfn);
    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        const struct sh_device *dv = &sh->dev[dev];

        if ( !sh_device_may_use(dv, ev->ld) )
            continue;
        vtd_sim_for_each_reachable(dev, visit, &w);
        if ( w.bad )
        {
            report_translation(f, &w, what);
            f->domain = ev->ld;
            return true;
        }
    }
    return false;
}

/* ---- accounting ---- */

static const char *core_state_name(enum gtio_domain_state s)
{
    switch ( s )
    {
    case GTIO_DOM_NONE: return "none";
    case GTIO_DOM_LIVE: return "live";
    default:            return "dying";
    }
}

static bool state_matches(enum gtio_domain_state core, uint8_t model)
{
    return (core == GTIO_DOM_NONE && model == SH_DOM_NONE) ||
           (core == GTIO_DOM_LIVE && model == SH_DOM_LIVE) ||
           (core == GTIO_DOM_DYING && model == SH_DOM_DYING);
}

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

static inline bool pins_equal(const struct gtio_pins *c,
                              const struct sh_pins *s)
{
    return c->host_rw == s->host_rw && c->host_ro == s->host_ro &&
           c->dev_rw == s->dev_rw && c->dev_ro == s->dev_ro;
}

/* shadow_pins_any(), for the fast paths. */
static inline bool pins_any(const struct sh_pins *p)
{
    return p->host_rw || p->host_ro || p->dev_rw || p->dev_ro;
}

/* account_grants() would find nothing. */
static bool NO_COVERAGE grants_agree(const struct sh_domain *sd,
                                     const struct gtio_domain *cd)
{
    unsigned int g;

    for ( g = 0; g < SH_GRANTS; g++ )
    {
        const struct sh_entry *se = &sd->shared[g];
        const grant_entry_v1_t *ce = &cd->shared[g];
        const struct sh_active *sa = &sd->active[g];
        const struct gtio_active_entry *ca = &cd->active[g];

        if ( ce->flags != se->flags || ce->domid != se->domid ||
             ce->frame != se->frame || !pins_equal(&ca->pin, &sa->pin) ||
             (pins_any(&sa->pin) &&
              (ca->domid != sa->domid || ca->mfn != sa->mfn)) )
            return false;
    }
    return true;
}

static bool account_grants(const struct sh_domain *sd,
                           const struct gtio_domain *cd, unsigned int d,
                           struct finding *f)
{
    unsigned int g;

    if ( grants_agree(sd, cd) )
        return false;

    for ( g = 0; g < SH_GRANTS; g++ )
    {
        const struct sh_entry *se = &sd->shared[g];
        const grant_entry_v1_t *ce = &cd->shared[g];
        const struct sh_active *sa = &sd->active[g];
        const struct gtio_active_entry *ca = &cd->active[g];

        if ( ce->flags != se->flags || ce->domid != se->domid ||
             ce->frame != se->frame )
        {
            char cf[96], sf[96];

            format_gtf_flags(cf, sizeof(cf), ce->flags);
            format_gtf_flags(sf, sizeof(sf), se->flags);
            return account_fail(f, d, -1, "d%u grant %u: core flags=%s "
                                "grantee=%u frame=%u, model flags=%s "
                                "grantee=%u frame=%u", d, g, cf, ce->domid,
                                ce->frame, sf, se->domid, se->frame);
        }
        if ( !pins_equal(&ca->pin, &sa->pin) )
            return account_fail(f, d, -1, "d%u active %u: core pins host "
                                "rw=%u ro=%u dev rw=%u ro=%u, model host "
                                "rw=%u ro=%u dev rw=%u ro=%u", d, g,
                                ca->pin.host_rw, ca->pin.host_ro,
                                ca->pin.dev_rw, ca->pin.dev_ro,
                                sa->pin.host_rw, sa->pin.host_ro,
                                sa->pin.dev_rw, sa->pin.dev_ro);
        if ( shadow_pins_any(&sa->pin) &&
             (ca->domid != sa->domid || ca->mfn != sa->mfn) )
            return account_fail(f, d, sa->mfn, "d%u active %u: core pinned "
                                "for d%u mfn %lu, model for d%u mfn %u", d, g,
                                ca->domid, ca->mfn, sa->domid, sa->mfn);
    }
    return false;
}

/*
 * The chunk and handle part of account_maptrack() would find nothing.
 * Reads the maptrack as gtio_handle() does.
 */
static bool NO_COVERAGE maptrack_agrees(const struct sh_domain *sd,
                                        const struct gtio_domain *cd)
{
    unsigned int c, h;

    for ( c = 0; c < GTIO_MAPTRACK_CHUNKS; c++ )
        if ( !!cd->maptrack[c] != (c < sd->chunks) )
            return false;
    if ( cd->maptrack_used != sd->handles_used )
        return false;
    for ( h = 0; h < sd->chunks * GTIO_MAPTRACK_CHUNK; h++ )
    {
        /* Present: the chunk loop above found every chunk < sd->chunks. */
        const struct gtio_maptrack_chunk *chunk =
            cd->maptrack[h / GTIO_MAPTRACK_CHUNK];
        const struct gtio_maptrack *cm =
            &chunk->entry[h % GTIO_MAPTRACK_CHUNK];
        const struct sh_handle *sm = &sd->handle[h];

        if ( !cm->flags != !sm->flags ||
             (cm->flags && (cm->flags != sm->flags || cm->ref != sm->ref ||
                            cm->domid != sm->rd || cm->mfn != sm->mfn)) )
            return false;
    }
    return true;
}

/* Frames of fs d holds handles of: the handle counts the core must have. */
static unsigned int NO_COVERAGE counted_frames(const struct shadow *sh,
                                               const struct frame_set *fs,
                                               unsigned int d)
{
    unsigned int n = 0, w;

    for ( w = 0; w < (fs->nr + 63) / 64; w++ )
    {
        uint64_t bits = fs->bits[w];

        while ( bits )
        {
            unsigned int mfn = w * 64 + __builtin_ctzll(bits);

            bits &= bits - 1;
            n += sh->count_ro[d][mfn] || sh->count_rw[d][mfn];
        }
    }
    return n;
}

static bool account_handles(const struct sh_domain *sd,
                            const struct gtio_domain *cd, unsigned int d,
                            struct finding *f)
{
    unsigned int c, h;

    if ( maptrack_agrees(sd, cd) )
        return false;
    for ( c = 0; c < GTIO_MAPTRACK_CHUNKS; c++ )
        if ( !!cd->maptrack[c] != (c < sd->chunks) )
            return account_fail(f, d, -1, "d%u maptrack chunk %u: core %s, "
                                "model %s", d, c,
                                cd->maptrack[c] ? "allocated" : "absent",
                                c < sd->chunks ? "allocated" : "absent");
    if ( cd->maptrack_used != sd->handles_used )
        return account_fail(f, d, -1, "d%u: core has %u handles in use, "
                            "model %u", d, cd->maptrack_used,
                            sd->handles_used);
    for ( h = 0; h < sd->chunks * GTIO_MAPTRACK_CHUNK; h++ )
    {
        const struct gtio_maptrack *cm = gtio_handle(cd, h);
        const struct sh_handle *sm = &sd->handle[h];

        if ( !cm != !sm->flags ||
             (cm && (cm->flags != sm->flags || cm->ref != sm->ref ||
                     cm->domid != sm->rd || cm->mfn != sm->mfn)) )
        {
            char cf[48] = "free", sf[48] = "free";

            if ( cm )
                snprintf(cf, sizeof(cf), "flags %#x ref %u d%u mfn %lu",
                         cm->flags, cm->ref, cm->domid, cm->mfn);
            if ( sm->flags )
                snprintf(sf, sizeof(sf), "flags %#x ref %u d%u mfn %u",
                         sm->flags, sm->ref, sm->rd, sm->mfn);
            return account_fail(f, d, -1, "d%u handle %u: core %s, model %s",
                                d, h, cf, sf);
        }
    }
    return false;
}

/* Per-frame handle counts exist while the domain's IOMMU is on. */
static bool account_counts(const struct shadow *sh,
                           const struct frame_set *fs,
                           const struct gtio_domain *cd, unsigned int d,
                           struct finding *f)
{
    unsigned int nodes = 0, expect_nodes = 0;
    const struct gtio_map_count *node;

    for ( node = cd->counts; node; node = node->next )
    {
        nodes++;
        if ( !cd->iommu.enabled )
            return account_fail(f, d, node->mfn, "d%u: IOMMU off but a "
                                "handle count for mfn %lu exists", d,
                                node->mfn);
        if ( node->mfn >= sh->hdr.nr_frames ||
             node->ro != sh->count_ro[d][node->mfn] ||
             node->rw != sh->count_rw[d][node->mfn] )
            return account_fail(f, d, node->mfn, "d%u count of mfn %lu: core "
                                "ro=%u rw=%u, model ro=%u rw=%u", d,
                                node->mfn, node->ro, node->rw,
                                node->mfn < sh->hdr.nr_frames ?
                                sh->count_ro[d][node->mfn] : 0,
                                node->mfn < sh->hdr.nr_frames ?
                                sh->count_rw[d][node->mfn] : 0);
    }
    if ( cd->iommu.enabled )
        expect_nodes = counted_frames(sh, fs, d);
    if ( nodes != expect_nodes )
        return account_fail(f, d, -1, "d%u: core has %u handle counts, model "
                            "%u", d, nodes, expect_nodes);
    return false;
}

static bool account_domain(const struct shadow *sh, struct gtio_machine *m,
                           const struct frame_set *fs, unsigned int d,
                           struct finding *f)
{
    const struct sh_domain *sd = &sh->dom[d];
    const struct gtio_domain *cd = gtio_domain(m, d);

    if ( !state_matches(cd->state, sd->state) )
        return account_fail(f, d, -1, "d%u: core state %s, model %s", d,
                            core_state_name(cd->state),
                            sd->state == SH_DOM_LIVE ? "live" :
                            sd->state == SH_DOM_DYING ? "dying" : "none");
    if ( sd->state == SH_DOM_NONE )
        return false;
    if ( cd->crashed != sd->crashed || cd->held != sd->held ||
         cd->iommu_allowed != sd->iommu_allowed ||
         cd->iommu.enabled != sd->iommu_on || cd->is_hardware != (d == 0) )
        return account_fail(f, d, -1, "d%u: core crashed=%d held=%d "
                            "iommu=%d/%d hw=%d, model crashed=%d held=%d "
                            "iommu=%d/%d", d, cd->crashed, cd->held,
                            cd->iommu_allowed, cd->iommu.enabled,
                            cd->is_hardware, sd->crashed, sd->held,
                            sd->iommu_allowed, sd->iommu_on);
    if ( cd->nr_pages != sd->nr_pages )
        return account_fail(f, d, -1, "d%u: core owns %u frames, model %u",
                            d, cd->nr_pages, sd->nr_pages);
    return account_grants(sd, cd, d, f) || account_handles(sd, cd, d, f) ||
           account_counts(sh, fs, cd, d, f);
}

static inline bool frame_agrees(const struct sh_frame *s,
                                const struct gtio_frame *c)
{
    unsigned int owner = c->owner == GTIO_OWNER_FREE ? SH_NOBODY : c->owner;

    if ( owner != s->owner || c->held != s->held )
        return false;
    return s->held ||
           (c->allocated == s->allocated && c->type == s->type &&
            c->type_count == s->type_count && c->refs == s->refs &&
            c->pinned == s->pinned);
}

/* account_frames() would find nothing. */
static bool NO_COVERAGE frames_agree(const struct shadow *sh,
                                     const struct gtio_machine *m,
                                     const struct frame_set *fs)
{
    unsigned int w;

    for ( w = 0; w < (fs->nr + 63) / 64; w++ )
    {
        uint64_t bits = fs->bits[w];

        while ( bits )
        {
            unsigned int mfn = w * 64 + __builtin_ctzll(bits);

            bits &= bits - 1;
            if ( !frame_agrees(&sh->frame[mfn], &m->frames[mfn]) )
                return false;
        }
    }
    return true;
}

static bool account_frames(const struct shadow *sh, struct gtio_machine *m,
                           const struct frame_set *fs, struct finding *f)
{
    unsigned long mfn;

    if ( frames_agree(sh, m, fs) )
        return false;
    for_each_frame ( mfn, fs )
    {
        const struct sh_frame *s = &sh->frame[mfn];
        const struct gtio_frame *c = &m->frames[mfn];
        unsigned int owner = c->owner == GTIO_OWNER_FREE ? SH_NOBODY
                                                         : c->owner;

        if ( owner != s->owner || c->held != s->held )
            return account_fail(f, -1, mfn, "frame %lu: core owner %d%s, "
                                "model owner %d%s", mfn,
                                owner == SH_NOBODY ? -1 : (int)owner,
                                c->held ? " held" : "",
                                s->owner == SH_NOBODY ? -1 : s->owner,
                                s->held ? " held" : "");
        /* A held frame's counts are frozen where the failure left them. */
        if ( s->held )
            continue;
        if ( c->allocated != s->allocated || c->type != s->type ||
             c->type_count != s->type_count || c->refs != s->refs ||
             c->pinned != s->pinned )
            return account_fail(f, owner == SH_NOBODY ? -1 : (int)owner, mfn,
                                "frame %lu: core refs=%u type=%s/%u "
                                "pinned=%u alloc=%d, model refs=%u "
                                "type=%s/%u pinned=%u alloc=%d", mfn,
                                c->refs, page_type_name(c->type),
                                c->type_count, c->pinned, c->allocated,
                                s->refs, page_type_name(s->type),
                                s->type_count, s->pinned, s->allocated);
    }
    return false;
}

static bool account_devices(const struct shadow *sh, struct gtio_machine *m,
                            struct finding *f)
{
    unsigned int dev;

    for ( dev = 0; dev < SH_DEVICES; dev++ )
    {
        unsigned int core = m->device_owner[dev] == GTIO_NO_DOMAIN
                            ? SH_NOBODY : m->device_owner[dev];

        if ( core != sh->dev[dev].owner )
        {
            char c[16] = "quarantine", s[16] = "quarantine";

            if ( core != SH_NOBODY )
                snprintf(c, sizeof(c), "d%u", core);
            if ( sh->dev[dev].owner != SH_NOBODY )
                snprintf(s, sizeof(s), "d%u", sh->dev[dev].owner);
            return account_fail(f, core == SH_NOBODY ? -1 : (int)core, -1,
                                "dev %u: core has it in %s, model in %s",
                                dev, c, s);
        }
    }
    return false;
}

static bool account_releases(const struct shadow *sh, struct gtio_machine *m,
                             struct finding *f)
{
    unsigned int i;

    if ( m->in_hypercall != sh->in_hypercall )
        return account_fail(f, -1, -1, "core %s a hypercall, model %s",
                            m->in_hypercall ? "inside" : "outside",
                            sh->in_hypercall ? "inside" : "outside");
    if ( m->nr_releases != sh->nr_releases )
        return account_fail(f, -1, -1, "core has %u pending releases, model "
                            "%u", m->nr_releases, sh->nr_releases);
    for ( i = 0; i < sh->nr_releases; i++ )
    {
        const struct gtio_release *c = &m->release[i];
        const struct sh_release *s = &sh->release[i];

        if ( c->ld != s->ld || c->rd != s->rd || c->ref != s->ref ||
             c->mfn != s->mfn || c->done != s->done )
            return account_fail(f, s->ld, s->mfn, "pending release %u: core "
                                "d%u->d%u ref %u mfn %lu done %#x, model "
                                "d%u->d%u ref %u mfn %u done %#x", i, c->ld,
                                c->rd, c->ref, c->mfn, c->done, s->ld, s->rd,
                                s->ref, s->mfn, s->done);
    }
    return false;
}

bool oracle_accounting(const struct shadow *sh, struct gtio_machine *m,
                       const struct frame_set *fs, struct finding *f)
{
    unsigned int d;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( account_domain(sh, m, fs, d, f) )
            return true;
    return account_frames(sh, m, fs, f) || account_devices(sh, m, f) ||
           account_releases(sh, m, f);
}

/* ---- leaks ---- */

unsigned int oracle_expected_tables(const struct shadow *sh, unsigned int d,
                                    const struct frame_set *fs)
{
    unsigned long bfn, last_block = ~0UL;
    unsigned int leaves = 0;

    /* bfn < 2^12: one level-3 and one level-2 table, leaves per 512 bfns. */
    for_each_frame ( bfn, fs )
        if ( shadow_allowed(sh, d, bfn) != SH_NONE &&
             bfn / VTD_PTES_PER_TABLE != last_block )
        {
            last_block = bfn / VTD_PTES_PER_TABLE;
            leaves++;
        }
    return 1 + (leaves ? 2 + leaves : 0);
}

bool oracle_leaks(const struct shadow *sh, struct gtio_machine *m,
                  const struct heap_base *base, const struct frame_set *fs,
                  struct finding *f)
{
    unsigned int d, pages = base->pages, xm = base->xmallocs;
    unsigned long mfn;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh->dom[d];
        const struct gtio_domain *cd = gtio_domain(m, d);

        if ( sd->state == SH_DOM_NONE )
            continue;
        xm += sd->chunks;
        if ( !cd->iommu.enabled )
        {
            if ( cd->iommu.table_pages || cd->iommu.pgd_maddr )
                return account_fail(f, d, -1, "d%u: IOMMU off but %u table "
                                    "pages kept", d, cd->iommu.table_pages);
            continue;
        }
        if ( cd->iommu.table_pages != oracle_expected_tables(sh, d, fs) )
            return account_fail(f, d, -1, "d%u: %u IOMMU table pages, %u "
                                "needed at the hypercall end", d,
                                cd->iommu.table_pages,
                                oracle_expected_tables(sh, d, fs));
        pages += cd->iommu.table_pages;
        for_each_frame ( mfn, fs )
            xm += sh->count_ro[d][mfn] || sh->count_rw[d][mfn];
    }
    if ( heap_live_pages() != pages )
        return account_fail(f, -1, -1, "%u heap pages live, %u expected "
                            "(table pages leaked or freed twice)",
                            heap_live_pages(), pages);
    if ( heap_live_xmallocs() != xm )
        return account_fail(f, -1, -1, "%u xmalloc blocks live, %u expected",
                            heap_live_xmallocs(), xm);
    return false;
}
