/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the two input formats (docs/design.md, "Inputs and reproduction", trace.h, decode.h):
 * text traces parse and print back identically, every op and field of the
 * alphabet survives both formats, a malformed line gives one "name:line:
 * message" error, every byte string decodes (prefix-stably) and the
 * encoder makes trace -> bytes -> trace the identity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/types.h>
#include <public/xen.h>
#include <public/grant_table.h>

#include "decode.h"
#include "fault.h"
#include "trace.h"
#include "../lib/check.h"

/* Every op kind, every field, values at both ends of their ranges. */
static const char sample[] =
    "caps cm=1 psi=0 mamv=63 qi=0 coherent=0 rwbf=1 delay=255 drain=1 "
    "sid_tag=1\n"
    "config frames=1024 ro=0 psi_max=15 pending_pages=15 pending_tables=1 "
    "batch_domains=8 pin_bits=8 maptrack_per_frame=128 unmap_batch=64 "
    "qi_entries=255\n"
    "create d=0 iommu=1 gframes=7 mframes=4\n"
    "create d=32751 iommu=0 gframes=0 mframes=0\n"
    "destroy d=self\n"
    "assign dev=0 d=5\n"
    "assign dev=4 d=1\n"
    "deassign dev=3\n"
    "populate d=1 mfn=1024\n"
    "remove d=2 mfn=0\n"
    "get_type d=1 mfn=5 type=none\n"
    "get_type d=1 mfn=5 type=l1\n"
    "get_type d=1 mfn=5 type=l2\n"
    "get_type d=1 mfn=5 type=l3\n"
    "get_type d=1 mfn=5 type=l4\n"
    "get_type d=1 mfn=5 type=seg_desc\n"
    "get_type d=1 mfn=5 type=shared\n"
    "get_type d=1 mfn=5 type=writable\n"
    "put_type d=1 mfn=5\n"
    "grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=5\n"
    "grant_write d=1 ref=4294967295 flags=0 grantee=self frame=1024\n"
    "grant_write d=4 ref=2048 flags=transitive,reading,writing,subpage "
    "grantee=32751 frame=1\n"
    "grant_write d=3 ref=511 flags=transfer grantee=4 frame=7\n"
    "map ld=2 rd=1 ref=512 flags=host,device,ro\n"
    "map ld=2 rd=self ref=1023 flags=0\n"
    "unmap ld=2 handle=1023 parts=host,device,wrongbus\n"
    "unmap ld=4 handle=0 parts=0\n"
    "unmap ld=0 handle=256 parts=device\n"
    "begin\n"
    "end\n"
    "setup_table d=1 dom=self frames=7\n"
    "setup_table d=0 dom=3 frames=0\n"
    "query_size d=2 dom=1\n"
    "race d=1 ref=4294967295 flags=transitive,ro,subpage n=255\n"
    "race d=0 ref=0 flags=0 n=0\n"
    "dma dev=4 bfn=1024 write=1\n"
    "dma dev=0 bfn=0 write=0\n"
    "preempt n=255\n"
    "preempt n=0\n"
    "fault_nth n=255\n"
    "fault_nth n=0\n"
    "fault_at point=pt-alloc k=1\n"
    "fault_at point=maptrack-alloc k=2\n"
    "fault_at point=counter-alloc k=3\n"
    "fault_at point=gnttab-grow k=4\n"
    "fault_at point=xmalloc k=5\n"
    "fault_at point=reg-inv-timeout k=6\n"
    "fault_at point=qi-wait-timeout k=7\n"
    "fault_at point=qi-error k=0\n";

#define SAMPLE_OPS      47

static bool op_equal(const struct op *a, const struct op *b)
{
    return a->kind == b->kind && a->iommu == b->iommu && a->dev == b->dev &&
           a->point == b->point && a->d == b->d && a->rd == b->rd &&
           a->grantee == b->grantee && a->flags == b->flags &&
           a->handle == b->handle && a->n == b->n &&
           a->maptrack == b->maptrack && a->ref == b->ref &&
           a->type == b->type && a->mfn == b->mfn;
}

static bool ops_equal(const struct trace *a, const struct trace *b, size_t nr)
{
    size_t i;

    for ( i = 0; i < nr; i++ )
        if ( !op_equal(&a->ops[i], &b->ops[i]) )
            return false;
    return true;
}

static char *print_to_string(const struct trace *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    trace_print(f, t, t->nr_ops);
    fclose(f);
    return buf;
}

static bool parse(const char *text, struct trace *t, char *err, size_t len)
{
    return trace_parse(text, strlen(text), "t", t, err, len);
}

/* ---- text ---- */

static void text_round_trip_is_identity(void)
{
    struct trace t;
    char err[256] = "", *out;

    trace_init(&t);
    CHECK(trace_parse(sample, strlen(sample), "sample", &t, err, sizeof(err)));
    CHECK_EQ(err[0], '\0');
    CHECK_EQ(t.nr_ops, SAMPLE_OPS);
    out = print_to_string(&t);
    if ( strcmp(out, sample) )
        printf("# printed:\n%s", out);
    CHECK(!strcmp(out, sample));
    free(out);
    trace_free(&t);
}

static void header_fields_carry_their_values(void)
{
    struct trace t;
    char err[256];

    trace_init(&t);
    CHECK(trace_parse(sample, strlen(sample), "sample", &t, err, sizeof(err)));
    CHECK(t.hdr.cm);
    CHECK(!t.hdr.psi);
    CHECK_EQ(t.hdr.mamv, 63);
    CHECK(!t.hdr.qi);
    CHECK(!t.hdr.coherent);
    CHECK(t.hdr.rwbf);
    CHECK(t.hdr.drain);
    CHECK(t.hdr.sid_tag);
    CHECK_EQ(t.hdr.delay, 255);
    CHECK_EQ(t.hdr.nr_frames, 1024);
    CHECK(!t.hdr.iommu_readonly);
    CHECK_EQ(t.hdr.psi_max, 15);
    CHECK_EQ(t.hdr.pending_pages, 15);
    CHECK_EQ(t.hdr.pending_tables, 1);
    CHECK_EQ(t.hdr.batch_domains, 8);
    CHECK_EQ(t.hdr.pin_bits, 8);
    CHECK_EQ(t.hdr.maptrack_order, 7);
    CHECK_EQ(t.hdr.unmap_batch, 64);
    CHECK_EQ(t.hdr.qi_entries, 255);
    trace_free(&t);
}

static void op_fields_carry_their_values(void)
{
    static const char text[] =
        "create d=3 iommu=1 gframes=6 mframes=2\n"
        "grant_write d=3 ref=2047 flags=permit,ro,subpage grantee=self "
        "frame=9\n"
        "map ld=2 rd=32751 ref=4294967295 flags=device,ro\n"
        "unmap ld=5 handle=700 parts=device,wrongbus\n"
        "setup_table d=4 dom=self frames=5\n"
        "query_size d=0 dom=2\n"
        "get_type d=1 mfn=64 type=seg_desc\n"
        "assign dev=3 d=0\n"
        "fault_at point=qi-wait-timeout k=200\n";
    struct trace t;
    const struct op *o;
    char err[256];

    trace_init(&t);
    CHECK(parse(text, &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 9);
    o = t.ops;
    CHECK_EQ(o[0].kind, OP_CREATE);
    CHECK_EQ(o[0].d, 3);
    CHECK_EQ(o[0].iommu, 1);
    CHECK_EQ(o[0].n, 6);
    CHECK_EQ(o[0].maptrack, 2);
    CHECK_EQ(o[1].kind, OP_GRANT_WRITE);
    CHECK_EQ(o[1].ref, 2047);
    CHECK_EQ(o[1].flags, GTF_permit_access | GTF_readonly | GTF_sub_page);
    CHECK_EQ(o[1].grantee, DOMID_SELF);
    CHECK_EQ(o[1].mfn, 9);
    CHECK_EQ(o[2].kind, OP_MAP);
    CHECK_EQ(o[2].d, 2);
    CHECK_EQ(o[2].rd, DOMID_FIRST_RESERVED - 1);
    CHECK_EQ(o[2].ref, 0xffffffffU);
    CHECK_EQ(o[2].flags, GNTMAP_device_map | GNTMAP_readonly);
    CHECK_EQ(o[3].kind, OP_UNMAP);
    CHECK_EQ(o[3].d, 5);
    CHECK_EQ(o[3].handle, 700);
    CHECK_EQ(o[3].flags, UNMAP_DEVICE | UNMAP_WRONG_BUS);
    CHECK_EQ(o[4].kind, OP_SETUP_TABLE);
    CHECK_EQ(o[4].d, 4);
    CHECK_EQ(o[4].rd, DOMID_SELF);
    CHECK_EQ(o[4].n, 5);
    CHECK_EQ(o[5].kind, OP_QUERY_SIZE);
    CHECK_EQ(o[5].d, 0);
    CHECK_EQ(o[5].rd, 2);
    CHECK_EQ(o[6].kind, OP_GET_TYPE);
    CHECK_EQ(o[6].mfn, 64);
    CHECK_EQ(o[6].type, 5);
    CHECK_EQ(o[7].dev, 3);
    CHECK_EQ(o[7].d, 0);
    CHECK_EQ(o[8].point, FP_QI_WAIT_TIMEOUT);
    CHECK_EQ(o[8].n, 200);
    trace_free(&t);
}

/* Fields in any order, numbers in hex: the same op, printed canonically. */
static void field_order_and_hex_do_not_matter(void)
{
    static const char text[] =
        "map flags=ro,device,host ref=0x200 rd=0x1 ld=2\n"
        "grant_write frame=0x3f grantee=2 flags=subpage,ro,permit ref=9 d=1\n";
    static const char *const canonical[] = {
        "map ld=2 rd=1 ref=512 flags=host,device,ro",
        "grant_write d=1 ref=9 flags=permit,ro,subpage grantee=2 frame=63",
    };
    struct trace t;
    char err[256], line[256];

    trace_init(&t);
    CHECK(parse(text, &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 2);
    trace_format_op(line, sizeof(line), &t.ops[0]);
    CHECK(!strcmp(line, canonical[0]));
    trace_format_op(line, sizeof(line), &t.ops[1]);
    CHECK(!strcmp(line, canonical[1]));
    trace_free(&t);
}

static void header_defaults_and_comments(void)
{
    static const char text[] =
        "# only a comment\n"
        "\n"
        "caps cm=1   # the rest default\n"
        "   populate d=1 mfn=3   \n"
        "\tbegin\t# a comment after an op\r\n";
    struct trace t;
    struct run_header def;
    char err[256];

    run_header_default(&def);
    CHECK(!def.cm);
    CHECK(def.psi && def.qi && def.coherent && def.iommu_readonly);
    CHECK_EQ(def.nr_frames, 64);
    CHECK_EQ(def.mamv, 9);
    CHECK_EQ(def.delay, 1);
    trace_init(&t);
    CHECK(run_header_equal(&t.hdr, &def));
    CHECK(parse(text, &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 2);
    CHECK_EQ(t.ops[1].kind, OP_BEGIN);
    CHECK(t.hdr.cm);
    def.cm = true;
    CHECK(run_header_equal(&t.hdr, &def));
    /* A new parse starts from the defaults again. */
    CHECK(parse("end\n", &t, err, sizeof(err)));
    CHECK(!t.hdr.cm);
    CHECK_EQ(t.nr_ops, 1);
    trace_free(&t);
}

static void header_prints_every_field(void)
{
    struct run_header h;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    run_header_default(&h);
    h.cm = true;
    h.delay = 3;
    h.nr_frames = 100;
    h.psi_max = 2;
    trace_print_header(f, &h);
    fclose(f);
    CHECK(!strcmp(buf, "caps cm=1 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 "
                       "delay=3\nconfig frames=100 ro=1 psi_max=2\n"));
    free(buf);

    /* The batch record's limits only where set (0: Xen's values). */
    f = open_memstream(&buf, &len);
    h.pending_pages = 1;
    h.batch_domains = 8;
    h.pin_bits = 2;
    h.maptrack_order = 2;
    h.unmap_batch = 1;
    h.qi_entries = 2;
    trace_print_header(f, &h);
    fclose(f);
    CHECK(!strcmp(buf, "caps cm=1 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 "
                       "delay=3\nconfig frames=100 ro=1 psi_max=2 "
                       "pending_pages=1 batch_domains=8 pin_bits=2 "
                       "maptrack_per_frame=4 unmap_batch=1 qi_entries=2\n"));
    free(buf);
}

/*
 * Every op kind, every field, every value the field can take (frames up
 * to the header's): printed, it parses back to the same op.
 */
static void every_field_value_prints_and_parses_back(void)
{
    struct run_header h;
    struct trace t;
    unsigned int k, i, code, failures = 0;
    char line[256], err[256];

    run_header_default(&h);
    trace_init(&t);
    for ( k = 0; k < OP_NR; k++ )
    {
        const struct op_desc *desc = op_desc(k);

        CHECK(desc != NULL);
        CHECK(!strcmp(op_kind_name(k), desc->name));
        CHECK(desc->nr_fields <= OP_MAX_FIELDS);
        for ( i = 0; i < desc->nr_fields; i++ )
        {
            const struct op_field *f = &desc->field[i];

            for ( code = 0; code < op_field_range(f, &h); code++ )
            {
                struct op op;

                memset(&op, 0, sizeof(op));
                op.kind = k;
                op_field_set(&op, f, op_field_from_code(f, code));
                CHECK_EQ(op_field_code(f, op_field_get(&op, f)), code);
                trace_format_op(line, sizeof(line), &op);
                if ( !parse(line, &t, err, sizeof(err)) || t.nr_ops != 1 ||
                     !op_equal(&t.ops[0], &op) )
                {
                    if ( !failures++ )
                        printf("# '%s' does not come back (%s)\n", line, err);
                }
            }
        }
    }
    CHECK_EQ(failures, 0);
    CHECK(op_desc(OP_NR) == NULL);
    CHECK(!strcmp(op_kind_name(OP_NR), "?"));
    trace_free(&t);
}

/* The fields each op has, by name and in order. */
static void ops_have_the_documented_fields(void)
{
    static const struct {
        unsigned int kind;
        const char *fields;
    } expect[] = {
        { OP_BEGIN, "" },
        { OP_END, "" },
        { OP_CREATE, "d iommu gframes mframes" },
        { OP_DESTROY, "d" },
        { OP_ASSIGN, "dev d" },
        { OP_DEASSIGN, "dev" },
        { OP_POPULATE, "d mfn" },
        { OP_REMOVE, "d mfn" },
        { OP_GET_TYPE, "d mfn type" },
        { OP_PUT_TYPE, "d mfn" },
        { OP_GRANT_WRITE, "d ref flags grantee frame" },
        { OP_MAP, "ld rd ref flags" },
        { OP_UNMAP, "ld handle parts" },
        { OP_FAULT_NTH, "n" },
        { OP_FAULT_AT, "point k" },
        { OP_SETUP_TABLE, "d dom frames" },
        { OP_QUERY_SIZE, "d dom" },
        { OP_RACE, "d ref flags n" },
        { OP_DMA, "dev bfn write" },
        { OP_PREEMPT, "n" },
    };
    unsigned int i, f;

    CHECK_EQ(sizeof(expect) / sizeof(expect[0]), OP_NR);
    for ( i = 0; i < sizeof(expect) / sizeof(expect[0]); i++ )
    {
        const struct op_desc *desc = op_desc(expect[i].kind);
        char names[128] = "";
        size_t pos = 0;

        for ( f = 0; f < desc->nr_fields; f++ )
            pos += snprintf(names + pos, sizeof(names) - pos, "%s%s",
                            f ? " " : "", desc->field[f].name);
        if ( strcmp(names, expect[i].fields) )
            printf("# %s has fields '%s'\n", desc->name, names);
        CHECK(!strcmp(names, expect[i].fields));
    }
}

static void value_tables(void)
{
    struct run_header h;
    unsigned int c;

    run_header_default(&h);
    h.nr_frames = 10;
    CHECK_EQ(op_ref_value(0), 0);
    CHECK_EQ(op_ref_value(15), 15);
    CHECK_EQ(op_ref_value(16), 511);
    CHECK_EQ(op_ref_value(17), 512);
    CHECK_EQ(op_ref_value(18), 1023);
    CHECK_EQ(op_ref_value(19), 1024);
    CHECK_EQ(op_ref_value(20), 2047);
    CHECK_EQ(op_ref_value(21), 2048);
    CHECK_EQ(op_ref_value(22), 0xffffffffU);
    CHECK_EQ(op_ref_value(OP_REFS), 0xfffffffeU);
    for ( c = 0; c < OP_REFS; c++ )
        CHECK_EQ(op_ref_code(op_ref_value(c)), c);
    CHECK_EQ(op_ref_code(16), OP_REFS);
    /* Grant frame counts: 0-7, then Xen's 64 with its neighbours. */
    CHECK_EQ(op_gframes_value(7), 7);
    CHECK_EQ(op_gframes_value(8), 63);
    CHECK_EQ(op_gframes_value(9), 64);
    CHECK_EQ(op_gframes_value(10), 65);
    CHECK_EQ(op_ref_code(600), OP_REFS);
    CHECK_EQ(op_domain_code(0), 0);
    CHECK_EQ(op_domain_code(5), 5);
    CHECK_EQ(op_domain_code(DOMID_FIRST_RESERVED - 1), 6);
    CHECK_EQ(op_domain_code(DOMID_SELF), 7);
    CHECK_EQ(op_domain_code(6), OP_DOMAINS);
    CHECK_EQ(op_domain_code(DOMID_IO), OP_DOMAINS);

    /* The ranges the encodings carry. */
    CHECK_EQ(op_field_range(&op_desc(OP_CREATE)->field[0], &h), 8);
    CHECK_EQ(op_field_range(&op_desc(OP_CREATE)->field[1], &h), 2);
    CHECK_EQ(op_field_range(&op_desc(OP_CREATE)->field[2], &h), 11);
    CHECK_EQ(op_field_range(&op_desc(OP_CREATE)->field[3], &h), 5);
    CHECK_EQ(op_field_range(&op_desc(OP_ASSIGN)->field[0], &h), 5);
    CHECK_EQ(op_field_range(&op_desc(OP_POPULATE)->field[1], &h), 11);
    CHECK_EQ(op_field_range(&op_desc(OP_GET_TYPE)->field[2], &h), 8);
    CHECK_EQ(op_field_range(&op_desc(OP_GRANT_WRITE)->field[1], &h), 23);
    CHECK_EQ(op_field_range(&op_desc(OP_GRANT_WRITE)->field[2], &h), 64);
    CHECK_EQ(op_field_range(&op_desc(OP_MAP)->field[3], &h), 8);
    CHECK_EQ(op_field_range(&op_desc(OP_UNMAP)->field[1], &h), 1024);
    CHECK_EQ(op_field_range(&op_desc(OP_UNMAP)->field[2], &h), 8);
    CHECK_EQ(op_field_range(&op_desc(OP_FAULT_AT)->field[0], &h), FP_NR);
    CHECK_EQ(op_field_range(&op_desc(OP_FAULT_AT)->field[1], &h), 256);
    CHECK_EQ(op_field_range(&op_desc(OP_SETUP_TABLE)->field[2], &h), 11);

    /* GTF codes: bits 0-4 as they are, GTF_sub_page as code bit 5. */
    CHECK_EQ(op_field_code(&op_desc(OP_GRANT_WRITE)->field[2],
                           GTF_permit_access | GTF_sub_page), 0x21);
    CHECK_EQ(op_field_from_code(&op_desc(OP_GRANT_WRITE)->field[2], 0x3f),
             0x1f | GTF_sub_page);
    CHECK_EQ(op_field_from_code(&op_desc(OP_MAP)->field[1], 7), DOMID_SELF);
    CHECK_EQ(op_field_from_code(&op_desc(OP_MAP)->field[1], 8),
             DOMID_INVALID);
}

static void names_of_values(void)
{
    char buf[96];
    struct op op;

    CHECK(!strcmp(page_type_name(0), "none"));
    CHECK(!strcmp(page_type_name(7), "writable"));
    CHECK(!strcmp(page_type_name(8), "?"));
    format_gtf_flags(buf, sizeof(buf), 0);
    CHECK(!strcmp(buf, "0"));
    format_gtf_flags(buf, sizeof(buf), GTF_writing | GTF_transitive |
                     GTF_readonly);
    CHECK(!strcmp(buf, "transitive,ro,writing"));
    format_map_flags(buf, sizeof(buf), GNTMAP_readonly | GNTMAP_host_map);
    CHECK(!strcmp(buf, "host,ro"));
    format_unmap_parts(buf, sizeof(buf), UNMAP_WRONG_BUS | UNMAP_DEVICE);
    CHECK(!strcmp(buf, "device,wrongbus"));
    format_unmap_parts(buf, sizeof(buf), 0);
    CHECK(!strcmp(buf, "0"));
    format_domid(buf, sizeof(buf), DOMID_SELF);
    CHECK(!strcmp(buf, "self"));
    format_domid(buf, sizeof(buf), 32751);
    CHECK(!strcmp(buf, "32751"));
    memset(&op, 0, sizeof(op));
    op.kind = 200;
    CHECK_EQ(trace_format_op(buf, sizeof(buf), &op), 10);
    CHECK(!strcmp(buf, "? kind=200"));
    /* A short buffer: cut, terminated, the full length returned. */
    op.kind = OP_QUERY_SIZE;
    op.d = 1;
    op.rd = DOMID_SELF;
    CHECK_EQ(trace_format_op(buf, 8, &op), 23);
    CHECK(!strcmp(buf, "query_s"));
    CHECK_EQ(trace_format_op(buf, sizeof(buf), &op), 23);
    CHECK(!strcmp(buf, "query_size d=1 dom=self"));
}

/* Each bad input: parse fails with exactly this one-line message. */
static void malformed_lines_give_one_error(void)
{
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { "frobnicate d=1\n", "bad:1: unknown op 'frobnicate'" },
        { "config frames=8 maptrack_per_frame=3\n",
          "bad:1: maptrack_per_frame=3 is not 0 or a power of two 2..128" },
        { "config frames=8 maptrack_per_frame=1\n",
          "bad:1: maptrack_per_frame=1 is not 0 or a power of two 2..128" },
        { "config frames=8 maptrack_per_frame=256\n",
          "bad:1: maptrack_per_frame=256 out of range 0..128" },
        { "config frames=8 pin_bits=9\n",
          "bad:1: pin_bits=9 out of range 0..8" },
        { "config frames=8 unmap_batch=65\n",
          "bad:1: unmap_batch=65 out of range 0..64" },
        { "config frames=8 qi_entries=1\n",
          "bad:1: qi_entries=1: 0 (one page) or 2..255" },
        { "config frames=8 qi_entries=256\n",
          "bad:1: qi_entries=256 out of range 0..255" },
        { "create d=1 iommu=1\n", "bad:1: create needs field 'gframes'" },
        { "create d=1 iommu=1 gframes=1\n",
          "bad:1: create needs field 'mframes'" },
        { "create d=1 iommu=1 gframes=1 mframes=1 gframes=2\n",
          "bad:1: field 'gframes' given twice" },
        { "create d=6 iommu=1 gframes=1 mframes=1\n",
          "bad:1: d=6 is not one the fuzzer can name (0-5, 32751, self)" },
        { "create d=32753 iommu=1 gframes=1 mframes=1\n",
          "bad:1: d=32753 is not one the fuzzer can name (0-5, 32751, self)" },
        { "create d=1 iommu=2 gframes=1 mframes=1\n",
          "bad:1: iommu=2 out of range 0..1" },
        { "create d=1 iommu=1 gframes=8 mframes=1\n",
          "bad:1: gframes=8 is not one the fuzzer can name (0-7, 63, 64, 65)" },
        { "create d=1 iommu=1 gframes=66 mframes=1\n",
          "bad:1: gframes=66 is not one the fuzzer can name (0-7, 63, 64, 65)" },
        { "create d=1 iommu=1 gframes=1 mframes=5\n",
          "bad:1: mframes=5 out of range 0..4" },
        { "create d=x iommu=1 gframes=1 mframes=1\n",
          "bad:1: d: 'x' is not a number" },
        { "create d=1 iommu=1 gframes=1 mframes=1 dev=0\n",
          "bad:1: create has no field 'dev'" },
        { "create d=1 iommu\n", "bad:1: expected key=value, got 'iommu'" },
        { "destroy d=\n", "bad:1: expected key=value, got 'd='" },
        { "destroy =1\n", "bad:1: expected key=value, got '=1'" },
        { "destroy d=99999999999\n",
          "bad:1: d: '99999999999' is not a number" },
        { "destroy d=-1\n", "bad:1: d: '-1' is not a number" },
        { "destroy d=0x\n", "bad:1: d: '0x' is not a number" },
        { "grant_write d=1 ref=600 flags=permit grantee=2 frame=1\n",
          "bad:1: ref=600 is not one the fuzzer can name (0-15, 511, 512, "
          "1023, 1024, 2047, 2048, 4294967295)" },
        { "grant_write d=1 ref=self flags=permit grantee=2 frame=1\n",
          "bad:1: ref: 'self' is not a number" },
        { "grant_write d=1 ref=0 flags=permit grantee=7 frame=1\n",
          "bad:1: grantee=7 is not one the fuzzer can name (0-5, 32751, "
          "self)" },
        { "grant_write d=1 ref=0 flags=permit,transfer grantee=2 frame=1\n",
          "bad:1: flags: more than one grant type" },
        { "grant_write d=1 ref=0 flags=permit,bogus grantee=2 frame=1\n",
          "bad:1: flags: unknown flag 'bogus' (permit, transfer, "
          "transitive, ro, reading, writing, subpage)" },
        { "grant_write d=1 ref=0 flags=ro,ro grantee=2 frame=1\n",
          "bad:1: flags: flag 'ro' given twice" },
        { "\n\nmap ld=1 rd=2 ref=0 flags=host,bogus\n",
          "bad:3: flags: unknown flag 'bogus' (host, device, ro)" },
        { "map ld=1 rd=2 ref=0 flags=wrongbus\n",
          "bad:1: flags: unknown flag 'wrongbus' (host, device, ro)" },
        { "map ld=1 rd=2 ref=0 flags=host,host\n",
          "bad:1: flags: flag 'host' given twice" },
        { "map ld=1 rd=2 ref=0 flags=permit\n",
          "bad:1: flags: unknown flag 'permit' (host, device, ro)" },
        { "unmap ld=1 handle=0 parts=ro\n",
          "bad:1: parts: unknown part 'ro' (host, device, wrongbus)" },
        { "unmap ld=1 handle=1024 parts=host\n",
          "bad:1: handle=1024 out of range 0..1023" },
        { "unmap ld=1 handle=0 parts=host ref=0\n",
          "bad:1: unmap has no field 'ref'" },
        { "setup_table d=1 dom=x frames=1\n",
          "bad:1: dom: 'x' is not a number" },
        { "setup_table d=1 dom=self frames=8\n",
          "bad:1: frames=8 is not one the fuzzer can name (0-7, 63, 64, 65)" },
        { "query_size d=1\n", "bad:1: query_size needs field 'dom'" },
        { "query_size d=1 dom=2 frames=1\n",
          "bad:1: query_size has no field 'frames'" },
        { "assign dev=5 d=1\n", "bad:1: dev=5 out of range 0..4" },
        { "populate d=1 mfn=65\n", "bad:1: mfn=65 out of range 0..64" },
        { "config frames=8\npopulate d=1 mfn=9\n",
          "bad:2: mfn=9 out of range 0..8" },
        { "get_type d=1 mfn=1 type=l5\n",
          "bad:1: type: unknown page type 'l5' (none, l1, l2, l3, l4, "
          "seg_desc, shared, writable)" },
        { "fault_nth n=256\n", "bad:1: n=256 out of range 0..255" },
        { "fault_at point=nowhere k=1\n",
          "bad:1: point: unknown fault point 'nowhere'" },
        { "begin now=1\n", "bad:1: begin has no field 'now'" },
        { "populate d=1 mfn=1\ncaps cm=1\n",
          "bad:2: 'caps' after the first op" },
        { "populate d=1 mfn=1\nconfig ro=1\n",
          "bad:2: 'config' after the first op" },
        { "caps cm=1\ncaps cm=0\n", "bad:2: second 'caps' line" },
        { "config frames=2\nconfig ro=0\n", "bad:2: second 'config' line" },
        { "caps qi=1 qi=0\n", "bad:1: field 'qi' given twice" },
        { "caps speed=1\n", "bad:1: caps has no field 'speed'" },
        { "config frames=0\n", "bad:1: frames=0 out of range 1..1024" },
        { "config frames=1025\n", "bad:1: frames=1025 out of range 1..1024" },
        { "config psi_max=16\n", "bad:1: psi_max=16 out of range 0..15" },
        { "caps mamv=64\n", "bad:1: mamv=64 out of range 0..63" },
        { "caps delay=256\n", "bad:1: delay=256 out of range 0..255" },
        { "caps cm=yes\n", "bad:1: cm: 'yes' is not a number" },
        { "begin a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 "
          "n=14 o=15 p=16\n", "bad:1: too many fields" },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct trace t;
        char err[256] = "";

        trace_init(&t);
        CHECK(!trace_parse(cases[i].text, strlen(cases[i].text), "bad", &t,
                           err, sizeof(err)));
        if ( strcmp(err, cases[i].expect) )
        {
            printf("# case %u: got \"%s\"\n", i, err);
            CHECK(!"error message as expected");
        }
        CHECK(!strchr(err, '\n'));
        trace_free(&t);
    }
}

static void nul_bytes_and_long_lines_are_refused(void)
{
    static const char with_nul[] = "begin\nend\0\n";
    struct trace t;
    char text[1100], err[256] = "";

    trace_init(&t);
    CHECK(!trace_parse(with_nul, sizeof(with_nul) - 1, "bin", &t, err,
                       sizeof(err)));
    CHECK(!strcmp(err, "bin:2: NUL byte in a text trace"));

    memset(text, ' ', sizeof(text));
    memcpy(text, "begin", 5);
    CHECK(!trace_parse(text, 1024, "long", &t, err, sizeof(err)));
    CHECK(!strcmp(err, "long:1: line longer than 1023 characters"));
    /* 1023 characters is still a line. */
    CHECK(trace_parse(text, 1023, "long", &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 1);
    /* No name: a default one; a short buffer: cut, terminated. */
    CHECK(!trace_parse("x\n", 2, NULL, &t, err, sizeof(err)));
    CHECK(!strcmp(err, "<trace>:1: unknown op 'x'"));
    CHECK(!trace_parse("x\n", 2, "name", &t, err, 8));
    CHECK(!strcmp(err, "name:1:"));
    trace_free(&t);
}

/* Garbage in text: an error or a trace, never a crash. */
static void random_text_never_crashes(void)
{
    static const char alphabet[] = "abcdefgilmnoprstuwxy_=,0123456789 \n#\t";
    struct trace t;
    char text[512], err[256];
    unsigned int i, j, parsed = 0;

    srand(7);
    trace_init(&t);
    for ( i = 0; i < 3000; i++ )
    {
        size_t len = rand() % sizeof(text);

        for ( j = 0; j < len; j++ )
            text[j] = rand() % 8 ? alphabet[rand() % (sizeof(alphabet) - 1)]
                                 : (char)rand();
        err[0] = '\0';
        if ( trace_parse(text, len, "fuzz", &t, err, sizeof(err)) )
        {
            parsed++;
            continue;
        }
        CHECK(!strncmp(err, "fuzz:", 5));
        CHECK(!strchr(err, '\n'));
    }
    /* Some of it (the empty and comment-only inputs at least) parses. */
    CHECK(parsed > 0 && parsed < 3000);
    trace_free(&t);
}

/* ---- binary ---- */

static void random_bytes(uint8_t *buf, size_t len)
{
    size_t i;

    for ( i = 0; i < len; i++ )
        buf[i] = rand();
}

/*
 * Any bytes decode; the printed trace parses back to the same ops and
 * encodes to bytes that decode to the same trace again; those bytes are
 * the canonical form: encoding their decoding gives them back.
 */
static void every_input_decodes_and_round_trips(void)
{
    struct trace a, b;
    uint8_t in[700], out[2000], again[2000];
    char err[256], *text;
    unsigned int i;
    size_t len, n, m;

    srand(11);
    trace_init(&a);
    trace_init(&b);
    for ( i = 0; i < 2000; i++ )
    {
        len = rand() % sizeof(in);
        random_bytes(in, len);
        decode_input(in, len, &a);
        text = print_to_string(&a);
        CHECK(trace_parse(text, strlen(text), "printed", &b, err,
                          sizeof(err)));
        CHECK_EQ(b.nr_ops, a.nr_ops);
        CHECK(run_header_equal(&a.hdr, &b.hdr));
        CHECK(ops_equal(&a, &b, a.nr_ops));
        CHECK(encode_trace(&b, out, sizeof(out), &n, err, sizeof(err)));
        CHECK_EQ(n, encode_size(&b));
        decode_input(out, n, &b);
        CHECK_EQ(b.nr_ops, a.nr_ops);
        CHECK(run_header_equal(&a.hdr, &b.hdr));
        CHECK(ops_equal(&a, &b, a.nr_ops));
        CHECK(encode_trace(&b, again, sizeof(again), &m, err, sizeof(err)));
        CHECK_EQ(m, n);
        CHECK(!memcmp(out, again, n));
        free(text);
    }
    trace_free(&a);
    trace_free(&b);
}

/*
 * Decoding a prefix gives a prefix of the ops, the last one (maybe cut
 * short) read as if the missing bytes were 0.
 */
static void decoding_is_prefix_stable(void)
{
    struct trace full, part, padded;
    uint8_t in[400], pad[400 + 16];
    unsigned int i;
    size_t cut;

    srand(13);
    trace_init(&full);
    trace_init(&part);
    trace_init(&padded);
    for ( i = 0; i < 1000; i++ )
    {
        random_bytes(in, sizeof(in));
        decode_input(in, sizeof(in), &full);
        cut = rand() % sizeof(in);
        decode_input(in, cut, &part);
        CHECK(part.nr_ops <= full.nr_ops);
        if ( cut >= DECODE_HEADER_BYTES )
            CHECK(run_header_equal(&part.hdr, &full.hdr));
        if ( part.nr_ops > 1 )
            CHECK(ops_equal(&part, &full, part.nr_ops - 1));
        if ( part.nr_ops )
            CHECK_EQ(part.ops[part.nr_ops - 1].kind,
                     full.ops[part.nr_ops - 1].kind);
        memset(pad, 0, sizeof(pad));
        memcpy(pad, in, cut);
        decode_input(pad, cut + 16, &padded);
        CHECK(padded.nr_ops >= part.nr_ops);
        CHECK(run_header_equal(&part.hdr, &padded.hdr));
        CHECK(ops_equal(&part, &padded, part.nr_ops));
    }
    trace_free(&full);
    trace_free(&part);
    trace_free(&padded);
}

/* The header's bytes, bit by bit. */
static void header_bytes_decode_as_documented(void)
{
    static const uint8_t all[] = { 0xff, 200, 7, 0xff, 20, 0xff, 0xff,
                                   0xff, 0xff };
    static const uint8_t some[] = { 0x22 | 0x40, 63, 0, 4, 15, 0x31, 8,
                                    64, 2 };
    /* A queue of one entry reads as the hardware's page. */
    static const uint8_t queue_of_one[] = { 0, 0, 0, 0, 0, 0, 0, 65, 1 };
    /* batch_domains 8 and pin_bits 5 share the last byte. */
    static const uint8_t pins[] = { 0, 0, 0, 0, 0, 0, 8 + 9 * 5, 0, 0 };
    /* psi_max 3 and the maptrack order 6 share byte 4. */
    static const uint8_t maptrack[] = { 0, 0, 0, 0, 3 | 6 << 4, 0, 0, 0, 0 };
    struct trace t;

    trace_init(&t);
    decode_input(all, sizeof(all), &t);
    CHECK_EQ(t.nr_ops, 0);
    CHECK(t.hdr.cm && t.hdr.psi && t.hdr.qi && t.hdr.coherent &&
          t.hdr.rwbf && t.hdr.iommu_readonly && t.hdr.drain);
    CHECK(t.hdr.sid_tag);          /* bit 6 of 200 */
    CHECK_EQ(t.hdr.mamv, 200 % 64);
    CHECK_EQ(t.hdr.delay, 7);
    CHECK_EQ(t.hdr.nr_frames, 1024);
    CHECK_EQ(t.hdr.psi_max, 4);
    CHECK_EQ(t.hdr.pending_pages, 15);
    CHECK_EQ(t.hdr.pending_tables, 15);
    CHECK_EQ(t.hdr.batch_domains, 255 % 9);
    CHECK_EQ(t.hdr.pin_bits, 255 / 9 % 9);
    CHECK_EQ(t.hdr.maptrack_order, 20 >> 4);
    CHECK_EQ(t.hdr.unmap_batch, 255 % 65);
    CHECK_EQ(t.hdr.qi_entries, 255);
    decode_input(some, sizeof(some), &t);
    CHECK(!t.hdr.cm && t.hdr.psi && !t.hdr.qi && !t.hdr.coherent &&
          !t.hdr.rwbf && t.hdr.iommu_readonly && !t.hdr.drain);
    CHECK(!t.hdr.sid_tag);
    CHECK_EQ(t.hdr.mamv, 63);
    CHECK_EQ(t.hdr.delay, 0);
    CHECK_EQ(t.hdr.nr_frames, 256 + 4 + 1);
    CHECK_EQ(t.hdr.psi_max, 15);
    CHECK_EQ(t.hdr.pending_pages, 1);
    CHECK_EQ(t.hdr.pending_tables, 3);
    CHECK_EQ(t.hdr.batch_domains, 8);
    /* An input from before pin_bits: Xen's width. */
    CHECK_EQ(t.hdr.pin_bits, 0);
    CHECK_EQ(t.hdr.maptrack_order, 0);
    CHECK_EQ(t.hdr.unmap_batch, 64);
    CHECK_EQ(t.hdr.qi_entries, 2);
    decode_input(queue_of_one, sizeof(queue_of_one), &t);
    CHECK_EQ(t.hdr.unmap_batch, 0);
    CHECK_EQ(t.hdr.qi_entries, 0);
    decode_input(pins, sizeof(pins), &t);
    CHECK_EQ(t.hdr.batch_domains, 8);
    CHECK_EQ(t.hdr.pin_bits, 5);
    decode_input(maptrack, sizeof(maptrack), &t);
    CHECK_EQ(t.hdr.psi_max, 3);
    CHECK_EQ(t.hdr.maptrack_order, 6);
    trace_free(&t);
}

/* Op bytes: kind mod OP_NR, each field mod its range, frames in two. */
static void op_bytes_decode_as_documented(void)
{
    static const uint8_t in[] = {
        0, 0, 0, 63, 0, 0, 0, 0, 0,         /* 64 frames */
        OP_NR + OP_UNMAP, 9, 0xff, 0xff, 15,
        OP_GRANT_WRITE, 7, 22, 0x3f, 6, 65, 0,
        OP_GRANT_WRITE, 8, 23, 0, 14, 0x41, 1,
        OP_CREATE, 1, 3, 15, 9,
        OP_SETUP_TABLE, 2, 7, 8,
        OP_FAULT_AT, FP_NR + FP_QI_ERROR, 255,
        OP_GET_TYPE, 1, 5, 0, 15,
        OP_MAP, 2, 3, 17,                   /* cut short: flags read as 0 */
    };
    struct trace t;
    const struct op *o;

    trace_init(&t);
    decode_input(in, sizeof(in), &t);
    CHECK_EQ(t.nr_ops, 8);
    o = t.ops;
    CHECK_EQ(o[0].kind, OP_UNMAP);
    CHECK_EQ(o[0].d, 1);
    CHECK_EQ(o[0].handle, 1023);      /* 0xffff mod 1024 */
    CHECK_EQ(o[0].flags, UNMAP_HOST | UNMAP_DEVICE | UNMAP_WRONG_BUS);
    CHECK_EQ(o[1].d, DOMID_SELF);
    CHECK_EQ(o[1].ref, 0xffffffffU);
    CHECK_EQ(o[1].flags, 0x1f | GTF_sub_page);
    CHECK_EQ(o[1].grantee, DOMID_FIRST_RESERVED - 1);
    CHECK_EQ(o[1].mfn, 0);                  /* 65 mod 65 */
    CHECK_EQ(o[2].d, 0);
    CHECK_EQ(o[2].ref, 0);
    CHECK_EQ(o[2].flags, 0);
    CHECK_EQ(o[2].grantee, DOMID_FIRST_RESERVED - 1);
    CHECK_EQ(o[2].mfn, 61);           /* 0x141 mod 65 */
    CHECK_EQ(o[3].kind, OP_CREATE);
    CHECK_EQ(o[3].d, 1);
    CHECK_EQ(o[3].iommu, 1);
    CHECK_EQ(o[3].n, 4);                    /* 15 mod 11 */
    CHECK_EQ(o[3].maptrack, 4);
    CHECK_EQ(o[4].kind, OP_SETUP_TABLE);
    CHECK_EQ(o[4].rd, DOMID_SELF);
    CHECK_EQ(o[4].n, 63);                   /* code 8 */
    CHECK_EQ(o[5].point, FP_QI_ERROR);
    CHECK_EQ(o[5].n, 255);
    CHECK_EQ(o[6].mfn, 5);
    CHECK_EQ(o[6].type, 7);
    CHECK_EQ(o[7].kind, OP_MAP);
    CHECK_EQ(o[7].d, 2);
    CHECK_EQ(o[7].rd, 3);
    CHECK_EQ(o[7].ref, 512);
    CHECK_EQ(o[7].flags, 0);
    trace_free(&t);
}

static void sample_encodes_to_the_documented_bytes(void)
{
    static const char text[] =
        "caps cm=1 psi=0 mamv=9 qi=1 coherent=0 rwbf=1 delay=3\n"
        "config frames=600 ro=1 psi_max=5 pending_tables=2 batch_domains=3 "
        "unmap_batch=4 qi_entries=16\n"
        "create d=32751 iommu=1 gframes=2 mframes=3\n"
        "populate d=1 mfn=600\n"
        "unmap ld=self handle=513 parts=device,wrongbus\n"
        "grant_write d=2 ref=2048 flags=permit,subpage grantee=0 frame=4\n"
        "end\n";
    static const uint8_t expect[] = {
        0x01 | 0x04 | 0x10 | 0x20 | (2 << 6), 9, 3, (599 & 0xff), 5,
        2 << 4, 3, 4, 16,
        OP_CREATE, 6, 1, 2, 3,
        OP_POPULATE, 1, 600 & 0xff, 600 >> 8,
        OP_UNMAP, 7, 513 & 0xff, 513 >> 8, 6,
        OP_GRANT_WRITE, 2, 21, 0x21, 0, 4, 0,
        OP_END,
    };
    struct trace t, back;
    uint8_t out[64];
    char err[256];
    size_t n;

    trace_init(&t);
    trace_init(&back);
    CHECK(parse(text, &t, err, sizeof(err)));
    CHECK_EQ(encode_size(&t), sizeof(expect));
    CHECK(encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    CHECK_EQ(n, sizeof(expect));
    CHECK(!memcmp(out, expect, sizeof(expect)));
    decode_input(out, n, &back);
    CHECK(run_header_equal(&t.hdr, &back.hdr));
    CHECK_EQ(back.nr_ops, t.nr_ops);
    CHECK(ops_equal(&t, &back, t.nr_ops));
    trace_free(&t);
    trace_free(&back);
}

static void whole_sample_encodes_and_decodes_back(void)
{
    struct trace t, back;
    uint8_t out[512];
    char err[256];
    size_t n, size = DECODE_HEADER_BYTES, i, f;

    trace_init(&t);
    trace_init(&back);
    CHECK(trace_parse(sample, strlen(sample), "sample", &t, err, sizeof(err)));
    for ( i = 0; i < t.nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(t.ops[i].kind);

        size++;
        for ( f = 0; f < desc->nr_fields; f++ )
            size += desc->field[f].kind == OPF_FRAME ||
                    desc->field[f].kind == OPF_HANDLE ? 2 : 1;
    }
    CHECK_EQ(encode_size(&t), size);
    CHECK(encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    CHECK_EQ(n, size);
    decode_input(out, n, &back);
    CHECK(run_header_equal(&t.hdr, &back.hdr));
    CHECK_EQ(back.nr_ops, t.nr_ops);
    CHECK(ops_equal(&t, &back, t.nr_ops));
    err[0] = '\0';
    CHECK(!encode_trace(&t, out, size - 1, &n, err, sizeof(err)));
    CHECK(strstr(err, "bytes") != NULL);
    trace_free(&t);
    trace_free(&back);
}

/* An op no encoding can carry: refused, with the op and field named. */
static void encoder_refuses_what_it_cannot_carry(void)
{
    static const struct {
        struct op op;
        const char *expect;
    } cases[] = {
        { { .kind = OP_DESTROY, .d = 6 },
          "op 0 (destroy): d=6 cannot be encoded" },
        { { .kind = OP_GRANT_WRITE, .ref = 600, .flags = GTF_permit_access },
          "op 0 (grant_write): ref=600 cannot be encoded" },
        { { .kind = OP_GRANT_WRITE, .flags = 0x20 },
          "op 0 (grant_write): flags=32 cannot be encoded" },
        { { .kind = OP_POPULATE, .d = 1, .mfn = 65 },
          "op 0 (populate): mfn=65 cannot be encoded" },
        { { .kind = OP_UNMAP, .handle = 1024 },
          "op 0 (unmap): handle=1024 cannot be encoded" },
        { { .kind = OP_UNMAP, .flags = 8 },
          "op 0 (unmap): parts=8 cannot be encoded" },
        { { .kind = OP_CREATE, .n = 8 },
          "op 0 (create): gframes=8 cannot be encoded" },
        { { .kind = OP_CREATE, .maptrack = 5 },
          "op 0 (create): mframes=5 cannot be encoded" },
        { { .kind = OP_GET_TYPE, .type = 8 },
          "op 0 (get_type): type=8 cannot be encoded" },
        { { .kind = OP_FAULT_AT, .point = FP_NR },
          "op 0 (fault_at): point=8 cannot be encoded" },
        { { .kind = OP_SETUP_TABLE, .rd = DOMID_INVALID },
          "op 0 (setup_table): dom=32756 cannot be encoded" },
        { { .kind = OP_NR }, "op 0: unknown kind 20" },
    };
    struct trace t;
    uint8_t out[64];
    char err[256];
    unsigned int i;
    size_t n;

    trace_init(&t);
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        trace_clear(&t);
        CHECK(trace_push(&t, &cases[i].op));
        err[0] = '\0';
        CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
        if ( strcmp(err, cases[i].expect) )
        {
            printf("# case %u: got \"%s\"\n", i, err);
            CHECK(!"encoder error as expected");
        }
    }

    /* Headers outside what the first bytes carry. */
    trace_clear(&t);
    t.hdr.nr_frames = 0;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    CHECK(!strcmp(err, "header value out of range"));
    t.hdr.nr_frames = 64;
    t.hdr.mamv = 64;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.mamv = 9;
    t.hdr.psi_max = 16;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.psi_max = 4;
    t.hdr.pending_pages = 16;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.pending_pages = 0;
    t.hdr.pending_tables = 16;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.pending_tables = 0;
    t.hdr.batch_domains = 9;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.batch_domains = 8;
    t.hdr.pin_bits = 9;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.pin_bits = 8;
    t.hdr.maptrack_order = 8;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.maptrack_order = 7;
    t.hdr.unmap_batch = 65;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.unmap_batch = 64;
    t.hdr.qi_entries = 1;
    CHECK(!encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    t.hdr.qi_entries = 255;
    CHECK(encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    CHECK_EQ(n, DECODE_HEADER_BYTES);
    trace_free(&t);
}

/* At most DECODE_MAX_OPS ops either way. */
static void op_count_is_bounded(void)
{
    static uint8_t in[DECODE_HEADER_BYTES + DECODE_MAX_OPS + 100];
    struct trace t;
    struct op op = { .kind = OP_BEGIN };
    uint8_t *out;
    char err[256];
    size_t n;
    unsigned int i;

    memset(in, 0, sizeof(in));
    in[3] = 63;
    trace_init(&t);
    decode_input(in, sizeof(in), &t);
    CHECK_EQ(t.nr_ops, DECODE_MAX_OPS);

    out = malloc(DECODE_HEADER_BYTES + DECODE_MAX_OPS + 1);
    CHECK(encode_trace(&t, out, DECODE_HEADER_BYTES + DECODE_MAX_OPS, &n, err,
                       sizeof(err)));
    CHECK_EQ(n, DECODE_HEADER_BYTES + DECODE_MAX_OPS);
    CHECK(trace_push(&t, &op));
    CHECK(!encode_trace(&t, out, DECODE_HEADER_BYTES + DECODE_MAX_OPS + 1,
                        &n, err, sizeof(err)));
    CHECK(!strcmp(err, "4097 ops: the binary format carries at most 4096"));
    free(out);

    /* The text format takes more, up to TRACE_MAX_OPS. */
    trace_clear(&t);
    for ( i = 0; i < TRACE_MAX_OPS; i++ )
        if ( !trace_push(&t, &op) )
            break;
    CHECK_EQ(i, TRACE_MAX_OPS);
    CHECK(!trace_push(&t, &op));
    CHECK_EQ(t.nr_ops, TRACE_MAX_OPS);
    trace_free(&t);
}

static void empty_input_is_a_valid_run(void)
{
    struct trace t;

    trace_init(&t);
    decode_input(NULL, 0, &t);
    CHECK_EQ(t.nr_ops, 0);
    CHECK_EQ(t.hdr.nr_frames, 1);
    CHECK(!t.hdr.qi && !t.hdr.psi && !t.hdr.coherent);
    CHECK_EQ(t.hdr.psi_max, 0);
    trace_free(&t);
}

int main(void)
{
    RUN(text_round_trip_is_identity);
    RUN(header_fields_carry_their_values);
    RUN(op_fields_carry_their_values);
    RUN(field_order_and_hex_do_not_matter);
    RUN(header_defaults_and_comments);
    RUN(header_prints_every_field);
    RUN(every_field_value_prints_and_parses_back);
    RUN(ops_have_the_documented_fields);
    RUN(value_tables);
    RUN(names_of_values);
    RUN(malformed_lines_give_one_error);
    RUN(nul_bytes_and_long_lines_are_refused);
    RUN(random_text_never_crashes);
    RUN(every_input_decodes_and_round_trips);
    RUN(decoding_is_prefix_stable);
    RUN(header_bytes_decode_as_documented);
    RUN(op_bytes_decode_as_documented);
    RUN(sample_encodes_to_the_documented_bytes);
    RUN(whole_sample_encodes_and_decodes_back);
    RUN(encoder_refuses_what_it_cannot_carry);
    RUN(op_count_is_bounded);
    RUN(empty_input_is_a_valid_run);
    return tests_failed ? 1 : 0;
}
