/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model on its own (harness/model/shadow.h): what it predicts and
 * what it allows, rule by rule.  Each test drives shadow_apply() with
 * calls written as trace lines and asserts the statuses, the state and
 * allowed().  The calls are also kept as a trace; where a test ends with
 * xen_agrees(), that trace is run on Xen by the executor, which must find
 * nothing, and each op's status and each map's handle as Xen gave them
 * (the executor's log) must be what the test's model said: so the
 * statuses asserted here are Xen's, not only the model's.  Handle numbers
 * are Xen's choice (a failed map uses one up too); the model is given
 * the ones Xen gives.  Calls with faults (shadow_reapply()) are judged
 * against facts written by the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/types.h>
#include <xen/errno.h>
#include <public/xen.h>
#include <public/grant_table.h>

#include "exec.h"
#include "shadow.h"
#include "trace.h"
#include "../lib/check.h"

#define MAX_OPS     64

static struct shadow sh;
static struct sh_call call;
static struct op call_ops[MAX_OPS];
static struct sh_facts facts;
/* Every call applied since start(), for xen_agrees(). */
static struct trace script;
static bool applied;            /* what the last shadow_apply() returned */
static char why[240];

static void start(bool ro)
{
    struct run_header h;

    run_header_default(&h);
    h.iommu_readonly = ro;
    shadow_reset(&sh, &h);
    if ( !script.ops )
        trace_init(&script);
    trace_clear(&script);
    script.hdr = h;
}

/* What the model said of each op of the script, for xen_agrees(). */
#define MAX_SCRIPT  1024

static struct expectation {
    bool set;
    int status;
    bool handle_given;          /* a map that succeeded: its handle */
    uint32_t handle;
} expect[MAX_SCRIPT];

static void script_push(unsigned int kind, const struct op *op,
                        unsigned int i)
{
    struct op marker;
    struct expectation *e = &expect[script.nr_ops % MAX_SCRIPT];

    CHECK(script.nr_ops < MAX_SCRIPT);
    memset(e, 0, sizeof(*e));
    if ( !op )
    {
        memset(&marker, 0, sizeof(marker));
        marker.kind = kind;
        op = &marker;
    }
    else
    {
        e->set = true;
        e->status = call.res[i].status;
        e->handle_given = op->kind == OP_MAP && call.res[i].done;
        e->handle = call.handle[i];
    }
    CHECK(trace_push(&script, op));
}

/* The ops of 'text' (trace lines) as one call, not applied yet. */
static void load_call(const char *text, const uint32_t *handles)
{
    static struct trace t;
    char err[256];
    unsigned int i;

    if ( !t.ops )
        trace_init(&t);
    call.ops = call_ops;
    call.nr = 0;
    if ( !trace_parse(text, strlen(text), "call", &t, err, sizeof(err)) ||
         !t.nr_ops || t.nr_ops > MAX_OPS )
    {
        printf("# bad call: %s\n", err);
        CHECK(!"call lines parse");
        return;
    }
    memcpy(call_ops, t.ops, t.nr_ops * sizeof(call_ops[0]));
    call.nr = t.nr_ops;
    for ( i = 0; i < call.nr; i++ )
        call.handle[i] = handles ? handles[i] : call_ops[i].handle;
}

/* Apply them; record them for xen_agrees(); the call's rc. */
static long apply_call(const char *text, const uint32_t *handles, bool record)
{
    unsigned int i;

    load_call(text, handles);
    if ( !call.nr )
        return 1;
    why[0] = '\0';
    applied = shadow_apply(&sh, &call, why, sizeof(why));
    if ( record )
    {
        if ( call.nr > 1 )
            script_push(OP_BEGIN, NULL, 0);
        for ( i = 0; i < call.nr; i++ )
            script_push(0, &call_ops[i], i);
        if ( call.nr > 1 )
            script_push(OP_END, NULL, 0);
    }
    return call.rc;
}

/* One op (not a map); its predicted status. */
static int op(const char *line)
{
    apply_call(line, NULL, true);
    CHECK(applied);
    return call.res[0].status;
}

/* One map, given the handle Xen returns for it. */
static int map(const char *line, uint32_t handle)
{
    apply_call(line, &handle, true);
    CHECK(applied);
    return call.res[0].status;
}

/*
 * The script, run on Xen with every check: no finding, and each op's
 * status (and each map's handle) as Xen gave them (the executor's log)
 * is what this test's model said.
 */
static void xen_agrees(void)
{
    struct exec_opts opts = { 0 };
    struct exec_result res;
    char *log = NULL, *line, *save = NULL;
    size_t len = 0, idx = 0, compared = 0, expected = 0, i;
    bool have_op = false;
    unsigned int told = 0;

    opts.log = open_memstream(&log, &len);
    exec_run(&script, &opts, &res);
    fclose(opts.log);
    if ( res.finding )
        printf("# on Xen: %s at op %zu: %s\n", res.f.check, res.f.op,
               res.f.detail);
    CHECK(!res.finding);
    CHECK(!res.fail_stop);
    CHECK_EQ(res.ops_run, script.nr_ops);

    for ( line = strtok_r(log, "\n", &save); line;
          line = strtok_r(NULL, "\n", &save) )
    {
        const char *arrow = strstr(line, "  -> ");
        unsigned int handle;

        if ( sscanf(line, "[%zu]", &idx) == 1 )
        {
            have_op = arrow && idx < script.nr_ops && expect[idx].set;
            if ( !have_op )
                continue;
            compared++;
            if ( strcmp(arrow + 5, exec_status_name(script.ops[idx].kind,
                                                    expect[idx].status)) )
            {
                if ( told++ < 3 )
                    printf("# op %zu: Xen %s, model %s\n", idx, line,
                           exec_status_name(script.ops[idx].kind,
                                            expect[idx].status));
                CHECK(!"Xen's status is the model's");
            }
        }
        else if ( have_op &&
                  sscanf(line, "    handle %u, bus", &handle) == 1 )
        {
            if ( !expect[idx].handle_given || handle != expect[idx].handle )
            {
                if ( told++ < 3 )
                    printf("# op %zu: Xen gave handle %u, the model %u\n",
                           idx, handle, expect[idx].handle);
                CHECK(!"Xen's handle is the model's");
            }
            expect[idx].handle_given = false;
        }
    }
    for ( i = 0; i < script.nr_ops; i++ )
    {
        expected += expect[i].set;
        if ( expect[i].handle_given )
        {
            if ( told++ < 3 )
                printf("# op %zu: Xen gave no handle, the model %u\n", i,
                       expect[i].handle);
            CHECK(!"Xen gave the handle");
        }
    }
    CHECK_EQ(compared, expected);
    free(log);
}

static struct sh_domain *dom(unsigned int domid)
{
    unsigned int d = shadow_slot(&sh, domid);

    CHECK(d != SH_NOBODY);
    return &sh.dom[d < SH_DOMAINS ? d : 0];
}

static unsigned int slot(unsigned int domid)
{
    return shadow_slot(&sh, domid);
}

static enum sh_access allowed(unsigned int domid, unsigned long bfn)
{
    return shadow_allowed(&sh, slot(domid), bfn);
}

/*
 * Facts that agree with the model's state before the call, a flush fault
 * seen: each test then says what Xen did differently.
 */
static void facts_from_model(long rc)
{
    unsigned int d, i;
    unsigned long mfn;

    memset(&facts, 0, sizeof(facts));
    facts.rc = rc;
    facts.flush_fault = true;
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh.dom[d];

        facts.exists[d] = sd->state != SH_DOM_NONE;
        facts.crashed[d] = sd->crashed;
        facts.held[d] = sd->state == SH_DOM_DYING;
        facts.has_root[d] = sd->has_root;
        facts.nr_mframes[d] = sd->nr_mframes;
    }
    for ( i = 0; i < SH_DEVICES; i++ )
        facts.dev_owner[i] = sh.dev[i].owner;
    for ( mfn = 0; mfn < sh.hdr.nr_frames; mfn++ )
    {
        facts.frame_held[mfn] = sh.frame[mfn].held;
        facts.frame_type[mfn] = sh.frame[mfn].type;
    }
}

/* d1 grants frame 5 to d2 (ref 0); d2 has room for one maptrack frame. */
static void d1_grants_to_d2(void)
{
    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
}

/* ---- statuses ---- */

/*
 * d1 grants to d2 (and d3) entries each of which fails one check of
 * map_grant_ref(); d3 has no maptrack.  Several checks fail at once in
 * the first maps: the status is the first in Xen's order.
 */
static void map_statuses_in_xens_order(void)
{
    start(true);
    CHECK_EQ(op("create d=1 iommu=1 gframes=2 mframes=1"), 0);
    CHECK_EQ(op("create d=2 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(op("create d=3 iommu=1 gframes=1 mframes=0"), 0);
    CHECK_EQ(op("populate d=1 mfn=5"), 0);
    CHECK_EQ(op("populate d=1 mfn=6"), 0);
    CHECK_EQ(op("populate d=2 mfn=7"), 0);
    CHECK_EQ(op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=6"),
             0);
    CHECK_EQ(op("grant_write d=1 ref=2 flags=permit grantee=3 frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=3 flags=permit grantee=2 frame=9"), 0);
    CHECK_EQ(op("grant_write d=1 ref=4 flags=transfer grantee=2 frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=5 flags=permit,subpage grantee=2 "
                "frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=6 flags=transitive grantee=2 frame=5"),
             0);
    CHECK_EQ(op("grant_write d=1 ref=7 flags=permit grantee=2 frame=7"), 0);
    CHECK_EQ(op("grant_write d=1 ref=8 flags=0 grantee=2 frame=5"), 0);
    CHECK_EQ(op("grant_write d=1 ref=9 flags=permit,ro grantee=2 frame=9"),
             0);
    /* Only one grant frame so far: ref 512 is not there to write. */
    CHECK_EQ(op("grant_write d=1 ref=512 flags=permit grantee=2 frame=5"),
             -EINVAL);

    /* Neither host nor device: first, whatever else is wrong. */
    CHECK_EQ(map("map ld=3 rd=4 ref=4294967295 flags=ro", 0),
             GNTST_bad_gntref);
    /* No such granter: before the maptrack and the ref. */
    CHECK_EQ(map("map ld=3 rd=4 ref=4294967295 flags=host", 0),
             GNTST_bad_domain);
    CHECK_EQ(map("map ld=2 rd=self ref=0 flags=host", 0), GNTST_bad_domain);
    /* No maptrack frame may come: before the ref. */
    CHECK_EQ(map("map ld=3 rd=1 ref=4294967295 flags=host", 0),
             GNTST_no_space);
    /* Past the table's frames (not its limit). */
    CHECK_EQ(map("map ld=2 rd=1 ref=512 flags=host", 0), GNTST_bad_gntref);
    CHECK_EQ(map("map ld=2 rd=1 ref=4294967295 flags=device", 0),
             GNTST_bad_gntref);
    /* In the table, but no permission for d2 (before any frame check). */
    CHECK_EQ(map("map ld=2 rd=1 ref=511 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=8 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=2 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=4 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=5 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=6 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=9 flags=device", 0),
             GNTST_general_error);
    /* Permitted, but not a frame of the granter's. */
    CHECK_EQ(map("map ld=2 rd=1 ref=9 flags=host,ro", 0), GNTST_bad_page);
    CHECK_EQ(map("map ld=2 rd=1 ref=3 flags=host", 0), GNTST_bad_page);
    CHECK_EQ(map("map ld=2 rd=1 ref=7 flags=device", 0), GNTST_bad_page);
    /* A mapping domain that does not exist does not run. */
    CHECK_EQ(map("map ld=4 rd=1 ref=0 flags=host", 0), SH_NOT_RUN);
    CHECK_EQ(call.rc, -ESRCH);
    CHECK(!call.res[0].done);

    /* None of it left a trace but d2's maptrack frame. */
    CHECK_EQ(dom(2)->live_handles, 0);
    CHECK_EQ(dom(2)->nr_mframes, 1);
    CHECK_EQ(dom(3)->nr_mframes, 0);
    CHECK_EQ(dom(1)->nr_gframes, 1);
    CHECK_EQ(dom(1)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(dom(1)->shared[9].flags, GTF_permit_access | GTF_readonly);
    CHECK(!shadow_pins_any(&dom(1)->active[0].pin));
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.frame[5].type_count, 0);
    CHECK_EQ(allowed(2, 5), SH_NONE);
    xen_agrees();
}

/*
 * The model's map and unmap results: handles, frames, the parts an unmap
 * names; frame 0's device part has the bus address "none".
 */
static void unmap_statuses_and_parts(void)
{
    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=2");
    op("populate d=1 mfn=0");
    op("populate d=1 mfn=5");
    op("populate d=1 mfn=6");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    op("grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=6");
    op("grant_write d=1 ref=2 flags=permit grantee=2 frame=0");
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=host,device,ro", 0), GNTST_okay);
    CHECK(call.res[0].done);
    CHECK_EQ(call.res[0].mfn, 6);
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=device", 1), GNTST_okay);
    CHECK_EQ(call.res[0].mfn, 5);
    CHECK_EQ(map("map ld=2 rd=1 ref=2 flags=host,device", 2), GNTST_okay);
    CHECK_EQ(call.res[0].mfn, 0);
    CHECK_EQ(dom(2)->live_handles, 3);
    CHECK_EQ(dom(2)->handle[2].flags, GNTMAP_host_map | GNTMAP_device_map);
    CHECK_EQ(dom(2)->handle[0].flags,
             GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);

    /* A wrong bus address for a device part that is there. */
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device,wrongbus"),
             GNTST_bad_dev_addr);
    CHECK(!call.res[0].done);
    /* Parts the handle does not have: nothing to do, fine. */
    CHECK_EQ(op("unmap ld=2 handle=1 parts=host"), GNTST_okay);
    CHECK(!call.res[0].done);
    CHECK_EQ(op("unmap ld=2 handle=1 parts=host,wrongbus"), GNTST_okay);
    CHECK_EQ(dom(2)->handle[1].flags, GNTMAP_device_map);
    /* Frame 0's device part: its bus address 0 names none. */
    CHECK_EQ(op("unmap ld=2 handle=2 parts=device"), GNTST_okay);
    CHECK(!call.res[0].done);
    CHECK_EQ(dom(2)->handle[2].flags, GNTMAP_host_map | GNTMAP_device_map);
    CHECK_EQ(op("unmap ld=2 handle=2 parts=device,wrongbus"),
             GNTST_bad_dev_addr);
    CHECK_EQ(op("unmap ld=2 handle=2 parts=host"), GNTST_okay);
    CHECK(call.res[0].done);
    CHECK_EQ(call.res[0].mfn, 0);
    CHECK_EQ(dom(2)->handle[2].flags, GNTMAP_device_map);
    CHECK_EQ(dom(1)->active[2].pin.host_rw, 0);
    CHECK_EQ(dom(1)->active[2].pin.dev_rw, 1);
    CHECK_EQ(op("unmap ld=2 handle=2 parts=host"), GNTST_okay);
    CHECK(!call.res[0].done);
    /* Handles never given, or past the maptrack. */
    CHECK_EQ(op("unmap ld=2 handle=3 parts=host"), GNTST_bad_handle);
    CHECK_EQ(op("unmap ld=2 handle=256 parts=host"), GNTST_bad_handle);
    CHECK_EQ(op("unmap ld=1 handle=0 parts=host"), GNTST_bad_handle);
    /* Host, then device: the second one ends the handle. */
    CHECK_EQ(op("unmap ld=2 handle=0 parts=host"), GNTST_okay);
    CHECK_EQ(dom(2)->live_handles, 3);
    CHECK(dom(1)->shared[1].flags & GTF_reading);
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
    CHECK_EQ(call.res[0].mfn, 6);
    CHECK_EQ(dom(2)->live_handles, 2);
    CHECK_EQ(dom(2)->handle[0].flags, 0);
    CHECK(!(dom(1)->shared[1].flags & GTF_reading));
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_bad_handle);
    CHECK_EQ(op("unmap ld=2 handle=1 parts=device"), GNTST_okay);
    CHECK_EQ(dom(1)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.frame[5].type_count, 0);
    /* An unmap by a domain that does not run. */
    CHECK_EQ(op("unmap ld=4 handle=0 parts=host"), SH_NOT_RUN);
    CHECK_EQ(call.rc, -ESRCH);
    xen_agrees();
}

static void other_ops_statuses(void)
{
    start(true);
    CHECK_EQ(op("create d=1 iommu=1 gframes=1 mframes=0"), 0);
    CHECK_EQ(op("create d=2 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(op("create d=3 iommu=0 gframes=1 mframes=1"), 0);
    CHECK_EQ(op("create d=1 iommu=0 gframes=1 mframes=1"), -EEXIST);
    CHECK_EQ(op("create d=4 iommu=0 gframes=0 mframes=1"), -EINVAL);
    CHECK_EQ(op("create d=4 iommu=0 gframes=7 mframes=4"), 0);
    CHECK_EQ(dom(4)->max_gframes, 7);
    CHECK_EQ(dom(4)->max_mframes, 4);
    CHECK_EQ(dom(4)->nr_gframes, 1);
    CHECK_EQ(dom(4)->nr_mframes, 0);
    CHECK_EQ(op("assign dev=0 d=3"), -EPERM);
    CHECK_EQ(op("assign dev=4 d=2"), -EINVAL);
    CHECK_EQ(op("assign dev=0 d=5"), -EINVAL);
    CHECK_EQ(op("assign dev=0 d=2"), 0);
    CHECK_EQ(sh.dev[0].owner, slot(2));
    CHECK_EQ(op("assign dev=0 d=1"), -EBUSY);
    CHECK_EQ(op("deassign dev=1"), -EINVAL);
    CHECK_EQ(op("populate d=1 mfn=5"), 0);
    CHECK_EQ(op("populate d=2 mfn=5"), -EBUSY);
    CHECK_EQ(op("populate d=2 mfn=64"), -EINVAL);
    CHECK_EQ(op("populate d=5 mfn=8"), -ESRCH);
    CHECK_EQ(op("remove d=2 mfn=5"), -ENXIO);
    CHECK_EQ(op("get_type d=1 mfn=5 type=none"), -EINVAL);
    CHECK_EQ(op("get_type d=1 mfn=5 type=shared"), -EINVAL);
    CHECK_EQ(op("get_type d=2 mfn=5 type=l1"), -EINVAL);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l1"), 0);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l1"), -EINVAL);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l2"), -EINVAL);
    CHECK_EQ(op("put_type d=1 mfn=5"), 0);
    CHECK_EQ(op("put_type d=1 mfn=5"), -EINVAL);
    CHECK_EQ(op("get_type d=1 mfn=5 type=writable"), 0);
    CHECK_EQ(op("get_type d=1 mfn=5 type=seg_desc"), -EINVAL);
    CHECK_EQ(op("put_type d=2 mfn=5"), -EINVAL);
    CHECK_EQ(op("deassign dev=0"), 0);
    CHECK_EQ(sh.dev[0].owner, SH_NOBODY);
    CHECK_EQ(op("destroy d=5"), -ESRCH);
    xen_agrees();
}

/*
 * Table ops: one's own table or, for the hardware domain, anyone's; the
 * table grows to at most gframes frames, and refs of a new frame can be
 * written and mapped.
 */
static void table_ops_statuses_and_growth(void)
{
    start(true);
    CHECK_EQ(op("create d=0 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(op("create d=1 iommu=1 gframes=3 mframes=0"), 0);
    CHECK_EQ(op("create d=2 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(op("populate d=1 mfn=5"), 0);
    CHECK_EQ(op("query_size d=1 dom=self"), GNTST_okay);
    CHECK_EQ(call.res[0].query_frames, 1);
    CHECK_EQ(call.res[0].query_max, 3);
    CHECK_EQ(op("query_size d=2 dom=1"), GNTST_permission_denied);
    CHECK_EQ(op("setup_table d=2 dom=1 frames=1"), GNTST_permission_denied);
    CHECK_EQ(op("query_size d=2 dom=4"), GNTST_bad_domain);
    CHECK_EQ(op("setup_table d=2 dom=4 frames=1"), GNTST_bad_domain);
    CHECK_EQ(op("setup_table d=2 dom=self frames=2"), GNTST_general_error);
    CHECK_EQ(op("setup_table d=5 dom=self frames=1"), -ESRCH);
    CHECK_EQ(op("grant_write d=1 ref=1023 flags=permit grantee=2 frame=5"),
             -EINVAL);
    CHECK_EQ(op("setup_table d=1 dom=self frames=0"), GNTST_okay);
    CHECK_EQ(dom(1)->nr_gframes, 1);
    CHECK_EQ(op("setup_table d=0 dom=1 frames=2"), GNTST_okay);
    CHECK_EQ(dom(1)->nr_gframes, 2);
    CHECK_EQ(op("query_size d=0 dom=1"), GNTST_okay);
    CHECK_EQ(call.res[0].query_frames, 2);
    CHECK_EQ(call.res[0].query_max, 3);
    /* Setting up fewer frames than there are shrinks nothing. */
    CHECK_EQ(op("setup_table d=1 dom=self frames=1"), GNTST_okay);
    CHECK_EQ(dom(1)->nr_gframes, 2);
    CHECK_EQ(op("setup_table d=1 dom=self frames=4"), GNTST_general_error);
    CHECK_EQ(op("grant_write d=1 ref=1023 flags=permit grantee=2 frame=5"),
             0);
    CHECK_EQ(op("grant_write d=1 ref=1024 flags=permit grantee=2 frame=5"),
             -EINVAL);
    CHECK_EQ(map("map ld=2 rd=1 ref=1023 flags=device", 0), GNTST_okay);
    CHECK_EQ(map("map ld=2 rd=1 ref=1024 flags=device", 1), GNTST_bad_gntref);
    CHECK_EQ(op("setup_table d=1 dom=self frames=3"), GNTST_okay);
    CHECK_EQ(map("map ld=2 rd=1 ref=1024 flags=device", 1),
             GNTST_general_error);
    xen_agrees();
}

/* ---- allowed() ---- */

/*
 * A foreign frame is allowed RW while a writable handle of it lives, R
 * while only read-only ones do (if read-only IOMMU mappings are on),
 * whether the handle's part is host or device; a domain without an IOMMU
 * is allowed nothing.
 */
static void allowed_follows_maps_and_unmaps(void)
{
    bool ro;

    for ( ro = false; ; ro = true )
    {
        enum sh_access r = ro ? SH_R : SH_NONE;

        start(ro);
        op("create d=1 iommu=1 gframes=1 mframes=0");
        op("create d=2 iommu=1 gframes=1 mframes=1");
        op("create d=3 iommu=0 gframes=1 mframes=1");
        op("assign dev=0 d=2");
        op("populate d=1 mfn=5");
        op("populate d=1 mfn=6");
        op("populate d=3 mfn=9");
        op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
        op("grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=6");
        op("grant_write d=1 ref=2 flags=permit grantee=3 frame=5");
        CHECK_EQ(allowed(1, 5), SH_RW);
        CHECK_EQ(allowed(2, 5), SH_NONE);
        CHECK_EQ(allowed(3, 9), SH_NONE);

        CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=device,ro", 0), GNTST_okay);
        CHECK_EQ(allowed(2, 6), r);
        CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 1), GNTST_okay);
        CHECK_EQ(allowed(2, 5), SH_RW);
        CHECK_EQ(sh.count_rw[slot(2)][5], 1);
        CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=device,ro", 2), GNTST_okay);
        CHECK_EQ(sh.count_ro[slot(2)][5], 1);
        CHECK_EQ(allowed(2, 5), SH_RW);
        /* The writable handle goes: what is left is read-only. */
        CHECK_EQ(op("unmap ld=2 handle=1 parts=host"), GNTST_okay);
        CHECK_EQ(sh.count_rw[slot(2)][5], 0);
        CHECK_EQ(allowed(2, 5), r);
        CHECK_EQ(op("unmap ld=2 handle=2 parts=device"), GNTST_okay);
        CHECK_EQ(allowed(2, 5), SH_NONE);
        CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
        CHECK_EQ(allowed(2, 6), SH_NONE);
        /* d3 maps without an IOMMU: nothing is counted for it. */
        CHECK_EQ(map("map ld=3 rd=1 ref=2 flags=device", 0), GNTST_okay);
        CHECK_EQ(allowed(3, 5), SH_NONE);
        CHECK_EQ(sh.count_rw[slot(3)][5], 0);
        /* The owner's own writable frame stayed RW all along. */
        CHECK_EQ(allowed(1, 5), SH_RW);
        CHECK_EQ(allowed(1, 6), SH_RW);
        /* No domain, no frame. */
        CHECK_EQ(shadow_allowed(&sh, SH_DOMAINS, 5), SH_NONE);
        CHECK_EQ(allowed(1, 64), SH_NONE);
        xen_agrees();
        if ( ro )
            break;
    }
}

/*
 * An own frame is in the owner's IOMMU while its type is writable:
 * typed as a page table or descriptor it goes, and comes back only when
 * a writable reference makes it writable again.
 */
static void own_frames_follow_their_type(void)
{
    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=1");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    CHECK_EQ(sh.frame[5].type, SH_PGT_WRITABLE);
    CHECK_EQ(sh.frame[5].type_count, 0);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l1"), 0);
    CHECK_EQ(sh.frame[5].type, SH_PGT_L1);
    CHECK(sh.frame[5].pinned);
    CHECK_EQ(allowed(1, 5), SH_NONE);
    /* A writable grant mapping would need the writable type. */
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=device", 0), GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host,ro", 2), GNTST_okay);
    CHECK_EQ(allowed(2, 5), SH_R);
    CHECK_EQ(op("unmap ld=2 handle=2 parts=host"), GNTST_okay);
    CHECK_EQ(op("put_type d=1 mfn=5"), 0);
    /* Type count 0, still an L1: not writable until something makes it. */
    CHECK_EQ(sh.frame[5].type, SH_PGT_L1);
    CHECK(!sh.frame[5].pinned);
    CHECK_EQ(allowed(1, 5), SH_NONE);
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 3), GNTST_okay);
    CHECK_EQ(sh.frame[5].type, SH_PGT_WRITABLE);
    CHECK_EQ(sh.frame[5].type_count, 1);
    CHECK_EQ(allowed(1, 5), SH_RW);
    CHECK_EQ(allowed(2, 5), SH_RW);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l1"), -EINVAL);
    CHECK_EQ(op("unmap ld=2 handle=3 parts=host"), GNTST_okay);
    CHECK_EQ(sh.frame[5].type_count, 0);
    CHECK_EQ(allowed(1, 5), SH_RW);
    /* The guest's own writable references keep it writable. */
    CHECK_EQ(op("get_type d=1 mfn=5 type=writable"), 0);
    CHECK_EQ(sh.frame[5].guest_refs, 1);
    CHECK_EQ(op("get_type d=1 mfn=5 type=l2"), -EINVAL);
    CHECK_EQ(op("put_type d=1 mfn=5"), 0);
    CHECK_EQ(op("get_type d=1 mfn=5 type=seg_desc"), 0);
    CHECK_EQ(allowed(1, 5), SH_NONE);
    CHECK_EQ(sh.frame[5].refs, 2);
    CHECK_EQ(op("put_type d=1 mfn=5"), 0);
    CHECK_EQ(sh.frame[5].refs, 1);
    xen_agrees();
}

/* A domain mapping its own grant: no count, its frame is RW anyway. */
static void self_mapping_counts_nothing(void)
{
    start(false);
    op("create d=1 iommu=1 gframes=1 mframes=1");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit,ro grantee=1 frame=5");
    CHECK_EQ(map("map ld=1 rd=1 ref=0 flags=device,ro", 0), GNTST_okay);
    CHECK_EQ(sh.count_ro[slot(1)][5], 0);
    CHECK_EQ(allowed(1, 5), SH_RW);
    CHECK_EQ(op("unmap ld=1 handle=0 parts=device"), GNTST_okay);
    CHECK_EQ(allowed(1, 5), SH_RW);
    xen_agrees();
}

/* ---- handles ---- */

/* The model takes the handle Xen gave, if it is free and in range. */
static void handles_are_learned_from_the_call(void)
{
    static const uint32_t same_twice[] = { 3, 3 };

    d1_grants_to_d2();
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 7), GNTST_okay);
    CHECK_EQ(dom(2)->handle[7].flags, GNTMAP_host_map);
    CHECK_EQ(dom(2)->handle[7].mfn, 5);
    CHECK_EQ(dom(2)->handle[0].flags, 0);
    CHECK_EQ(dom(2)->live_handles, 1);

    /* A live handle again: refused, nothing applied. */
    apply_call("map ld=2 rd=1 ref=0 flags=device", (const uint32_t[]){ 7 },
               false);
    CHECK(!applied);
    CHECK(!strcmp(why, "map 0 returned handle 7, which is live"));
    CHECK(!call.res[0].done);
    CHECK_EQ(dom(2)->live_handles, 1);
    CHECK_EQ(dom(2)->handle[7].flags, GNTMAP_host_map);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 0);
    CHECK_EQ(dom(1)->active[0].pin.host_rw, 1);
    /* Past the maptrack's one frame. */
    apply_call("map ld=2 rd=1 ref=0 flags=device", (const uint32_t[]){ 256 },
               false);
    CHECK(!applied);
    CHECK(!strcmp(why, "map 0 returned handle 256, past d2's 256 maptrack "
                       "entries"));
    apply_call("map ld=2 rd=1 ref=0 flags=device",
               (const uint32_t[]){ 0xffffffffU }, false);
    CHECK(!applied);
    /* The last entry of the frame is a handle Xen may give. */
    apply_call("map ld=2 rd=1 ref=0 flags=device", (const uint32_t[]){ 255 },
               false);
    CHECK(applied);
    CHECK_EQ(dom(2)->handle[255].flags, GNTMAP_device_map);
    /* Two maps of one call given the same handle: the second is refused. */
    apply_call("map ld=2 rd=1 ref=0 flags=host\n"
               "map ld=2 rd=1 ref=0 flags=host", same_twice, false);
    CHECK(!applied);
    CHECK_EQ(call.res[0].status, GNTST_okay);
    CHECK(call.res[0].done);
    CHECK(strstr(why, "map 1 returned handle 3, which is live"));
    /* A freed handle may come back. */
    CHECK_EQ(op("unmap ld=2 handle=7 parts=host"), GNTST_okay);
    CHECK_EQ(dom(2)->handle[7].flags, 0);
    apply_call("map ld=2 rd=1 ref=0 flags=host,ro", (const uint32_t[]){ 7 },
               false);
    CHECK(applied);
    CHECK_EQ(dom(2)->handle[7].flags, GNTMAP_host_map | GNTMAP_readonly);
    /* A map that fails gives no handle, whatever the call says. */
    apply_call("map ld=2 rd=1 ref=1 flags=host", (const uint32_t[]){ 7 },
               false);
    CHECK(applied);
    CHECK_EQ(call.res[0].status, GNTST_general_error);
}

/*
 * One maptrack frame: 255 handles live at most; then a new frame if the
 * domain may have one.  Pins of one kind stop at 128 (Xen's overflow
 * guard).
 */
static void maptrack_and_pin_limits(void)
{
    char line[80];
    unsigned int i;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("create d=3 iommu=1 gframes=1 mframes=2");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=5");
    op("grant_write d=1 ref=2 flags=permit,ro grantee=3 frame=5");
    op("grant_write d=1 ref=3 flags=permit,ro grantee=3 frame=5");
    for ( i = 0; i < 128; i++ )
        CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=host,ro", i), GNTST_okay);
    CHECK_EQ(dom(1)->active[1].pin.host_ro, 128);
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=host,ro", 200),
             GNTST_general_error);
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=host,device,ro", 200),
             GNTST_general_error);
    /*
     * Xen took handles 128 and 129 for the two failed maps and put them
     * at the tail of the free list: 130 up come first.
     */
    for ( i = 128; i < 255; i++ )
        CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=device,ro",
                     i < 254 ? i + 2 : 128), GNTST_okay);
    CHECK_EQ(dom(2)->live_handles, 255);
    CHECK_EQ(dom(1)->active[1].pin.dev_ro, 127);
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=device,ro", 255), GNTST_no_space);
    CHECK_EQ(dom(2)->nr_mframes, 1);
    CHECK_EQ(sh.count_ro[slot(2)][5], 255);
    CHECK_EQ(sh.frame[5].refs, 1 + 255);

    /*
     * d3 may have a second frame: the 256th map takes it (its first
     * entry; the first frame's last one stays free).
     */
    for ( i = 0; i < 256; i++ )
    {
        snprintf(line, sizeof(line), "map ld=3 rd=1 ref=%u flags=device,ro",
                 i < 128 ? 2 : 3);
        CHECK_EQ(map(line, i < 255 ? i : 256), GNTST_okay);
        CHECK_EQ(dom(3)->nr_mframes, i < 255 ? 1 : 2);
    }
    CHECK_EQ(dom(3)->live_handles, 256);
    CHECK_EQ(dom(3)->handle[255].flags, 0);
    xen_agrees();
}

/* ---- calls of several ops ---- */

static void append_lines(char *buf, size_t len, const char *fmt,
                         unsigned int from, unsigned int to)
{
    size_t pos = strlen(buf);
    unsigned int i;

    for ( i = from; i < to; i++ )
        pos += snprintf(buf + pos, len - pos, fmt, i);
}

/*
 * An unmap call releases in batches of 32, at each batch's end; an op
 * sees what the ops before it in the call did to the handles.
 */
static void unmap_calls_complete_their_batches(void)
{
    static char text[MAX_OPS * 48];
    uint32_t handles[40];
    unsigned int i;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=2");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    text[0] = '\0';
    append_lines(text, sizeof(text), "map ld=2 rd=1 ref=0 flags=device\n",
                 0, 40);
    for ( i = 0; i < 40; i++ )
        handles[i] = i;
    CHECK_EQ(apply_call(text, handles, true), 0);
    CHECK(applied);
    for ( i = 0; i < 40; i++ )
        CHECK_EQ(call.res[i].status, GNTST_okay);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 40);
    CHECK_EQ(sh.frame[5].refs, 41);
    CHECK_EQ(sh.frame[5].type_count, 40);
    CHECK_EQ(sh.count_rw[slot(2)][5], 40);

    text[0] = '\0';
    append_lines(text, sizeof(text),
                 "unmap ld=2 handle=%u parts=device\n", 0, 40);
    CHECK_EQ(apply_call(text, NULL, true), 0);
    for ( i = 0; i < 40; i++ )
        CHECK_EQ(call.res[i].status, GNTST_okay);
    CHECK(!shadow_pins_any(&dom(1)->active[0].pin));
    CHECK_EQ(dom(1)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.count_rw[slot(2)][5], 0);
    CHECK_EQ(allowed(2, 5), SH_NONE);

    /* The same handle twice in one call: gone after the first. */
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host,device", 40), GNTST_okay);
    CHECK_EQ(apply_call("unmap ld=2 handle=40 parts=host\n"
                        "unmap ld=2 handle=40 parts=device\n"
                        "unmap ld=2 handle=40 parts=device\n", NULL, true), 0);
    CHECK_EQ(call.res[0].status, GNTST_okay);
    CHECK_EQ(call.res[1].status, GNTST_okay);
    CHECK_EQ(call.res[2].status, GNTST_bad_handle);
    CHECK(!shadow_pins_any(&dom(1)->active[0].pin));
    CHECK_EQ(sh.frame[5].refs, 1);
    /* A call of a domain that does not run: every op. */
    CHECK_EQ(apply_call("map ld=5 rd=1 ref=0 flags=host\n"
                        "map ld=5 rd=1 ref=0 flags=host\n", handles, true),
             -ESRCH);
    CHECK_EQ(call.res[0].status, SH_NOT_RUN);
    CHECK_EQ(call.res[1].status, SH_NOT_RUN);
    xen_agrees();
}

/* d2 holds n device mappings of d1's frame 5, handles 0..n-1. */
static void mapped_n_times(unsigned int n)
{
    static char text[MAX_OPS * 48];
    uint32_t handles[MAX_OPS];
    unsigned int i;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=2");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    text[0] = '\0';
    append_lines(text, sizeof(text), "map ld=2 rd=1 ref=0 flags=device\n",
                 0, n);
    for ( i = 0; i < n; i++ )
        handles[i] = i;
    CHECK_EQ(apply_call(text, handles, true), 0);
    CHECK_EQ(sh.count_rw[slot(2)][5], n);
}

/* Unmaps of handles 0..n-1 as one call, with Xen's statuses in facts. */
static enum sh_verdict unmaps_as_xen_did(unsigned int n, long rc,
                                         unsigned int ran)
{
    static char text[MAX_OPS * 48];
    unsigned int i;

    text[0] = '\0';
    append_lines(text, sizeof(text), "unmap ld=2 handle=%u parts=device\n",
                 0, n);
    load_call(text, NULL);
    facts_from_model(rc);
    for ( i = 0; i < n; i++ )
        facts.status[i] = i < ran ? GNTST_okay : SH_NOT_RUN;
    why[0] = '\0';
    return shadow_reapply(&sh, &call, &facts, why, sizeof(why));
}

/*
 * The invalidation of an unmap batch failed (a flush fault): its releases
 * leak.  Pins, references and status bits stay for good, the frame may
 * still be reached though no longer allowed, and the mapping domain is
 * held for the pins.
 */
static void failed_batch_leaks_its_releases(void)
{
    unsigned int i;

    mapped_n_times(32);
    CHECK_EQ(unmaps_as_xen_did(32, -EIO, 32), SH_ALLOWED);
    CHECK_EQ(call.rc, -EIO);
    for ( i = 0; i < 32; i++ )
        CHECK_EQ(call.res[i].status, GNTST_okay);
    CHECK_EQ(dom(2)->live_handles, 0);
    CHECK_EQ(sh.count_rw[slot(2)][5], 0);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 32);
    CHECK(dom(1)->shared[0].flags & GTF_writing);
    CHECK_EQ(sh.frame[5].refs, 33);
    CHECK_EQ(sh.frame[5].type_count, 32);
    CHECK_EQ(allowed(2, 5), SH_NONE);
    CHECK_EQ(shadow_may_reach(&sh, slot(2), 5), SH_RW);
    CHECK(dom(2)->held_for_pins);
    CHECK(sh.faulted);
    /* Not for the granter: its own frame is allowed anyway. */
    CHECK_EQ(sh.frame[5].leaked_rw, 1U << slot(2));

    /* The same call without the fault releases everything. */
    mapped_n_times(32);
    CHECK_EQ(unmaps_as_xen_did(32, 0, 32), SH_ALLOWED);
    CHECK_EQ(call.rc, 0);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 0);
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(shadow_may_reach(&sh, slot(2), 5), SH_NONE);
    CHECK(!dom(2)->held_for_pins);
}

/* Batches before the failed one completed; ops after it never ran. */
static void failed_batch_ends_the_call(void)
{
    unsigned int i;

    /* The second batch (ops 32..39) failed. */
    mapped_n_times(40);
    CHECK_EQ(unmaps_as_xen_did(40, -EIO, 40), SH_ALLOWED);
    CHECK_EQ(call.rc, -EIO);
    CHECK_EQ(dom(2)->live_handles, 0);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 8);
    CHECK_EQ(sh.frame[5].refs, 9);
    CHECK(dom(1)->shared[0].flags & GTF_writing);

    /* The first batch failed: ops 32..39 were not run. */
    mapped_n_times(40);
    CHECK_EQ(unmaps_as_xen_did(40, -EIO, 32), SH_ALLOWED);
    CHECK_EQ(call.rc, -EIO);
    for ( i = 0; i < 40; i++ )
        CHECK_EQ(call.res[i].status, i < 32 ? GNTST_okay : SH_NOT_RUN);
    CHECK_EQ(dom(2)->live_handles, 8);
    for ( i = 32; i < 40; i++ )
        CHECK_EQ(dom(2)->handle[i].flags, GNTMAP_device_map);
    CHECK_EQ(dom(1)->active[0].pin.dev_rw, 40);
    CHECK_EQ(sh.count_rw[slot(2)][5], 8);
    CHECK_EQ(allowed(2, 5), SH_RW);

    /* Ops not run in a call that did not fail: no fault explains that. */
    mapped_n_times(40);
    CHECK_EQ(unmaps_as_xen_did(40, 0, 39), SH_BAD_STATUS);
}

/* The call "map ld=2 rd=1 ref=ref flags=host", to which Xen said status. */
static void map_ref_as_xen_did(uint32_t ref, int status)
{
    char text[64];

    snprintf(text, sizeof(text), "map ld=2 rd=1 ref=%u flags=host", ref);
    load_call(text, NULL);
    facts_from_model(0);
    facts.status[0] = status;
}

/* A status no fault explains is a mismatch; one a fault explains is not. */
static void reapply_judges_statuses(void)
{
    d1_grants_to_d2();

    map_ref_as_xen_did(0, GNTST_bad_page);
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_BAD_STATUS);
    CHECK(!strcmp(why, "map (op 0 of the call) returned -9, expected 0 (or "
                       "an error an injected fault allows)"));

    /* The maptrack frame could not be allocated: no space, no handle. */
    d1_grants_to_d2();
    map_ref_as_xen_did(0, GNTST_no_space);
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_ALLOWED);
    CHECK_EQ(call.res[0].status, GNTST_no_space);
    CHECK_EQ(dom(2)->nr_mframes, 0);
    CHECK_EQ(dom(2)->live_handles, 0);
    CHECK_EQ(dom(1)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(sh.frame[5].refs, 1);

    /* More maptrack frames than the model expects: a state violation. */
    map_ref_as_xen_did(0, GNTST_general_error);
    facts.nr_mframes[slot(2)] = 2;
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_BAD_STATE);
    CHECK(!strcmp(why, "d2 has 2 maptrack frames, 1 expected"));

    /*
     * A later failure of the map (here the maptrack_tree's counter) comes
     * after the frame was added: one missing is a state violation too.
     */
    d1_grants_to_d2();
    map_ref_as_xen_did(0, GNTST_general_error);
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_BAD_STATE);
    CHECK(!strcmp(why, "d2 has 0 maptrack frames, 1 expected"));

    /* No space although a handle was free: no fault explains that. */
    d1_grants_to_d2();
    op("grant_write d=1 ref=1 flags=permit grantee=2 frame=5");
    op("map ld=2 rd=1 ref=0 flags=host");
    map_ref_as_xen_did(1, GNTST_no_space);
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_BAD_STATE);
    CHECK(!strcmp(why, "map 0 returned GNTST_no_space, but d2 had a free "
                       "maptrack handle"));
}

/*
 * After a fault the root table is the model's prediction too.  One Xen
 * has and the model does not is allowed only where a table page
 * allocation failed in the call (the root came, a table below it did
 * not); any other difference is a state violation.
 */
static void root_table_is_predicted(void)
{
    static const struct {
        int status;
        bool xen_root, table_failed;
        const char *why;
    } cases[] = {
        { GNTST_general_error, true, false,
          "d2 has an IOMMU root table, the model none" },
        { GNTST_general_error, true, true, NULL },
        { GNTST_general_error, false, true, NULL },
        { GNTST_okay, false, true,
          "d2 has no IOMMU root table, the model has one" },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        d1_grants_to_d2();
        map_ref_as_xen_did(0, cases[i].status);
        facts.nr_mframes[slot(2)] = 1;
        facts.has_root[slot(2)] = cases[i].xen_root;
        facts.table_alloc_failed = cases[i].table_failed;
        CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                 cases[i].why ? SH_BAD_STATE : SH_ALLOWED);
        if ( cases[i].why && strcmp(why, cases[i].why) )
            printf("# case %u: %s\n", i, why);
        CHECK(!cases[i].why || !strcmp(why, cases[i].why));
        if ( !cases[i].why )
            CHECK_EQ(dom(2)->has_root, cases[i].xen_root);
    }
}

/* A fresh world with d1, with or without an IOMMU, owning frame 5. */
static void start_d1_with_frame_5(bool iommu)
{
    start(true);
    op(iommu ? "create d=1 iommu=1 gframes=1 mframes=0"
             : "create d=1 iommu=0 gframes=1 mframes=0");
    op("populate d=1 mfn=5");
}

/*
 * A frame whose last reference goes is leaked only where its removal
 * from its owner's IOMMU may have failed: a writable page of a domain
 * with an IOMMU, in a call where an invalidation failed.
 */
static void leaked_frame_needs_a_failed_removal(void)
{
    static const struct {
        bool iommu, flush_failed;
    } cases[] = {
        { true, true }, { true, false }, { false, true },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        start_d1_with_frame_5(cases[i].iommu);
        load_call("remove d=1 mfn=5", NULL);
        facts_from_model(0);
        facts.frame_held[5] = true;
        facts.flush_fault_in_call = cases[i].flush_failed;
        if ( cases[i].iommu && cases[i].flush_failed )
        {
            CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                     SH_ALLOWED);
            CHECK(sh.frame[5].held);
            continue;
        }
        CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                 SH_BAD_STATE);
        CHECK(!strcmp(why, "frame 5 leaked, though no removal of it from "
                           "its owner's IOMMU could fail"));
    }
}

/* ---- domain lifetime ---- */

/*
 * A destroyed domain whose frame another domain still maps is dead, not
 * gone: its id stays taken, it runs no ops, the mapping stays allowed;
 * the last frame's release ends it.
 */
static void dead_while_frames_remain(void)
{
    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=2");
    op("assign dev=1 d=1");
    op("populate d=1 mfn=5");
    op("populate d=1 mfn=6");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    op("grant_write d=1 ref=1 flags=permit grantee=2 frame=6");
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=device", 0), GNTST_okay);
    CHECK_EQ(dom(1)->nr_pages, 2);
    CHECK_EQ(op("destroy d=1"), 0);
    CHECK_EQ(dom(1)->state, SH_DOM_DEAD);
    CHECK_EQ(dom(1)->nr_pages, 1);
    CHECK_EQ(sh.frame[5].owner, slot(1));
    CHECK(!sh.frame[5].allocated);
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.frame[6].owner, SH_NOBODY);
    CHECK_EQ(sh.dev[1].owner, SH_NOBODY);
    CHECK_EQ(allowed(2, 5), SH_RW);
    CHECK_EQ(allowed(1, 5), SH_NONE);
    /* Its id is taken; it runs nothing; killing it again is done. */
    CHECK_EQ(op("create d=1 iommu=1 gframes=1 mframes=1"), -EEXIST);
    CHECK_EQ(op("populate d=1 mfn=7"), -ESRCH);
    CHECK_EQ(op("grant_write d=1 ref=2 flags=permit grantee=2 frame=5"),
             -ESRCH);
    CHECK_EQ(op("query_size d=1 dom=self"), -ESRCH);
    CHECK_EQ(op("assign dev=1 d=1"), -EINVAL);
    CHECK_EQ(op("destroy d=1"), 0);
    /* Its freed frame is nobody's to map. */
    CHECK_EQ(map("map ld=2 rd=1 ref=1 flags=device", 1), GNTST_bad_page);
    /* The last frame goes: so does the domain. */
    CHECK_EQ(op("unmap ld=2 handle=0 parts=device"), GNTST_okay);
    CHECK_EQ(sh.frame[5].owner, SH_NOBODY);
    CHECK_EQ(slot(1), SH_NOBODY);
    CHECK_EQ(op("populate d=2 mfn=5"), 0);
    CHECK_EQ(op("create d=1 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(dom(1)->state, SH_DOM_LIVE);
    CHECK_EQ(dom(1)->nr_pages, 0);
    xen_agrees();
}

/* The mapping domain dies first: its mappings go with it. */
static void destroy_releases_the_mappings(void)
{
    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("assign dev=0 d=2");
    op("populate d=1 mfn=5");
    op("populate d=2 mfn=9");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host,device", 0), GNTST_okay);
    CHECK_EQ(sh.frame[5].refs, 3);
    CHECK_EQ(op("destroy d=2"), 0);
    CHECK_EQ(slot(2), SH_NOBODY);
    CHECK_EQ(sh.frame[9].owner, SH_NOBODY);
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.frame[5].type_count, 0);
    CHECK(!shadow_pins_any(&dom(1)->active[0].pin));
    CHECK_EQ(dom(1)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(sh.dev[0].owner, SH_NOBODY);
    CHECK_EQ(op("unmap ld=2 handle=0 parts=host"), SH_NOT_RUN);
    CHECK_EQ(op("create d=2 iommu=1 gframes=1 mframes=1"), 0);
    CHECK_EQ(dom(2)->live_handles, 0);
    CHECK_EQ(sh.count_rw[slot(2)][5], 0);
    xen_agrees();
}

/*
 * A kill whose device quiescence Xen could not confirm stops: the domain
 * is dying and held, its devices' moves unconfirmed, and the next kill's
 * outcome is Xen's to tell.
 */
static void unconfirmed_kill_leaves_it_dying(void)
{
    unsigned int i;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=0");
    op("assign dev=2 d=1");
    op("populate d=1 mfn=5");
    load_call("destroy d=1", NULL);
    CHECK(!shadow_outcome_open(&sh, &call));
    facts_from_model(-ETIMEDOUT);
    facts.status[0] = -ETIMEDOUT;
    facts.held[slot(1)] = true;
    facts.flush_fault_in_call = true;
    facts.dev_owner[2] = SH_NOBODY;
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_ALLOWED);
    CHECK_EQ(call.rc, -ETIMEDOUT);
    CHECK_EQ(dom(1)->state, SH_DOM_DYING);
    CHECK_EQ(sh.frame[5].owner, slot(1));
    CHECK_EQ(sh.frame[5].refs, 1);
    CHECK_EQ(sh.dev[2].owner, SH_NOBODY);
    CHECK(sh.dev[2].unconfirmed);
    CHECK_EQ(sh.dev[2].stale_contexts, 1U << slot(1));
    CHECK_EQ(op("populate d=1 mfn=6"), -ESRCH);
    load_call("destroy d=1", NULL);
    CHECK(shadow_outcome_open(&sh, &call));

    /* A held kill that says it succeeded is no outcome Xen may give. */
    facts_from_model(0);
    facts.status[0] = 0;
    facts.held[slot(1)] = true;
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_BAD_STATE);
    CHECK(!strcmp(why, "d1 held but its destroy returned 0"));

    /*
     * Held without a failed invalidation in the call, or with one but no
     * IOMMU to quiesce: nothing explains it.
     */
    for ( i = 0; i < 2; i++ )
    {
        start_d1_with_frame_5(!i);
        load_call("destroy d=1", NULL);
        facts_from_model(-ETIMEDOUT);
        facts.status[0] = -ETIMEDOUT;
        facts.held[slot(1)] = true;
        facts.flush_fault_in_call = i;
        CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                 SH_BAD_STATE);
        CHECK(!strcmp(why, "d1 held, though nothing of its quiescence could "
                           "fail"));
    }
}

/*
 * A failed flush crashes the domains whose IOMMU the call changed, and
 * no other; where only one changed, that one must be crashed (unless it
 * is the hardware domain).  The model knows which from the ops alone.
 */
static void flush_failure_crashes_its_domain(void)
{
    static const uint32_t handle0[] = { 0 };
    static const char *const setup[] = {
        "create d=1 iommu=1 gframes=1 mframes=1",
        "create d=2 iommu=1 gframes=1 mframes=1",
        "create d=3 iommu=1 gframes=1 mframes=1",
        "populate d=2 mfn=5",
        "grant_write d=2 ref=0 flags=permit grantee=1 frame=5",
    };
    static const char map1[] = "map ld=1 rd=2 ref=0 flags=device";
    unsigned int i, round;

    for ( round = 0; round < 3; round++ )
    {
        start(true);
        for ( i = 0; i < sizeof(setup) / sizeof(setup[0]); i++ )
            op(setup[i]);
        load_call(map1, handle0);
        facts_from_model(0);
        /* The map's first handle and IOMMU mapping. */
        facts.nr_mframes[slot(1)] = 1;
        facts.has_root[slot(1)] = true;
        facts.first_flush_fault = true;
        if ( round == 0 )
        {
            /* d3: nothing of it changed. */
            facts.crashed[slot(3)] = true;
            CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                     SH_BAD_STATE);
            CHECK(!strcmp(why, "d3 was crashed, but the call changed "
                          "nothing its IOMMU maps and moved none of its "
                          "devices"));
            continue;
        }
        facts.crashed[slot(1)] = round == 1;
        CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
                 SH_ALLOWED);
        CHECK_EQ(call.may_crash, 1U << slot(1));
        CHECK_EQ(shadow_victim_spared(&sh, &call, &facts, why, sizeof(why)),
                 round == 2);
        if ( round == 2 )
            CHECK(!strcmp(why, "d1's flush failed in this call, and d1 "
                          "was not crashed"));
    }

    /* No flush fault in the call: nobody needs to be crashed. */
    start(true);
    for ( i = 0; i < sizeof(setup) / sizeof(setup[0]); i++ )
        op(setup[i]);
    load_call(map1, handle0);
    facts_from_model(0);
    facts.nr_mframes[slot(1)] = 1;
    facts.has_root[slot(1)] = true;
    CHECK_EQ(shadow_reapply(&sh, &call, &facts, why, sizeof(why)),
             SH_ALLOWED);
    CHECK(!shadow_victim_spared(&sh, &call, &facts, why, sizeof(why)));
}

/*
 * a and b hold the same model: byte for byte up to the counts, and the
 * counts and frames of the run's frames (none past them is touched).
 */
static bool same_model(const struct shadow *a, const struct shadow *b)
{
    unsigned long frames = b->hdr.nr_frames;
    unsigned int d;

    if ( memcmp(a, b, offsetof(struct shadow, count_ro)) ||
         memcmp(a->frame, b->frame, frames * sizeof(a->frame[0])) )
        return false;
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( memcmp(a->count_ro[d], b->count_ro[d],
                    frames * sizeof(a->count_ro[d][0])) ||
             memcmp(a->count_rw[d], b->count_rw[d],
                    frames * sizeof(a->count_rw[d][0])) )
            return false;
    return true;
}

/*
 * shadow_copy() leaves out the slots free on both sides: a slot a domain
 * left must be as clear as one never used, and a copy into a model that
 * had more domains, or fewer, must be whole.
 */
static void copy_is_whole(void)
{
    static struct shadow had_three, fresh;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=1");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("create d=3 iommu=0 gframes=1 mframes=1");
    op("populate d=1 mfn=5");
    op("populate d=3 mfn=7");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    op("grant_write d=3 ref=0 flags=permit grantee=2 frame=7");
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host,device", 0), GNTST_okay);
    CHECK_EQ(map("map ld=2 rd=3 ref=0 flags=device", 1), GNTST_okay);
    CHECK_EQ(sh.count_rw[slot(2)][5], 1);
    shadow_copy(&had_three, &sh);
    CHECK(same_model(&had_three, &sh));

    CHECK_EQ(op("unmap ld=2 handle=1 parts=device"), GNTST_okay);
    CHECK_EQ(op("destroy d=3"), 0);
    CHECK_EQ(op("destroy d=2"), 0);
    CHECK_EQ(slot(3), SH_NOBODY);
    shadow_copy(&fresh, &sh);
    CHECK(same_model(&fresh, &sh));
    shadow_copy(&had_three, &sh);
    CHECK(same_model(&had_three, &sh));

    CHECK_EQ(op("create d=4 iommu=1 gframes=1 mframes=1"), 0);
    shadow_copy(&fresh, &sh);
    CHECK(same_model(&fresh, &sh));
    shadow_copy(&sh, &had_three);
    CHECK_EQ(slot(4), SH_NOBODY);
    CHECK(same_model(&sh, &had_three));
}

/*
 * A copy leaves out the handles neither side ever used: one into a model
 * that used more handles than the source must clear them.
 */
static void copy_clears_the_handles_only_dst_used(void)
{
    static struct shadow one_handle, two_handles;

    start(true);
    op("create d=1 iommu=1 gframes=1 mframes=1");
    op("create d=2 iommu=1 gframes=1 mframes=1");
    op("populate d=1 mfn=5");
    op("grant_write d=1 ref=0 flags=permit grantee=2 frame=5");
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 0), GNTST_okay);
    shadow_copy(&one_handle, &sh);
    CHECK_EQ(map("map ld=2 rd=1 ref=0 flags=host", 1), GNTST_okay);
    CHECK_EQ(sh.dom[slot(2)].handles_used, 2);
    shadow_copy(&two_handles, &sh);
    CHECK(same_model(&two_handles, &sh));

    shadow_copy(&sh, &one_handle);
    CHECK_EQ(sh.dom[slot(2)].handle[1].flags, 0);
    CHECK(same_model(&sh, &one_handle));
    shadow_copy(&sh, &two_handles);
    CHECK(same_model(&sh, &two_handles));
}

int main(void)
{
    RUN(map_statuses_in_xens_order);
    RUN(unmap_statuses_and_parts);
    RUN(other_ops_statuses);
    RUN(table_ops_statuses_and_growth);
    RUN(allowed_follows_maps_and_unmaps);
    RUN(own_frames_follow_their_type);
    RUN(self_mapping_counts_nothing);
    RUN(handles_are_learned_from_the_call);
    RUN(maptrack_and_pin_limits);
    RUN(unmap_calls_complete_their_batches);
    RUN(failed_batch_leaks_its_releases);
    RUN(failed_batch_ends_the_call);
    RUN(reapply_judges_statuses);
    RUN(root_table_is_predicted);
    RUN(leaked_frame_needs_a_failed_removal);
    RUN(dead_while_frames_remain);
    RUN(destroy_releases_the_mappings);
    RUN(unconfirmed_kill_leaves_it_dying);
    RUN(flush_failure_crashes_its_domain);
    RUN(copy_is_whole);
    RUN(copy_clears_the_handles_only_dst_used);
    return tests_failed ? 1 : 0;
}
