/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model (docs/design.md, "The model and the checks"): what the ops mean, kept apart
 * from Xen and the core and never read from their structures.  It
 * predicts every op's status and says what a device of each domain is
 * allowed to reach: allowed(d, bfn) in {none, R, RW}.
 *
 * It is written from Xen 4.17's documented ABI (public/grant_table.h, the
 * GNTST_ codes, GTF_ bits, GNTMAP_ flags) and the rules of docs/design.md,
 * "The IOMMU rules", in the order Xen's checks come, so that the predicted status
 * is Xen's:
 *
 *  - domains by domain id: created with a grant table of at most
 *    gframes frames (1 to start) and at most mframes maptrack frames;
 *    dying (being killed, held if the kill could not finish), then dead
 *    until their last page goes;
 *  - frames: owner, allocation reference, references, PV type and type
 *    count, pin, the guest's own type references; freed with the last
 *    reference, leaked (held) if their removal could not be confirmed;
 *  - grant tables v1: the entries as the granter wrote them (plus the
 *    GTF_reading/GTF_writing bits Xen sets), active entries with
 *    host/device x read/write pins, the mapping domain's live handles
 *    (their numbers are Xen's to choose: the model learns them, and
 *    checks they are fresh and in range);
 *  - per (mapping domain, foreign frame) counts of read-only and writable
 *    handles, a handle counting once whatever host/device mix it has;
 *  - an unmap batch drops page references, pins and status bits only
 *    after the batch, and not at all if its invalidation failed (leaked).
 *
 * allowed(d, bfn) for a domain whose IOMMU tables Xen syncs: RW for a frame
 * d owns whose type is writable; for a foreign frame d holds handles of,
 * RW if any is writable, else R if any is read-only and read-only IOMMU
 * mappings are configured, else none.  What a device may still reach is
 * wider: a mapping whose release leaked stays reachable, never required
 * (shadow_may_reach()).
 *
 * Injected faults make some outcomes depend on where the fault hit; the
 * executor then re-applies the op with the outcome Xen shows
 * (shadow_reapply(), struct sh_facts), within what the design allows.
 */
#ifndef HARNESS_SHADOW_H
#define HARNESS_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "op.h"
#include "trace.h"
#include "vtd_sim.h"

#define SH_DOMAINS      8               /* the world keeps at most 8 */
#define SH_DEVICES      VTD_SIM_DEVICES
#define SH_REFS         OP_REFS         /* entries the ops can name */
#define SH_MAPTRACK_MAX 4               /* create mframes=0..4 */
#define SH_HANDLES      (SH_MAPTRACK_MAX * SH_HANDLES_PER_FRAME)
#define SH_HANDLES_PER_FRAME 256        /* 16-byte maptrack entries */
#define SH_ENTRIES_PER_FRAME 512        /* 8-byte v1 entries */
#define SH_PIN_LIMIT    128             /* GNTPIN_incr2oflow_mask() */
#define SH_UNMAP_BATCH  32              /* GNTTAB_UNMAP_BATCH_SIZE */
#define SH_OPT_MAX_GFRAMES 64           /* Xen's opt_max_grant_frames */
#define SH_MAX_CALL     4096            /* ops in one hypercall */

/* "No domain": a free frame's owner, a quarantined device's. */
#define SH_NOBODY       0xffU

/*
 * A set of guest frames, walked in ascending order.  The executor's holds
 * the frames whose state may differ from the free frame they start as
 * (those an op named or Xen's frame table showed changed); the model's
 * (touched) those it gave any state.  Per-frame checks look only at
 * these: they cost what the input touched, not the size of the machine.
 */
struct frame_set {
    unsigned long nr;                               /* frames 0..nr-1 */
    uint64_t bits[(RUN_MAX_FRAMES + 63) / 64];
};

void frame_set_init(struct frame_set *s, unsigned long nr);
void frame_set_add(struct frame_set *s, unsigned long mfn);
/* The first frame of s at or after mfn; s->nr if there is none. */
unsigned long frame_set_next(const struct frame_set *s, unsigned long mfn);

#define for_each_frame(mfn, s) \
    for ( (mfn) = frame_set_next(s, 0); (mfn) < (s)->nr; \
          (mfn) = frame_set_next(s, (mfn) + 1) )

static inline bool frame_set_has(const struct frame_set *s, unsigned long mfn)
{
    return mfn < s->nr && (s->bits[mfn / 64] >> (mfn % 64)) & 1;
}

enum sh_access {
    SH_NONE = 0,
    SH_R = 1,
    SH_RW = 3,
};

/* An access as the simulated unit's SIM_R/SIM_W bits. */
static inline unsigned int sh_access_bits(enum sh_access a)
{
    return a == SH_RW ? SIM_R | SIM_W : a == SH_R ? SIM_R : 0;
}

enum sh_dom_state {
    SH_DOM_NONE,        /* slot free */
    SH_DOM_LIVE,
    SH_DOM_DYING,       /* the kill stopped: devices not confirmed gone */
    SH_DOM_DEAD,        /* killed; lives on while it owns frames */
};

/* Xen's PGT_ type values (bits 61-63 of type_info). */
enum sh_page_type {
    SH_PGT_NONE, SH_PGT_L1, SH_PGT_L2, SH_PGT_L3, SH_PGT_L4,
    SH_PGT_SEG_DESC, SH_PGT_SHARED, SH_PGT_WRITABLE,
};

struct sh_frame {
    uint8_t owner;              /* domain slot, SH_NOBODY when free */
    bool allocated;             /* the owner's allocation reference */
    bool held;                  /* leaked: its removal was not confirmed */
    bool pinned;                /* PGT_pinned (a page-table pin) */
    uint8_t type;               /* enum sh_page_type */
    uint32_t refs;
    uint32_t type_count;
    uint32_t guest_refs;        /* the guest's other type references */
    /*
     * Bit d: a release of slot d's mapping of this frame leaked (its
     * flush was never confirmed): pins, references and status bits stay
     * for good and a device may go on reaching it as mapped.
     */
    uint8_t leaked_ro, leaked_rw;
};

struct sh_pins {
    uint16_t host_rw, host_ro, dev_rw, dev_ro;
};

struct sh_active {
    struct sh_pins pin;
    uint16_t domid;             /* the grantee it is pinned for (an id: it
                                   may outlive that domain's slot) */
    uint32_t mfn;               /* read at the first pin */
};

struct sh_entry {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};

struct sh_handle {
    uint16_t flags;             /* GNTMAP_*; 0 = free */
    uint8_t ref;                /* ref code */
    uint8_t rd;                 /* slot */
    uint32_t mfn;
};

struct sh_domain {
    uint8_t state;              /* enum sh_dom_state */
    uint16_t domid;
    bool crashed;
    bool iommu;                 /* Xen syncs its IOMMU tables */
    bool has_root;              /* its IOMMU root table exists */
    bool had_device;            /* given a VT-d domain id (flushed at death) */
    /*
     * A release of its mappings leaked: other domains' grants stay pinned
     * for its id, so it is never destroyed (gtio holds it).
     */
    bool held_for_pins;
    /* A flush of its failed unconfirmed at some point (hardware domain). */
    bool flush_failed;
    uint8_t max_gframes, max_mframes;
    uint8_t nr_gframes, nr_mframes;
    unsigned int nr_pages;      /* guest frames owned (held ones too) */
    unsigned int live_handles;
    /*
     * handle[] past this was never written since the slot was cleared,
     * so it is zero: what a copy of the model leaves out.
     */
    unsigned int handles_used;
    struct sh_entry shared[SH_REFS];
    struct sh_active active[SH_REFS];
    struct sh_handle handle[SH_HANDLES];
};

struct sh_device {
    uint8_t owner;              /* slot, or SH_NOBODY: quarantine */
    /*
     * A move since the last confirmed context-cache invalidation was not
     * confirmed: the device may still use the context of every domain it
     * left since (bit d of stale_contexts).
     */
    bool unconfirmed;
    uint8_t stale_contexts;
};
_Static_assert(SH_DOMAINS <= 8, "stale_contexts is a byte of slot bits");

static inline bool sh_device_may_use(const struct sh_device *dv, unsigned int d)
{
    return dv->owner == d ||
           (dv->unconfirmed && d < SH_DOMAINS && (dv->stale_contexts >> d) & 1);
}

struct shadow {
    struct run_header hdr;
    /*
     * The mappings of one kind of one frame by one domain that Xen's
     * per-frame count (maptrack_tree) holds; 0: more than any maptrack
     * has handles (Xen's).  A build constant: set after shadow_reset().
     */
    unsigned long count_max;
    unsigned int count_high;    /* the highest per-frame count yet */
    /*
     * The hardware domain's invalidation failed: its devices may keep
     * stale entries until a domain-selective one completes.
     */
    bool d0_excused;
    /*
     * A flush fault was injected at some point: the unit may be broken
     * (vtd-protocol is off) and held memory is not a leak.
     */
    bool faulted;
    struct sh_device dev[SH_DEVICES];
    struct sh_domain dom[SH_DOMAINS];
    /*
     * From here on, shadow_reset() clears only what the last run touched:
     * every frame outside touched is free, with no handle counted on it.
     */
    bool frames_clean;
    struct frame_set touched;
    uint16_t count_ro[SH_DOMAINS][RUN_MAX_FRAMES];
    uint16_t count_rw[SH_DOMAINS][RUN_MAX_FRAMES];
    struct sh_frame frame[RUN_MAX_FRAMES];
};

/* What one op of a call came to, as predicted (or as re-applied). */
struct sh_op_result {
    int status;                 /* -errno, or GNTST_* for grant ops */
    bool done;                  /* took effect (a map got its handle) */
    uint32_t mfn;               /* map: the frame; unmap: the mapping's */
    uint16_t query_frames;      /* query_size: nr_frames, max_nr_frames */
    uint16_t query_max;
    /* Map: refused for a pin counter at its limit (sh_pin_limit()). */
    bool pin_full;
    /* Setup_table: refused for asking past max_grant_frames. */
    bool table_full;
    /* Map: refused for a per-frame count at count_max. */
    bool count_full;
};

/* An op the call never got to (a failed unmap batch ends the call). */
#define SH_NOT_RUN      0x7fff      /* also: a call that never returned */

/* One call: a single op, or a batch of grant ops of one domain and kind. */
struct sh_call {
    const struct op *ops;
    unsigned int nr;
    /*
     * Map: the handles Xen returned, given to the model by the executor
     * before it applies the call (unmap: the handles the ops name).
     */
    uint32_t handle[SH_MAX_CALL];
    long rc;                    /* the hypercall's (or domctl's) result */
    struct sh_op_result res[SH_MAX_CALL];
    /*
     * shadow_reapply(): slot bits of the domains whose IOMMU the call
     * changes (the only ones a failed flush of it may crash), and whether
     * it moves a device.
     */
    unsigned int may_crash;
    bool moved_devices;
    /*
     * The input asked to preempt the call (OP_PREEMPT) at its n-th
     * preemption check (preempt_nth; 0: at every one).  A caller crashed
     * by a preemption never runs the continuation: the rest is not run,
     * the call never returns.
     */
    bool preempt;
    unsigned int preempt_nth;
};

/* sh is zeroed (a static) or was reset before. */
void shadow_reset(struct shadow *sh, const struct run_header *hdr);

/*
 * *dst = *src, for models that are zeroed (statics) or were reset or
 * copied to before; the slots free in both, and the frames past both
 * sides' run, are left as they are.
 */
void shadow_copy(struct shadow *dst, const struct shadow *src);

/*
 * Apply a call as the design says it goes without faults: fills
 * call->res[] and call->rc.  A map that succeeds takes the handle Xen
 * gave it (call->handle[]): false, with why, if that handle was live or
 * out of the maptrack's range.
 */
bool shadow_apply(struct shadow *sh, struct sh_call *call, char *why,
                  size_t whylen);

/*
 * The outcome of a call an injected fault may have changed, as observed
 * on Xen and the core.  The model takes from it only the choices the
 * design leaves open under faults.
 */
struct sh_facts {
    long rc;                    /* the call's result */
    int status[SH_MAX_CALL];    /* per op, as Xen wrote it */
    bool flush_fault;           /* a flush fault point fired (ever) */
    /*
     * The run's first flush fault fired in this call: it hit this call's
     * own flush (a later one may hit what an earlier failure left queued).
     */
    bool first_flush_fault;
    bool exists[SH_DOMAINS];    /* Xen still has the slot's domain */
    bool crashed[SH_DOMAINS];
    bool held[SH_DOMAINS];      /* dying, the kill not finished */
    bool has_root[SH_DOMAINS];
    uint8_t nr_mframes[SH_DOMAINS];
    bool flush_fault_in_call;   /* a flush fault fired in this call */
    bool table_alloc_failed;    /* an IOMMU table page did not come */
    bool register_hung;         /* an invalidation register hung (ever) */
    uint8_t dev_owner[SH_DEVICES];              /* slot or SH_NOBODY */
    bool frame_held[RUN_MAX_FRAMES];
    uint8_t frame_type[RUN_MAX_FRAMES];         /* enum sh_page_type */
};

enum sh_verdict {
    SH_ALLOWED,                 /* an outcome the design allows */
    SH_BAD_STATUS,              /* a status no allowed outcome gives */
    SH_BAD_STATE,               /* a state change the design forbids */
};

/*
 * Re-apply a call, from the state before it, as it went (facts).
 * Anything but SH_ALLOWED comes with the reason in why; the call is then
 * applied as far as it can be.
 */
enum sh_verdict shadow_reapply(struct shadow *sh, struct sh_call *call,
                               const struct sh_facts *facts, char *why,
                               size_t whylen);

/*
 * After shadow_reapply(): did a failed flush spare the one domain it was
 * for (true, with why)?
 */
bool shadow_victim_spared(const struct shadow *sh, const struct sh_call *call,
                          const struct sh_facts *fx, char *why, size_t len);

/* Would the outcome of a call depend on Xen even without a new fault? */
bool shadow_outcome_open(const struct shadow *sh, const struct sh_call *call);

/*
 * A vCPU of the domain changed its own entry ref while Xen worked on it
 * (OP_RACE): the model takes the flags it left, status bits included.
 */
void shadow_raced_flags(struct shadow *sh, unsigned int domid, uint32_t ref,
                        uint16_t flags);

/* The slot of a domain id, SH_NOBODY if the model has none. */
unsigned int shadow_slot(const struct shadow *sh, unsigned int domid);

enum sh_access shadow_allowed(const struct shadow *sh, unsigned int d,
                              unsigned long bfn);
/* The most a device of slot d may reach without a finding. */
enum sh_access shadow_may_reach(const struct shadow *sh, unsigned int d,
                                unsigned long bfn);
/* What slot d's live handle gives its devices at frame bfn. */
enum sh_access shadow_handle_allows(const struct shadow *sh, unsigned int d,
                                    uint32_t handle, unsigned long bfn);

/*
 * Is dev excused from stale-dma and dma-fault: it is (or may still be)
 * the hardware domain's after that domain's invalidation failed?
 */
bool shadow_device_excused(const struct shadow *sh, unsigned int dev);

/* "quarantine", or the domains whose context dev may still use: "d1,d2". */
void shadow_stale_contexts_name(const struct shadow *sh, char *buf,
                                size_t len, const struct sh_device *dv);

bool shadow_pins_any(const struct sh_pins *p);

/*
 * The fullest pin counter of domid's active entry ref (0 for a domain or
 * entry the model does not hold).  Only a map raises a counter, so the
 * entries a call's maps named are the only ones that can have a new most.
 */
unsigned int shadow_entry_max_pin(const struct shadow *sh, unsigned int domid,
                                  uint32_t ref);

/*
 * The fewest handles any live domain could still get from its maptrack
 * (all its frames' entries but the one Xen keeps free); UINT_MAX if no
 * domain may have one.
 */
unsigned int shadow_maptrack_room(const struct shadow *sh);

/* Handles one maptrack frame holds in this run (Xen: 256). */
static inline unsigned int sh_handles_per_frame(const struct run_header *h)
{
    return h->maptrack_order ? 1U << h->maptrack_order : SH_HANDLES_PER_FRAME;
}

/* The maptrack entries slot d's maptrack frames hold (its handle range). */
static inline unsigned int sh_maptrack_entries(const struct shadow *sh,
                                               const struct sh_domain *sd)
{
    return sd->nr_mframes * sh_handles_per_frame(&sh->hdr);
}

/* The bits of each of Xen's pin counters in this run (pin_bits, 1..8). */
static inline unsigned int sh_pin_bits(const struct run_header *h)
{
    return h->pin_bits ? h->pin_bits : 8;
}

/*
 * The count at which a pin counter may not grow: SH_PIN_LIMIT (128) for
 * Xen's 8-bit counters, 2^(pin_bits - 1) scaled down (grant_table.c's
 * GNTPIN_incr2oflow_mask() tests a counter's top bit).
 */
static inline unsigned int sh_pin_limit(const struct run_header *h)
{
    return 1U << (sh_pin_bits(h) - 1);
}

/*
 * The unmaps Xen takes in one chunk of an unmap hypercall
 * (GNTTAB_UNMAP_BATCH_SIZE, 32): each chunk is a batch of its own.
 */
static inline unsigned int sh_unmap_batch(const struct run_header *h)
{
    return h->unmap_batch ? h->unmap_batch : SH_UNMAP_BATCH;
}

/* The model's state into digest h (harness/machine/digest.h). */
uint64_t shadow_digest(const struct shadow *sh, uint64_t h);

/* Human-readable differences between two states (for replay). */
void shadow_print_diff(FILE *out, const struct shadow *before,
                       const struct shadow *after);

const char *sh_access_name(enum sh_access a);

#endif /* HARNESS_SHADOW_H */
