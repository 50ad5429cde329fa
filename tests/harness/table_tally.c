/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table-page tally (harness/model/oracle.h) on a model set by hand:
 * what it keeps between calls must be what allowed() says of every frame,
 * though a call makes it read only the frames the call names.
 */
#include <stdio.h>
#include <string.h>

#include "oracle.h"
#include "shadow.h"
#include "trace.h"
#include "../lib/check.h"

/* Frames under the first and the second leaf table (512 bfns each). */
#define LOW_FRAME   5
#define HIGH_FRAME  600

static struct shadow sh;
static struct table_tally tally;
static struct frame_set frames;

/* Slot 0 a live domain with an IOMMU, owning both frames writable. */
static void start(void)
{
    struct run_header h;

    run_header_default(&h);
    h.nr_frames = RUN_MAX_FRAMES;
    shadow_reset(&sh, &h);
    sh.dom[0].state = SH_DOM_LIVE;
    sh.dom[0].iommu = true;
    sh.frame[LOW_FRAME].owner = 0;
    sh.frame[LOW_FRAME].type = SH_PGT_WRITABLE;
    sh.frame[HIGH_FRAME].owner = 0;
    sh.frame[HIGH_FRAME].type = SH_PGT_WRITABLE;
    frame_set_init(&frames, h.nr_frames);
    frame_set_add(&frames, LOW_FRAME);
    frame_set_add(&frames, HIGH_FRAME);
    oracle_tally_reset(&tally);
    oracle_tally_frames(&tally, &sh, &frames);
}

static bool allowed_in_tally(unsigned int d, unsigned long bfn)
{
    return (tally.allowed[d][bfn / 64] >> (bfn % 64)) & 1;
}

static void counts_each_leaf(void)
{
    start();
    CHECK(allowed_in_tally(0, LOW_FRAME));
    CHECK(allowed_in_tally(0, HIGH_FRAME));
    CHECK_EQ(tally.in_leaf[0][0], 1);
    CHECK_EQ(tally.in_leaf[0][1], 1);
    CHECK_EQ(tally.in_leaf[1][0], 0);
}

/* Reading the one frame a call named updates its leaf alone. */
static void reads_the_named_frame_only(void)
{
    struct frame_set named;

    start();
    sh.frame[HIGH_FRAME].owner = SH_NOBODY;
    frame_set_init(&named, sh.hdr.nr_frames);
    frame_set_add(&named, HIGH_FRAME);
    oracle_tally_frames(&tally, &sh, &named);
    CHECK(!allowed_in_tally(0, HIGH_FRAME));
    CHECK_EQ(tally.in_leaf[0][1], 0);
    CHECK_EQ(tally.in_leaf[0][0], 1);
}

/*
 * A domain that died since the last count is allowed nothing, though the
 * call that ended it named none of its frames: its slot may be reused.
 */
static void a_dead_domain_keeps_nothing(void)
{
    struct frame_set none;

    start();
    sh.dom[0].state = SH_DOM_DEAD;
    frame_set_init(&none, sh.hdr.nr_frames);
    oracle_tally_frames(&tally, &sh, &none);
    CHECK(!allowed_in_tally(0, LOW_FRAME));
    CHECK(!allowed_in_tally(0, HIGH_FRAME));
    CHECK_EQ(tally.in_leaf[0][0], 0);
    CHECK_EQ(tally.in_leaf[0][1], 0);
}

int main(void)
{
    RUN(counts_each_leaf);
    RUN(reads_the_named_frame_only);
    RUN(a_dead_domain_keeps_nothing);
    return tests_failed ? 1 : 0;
}
