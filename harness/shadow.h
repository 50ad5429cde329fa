/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model (DESIGN.md section 7): what the ops mean, kept apart
 * from the core and never read from the core's structures.  It predicts
 * every op's status and says what a device of each domain is allowed to
 * reach: allowed(d, bfn) in {none, R, RW}.
 *
 * The model follows Xen 4.17 and the core's documented rules (hv/gtio.h,
 * DESIGN.md sections 4 and 5):
 *
 *  - frames: owner, allocation reference, page references, PV type and
 *    type count, the owner's own pins; freed when the last reference goes;
 *  - grant tables v1: shared entries as the granter wrote them (plus the
 *    GTF_reading/GTF_writing bits the hypervisor sets), active entries with
 *    host/device x read/write pin counts, a maptrack of handles per mapping
 *    domain (lowest free handle first, 32 a chunk, chunks on demand);
 *  - per (mapping domain, foreign frame) counts of read-only and writable
 *    handles: a handle counts once whatever host/device mix it carries;
 *  - unmaps release pins and references only at the end of the hypercall
 *    (or when the release queue is full, or at a domain destroy), after
 *    the invalidation.
 *
 * allowed(d, bfn) for a PV domain with its IOMMU on: RW for a frame d owns
 * whose type is writable; for a foreign frame d holds grant handles of, RW
 * if any handle is writable, else R if any is read-only and read-only IOMMU
 * mappings are configured, else none.  Inside a hypercall an unmapped
 * handle still counts until its release (its invalidation may be deferred
 * until then): that is shadow_allowed_now().  At the hypercall's end the
 * two agree.  What a device may still reach is wider than what it must
 * reach: a mapping whose release leaked (its flush failed; pin, reference
 * and status bits are kept for good) stays reachable, never required
 * (shadow_may_reach()).
 *
 * Injected faults make some outcomes depend on where the fault hit.  The
 * executor then re-applies the op from the state before it, telling the
 * model which of the outcomes the design allows happened (struct
 * sh_facts); what the design does not allow is reported, not adopted.
 */
#ifndef HARNESS_SHADOW_H
#define HARNESS_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gtio.h"
#include "op.h"

#define SH_DOMAINS      GTIO_MAX_DOMAINS
#define SH_DEVICES      GTIO_MAX_DEVICES
#define SH_GRANTS       GTIO_NR_GRANTS
#define SH_HANDLES      GTIO_MAX_HANDLES
#define SH_RELEASES     GTIO_PENDING_RELEASES

/* The owner of a free frame; the "domain" of a device in quarantine. */
#define SH_NOBODY       0xffU

/*
 * A set of guest frames, walked in ascending order as a scan of every
 * frame is.  The executor's (exec.c) holds the frames whose state may
 * differ from the free frame they start as, in the model or on the core:
 * those an op of the input named (an mfn field), and those the core's view
 * changed in or started different.  The model never gives an unnamed frame
 * an owner, a grant or a handle count, so the per-frame checks look only
 * at these: they cost what the input touched, not the size of the machine,
 * and find what a scan of every frame would.  The model keeps its own
 * (struct shadow's touched) for its own loops.
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

enum sh_dom_state {
    SH_DOM_NONE,
    SH_DOM_LIVE,
    SH_DOM_DYING,
};

struct sh_frame {
    uint8_t owner;              /* SH_NOBODY when free */
    bool allocated;             /* the owner's allocation reference */
    bool held;                  /* removal unconfirmed: never freed */
    uint8_t type;               /* enum gtio_page_type */
    uint32_t refs;
    uint32_t type_count;
    uint32_t pinned;            /* get_type references the owner holds */
    /*
     * Bit d: a release of d's mapping of this frame leaked (its flush was
     * never confirmed), so its pin, reference and status bits stay for
     * good and a device may go on reaching it as mapped: R, or RW.
     */
    uint8_t leaked_ro, leaked_rw;
};

struct sh_pins {
    uint16_t host_rw, host_ro, dev_rw, dev_ro;
};

struct sh_active {
    struct sh_pins pin;
    uint8_t domid;              /* grantee it is pinned for (while pinned) */
    uint32_t mfn;               /* frame read at the first pin */
};

struct sh_entry {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};

struct sh_handle {
    uint16_t flags;             /* GNTMAP_*; 0 = free */
    uint16_t ref;
    uint8_t rd;
    uint32_t mfn;
};

struct sh_release {
    uint8_t ld, rd;
    uint16_t ref;
    uint32_t mfn;
    uint16_t done;              /* parts released | GNTMAP_readonly */
};

struct sh_domain {
    uint8_t state;              /* enum sh_dom_state */
    bool crashed;
    bool held;                  /* teardown unconfirmed: slot never reused */
    bool iommu_allowed;
    bool iommu_on;
    unsigned int nr_pages;
    unsigned int chunks;        /* maptrack chunks 0..chunks-1 exist */
    unsigned int handles_used;
    struct sh_entry shared[SH_GRANTS];
    struct sh_active active[SH_GRANTS];
    struct sh_handle handle[SH_HANDLES];
};

struct sh_device {
    uint8_t owner;              /* domain, or SH_NOBODY: quarantine */
    /*
     * A move of the device since the last confirmed context-cache
     * invalidation was not confirmed by the hardware: it may still use the
     * context of every domain it left since (bit d of stale_contexts; none
     * when it only left quarantine).  A chain of failed moves keeps them
     * all: d1 -> quarantine -> d0 may still walk d1's tables.
     */
    bool unconfirmed;
    uint8_t stale_contexts;
};
_Static_assert(SH_DOMAINS <= 8, "stale_contexts is a byte of domain bits");

/* May the device use domain d's context (d < SH_DOMAINS)? */
static inline bool sh_device_may_use(const struct sh_device *dv, unsigned int d)
{
    return dv->owner == d ||
           (dv->unconfirmed && d < SH_DOMAINS && (dv->stale_contexts >> d) & 1);
}

struct shadow {
    struct run_header hdr;
    bool in_hypercall;
    /*
     * The hardware domain's flush failed and it cannot be crashed: its
     * devices may keep stale entries until it is destroyed.
     */
    bool d0_excused;
    /*
     * A flush fault was injected at some point: the unit may be broken
     * (vtd-protocol is off) and held memory is not a leak (leak checks are
     * off).  Allocation faults leave both on.
     */
    bool faulted;
    struct sh_device dev[SH_DEVICES];
    unsigned int nr_releases;
    struct sh_release release[SH_RELEASES];
    struct sh_domain dom[SH_DOMAINS];
    /*
     * From here on, shadow_reset() clears only what the last run touched:
     * every frame outside touched is free, with no handle counted on it by
     * any domain.  Set once the arrays are in that state (a zeroed shadow
     * is not: owner 0 is a domain).
     */
    bool frames_clean;
    /*
     * Frames the model gave any state (owner, counts, pending counts): the
     * per-frame loops walk these only, so that an op costs what the input
     * touched, not the size of the machine.
     */
    struct frame_set touched;
    /* Live handles per (domain, foreign frame), and released but pending. */
    uint16_t count_ro[SH_DOMAINS][RUN_MAX_FRAMES];
    uint16_t count_rw[SH_DOMAINS][RUN_MAX_FRAMES];
    uint16_t pending_ro[SH_DOMAINS][RUN_MAX_FRAMES];
    uint16_t pending_rw[SH_DOMAINS][RUN_MAX_FRAMES];
    struct sh_frame frame[RUN_MAX_FRAMES];
};

/* Releases one op can complete: a full queue twice (overflow, then end). */
#define SH_MAX_COMPLETIONS  (2 * SH_RELEASES)

/* GTF_reading/GTF_writing cleared in rd's entry ref, pinned by ld for mfn. */
struct sh_flag_clear {
    uint8_t rd, ref, ld;
    uint16_t bits;
    uint32_t mfn;
};

/* What the op turned out to be, as predicted, and the events in it. */
struct sh_result {
    int status;                 /* -errno, or GNTST_* for map/unmap */
    uint32_t handle;            /* map: the handle it gets */
    bool hypercall;             /* a hypercall ended with this op */
    bool ignored;               /* nested begin, or end outside a hypercall */
    unsigned int nr_completed;
    unsigned int nr_freed;
    unsigned int nr_retyped;
    unsigned int nr_cleared;
    /* Queued releases the op completed (or leaked), in order. */
    struct sh_release completed[SH_MAX_COMPLETIONS];
    /* Frames freed; frames that gained a non-writable type. */
    uint16_t freed[RUN_MAX_FRAMES];
    uint16_t retyped[RUN_MAX_FRAMES];
    struct sh_flag_clear cleared[SH_DOMAINS * SH_GRANTS * 2];
};

/*
 * The outcome of an op an injected fault may have changed, as observed on
 * the core through its read-only views.  The model takes from it only the
 * choices the design leaves open under faults.
 */
struct sh_facts {
    int status;                 /* what the core returned */
    bool took_effect;           /* the op happened (exec.c's probes) */
    bool release_queued;        /* unmap: its release is pending */
    bool flush_fault;           /* a flush fault point fired (ever) */
    bool exists[SH_DOMAINS];    /* the core's slot is not free */
    bool crashed[SH_DOMAINS];
    bool held[SH_DOMAINS];
    bool iommu_on[SH_DOMAINS];
    /* The domain's last flush failed and no flush since confirmed it. */
    bool unconfirmed[SH_DOMAINS];
    bool frame_held[RUN_MAX_FRAMES];
    uint8_t frame_type[RUN_MAX_FRAMES];
    uint32_t frame_type_count[RUN_MAX_FRAMES];
    uint16_t flags[SH_DOMAINS][SH_GRANTS];      /* shared entry flags */
    struct sh_pins pins[SH_DOMAINS][SH_GRANTS]; /* active entry pins */
};

/* sh is zeroed (a static) or was reset before. */
void shadow_reset(struct shadow *sh, const struct run_header *hdr);

/* Apply op as the design says it goes without faults. */
void shadow_apply(struct shadow *sh, const struct op *op,
                  struct sh_result *res);

enum sh_verdict {
    SH_ALLOWED,                 /* an outcome the design allows */
    SH_BAD_STATUS,              /* a status no allowed outcome gives */
    SH_BAD_STATE,               /* a state change the design forbids */
};

/*
 * Re-apply op, from the state before it, as it went on the core (facts).
 * Anything but SH_ALLOWED comes with the reason in why; the op is then
 * applied as far as it can be.
 */
enum sh_verdict shadow_reapply(struct shadow *sh, const struct op *op,
                               const struct sh_facts *facts,
                               struct sh_result *res, char *why,
                               size_t whylen);

/*
 * Would the outcome of op depend on what happens on the core even without
 * a fault in it (destroy of a crashed or held domain)?
 */
bool shadow_outcome_open(const struct shadow *sh, const struct op *op);

enum sh_access shadow_allowed(const struct shadow *sh, unsigned int d,
                              unsigned long bfn);
/*
 * The most a device of d may reach at bfn without a finding: allowed()
 * (allowed_now() if now) and the mappings whose release leaked.
 */
enum sh_access shadow_may_reach(const struct shadow *sh, unsigned int d,
                                unsigned long bfn, bool now);
/* Inside a hypercall: also what unmaps of this hypercall still hold. */
enum sh_access shadow_allowed_now(const struct shadow *sh, unsigned int d,
                                  unsigned long bfn);

/*
 * Is dev excused from stale-dma and dma-fault: it is (or may still be)
 * the hardware domain's after that domain's flush failed?
 */
bool shadow_device_excused(const struct shadow *sh, unsigned int dev);

/* "quarantine", or the domains whose context dev may still use: "d1,d2". */
void shadow_stale_contexts_name(char *buf, size_t len,
                                const struct sh_device *dv);

bool shadow_pins_any(const struct sh_pins *p);

/* Human-readable differences between two states (for replay). */
void shadow_print_diff(FILE *out, const struct shadow *before,
                       const struct shadow *after);

const char *sh_access_name(enum sh_access a);

#endif /* HARNESS_SHADOW_H */
