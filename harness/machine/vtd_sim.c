/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d remapping unit (see vtd_sim.h and docs/design.md,
 * "The simulated VT-d").
 *
 * Three layers:
 *
 * 1. Device-visible memory.  Every heap frame has a "dram" copy: what a
 *    walker that does not snoop CPU caches reads.  With ECAP.C=1 it follows
 *    the CPU view at once; with ECAP.C=0 a word may show its last written
 *    back value or any value stored since (a dirty line can be evicted at
 *    any moment), kept as "extras".  Stores that bypass write_atomic() are
 *    found by comparing a frame with its copy (frame_sync()).
 *
 * 2. Cached entries.  For every VT-d domain id, the set of entries the
 *    hardware may hold: leaves (IOTLB, level 1), paging-structure entries
 *    (levels 2..4, pointing at a table frame) and, under CAP.CM, non-present
 *    entries.  A context entry's root pointer is a pseudo entry of level 5.
 *    Every cached table pointer is a "reacher" of its frame: when a visible
 *    word of the frame changes, the new value is recorded for every reacher,
 *    so the set always contains everything any possible walk gives now and
 *    everything it gave since the entries were last invalidated.  That is
 *    the adversarial hardware: it may have fetched at any of those moments.
 *
 * 3. Invalidation.  Each entry carries the sequence number of the last
 *    moment it was seen fetchable.  When an invalidation is submitted its
 *    scope is walked from the roots (stamping what is fetchable then); when
 *    it completes, every entry in scope not seen since the submission is
 *    dropped.  Whatever moment between submission and completion the real
 *    hardware executed it at, what it could still hold afterwards is then a
 *    subset of what the model keeps.  Completion is as late as the
 *    interface allows: a register invalidation when software reads the
 *    busy bit clear, a queued one when a later wait descriptor's status
 *    write lands.
 *
 * Context entries are handled the same way, per device, with the current
 * possibilities recomputed whenever the root or context table changes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harness/hooks.h>

#include "digest.h"
#include "fault.h"
#include "heap.h"
#include "vtd_hw.h"
#include "vtd_sim.h"

#define PTES                VTD_PTES_PER_TABLE
#define BFN_BITS            36          /* 48-bit addresses, 4K pages */
#define BFN_END             (1ULL << BFN_BITS)
#define DMA_PTE_SP          (1ULL << 7) /* reserved: no SLLPS advertised */
#define ROOT_LEVEL          5           /* a context entry's root pointer */

/* IOTLB registers: ECAP.IRO = 0x10, so IVA at 0x100 and IOTLB at 0x108. */
#define SIM_IRO             0x10U
#define REG_IVA             (SIM_IRO * 16)
#define REG_IOTLB           (REG_IVA + 8)
/* Fault recording: CAP.FRO = 0x20, so two 16-byte records from 0x200. */
#define SIM_FRO             0x20U
#define SIM_NFR             2
#define REG_FRCD            (SIM_FRO * 16)
#define REG_FRCD_END        (REG_FRCD + SIM_NFR * 16)
/* The reason of a recorded fault is not modelled: always this one. */
#define SIM_FAULT_REASON    0x2ULL

/* Status bits of GSTS that are not in vtd_hw.h (same positions as GCMD). */
#define GSTS_TES            VTD_GCMD_TE
#define GSTS_RTPS           VTD_GCMD_SRTP
#define GSTS_QIES           VTD_GCMD_QIE
#define GSTS_IRES           VTD_GCMD_IRE
#define GSTS_IRTPS          VTD_GCMD_SIRTP
#define GSTS_CFIS           VTD_GCMD_CFI

/* Actual granularity fields reported on completion. */
#define IOTLB_IAIG_SHIFT    57
#define CCMD_CAIG_SHIFT     59

#define CAP_ND_64K          6ULL        /* 2^(4+2*6) domain ids */
#define CAP_MGAW_48         (47ULL << 16)

#define NR_DIDS             65536U
#define HASH_BITS           16
#define HASH_SIZE           (1U << HASH_BITS)
#define MAX_QI_ENTRIES      (VTD_QI_ENTRIES_PER_PAGE << 7)
#define MAX_VISIBLE         32          /* values one word may show */
#define WALK_BUDGET         (1UL << 22) /* entry visits per operation */
#define POOL_CHUNK          4096

struct range {
    uint64_t lo, hi;                    /* bfns [lo, hi) */
};

static const struct range all_bfns = { 0, BFN_END };

/* ---- State ---- */

enum tl_kind {
    TL_LEAF,                /* level 1, present: val = address | R/W */
    TL_NP,                  /* non-present (or reserved) entry: faults */
    TL_TABLE,               /* val = mfn of the next table (a heap frame) */
    TL_WILD,                /* val = raw entry pointing outside the heap */
};

struct tl_entry {
    /* What a lookup reads first, together: walks look up every entry. */
    struct tl_entry *hash_next;
    uint64_t key;           /* bfn >> 9*(level-1); 0 for a root */
    uint64_t val;
    uint64_t seen;          /* last sequence number it was fetchable at */
    uint64_t born;          /* sequence number it was first fetchable at */
    uint16_t did;
    uint8_t level;          /* 1..4, or ROOT_LEVEL */
    uint8_t kind;           /* enum tl_kind */
    unsigned int refs;      /* roots: context possibilities using it */
    struct tl_entry *did_prev, *did_next;   /* entries or roots of its did */
    struct tl_entry *reach_prev, *reach_next;   /* TL_TABLE: target's list */
    struct tl_entry *leaf_prev, *leaf_next;     /* TL_LEAF: its did's leaves */
};

struct did_state {
    struct tl_entry *entries;   /* levels 1..4 */
    struct tl_entry *roots;     /* ROOT_LEVEL pseudo entries */
    /*
     * The TL_LEAF entries again, in the same order: what a device can
     * reach, without the (under CAP.CM many) non-present entries.
     */
    struct tl_entry *leaves;
    unsigned int nr_entries;    /* on the entries list */
    unsigned int nr_wild;
    bool touched;
};

/* Links are slot + 1 in the frame's extra[], 0 ending a chain. */
struct word_extra {
    uint64_t val;
    uint32_t next;
};

struct sim_frame {
    uint64_t dram[PTES];
    /*
     * Memory as of the last sync; each of its words is device-visible
     * (in dram or an extra), so only words that differ from it can be new.
     */
    uint64_t mem[PTES];
    /*
     * Values stored since the last write-back, a chain per word in the
     * order stored, so that a write-back or a lookup costs what that word
     * holds rather than what the whole frame does.  A word's head and tail
     * mean something only while its extra_map bit is set.
     */
    struct word_extra *extra;
    unsigned int nr_extra, cap_extra;   /* slots used (or freed), allocated */
    uint32_t extra_free;                /* chain of freed slots */
    uint32_t extra_head[PTES], extra_tail[PTES];
    uint64_t extra_map[PTES / 64];
    uint64_t present_map[PTES / 64];    /* words whose dram is present */
    /* CAP.RWBF: words with a new entry still in the write buffer. */
    uint64_t wb_map[PTES / 64];
    struct tl_entry *reachers;
    bool ctx_watch;         /* a root or context table: recompute contexts */
    bool touched;           /* in use since the last reset */
    unsigned int idx;       /* mfn - HEAP_BASE_MFN */
    int watch_pos;          /* index in watched[], -1 when not watched */
    bool exposed;           /* in exposed[]: the CPU may have stored here */
};

enum ctx_kind {
    CTX_FAULT,              /* non-present or invalid: every DMA faults */
    CTX_VALID,
    CTX_WILD,               /* pass-through or a pointer outside the heap */
};

struct ctx_poss {
    uint64_t lo, hi;
    uint64_t seen;
    struct tl_entry *root;  /* CTX_VALID */
    uint16_t did;
    uint8_t kind;
    bool current, was_current;
    const char *why;        /* CTX_WILD */
};

/*
 * Under sid_tag: a domain id whose leaves the device may still hit with no
 * context entry, those first fetchable by 'seq' (it could have fetched
 * them until its context for did went from the context cache).
 */
struct sid_tag {
    uint16_t did;
    uint64_t seq;
};

struct dev_state {
    struct ctx_poss *poss;
    unsigned int nr, cap;
    struct sid_tag *tags;
    unsigned int nr_tags, cap_tags;
};

enum inv_gran {
    INV_NONE,
    INV_GLOBAL,
    INV_DOMAIN,
    INV_PAGE,               /* IOTLB: page-selective; context: device */
};

struct inv {
    bool context;           /* context cache, else IOTLB + PS caches */
    uint8_t gran;           /* enum inv_gran */
    bool ih;
    uint16_t did, sid;
    struct range r;         /* INV_PAGE IOTLB: the aligned block */
    bool drained;           /* IOTLB: waits for DMA it translated (DR, DW) */
    uint64_t sub_seq;
};

/* What the queue has fetched but not yet completed, in order. */
struct qrec {
    bool late_wait;         /* a timed-out wait, its status still unwritten */
    bool sw, iflag;
    uint32_t data;
    uint64_t addr;
    struct inv inv;
};

struct reg_inv {
    bool pending, stuck;
    unsigned int reads_left;
    uint64_t value;         /* what the register reads as */
    uint64_t done_value;    /* ... once complete */
    struct inv inv;
};

static struct vtd_sim_caps caps;
static struct vtd_sim_stats stats;

static uint64_t regs_block[VTD_REG_BLOCK_SIZE / 8]
    __attribute__((aligned(VTD_REG_BLOCK_SIZE)));

static struct {
    uint64_t cap, ecap;
    uint32_t gsts;
    bool gcmd_pending;
    uint32_t gcmd;
    uint64_t rtaddr;
    bool root_latched;
    unsigned long root_mfn;
    uint32_t fsts;
    uint64_t iqa;
    unsigned int iqh, iqt;      /* descriptor indices */
    uint32_t ics;
    uint64_t iva;
    struct reg_inv ccmd, iotlb;
    unsigned int qi_ticks;
    uint32_t fectl;
    uint64_t frcd[SIM_NFR][2];  /* low, high quadword */
    unsigned int frcd_next;     /* the record the next fault goes to */
    bool fault_event;           /* raised, not yet delivered */
    uint64_t other[VTD_REG_BLOCK_SIZE / 8];     /* registers not modelled */
} regs;

static struct sim_frame *sframes[HEAP_MAX_FRAMES];
static unsigned int touched_frames[HEAP_MAX_FRAMES], nr_touched_frames;
static unsigned int watched[HEAP_MAX_FRAMES], nr_watched;
/*
 * Frames the CPU was given a pointer to (hh_map_frame()) since the last
 * vtd_sim_sync(), and Xen-heap frames, whose pointer lives as long as
 * the frame: the only frames a store can have changed since (see
 * settle()).
 */
static unsigned int exposed[HEAP_MAX_FRAMES], nr_exposed;

static struct did_state dids[NR_DIDS];
static uint16_t touched_dids[NR_DIDS];
static unsigned int nr_touched_dids;

static struct tl_entry *hash[HASH_SIZE];
static struct tl_entry *free_entries;

static struct dev_state devs[VTD_SIM_DEVICES];

/* The queue: submission record per slot, fetched records, and so on. */
static uint64_t slot_seq[MAX_QI_ENTRIES];
static struct vtd_qi_desc slot_desc[MAX_QI_ENTRIES];
static unsigned int slot_hwm;       /* slots used since reset */
static struct qrec *qrecs;
static unsigned int nr_qrecs, cap_qrecs;

static uint64_t seq;                /* moments, for "seen since" */
static unsigned long walk_budget;
static bool walk_overflow;
static bool ctx_dirty;
static unsigned long bfn_limit = 4096;
static unsigned long epoch, synced_epoch = ~0UL;

static char proto_msg[256];
static unsigned long nr_proto_errors;

/* ---- Small helpers ---- */

static void proto_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void proto_error(const char *fmt, ...)
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

static uint64_t region_lo(unsigned int level, uint64_t key)
{
    return key << (VTD_LEVEL_STRIDE * (level - 1));
}

static uint64_t region_hi(unsigned int level, uint64_t key)
{
    return (key + 1) << (VTD_LEVEL_STRIDE * (level - 1));
}

static bool overlaps(const struct range *a, uint64_t lo, uint64_t hi)
{
    return a->lo < hi && lo < a->hi;
}

static bool budget_take(void)
{
    if ( walk_budget )
    {
        walk_budget--;
        return true;
    }
    walk_overflow = true;
    return false;
}

/* n visits at once, as n budget_take() calls would count them. */
static void budget_take_n(unsigned long n)
{
    if ( walk_budget >= n )
        walk_budget -= n;
    else
    {
        walk_budget = 0;
        walk_overflow = true;
    }
}

/* Every entry point from the core or the executor starts here. */
static void op_begin(void)
{
    walk_budget = WALK_BUDGET;
}

/* ---- Device-visible memory ---- */

static struct sim_frame *sframe(unsigned long mfn)
{
    struct sim_frame *f;

    if ( heap_frame_state(mfn) == HEAP_FRAME_NONE )
        return NULL;
    f = sframes[mfn - HEAP_BASE_MFN];
    return f && f->touched ? f : NULL;
}

/*
 * A frame's contents as the CPU wrote them: in place while it is live,
 * else copied (freed frames are poisoned under ASan).  In place is safe:
 * the model writes heap memory only from the queue (device_store32()),
 * never while it reads a frame.
 */
/*
 * An array of *cap elements of size bytes, twice as long (first, size
 * first): the simulator's state has no fixed bound.  Out of memory is the
 * harness's end, not a state of the unit.
 */
static void *grow(void *array, unsigned int *cap, unsigned int first,
                  size_t size)
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

static const uint64_t *frame_data(unsigned long mfn, uint64_t *copy)
{
    if ( heap_frame_state(mfn) == HEAP_FRAME_LIVE )
        return heap_frame_va(mfn);
    heap_frame_read(mfn, 0, copy, PTES * sizeof(*copy));
    return copy;
}

/* Without an early exit, so that it is vectorised. */
static bool words_same(const uint64_t *a, const uint64_t *b, unsigned int n)
{
    uint64_t diff = 0;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        diff |= a[i] ^ b[i];
    return !diff;
}

static bool has_extra_bit(const struct sim_frame *f, unsigned int idx)
{
    return f->extra_map[idx / 64] & (1ULL << (idx % 64));
}

static void dram_set(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    uint64_t bit = 1ULL << (idx % 64);

    f->dram[idx] = val;
    if ( dma_pte_present(val) )
        f->present_map[idx / 64] |= bit;
    else
        f->present_map[idx / 64] &= ~bit;
}

/* The whole of f's dram from data: dram_set() of every word, at once. */
static void dram_fill(struct sim_frame *f, const uint64_t *data)
{
    unsigned int w, bit;

    memcpy(f->dram, data, sizeof(f->dram));
    for ( w = 0; w < PTES; w += 64 )
    {
        uint64_t present = 0;

        for ( bit = 0; bit < 64; bit++ )
            present |= (uint64_t)dma_pte_present(data[w + bit]) << bit;
        f->present_map[w / 64] = present;
    }
}

/*
 * The first word in [idx, end) that may show a present entry; end if none.
 * Only those can give an entry that is cached without CAP.CM.
 */
static unsigned int next_maybe_present(const struct sim_frame *f,
                                       unsigned int idx, unsigned int end)
{
    uint64_t bits;

    while ( idx < end )
    {
        bits = (f->present_map[idx / 64] | f->extra_map[idx / 64]) &
               (~0ULL << (idx % 64));
        if ( bits )
        {
            idx = (idx & ~63U) + __builtin_ctzll(bits);
            return idx < end ? idx : end;
        }
        idx = (idx & ~63U) + 64;
    }
    return end;
}

static bool value_visible(const struct sim_frame *f, unsigned int idx,
                          uint64_t val)
{
    uint32_t i;

    if ( f->dram[idx] == val )
        return true;
    if ( !has_extra_bit(f, idx) )
        return false;
    for ( i = f->extra_head[idx]; i; i = f->extra[i - 1].next )
        if ( f->extra[i - 1].val == val )
            return true;
    return false;
}

/* A free slot of f->extra, as its link (slot + 1). */
static uint32_t extra_slot(struct sim_frame *f)
{
    uint32_t i = f->extra_free;

    if ( i )
    {
        f->extra_free = f->extra[i - 1].next;
        return i;
    }
    if ( f->nr_extra == f->cap_extra )
        f->extra = grow(f->extra, &f->cap_extra, 16, sizeof(*f->extra));
    return ++f->nr_extra;
}

static void add_extra(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    uint32_t i = extra_slot(f);

    f->extra[i - 1].val = val;
    f->extra[i - 1].next = 0;
    if ( has_extra_bit(f, idx) )
        f->extra[f->extra_tail[idx] - 1].next = i;
    else
        f->extra_head[idx] = i;
    f->extra_tail[idx] = i;
    f->extra_map[idx / 64] |= 1ULL << (idx % 64);
}

/* The word was written back: only its current value remains visible. */
static void drop_extras(struct sim_frame *f, unsigned int idx)
{
    f->wb_map[idx / 64] &= ~(1ULL << (idx % 64));
    if ( !has_extra_bit(f, idx) )
        return;
    f->extra[f->extra_tail[idx] - 1].next = f->extra_free;
    f->extra_free = f->extra_head[idx];
    f->extra_map[idx / 64] &= ~(1ULL << (idx % 64));
}

static unsigned int visible_values(const struct sim_frame *f, unsigned int idx,
                                   uint64_t *out)
{
    unsigned int n = 0;
    uint32_t i;

    out[n++] = f->dram[idx];
    if ( !has_extra_bit(f, idx) )
        return n;
    for ( i = f->extra_head[idx]; i; i = f->extra[i - 1].next )
    {
        if ( n == MAX_VISIBLE )
        {
            /* Beyond this, report rather than silently under-approximate. */
            walk_overflow = true;
            break;
        }
        out[n++] = f->extra[i - 1].val;
    }
    return n;
}

/* ---- The write buffer (CAP.RWBF) ---- */

/*
 * A unit that reports CAP.RWBF may not see a store that reached memory
 * (a coherent store, or a write-back) until software flushes the
 * chipset's write buffer (GCMD.WBF) or an invalidation does so before it
 * runs.  What that changes for software is one thing: a new entry, over
 * a non-present one, may go on reading as non-present, so DMA through it
 * may fault, until the buffer is flushed.  (Every change of a present
 * entry, and of a context or root table, comes with an invalidation,
 * which flushes the buffer.)  So a buffered word adds a possible fault
 * to the walks that ask (vtd_sim_may_fault()); it is never cached: the
 * buffer drains in order, and a walker that reached the word through
 * anything stored later has the word's new value too.
 */
static struct {
    uint32_t *words;                /* frame idx << 9 | word, maybe stale */
    unsigned int nr, cap;
} wbuf;

static bool wbuf_has(const struct sim_frame *f, unsigned int idx)
{
    return f->wb_map[idx / 64] & (1ULL << (idx % 64));
}

/* A store over a non-present table entry waits in the write buffer. */
static void wbuf_note(struct sim_frame *f, unsigned int idx, uint64_t old)
{
    if ( !caps.rwbf || f->ctx_watch || dma_pte_present(old) ||
         wbuf_has(f, idx) )
        return;
    f->wb_map[idx / 64] |= 1ULL << (idx % 64);
    if ( wbuf.nr == wbuf.cap )
        wbuf.words = grow(wbuf.words, &wbuf.cap, 256, sizeof(*wbuf.words));
    wbuf.words[wbuf.nr++] = (f->idx << 9) | idx;
}

/* GCMD.WBF, or an invalidation about to run: the walker sees memory. */
static void wbuf_flush(void)
{
    unsigned int i;

    for ( i = 0; i < wbuf.nr; i++ )
    {
        struct sim_frame *f = sframes[wbuf.words[i] >> 9];
        unsigned int idx = wbuf.words[i] & (PTES - 1);

        if ( f && f->touched )
            f->wb_map[idx / 64] &= ~(1ULL << (idx % 64));
    }
    wbuf.nr = 0;
}

static void watch_add(struct sim_frame *f)
{
    if ( f->watch_pos >= 0 )
        return;
    f->watch_pos = nr_watched;
    watched[nr_watched++] = f->idx;
}

static void watch_drop_if_idle(struct sim_frame *f)
{
    struct sim_frame *last;
    int pos = f->watch_pos;

    if ( pos < 0 || f->reachers || f->ctx_watch )
        return;
    last = sframes[watched[nr_watched - 1]];
    watched[pos] = watched[nr_watched - 1];
    last->watch_pos = pos;
    nr_watched--;
    f->watch_pos = -1;
}

static void note_entry(uint16_t did, unsigned int level, uint64_t key,
                       uint64_t pte, const struct range *scope);

/* A value became device-visible in word idx of f: record what it gives. */
static void visible_added(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    struct tl_entry *e;

    /* New reachers are pushed at the head and walk the frame themselves. */
    for ( e = f->reachers; e; e = e->reach_next )
        note_entry(e->did, e->level - 1, (e->key << VTD_LEVEL_STRIDE) | idx,
                   val, &all_bfns);
    if ( f->ctx_watch )
        ctx_dirty = true;
}

/*
 * Compare a frame with its device-visible copy: whatever differs was
 * stored without being reported (or just reported) and becomes visible.
 */
#define SYNC_CHUNK  8       /* words compared at once */

static void word_sync(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    if ( val == f->mem[idx] )
        return;
    f->mem[idx] = val;
    if ( val == f->dram[idx] )
        return;
    if ( caps.coherent )
    {
        wbuf_note(f, idx, f->dram[idx]);
        dram_set(f, idx, val);
    }
    else if ( !value_visible(f, idx, val) )
        add_extra(f, idx, val);
    else
        return;
    visible_added(f, idx, val);
}

static void frame_sync(unsigned long mfn, struct sim_frame *f)
{
    uint64_t copy[PTES];
    const uint64_t *data;
    unsigned int base, idx;

    stats.frames_compared++;
    if ( heap_frame_equals(mfn, f->mem) )
        return;
    data = frame_data(mfn, copy);
    for ( base = 0; base < PTES; base += SYNC_CHUNK )
    {
        if ( words_same(data + base, f->mem + base, SYNC_CHUNK) )
            continue;
        for ( idx = base; idx < base + SYNC_CHUNK; idx++ )
            if ( data[idx] != f->mem[idx] )
                word_sync(f, idx, data[idx]);
    }
}

/*
 * Words [first, first + n) of f up to date with memory: a reported store
 * or a written-back line.  Stores elsewhere in the frame are found by the
 * next settle(), before anything can walk or invalidate.
 */
static void words_sync(unsigned long mfn, struct sim_frame *f,
                       unsigned int first, unsigned int n)
{
    uint64_t copy[PTES];
    const uint64_t *data = frame_data(mfn, copy);
    unsigned int idx;

    for ( idx = first; idx < first + n && idx < PTES; idx++ )
        if ( data[idx] != f->mem[idx] )
            word_sync(f, idx, data[idx]);
}

static void ctx_refresh(void);

/*
 * Bring every frame the device may read up to date with memory.  Only a
 * frame the CPU holds a pointer to can have changed: one mapped since the
 * last vtd_sim_sync() (the core's mappings do not outlive a hypercall)
 * or a Xen-heap frame.  So the work is what the call touched, not every
 * table the unit may walk (docs/design.md, "The simulated VT-d").
 */
static void settle(void)
{
    unsigned int i, rounds;

    for ( i = 0; i < nr_exposed; i++ )
    {
        struct sim_frame *f = sframes[exposed[i]];

        if ( f->watch_pos >= 0 )
            frame_sync(HEAP_BASE_MFN + f->idx, f);
    }
    for ( rounds = 0; ctx_dirty && rounds < 4; rounds++ )
        ctx_refresh();
    synced_epoch = epoch;
}

/*
 * Every entry point from the core bumps the epoch: with the epoch of the
 * last settle, no core code can have run since, so memory is as synced
 * (the model's own stores, device_store32(), keep the copies up to date).
 * Only the executor's vtd_sim_sync() must settle regardless: the core may
 * have stored after its last hook call.
 */
static void settle_if_needed(void)
{
    if ( synced_epoch != epoch || ctx_dirty )
        settle();
}

static struct sim_frame *frame_touch(unsigned int idx)
{
    struct sim_frame *f = sframes[idx];

    if ( !f )
    {
        f = calloc(1, sizeof(*f));
        if ( !f )
        {
            fprintf(stderr, "vtd-sim: out of memory\n");
            abort();
        }
        sframes[idx] = f;
    }
    if ( !f->touched )
    {
        f->touched = true;
        f->nr_extra = 0;
        f->extra_free = 0;
        memset(f->extra_map, 0, sizeof(f->extra_map));
        memset(f->wb_map, 0, sizeof(f->wb_map));
        memset(f->present_map, 0, sizeof(f->present_map));
        f->reachers = NULL;
        f->ctx_watch = false;
        f->idx = idx;
        f->watch_pos = -1;
        f->exposed = false;
        touched_frames[nr_touched_frames++] = idx;
    }
    return f;
}

void vtd_sim_frame_allocated(unsigned long mfn)
{
    unsigned int idx = mfn - HEAP_BASE_MFN;
    uint64_t copy[PTES];
    const uint64_t *data = frame_data(mfn, copy);
    struct sim_frame *f;
    bool fresh = !sframes[idx] || !sframes[idx]->touched;
    unsigned int w;

    epoch++;
    op_begin();
    f = frame_touch(idx);
    memcpy(f->mem, data, sizeof(f->mem));
    if ( fresh )
    {
        dram_fill(f, data);
        return;
    }
    /*
     * A reused frame: the allocator's fill reaches memory (treat it as
     * written back), and anything still reaching this frame sees it.
     */
    for ( w = 0; w < PTES; w++ )
    {
        drop_extras(f, w);
        if ( f->dram[w] == data[w] )
            continue;
        dram_set(f, w, data[w]);
        visible_added(f, w, data[w]);
    }
    if ( ctx_dirty )
        settle();
}

void vtd_sim_mem_written(const volatile void *va, unsigned int bytes)
{
    unsigned long mfn;
    unsigned int off;
    struct sim_frame *f;

    epoch++;
    if ( !heap_va_to_mfn(va, &mfn, &off) || !(f = sframe(mfn)) )
        return;
    op_begin();
    /* The store is already in memory: syncing its words picks it up. */
    words_sync(mfn, f, off / 8, (off % 8 + bytes + 7) / 8);
    if ( ctx_dirty )
        settle();
}

void vtd_sim_cache_writeback(const void *va, unsigned int bytes)
{
    uintptr_t start = (uintptr_t)va & ~(uintptr_t)63;
    uintptr_t end = ((uintptr_t)va + bytes + 63) & ~(uintptr_t)63;
    uintptr_t line;
    uint64_t copy[PTES];
    const uint64_t *data = NULL;
    unsigned long data_mfn = 0;

    epoch++;
    if ( !bytes )
        return;
    op_begin();
    stats.clflush_lines += (end - start) / 64;
    for ( line = start; line < end; line += 64 )
    {
        unsigned long mfn;
        unsigned int off, w;
        struct sim_frame *f;

        if ( !heap_va_to_mfn((const void *)line, &mfn, &off) ||
             !(f = sframe(mfn)) )
            continue;
        /* Values stored without write_atomic were visible until now. */
        words_sync(mfn, f, off / 8, 8);
        if ( mfn != data_mfn )
        {
            data_mfn = mfn;
            data = frame_data(mfn, copy);
        }
        for ( w = off / 8; w < off / 8 + 8; w++ )
        {
            uint64_t old = f->dram[w];

            dram_set(f, w, data[w]);
            drop_extras(f, w);
            if ( old != data[w] )
                wbuf_note(f, w, old);
        }
        /* Fewer values visible: a context entry may no longer be current. */
        if ( f->ctx_watch )
            ctx_dirty = true;
    }
    if ( ctx_dirty )
        settle();
}

/* The device writes memory (a wait descriptor's status). */
static void device_store32(uint64_t addr, uint32_t val)
{
    unsigned long mfn = addr >> 12;
    unsigned int off = addr & 0xfff;
    struct sim_frame *f = sframe(mfn);
    uint64_t copy[PTES];
    const uint64_t *data;
    unsigned int w = off / 8;

    if ( !f || off > 0xffc )
    {
        proto_error("wait status address %#" PRIx64 " is not heap memory",
                    addr);
        return;
    }
    if ( heap_frame_state(mfn) != HEAP_FRAME_LIVE )
        proto_error("wait status written to freed frame %#lx", mfn);
    heap_frame_write(mfn, off, &val, sizeof(val));
    data = frame_data(mfn, copy);
    /* The device writes memory itself: no CPU cache in the way. */
    drop_extras(f, w);
    f->mem[w] = data[w];
    if ( f->dram[w] != data[w] )
    {
        dram_set(f, w, data[w]);
        visible_added(f, w, f->dram[w]);
    }
}

/* ---- Cached entries ---- */

/*
 * Runs of 64 keys of a (did, level) share a hashed base and go to
 * consecutive buckets: a walk of a table, or of a block, then reads the
 * table sequentially instead of missing the cache at every entry.
 */
static unsigned int hash_of(uint16_t did, unsigned int level, uint64_t key)
{
    uint64_t h = ((key >> 6) * 0x9e3779b97f4a7c15ULL) ^
                 (((uint64_t)did << 3 | level) * 0xc2b2ae3d27d4eb4fULL);

    return ((unsigned int)(h >> (64 - HASH_BITS)) & ~63U) | (key & 63);
}

static void did_touch(uint16_t did)
{
    if ( !dids[did].touched )
    {
        dids[did].touched = true;
        touched_dids[nr_touched_dids++] = did;
    }
}

static struct tl_entry *entry_alloc(void)
{
    struct tl_entry *e;

    if ( !free_entries )
    {
        struct tl_entry *chunk = calloc(POOL_CHUNK, sizeof(*chunk));
        unsigned int i;

        if ( !chunk )
        {
            fprintf(stderr, "vtd-sim: out of memory\n");
            abort();
        }
        for ( i = 0; i < POOL_CHUNK; i++ )
        {
            chunk[i].hash_next = free_entries;
            free_entries = &chunk[i];
        }
    }
    e = free_entries;
    free_entries = e->hash_next;
    memset(e, 0, sizeof(*e));
    return e;
}

static void entry_release(struct tl_entry *e)
{
    e->hash_next = free_entries;
    free_entries = e;
}

static bool special_frame(unsigned long mfn, const struct sim_frame *f)
{
    uint64_t qbase = regs.iqa >> 12;
    uint64_t qpages = 1ULL << (regs.iqa & VTD_IQA_QS_MASK);

    if ( f->ctx_watch )
        return true;
    return (regs.gsts & GSTS_QIES) && mfn >= qbase && mfn < qbase + qpages;
}

static bool usable_table(unsigned long mfn)
{
    struct sim_frame *f = sframe(mfn);

    return f && !special_frame(mfn, f);
}

static void classify(unsigned int level, uint64_t pte, uint8_t *kind,
                     uint64_t *val)
{
    unsigned long mfn;

    *val = 0;
    if ( !dma_pte_present(pte) )
        *kind = TL_NP;
    else if ( level == 1 )
    {
        *kind = TL_LEAF;
        *val = pte & (DMA_PTE_ADDR_MASK | DMA_PTE_PROT);
    }
    else if ( pte & DMA_PTE_SP )
        *kind = TL_NP;      /* superpage bit without SLLPS: a fault */
    else
    {
        mfn = (pte & DMA_PTE_ADDR_MASK) >> 12;
        if ( usable_table(mfn) )
        {
            *kind = TL_TABLE;
            *val = mfn;
        }
        else
        {
            *kind = TL_WILD;
            *val = pte;
        }
    }
}

static struct tl_entry *entry_find(uint16_t did, unsigned int level,
                                   uint64_t key, uint8_t kind, uint64_t val)
{
    struct tl_entry *e;

    for ( e = hash[hash_of(did, level, key)]; e; e = e->hash_next )
        if ( e->key == key && e->did == did && e->level == level &&
             e->kind == kind && e->val == val )
            return e;
    return NULL;
}

static void reach_link(struct tl_entry *e)
{
    unsigned long mfn = e->val;
    struct sim_frame *f = sframe(mfn);

    /* A frame nobody reached may be stale in our copy: catch up first. */
    if ( f->watch_pos < 0 )
    {
        frame_sync(mfn, f);
        watch_add(f);
    }
    e->reach_prev = NULL;
    e->reach_next = f->reachers;
    if ( f->reachers )
        f->reachers->reach_prev = e;
    f->reachers = e;
}

static void reach_unlink(struct tl_entry *e)
{
    struct sim_frame *f = sframe(e->val);

    if ( e->reach_prev )
        e->reach_prev->reach_next = e->reach_next;
    else
        f->reachers = e->reach_next;
    if ( e->reach_next )
        e->reach_next->reach_prev = e->reach_prev;
    watch_drop_if_idle(f);
}

static void list_push(struct tl_entry **head, struct tl_entry *e)
{
    e->did_prev = NULL;
    e->did_next = *head;
    if ( *head )
        (*head)->did_prev = e;
    *head = e;
}

static void list_unlink(struct tl_entry **head, struct tl_entry *e)
{
    if ( e->did_prev )
        e->did_prev->did_next = e->did_next;
    else
        *head = e->did_next;
    if ( e->did_next )
        e->did_next->did_prev = e->did_prev;
}

static void leaf_push(struct tl_entry **head, struct tl_entry *e)
{
    e->leaf_prev = NULL;
    e->leaf_next = *head;
    if ( *head )
        (*head)->leaf_prev = e;
    *head = e;
}

static void leaf_unlink(struct tl_entry **head, struct tl_entry *e)
{
    if ( e->leaf_prev )
        e->leaf_prev->leaf_next = e->leaf_next;
    else
        *head = e->leaf_next;
    if ( e->leaf_next )
        e->leaf_next->leaf_prev = e->leaf_prev;
}

static struct tl_entry *entry_insert(uint16_t did, unsigned int level,
                                     uint64_t key, uint8_t kind, uint64_t val)
{
    struct tl_entry *e = entry_alloc();
    unsigned int h = hash_of(did, level, key);

    e->did = did;
    e->level = level;
    e->key = key;
    e->kind = kind;
    e->val = val;
    e->born = seq;
    e->hash_next = hash[h];
    hash[h] = e;
    did_touch(did);
    list_push(&dids[did].entries, e);
    dids[did].nr_entries++;
    if ( kind == TL_TABLE )
        reach_link(e);
    else if ( kind == TL_WILD )
        dids[did].nr_wild++;
    else if ( kind == TL_LEAF )
        leaf_push(&dids[did].leaves, e);
    return e;
}

static void entry_remove(struct tl_entry *e)
{
    struct tl_entry **link = &hash[hash_of(e->did, e->level, e->key)];

    while ( *link != e )
        link = &(*link)->hash_next;
    *link = e->hash_next;
    list_unlink(&dids[e->did].entries, e);
    dids[e->did].nr_entries--;
    if ( e->kind == TL_TABLE )
        reach_unlink(e);
    else if ( e->kind == TL_WILD )
        dids[e->did].nr_wild--;
    else if ( e->kind == TL_LEAF )
        leaf_unlink(&dids[e->did].leaves, e);
    entry_release(e);
}

static void walk_table(uint16_t did, unsigned int level, uint64_t rkey,
                       unsigned long mfn, const struct range *scope);

/*
 * The hardware may have fetched entry (level, key) of did with value pte:
 * record it as seen now, and everything below it within scope.
 */
static void note_entry(uint16_t did, unsigned int level, uint64_t key,
                       uint64_t pte, const struct range *scope)
{
    struct tl_entry *e;
    uint8_t kind;
    uint64_t val;

    if ( !budget_take() )
        return;
    classify(level, pte, &kind, &val);
    /* Without Caching Mode, non-present entries are never cached. */
    if ( kind == TL_NP && !caps.cm )
        return;
    e = entry_find(did, level, key, kind, val);
    if ( !e )
        e = entry_insert(did, level, key, kind, val);
    e->seen = seq;
    if ( kind == TL_TABLE )
        walk_table(did, level - 1, key, val, scope);
}

/* Note every entry of a level-'level' table whose region meets scope. */
static void walk_table(uint16_t did, unsigned int level, uint64_t rkey,
                       unsigned long mfn, const struct range *scope)
{
    struct sim_frame *f = sframe(mfn);
    unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
    uint64_t base = rkey << (VTD_LEVEL_STRIDE * level);
    uint64_t end = base + ((uint64_t)PTES << shift);
    uint64_t vals[MAX_VISIBLE];
    unsigned int i, i_lo, i_hi, n, v;

    if ( !f || level < 1 || scope->hi <= base || scope->lo >= end )
        return;
    i_lo = scope->lo <= base ? 0 : (scope->lo - base) >> shift;
    i_hi = scope->hi >= end ? PTES
                            : (scope->hi - base + (1ULL << shift) - 1) >> shift;
    for ( i = i_lo; i < i_hi && !walk_overflow; i++ )
    {
        if ( !caps.cm )
        {
            /* Non-present entries are not cached: each is just a visit. */
            unsigned int next = next_maybe_present(f, i, i_hi);

            budget_take_n(next - i);
            i = next;
            if ( i >= i_hi || walk_overflow )
                break;
        }
        n = visible_values(f, i, vals);
        for ( v = 0; v < n; v++ )
            note_entry(did, level, (rkey << VTD_LEVEL_STRIDE) | i, vals[v],
                       scope);
    }
}

/* A context entry of some device points did at root: a pseudo entry. */
static struct tl_entry *root_get(uint16_t did, unsigned long root)
{
    struct tl_entry *e;

    for ( e = dids[did].roots; e; e = e->did_next )
        if ( e->val == root )
        {
            e->refs++;
            return e;
        }
    e = entry_alloc();
    e->did = did;
    e->level = ROOT_LEVEL;
    e->kind = TL_TABLE;
    e->val = root;
    e->refs = 1;
    e->seen = seq;
    did_touch(did);
    list_push(&dids[did].roots, e);
    reach_link(e);
    walk_table(did, VTD_PT_LEVELS, 0, root, &all_bfns);
    return e;
}

static void root_put(struct tl_entry *e)
{
    if ( --e->refs )
        return;
    list_unlink(&dids[e->did].roots, e);
    reach_unlink(e);
    entry_release(e);
}

/* ---- Context entries ---- */

static void ctx_add(struct dev_state *d, uint8_t kind, uint64_t lo,
                    uint64_t hi, const char *why)
{
    struct ctx_poss *p;
    unsigned int i;
    uint16_t did = (hi & VTD_CTX_DID_MASK) >> VTD_CTX_DID_SHIFT;

    for ( i = 0; i < d->nr; i++ )
    {
        p = &d->poss[i];
        if ( p->kind == kind && p->lo == lo && p->hi == hi )
        {
            p->current = true;
            p->seen = seq;
            return;
        }
    }
    if ( d->nr == d->cap )
        d->poss = grow(d->poss, &d->cap, 8, sizeof(*d->poss));
    p = &d->poss[d->nr++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->lo = lo;
    p->hi = hi;
    p->did = did;
    p->why = why;
    p->current = true;
    p->seen = seq;
    if ( kind == CTX_VALID )
        p->root = root_get(did, (lo & DMA_PTE_ADDR_MASK) >> 12);
}

/*
 * Under sid_tag, d may hit did's leaves first fetchable until now; a
 * moment passes, so that a leaf fetchable from now on is not among them.
 */
static void tag_add(struct dev_state *d, uint16_t did)
{
    uint64_t now = seq++;
    unsigned int i;

    for ( i = 0; i < d->nr_tags; i++ )
        if ( d->tags[i].did == did )
        {
            d->tags[i].seq = now;
            return;
        }
    if ( d->nr_tags == d->cap_tags )
        d->tags = grow(d->tags, &d->cap_tags, 4, sizeof(*d->tags));
    d->tags[d->nr_tags].did = did;
    d->tags[d->nr_tags++].seq = now;
}

/*
 * The context cache no longer holds poss[i].  Under sid_tag the IOTLB may
 * still hold what the device fetched through it.
 */
static void ctx_remove(struct dev_state *d, unsigned int i)
{
    if ( d->poss[i].kind == CTX_VALID && caps.sid_tag )
        tag_add(d, d->poss[i].did);
    if ( d->poss[i].root )
        root_put(d->poss[i].root);
    d->poss[i] = d->poss[--d->nr];
}

/*
 * An IOTLB invalidation of did (every did for a global one) completed:
 * whatever a device fetched under it before the submission is gone, unless
 * a DMA it translated may still be on its way (may_be_in_flight()).
 */
static void tags_drop(const struct inv *inv)
{
    unsigned int dev, i;

    if ( caps.drain && !inv->drained )
        return;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        struct dev_state *d = &devs[dev];

        for ( i = 0; i < d->nr_tags; )
            if ( d->tags[i].seq < inv->sub_seq &&
                 (inv->gran == INV_GLOBAL || d->tags[i].did == inv->did) )
                d->tags[i] = d->tags[--d->nr_tags];
            else
                i++;
    }
}

static void ctx_classify(struct dev_state *d, uint64_t lo, uint64_t hi)
{
    unsigned int tt = (lo >> 2) & 3;
    unsigned long root = (lo & DMA_PTE_ADDR_MASK) >> 12;

    if ( !(lo & VTD_CTX_PRESENT) )
        ctx_add(d, CTX_FAULT, lo, hi, NULL);
    else if ( tt == 2 )
        ctx_add(d, CTX_WILD, lo, hi, "pass-through context entry");
    else if ( tt == 3 || (hi & 7) != VTD_CTX_AW_4LEVEL )
        ctx_add(d, CTX_FAULT, lo, hi, NULL);    /* invalid: faults */
    else if ( !usable_table(root) )
        ctx_add(d, CTX_WILD, lo, hi,
                "context entry's table root is not a heap table frame");
    else
        ctx_add(d, CTX_VALID, lo, hi, NULL);
}

static void ctx_watch(unsigned long mfn, struct sim_frame *f)
{
    if ( f->ctx_watch )
        return;
    if ( f->watch_pos < 0 )
        frame_sync(mfn, f);
    f->ctx_watch = true;
    watch_add(f);
}

/* What each device's context entry may be now, from the visible tables. */
static void ctx_compute(unsigned int dev)
{
    struct dev_state *d = &devs[dev];
    uint64_t roots[MAX_VISIBLE], los[MAX_VISIBLE], his[MAX_VISIBLE];
    struct sim_frame *rf, *cf;
    unsigned int nr, nl, nh, a, b, c;

    if ( !regs.root_latched )
    {
        ctx_add(d, CTX_WILD, 0, 0, "no root table pointer set");
        return;
    }
    rf = sframe(regs.root_mfn);
    if ( !rf )
    {
        ctx_add(d, CTX_WILD, regs.root_mfn, 0,
                "root table is not a heap frame");
        return;
    }
    ctx_watch(regs.root_mfn, rf);
    nr = visible_values(rf, 0, roots);      /* bus 0, low word */
    for ( a = 0; a < nr; a++ )
    {
        unsigned long ctx_mfn = (roots[a] & DMA_PTE_ADDR_MASK) >> 12;

        if ( !(roots[a] & VTD_ROOT_PRESENT) )
        {
            ctx_add(d, CTX_FAULT, 0, 0, NULL);
            continue;
        }
        cf = sframe(ctx_mfn);
        if ( !cf || ctx_mfn == regs.root_mfn )
        {
            ctx_add(d, CTX_WILD, roots[a], ~0ULL,
                    "root entry points outside the heap");
            continue;
        }
        ctx_watch(ctx_mfn, cf);
        nl = visible_values(cf, dev * 2, los);
        nh = visible_values(cf, dev * 2 + 1, his);
        for ( b = 0; b < nl; b++ )
            for ( c = 0; c < nh; c++ )
                ctx_classify(d, los[b], his[c]);
    }
}

static void ctx_refresh(void)
{
    unsigned int dev, i;

    ctx_dirty = false;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        struct dev_state *d = &devs[dev];

        for ( i = 0; i < d->nr; i++ )
        {
            d->poss[i].was_current = d->poss[i].current;
            d->poss[i].current = false;
        }
        ctx_compute(dev);
        for ( i = 0; i < d->nr; )
        {
            struct ctx_poss *p = &d->poss[i];

            if ( !p->current && p->was_current )
                p->seen = seq;      /* visible until this moment */
            /* Without Caching Mode a non-present entry is not cached. */
            if ( !p->current && p->kind == CTX_FAULT && !caps.cm )
                ctx_remove(d, i);
            else
                i++;
        }
    }
}

/* ---- Invalidation ---- */

/* Stamp what is fetchable now within the invalidation's scope. */
static void mark_did(uint16_t did, const struct range *scope, bool from_ps)
{
    struct tl_entry *e, *next;
    unsigned int level;

    for ( e = dids[did].roots; e; e = e->did_next )
        walk_table(did, VTD_PT_LEVELS, 0, e->val, scope);
    if ( !from_ps )
        return;
    /* IH=1 keeps paging-structure entries: walks through them stay possible. */
    for ( level = 2; level <= VTD_PT_LEVELS; level++ )
    {
        unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
        uint64_t k_lo = scope->lo >> shift, k_hi = (scope->hi - 1) >> shift;

        if ( k_hi - k_lo < 64 )
        {
            uint64_t k;

            for ( k = k_lo; k <= k_hi; k++ )
                for ( e = hash[hash_of(did, level, k)]; e; e = next )
                {
                    next = e->hash_next;
                    if ( e->did == did && e->level == level && e->key == k &&
                         e->kind == TL_TABLE )
                        walk_table(did, level - 1, k, e->val, scope);
                }
        }
        else
            for ( e = dids[did].entries; e; e = e->did_next )
                if ( e->level == level && e->kind == TL_TABLE &&
                     overlaps(scope, region_lo(level, e->key),
                              region_hi(level, e->key)) )
                    walk_table(did, level - 1, e->key, e->val, scope);
    }
}

static void inv_submit(struct inv *inv)
{
    unsigned int i;

    settle_if_needed();
    /* Every invalidation flushes the write buffer before it runs. */
    wbuf_flush();
    inv->sub_seq = ++seq;
    if ( inv->context )
        return;     /* context possibilities carry their own moments */
    switch ( inv->gran )
    {
    case INV_GLOBAL:
        for ( i = 0; i < nr_touched_dids; i++ )
            mark_did(touched_dids[i], &all_bfns, false);
        break;
    case INV_DOMAIN:
        mark_did(inv->did, &all_bfns, false);
        break;
    case INV_PAGE:
        mark_did(inv->did, &inv->r, inv->ih);
        break;
    }
}

static bool in_scope(const struct tl_entry *e, const struct inv *inv)
{
    if ( inv->gran != INV_PAGE )
        return true;
    if ( e->level == 1 )
        return e->key >= inv->r.lo && e->key < inv->r.hi;
    /* Paging-structure entries translating the block go unless IH=1. */
    return !inv->ih && overlaps(&inv->r, region_lo(e->level, e->key),
                                region_hi(e->level, e->key));
}

/*
 * Under CAP.DRD/DWD, an IOTLB invalidation that did not ask for draining
 * may complete while a DMA it translated before is still on its way: the
 * leaf stays possible (until a draining invalidation covers it).
 */
static bool may_be_in_flight(const struct tl_entry *e, const struct inv *inv)
{
    return caps.drain && !inv->drained && e->kind == TL_LEAF;
}

static void sweep_entry(struct tl_entry *e, const struct inv *inv)
{
    if ( e->seen < inv->sub_seq && in_scope(e, inv) &&
         !may_be_in_flight(e, inv) )
        entry_remove(e);
}

static void sweep_did(uint16_t did, const struct inv *inv)
{
    struct tl_entry *e, *next;
    unsigned int level;

    if ( inv->gran == INV_PAGE && inv->r.hi - inv->r.lo <= 64 )
    {
        /* A small block: look its keys up instead of scanning the did. */
        for ( level = 1; level <= (inv->ih ? 1U : VTD_PT_LEVELS); level++ )
        {
            unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
            uint64_t k, k_hi = (inv->r.hi - 1) >> shift;

            for ( k = inv->r.lo >> shift; k <= k_hi; k++ )
                for ( e = hash[hash_of(did, level, k)]; e; e = next )
                {
                    next = e->hash_next;
                    if ( e->did == did && e->level == level && e->key == k )
                        sweep_entry(e, inv);
                }
        }
        return;
    }
    for ( e = dids[did].entries; e; e = next )
    {
        next = e->did_next;
        sweep_entry(e, inv);
    }
}

static bool ctx_in_scope(unsigned int dev, const struct ctx_poss *p,
                         const struct inv *inv)
{
    switch ( inv->gran )
    {
    case INV_GLOBAL:
        return true;
    case INV_DOMAIN:
        return p->did == inv->did;
    case INV_PAGE:      /* device-selective: source id and domain id */
        return dev == inv->sid && p->did == inv->did;
    }
    return false;
}

static void inv_complete(const struct inv *inv)
{
    unsigned int i, dev;

    settle_if_needed();
    stats.completed++;
    if ( inv->context )
    {
        for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        {
            struct dev_state *d = &devs[dev];

            for ( i = 0; i < d->nr; )
                if ( !d->poss[i].current && d->poss[i].seen < inv->sub_seq &&
                     ctx_in_scope(dev, &d->poss[i], inv) )
                    ctx_remove(d, i);
                else
                    i++;
        }
        return;
    }
    if ( inv->gran == INV_GLOBAL )
        for ( i = 0; i < nr_touched_dids; i++ )
            sweep_did(touched_dids[i], inv);
    else
        sweep_did(inv->did, inv);
    if ( inv->gran != INV_PAGE )
        tags_drop(inv);
}

static void count_iotlb_gran(unsigned int gran)
{
    if ( gran == INV_GLOBAL )
        stats.global++;
    else if ( gran == INV_DOMAIN )
        stats.dsi++;
    else
        stats.psi++;
}

/* The aligned 2^am block of bfns containing addr's page. */
static struct range psi_block(uint64_t addr, unsigned int am)
{
    uint64_t bfn = (addr >> 12) & (BFN_END - 1);
    struct range blk;

    if ( am > BFN_BITS )
        am = BFN_BITS;
    blk.lo = bfn & ~((1ULL << am) - 1);
    blk.hi = blk.lo + (1ULL << am);
    return blk;
}

/* ---- Register-based invalidation ---- */

static void reg_inv_start(struct reg_inv *ri, const struct inv *inv,
                          uint64_t busy_value, uint64_t done_value)
{
    ri->pending = true;
    ri->value = busy_value;
    ri->done_value = done_value;
    ri->inv = *inv;
    ri->reads_left = caps.completion_delay;
    if ( fault_hit(FP_REG_INV_TIMEOUT) )
    {
        /* The hardware hangs: the busy bit stays, nothing completes. */
        ri->stuck = true;
        regs.fsts |= VTD_FSTS_ITE;
        return;
    }
    inv_submit(&ri->inv);
}

static uint64_t reg_inv_read(struct reg_inv *ri)
{
    if ( !ri->pending || ri->stuck )
        return ri->value;
    if ( ri->reads_left )
    {
        ri->reads_left--;
        return ri->value;
    }
    /* Software sees the busy bit clear: this is the completion. */
    inv_complete(&ri->inv);
    ri->pending = false;
    ri->value = ri->done_value;
    return ri->value;
}

/*
 * The specification leaves a command written while another is in progress,
 * or while queued invalidation is on, undefined.  The adversarial reading:
 * the unit hangs, so that software never takes it for a completion.
 */
static bool reg_inv_refused(struct reg_inv *ri, const char *what,
                            uint64_t busy_value)
{
    if ( ri->pending )
        proto_error("%s written while the previous one is %s", what,
                    ri->stuck ? "hung" : "in progress");
    else if ( regs.gsts & GSTS_QIES )
        proto_error("%s written while queued invalidation is enabled", what);
    else
        return false;
    ri->pending = ri->stuck = true;
    ri->value = busy_value;
    return true;
}

static void write_ccmd(uint64_t val)
{
    struct inv inv = { .context = true };
    unsigned int cirg = (val & VTD_CCMD_CIRG_MASK) >> VTD_CCMD_CIRG_SHIFT;

    if ( !(val & VTD_CCMD_ICC) )
        return;
    if ( reg_inv_refused(&regs.ccmd, "CCMD", val) )
        return;
    stats.reg_ctx++;
    inv.gran = cirg;
    inv.did = val & VTD_CCMD_DID_MASK;
    inv.sid = (val >> VTD_CCMD_SID_SHIFT) & 0xffff;
    if ( cirg == INV_NONE )
    {
        proto_error("CCMD with reserved granularity 0");
        regs.ccmd.value = val & ~VTD_CCMD_ICC;
        return;
    }
    reg_inv_start(&regs.ccmd, &inv, val,
                  (val & ~VTD_CCMD_ICC & ~(3ULL << CCMD_CAIG_SHIFT)) |
                  ((uint64_t)cirg << CCMD_CAIG_SHIFT));
}

static void write_iotlb(uint64_t val)
{
    struct inv inv = { .context = false };
    unsigned int iirg = (val & VTD_IOTLB_IIRG_MASK) >> VTD_IOTLB_IIRG_SHIFT;
    unsigned int am = regs.iva & VTD_IVA_AM_MASK;

    if ( !(val & VTD_IOTLB_IVT) )
        return;
    if ( reg_inv_refused(&regs.iotlb, "IOTLB_REG", val) )
        return;
    stats.reg_iotlb++;
    inv.gran = iirg;
    inv.drained = (val & VTD_IOTLB_DR) && (val & VTD_IOTLB_DW);
    inv.did = (val & VTD_IOTLB_DID_MASK) >> VTD_IOTLB_DID_SHIFT;
    if ( iirg == INV_NONE )
    {
        proto_error("IOTLB_REG with reserved granularity 0");
        regs.iotlb.value = val & ~VTD_IOTLB_IVT;
        return;
    }
    if ( iirg == INV_PAGE && (!caps.psi || am > caps.mamv) )
    {
        /* Allowed: the hardware may invalidate more, and says so in IAIG. */
        hh_printk("vtd-sim: PSI am=%u done as DSI (psi=%d mamv=%u)\n",
                  am, caps.psi, caps.mamv);
        stats.coarsened++;
        inv.gran = INV_DOMAIN;
    }
    if ( inv.gran == INV_PAGE )
    {
        inv.r = psi_block(regs.iva, am);
        inv.ih = regs.iva & VTD_IVA_IH;
        /* Legal: the block containing the address is what goes. */
        if ( (regs.iva >> 12) & ((1ULL << am) - 1) )
            hh_printk("vtd-sim: PSI address %#" PRIx64 " not aligned to "
                      "am=%u\n", (uint64_t)(regs.iva & ~0xfffULL), am);
    }
    count_iotlb_gran(inv.gran);
    reg_inv_start(&regs.iotlb, &inv, val,
                  (val & ~VTD_IOTLB_IVT & ~(3ULL << IOTLB_IAIG_SHIFT)) |
                  ((uint64_t)inv.gran << IOTLB_IAIG_SHIFT));
}

/* ---- Queued invalidation ---- */

static unsigned int qi_entries(void)
{
    if ( caps.qi_entries )
        return caps.qi_entries;
    return VTD_QI_ENTRIES_PER_PAGE << (regs.iqa & VTD_IQA_QS_MASK);
}

/* Every slot but one taken: IQT may not move until IQH does. */
static bool qi_full(void)
{
    return (regs.gsts & GSTS_QIES) && (regs.iqt + 1) % qi_entries() == regs.iqh;
}

static bool qi_read(unsigned int idx, struct vtd_qi_desc *d)
{
    unsigned long mfn = (regs.iqa >> 12) + idx / VTD_QI_ENTRIES_PER_PAGE;

    if ( heap_frame_state(mfn) == HEAP_FRAME_NONE )
        return false;
    heap_frame_read(mfn, (idx % VTD_QI_ENTRIES_PER_PAGE) * sizeof(*d), d,
                    sizeof(*d));
    return true;
}

/* Decode an invalidation descriptor; false if hardware must reject it. */
static bool qi_decode(const struct vtd_qi_desc *d, struct inv *inv)
{
    uint64_t type = d->lo & VTD_QI_TYPE_MASK;
    unsigned int gran = (d->lo & VTD_QI_GRAN_MASK) >> VTD_QI_GRAN_SHIFT;
    unsigned int am = d->hi & VTD_QI_IOTLB_AM_MASK;

    memset(inv, 0, sizeof(*inv));
    inv->gran = gran;
    inv->did = (d->lo & VTD_QI_DID_MASK) >> VTD_QI_DID_SHIFT;
    if ( gran == INV_NONE )
        return false;
    if ( type == VTD_QI_TYPE_CONTEXT )
    {
        inv->context = true;
        inv->sid = (d->lo >> VTD_QI_CTX_SID_SHIFT) & 0xffff;
        return true;
    }
    if ( type != VTD_QI_TYPE_IOTLB )
        return false;
    inv->drained = (d->lo & VTD_QI_IOTLB_DR) && (d->lo & VTD_QI_IOTLB_DW);
    if ( gran == INV_PAGE )
    {
        /* Unlike the register, an invalid PSI in the queue is an error. */
        if ( !caps.psi || am > caps.mamv )
            return false;
        inv->r = psi_block(d->hi & ~0xfffULL, am);
        inv->ih = d->hi & VTD_QI_IOTLB_IH;
    }
    return true;
}

static bool is_inv_desc(const struct vtd_qi_desc *d)
{
    uint64_t type = d->lo & VTD_QI_TYPE_MASK;

    return type == VTD_QI_TYPE_CONTEXT || type == VTD_QI_TYPE_IOTLB;
}

/* Software made slot idx available: the hardware may execute it from now. */
static void qi_submit_slot(unsigned int idx)
{
    struct vtd_qi_desc d;
    struct inv inv;

    if ( idx >= slot_hwm )
        slot_hwm = idx + 1;
    slot_seq[idx] = 0;
    if ( !qi_read(idx, &d) )
        return;
    slot_desc[idx] = d;
    if ( is_inv_desc(&d) && qi_decode(&d, &inv) )
    {
        inv_submit(&inv);
        slot_seq[idx] = inv.sub_seq;
    }
}

static void write_iqt(uint64_t val)
{
    unsigned int n = qi_entries(), next = (val & VTD_QI_INDEX_MASK) >>
                                          VTD_QI_INDEX_SHIFT;
    unsigned int queued, added, i;

    if ( next >= n )
    {
        proto_error("IQT %u beyond the %u-entry queue", next, n);
        regs.fsts |= VTD_FSTS_IQE;
        stats.queue_errors++;
        return;
    }
    if ( regs.gsts & GSTS_QIES )
    {
        queued = (regs.iqt + n - regs.iqh) % n;
        added = (next + n - regs.iqt) % n;
        if ( queued + added >= n )
            proto_error("IQT write overruns the queue (%u queued, %u added)",
                        queued, added);
        else if ( queued + added > stats.queue_high )
            stats.queue_high = queued + added;
        for ( i = regs.iqt; i != next; i = (i + 1) % n )
            qi_submit_slot(i);
    }
    regs.iqt = next;
}

static void qrec_push(const struct qrec *q)
{
    if ( nr_qrecs == cap_qrecs )
        qrecs = grow(qrecs, &cap_qrecs, 64, sizeof(*qrecs));
    qrecs[nr_qrecs++] = *q;
}

static void qi_wait_done(const struct qrec *w)
{
    if ( w->sw )
        device_store32(w->addr, w->data);
    if ( w->iflag )
        regs.ics |= VTD_ICS_IWC;
}

/* Complete records [0, n) in order, then drop them. */
static void qrec_complete(unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        if ( qrecs[i].late_wait )
            qi_wait_done(&qrecs[i]);
        else
            inv_complete(&qrecs[i].inv);
    memmove(qrecs, qrecs + n, (nr_qrecs - n) * sizeof(*qrecs));
    nr_qrecs -= n;
}

/* Timed-out waits finish now, with their own (old) status values. */
static void qi_finish_late_waits(void)
{
    unsigned int i, last = 0;

    for ( i = 0; i < nr_qrecs; i++ )
        if ( qrecs[i].late_wait )
            last = i + 1;
    if ( last )
        qrec_complete(last);
}

static void qi_error(const char *why, unsigned int idx)
{
    hh_printk("vtd-sim: queue error at descriptor %u: %s\n", idx, why);
    regs.fsts |= VTD_FSTS_IQE;
    stats.queue_errors++;
}

/* Fetch and execute the descriptor at IQH. */
static void qi_process_one(void)
{
    unsigned int idx = regs.iqh;
    struct vtd_qi_desc d;
    struct inv inv;
    struct qrec q;
    uint64_t type;

    settle_if_needed();
    qi_finish_late_waits();
    if ( fault_hit(FP_QI_ERROR) )
    {
        qi_error("injected", idx);
        return;
    }
    if ( !qi_read(idx, &d) )
    {
        qi_error("queue is not in heap memory", idx);
        return;
    }
    type = d.lo & VTD_QI_TYPE_MASK;
    memset(&q, 0, sizeof(q));
    if ( type == VTD_QI_TYPE_WAIT )
    {
        stats.qi_wait++;
        q.sw = d.lo & VTD_QI_WAIT_SW;
        q.iflag = d.lo & VTD_QI_WAIT_IF;
        q.data = d.lo >> VTD_QI_WAIT_DATA_SHIFT;
        q.addr = d.hi & ~3ULL;
        if ( fault_hit(FP_QI_WAIT_TIMEOUT) )
        {
            /* Late: this wait and all before it finish with a later fetch. */
            q.late_wait = true;
            stats.late_waits++;
            qrec_push(&q);
        }
        else
        {
            qrec_complete(nr_qrecs);
            qi_wait_done(&q);
        }
    }
    else if ( is_inv_desc(&d) && qi_decode(&d, &inv) )
    {
        if ( inv.context )
            stats.qi_ctx++;
        else
        {
            stats.qi_iotlb++;
            count_iotlb_gran(inv.gran);
        }
        if ( !slot_seq[idx] ||
             memcmp(&slot_desc[idx], &d, sizeof(d)) )
        {
            if ( slot_seq[idx] )
                proto_error("descriptor %u changed after submission", idx);
            inv_submit(&inv);
        }
        else
            inv.sub_seq = slot_seq[idx];
        q.inv = inv;
        qrec_push(&q);
    }
    else
    {
        qi_error("invalid descriptor", idx);
        return;
    }
    regs.iqh = (idx + 1) % qi_entries();
}

/* The unit fetches nothing while set (vtd_sim_stall_queue()). */
static bool qi_stalled;

static void qi_tick(void)
{
    unsigned int delay = caps.completion_delay ? caps.completion_delay : 1;

    if ( !(regs.gsts & GSTS_QIES) || (regs.fsts & VTD_FSTS_IQE) ||
         regs.iqh == regs.iqt || qi_stalled )
        return;
    if ( ++regs.qi_ticks < delay )
        return;
    regs.qi_ticks = 0;
    qi_process_one();
}

/* ---- Global command ---- */

/* Interrupt remapping: only its enables, no interrupts are simulated. */
static void gcmd_apply_intremap(uint32_t cmd)
{
    if ( cmd & VTD_GCMD_SIRTP )
        regs.gsts |= GSTS_IRTPS;
    if ( (cmd & VTD_GCMD_IRE) && !(regs.gsts & GSTS_IRTPS) )
        proto_error("interrupt remapping enabled without a table (SIRTP)");
    regs.gsts = (regs.gsts & ~(GSTS_IRES | GSTS_CFIS)) |
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
    uint32_t changed = ((val ^ regs.gsts) & VTD_GSTS_PERSISTENT) |
                       (val & (VTD_GCMD_SRTP | VTD_GCMD_SIRTP | VTD_GCMD_WBF));

    if ( __builtin_popcount(changed) > 1 )
        proto_error("GCMD %#x changes %d controls at once (GSTS %#x)", val,
                    __builtin_popcount(changed), regs.gsts);
}

static void gcmd_apply(void)
{
    uint32_t cmd = regs.gcmd;

    regs.gcmd_pending = false;
    if ( caps.gcmd_hangs )
        return;
    if ( cmd & VTD_GCMD_SRTP )
    {
        regs.root_latched = true;
        regs.root_mfn = regs.rtaddr >> 12;
        regs.gsts |= GSTS_RTPS;
        ctx_dirty = true;
    }
    if ( (cmd & VTD_GCMD_TE) && !(regs.gsts & GSTS_TES) )
    {
        regs.gsts |= GSTS_TES;
        ctx_dirty = true;
    }
    else if ( !(cmd & VTD_GCMD_TE) )
        regs.gsts &= ~GSTS_TES;
    if ( (cmd & VTD_GCMD_QIE) && !(regs.gsts & GSTS_QIES) && caps.qi )
    {
        unsigned int i;

        regs.gsts |= GSTS_QIES;
        regs.iqh = 0;
        regs.qi_ticks = 0;
        for ( i = 0; i < regs.iqt; i++ )
            qi_submit_slot(i);
    }
    else if ( !(cmd & VTD_GCMD_QIE) && (regs.gsts & GSTS_QIES) )
    {
        if ( regs.iqh != regs.iqt || nr_qrecs )
            proto_error("queued invalidation disabled with work pending");
        regs.gsts &= ~GSTS_QIES;
    }
    gcmd_apply_intremap(cmd);
    settle_if_needed();
}

static void write_gcmd(uint32_t val)
{
    if ( regs.gcmd_pending )
        gcmd_apply();
    gcmd_check(val);
    /* One-shot commands: their status clears now, sets when done. */
    if ( val & VTD_GCMD_SRTP )
        regs.gsts &= ~GSTS_RTPS;
    if ( val & VTD_GCMD_SIRTP )
        regs.gsts &= ~GSTS_IRTPS;
    if ( val & VTD_GCMD_WBF )
    {
        /* Done at once: GSTS.WBFS never shows busy. */
        settle_if_needed();
        wbuf_flush();
        stats.wbf++;
    }
    regs.gcmd = val & ~VTD_GCMD_WBF;
    regs.gcmd_pending = true;
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
    proto_error("%u-byte access to register %#x", bytes, offset);
    return false;
}

/* ---- Fault recording ---- */

/* PPF while a record holds a fault; IP until software dealt with all. */
static void faults_settle(void)
{
    bool pending = false;
    unsigned int i;

    for ( i = 0; i < SIM_NFR; i++ )
        pending |= regs.frcd[i][1] & VTD_FRCD_HI_F;
    regs.fsts = pending ? regs.fsts | VTD_FSTS_PPF : regs.fsts & ~VTD_FSTS_PPF;
    if ( !pending && !(regs.fsts & VTD_FSTS_PFO) )
        regs.fectl &= ~VTD_FECTL_IP;
}

/* Only the high quadword is writable: 1 to F clears the record. */
static void write_frcd(unsigned int offset, uint64_t val)
{
    unsigned int i = (offset - REG_FRCD) / 16;

    if ( !(offset & 8) )
    {
        proto_error("write to the read-only low half of fault record %u", i);
        return;
    }
    if ( val & VTD_FRCD_HI_F )
        regs.frcd[i][1] &= ~VTD_FRCD_HI_F;
    faults_settle();
}

/* IM masks the fault event; unmasked with one pending, it is raised. */
static void write_fectl(uint64_t val)
{
    regs.fectl = (regs.fectl & ~VTD_FECTL_IM) | ((uint32_t)val & VTD_FECTL_IM);
    if ( !(regs.fectl & VTD_FECTL_IM) && (regs.fectl & VTD_FECTL_IP) )
        regs.fault_event = true;
}

/*
 * Record a fault in the next record, round the set.  If that one still
 * holds a fault software has not cleared, the new one is lost
 * (FSTS.PFO).  FSTS.FRI names the first record pending since PPF was
 * last clear: where the driver starts.
 */
static void fault_record(unsigned int dev, unsigned long bfn, bool write)
{
    unsigned int i = regs.frcd_next;

    stats.faults++;
    if ( regs.frcd[i][1] & VTD_FRCD_HI_F )
        regs.fsts |= VTD_FSTS_PFO;
    else
    {
        regs.frcd[i][0] = (uint64_t)bfn << 12;
        regs.frcd[i][1] = VTD_FRCD_HI_F | (write ? 0 : VTD_FRCD_HI_READ) |
                       (SIM_FAULT_REASON << VTD_FRCD_HI_FR_SHIFT) |
                       (dev & VTD_FRCD_HI_SID_MASK);
        if ( !(regs.fsts & VTD_FSTS_PPF) )
            regs.fsts = (regs.fsts & ~VTD_FSTS_FRI_MASK) |
                        i << VTD_FSTS_FRI_SHIFT;
        regs.frcd_next = (i + 1) % SIM_NFR;
    }
    faults_settle();
    regs.fectl |= VTD_FECTL_IP;
    if ( !(regs.fectl & VTD_FECTL_IM) )
        regs.fault_event = true;
}

bool vtd_sim_dma(unsigned int dev, unsigned long bfn, bool write)
{
    if ( dev >= VTD_SIM_DEVICES ||
         !vtd_sim_may_fault(dev, bfn, write ? SIM_W : SIM_R) )
        return false;
    fault_record(dev, bfn, write);
    return true;
}

bool vtd_sim_fault_event(void)
{
    bool raised = regs.fault_event;

    regs.fault_event = false;
    return raised;
}

bool vtd_sim_faults_left(char *why, size_t len)
{
    unsigned int i;

    if ( regs.fsts & VTD_FSTS_PFO )
    {
        snprintf(why, len, "a fault record was lost (FSTS.PFO): the "
                 "driver left the records full");
        return true;
    }
    for ( i = 0; i < SIM_NFR; i++ )
        if ( regs.frcd[i][1] & VTD_FRCD_HI_F )
        {
            snprintf(why, len, "fault record %u (dev %llu, bfn %#llx) left "
                     "uncleared after the fault event", i,
                     (unsigned long long)(regs.frcd[i][1] &
                                          VTD_FRCD_HI_SID_MASK),
                     (unsigned long long)(regs.frcd[i][0] >> 12));
            return true;
        }
    return false;
}

uint64_t vtd_sim_mmio_read(unsigned int offset, unsigned int bytes)
{
    epoch++;
    op_begin();
    if ( !reg_size_ok(offset, bytes) )
        return 0;
    switch ( offset )
    {
    case VTD_REG_VER:
        return 0x10;
    case VTD_REG_CAP:
        return regs.cap;
    case VTD_REG_ECAP:
        return regs.ecap;
    case VTD_REG_GCMD:
        return 0;           /* write-only */
    case VTD_REG_GSTS:
        /* Commands take effect by the time software looks. */
        if ( regs.gcmd_pending )
            gcmd_apply();
        return regs.gsts;
    case VTD_REG_RTADDR:
        return regs.rtaddr;
    case VTD_REG_CCMD:
        return reg_inv_read(&regs.ccmd);
    case VTD_REG_FSTS:
        return regs.fsts;
    case VTD_REG_IQH:
        stats.queue_full_reads += qi_full();
        return (uint64_t)regs.iqh << VTD_QI_INDEX_SHIFT;
    case VTD_REG_IQT:
        return (uint64_t)regs.iqt << VTD_QI_INDEX_SHIFT;
    case VTD_REG_IQA:
        return regs.iqa;
    case VTD_REG_ICS:
        return regs.ics;
    case REG_IVA:
        return regs.iva;
    case REG_IOTLB:
        return reg_inv_read(&regs.iotlb);
    case VTD_REG_FECTL:
        return regs.fectl;
    }
    if ( offset >= REG_FRCD && offset < REG_FRCD_END )
        return regs.frcd[(offset - REG_FRCD) / 16][(offset & 8) / 8];
    return regs.other[offset / 8];
}

void vtd_sim_mmio_write(unsigned int offset, uint64_t val, unsigned int bytes)
{
    epoch++;
    op_begin();
    if ( !reg_size_ok(offset, bytes) )
        return;
    switch ( offset )
    {
    case VTD_REG_VER: case VTD_REG_CAP: case VTD_REG_ECAP: case VTD_REG_GSTS:
    case VTD_REG_IQH:
        proto_error("write to read-only register %#x", offset);
        break;
    case VTD_REG_GCMD:
        write_gcmd(val);
        break;
    case VTD_REG_RTADDR:
        regs.rtaddr = val;
        break;
    case VTD_REG_CCMD:
        write_ccmd(val);
        break;
    case VTD_REG_FSTS:
        /* Write 1 to clear; clearing IQE lets the queue resume from IQH. */
        regs.fsts &= ~((uint32_t)val & (VTD_FSTS_IQE | VTD_FSTS_ICE |
                                        VTD_FSTS_ITE | VTD_FSTS_PFO));
        faults_settle();
        break;
    case VTD_REG_FECTL:
        write_fectl(val);
        break;
    case VTD_REG_IQT:
        write_iqt(val);
        break;
    case VTD_REG_IQA:
        if ( regs.gsts & GSTS_QIES )
            proto_error("IQA written while queued invalidation is enabled");
        regs.iqa = val;
        break;
    case VTD_REG_ICS:
        regs.ics &= ~((uint32_t)val & VTD_ICS_IWC);
        break;
    case REG_IVA:
        regs.iva = val;
        break;
    case REG_IOTLB:
        write_iotlb(val);
        break;
    default:
        if ( offset >= REG_FRCD && offset < REG_FRCD_END )
            write_frcd(offset, val);
        else
            regs.other[offset / 8] = val;
        break;
    }
}

void vtd_sim_tick(void)
{
    epoch++;
    /* The idle path must stay cheap: the core spins here for timeouts. */
    if ( !regs.gcmd_pending && regs.iqh == regs.iqt )
        return;
    op_begin();
    if ( regs.gcmd_pending )
        gcmd_apply();
    qi_tick();
}

/* ---- Queries ---- */

/*
 * A check point: the hypercall is over, and with it every mapping it
 * made; only Xen-heap frames stay exposed.
 */
void vtd_sim_sync(void)
{
    unsigned int i, kept = 0;

    op_begin();
    settle();
    for ( i = 0; i < nr_exposed; i++ )
    {
        struct sim_frame *f = sframes[exposed[i]];

        if ( heap_frame_kept_mapped(HEAP_BASE_MFN + f->idx) )
            exposed[kept++] = f->idx;
        else
            f->exposed = false;
    }
    nr_exposed = kept;
}

void vtd_sim_poke(void)
{
    epoch++;
}

void vtd_sim_frame_mapped(unsigned long mfn)
{
    unsigned int idx = mfn - HEAP_BASE_MFN;
    struct sim_frame *f;

    epoch++;
    if ( idx >= HEAP_MAX_FRAMES )
        return;
    f = frame_touch(idx);
    if ( f->exposed )
        return;
    f->exposed = true;
    exposed[nr_exposed++] = idx;
}

void vtd_sim_set_bfn_limit(unsigned long limit)
{
    bfn_limit = limit;
}

static bool report(sim_visit_fn fn, void *ctx, unsigned int dev,
                   unsigned long bfn, unsigned long mfn, unsigned int access,
                   uint16_t did)
{
    struct sim_translation t = {
        .bfn = bfn, .mfn = mfn, .access = access, .did = did,
    };

    return fn(ctx, dev, &t);
}

static bool report_fault_range(sim_visit_fn fn, void *ctx, unsigned int dev,
                               uint64_t lo, uint64_t hi, uint16_t did)
{
    uint64_t bfn;

    for ( bfn = lo; bfn < hi && bfn < bfn_limit; bfn++ )
        if ( !report(fn, ctx, dev, bfn, 0, 0, did) )
            return false;
    return true;
}

/*
 * What did's cached leaves give (the reachable part of report_did()),
 * those first fetchable by 'by'.
 */
static bool report_leaves(sim_visit_fn fn, void *ctx, unsigned int dev,
                          uint16_t did, uint64_t by)
{
    const struct tl_entry *e;

    for ( e = dids[did].leaves; e; e = e->leaf_next )
        if ( e->born <= by &&
             !report(fn, ctx, dev, e->key, e->val >> 12,
                     e->val & DMA_PTE_PROT, did) )
            return false;
    return true;
}

/* Leaves the device hits by source id, of dids no context gave it. */
static bool report_tags(sim_visit_fn fn, void *ctx, unsigned int dev,
                        const uint16_t *seen_dids, unsigned int nr_seen)
{
    const struct dev_state *d = &devs[dev];
    unsigned int i, j;

    for ( i = 0; i < d->nr_tags; i++ )
    {
        for ( j = 0; j < nr_seen && seen_dids[j] != d->tags[i].did; j++ )
            ;
        if ( j == nr_seen &&
             !report_leaves(fn, ctx, dev, d->tags[i].did, d->tags[i].seq) )
            return false;
    }
    return true;
}

/* The cached entries of did; faulting ones (access 0) only with faults. */
static bool report_did(sim_visit_fn fn, void *ctx, unsigned int dev,
                       uint16_t did, bool faults)
{
    const struct tl_entry *e;

    if ( !faults )
        return report_leaves(fn, ctx, dev, did, seq);
    for ( e = dids[did].entries; e; e = e->did_next )
    {
        if ( e->level == 1 && e->kind == TL_LEAF )
        {
            if ( !report(fn, ctx, dev, e->key, e->val >> 12,
                         e->val & DMA_PTE_PROT, did) )
                return false;
        }
        else if ( !faults || e->kind != TL_NP )
            continue;
        else if ( e->level == 1 )
        {
            /* A cached non-present leaf is listed wherever it is. */
            if ( !report(fn, ctx, dev, e->key, e->val >> 12,
                         e->val & DMA_PTE_PROT, did) )
                return false;
        }
        else if ( !report_fault_range(fn, ctx, dev,
                                      region_lo(e->level, e->key),
                                      region_hi(e->level, e->key), did) )
            return false;
    }
    return true;
}

static void for_each(unsigned int dev, sim_visit_fn fn, void *ctx,
                     bool faults)
{
    const struct dev_state *d;
    uint16_t seen_dids[64];
    unsigned int nr_seen = 0, i, j;
    bool fault_done = !faults;

    if ( dev >= VTD_SIM_DEVICES || !fn )
        return;
    op_begin();
    settle_if_needed();
    if ( !(regs.gsts & GSTS_TES) )
        return;
    d = &devs[dev];
    for ( i = 0; i < d->nr; i++ )
    {
        const struct ctx_poss *p = &d->poss[i];

        if ( p->kind == CTX_FAULT && !fault_done )
        {
            fault_done = true;
            if ( !report_fault_range(fn, ctx, dev, 0, BFN_END, p->did) )
                return;
        }
        if ( p->kind != CTX_VALID )
            continue;
        for ( j = 0; j < nr_seen && seen_dids[j] != p->did; j++ )
            ;
        if ( j < nr_seen )
            continue;
        if ( nr_seen < sizeof(seen_dids) / sizeof(seen_dids[0]) )
            seen_dids[nr_seen++] = p->did;
        if ( !report_did(fn, ctx, dev, p->did, faults) )
            return;
    }
    report_tags(fn, ctx, dev, seen_dids, nr_seen);
}

void vtd_sim_for_each_possible(unsigned int dev, sim_visit_fn fn, void *ctx)
{
    for_each(dev, fn, ctx, true);
}

void vtd_sim_for_each_reachable(unsigned int dev, sim_visit_fn fn, void *ctx)
{
    for_each(dev, fn, ctx, false);
}

/* Could a walk from table mfn (at level) for bfn fault, right now? */
static bool walk_may_fault(unsigned long mfn, unsigned int level,
                           unsigned long bfn, unsigned int access)
{
    struct sim_frame *f = sframe(mfn);
    uint64_t vals[MAX_VISIBLE];
    unsigned int n, v;

    if ( !f || !budget_take() )
        return true;
    /* Still in the write buffer: may read as the non-present entry it was. */
    if ( wbuf_has(f, vtd_level_index(bfn, level)) )
        return true;
    n = visible_values(f, vtd_level_index(bfn, level), vals);
    for ( v = 0; v < n; v++ )
    {
        uint64_t pte = vals[v];

        if ( !dma_pte_present(pte) )
            return true;
        if ( level == 1 )
        {
            if ( (pte & access) != access )
                return true;
            continue;
        }
        if ( (pte & DMA_PTE_SP) ||
             !usable_table((pte & DMA_PTE_ADDR_MASK) >> 12) ||
             walk_may_fault((pte & DMA_PTE_ADDR_MASK) >> 12, level - 1, bfn,
                            access) )
            return true;
    }
    return false;
}

/*
 * Through one context entry: a walk from its root now, or any entry the
 * did may have cached (from whichever context entry it was fetched).
 */
static bool ctx_may_fault(const struct ctx_poss *p, unsigned long bfn,
                          unsigned int access)
{
    const struct tl_entry *e;
    unsigned int level;
    uint16_t did = p->did;

    if ( walk_may_fault(p->root->val, VTD_PT_LEVELS, bfn, access) )
        return true;
    for ( level = 1; level <= VTD_PT_LEVELS; level++ )
    {
        uint64_t key = (uint64_t)bfn >> (VTD_LEVEL_STRIDE * (level - 1));

        for ( e = hash[hash_of(did, level, key)]; e; e = e->hash_next )
        {
            if ( e->did != did || e->level != level || e->key != key )
                continue;
            switch ( e->kind )
            {
            case TL_NP:
            case TL_WILD:
                return true;
            case TL_LEAF:
                if ( (e->val & access) != access )
                    return true;
                break;
            case TL_TABLE:
                if ( walk_may_fault(e->val, level - 1, bfn, access) )
                    return true;
                break;
            }
        }
    }
    return false;
}

bool vtd_sim_may_fault(unsigned int dev, unsigned long bfn,
                       unsigned int access)
{
    const struct dev_state *d;
    unsigned int i;

    if ( dev >= VTD_SIM_DEVICES )
        return true;
    op_begin();
    settle_if_needed();
    if ( !(regs.gsts & GSTS_TES) )
        return false;
    access &= SIM_R | SIM_W;
    if ( bfn >= BFN_END )
        return true;
    d = &devs[dev];
    if ( !d->nr )
        return true;
    for ( i = 0; i < d->nr; i++ )
        if ( d->poss[i].kind != CTX_VALID ||
             ctx_may_fault(&d->poss[i], bfn, access) )
            return true;
    return false;
}

bool vtd_sim_walkable(unsigned long mfn)
{
    const struct sim_frame *f;

    settle_if_needed();
    f = sframe(mfn);
    return f && f->reachers;
}

bool vtd_sim_wild(unsigned int dev, char *why, size_t len)
{
    const struct dev_state *d;
    const struct tl_entry *e;
    unsigned int i;

    if ( dev >= VTD_SIM_DEVICES )
        return false;
    op_begin();
    settle_if_needed();
    if ( !(regs.gsts & GSTS_TES) )
    {
        snprintf(why, len, "translation is disabled: DMA is untranslated");
        return true;
    }
    if ( walk_overflow )
    {
        snprintf(why, len, "possible walks too many to enumerate "
                 "(cyclic tables or unflushed values)");
        return true;
    }
    d = &devs[dev];
    for ( i = 0; i < d->nr; i++ )
    {
        const struct ctx_poss *p = &d->poss[i];

        if ( p->kind == CTX_WILD )
        {
            snprintf(why, len, "context entry %#" PRIx64 ":%#" PRIx64 ": %s",
                     p->hi, p->lo, p->why);
            return true;
        }
        if ( p->kind != CTX_VALID || !dids[p->did].nr_wild )
            continue;
        for ( e = dids[p->did].entries; e; e = e->did_next )
            if ( e->kind == TL_WILD )
            {
                snprintf(why, len, "did %u: level-%u entry for bfns %#" PRIx64
                         "..%#" PRIx64 " is %#" PRIx64
                         ", not a pointer to a heap table frame",
                         p->did, e->level, region_lo(e->level, e->key),
                         region_hi(e->level, e->key) - 1, e->val);
                return true;
            }
    }
    return false;
}

bool vtd_sim_protocol_error(char *why, size_t len)
{
    if ( !nr_proto_errors )
        return false;
    snprintf(why, len, "%s%s", proto_msg,
             nr_proto_errors > 1 ? " (and more)" : "");
    return true;
}

unsigned long vtd_sim_did_cached(uint16_t did)
{
    const struct tl_entry *e;
    unsigned long n;

    op_begin();
    settle_if_needed();
    n = dids[did].nr_entries;
    for ( e = dids[did].roots; e; e = e->did_next )
        n += e->refs;
    return n;
}

bool vtd_sim_busy(void)
{
    return regs.iotlb.pending || regs.ccmd.pending || nr_qrecs ||
           ((regs.gsts & GSTS_QIES) && regs.iqh != regs.iqt);
}

bool vtd_sim_quiescent(void)
{
    return !regs.gcmd_pending &&
           !(regs.iotlb.pending && !regs.iotlb.stuck) &&
           !(regs.ccmd.pending && !regs.ccmd.stuck) &&
           (!(regs.gsts & GSTS_QIES) || (regs.fsts & VTD_FSTS_IQE) ||
            regs.iqh == regs.iqt || qi_stalled);
}

void vtd_sim_stall_queue(bool stall)
{
    qi_stalled = stall;
}

const struct vtd_sim_stats *vtd_sim_stats(void)
{
    return &stats;
}

static const char *kind_name(unsigned int kind)
{
    static const char *const names[] = {
        [TL_LEAF] = "leaf", [TL_NP] = "not-present",
        [TL_TABLE] = "table", [TL_WILD] = "WILD",
    };

    return kind < 4 ? names[kind] : "?";
}

void vtd_sim_dump(FILE *out)
{
    static const char *const ctx_kinds[] = { "fault", "valid", "WILD" };
    unsigned int i, dev;
    const struct tl_entry *e;

    fprintf(out, "vtd-sim: cm=%d psi=%d qi=%d coherent=%d rwbf=%d drain=%d "
            "mamv=%u delay=%u\n", caps.cm, caps.psi, caps.qi, caps.coherent,
            caps.rwbf, caps.drain, caps.mamv, caps.completion_delay);
    fprintf(out, "  gsts=%#x root=%#lx%s fsts=%#x iqa=%#" PRIx64
            " iqh=%u iqt=%u ics=%#x fetched=%u seq=%" PRIu64 "\n",
            regs.gsts, regs.root_mfn, regs.root_latched ? "" : "(unset)",
            regs.fsts, regs.iqa, regs.iqh, regs.iqt, regs.ics, nr_qrecs, seq);
    fprintf(out, "  iotlb_reg %s%s ccmd %s%s\n",
            regs.iotlb.pending ? "pending" : "idle",
            regs.iotlb.stuck ? " (hung)" : "",
            regs.ccmd.pending ? "pending" : "idle",
            regs.ccmd.stuck ? " (hung)" : "");
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        for ( i = 0; i < devs[dev].nr; i++ )
        {
            const struct ctx_poss *p = &devs[dev].poss[i];

            fprintf(out, "  dev %u: %s did %u lo %#" PRIx64 " hi %#" PRIx64
                    "%s seen %" PRIu64 "\n", dev, ctx_kinds[p->kind], p->did,
                    p->lo, p->hi, p->current ? " (current)" : "", p->seen);
        }
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        for ( i = 0; i < devs[dev].nr_tags; i++ )
            fprintf(out, "  dev %u: leaves of did %u by source id, fetched "
                    "by %" PRIu64 "\n", dev, devs[dev].tags[i].did,
                    devs[dev].tags[i].seq);
    for ( i = 0; i < nr_touched_dids; i++ )
    {
        uint16_t did = touched_dids[i];

        for ( e = dids[did].roots; e; e = e->did_next )
            fprintf(out, "  did %u: root table %#" PRIx64 " (%u users)\n",
                    did, e->val, e->refs);
        for ( e = dids[did].entries; e; e = e->did_next )
            fprintf(out, "  did %u: L%u key %#" PRIx64 " %s %#" PRIx64
                    " seen %" PRIu64 "\n", did, e->level, e->key,
                    kind_name(e->kind), e->val, e->seen);
    }
    fprintf(out, "  watched frames:");
    for ( i = 0; i < nr_watched; i++ )
        fprintf(out, " %#lx", HEAP_BASE_MFN + watched[i]);
    fprintf(out, "\n");
}

/* ---- Reset ---- */

void vtd_sim_reset(const struct vtd_sim_caps *c)
{
    unsigned int i, dev;
    struct tl_entry *e, *next;

    /* Drop every cached entry, visiting only dids and frames used. */
    for ( i = 0; i < nr_touched_dids; i++ )
    {
        struct did_state *ds = &dids[touched_dids[i]];

        for ( e = ds->entries; e; e = next )
        {
            next = e->did_next;
            hash[hash_of(e->did, e->level, e->key)] = NULL;
            entry_release(e);
        }
        for ( e = ds->roots; e; e = next )
        {
            next = e->did_next;
            entry_release(e);
        }
        memset(ds, 0, sizeof(*ds));
    }
    nr_touched_dids = 0;
    for ( i = 0; i < nr_touched_frames; i++ )
        sframes[touched_frames[i]]->touched = false;
    nr_touched_frames = 0;
    wbuf.nr = 0;
    nr_watched = 0;
    nr_exposed = 0;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        devs[dev].nr = 0;
        devs[dev].nr_tags = 0;
    }
    nr_qrecs = 0;
    memset(slot_seq, 0, slot_hwm * sizeof(slot_seq[0]));
    slot_hwm = 0;

    caps = *c;
    qi_stalled = false;
    if ( caps.mamv > 63 )
        caps.mamv = 63;
    memset(&stats, 0, sizeof(stats));
    memset(&regs, 0, sizeof(regs));
    regs.cap = CAP_ND_64K | (caps.no_4level ? 0 : VTD_CAP_SAGAW_4LEVEL) |
            CAP_MGAW_48 | ((uint64_t)SIM_FRO << VTD_CAP_FRO_SHIFT) |
            ((uint64_t)(SIM_NFR - 1) << VTD_CAP_NFR_SHIFT) |
            ((uint64_t)caps.mamv << VTD_CAP_MAMV_SHIFT) |
            (caps.cm ? VTD_CAP_CM : 0) | (caps.psi ? VTD_CAP_PSI : 0) |
            (caps.rwbf ? VTD_CAP_RWBF : 0) |
            (caps.drain ? VTD_CAP_DRD | VTD_CAP_DWD : 0);
    regs.ecap = ((uint64_t)SIM_IRO << VTD_ECAP_IRO_SHIFT) |
             (caps.coherent ? VTD_ECAP_C : 0) | (caps.qi ? VTD_ECAP_QI : 0) |
             VTD_ECAP_IR;
    /* The fault event is masked out of reset. */
    regs.fectl = VTD_FECTL_IM;
    seq = 0;
    walk_overflow = false;
    ctx_dirty = false;
    epoch = 0;
    synced_epoch = ~0UL;
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
    return nr_qrecs || regs.iqh != regs.iqt || regs.ccmd.pending ||
           regs.iotlb.pending;
}

static uint64_t moment_digest(uint64_t h, uint64_t moment)
{
    return inv_in_flight() ? digest_u64(h, seq - moment) : h;
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
    typeof(regs) copy = regs;

    copy.ccmd.inv.sub_seq = copy.iotlb.inv.sub_seq = 0;
    h = digest_sparse(h, &copy, sizeof(copy));
    h = inv_digest(h, &regs.ccmd.inv);
    h = inv_digest(h, &regs.iotlb.inv);
    return digest_u64(h, qi_stalled | walk_overflow << 1);
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

    for ( i = 0; i < nr_touched_frames; i++ )
    {
        const struct sim_frame *f = sframes[touched_frames[i]];

        if ( !f )
            continue;
        h = digest_u64(h, f->idx);
        if ( memcmp(f->dram, f->mem, sizeof(f->dram)) )
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
    h = digest_u64(h, e->did | e->level << 16 | (uint64_t)e->kind << 24);
    return moment_digest(h, e->seen);
}

/* The caches: every entry and root of every domain id, as a set. */
static uint64_t caches_digest(uint64_t h)
{
    uint64_t set = 0;
    const struct tl_entry *e;
    unsigned int i;

    for ( i = 0; i < nr_touched_dids; i++ )
    {
        const struct did_state *ds = &dids[touched_dids[i]];

        for ( e = ds->entries; e; e = e->did_next )
            set = digest_set_add(set, entry_digest(e));
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

        for ( e = dids[d->tags[i].did].leaves; e; e = e->leaf_next )
            if ( e->born <= d->tags[i].seq )
                leaves = digest_set_add(leaves, entry_digest(e));
        set = digest_set_add(set, moment_digest(digest_u64(leaves,
                                                           d->tags[i].did),
                                                d->tags[i].seq));
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

        for ( i = 0; i < devs[dev].nr; i++ )
        {
            const struct ctx_poss *p = &devs[dev].poss[i];
            uint64_t e = digest_u64(DIGEST_SEED, p->lo);

            e = digest_u64(e, p->hi);
            e = digest_u64(e, p->did | p->kind << 16 | p->current << 24 |
                              (uint64_t)p->was_current << 25);
            e = digest_u64(e, p->root ? entry_digest(p->root) : 0);
            set = digest_set_add(set, moment_digest(e, p->seen));
        }
        h = digest_u64(h, set);
        h = tags_digest(h, &devs[dev]);
    }
    return h;
}

/* Fetched records in order, then the descriptors not fetched yet. */
static uint64_t queue_digest(uint64_t h)
{
    unsigned int i;

    for ( i = 0; i < nr_qrecs; i++ )
    {
        const struct qrec *q = &qrecs[i];

        h = digest_u64(h, q->late_wait | q->sw << 1 | q->iflag << 2);
        h = digest_u64(h, q->data);
        h = digest_u64(h, q->addr);
        h = inv_digest(h, &q->inv);
    }
    if ( !(regs.gsts & GSTS_QIES) )
        return h;
    for ( i = regs.iqh; i != regs.iqt; i = (i + 1) % qi_entries() )
    {
        h = digest_bytes(h, &slot_desc[i], sizeof(slot_desc[i]));
        h = moment_digest(h, slot_seq[i]);
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
    for ( i = 0; i < wbuf.nr; i++ )
        h = digest_u64(h, wbuf.words[i]);
    return h;
}
