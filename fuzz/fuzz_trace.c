/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target for the text trace parser (harness/input/trace.c).
 *
 * Traces come from people and from crash reports (the .trace files in crashes/), so
 * the parser must survive any text.  When the text parses, three
 * properties of docs/design.md, "Inputs and reproduction" must hold, each a finding that aborts:
 *
 *   print-stable   print(parse(print(t))) == print(t): the printed form is
 *                  canonical and parses back to itself;
 *   encodable      a parsed trace of at most DECODE_MAX_OPS ops encodes to
 *                  bytes (every value the parser accepts is one the binary
 *                  format can carry);
 *   decode-inverse decode(encode(t)) == t, op for op, header included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "trace.h"

static void finding(const char *check, const char *what)
{
    /*
     * The executor's report shape, so that triage
     * (harness/tools/triage.c) reads both.
     */
    fprintf(stderr, "FINDING %s\n# trace parser: %s\n", check, what);
    abort();
}

/* The canonical text of t, malloc'd; the caller frees it. */
static char *print_to_string(const struct trace *t, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if ( !f )
        abort();
    trace_print(f, t, t->nr_ops);
    if ( fclose(f) )
        abort();
    return buf;
}

/* Ops compare by their fields: padding and unused members carry nothing. */
static bool same_op(const struct op *a, const struct op *b)
{
    const struct op_desc *desc = op_desc(a->kind);
    unsigned int i;

    if ( a->kind != b->kind || !desc )
        return false;
    for ( i = 0; i < desc->nr_fields; i++ )
        if ( op_field_get(a, &desc->field[i]) !=
             op_field_get(b, &desc->field[i]) )
            return false;
    return true;
}

static void check_binary_round_trip(const struct trace *t)
{
    static struct trace back;
    static bool init;
    size_t cap = encode_size(t), len = 0, i;
    uint8_t *bytes;
    char err[256];

    if ( t->nr_ops > DECODE_MAX_OPS )
        return;
    if ( !init )
    {
        trace_init(&back);
        init = true;
    }
    bytes = malloc(cap);
    if ( !bytes )
        abort();
    if ( !encode_trace(t, bytes, cap, &len, err, sizeof(err)) )
        finding("encodable", err);
    decode_input(bytes, len, &back);
    free(bytes);
    if ( !run_header_equal(&t->hdr, &back.hdr) )
        finding("decode-inverse", "header differs after encode/decode");
    if ( back.nr_ops != t->nr_ops )
        finding("decode-inverse", "op count differs after encode/decode");
    for ( i = 0; i < t->nr_ops; i++ )
        if ( !same_op(&t->ops[i], &back.ops[i]) )
            finding("decode-inverse", "an op differs after encode/decode");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Kept across inputs: the parser reuses the op storage. */
    static struct trace t, again;
    static bool init;
    char err[256], *first, *second;
    size_t first_len, second_len;

    if ( !init )
    {
        trace_init(&t);
        trace_init(&again);
        init = true;
    }
    if ( !trace_parse((const char *)data, size, "input", &t, err,
                      sizeof(err)) )
        return 0;

    first = print_to_string(&t, &first_len);
    if ( !trace_parse(first, first_len, "printed", &again, err, sizeof(err)) )
        finding("print-stable", err);
    second = print_to_string(&again, &second_len);
    if ( first_len != second_len || memcmp(first, second, first_len) )
        finding("print-stable", "printed trace prints differently when "
                "parsed back");
    free(first);
    free(second);

    check_binary_round_trip(&t);
    return 0;
}
