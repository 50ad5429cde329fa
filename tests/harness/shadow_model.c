/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model on its own, without the core: what it predicts and what
 * it allows, rule by rule (DESIGN.md sections 4, 5 and 7).  The scenario
 * tests then hold the core to the same predictions.
 */
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <public/grant_table.h>

#include "shadow.h"
#include "trace.h"
#include "../lib/check.h"

static struct shadow sh;
static struct sh_result res;

static void start(bool ro)
{
    struct run_header h;

    run_header_default(&h);
    h.iommu_readonly = ro;
    shadow_reset(&sh, &h);
}

/* Apply one op written as a trace line; its predicted status. */
static int op(const char *line)
{
    static struct trace t;
    char err[256];

    if ( !t.ops )
        trace_init(&t);
    if ( !trace_parse(line, strlen(line), "op", &t, err, sizeof(err)) ||
         t.nr_ops != 1 )
    {
        printf("# bad op line: %s\n", err);
        CHECK(!"op line parses");
        return 1;
    }
    shadow_apply(&sh, &t.ops[0], &res);
    return res.status;
}

/* d1 grants frame 5 (ref 0, writable) and 6 (ref 1, read-only) to d2. */
static void two_domains(void)
{
    CHECK_EQ(op("create d=1 iommu=1"), 0);
    CHECK_EQ(op("create d=2 iommu=1"), 0);
    CHECK_EQ(op("assign dev=0 d=2"), 0);
    CHECK_EQ(op("populate d=1 mfn=5"), 0);
    CHECK_EQ(op("populate d=1 mfn=6"), 0);
    CHECK_EQ(op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=6"), 0);
}

static void handles_lowest_free_first_in_chunks(void)
{
    unsigned int i;

    start(true);
    two_domains();
    for ( i = 0; i < 33; i++ )
    {
        CHECK_EQ(op("map ld=2 rd=1 ref=1 flags=host,ro"), GNTST_okay);
        CHECK_EQ(res.handle, i);
    }
    CHECK_EQ(sh.dom[2].chunks, 2);
    CHECK_EQ(op("unmap ld=2 handle=3 parts=host"), GNTST_okay);
    CHECK_EQ(op("map ld=2 rd=1 ref=1 flags=device,ro"), GNTST_okay);
    CHECK_EQ(res.handle, 3);
    CHECK_EQ(op("unmap ld=2 handle=40 parts=host"), GNTST_bad_handle);
    CHECK_EQ(op("unmap ld=2 handle=70 parts=host"), GNTST_bad_handle);
}

static void unmapped_grant_allowed_until_hypercall_end(void)
{
    start(true);
    two_domains();
    CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=device"), GNTST_okay);
    CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_RW);
    op("begin");
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
    CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_NONE);
    CHECK_EQ(shadow_allowed_now(&sh, 2, 5), SH_RW);
    /* The release holds its pin and reference: still GTF_writing. */
    CHECK(sh.dom[1].shared[0].flags & GTF_writing);
    CHECK_EQ(sh.frame[5].refs, 2);
    CHECK_EQ(sh.nr_releases, 1);
    op("end");
    CHECK(res.hypercall);
    CHECK_EQ(shadow_allowed_now(&sh, 2, 5), SH_NONE);
    CHECK(!(sh.dom[1].shared[0].flags & (GTF_reading | GTF_writing)));
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(res.nr_cleared, 1);
}

static void demotion_keeps_read_access_if_configured(void)
{
    bool ro;

    for ( ro = false; ; ro = true )
    {
        start(ro);
        two_domains();
        CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=host,device"), GNTST_okay);
        CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=device,ro"), GNTST_okay);
        CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_RW);
        /* Host part first: the handle still counts (XSA-224/394). */
        CHECK_EQ(op("unmap ld=2 handle=0 parts=host"), GNTST_okay);
        CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_RW);
        CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
        CHECK_EQ(shadow_allowed(&sh, 2, 5), ro ? SH_R : SH_NONE);
        CHECK_EQ(sh.count_ro[2][5], 1);
        CHECK_EQ(sh.count_rw[2][5], 0);
        if ( ro )
            break;
    }
}

static void own_frames_follow_their_type(void)
{
    start(true);
    two_domains();
    op("assign dev=1 d=1");
    CHECK_EQ(shadow_allowed(&sh, 1, 5), SH_RW);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l1"), 0);
    CHECK_EQ(res.nr_retyped, 1);
    CHECK_EQ(shadow_allowed(&sh, 1, 5), SH_NONE);
    CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=host"), GNTST_general_error);
    CHECK_EQ(op("put_type d=1 mfn=5"), 0);
    /* Count 0, still an L1: not writable until something makes it so. */
    CHECK_EQ(shadow_allowed(&sh, 1, 5), SH_NONE);
    CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=host"), GNTST_okay);
    CHECK_EQ(sh.frame[5].type, GTIO_PGT_WRITABLE);
    CHECK_EQ(shadow_allowed(&sh, 1, 5), SH_RW);
    CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_RW);
}

static void destroy_keeps_frames_others_map(void)
{
    start(true);
    two_domains();
    CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=device"), GNTST_okay);
    CHECK_EQ(op("destroy d=1"), 0);
    CHECK_EQ(sh.dom[1].state, SH_DOM_DYING);
    CHECK_EQ(sh.frame[5].owner, 1);
    CHECK_EQ(sh.frame[6].owner, SH_NOBODY);
    CHECK_EQ(res.nr_freed, 1);
    CHECK_EQ(shadow_allowed(&sh, 2, 5), SH_RW);
    CHECK_EQ(op("create d=1 iommu=0"), -EBUSY);
    CHECK_EQ(op("map ld=2 rd=1 ref=1 flags=host,ro"), GNTST_bad_domain);
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
    CHECK_EQ(sh.frame[5].owner, SH_NOBODY);
    CHECK_EQ(sh.dom[1].state, SH_DOM_NONE);
    CHECK_EQ(op("create d=1 iommu=0"), 0);
}

static void statuses_of_bad_input(void)
{
    start(true);
    two_domains();
    CHECK_EQ(op("create d=4 iommu=0"), -EINVAL);
    CHECK_EQ(op("create d=1 iommu=0"), -EEXIST);
    CHECK_EQ(op("populate d=2 mfn=5"), -EBUSY);
    CHECK_EQ(op("populate d=2 mfn=64"), -EINVAL);
    CHECK_EQ(op("assign dev=0 d=1"), -EBUSY);
    CHECK_EQ(op("create d=3 iommu=0"), 0);
    CHECK_EQ(op("assign dev=1 d=3"), -EPERM);
    CHECK_EQ(op("map ld=2 rd=1 ref=0 flags=ro"), GNTST_bad_gntref);
    CHECK_EQ(op("map ld=2 rd=1 ref=16 flags=host"), GNTST_bad_gntref);
    CHECK_EQ(op("map ld=2 rd=4 ref=0 flags=host"), GNTST_bad_domain);
    CHECK_EQ(op("map ld=4 rd=1 ref=0 flags=host"), GNTST_general_error);
    CHECK_EQ(op("map ld=2 rd=1 ref=1 flags=host"), GNTST_general_error);
    CHECK_EQ(op("map ld=3 rd=1 ref=0 flags=host"), GNTST_general_error);
    CHECK_EQ(op("grant_write d=1 ref=2 flags=permit grantee=2 frame=9"), 0);
    CHECK_EQ(op("map ld=2 rd=1 ref=2 flags=host"), GNTST_bad_page);
    CHECK_EQ(op("unmap ld=2 handle=0 parts=host"), GNTST_bad_handle);
    /* Nothing of all that left a trace. */
    CHECK_EQ(sh.dom[2].handles_used, 0);
    CHECK_EQ(sh.dom[2].chunks, 0);
    CHECK_EQ(sh.dom[1].shared[2].flags, GTF_permit_access);
    CHECK_EQ(sh.frame[5].refs, 1);
}

static void nested_begin_and_stray_end_are_ignored(void)
{
    start(true);
    op("end");
    CHECK(res.ignored);
    op("begin");
    CHECK(!res.ignored);
    op("begin");
    CHECK(res.ignored);
    op("end");
    CHECK(!res.ignored && res.hypercall);
    CHECK(!sh.in_hypercall);
}

int main(void)
{
    RUN(handles_lowest_free_first_in_chunks);
    RUN(unmapped_grant_allowed_until_hypercall_end);
    RUN(demotion_keeps_read_access_if_configured);
    RUN(own_frames_follow_their_type);
    RUN(destroy_keeps_frames_others_map);
    RUN(statuses_of_bad_input);
    RUN(nested_begin_and_stray_end_are_ignored);
    return tests_failed ? 1 : 0;
}
