/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d remapping unit, as adversarial as the specification
 * allows (docs/design.md, "The simulated VT-d").
 *
 * The core drives it as hardware: MMIO to the block vtd_sim_regs()
 * returns, tables and queue in heap frames, every PTE store reported by
 * write_atomic() and every cache write-back by clflush.  The model keeps,
 * for every VT-d domain id, the set of translations the hardware may have
 * cached: anything the device-visible tables gave since the last
 * completed invalidation that covers it, paging-structure entries walked
 * through whatever the table frame they point at holds now.  The oracles
 * query that set.
 *
 * Devices 0..VTD_SIM_DEVICES-1 are bus 0, devfn == device number.
 */
#ifndef HARNESS_VTD_SIM_H
#define HARNESS_VTD_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VTD_SIM_DEVICES     4
/* Descriptors of a queue page (128-bit each): the smallest queue. */
#define VTD_SIM_QI_PAGE_ENTRIES 256

struct vtd_sim_caps {
    bool cm;                /* CAP.CM: non-present entries may be cached */
    bool psi;               /* CAP.PSI: page-selective invalidation */
    bool qi;                /* ECAP.QI: queued invalidation */
    bool coherent;          /* ECAP.C: walks snoop the CPU caches */
    bool rwbf;              /* CAP.RWBF: stores reach the walker only
                               after GCMD.WBF or an invalidation */
    /*
     * CAP.DRD and CAP.DWD: an IOTLB invalidation waits for DMA it
     * translated before only when asked to (DR, DW); otherwise such DMA
     * may land after it completed.  Without them, draining is implicit.
     */
    bool drain;
    /*
     * IOTLB entries tagged by source id as well as domain id (no register
     * says so; software must assume it): a device cut off by the context
     * cache alone may still hit the leaves it fetched, until an IOTLB
     * invalidation of that domain id completes.
     */
    bool sid_tag;
    unsigned int mamv;      /* CAP.MAMV, 0..63 */
    /*
     * How long an invalidation takes: register ones complete after this
     * many reads of IOTLB_REG/CCMD, queued descriptors are fetched one per
     * this many (at least one) cpu_relax() ticks.
     */
    unsigned int completion_delay;
    /*
     * The invalidation queue's entries, scaled down by the harness alone:
     * 0, what IQA.QS gives (a page of 256 at least, as on real hardware);
     * 2..255, that many whatever QS says, so that a few descriptors fill
     * it.  The driver must use the same (world_boot() tells it).
     */
    unsigned int qi_entries;
    /*
     * Bring-up failures that no fault point gives, for the unit tests of
     * the driver's bring-up (harness/xen/vtd.c; tests/unit/error_paths.c):
     */
    bool no_4level;         /* CAP.SAGAW without 4-level tables */
    bool gcmd_hangs;        /* GCMD commands never show in GSTS */
};

/* Back to power-on with these capabilities; costs what the last run touched. */
void vtd_sim_reset(const struct vtd_sim_caps *caps);
/*
 * Stop (or restart) fetching queued descriptors: every wait times out and
 * the queue fills up (tests/unit/error_paths.c; no fault point does this).
 */
void vtd_sim_stall_queue(bool stall);
/* The 4 KiB MMIO register block (give it to the core as its regs). */
void *vtd_sim_regs(void);

/* ---- Queries for the oracles ---- */

/*
 * Bring the model up to date with memory, catching stores that bypassed
 * write_atomic().  Queries do this themselves when any hook ran since the
 * last time; call it once at each check point so that a store the core
 * made after its last hook call is seen too.
 */
void vtd_sim_sync(void);

/*
 * The unit's state into digest h (harness/machine/digest.h): registers,
 * what the device side of each table frame may read, every cached entry
 * and context, the queue and the write buffer.  Statistics are left out.
 */
uint64_t vtd_sim_digest(uint64_t h);

#define SIM_R   1U
#define SIM_W   2U

struct sim_translation {
    unsigned long bfn;
    unsigned long mfn;
    unsigned int access;    /* SIM_R|SIM_W; 0: may fault (cached non-present) */
    uint16_t did;
};

/* Return false to stop the iteration. */
typedef bool (*sim_visit_fn)(void *ctx, unsigned int dev,
                             const struct sim_translation *t);

/*
 * Every translation device dev could use now, through every context entry
 * it may use (IOTLB entries are tagged by did only, so that includes what
 * other context entries with the same did fetched).  Each (did, bfn) can
 * be reported several times with different outcomes.  Faulting
 * possibilities (access 0, mfn 0) are reported for cached non-present
 * leaves, and for each bfn below the bfn limit covered by a cached
 * non-present paging-structure entry or by a context entry that may be
 * non-present.  A bfn merely unmapped now (CAP.CM=0) is not listed: ask
 * vtd_sim_may_fault().  Nothing is listed while translation is disabled.
 */
void vtd_sim_for_each_possible(unsigned int dev, sim_visit_fn fn, void *ctx);
/*
 * The same without the faulting possibilities (access 0): what dev may
 * reach.  Costs what is cached, not the bfns a faulting region covers.
 */
void vtd_sim_for_each_reachable(unsigned int dev, sim_visit_fn fn, void *ctx);
/*
 * Upper bound (exclusive) of the bfns listed one by one for region-wide
 * faults; default 4096.  Set it to the number of guest frames: each bfn
 * below it costs a callback per faulting region.
 */
void vtd_sim_set_bfn_limit(unsigned long limit);

/*
 * Could a DMA of dev at bfn with access (SIM_R and/or SIM_W) fault now:
 * no translation, or a possible one that lacks part of 'access'?
 * Exact: considers every possible context entry, cached paging-structure
 * entry and visible table value.  False while translation is disabled
 * (DMA is then untranslated; vtd_sim_wild() reports that).
 */
bool vtd_sim_may_fault(unsigned int dev, unsigned long bfn,
                       unsigned int access);

/*
 * A DMA by dev at bfn (OP_DMA): where it may fault, the unit records the
 * fault (as a unit that cannot be sure it will not fault must) in its
 * fault recording registers and raises its fault event unless masked.
 * The record's reason (FR, VTD_FR_* in vtd_hw.h) is that of the first
 * faulting outcome vtd_sim_may_fault()'s walk finds.  True if it faulted.
 */
bool vtd_sim_dma(unsigned int dev, unsigned long bfn, bool write);
/* Was the fault event raised since the last call (the driver's to take)? */
bool vtd_sim_fault_event(void);
/*
 * After the driver took the event: a record still holding a fault, or
 * one lost for want of room (FSTS.PFO).  Fills 'why'.
 */
bool vtd_sim_faults_left(char *why, size_t len);

/*
 * May the unit still walk heap frame mfn as a table: does a context entry
 * or table entry it may still use (cached, or visible) point to it?
 */
bool vtd_sim_walkable(unsigned long mfn);

/*
 * Could dev reach arbitrary memory: translation disabled, a pass-through
 * or malformed context entry, or a possible walk through a table pointer
 * that is not a heap frame used since reset (or is the root, context or
 * queue frame), or a walk too large to enumerate.  Fills 'why'.
 */
bool vtd_sim_wild(unsigned int dev, char *why, size_t len);

/*
 * Core misuse of the hardware interface the model noticed (a command while
 * another is pending, a queue overrun, an MMIO of the wrong size, ...).
 * The first one since reset; false if none.
 */
bool vtd_sim_protocol_error(char *why, size_t len);

/*
 * How many cached entries (of any kind, including non-present ones) and
 * context entries of any device may still carry domain id did.  A did may
 * be given to a new domain only when this is 0 (docs/design.md, "The IOMMU rules").
 */
unsigned long vtd_sim_did_cached(uint16_t did);

/* Whether invalidation work is outstanding (submitted, not completed). */
bool vtd_sim_busy(void);

/*
 * Whether the unit is quiescent: no cpu_relax() tick and no register read
 * can change its state or what it shows software (nothing pending but hung
 * invalidations, a stopped or empty queue), so only a store or register
 * write by software can.  cpu_relax() then lets time pass faster.
 */
bool vtd_sim_quiescent(void);

struct vtd_sim_stats {
    unsigned long reg_iotlb, reg_ctx;   /* register invalidations issued */
    unsigned long qi_iotlb, qi_ctx, qi_wait;    /* descriptors fetched */
    unsigned long psi, dsi, global;     /* IOTLB invalidations by granularity */
    unsigned long clflush_lines;        /* 64-byte lines written back */
    unsigned long wbf;                  /* write-buffer flushes (GCMD.WBF) */
    unsigned long completed;            /* invalidations completed */
    unsigned long coarsened;            /* PSI done as DSI (IAIG) */
    unsigned long late_waits;           /* waits completed late (fault) */
    unsigned long queue_errors;         /* FSTS.IQE raised */
    /* IQH read while the queue was full: software waiting for room. */
    unsigned long queue_full_reads;
    unsigned int queue_high;            /* most descriptors queued at once */
    unsigned long faults;               /* DMA faults (recorded or lost) */
    /* Frames compared with their device-visible copy (stores found). */
    unsigned long frames_compared;
    /* Allocated frames whose fill was written out word by word: walked. */
    unsigned long frames_written_out;
    /* Words a sync or write-back found changed and took in one by one. */
    unsigned long words_synced;
};
const struct vtd_sim_stats *vtd_sim_stats(void);

/* Registers, queue, context and cached-entry sets, for humans. */
void vtd_sim_dump(FILE *out);

/* ---- Entry points of hooks.c and heap.c (not for the oracles) ---- */

uint64_t vtd_sim_mmio_read(unsigned int offset, unsigned int bytes);
void vtd_sim_mmio_write(unsigned int offset, uint64_t val, unsigned int bytes);
void vtd_sim_mem_written(const volatile void *va, unsigned int bytes);
void vtd_sim_cache_writeback(const void *va, unsigned int bytes);
void vtd_sim_tick(void);
/* The heap just filled frame mfn with poison for a new user. */
void vtd_sim_frame_allocated(unsigned long mfn);
/* Some hook ran: memory may have changed since the last sync. */
void vtd_sim_poke(void);
/*
 * The CPU got a pointer to frame mfn: it may store there until the sync
 * (after vtd_sim_poke(), as every hook entry).
 */
void vtd_sim_frame_mapped(unsigned long mfn);

#endif /* HARNESS_VTD_SIM_H */
