/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the simulated VT-d unit share (vtd_sim.c says which
 * file holds which part): the constants, the types of its state, the
 * file-scope state more than one part uses (each defined once, in the
 * part named above it), the small hot helpers several parts call in
 * their loops (static inline: a call across files is never inlined), and
 * the functions one part calls in another.  What is shared across files
 * has the prefix vs_ (vtd_sim's), so that no global of the harness's
 * library takes a name as plain as "settle" or "regs".
 *
 * Private to harness/machine/vtd_sim*.c: nothing else includes it
 * (tests/style/harness_layers.sh checks).  The rest of the harness uses
 * vtd_sim.h.
 */
#ifndef HARNESS_VTD_SIM_INTERNAL_H
#define HARNESS_VTD_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "vtd_hw.h"
#include "vtd_sim.h"

#define PTES                VTD_PTES_PER_TABLE
#define BFN_BITS            36          /* 48-bit addresses, 4K pages */
#define BFN_END             (1ULL << BFN_BITS)
#define DMA_PTE_SP          (1ULL << 7) /* reserved: no SLLPS advertised */
#define ROOT_LEVEL          5           /* a context entry's root pointer */

/* Fault recording: CAP.FRO = 0x20, so two 16-byte records from 0x200. */
#define SIM_FRO             0x20U
#define SIM_NFR             2
#define REG_FRCD            (SIM_FRO * 16)
#define REG_FRCD_END        (REG_FRCD + SIM_NFR * 16)

/* Status bits of GSTS that are not in vtd_hw.h (same positions as GCMD). */
#define GSTS_TES            VTD_GCMD_TE
#define GSTS_RTPS           VTD_GCMD_SRTP
#define GSTS_QIES           VTD_GCMD_QIE
#define GSTS_IRES           VTD_GCMD_IRE
#define GSTS_IRTPS          VTD_GCMD_SIRTP
#define GSTS_CFIS           VTD_GCMD_CFI

#define NR_DIDS             65536U
#define HASH_BITS           16
#define HASH_SIZE           (1U << HASH_BITS)
#define MAX_QI_ENTRIES      (VTD_QI_ENTRIES_PER_PAGE << 7)
#define MAX_VISIBLE         32          /* values one word may show */
#define WALK_BUDGET         (1UL << 22) /* entry visits per operation */

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
    /*
     * TL_TABLE: the entry's own R/W (SIM_R | SIM_W).  VT-d grants what
     * every level along the walk grants; only the may-fault query
     * applies it (what a device can reach is over-approximated).
     */
    uint8_t perm;
    unsigned int refs;      /* roots: context possibilities using it */
    struct tl_entry *did_prev, *did_next;   /* entries or roots of its did */
    struct tl_entry *reach_prev, *reach_next;   /* TL_TABLE: target's list */
    struct tl_entry *leaf_prev, *leaf_next;     /* TL_LEAF: its did's leaves */
};

/*
 * Under CAP.CM, the non-present entries did may have cached of one table
 * position (did, level, rkey): the slots as a bitmap with a moment per
 * slot.  One record per table rather than 512 entries: every walk of a
 * table under CM meets mostly non-present words, and only a bitmap keeps
 * that walk, and the sweeps after it, cheap.  An entry (level, key) here
 * is what a TL_NP tl_entry with that key would be.
 */
struct np_block {
    struct np_block *hash_next;
    struct np_block *did_prev, *did_next;
    uint64_t rkey;              /* key >> VTD_LEVEL_STRIDE of its slots */
    uint16_t did;
    uint8_t level;
    unsigned int nr;            /* slots set in map */
    uint64_t map[PTES / 64];
    uint64_t seen[PTES];        /* a set slot's last fetchable moment */
    uint64_t seen_max;          /* no set slot's seen[] is later */
};

struct did_state {
    struct tl_entry *entries;   /* levels 1..4, but non-present ones */
    struct np_block *np_blocks; /* the non-present ones, under CAP.CM */
    struct tl_entry *roots;     /* ROOT_LEVEL pseudo entries */
    /*
     * The TL_LEAF entries again, in the same order: what a device can
     * reach, without the (under CAP.CM many) non-present entries.
     */
    struct tl_entry *leaves;
    unsigned int nr_entries;    /* on the entries list */
    unsigned int nr_np;         /* slots set in np_blocks */
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
    /*
     * dram[], mem[] and present_map not written yet: every word holds
     * fill, in memory and to a device (vs_frame_materialize()).
     */
    bool fill_pending;
    uint64_t fill;
    bool touched;           /* in use since the last reset */
    unsigned int idx;       /* mfn - HEAP_BASE_MFN */
    int watch_pos;          /* index in watched[], -1 when not watched */
    bool is_exposed;        /* in exposed[]: the CPU may have stored here */
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
    uint8_t fr;             /* not CTX_VALID: the FR a DMA through it gets */
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
    uint64_t moment;
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

/* The registers the unit models (vtd_sim.c). */
struct sim_regs {
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
};

/* The write buffer's words (CAP.RWBF, vtd_sim_mem.c). */
struct write_buffer {
    uint32_t *words;                /* frame idx << 9 | word, maybe stale */
    unsigned int nr, cap;
};

/* -- vtd_sim.c: the unit as a whole -- */

extern struct vtd_sim_caps vs_caps;
extern struct vtd_sim_stats vs_stats;
extern struct sim_regs vs_regs;
extern uint64_t vs_seq;                /* moments, for "seen since" */

/* -- vtd_sim_mem.c: device-visible memory -- */

extern struct sim_frame *vs_sframes[HEAP_MAX_FRAMES];
extern unsigned int vs_touched_frames[HEAP_MAX_FRAMES], vs_nr_touched_frames;
extern unsigned int vs_watched[HEAP_MAX_FRAMES], vs_nr_watched;
extern unsigned int vs_nr_exposed;     /* exposed[]: see vtd_sim_mem.c */
extern unsigned long vs_epoch, vs_synced_epoch;
extern struct write_buffer vs_wbuf;

/* -- vtd_sim_cache.c: cached entries and context entries -- */

extern struct did_state vs_dids[NR_DIDS];
extern uint16_t vs_touched_dids[NR_DIDS];
extern unsigned int vs_nr_touched_dids;
extern struct tl_entry *vs_hash[HASH_SIZE];
extern struct dev_state vs_devs[VTD_SIM_DEVICES];
extern bool vs_ctx_dirty;

/* -- vtd_sim_walk.c: the walker -- */

extern unsigned long vs_walk_budget;
extern bool vs_walk_overflow;

/* -- vtd_sim_inv.c: invalidation -- */

/* The queue: submission record per slot, fetched records, and so on. */
extern uint64_t vs_slot_seq[MAX_QI_ENTRIES];
extern struct vtd_qi_desc vs_slot_desc[MAX_QI_ENTRIES];
extern unsigned int vs_slot_hwm;       /* slots used since reset */
extern struct qrec *vs_qrecs;
extern unsigned int vs_nr_qrecs;
/* The unit fetches nothing while set (vtd_sim_stall_queue()). */
extern bool vs_qi_stalled;

/* ---- Small helpers ---- */

static inline uint64_t region_lo(unsigned int level, uint64_t key)
{
    return key << (VTD_LEVEL_STRIDE * (level - 1));
}

static inline uint64_t region_hi(unsigned int level, uint64_t key)
{
    return (key + 1) << (VTD_LEVEL_STRIDE * (level - 1));
}

static inline bool overlaps(const struct range *a, uint64_t lo, uint64_t hi)
{
    return a->lo < hi && lo < a->hi;
}

/* Every entry point from the core or the executor starts here. */
static inline void op_begin(void)
{
    vs_walk_budget = WALK_BUDGET;
}

void vs_frame_materialize(struct sim_frame *f);     /* vtd_sim_mem.c */

/* Frame mfn's state, maybe still one pending fill: NULL if not in use. */
static inline struct sim_frame *sframe_lazy(unsigned long mfn)
{
    struct sim_frame *f;

    if ( heap_frame_state(mfn) == HEAP_FRAME_NONE )
        return NULL;
    f = vs_sframes[mfn - HEAP_BASE_MFN];
    return f && f->touched ? f : NULL;
}

/* Frame mfn's state, its words written out: NULL if not a heap frame. */
static inline struct sim_frame *sframe(unsigned long mfn)
{
    struct sim_frame *f = sframe_lazy(mfn);

    if ( f && f->fill_pending )
        vs_frame_materialize(f);
    return f;
}

static inline bool has_extra_bit(const struct sim_frame *f, unsigned int idx)
{
    return f->extra_map[idx / 64] & (1ULL << (idx % 64));
}

static inline unsigned int visible_values(const struct sim_frame *f,
                                          unsigned int idx, uint64_t *out)
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
            vs_walk_overflow = true;
            break;
        }
        out[n++] = f->extra[i - 1].val;
    }
    return n;
}

static inline bool np_slot_set(const struct np_block *b, unsigned int i)
{
    return b->map[i / 64] & (1ULL << (i % 64));
}

static inline bool wbuf_has(const struct sim_frame *f, unsigned int idx)
{
    return f->wb_map[idx / 64] & (1ULL << (idx % 64));
}

/*
 * Every entry point from the core bumps the epoch: with the epoch of the
 * last settle, no core code can have run since, so memory is as synced
 * (the model's own stores, vs_device_store32(), keep the copies up to date).
 * Only the executor's vtd_sim_sync() must settle regardless: the core may
 * have stored after its last hook call.
 */
void vs_settle(void);              /* vtd_sim_mem.c */

static inline void settle_if_needed(void)
{
    if ( vs_synced_epoch != vs_epoch || vs_ctx_dirty )
        vs_settle();
}

/*
 * Runs of 64 keys of a (did, level) share a hashed base and go to
 * consecutive buckets: a walk of a table, or of a block, then reads the
 * table sequentially instead of missing the cache at every entry.
 */
static inline unsigned int hash_of(uint16_t did, unsigned int level,
                                   uint64_t key)
{
    uint64_t h = ((key >> 6) * 0x9e3779b97f4a7c15ULL) ^
                 (((uint64_t)did << 3 | level) * 0xc2b2ae3d27d4eb4fULL);

    return ((unsigned int)(h >> (64 - HASH_BITS)) & ~63U) | (key & 63);
}

/* ---- Across the parts ---- */

/* vtd_sim.c */
void vs_proto_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *vs_grow(void *array, unsigned int *cap, unsigned int first, size_t size);

/* vtd_sim_mem.c */
void vs_watch_reset(void);
void vs_watch_add(struct sim_frame *f);
void vs_watch_drop_if_idle(struct sim_frame *f);
void vs_frame_sync(unsigned long mfn, struct sim_frame *f);
void vs_wbuf_flush(void);
void vs_device_store32(uint64_t addr, uint32_t val);

/* vtd_sim_cache.c */
void vs_entry_release(struct tl_entry *e);
struct tl_entry *vs_entry_insert(uint16_t did, unsigned int level,
                              uint64_t key, uint8_t kind, uint64_t val,
                              uint8_t perm);
void vs_ctx_remove(struct dev_state *d, unsigned int i);
void vs_ctx_refresh(void);
void vs_tags_drop(const struct inv *inv);
void vs_sweep_did(uint16_t did, const struct inv *inv);
void vs_np_note_range(uint16_t did, unsigned int level, uint64_t rkey,
                      unsigned int lo, unsigned int hi);
bool vs_np_cached(uint16_t did, unsigned int level, uint64_t key);
void vs_np_drop_did(struct did_state *ds);

/* vtd_sim_walk.c */
bool vs_usable_table(unsigned long mfn);
void vs_note_entry(uint16_t did, unsigned int level, uint64_t key,
                uint64_t pte, const struct range *scope);
void vs_walk_table(uint16_t did, unsigned int level, uint64_t rkey,
                unsigned long mfn, const struct range *scope);
void vs_mark_did(uint16_t did, const struct range *scope, bool from_ps);
unsigned int vs_fault_reason(unsigned int dev, unsigned long bfn,
                             unsigned int access);

/* vtd_sim_inv.c */
uint64_t vs_reg_inv_read(struct reg_inv *ri);
void vs_write_ccmd(uint64_t val);
void vs_write_iotlb(uint64_t val);
unsigned int vs_qi_entries(void);
bool vs_qi_full(void);
void vs_qi_submit_slot(unsigned int idx);
void vs_write_iqt(uint64_t val);
void vs_qi_tick(void);

/* vtd_sim_fault.c */
void vs_faults_settle(void);
void vs_write_frcd(unsigned int offset, uint64_t val);
void vs_write_fectl(uint64_t val);

#endif /* HARNESS_VTD_SIM_INTERNAL_H */
