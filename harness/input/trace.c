/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text traces: the op/field table shared with the binary decoder, the
 * parser and the printer.  Printing is canonical (fields in table order,
 * flags in a fixed order), so print(parse(print(x))) == print(x).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <xen/lib.h>
#include <public/xen.h>
#include <public/grant_table.h>

#include "gtio.h"
#include "fault.h"
#include "nocov.h"
#include "trace.h"

#define FIELD(n, k, member) \
    { .name = (n), .kind = (k), .offset = offsetof(struct op, member), \
      .size = sizeof(((struct op *)0)->member) }

static const struct op_desc op_table[OP_NR] = {
    [OP_BEGIN]       = { "begin", 0, { { 0 } } },
    [OP_END]         = { "end", 0, { { 0 } } },
    [OP_CREATE]      = { "create", 4, {
        FIELD("d", OPF_DOMAIN, d), FIELD("iommu", OPF_BOOL, iommu),
        FIELD("gframes", OPF_GFRAMES, n),
        FIELD("mframes", OPF_MFRAMES, maptrack) } },
    [OP_DESTROY]     = { "destroy", 1, { FIELD("d", OPF_DOMAIN, d) } },
    [OP_ASSIGN]      = { "assign", 2, {
        FIELD("dev", OPF_DEVICE, dev), FIELD("d", OPF_DOMAIN, d) } },
    [OP_DEASSIGN]    = { "deassign", 1, { FIELD("dev", OPF_DEVICE, dev) } },
    [OP_POPULATE]    = { "populate", 2, {
        FIELD("d", OPF_DOMAIN, d), FIELD("mfn", OPF_FRAME, mfn) } },
    [OP_REMOVE]      = { "remove", 2, {
        FIELD("d", OPF_DOMAIN, d), FIELD("mfn", OPF_FRAME, mfn) } },
    [OP_GET_TYPE]    = { "get_type", 3, {
        FIELD("d", OPF_DOMAIN, d), FIELD("mfn", OPF_FRAME, mfn),
        FIELD("type", OPF_PAGE_TYPE, type) } },
    [OP_PUT_TYPE]    = { "put_type", 2, {
        FIELD("d", OPF_DOMAIN, d), FIELD("mfn", OPF_FRAME, mfn) } },
    [OP_GRANT_WRITE] = { "grant_write", 5, {
        FIELD("d", OPF_DOMAIN, d), FIELD("ref", OPF_REF, ref),
        FIELD("flags", OPF_GTF, flags), FIELD("grantee", OPF_DOMAIN, grantee),
        FIELD("frame", OPF_FRAME, mfn) } },
    [OP_MAP]         = { "map", 4, {
        FIELD("ld", OPF_DOMAIN, d), FIELD("rd", OPF_DOMAIN, rd),
        FIELD("ref", OPF_REF, ref), FIELD("flags", OPF_MAP_FLAGS, flags) } },
    [OP_UNMAP]       = { "unmap", 3, {
        FIELD("ld", OPF_DOMAIN, d), FIELD("handle", OPF_HANDLE, handle),
        FIELD("parts", OPF_PARTS, flags) } },
    [OP_FAULT_NTH]   = { "fault_nth", 1, { FIELD("n", OPF_COUNT, n) } },
    [OP_FAULT_AT]    = { "fault_at", 2, {
        FIELD("point", OPF_POINT, point), FIELD("k", OPF_COUNT, n) } },
    [OP_SETUP_TABLE] = { "setup_table", 3, {
        FIELD("d", OPF_DOMAIN, d), FIELD("dom", OPF_DOMAIN, rd),
        FIELD("frames", OPF_GFRAMES, n) } },
    /*
     * Within the next call, right before each of the first n atomic
     * updates Xen makes of d's shared entry ref (n=0: before every one),
     * d's other vCPU flips these flags in it (any of them, GTF_reading
     * and GTF_writing too: the entry is the guest's memory).
     */
    [OP_RACE]        = { "race", 4, {
        FIELD("d", OPF_DOMAIN, d), FIELD("ref", OPF_REF, ref),
        FIELD("flags", OPF_GTF, flags), FIELD("n", OPF_COUNT, n) } },
    [OP_QUERY_SIZE]  = { "query_size", 2, {
        FIELD("d", OPF_DOMAIN, d), FIELD("dom", OPF_DOMAIN, rd) } },
    /*
     * A DMA by the device: where it may fault, the unit records the fault
     * and the driver's handler must clear the record.
     */
    [OP_DMA]         = { "dma", 3, {
        FIELD("dev", OPF_DEVICE, dev), FIELD("bfn", OPF_FRAME, mfn),
        FIELD("write", OPF_BOOL, n) } },
    /*
     * The next call's n-th hypercall_preempt_check() (n=0: every one) says
     * yes: Xen stops the map or unmap loop there and continues the
     * hypercall later, which the guest issues again at once.
     */
    [OP_PREEMPT]     = { "preempt", 1, { FIELD("n", OPF_COUNT, n) } },
};

const struct op_desc *op_desc(unsigned int kind)
{
    return kind < OP_NR ? &op_table[kind] : NULL;
}

const char *op_kind_name(unsigned int kind)
{
    return kind < OP_NR ? op_table[kind].name : "?";
}

uint32_t op_field_get(const struct op *op, const struct op_field *f)
{
    const unsigned char *p = (const unsigned char *)op + f->offset;
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;

    switch ( f->size )
    {
    case 1:
        memcpy(&v8, p, 1);
        return v8;
    case 2:
        memcpy(&v16, p, 2);
        return v16;
    default:
        memcpy(&v32, p, 4);
        return v32;
    }
}

void op_field_set(struct op *op, const struct op_field *f, uint32_t val)
{
    unsigned char *p = (unsigned char *)op + f->offset;
    uint8_t v8 = val;
    uint16_t v16 = val;

    switch ( f->size )
    {
    case 1:
        memcpy(p, &v8, 1);
        break;
    case 2:
        memcpy(p, &v16, 2);
        break;
    default:
        memcpy(p, &val, 4);
        break;
    }
}

/*
 * Domain ids and grant refs are coded as small numbers that index these
 * tables: mostly small values, so that ops collide, and the ones at and
 * past Xen's limits (the largest domid, DOMID_SELF; the last entry of a
 * grant frame and the first of the next).
 */
static const uint32_t domain_values[OP_DOMAINS] = {
    0, 1, 2, 3, 4, 5, DOMID_FIRST_RESERVED - 1, DOMID_SELF,
};

static const uint32_t ref_values[OP_REFS] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    511, 512, 1023, 1024, 2047, 2048, 0xffffffffU,
};

static const uint32_t gframe_values[OP_GFRAME_CODES] = {
    0, 1, 2, 3, 4, 5, 6, 7, 63, 64, 65,
};

static uint32_t code_in(const uint32_t *values, unsigned int nr, uint32_t val)
{
    unsigned int i;

    for ( i = 0; i < nr; i++ )
        if ( values[i] == val )
            return i;
    return nr;              /* out of range: encode_trace() refuses it */
}

/*
 * The checks look values up for every entry after every call: a bounds
 * test whose coverage and comparison tracing say nothing about the input
 * (the values themselves are compared in Xen's code).  op_ref_code() keeps
 * its tracing: it hands a text trace's numbers to the table.
 */
NO_COVERAGE
uint32_t op_ref_value(unsigned int code)
{
    return code < OP_REFS ? ref_values[code] : 0xfffffffeU;
}

NO_COVERAGE
uint32_t op_gframes_value(unsigned int code)
{
    return code < OP_GFRAME_CODES ? gframe_values[code] : 0;
}

unsigned int op_ref_code(uint32_t ref)
{
    return code_in(ref_values, OP_REFS, ref);
}

unsigned int op_domain_code(uint32_t domid)
{
    return code_in(domain_values, OP_DOMAINS, domid);
}

uint32_t op_field_range(const struct op_field *f, const struct run_header *h)
{
    switch ( f->kind )
    {
    case OPF_DOMAIN:    return OP_DOMAINS;
    case OPF_DEVICE:    return OP_DEVICES;
    case OPF_BOOL:      return 2;
    case OPF_GFRAMES:   return OP_GFRAME_CODES;
    case OPF_MFRAMES:   return OP_MAPTRACK_MAX + 1U;
    case OPF_REF:       return OP_REFS;
    case OPF_HANDLE:    return OP_HANDLES;
    case OPF_FRAME:     return h->nr_frames + 1U;
    case OPF_PAGE_TYPE: return OP_PAGE_TYPES;
    case OPF_GTF:       return 64;
    case OPF_MAP_FLAGS: return 8;
    case OPF_PARTS:     return UNMAP_PARTS_MASK + 1U;
    case OPF_POINT:     return FP_NR;
    case OPF_COUNT:     return OP_COUNT_MAX + 1U;
    }
    return 1;
}

/* GTF codes: bits 0-4 are GTF bits 0-4, code bit 5 is GTF_sub_page. */
#define GTF_CODE_SUB_PAGE   0x20U

uint32_t op_field_code(const struct op_field *f, uint32_t val)
{
    switch ( f->kind )
    {
    case OPF_GTF:
        return (val & 0x1fU) | (val & GTF_sub_page ? GTF_CODE_SUB_PAGE : 0);
    case OPF_DOMAIN:
        return code_in(domain_values, OP_DOMAINS, val);
    case OPF_REF:
        return code_in(ref_values, OP_REFS, val);
    case OPF_GFRAMES:
        return code_in(gframe_values, OP_GFRAME_CODES, val);
    default:
        return val;
    }
}

uint32_t op_field_from_code(const struct op_field *f, uint32_t code)
{
    switch ( f->kind )
    {
    case OPF_GTF:
        return (code & 0x1fU) | (code & GTF_CODE_SUB_PAGE ? GTF_sub_page : 0);
    case OPF_DOMAIN:
        return code < OP_DOMAINS ? domain_values[code] : DOMID_INVALID;
    case OPF_REF:
        return code < OP_REFS ? ref_values[code] : 0xfffffffeU;
    case OPF_GFRAMES:
        return op_gframes_value(code);
    default:
        return code;
    }
}

/* Xen's PGT_* type field (bits 61-63 of type_info), by value. */
static const char *const page_type_names[OP_PAGE_TYPES] = {
    "none", "l1", "l2", "l3", "l4", "seg_desc", "shared", "writable",
};

const char *page_type_name(unsigned int type)
{
    return type < OP_PAGE_TYPES ? page_type_names[type] : "?";
}

struct flag_name {
    const char *name;
    unsigned int bits;
};

/* The grant type field is a value, not a bit set: at most one of these. */
static const struct flag_name gtf_types[] = {
    { "permit", GTF_permit_access },
    { "transfer", GTF_accept_transfer },
    { "transitive", GTF_transitive },
};

static const struct flag_name gtf_bits[] = {
    { "ro", GTF_readonly },
    { "reading", GTF_reading },
    { "writing", GTF_writing },
    { "subpage", GTF_sub_page },
};

static const struct flag_name map_bits[] = {
    { "host", GNTMAP_host_map },
    { "device", GNTMAP_device_map },
    { "ro", GNTMAP_readonly },
};

static const struct flag_name part_bits[] = {
    { "host", UNMAP_HOST },
    { "device", UNMAP_DEVICE },
    { "wrongbus", UNMAP_WRONG_BUS },
};

static void append(char *buf, size_t len, size_t *pos, const char *s)
{
    int n = snprintf(buf + *pos, len - *pos, "%s%s", *pos ? "," : "", s);

    if ( n > 0 && (size_t)n < len - *pos )
        *pos += n;
}

void format_gtf_flags(char *buf, size_t len, unsigned int flags)
{
    size_t pos = 0, i;

    buf[0] = '\0';
    for ( i = 0; i < ARRAY_SIZE(gtf_types); i++ )
        if ( (flags & GTF_type_mask) == gtf_types[i].bits )
            append(buf, len, &pos, gtf_types[i].name);
    for ( i = 0; i < ARRAY_SIZE(gtf_bits); i++ )
        if ( flags & gtf_bits[i].bits )
            append(buf, len, &pos, gtf_bits[i].name);
    if ( !pos )
        snprintf(buf, len, "0");
}

static void format_bits(char *buf, size_t len, unsigned int flags,
                        const struct flag_name *names, size_t nr)
{
    size_t pos = 0, i;

    buf[0] = '\0';
    for ( i = 0; i < nr; i++ )
        if ( flags & names[i].bits )
            append(buf, len, &pos, names[i].name);
    if ( !pos )
        snprintf(buf, len, "0");
}

void format_map_flags(char *buf, size_t len, unsigned int flags)
{
    format_bits(buf, len, flags, map_bits, ARRAY_SIZE(map_bits));
}

void format_unmap_parts(char *buf, size_t len, unsigned int parts)
{
    format_bits(buf, len, parts, part_bits, ARRAY_SIZE(part_bits));
}

void format_domid(char *buf, size_t len, unsigned int domid)
{
    if ( domid == DOMID_SELF )
        snprintf(buf, len, "self");
    else
        snprintf(buf, len, "%u", domid);
}

static void format_value(char *buf, size_t len, const struct op_field *f,
                         uint32_t val)
{
    switch ( f->kind )
    {
    case OPF_PAGE_TYPE:
        snprintf(buf, len, "%s", page_type_name(val));
        break;
    case OPF_GTF:
        format_gtf_flags(buf, len, val);
        break;
    case OPF_MAP_FLAGS:
        format_map_flags(buf, len, val);
        break;
    case OPF_PARTS:
        format_unmap_parts(buf, len, val);
        break;
    case OPF_DOMAIN:
        format_domid(buf, len, val);
        break;
    case OPF_POINT:
        snprintf(buf, len, "%s", fault_point_name(val));
        break;
    default:
        snprintf(buf, len, "%u", val);
        break;
    }
}

int trace_format_op(char *buf, size_t len, const struct op *op)
{
    const struct op_desc *desc = op_desc(op->kind);
    size_t pos = 0;
    unsigned int i;
    int n;

    if ( !desc )
        return snprintf(buf, len, "? kind=%u", op->kind);
    n = snprintf(buf, len, "%s", desc->name);
    for ( i = 0; i < desc->nr_fields && n >= 0; i++ )
    {
        char val[64];

        pos = (size_t)n < len ? (size_t)n : len;
        format_value(val, sizeof(val), &desc->field[i],
                     op_field_get(op, &desc->field[i]));
        n += snprintf(buf + pos, len - pos, " %s=%s", desc->field[i].name,
                      val);
    }
    return n;
}

void run_header_set_combination(struct run_header *h, unsigned int c)
{
    h->cm = c & 1;
    h->psi = c & 2;
    h->qi = c & 4;
    h->coherent = c & 8;
    h->rwbf = c & 16;
    h->iommu_readonly = c & 32;
    h->drain = c & 64;
    h->sid_tag = c & 128;
}

void run_header_default(struct run_header *h)
{
    memset(h, 0, sizeof(*h));
    h->psi = true;
    h->mamv = 9;
    h->qi = true;
    h->coherent = true;
    h->delay = 1;
    h->nr_frames = 64;
    h->iommu_readonly = true;
    h->psi_max = GTIO_DEFAULT_PSI_MAX;
}

bool run_header_equal(const struct run_header *a, const struct run_header *b)
{
    return a->cm == b->cm && a->psi == b->psi && a->qi == b->qi &&
           a->coherent == b->coherent && a->rwbf == b->rwbf &&
           a->drain == b->drain && a->sid_tag == b->sid_tag &&
           a->mamv == b->mamv && a->delay == b->delay &&
           a->nr_frames == b->nr_frames &&
           a->iommu_readonly == b->iommu_readonly &&
           a->psi_max == b->psi_max &&
           a->pending_pages == b->pending_pages &&
           a->pending_tables == b->pending_tables &&
           a->batch_domains == b->batch_domains &&
           a->pin_bits == b->pin_bits &&
           a->maptrack_order == b->maptrack_order &&
           a->unmap_batch == b->unmap_batch &&
           a->qi_entries == b->qi_entries &&
           a->flush_policy == b->flush_policy;
}

void trace_print_header(FILE *out, const struct run_header *h)
{
    fprintf(out, "caps cm=%d psi=%d mamv=%u qi=%d coherent=%d rwbf=%d "
            "delay=%u%s%s\n", h->cm, h->psi, h->mamv, h->qi, h->coherent,
            h->rwbf, h->delay, h->drain ? " drain=1" : "",
            h->sid_tag ? " sid_tag=1" : "");
    fprintf(out, "config frames=%u ro=%d psi_max=%u",
            h->nr_frames, h->iommu_readonly, h->psi_max);
    /* The record's limits only where an input sets them (0: Xen's). */
    if ( h->pending_pages )
        fprintf(out, " pending_pages=%u", h->pending_pages);
    if ( h->pending_tables )
        fprintf(out, " pending_tables=%u", h->pending_tables);
    if ( h->batch_domains )
        fprintf(out, " batch_domains=%u", h->batch_domains);
    if ( h->pin_bits )
        fprintf(out, " pin_bits=%u", h->pin_bits);
    if ( h->maptrack_order )
        fprintf(out, " maptrack_per_frame=%u", 1U << h->maptrack_order);
    if ( h->unmap_batch )
        fprintf(out, " unmap_batch=%u", h->unmap_batch);
    if ( h->qi_entries )
        fprintf(out, " qi_entries=%u", h->qi_entries);
    /* flush_policy is bench_flush's alone: no trace names it. */
    fputc('\n', out);
}

void trace_print(FILE *out, const struct trace *t, size_t nr)
{
    size_t i;

    trace_print_header(out, &t->hdr);
    for ( i = 0; i < nr && i < t->nr_ops; i++ )
    {
        char line[256];

        trace_format_op(line, sizeof(line), &t->ops[i]);
        fprintf(out, "%s\n", line);
    }
}

void trace_init(struct trace *t)
{
    memset(t, 0, sizeof(*t));
    run_header_default(&t->hdr);
}

void trace_free(struct trace *t)
{
    free(t->ops);
    memset(t, 0, sizeof(*t));
}

void trace_clear(struct trace *t)
{
    t->nr_ops = 0;
}

bool trace_push(struct trace *t, const struct op *op)
{
    if ( t->nr_ops == TRACE_MAX_OPS )
        return false;
    if ( t->nr_ops == t->cap )
    {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct op *ops = realloc(t->ops, cap * sizeof(*ops));

        if ( !ops )
        {
            fprintf(stderr, "trace: out of memory\n");
            abort();
        }
        t->ops = ops;
        t->cap = cap;
    }
    t->ops[t->nr_ops++] = *op;
    return true;
}

/* ---- parser ---- */

struct parser {
    const char *name;
    unsigned int line;
    char *err;
    size_t errlen;
};

static bool fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool fail(struct parser *p, const char *fmt, ...)
{
    char msg[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
    return false;
}

/* A decimal (or 0x hex) number that fits in 32 bits, nothing else. */
static bool parse_number(const char *s, uint32_t *val)
{
    unsigned long long v = 0;
    unsigned int base = 10, digits = 0;

    if ( s[0] == '0' && (s[1] == 'x' || s[1] == 'X') )
    {
        base = 16;
        s += 2;
    }
    for ( ; *s; s++, digits++ )
    {
        unsigned int d;

        if ( isdigit((unsigned char)*s) )
            d = *s - '0';
        else if ( base == 16 && isxdigit((unsigned char)*s) )
            d = tolower((unsigned char)*s) - 'a' + 10;
        else
            return false;
        v = v * base + d;
        if ( v > UINT32_MAX )
            return false;
    }
    *val = v;
    return digits > 0;
}

static bool lookup_flag(const struct flag_name *names, size_t nr,
                        const char *s, unsigned int *bits)
{
    size_t i;

    for ( i = 0; i < nr; i++ )
        if ( !strcmp(names[i].name, s) )
        {
            *bits = names[i].bits;
            return true;
        }
    return false;
}

/* "0", or names separated by commas, each at most once. */
static bool parse_flags(struct parser *p, const struct op_field *f,
                        char *s, uint32_t *val)
{
    unsigned int bits;
    char *save = NULL, *tok;
    bool have_type = false;

    *val = 0;
    if ( !strcmp(s, "0") )
        return true;
    for ( tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save) )
    {
        if ( f->kind == OPF_GTF &&
             lookup_flag(gtf_types, ARRAY_SIZE(gtf_types), tok, &bits) )
        {
            if ( have_type )
                return fail(p, "%s: more than one grant type", f->name);
            have_type = true;
        }
        else if ( f->kind == OPF_GTF )
        {
            if ( !lookup_flag(gtf_bits, ARRAY_SIZE(gtf_bits), tok, &bits) )
                return fail(p, "%s: unknown flag '%s' (permit, transfer, "
                            "transitive, ro, reading, writing, subpage)",
                            f->name, tok);
        }
        else if ( f->kind == OPF_PARTS )
        {
            if ( !lookup_flag(part_bits, ARRAY_SIZE(part_bits), tok, &bits) )
                return fail(p, "%s: unknown part '%s' (host, device, "
                            "wrongbus)", f->name, tok);
        }
        else if ( !lookup_flag(map_bits, ARRAY_SIZE(map_bits), tok, &bits) )
            return fail(p, "%s: unknown flag '%s' (host, device, ro)",
                        f->name, tok);
        if ( *val & bits )
            return fail(p, "%s: flag '%s' given twice", f->name, tok);
        *val |= bits;
    }
    return true;
}

static bool parse_value(struct parser *p, const struct op_field *f,
                        char *s, const struct run_header *h, uint32_t *val)
{
    uint32_t range = op_field_range(f, h);
    unsigned int i;

    switch ( f->kind )
    {
    case OPF_PAGE_TYPE:
        for ( i = 0; i < OP_PAGE_TYPES; i++ )
            if ( !strcmp(s, page_type_names[i]) )
            {
                *val = i;
                return true;
            }
        return fail(p, "%s: unknown page type '%s' (none, l1, l2, l3, l4, "
                    "seg_desc, shared, writable)", f->name, s);
    case OPF_POINT:
        *val = fault_point_by_name(s);
        if ( *val >= FP_NR )
            return fail(p, "%s: unknown fault point '%s'", f->name, s);
        return true;
    case OPF_GTF:
    case OPF_MAP_FLAGS:
    case OPF_PARTS:
        return parse_flags(p, f, s, val);
    case OPF_DOMAIN:
    case OPF_REF:
    case OPF_GFRAMES:
        if ( f->kind == OPF_DOMAIN && !strcmp(s, "self") )
            *val = DOMID_SELF;
        else if ( !parse_number(s, val) )
            return fail(p, "%s: '%s' is not a number", f->name, s);
        if ( op_field_code(f, *val) >= range )
            return fail(p, "%s=%s is not one the fuzzer can name (%s)",
                        f->name, s, f->kind == OPF_DOMAIN ?
                        "0-5, 32751, self" : f->kind == OPF_REF ?
                        "0-15, 511, 512, 1023, 1024, 2047, 2048, 4294967295" :
                        "0-7, 63, 64, 65");
        return true;
    default:
        if ( !parse_number(s, val) )
            return fail(p, "%s: '%s' is not a number", f->name, s);
        if ( *val >= range )
            return fail(p, "%s=%u out of range 0..%u", f->name, *val,
                        range - 1);
        return true;
    }
}

/* Split "key=value" in place. */
static bool split_pair(struct parser *p, char *tok, char **key, char **val)
{
    char *eq = strchr(tok, '=');

    if ( !eq || eq == tok || !eq[1] )
        return fail(p, "expected key=value, got '%s'", tok);
    *eq = '\0';
    *key = tok;
    *val = eq + 1;
    return true;
}

#define MAX_TOKENS  16

static bool parse_op(struct parser *p, char **tok, unsigned int nr,
                     const struct run_header *h, struct op *op)
{
    const struct op_desc *desc = NULL;
    bool seen[OP_MAX_FIELDS] = { false };
    unsigned int k, i, t;

    for ( k = 0; k < OP_NR; k++ )
        if ( !strcmp(tok[0], op_table[k].name) )
            desc = &op_table[k];
    if ( !desc )
        return fail(p, "unknown op '%s'", tok[0]);
    memset(op, 0, sizeof(*op));
    op->kind = desc - op_table;

    for ( t = 1; t < nr; t++ )
    {
        char *key = NULL, *val = NULL;
        uint32_t v;

        if ( !split_pair(p, tok[t], &key, &val) )
            return false;
        for ( i = 0; i < desc->nr_fields; i++ )
            if ( !strcmp(key, desc->field[i].name) )
                break;
        if ( i == desc->nr_fields )
            return fail(p, "%s has no field '%s'", desc->name, key);
        if ( seen[i] )
            return fail(p, "field '%s' given twice", key);
        seen[i] = true;
        if ( !parse_value(p, &desc->field[i], val, h, &v) )
            return false;
        op_field_set(op, &desc->field[i], v);
    }
    for ( i = 0; i < desc->nr_fields; i++ )
        if ( !seen[i] )
            return fail(p, "%s needs field '%s'", desc->name,
                        desc->field[i].name);
    return true;
}

struct header_field {
    const char *name;
    unsigned int max;
};

static bool parse_header_line(struct parser *p, char **tok, unsigned int nr,
                              struct run_header *h)
{
    static const struct header_field caps[] = {
        { "cm", 1 }, { "psi", 1 }, { "mamv", RUN_MAX_MAMV }, { "qi", 1 },
        { "coherent", 1 }, { "rwbf", 1 }, { "delay", 255 },
        { "drain", 1 }, { "sid_tag", 1 },
    };
    static const struct header_field config[] = {
        { "frames", RUN_MAX_FRAMES }, { "ro", 1 },
        { "psi_max", RUN_MAX_PSI_MAX },
        { "pending_pages", RUN_MAX_PENDING },
        { "pending_tables", RUN_MAX_PENDING },
        { "batch_domains", RUN_MAX_BATCH_DOMAINS },
        { "pin_bits", RUN_MAX_PIN_BITS },
        { "maptrack_per_frame", 1U << RUN_MAX_MAPTRACK_ORDER },
        { "unmap_batch", RUN_MAX_UNMAP_BATCH },
        { "qi_entries", RUN_MAX_QI_ENTRIES },
    };
    bool is_caps = !strcmp(tok[0], "caps");
    const struct header_field *fields = is_caps ? caps : config;
    unsigned int nr_fields = is_caps ? ARRAY_SIZE(caps) : ARRAY_SIZE(config);
    unsigned int seen = 0, t, i;

    for ( t = 1; t < nr; t++ )
    {
        char *key = NULL, *val = NULL;
        uint32_t v;

        if ( !split_pair(p, tok[t], &key, &val) )
            return false;
        for ( i = 0; i < nr_fields; i++ )
            if ( !strcmp(key, fields[i].name) )
                break;
        if ( i == nr_fields )
            return fail(p, "%s has no field '%s'", tok[0], key);
        if ( seen & (1U << i) )
            return fail(p, "field '%s' given twice", key);
        seen |= 1U << i;
        if ( !parse_number(val, &v) )
            return fail(p, "%s: '%s' is not a number", key, val);
        if ( v > fields[i].max || (!strcmp(key, "frames") && !v) )
            return fail(p, "%s=%u out of range %u..%u", key, v,
                        !strcmp(key, "frames") ? 1U : 0U, fields[i].max);
        if ( is_caps )
        {
            switch ( i )
            {
            case 0: h->cm = v; break;
            case 1: h->psi = v; break;
            case 2: h->mamv = v; break;
            case 3: h->qi = v; break;
            case 4: h->coherent = v; break;
            case 5: h->rwbf = v; break;
            case 6: h->delay = v; break;
            case 7: h->drain = v; break;
            default: h->sid_tag = v; break;
            }
        }
        else
        {
            switch ( i )
            {
            case 0: h->nr_frames = v; break;
            case 1: h->iommu_readonly = v; break;
            case 2: h->psi_max = v; break;
            case 3: h->pending_pages = v; break;
            case 4: h->pending_tables = v; break;
            case 5: h->batch_domains = v; break;
            case 6: h->pin_bits = v; break;
            case 8: h->unmap_batch = v; break;
            case 9:
                /* A queue of one entry is always full: it takes none. */
                if ( v == 1 )
                    return fail(p, "qi_entries=1: 0 (one page) or 2..%u",
                                RUN_MAX_QI_ENTRIES);
                h->qi_entries = v;
                break;
            default:
                /*
                 * 0 (Xen's 256) or a power of two from 2: Xen keeps an
                 * entry of the free list, so one a frame would not do.
                 */
                if ( v == 1 || (v & (v - 1)) )
                    return fail(p, "maptrack_per_frame=%u is not 0 or a "
                                "power of two 2..%u", v,
                                1U << RUN_MAX_MAPTRACK_ORDER);
                h->maptrack_order = v ? __builtin_ctz(v) : 0;
                break;
            }
        }
    }
    return true;
}

#define MAX_LINE    1024

bool trace_parse(const char *text, size_t len, const char *name,
                 struct trace *t, char *err, size_t errlen)
{
    struct parser p = { .name = name ? name : "<trace>", .err = err,
                        .errlen = errlen };
    bool seen_caps = false, seen_config = false;
    size_t pos = 0;

    trace_clear(t);
    run_header_default(&t->hdr);
    while ( pos < len )
    {
        char line[MAX_LINE], *tok[MAX_TOKENS], *save = NULL, *s, *hash;
        size_t end = pos, n;
        unsigned int nr = 0;

        while ( end < len && text[end] != '\n' )
            end++;
        p.line++;
        n = end - pos;
        if ( n >= sizeof(line) )
            return fail(&p, "line longer than %d characters", MAX_LINE - 1);
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if ( strlen(line) != n )
            return fail(&p, "NUL byte in a text trace");
        hash = strchr(line, '#');
        if ( hash )
            *hash = '\0';

        for ( s = strtok_r(line, " \t\r\f\v", &save); s;
              s = strtok_r(NULL, " \t\r\f\v", &save) )
        {
            if ( nr == MAX_TOKENS )
                return fail(&p, "too many fields");
            tok[nr++] = s;
        }
        if ( !nr )
            continue;

        if ( !strcmp(tok[0], "caps") || !strcmp(tok[0], "config") )
        {
            bool *seen = !strcmp(tok[0], "caps") ? &seen_caps : &seen_config;

            if ( t->nr_ops )
                return fail(&p, "'%s' after the first op", tok[0]);
            if ( *seen )
                return fail(&p, "second '%s' line", tok[0]);
            *seen = true;
            if ( !parse_header_line(&p, tok, nr, &t->hdr) )
                return false;
        }
        else
        {
            struct op op;

            if ( !parse_op(&p, tok, nr, &t->hdr, &op) )
                return false;
            if ( !trace_push(t, &op) )
                return fail(&p, "more than %d ops", TRACE_MAX_OPS);
        }
    }
    return true;
}
