/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d remapping unit (see vtd_sim.h and docs/design.md,
 * "The simulated VT-d").
 *
 * Three layers, each in a file of its own:
 *
 * 1. Device-visible memory (vtd_sim_mem.c): what a walker that does not
 *    snoop CPU caches may read of each heap frame.
 *
 * 2. Cached entries (vtd_sim_cache.c): for every VT-d domain id, the set
 *    of entries the hardware may hold, and per device its context
 *    entries; the walks of the tables that fill the sets, and the
 *    queries on them, are in vtd_sim_walk.c.
 *
 * 3. Invalidation (vtd_sim_inv.c): register-based and queued, dropping
 *    from the sets what the hardware can no longer hold.
 *
 * Fault recording is in vtd_sim_fault.c; what the parts share is in
 * vtd_sim_internal.h.  This file holds the registers (the global command
 * and the MMIO dispatch), reset, the state digest, the dump and the
 * statistics.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harness/hooks.h>

#include "digest.h"
#include "heap.h"
#include "vtd_sim_internal.h"

/* IOTLB registers: ECAP.IRO = 0x10, so IVA at 0x100 and IOTLB at 0x108. */
#define SIM_IRO             0x10U
#define REG_IVA             (SIM_IRO * 16)
#define REG_IOTLB           (REG_IVA + 8)

#define CAP_ND_64K          6ULL        /* 2^(4+2*6) domain ids */
#define CAP_MGAW_48         (47ULL << 16)

struct vtd_sim_caps vs_caps;
struct vtd_sim_stats vs_stats;

static uint64_t regs_block[VTD_REG_BLOCK_SIZE / 8]
    __attribute__((aligned(VTD_REG_BLOCK_SIZE)));
struct sim_regs vs_regs;

uint64_t vs_seq;

static char proto_msg[256];
static unsigned long nr_proto_errors;

/* ---- Small helpers ---- */

void vs_proto_error(const char *fmt, ...)
{
    va_list ap;
    char buf[256];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if ( !nr_proto_errors++ )
        snprintf(proto_msg, sizeof(proto_msg), "%s", buf);
    hh_printk("vtd-sim: %s\n", buf);
}

/*
 * An array of *cap elements of size bytes, twice as long (first, size
 * first): the simulator's state has no fixed bound.  Out of memory is the
 * harness's end, not a state of the unit.
 */
void *vs_grow(void *array, unsigned int *cap, unsigned int first, size_t size)
{
    unsigned int n = *cap ? *cap * 2 : first;
    void *p = realloc(array, n * size);

    if ( !p )
    {
        fprintf(stderr, "vtd-sim: out of memory\n");
        abort();
    }
    *cap = n;
    return p;
}

/* ---- Global command ---- */

/* Interrupt remapping: only its enables, no interrupts are simulated. */
static void gcmd_apply_intremap(uint32_t cmd)
{
    if ( cmd & VTD_GCMD_SIRTP )
        vs_regs.gsts |= GSTS_IRTPS;
    if ( (cmd & VTD_GCMD_IRE) && !(vs_regs.gsts & GSTS_IRTPS) )
        vs_proto_error("interrupt remapping enabled without a table (SIRTP)");
    vs_regs.gsts = (vs_regs.gsts & ~(GSTS_IRES | GSTS_CFIS)) |
             (cmd & (VTD_GCMD_IRE | VTD_GCMD_CFI));
}

/*
 * GCMD is write-only: software writes the enables it wants kept (read
 * from GSTS) plus the one control it changes.  Changing several at once
 * is not allowed, and a write that forgets an enable turns that off:
 * interrupt remapping switched off by a write meant to enable
 * translation, say.
 */
static void gcmd_check(uint32_t val)
{
    uint32_t changed = ((val ^ vs_regs.gsts) & VTD_GSTS_PERSISTENT) |
                       (val & (VTD_GCMD_SRTP | VTD_GCMD_SIRTP | VTD_GCMD_WBF));

    if ( __builtin_popcount(changed) > 1 )
        vs_proto_error("GCMD %#x changes %d controls at once (GSTS %#x)", val,
                    __builtin_popcount(changed), vs_regs.gsts);
}

static void gcmd_apply(void)
{
    uint32_t cmd = vs_regs.gcmd;

    vs_regs.gcmd_pending = false;
    if ( vs_caps.gcmd_hangs )
        return;
    if ( cmd & VTD_GCMD_SRTP )
    {
        vs_regs.root_latched = true;
        vs_regs.root_mfn = vs_regs.rtaddr >> 12;
        vs_regs.gsts |= GSTS_RTPS;
        vs_ctx_dirty = true;
    }
    if ( (cmd & VTD_GCMD_TE) && !(vs_regs.gsts & GSTS_TES) )
    {
        vs_regs.gsts |= GSTS_TES;
        vs_ctx_dirty = true;
    }
    else if ( !(cmd & VTD_GCMD_TE) )
        vs_regs.gsts &= ~GSTS_TES;
    if ( (cmd & VTD_GCMD_QIE) && !(vs_regs.gsts & GSTS_QIES) && vs_caps.qi )
    {
        unsigned int i;

        vs_regs.gsts |= GSTS_QIES;
        vs_regs.iqh = 0;
        vs_regs.qi_ticks = 0;
        for ( i = 0; i < vs_regs.iqt; i++ )
            vs_qi_submit_slot(i);
    }
    else if ( !(cmd & VTD_GCMD_QIE) && (vs_regs.gsts & GSTS_QIES) )
    {
        if ( vs_regs.iqh != vs_regs.iqt || vs_nr_qrecs )
            vs_proto_error("queued invalidation disabled with work pending");
        vs_regs.gsts &= ~GSTS_QIES;
    }
    gcmd_apply_intremap(cmd);
    settle_if_needed();
}

static void write_gcmd(uint32_t val)
{
    if ( vs_regs.gcmd_pending )
        gcmd_apply();
    gcmd_check(val);
    /* One-shot commands: their status clears now, sets when done. */
    if ( val & VTD_GCMD_SRTP )
        vs_regs.gsts &= ~GSTS_RTPS;
    if ( val & VTD_GCMD_SIRTP )
        vs_regs.gsts &= ~GSTS_IRTPS;
    if ( val & VTD_GCMD_WBF )
    {
        /* Done at once: GSTS.WBFS never shows busy. */
        settle_if_needed();
        vs_wbuf_flush();
        vs_stats.wbf++;
    }
    vs_regs.gcmd = val & ~VTD_GCMD_WBF;
    vs_regs.gcmd_pending = true;
}

/* ---- MMIO ---- */

void *vtd_sim_regs(void)
{
    return regs_block;
}

static bool reg_size_ok(unsigned int offset, unsigned int bytes)
{
    unsigned int want;

    switch ( offset )
    {
    case VTD_REG_GCMD: case VTD_REG_GSTS: case VTD_REG_FSTS: case VTD_REG_ICS:
    case VTD_REG_FECTL:
        want = 4;
        break;
    case VTD_REG_VER:
        want = bytes;
        break;
    default:
        want = 8;
        break;
    }
    if ( bytes == want && !(offset & (bytes - 1)) )
        return true;
    vs_proto_error("%u-byte access to register %#x", bytes, offset);
    return false;
}

uint64_t vtd_sim_mmio_read(unsigned int offset, unsigned int bytes)
{
    vs_epoch++;
    op_begin();
    if ( !reg_size_ok(offset, bytes) )
        return 0;
    switch ( offset )
    {
    case VTD_REG_VER:
        return 0x10;
    case VTD_REG_CAP:
        return vs_regs.cap;
    case VTD_REG_ECAP:
        return vs_regs.ecap;
    case VTD_REG_GCMD:
        return 0;           /* write-only */
    case VTD_REG_GSTS:
        /* Commands take effect by the time software looks. */
        if ( vs_regs.gcmd_pending )
            gcmd_apply();
        return vs_regs.gsts;
    case VTD_REG_RTADDR:
        return vs_regs.rtaddr;
    case VTD_REG_CCMD:
        return vs_reg_inv_read(&vs_regs.ccmd);
    case VTD_REG_FSTS:
        return vs_regs.fsts;
    case VTD_REG_IQH:
        vs_stats.queue_full_reads += vs_qi_full();
        return (uint64_t)vs_regs.iqh << VTD_QI_INDEX_SHIFT;
    case VTD_REG_IQT:
        return (uint64_t)vs_regs.iqt << VTD_QI_INDEX_SHIFT;
    case VTD_REG_IQA:
        return vs_regs.iqa;
    case VTD_REG_ICS:
        return vs_regs.ics;
    case REG_IVA:
        return vs_regs.iva;
    case REG_IOTLB:
        return vs_reg_inv_read(&vs_regs.iotlb);
    case VTD_REG_FECTL:
        return vs_regs.fectl;
    }
    if ( offset >= REG_FRCD && offset < REG_FRCD_END )
        return vs_regs.frcd[(offset - REG_FRCD) / 16][(offset & 8) / 8];
    return vs_regs.other[offset / 8];
}

void vtd_sim_mmio_write(unsigned int offset, uint64_t val, unsigned int bytes)
{
    vs_epoch++;
    op_begin();
    if ( !reg_size_ok(offset, bytes) )
        return;
    switch ( offset )
    {
    case VTD_REG_VER: case VTD_REG_CAP: case VTD_REG_ECAP: case VTD_REG_GSTS:
    case VTD_REG_IQH:
        vs_proto_error("write to read-only register %#x", offset);
        break;
    case VTD_REG_GCMD:
        write_gcmd(val);
        break;
    case VTD_REG_RTADDR:
        vs_regs.rtaddr = val;
        break;
    case VTD_REG_CCMD:
        vs_write_ccmd(val);
        break;
    case VTD_REG_FSTS:
        /* Write 1 to clear; clearing IQE lets the queue resume from IQH. */
        vs_regs.fsts &= ~((uint32_t)val & (VTD_FSTS_IQE | VTD_FSTS_ICE |
                                        VTD_FSTS_ITE | VTD_FSTS_PFO));
        vs_faults_settle();
        break;
    case VTD_REG_FECTL:
        vs_write_fectl(val);
        break;
    case VTD_REG_IQT:
        vs_write_iqt(val);
        break;
    case VTD_REG_IQA:
        if ( vs_regs.gsts & GSTS_QIES )
            vs_proto_error("IQA written while queued invalidation is enabled");
        vs_regs.iqa = val;
        break;
    case VTD_REG_ICS:
        vs_regs.ics &= ~((uint32_t)val & VTD_ICS_IWC);
        break;
    case REG_IVA:
        vs_regs.iva = val;
        break;
    case REG_IOTLB:
        vs_write_iotlb(val);
        break;
    default:
        if ( offset >= REG_FRCD && offset < REG_FRCD_END )
            vs_write_frcd(offset, val);
        else
            vs_regs.other[offset / 8] = val;
        break;
    }
}

void vtd_sim_tick(void)
{
    vs_epoch++;
    /* The idle path must stay cheap: the core spins here for timeouts. */
    if ( !vs_regs.gcmd_pending && vs_regs.iqh == vs_regs.iqt )
        return;
    op_begin();
    if ( vs_regs.gcmd_pending )
        gcmd_apply();
    vs_qi_tick();
}

/* ---- Queries ---- */

bool vtd_sim_protocol_error(char *why, size_t len)
{
    if ( !nr_proto_errors )
        return false;
    snprintf(why, len, "%s%s", proto_msg,
             nr_proto_errors > 1 ? " (and more)" : "");
    return true;
}

const struct vtd_sim_stats *vtd_sim_stats(void)
{
    return &vs_stats;
}

static const char *kind_name(unsigned int kind)
{
    static const char *const names[] = {
        [TL_LEAF] = "leaf", [TL_NP] = "not-present",
        [TL_TABLE] = "table", [TL_WILD] = "WILD",
    };

    return kind < 4 ? names[kind] : "?";
}

/* Cached non-present entries: a line per table, its slots as runs. */
static void dump_np(FILE *out, uint16_t did)
{
    const struct np_block *b;
    unsigned int i, end;

    for ( b = vs_dids[did].np_blocks; b; b = b->did_next )
    {
        fprintf(out, "  did %u: L%u keys %#" PRIx64 "+ not-present:", did,
                b->level, b->rkey << VTD_LEVEL_STRIDE);
        for ( i = 0; i < PTES; i = end )
        {
            for ( ; i < PTES && !np_slot_set(b, i); i++ )
                ;
            for ( end = i; end < PTES && np_slot_set(b, end); end++ )
                ;
            if ( end > i )
                fprintf(out, " %u-%u", i, end - 1);
        }
        fprintf(out, "\n");
    }
}

void vtd_sim_dump(FILE *out)
{
    static const char *const ctx_kinds[] = { "fault", "valid", "WILD" };
    unsigned int i, dev;
    const struct tl_entry *e;

    fprintf(out, "vtd-sim: cm=%d psi=%d qi=%d coherent=%d rwbf=%d drain=%d "
            "mamv=%u delay=%u\n", vs_caps.cm, vs_caps.psi, vs_caps.qi,
            vs_caps.coherent, vs_caps.rwbf, vs_caps.drain, vs_caps.mamv,
            vs_caps.completion_delay);
    fprintf(out, "  gsts=%#x root=%#lx%s fsts=%#x iqa=%#" PRIx64
            " iqh=%u iqt=%u ics=%#x fetched=%u seq=%" PRIu64 "\n",
            vs_regs.gsts, vs_regs.root_mfn,
            vs_regs.root_latched ? "" : "(unset)", vs_regs.fsts, vs_regs.iqa,
            vs_regs.iqh, vs_regs.iqt, vs_regs.ics, vs_nr_qrecs, vs_seq);
    fprintf(out, "  iotlb_reg %s%s ccmd %s%s\n",
            vs_regs.iotlb.pending ? "pending" : "idle",
            vs_regs.iotlb.stuck ? " (hung)" : "",
            vs_regs.ccmd.pending ? "pending" : "idle",
            vs_regs.ccmd.stuck ? " (hung)" : "");
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        for ( i = 0; i < vs_devs[dev].nr; i++ )
        {
            const struct ctx_poss *p = &vs_devs[dev].poss[i];

            fprintf(out, "  dev %u: %s fr %#x did %u lo %#" PRIx64
                    " hi %#" PRIx64 "%s seen %" PRIu64 "\n", dev,
                    ctx_kinds[p->kind], p->fr, p->did, p->lo, p->hi,
                    p->current ? " (current)" : "", p->seen);
        }
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        for ( i = 0; i < vs_devs[dev].nr_tags; i++ )
            fprintf(out, "  dev %u: leaves of did %u by source id, fetched "
                    "by %" PRIu64 "\n", dev, vs_devs[dev].tags[i].did,
                    vs_devs[dev].tags[i].moment);
    for ( i = 0; i < vs_nr_touched_dids; i++ )
    {
        uint16_t did = vs_touched_dids[i];

        for ( e = vs_dids[did].roots; e; e = e->did_next )
            fprintf(out, "  did %u: root table %#" PRIx64 " (%u users)\n",
                    did, e->val, e->refs);
        for ( e = vs_dids[did].entries; e; e = e->did_next )
            fprintf(out, "  did %u: L%u key %#" PRIx64 " %s %#" PRIx64
                    " seen %" PRIu64 "\n", did, e->level, e->key,
                    kind_name(e->kind), e->val, e->seen);
        dump_np(out, did);
    }
    fprintf(out, "  watched frames:");
    for ( i = 0; i < vs_nr_watched; i++ )
        fprintf(out, " %#lx", HEAP_BASE_MFN + vs_watched[i]);
    fprintf(out, "\n");
}

/* ---- Reset ---- */

void vtd_sim_reset(const struct vtd_sim_caps *c)
{
    unsigned int i, dev;
    struct tl_entry *e, *next;

    /* Drop every cached entry, visiting only dids and frames used. */
    for ( i = 0; i < vs_nr_touched_dids; i++ )
    {
        struct did_state *ds = &vs_dids[vs_touched_dids[i]];

        for ( e = ds->entries; e; e = next )
        {
            next = e->did_next;
            vs_hash[hash_of(e->did, e->level, e->key)] = NULL;
            vs_entry_release(e);
        }
        for ( e = ds->roots; e; e = next )
        {
            next = e->did_next;
            vs_entry_release(e);
        }
        vs_np_drop_did(ds);
        memset(ds, 0, sizeof(*ds));
    }
    vs_nr_touched_dids = 0;
    for ( i = 0; i < vs_nr_touched_frames; i++ )
        vs_sframes[vs_touched_frames[i]]->touched = false;
    vs_nr_touched_frames = 0;
    vs_wbuf.nr = 0;
    vs_watch_reset();
    vs_nr_exposed = 0;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        vs_devs[dev].nr = 0;
        vs_devs[dev].nr_tags = 0;
    }
    vs_nr_qrecs = 0;
    memset(vs_slot_seq, 0, vs_slot_hwm * sizeof(vs_slot_seq[0]));
    vs_slot_hwm = 0;

    vs_caps = *c;
    vs_qi_stalled = false;
    if ( vs_caps.mamv > 63 )
        vs_caps.mamv = 63;
    memset(&vs_stats, 0, sizeof(vs_stats));
    memset(&vs_regs, 0, sizeof(vs_regs));
    vs_regs.cap = CAP_ND_64K | (vs_caps.no_4level ? 0 : VTD_CAP_SAGAW_4LEVEL) |
            CAP_MGAW_48 | ((uint64_t)SIM_FRO << VTD_CAP_FRO_SHIFT) |
            ((uint64_t)(SIM_NFR - 1) << VTD_CAP_NFR_SHIFT) |
            ((uint64_t)vs_caps.mamv << VTD_CAP_MAMV_SHIFT) |
            (vs_caps.cm ? VTD_CAP_CM : 0) | (vs_caps.psi ? VTD_CAP_PSI : 0) |
            (vs_caps.rwbf ? VTD_CAP_RWBF : 0) |
            (vs_caps.drain ? VTD_CAP_DRD | VTD_CAP_DWD : 0);
    vs_regs.ecap = ((uint64_t)SIM_IRO << VTD_ECAP_IRO_SHIFT) |
             (vs_caps.coherent ? VTD_ECAP_C : 0) |
             (vs_caps.qi ? VTD_ECAP_QI : 0) | VTD_ECAP_IR;
    /* The fault event is masked out of reset. */
    vs_regs.fectl = VTD_FECTL_IM;
    vs_seq = 0;
    vs_walk_overflow = false;
    vs_ctx_dirty = false;
    vs_epoch = 0;
    vs_synced_epoch = ~0UL;
    nr_proto_errors = 0;
    proto_msg[0] = '\0';
}

/* ---- Digest (harness/machine/digest.h) ---- */

/*
 * Sequence numbers only order an entry's last fetch against invalidations
 * still in flight: with none in flight they decide nothing and are left
 * out; otherwise their distance from now counts.
 */
static bool inv_in_flight(void)
{
    return vs_nr_qrecs || vs_regs.iqh != vs_regs.iqt || vs_regs.ccmd.pending ||
           vs_regs.iotlb.pending;
}

static uint64_t moment_digest(uint64_t h, uint64_t moment)
{
    return inv_in_flight() ? digest_u64(h, vs_seq - moment) : h;
}

static uint64_t inv_digest(uint64_t h, const struct inv *inv)
{
    struct inv copy = *inv;

    copy.sub_seq = 0;
    h = digest_bytes(h, &copy, sizeof(copy));
    return moment_digest(h, inv->sub_seq);
}

static uint64_t registers_digest(uint64_t h)
{
    typeof(vs_regs) copy = vs_regs;

    copy.ccmd.inv.sub_seq = copy.iotlb.inv.sub_seq = 0;
    h = digest_sparse(h, &copy, sizeof(copy));
    h = inv_digest(h, &vs_regs.ccmd.inv);
    h = inv_digest(h, &vs_regs.iotlb.inv);
    return digest_u64(h, vs_qi_stalled | vs_walk_overflow << 1);
}

/*
 * What the device side of each table frame may read: DRAM where it
 * differs from memory (memory itself is the heap's digest), the values
 * stored since the last write-back (a chain per word, in order) and the
 * write buffer's words.
 */
static uint64_t frames_digest(uint64_t h)
{
    unsigned int i, w, m;
    uint64_t bits;
    uint32_t x;

    for ( i = 0; i < vs_nr_touched_frames; i++ )
    {
        const struct sim_frame *f = vs_sframes[vs_touched_frames[i]];

        if ( !f )
            continue;
        h = digest_u64(h, f->idx);
        /* A pending fill is the same in memory and to a device. */
        if ( !f->fill_pending && memcmp(f->dram, f->mem, sizeof(f->dram)) )
            for ( w = 0; w < PTES; w++ )
                if ( f->dram[w] != f->mem[w] )
                    h = digest_u64(h ^ w, f->dram[w]);
        h = digest_sparse(h, f->wb_map, sizeof(f->wb_map));
        for ( m = 0; m < PTES / 64; m++ )
            for ( bits = f->extra_map[m]; bits; bits &= bits - 1 )
            {
                w = m * 64 + __builtin_ctzll(bits);
                h = digest_u64(h, w);
                for ( x = f->extra_head[w]; x; x = f->extra[x - 1].next )
                    h = digest_u64(h, f->extra[x - 1].val);
            }
    }
    return h;
}

static uint64_t entry_digest(const struct tl_entry *e)
{
    uint64_t h = digest_u64(DIGEST_SEED, e->key);

    h = digest_u64(h, e->val);
    h = digest_u64(h, e->did | e->level << 16 | (uint64_t)e->kind << 24 |
                      (uint64_t)e->perm << 32);
    return moment_digest(h, e->seen);
}

/* Add the cached non-present entries of ds to set, as tl_entries. */
static uint64_t np_digest(uint64_t set, const struct did_state *ds)
{
    const struct np_block *b;
    struct tl_entry e = { .kind = TL_NP };
    unsigned int i;

    for ( b = ds->np_blocks; b; b = b->did_next )
        for ( i = 0; i < PTES; i++ )
            if ( np_slot_set(b, i) )
            {
                e.did = b->did;
                e.level = b->level;
                e.key = b->rkey << VTD_LEVEL_STRIDE | i;
                e.seen = b->seen[i];
                set = digest_set_add(set, entry_digest(&e));
            }
    return set;
}

/* The caches: every entry and root of every domain id, as a set. */
static uint64_t caches_digest(uint64_t h)
{
    uint64_t set = 0;
    const struct tl_entry *e;
    unsigned int i;

    for ( i = 0; i < vs_nr_touched_dids; i++ )
    {
        const struct did_state *ds = &vs_dids[vs_touched_dids[i]];

        for ( e = ds->entries; e; e = e->did_next )
            set = digest_set_add(set, entry_digest(e));
        set = np_digest(set, ds);
        for ( e = ds->roots; e; e = e->did_next )
            set = digest_set_add(set, entry_digest(e) ^ e->refs);
    }
    return digest_u64(h, set);
}

/*
 * What a device hits by source id: per tag, its did and the leaves it
 * covers (which of them were first fetchable by the tag's moment).
 */
static uint64_t tags_digest(uint64_t h, const struct dev_state *d)
{
    const struct tl_entry *e;
    uint64_t set = 0;
    unsigned int i;

    for ( i = 0; i < d->nr_tags; i++ )
    {
        uint64_t leaves = 0;

        for ( e = vs_dids[d->tags[i].did].leaves; e; e = e->leaf_next )
            if ( e->born <= d->tags[i].moment )
                leaves = digest_set_add(leaves, entry_digest(e));
        set = digest_set_add(set, moment_digest(digest_u64(leaves,
                                                           d->tags[i].did),
                                                d->tags[i].moment));
    }
    return digest_u64(h, set);
}

/* The context entries each device may use, as a set per device. */
static uint64_t contexts_digest(uint64_t h)
{
    unsigned int dev, i;

    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        uint64_t set = 0;

        for ( i = 0; i < vs_devs[dev].nr; i++ )
        {
            const struct ctx_poss *p = &vs_devs[dev].poss[i];
            uint64_t e = digest_u64(DIGEST_SEED, p->lo);

            e = digest_u64(e, p->hi);
            e = digest_u64(e, p->did | p->kind << 16 | p->current << 24 |
                              (uint64_t)p->was_current << 25 |
                              (uint64_t)p->fr << 32);
            e = digest_u64(e, p->root ? entry_digest(p->root) : 0);
            set = digest_set_add(set, moment_digest(e, p->seen));
        }
        h = digest_u64(h, set);
        h = tags_digest(h, &vs_devs[dev]);
    }
    return h;
}

/* Fetched records in order, then the descriptors not fetched yet. */
static uint64_t queue_digest(uint64_t h)
{
    unsigned int i;

    for ( i = 0; i < vs_nr_qrecs; i++ )
    {
        const struct qrec *q = &vs_qrecs[i];

        h = digest_u64(h, q->late_wait | q->sw << 1 | q->iflag << 2);
        h = digest_u64(h, q->data);
        h = digest_u64(h, q->addr);
        h = inv_digest(h, &q->inv);
    }
    if ( !(vs_regs.gsts & GSTS_QIES) )
        return h;
    for ( i = vs_regs.iqh; i != vs_regs.iqt; i = (i + 1) % vs_qi_entries() )
    {
        h = digest_bytes(h, &vs_slot_desc[i], sizeof(vs_slot_desc[i]));
        h = moment_digest(h, vs_slot_seq[i]);
    }
    return h;
}

uint64_t vtd_sim_digest(uint64_t h)
{
    unsigned int i;

    settle_if_needed();
    h = registers_digest(h);
    h = frames_digest(h);
    h = caches_digest(h);
    h = contexts_digest(h);
    h = queue_digest(h);
    for ( i = 0; i < vs_wbuf.nr; i++ )
        h = digest_u64(h, vs_wbuf.words[i]);
    return h;
}
