/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d unit's fault recording (vtd_sim.c says where the
 * other parts are): the fault recording registers (FRCD), the fault
 * status (FSTS.PPF, PFO, FRI) and the fault event (FECTL), for the DMA
 * the executor makes (vtd_sim_dma()), and what the driver left undone.
 */
#include <stdio.h>

#include "vtd_sim_internal.h"

/* ---- Fault recording ---- */

/* PPF while a record holds a fault; IP until software dealt with all. */
void vs_faults_settle(void)
{
    bool pending = false;
    unsigned int i;

    for ( i = 0; i < SIM_NFR; i++ )
        pending |= vs_regs.frcd[i][1] & VTD_FRCD_HI_F;
    vs_regs.fsts = pending ? vs_regs.fsts | VTD_FSTS_PPF
                           : vs_regs.fsts & ~VTD_FSTS_PPF;
    if ( !pending && !(vs_regs.fsts & VTD_FSTS_PFO) )
        vs_regs.fectl &= ~VTD_FECTL_IP;
}

/* Only the high quadword is writable: 1 to F clears the record. */
void vs_write_frcd(unsigned int offset, uint64_t val)
{
    unsigned int i = (offset - REG_FRCD) / 16;

    if ( !(offset & 8) )
    {
        vs_proto_error("write to the read-only low half of fault record %u", i);
        return;
    }
    if ( val & VTD_FRCD_HI_F )
        vs_regs.frcd[i][1] &= ~VTD_FRCD_HI_F;
    vs_faults_settle();
}

/* IM masks the fault event; unmasked with one pending, it is raised. */
void vs_write_fectl(uint64_t val)
{
    vs_regs.fectl = (vs_regs.fectl & ~VTD_FECTL_IM) |
                    ((uint32_t)val & VTD_FECTL_IM);
    if ( !(vs_regs.fectl & VTD_FECTL_IM) && (vs_regs.fectl & VTD_FECTL_IP) )
        vs_regs.fault_event = true;
}

/*
 * Record a fault, for reason fr (FR), in the next record, round the set.
 * If that one still holds a fault software has not cleared, the new one
 * is lost (FSTS.PFO).  FSTS.FRI names the first record pending since PPF
 * was last clear: where the driver starts.
 */
static void fault_record(unsigned int dev, unsigned long bfn, bool write,
                         unsigned int fr)
{
    unsigned int i = vs_regs.frcd_next;

    vs_stats.faults++;
    if ( vs_regs.frcd[i][1] & VTD_FRCD_HI_F )
        vs_regs.fsts |= VTD_FSTS_PFO;
    else
    {
        vs_regs.frcd[i][0] = (uint64_t)bfn << 12;
        vs_regs.frcd[i][1] = VTD_FRCD_HI_F | (write ? 0 : VTD_FRCD_HI_READ) |
                       ((uint64_t)fr << VTD_FRCD_HI_FR_SHIFT) |
                       (dev & VTD_FRCD_HI_SID_MASK);
        if ( !(vs_regs.fsts & VTD_FSTS_PPF) )
            vs_regs.fsts = (vs_regs.fsts & ~VTD_FSTS_FRI_MASK) |
                        i << VTD_FSTS_FRI_SHIFT;
        vs_regs.frcd_next = (i + 1) % SIM_NFR;
    }
    vs_faults_settle();
    vs_regs.fectl |= VTD_FECTL_IP;
    if ( !(vs_regs.fectl & VTD_FECTL_IM) )
        vs_regs.fault_event = true;
}

bool vtd_sim_dma(unsigned int dev, unsigned long bfn, bool write)
{
    unsigned int fr;

    if ( dev >= VTD_SIM_DEVICES )
        return false;
    /* The walk that decides the fault says why: no second walk for it. */
    fr = vs_fault_reason(dev, bfn, write ? SIM_W : SIM_R);
    if ( !fr )
        return false;
    fault_record(dev, bfn, write, fr);
    return true;
}

bool vtd_sim_fault_event(void)
{
    bool raised = vs_regs.fault_event;

    vs_regs.fault_event = false;
    return raised;
}

bool vtd_sim_faults_left(char *why, size_t len)
{
    unsigned int i;

    if ( vs_regs.fsts & VTD_FSTS_PFO )
    {
        snprintf(why, len, "a fault record was lost (FSTS.PFO): the "
                 "driver left the records full");
        return true;
    }
    for ( i = 0; i < SIM_NFR; i++ )
        if ( vs_regs.frcd[i][1] & VTD_FRCD_HI_F )
        {
            snprintf(why, len, "fault record %u (dev %llu, bfn %#llx) left "
                     "uncleared after the fault event", i,
                     (unsigned long long)(vs_regs.frcd[i][1] &
                                          VTD_FRCD_HI_SID_MASK),
                     (unsigned long long)(vs_regs.frcd[i][0] >> 12));
            return true;
        }
    return false;
}
