/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the two input formats (DESIGN.md section 9): text traces parse
 * and print back identically, a malformed line gives one "name:line:
 * message" error, every byte string decodes (prefix-stably) and the
 * encoder makes trace -> bytes -> trace the identity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/grant_table.h>

#include "decode.h"
#include "trace.h"
#include "../lib/check.h"

static const char sample[] =
    "caps cm=1 psi=1 mamv=9 qi=1 coherent=0 rwbf=0 delay=2\n"
    "config frames=64 ro=1 psi_max=4\n"
    "create d=1 iommu=1\n"
    "create d=2 iommu=0\n"
    "assign dev=0 d=1\n"
    "deassign dev=0\n"
    "populate d=1 mfn=5\n"
    "remove d=1 mfn=5\n"
    "get_type d=1 mfn=5 type=l1\n"
    "put_type d=1 mfn=5\n"
    "grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=5\n"
    "grant_write d=1 ref=16 flags=0 grantee=4 frame=64\n"
    "grant_write d=1 ref=3 flags=transitive,reading,writing,subpage "
    "grantee=0 frame=1\n"
    "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
    "map ld=2 rd=4 ref=0 flags=0\n"
    "unmap ld=2 handle=0 parts=host\n"
    "unmap ld=2 handle=255 parts=host,device\n"
    "begin\n"
    "end\n"
    "destroy d=1\n"
    "fault_nth n=3\n"
    "fault_at point=pt-alloc k=1\n"
    "fault_at point=qi-error k=0\n";

static char *print_to_string(const struct trace *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    trace_print(f, t, t->nr_ops);
    fclose(f);
    return buf;
}

static void text_round_trip_is_identity(void)
{
    struct trace t;
    char err[256], *out;

    trace_init(&t);
    CHECK(trace_parse(sample, strlen(sample), "sample", &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 21);
    out = print_to_string(&t);
    CHECK(!strcmp(out, sample));
    free(out);
    trace_free(&t);
}

static void fields_carry_their_values(void)
{
    static const char text[] =
        "grant_write d=3 ref=7 flags=permit,ro,subpage grantee=1 frame=9\n"
        "map ld=2 rd=1 ref=4 flags=device,ro\n"
        "get_type d=1 mfn=5 type=seg_desc\n"
        "fault_at point=qi-wait-timeout k=2\n";
    struct trace t;
    char err[256];

    trace_init(&t);
    CHECK(trace_parse(text, strlen(text), "t", &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 4);
    CHECK_EQ(t.ops[0].kind, OP_GRANT_WRITE);
    CHECK_EQ(t.ops[0].d, 3);
    CHECK_EQ(t.ops[0].ref, 7);
    CHECK_EQ(t.ops[0].flags, GTF_permit_access | GTF_readonly | GTF_sub_page);
    CHECK_EQ(t.ops[0].grantee, 1);
    CHECK_EQ(t.ops[0].mfn, 9);
    CHECK_EQ(t.ops[1].flags, GNTMAP_device_map | GNTMAP_readonly);
    CHECK_EQ(t.ops[1].d, 2);
    CHECK_EQ(t.ops[1].rd, 1);
    CHECK_EQ(t.ops[2].type, 5);
    CHECK_EQ(t.ops[3].n, 2);
    trace_free(&t);
}

static void header_defaults_and_comments(void)
{
    static const char text[] =
        "# only a comment\n"
        "\n"
        "caps cm=1   # the rest default\n"
        "   populate d=1 mfn=3   \n";
    struct trace t;
    struct run_header def;
    char err[256];

    run_header_default(&def);
    trace_init(&t);
    CHECK(trace_parse(text, strlen(text), "t", &t, err, sizeof(err)));
    CHECK_EQ(t.nr_ops, 1);
    CHECK(t.hdr.cm);
    CHECK_EQ(t.hdr.psi, def.psi);
    CHECK_EQ(t.hdr.nr_frames, def.nr_frames);
    CHECK_EQ(t.hdr.psi_max, def.psi_max);
    trace_free(&t);
}

/* Each bad line: parse fails with "bad:N: ..." naming the problem. */
static void malformed_lines_give_one_error(void)
{
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { "frobnicate d=1\n", "bad:1: unknown op 'frobnicate'" },
        { "create d=1\n", "bad:1: create needs field 'iommu'" },
        { "create d=1 iommu=1 iommu=0\n", "bad:1: field 'iommu' given twice" },
        { "create d=5 iommu=1\n", "bad:1: d=5 out of range 0..4" },
        { "create d=x iommu=1\n", "bad:1: d: 'x' is not a number" },
        { "create d=1 iommu=1 dev=0\n", "bad:1: create has no field 'dev'" },
        { "create d=1 iommu\n", "bad:1: expected key=value, got 'iommu'" },
        { "\n\nmap ld=1 rd=2 ref=0 flags=host,bogus\n",
          "bad:3: flags: unknown flag 'bogus'" },
        { "map ld=1 rd=2 ref=0 flags=host,host\n",
          "bad:1: flags: flag 'host' given twice" },
        { "unmap ld=1 handle=0 parts=ro\n", "bad:1: parts: unknown flag 'ro'" },
        { "grant_write d=1 ref=0 flags=permit,transfer grantee=2 frame=1\n",
          "bad:1: flags: more than one grant type" },
        { "populate d=1 mfn=65\n", "bad:1: mfn=65 out of range 0..64" },
        { "get_type d=1 mfn=1 type=l5\n",
          "bad:1: type: unknown page type 'l5'" },
        { "fault_at point=nowhere k=1\n",
          "bad:1: point: unknown fault point 'nowhere'" },
        { "populate d=1 mfn=1\ncaps cm=1\n",
          "bad:2: 'caps' after the first op" },
        { "caps cm=1\ncaps cm=0\n", "bad:2: second 'caps' line" },
        { "config frames=0\n", "bad:1: frames=0 out of range 1..1024" },
        { "caps mamv=64\n", "bad:1: mamv=64 out of range 0..63" },
        { "create d=99999999999 iommu=1\n",
          "bad:1: d: '99999999999' is not a number" },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct trace t;
        char err[256] = "";

        trace_init(&t);
        CHECK(!trace_parse(cases[i].text, strlen(cases[i].text), "bad", &t,
                           err, sizeof(err)));
        if ( strncmp(err, cases[i].expect, strlen(cases[i].expect)) )
        {
            printf("# case %u: got \"%s\"\n", i, err);
            CHECK(!"error message as expected");
        }
        CHECK(!strchr(err, '\n'));
        trace_free(&t);
    }
}

/* Garbage in text: an error or a trace, never a crash. */
static void random_text_never_crashes(void)
{
    static const char alphabet[] = "abcdefgimnoprstuxy_=,0123456789 \n#\t";
    struct trace t;
    char text[512], err[256];
    unsigned int i, j;

    srand(7);
    trace_init(&t);
    for ( i = 0; i < 3000; i++ )
    {
        size_t len = rand() % sizeof(text);

        for ( j = 0; j < len; j++ )
            text[j] = rand() % 8 ? alphabet[rand() % (sizeof(alphabet) - 1)]
                                 : (char)rand();
        if ( !trace_parse(text, len, "fuzz", &t, err, sizeof(err)) )
            CHECK(!strncmp(err, "fuzz:", 5));
    }
    trace_free(&t);
}

static void random_bytes(uint8_t *buf, size_t len)
{
    size_t i;

    for ( i = 0; i < len; i++ )
        buf[i] = rand();
}

/*
 * Any bytes decode; the printed trace parses back to the same ops and
 * encodes to bytes that decode to the same trace again.
 */
static void every_input_decodes_and_round_trips(void)
{
    struct trace a, b;
    uint8_t in[700], out[2000];
    char err[256], *text;
    unsigned int i;
    size_t len, n;

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
        CHECK(!memcmp(&a.hdr, &b.hdr, sizeof(a.hdr)));
        CHECK(!memcmp(a.ops, b.ops, a.nr_ops * sizeof(*a.ops)));
        CHECK(encode_trace(&b, out, sizeof(out), &n, err, sizeof(err)));
        decode_input(out, n, &b);
        CHECK_EQ(b.nr_ops, a.nr_ops);
        CHECK(!memcmp(a.ops, b.ops, a.nr_ops * sizeof(*a.ops)));
        free(text);
    }
    trace_free(&a);
    trace_free(&b);
}

/* Decoding a prefix gives a prefix of the ops (the last maybe cut short). */
static void decoding_is_prefix_stable(void)
{
    struct trace full, part;
    uint8_t in[400];
    unsigned int i;
    size_t cut;

    srand(13);
    trace_init(&full);
    trace_init(&part);
    for ( i = 0; i < 500; i++ )
    {
        random_bytes(in, sizeof(in));
        decode_input(in, sizeof(in), &full);
        cut = rand() % sizeof(in);
        decode_input(in, cut, &part);
        CHECK(part.nr_ops <= full.nr_ops);
        if ( cut >= DECODE_HEADER_BYTES )
            CHECK(!memcmp(&part.hdr, &full.hdr, sizeof(part.hdr)));
        if ( part.nr_ops > 1 )
            CHECK(!memcmp(part.ops, full.ops,
                          (part.nr_ops - 1) * sizeof(*part.ops)));
        if ( part.nr_ops )
            CHECK_EQ(part.ops[part.nr_ops - 1].kind,
                     full.ops[part.nr_ops - 1].kind);
    }
    trace_free(&full);
    trace_free(&part);
}

static void sample_encodes_and_decodes_back(void)
{
    struct trace t, back;
    uint8_t out[512];
    char err[256];
    size_t n;

    trace_init(&t);
    trace_init(&back);
    CHECK(trace_parse(sample, strlen(sample), "sample", &t, err, sizeof(err)));
    CHECK_EQ(encode_size(&t), DECODE_HEADER_BYTES + t.nr_ops + 58);
    CHECK(encode_trace(&t, out, sizeof(out), &n, err, sizeof(err)));
    CHECK_EQ(n, encode_size(&t));
    decode_input(out, n, &back);
    CHECK(!memcmp(&t.hdr, &back.hdr, sizeof(t.hdr)));
    CHECK_EQ(back.nr_ops, t.nr_ops);
    CHECK(!memcmp(t.ops, back.ops, t.nr_ops * sizeof(*t.ops)));
    CHECK(!encode_trace(&t, out, 10, &n, err, sizeof(err)));
    trace_free(&t);
    trace_free(&back);
}

static void empty_input_is_a_valid_run(void)
{
    struct trace t;

    trace_init(&t);
    decode_input(NULL, 0, &t);
    CHECK_EQ(t.nr_ops, 0);
    CHECK_EQ(t.hdr.nr_frames, 1);
    trace_free(&t);
}

int main(void)
{
    RUN(text_round_trip_is_identity);
    RUN(fields_carry_their_values);
    RUN(header_defaults_and_comments);
    RUN(malformed_lines_give_one_error);
    RUN(random_text_never_crashes);
    RUN(every_input_decodes_and_round_trips);
    RUN(decoding_is_prefix_stable);
    RUN(sample_encodes_and_decodes_back);
    RUN(empty_input_is_a_valid_run);
    return tests_failed ? 1 : 0;
}
