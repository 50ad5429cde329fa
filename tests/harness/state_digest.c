/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exec_digest(), which harness/tools/explore.c prunes by: states reached by
 * different paths must digest alike (or nothing is pruned), and states
 * that differ in what decides later behaviour must not (or the explorer
 * would skip inputs).  Each test runs traces to their end and compares
 * the digests taken before the teardown.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "trace.h"
#include "../lib/check.h"

#define HEADER \
    "caps cm=0 psi=1 mamv=9 qi=1 coherent=0 rwbf=0 delay=2\n" \
    "config frames=16 ro=1 psi_max=4\n"

#define MACHINE \
    "create d=1 iommu=1 gframes=1 mframes=1\n" \
    "create d=2 iommu=1 gframes=1 mframes=1\n" \
    "assign dev=1 d=2\n"

struct captured {
    bool taken;
    uint64_t digest;
};

static bool take(void *ctx)
{
    struct captured *c = ctx;

    c->taken = true;
    c->digest = exec_digest();
    return true;
}

/* The digest after text ran without a finding; 0 (and a failed check) if not. */
static uint64_t digest_of(const char *text)
{
    struct captured c = { 0 };
    struct exec_opts eo = { .at_end = take, .ctx = &c };
    struct exec_result res;
    struct trace t;
    char err[256];
    bool parsed;

    trace_init(&t);
    parsed = trace_parse(text, strlen(text), "digest", &t, err, sizeof(err));
    CHECK(parsed);
    if ( parsed )
        CHECK(exec_run(&t, &eo, &res));
    CHECK(c.taken);
    trace_free(&t);
    return c.taken ? c.digest : 0;
}

static void same_input_same_digest_across_runs(void)
{
    const char *a = HEADER MACHINE
        "populate d=1 mfn=10\n"
        "grant_write d=1 ref=0 flags=permit grantee=2 frame=10\n"
        "map ld=2 rd=1 ref=0 flags=host,device\n";
    uint64_t first = digest_of(a);

    /* Another run in between must leave nothing that counts. */
    digest_of(HEADER MACHINE "populate d=2 mfn=3\n"
              "populate d=1 mfn=11\n"
              "grant_write d=1 ref=1 flags=permit grantee=2 frame=11\n"
              "map ld=2 rd=1 ref=1 flags=host,device\n"
              "map ld=2 rd=1 ref=1 flags=device,ro\n");
    CHECK_EQ(digest_of(a), first);
}

static void independent_ops_commute(void)
{
    uint64_t one_way = digest_of(HEADER MACHINE "populate d=1 mfn=10\n"
        "populate d=1 mfn=11\n"
        "grant_write d=1 ref=0 flags=permit grantee=2 frame=10\n"
        "grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=11\n");
    uint64_t other_way = digest_of(HEADER MACHINE "populate d=1 mfn=11\n"
        "populate d=1 mfn=10\n"
        "grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=11\n"
        "grant_write d=1 ref=0 flags=permit grantee=2 frame=10\n");

    CHECK_EQ(one_way, other_way);
}

static void a_refused_op_changes_nothing(void)
{
    uint64_t before = digest_of(HEADER MACHINE "populate d=1 mfn=10\n");
    uint64_t refused = digest_of(HEADER MACHINE "populate d=1 mfn=10\n"
        "unmap ld=2 handle=0 parts=host,device\n"
        "grant_write d=1 ref=0 flags=0 grantee=0 frame=0\n");

    CHECK_EQ(refused, before);
}

/* Each of these differs from the base in one thing that decides later. */
static void different_states_differ(void)
{
    const char *base = HEADER MACHINE "populate d=1 mfn=10\n"
        "grant_write d=1 ref=0 flags=permit grantee=2 frame=10\n";
    static const char *const changes[] = {
        "map ld=2 rd=1 ref=0 flags=device\n",           /* IOMMU entry */
        "map ld=2 rd=1 ref=0 flags=device,ro\n",        /* ... read-only */
        "map ld=2 rd=1 ref=0 flags=host\n",             /* no IOMMU change */
        "get_type d=1 mfn=10 type=l1\n",                /* page type */
        "fault_at point=pt-alloc k=1\n",                /* an arming */
        "grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=10\n",
        "deassign dev=1\n",                             /* device moved */
    };
    uint64_t seen[sizeof(changes) / sizeof(changes[0]) + 1];
    unsigned int i, j;
    char text[512];

    seen[0] = digest_of(base);
    for ( i = 0; i < sizeof(changes) / sizeof(changes[0]); i++ )
    {
        snprintf(text, sizeof(text), "%s%s", base, changes[i]);
        seen[i + 1] = digest_of(text);
        for ( j = 0; j <= i; j++ )
            CHECK(seen[i + 1] != seen[j]);
    }
}

static void capabilities_count(void)
{
    CHECK(digest_of(HEADER MACHINE) !=
          digest_of("caps cm=1 psi=1 mamv=9 qi=1 coherent=0 rwbf=0 delay=2\n"
                    "config frames=16 ro=1 psi_max=4\n" MACHINE));
}

int main(void)
{
    RUN(same_input_same_digest_across_runs);
    RUN(independent_ops_commute);
    RUN(a_refused_op_changes_nothing);
    RUN(different_states_differ);
    RUN(capabilities_count);
    return tests_failed ? 1 : 0;
}
