/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d unit's invalidation, register-based and queued
 * (vtd_sim.c says where the other parts are).
 *
 * Each entry carries the sequence number of the last moment it was seen
 * fetchable.  When an invalidation is submitted its scope is walked from
 * the roots (stamping what is fetchable then); when it completes, every
 * entry in scope not seen since the submission is dropped.  Whatever
 * moment between submission and completion the real hardware executed
 * it at, what it could still hold afterwards is then a subset of what
 * the model keeps.  Completion is as late as the interface allows: a
 * register invalidation when software reads the busy bit clear, a queued
 * one when a later wait descriptor's status write lands.
 */
#include <inttypes.h>
#include <string.h>

#include <harness/hooks.h>

#include "fault.h"
#include "heap.h"
#include "vtd_sim_internal.h"

/* Actual granularity fields reported on completion. */
#define IOTLB_IAIG_SHIFT    57
#define CCMD_CAIG_SHIFT     59

uint64_t vs_slot_seq[MAX_QI_ENTRIES];
struct vtd_qi_desc vs_slot_desc[MAX_QI_ENTRIES];
unsigned int vs_slot_hwm;
struct qrec *vs_qrecs;
unsigned int vs_nr_qrecs;
static unsigned int cap_qrecs;
bool vs_qi_stalled;

/* ---- Invalidation ---- */

static void inv_submit(struct inv *inv)
{
    unsigned int i;

    settle_if_needed();
    /* Every invalidation flushes the write buffer before it runs. */
    vs_wbuf_flush();
    inv->sub_seq = ++vs_seq;
    if ( inv->context )
        return;     /* context possibilities carry their own moments */
    switch ( inv->gran )
    {
    case INV_GLOBAL:
        for ( i = 0; i < vs_nr_touched_dids; i++ )
            vs_mark_did(vs_touched_dids[i], &all_bfns, false);
        break;
    case INV_DOMAIN:
        vs_mark_did(inv->did, &all_bfns, false);
        break;
    case INV_PAGE:
        vs_mark_did(inv->did, &inv->r, inv->ih);
        break;
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
    vs_stats.completed++;
    if ( inv->context )
    {
        for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        {
            struct dev_state *d = &vs_devs[dev];

            for ( i = 0; i < d->nr; )
                if ( !d->poss[i].current && d->poss[i].seen < inv->sub_seq &&
                     ctx_in_scope(dev, &d->poss[i], inv) )
                    vs_ctx_remove(d, i);
                else
                    i++;
        }
        return;
    }
    if ( inv->gran == INV_GLOBAL )
        for ( i = 0; i < vs_nr_touched_dids; i++ )
            vs_sweep_did(vs_touched_dids[i], inv);
    else
        vs_sweep_did(inv->did, inv);
    if ( inv->gran != INV_PAGE )
        vs_tags_drop(inv);
}

static void count_iotlb_gran(unsigned int gran)
{
    if ( gran == INV_GLOBAL )
        vs_stats.global++;
    else if ( gran == INV_DOMAIN )
        vs_stats.dsi++;
    else
        vs_stats.psi++;
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
    ri->reads_left = vs_caps.completion_delay;
    if ( fault_hit(FP_REG_INV_TIMEOUT) )
    {
        /* The hardware hangs: the busy bit stays, nothing completes. */
        ri->stuck = true;
        vs_regs.fsts |= VTD_FSTS_ITE;
        return;
    }
    inv_submit(&ri->inv);
}

uint64_t vs_reg_inv_read(struct reg_inv *ri)
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
        vs_proto_error("%s written while the previous one is %s", what,
                    ri->stuck ? "hung" : "in progress");
    else if ( vs_regs.gsts & GSTS_QIES )
        vs_proto_error("%s written while queued invalidation is enabled", what);
    else
        return false;
    ri->pending = ri->stuck = true;
    ri->value = busy_value;
    return true;
}

void vs_write_ccmd(uint64_t val)
{
    struct inv inv = { .context = true };
    unsigned int cirg = (val & VTD_CCMD_CIRG_MASK) >> VTD_CCMD_CIRG_SHIFT;

    if ( !(val & VTD_CCMD_ICC) )
        return;
    if ( reg_inv_refused(&vs_regs.ccmd, "CCMD", val) )
        return;
    vs_stats.reg_ctx++;
    inv.gran = cirg;
    inv.did = val & VTD_CCMD_DID_MASK;
    inv.sid = (val >> VTD_CCMD_SID_SHIFT) & 0xffff;
    if ( cirg == INV_NONE )
    {
        vs_proto_error("CCMD with reserved granularity 0");
        vs_regs.ccmd.value = val & ~VTD_CCMD_ICC;
        return;
    }
    reg_inv_start(&vs_regs.ccmd, &inv, val,
                  (val & ~VTD_CCMD_ICC & ~(3ULL << CCMD_CAIG_SHIFT)) |
                  ((uint64_t)cirg << CCMD_CAIG_SHIFT));
}

void vs_write_iotlb(uint64_t val)
{
    struct inv inv = { .context = false };
    unsigned int iirg = (val & VTD_IOTLB_IIRG_MASK) >> VTD_IOTLB_IIRG_SHIFT;
    unsigned int am = vs_regs.iva & VTD_IVA_AM_MASK;

    if ( !(val & VTD_IOTLB_IVT) )
        return;
    if ( reg_inv_refused(&vs_regs.iotlb, "IOTLB_REG", val) )
        return;
    vs_stats.reg_iotlb++;
    inv.gran = iirg;
    inv.drained = (val & VTD_IOTLB_DR) && (val & VTD_IOTLB_DW);
    inv.did = (val & VTD_IOTLB_DID_MASK) >> VTD_IOTLB_DID_SHIFT;
    if ( iirg == INV_NONE )
    {
        vs_proto_error("IOTLB_REG with reserved granularity 0");
        vs_regs.iotlb.value = val & ~VTD_IOTLB_IVT;
        return;
    }
    if ( iirg == INV_PAGE && (!vs_caps.psi || am > vs_caps.mamv) )
    {
        /* Allowed: the hardware may invalidate more, and says so in IAIG. */
        hh_printk("vtd-sim: PSI am=%u done as DSI (psi=%d mamv=%u)\n",
                  am, vs_caps.psi, vs_caps.mamv);
        vs_stats.coarsened++;
        inv.gran = INV_DOMAIN;
    }
    if ( inv.gran == INV_PAGE )
    {
        inv.r = psi_block(vs_regs.iva, am);
        inv.ih = vs_regs.iva & VTD_IVA_IH;
        /* Legal: the block containing the address is what goes. */
        if ( (vs_regs.iva >> 12) & ((1ULL << am) - 1) )
            hh_printk("vtd-sim: PSI address %#" PRIx64 " not aligned to "
                      "am=%u\n", (uint64_t)(vs_regs.iva & ~0xfffULL), am);
    }
    count_iotlb_gran(inv.gran);
    reg_inv_start(&vs_regs.iotlb, &inv, val,
                  (val & ~VTD_IOTLB_IVT & ~(3ULL << IOTLB_IAIG_SHIFT)) |
                  ((uint64_t)inv.gran << IOTLB_IAIG_SHIFT));
}

/* ---- Queued invalidation ---- */

unsigned int vs_qi_entries(void)
{
    if ( vs_caps.qi_entries )
        return vs_caps.qi_entries;
    return VTD_QI_ENTRIES_PER_PAGE << (vs_regs.iqa & VTD_IQA_QS_MASK);
}

/* Every slot but one taken: IQT may not move until IQH does. */
bool vs_qi_full(void)
{
    return (vs_regs.gsts & GSTS_QIES) &&
           (vs_regs.iqt + 1) % vs_qi_entries() == vs_regs.iqh;
}

static bool qi_read(unsigned int idx, struct vtd_qi_desc *d)
{
    unsigned long mfn = (vs_regs.iqa >> 12) + idx / VTD_QI_ENTRIES_PER_PAGE;

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
        if ( !vs_caps.psi || am > vs_caps.mamv )
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
void vs_qi_submit_slot(unsigned int idx)
{
    struct vtd_qi_desc d;
    struct inv inv;

    if ( idx >= vs_slot_hwm )
        vs_slot_hwm = idx + 1;
    vs_slot_seq[idx] = 0;
    if ( !qi_read(idx, &d) )
        return;
    vs_slot_desc[idx] = d;
    if ( is_inv_desc(&d) && qi_decode(&d, &inv) )
    {
        inv_submit(&inv);
        vs_slot_seq[idx] = inv.sub_seq;
    }
}

void vs_write_iqt(uint64_t val)
{
    unsigned int n = vs_qi_entries(), next = (val & VTD_QI_INDEX_MASK) >>
                                          VTD_QI_INDEX_SHIFT;
    unsigned int queued, added, i;

    if ( next >= n )
    {
        vs_proto_error("IQT %u beyond the %u-entry queue", next, n);
        vs_regs.fsts |= VTD_FSTS_IQE;
        vs_stats.queue_errors++;
        return;
    }
    if ( vs_regs.gsts & GSTS_QIES )
    {
        queued = (vs_regs.iqt + n - vs_regs.iqh) % n;
        added = (next + n - vs_regs.iqt) % n;
        if ( queued + added >= n )
            vs_proto_error("IQT write overruns the queue (%u queued, %u added)",
                        queued, added);
        else if ( queued + added > vs_stats.queue_high )
            vs_stats.queue_high = queued + added;
        for ( i = vs_regs.iqt; i != next; i = (i + 1) % n )
            vs_qi_submit_slot(i);
    }
    vs_regs.iqt = next;
}

static void qrec_push(const struct qrec *q)
{
    if ( vs_nr_qrecs == cap_qrecs )
        vs_qrecs = vs_grow(vs_qrecs, &cap_qrecs, 64, sizeof(*vs_qrecs));
    vs_qrecs[vs_nr_qrecs++] = *q;
}

static void qi_wait_done(const struct qrec *w)
{
    if ( w->sw )
        vs_device_store32(w->addr, w->data);
    if ( w->iflag )
        vs_regs.ics |= VTD_ICS_IWC;
}

/* Complete records [0, n) in order, then drop them. */
static void qrec_complete(unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        if ( vs_qrecs[i].late_wait )
            qi_wait_done(&vs_qrecs[i]);
        else
            inv_complete(&vs_qrecs[i].inv);
    memmove(vs_qrecs, vs_qrecs + n, (vs_nr_qrecs - n) * sizeof(*vs_qrecs));
    vs_nr_qrecs -= n;
}

/* Timed-out waits finish now, with their own (old) status values. */
static void qi_finish_late_waits(void)
{
    unsigned int i, last = 0;

    for ( i = 0; i < vs_nr_qrecs; i++ )
        if ( vs_qrecs[i].late_wait )
            last = i + 1;
    if ( last )
        qrec_complete(last);
}

static void qi_error(const char *why, unsigned int idx)
{
    hh_printk("vtd-sim: queue error at descriptor %u: %s\n", idx, why);
    vs_regs.fsts |= VTD_FSTS_IQE;
    vs_stats.queue_errors++;
}

/* Fetch and execute the descriptor at IQH. */
static void qi_process_one(void)
{
    unsigned int idx = vs_regs.iqh;
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
        vs_stats.qi_wait++;
        q.sw = d.lo & VTD_QI_WAIT_SW;
        q.iflag = d.lo & VTD_QI_WAIT_IF;
        q.data = d.lo >> VTD_QI_WAIT_DATA_SHIFT;
        q.addr = d.hi & ~3ULL;
        if ( fault_hit(FP_QI_WAIT_TIMEOUT) )
        {
            /* Late: this wait and all before it finish with a later fetch. */
            q.late_wait = true;
            vs_stats.late_waits++;
            qrec_push(&q);
        }
        else
        {
            qrec_complete(vs_nr_qrecs);
            qi_wait_done(&q);
        }
    }
    else if ( is_inv_desc(&d) && qi_decode(&d, &inv) )
    {
        if ( inv.context )
            vs_stats.qi_ctx++;
        else
        {
            vs_stats.qi_iotlb++;
            count_iotlb_gran(inv.gran);
        }
        if ( !vs_slot_seq[idx] ||
             memcmp(&vs_slot_desc[idx], &d, sizeof(d)) )
        {
            if ( vs_slot_seq[idx] )
                vs_proto_error("descriptor %u changed after submission", idx);
            inv_submit(&inv);
        }
        else
            inv.sub_seq = vs_slot_seq[idx];
        q.inv = inv;
        qrec_push(&q);
    }
    else
    {
        qi_error("invalid descriptor", idx);
        return;
    }
    vs_regs.iqh = (idx + 1) % vs_qi_entries();
}

void vs_qi_tick(void)
{
    unsigned int delay = vs_caps.completion_delay ? vs_caps.completion_delay
                                                  : 1;

    if ( !(vs_regs.gsts & GSTS_QIES) || (vs_regs.fsts & VTD_FSTS_IQE) ||
         vs_regs.iqh == vs_regs.iqt || vs_qi_stalled )
        return;
    if ( ++vs_regs.qi_ticks < delay )
        return;
    vs_regs.qi_ticks = 0;
    qi_process_one();
}

/* ---- Queries ---- */

bool vtd_sim_busy(void)
{
    return vs_regs.iotlb.pending || vs_regs.ccmd.pending || vs_nr_qrecs ||
           ((vs_regs.gsts & GSTS_QIES) && vs_regs.iqh != vs_regs.iqt);
}

bool vtd_sim_quiescent(void)
{
    return !vs_regs.gcmd_pending &&
           !(vs_regs.iotlb.pending && !vs_regs.iotlb.stuck) &&
           !(vs_regs.ccmd.pending && !vs_regs.ccmd.stuck) &&
           (!(vs_regs.gsts & GSTS_QIES) || (vs_regs.fsts & VTD_FSTS_IQE) ||
            vs_regs.iqh == vs_regs.iqt || vs_qi_stalled);
}

void vtd_sim_stall_queue(bool stall)
{
    vs_qi_stalled = stall;
}
