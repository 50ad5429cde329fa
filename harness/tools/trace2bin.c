/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Seed corpora and dictionaries from the trace format's own tables, so
 * that neither can drift from what the decoder reads (`make corpora`).
 *
 *   trace2bin IN.trace OUT.bin   encode a text trace as fuzz_exec input
 *   trace2bin --canon IN.trace   print the trace in canonical form
 *   trace2bin --dict-exec        dictionary for fuzz_exec (stdout)
 *   trace2bin --dict-trace       dictionary for fuzz_trace (stdout)
 *
 * Exit status 0, or 1 with one "file:line: message" on stderr.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fault.h"
#include "file.h"
#include "trace.h"

static void parse_or_die(const char *path, struct trace *t)
{
    size_t len;
    char *text = file_read_or_report("trace2bin", path, &len), err[256];

    if ( !text )
        exit(1);
    if ( !trace_parse(text, len, path, t, err, sizeof(err)) )
    {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    free(text);
}

static int encode_file(const char *in, const char *out)
{
    struct trace t;
    size_t cap, len;
    uint8_t *bytes;
    char err[256];
    FILE *f;

    trace_init(&t);
    parse_or_die(in, &t);
    cap = encode_size(&t);
    bytes = malloc(cap);
    if ( !bytes || !encode_trace(&t, bytes, cap, &len, err, sizeof(err)) )
    {
        fprintf(stderr, "%s: %s\n", in, bytes ? err : "out of memory");
        return 1;
    }
    f = fopen(out, "wb");
    if ( !f || fwrite(bytes, 1, len, f) != len || fclose(f) )
    {
        perror(out);
        return 1;
    }
    free(bytes);
    trace_free(&t);
    return 0;
}

/* A dictionary value: printable ASCII as is, the rest as \xNN. */
static void dict_entry(const char *name, const uint8_t *v, size_t len)
{
    size_t i;

    printf("%s=\"", name);
    for ( i = 0; i < len; i++ )
    {
        if ( v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' && v[i] != '\\' )
            putchar(v[i]);
        else
            printf("\\x%02x", v[i]);
    }
    printf("\"\n");
}

static void dict_word(const char *prefix, const char *word)
{
    char name[96];
    size_t i;

    /* Entry names may hold letters, digits and '_' only. */
    snprintf(name, sizeof(name), "%s_%s", prefix, word);
    for ( i = 0; name[i]; i++ )
        if ( !((name[i] >= 'a' && name[i] <= 'z') ||
               (name[i] >= '0' && name[i] <= '9') || name[i] == '_') )
            name[i] = '_';
    dict_entry(name, (const uint8_t *)word, strlen(word));
}

/*
 * Whole ops with plausible operands: the mutator then inserts a complete
 * map or unmap in one step instead of growing one byte at a time.  The
 * names say what each op is; the bytes are what the encoder makes of it.
 */
static const char *const exec_ops[] = {
    "create d=1 iommu=1 gframes=2 mframes=1",
    "create d=2 iommu=1 gframes=1 mframes=1",
    "create d=0 iommu=1 gframes=1 mframes=1",
    "create d=3 iommu=0 gframes=1 mframes=1",
    "destroy d=1", "destroy d=2",
    "assign dev=0 d=1", "assign dev=1 d=2", "deassign dev=0",
    "populate d=1 mfn=1", "populate d=2 mfn=2", "remove d=1 mfn=1",
    "get_type d=1 mfn=1 type=l1", "get_type d=1 mfn=1 type=l4",
    "get_type d=1 mfn=1 type=seg_desc", "get_type d=1 mfn=1 type=writable",
    "put_type d=1 mfn=1",
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=1",
    "grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=1",
    "grant_write d=1 ref=511 flags=permit grantee=2 frame=1",
    "grant_write d=1 ref=512 flags=permit grantee=2 frame=1",
    "grant_write d=1 ref=0 flags=0 grantee=0 frame=0",
    "map ld=2 rd=1 ref=0 flags=host,device",
    "map ld=2 rd=1 ref=0 flags=host,device,ro",
    "map ld=2 rd=1 ref=0 flags=device",
    "map ld=2 rd=1 ref=0 flags=host,ro",
    "map ld=2 rd=1 ref=512 flags=device",
    "map ld=0 rd=1 ref=0 flags=host,device",
    "unmap ld=2 handle=0 parts=host,device", "unmap ld=2 handle=0 parts=host",
    "unmap ld=2 handle=0 parts=device",
    "unmap ld=2 handle=1 parts=device,wrongbus",
    "setup_table d=1 dom=self frames=2", "setup_table d=0 dom=1 frames=3",
    "query_size d=1 dom=self", "query_size d=0 dom=1",
    "begin", "end", "fault_nth n=1", "fault_nth n=2",
};

static void encode_op_line(const char *line, uint8_t *out, size_t *len)
{
    struct trace t;
    char err[256];
    uint8_t buf[64];
    size_t n;

    trace_init(&t);
    if ( !trace_parse(line, strlen(line), "dict", &t, err, sizeof(err)) ||
         !encode_trace(&t, buf, sizeof(buf), &n, err, sizeof(err)) )
    {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    /* Drop the run header: the entry is the op alone. */
    *len = n - DECODE_HEADER_BYTES;
    memcpy(out, buf + DECODE_HEADER_BYTES, *len);
    trace_free(&t);
}

static int dict_exec(void)
{
    unsigned int k, i;
    char name[64], line[64];
    uint8_t b[64];
    size_t len;

    printf("# fuzz_exec: op kind bytes and whole ops, as harness/input/decode.c reads\n"
           "# them.  Generated by trace2bin --dict-exec (make corpora);\n"
           "# do not edit.\n");
    for ( k = 0; k < OP_NR; k++ )
    {
        /* The decoder takes the kind byte modulo OP_NR. */
        b[0] = k;
        snprintf(name, sizeof(name), "kind_%s", op_kind_name(k));
        dict_entry(name, b, 1);
    }
    for ( i = 0; i < sizeof(exec_ops) / sizeof(exec_ops[0]); i++ )
    {
        encode_op_line(exec_ops[i], b, &len);
        snprintf(name, sizeof(name), "op%u_%s", i, op_kind_name(b[0]));
        dict_entry(name, b, len);
    }
    for ( k = 0; k < FP_NR; k++ )
    {
        snprintf(line, sizeof(line), "fault_at point=%s k=1",
                 fault_point_name(k));
        encode_op_line(line, b, &len);
        snprintf(name, sizeof(name), "fault_at_%u", k);
        dict_entry(name, b, len);
    }
    return 0;
}

static int dict_trace(void)
{
    static const struct op_field domain_probe = { .kind = OPF_DOMAIN };
    static const char *const header[] = {
        "caps", "config", "cm=", "psi=", "mamv=", "qi=", "coherent=",
        "rwbf=", "delay=", "drain=", "sid_tag=", "frames=", "ro=", "psi_max=",
        "pending_pages=", "pending_tables=", "batch_domains=", "pin_bits=",
        "maptrack_per_frame=", "unmap_batch=", "qi_entries=",
    };
    static const char *const flags[] = {
        "permit", "transfer", "transitive", "ro", "reading", "writing",
        "subpage", "host", "device", "wrongbus",
    };
    unsigned int k, i;
    char word[64];

    printf("# fuzz_trace: trace keywords (harness/input/trace.c).\n"
           "# Generated by trace2bin --dict-trace (make corpora);\n"
           "# do not edit.\n");
    for ( i = 0; i < sizeof(header) / sizeof(header[0]); i++ )
        dict_word("hdr", header[i]);
    for ( k = 0; k < OP_NR; k++ )
        dict_word("op", op_desc(k)->name);
    /* Field names, once each although several ops share "d" or "mfn". */
    for ( k = 0; k < OP_NR; k++ )
    {
        const struct op_desc *d = op_desc(k);

        for ( i = 0; i < d->nr_fields; i++ )
        {
            unsigned int k2, i2;
            bool seen = false;

            for ( k2 = 0; k2 <= k && !seen; k2++ )
                for ( i2 = 0; i2 < op_desc(k2)->nr_fields; i2++ )
                {
                    if ( k2 == k && i2 == i )
                        break;
                    if ( !strcmp(op_desc(k2)->field[i2].name,
                                 d->field[i].name) )
                        seen = true;
                }
            if ( seen )
                continue;
            snprintf(word, sizeof(word), "%s=", d->field[i].name);
            dict_word("field", word);
        }
    }
    for ( i = 0; i < sizeof(flags) / sizeof(flags[0]); i++ )
        dict_word("flag", flags[i]);
    for ( k = 0; k < OP_PAGE_TYPES; k++ )
        dict_word("type", page_type_name(k));
    for ( k = 0; k < FP_NR; k++ )
        dict_word("point", fault_point_name(k));
    /*
     * The domain ids and refs of the value tables beyond small numbers,
     * which a mutation of digits rarely hits: the largest domid, "self",
     * the refs at grant frame edges.
     */
    for ( k = 0; k < OP_DOMAINS; k++ )
    {
        format_domid(word, sizeof(word),
                     op_field_from_code(&domain_probe, k));
        if ( strlen(word) > 2 )
            dict_word("domid", word);
    }
    for ( k = 0; k < OP_REFS; k++ )
    {
        snprintf(word, sizeof(word), "%u", op_ref_value(k));
        if ( strlen(word) > 2 )
            dict_word("ref", word);
    }
    dict_entry("comment", (const uint8_t *)"#", 1);
    dict_entry("newline", (const uint8_t *)"\n", 1);
    return 0;
}

static int canon(const char *in)
{
    struct trace t;

    trace_init(&t);
    parse_or_die(in, &t);
    trace_print(stdout, &t, t.nr_ops);
    trace_free(&t);
    return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if ( argc == 2 && !strcmp(argv[1], "--dict-exec") )
        return dict_exec();
    if ( argc == 2 && !strcmp(argv[1], "--dict-trace") )
        return dict_trace();
    if ( argc == 3 && !strcmp(argv[1], "--canon") )
        return canon(argv[2]);
    if ( argc == 3 && argv[1][0] != '-' )
        return encode_file(argv[1], argv[2]);
    fprintf(stderr, "usage: trace2bin IN.trace OUT.bin | --canon IN.trace |"
            " --dict-exec | --dict-trace\n");
    return 2;
}
