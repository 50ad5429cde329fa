/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readable traces (docs/design.md, "Inputs and reproduction"): one op a line, parsed and printed
 * back identically, e.g.
 *
 *     caps cm=1 psi=1 mamv=9 qi=1 coherent=0 rwbf=0 delay=2
 *     config frames=64 ro=1 psi_max=4
 *     create d=1 iommu=1 gframes=1 mframes=1
 *     populate d=1 mfn=5
 *     grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=5
 *     map ld=2 rd=1 ref=0 flags=host,device,ro
 *     unmap ld=2 handle=0 parts=host
 *     begin
 *     end
 *     setup_table d=1 dom=self frames=2
 *     query_size d=2 dom=1
 *     fault_nth n=3
 *     fault_at point=pt-alloc k=1
 *
 * '#' starts a comment.  The two header lines are optional and come
 * before the first op; a header field left out takes its default.  An op
 * line must give every field of its op exactly once, in any order.
 *
 * The same table of ops and fields drives the binary decoder (decode.h),
 * so the two formats can never disagree on what an op carries.
 */
#ifndef HARNESS_TRACE_H
#define HARNESS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "op.h"

/* What kind of value a field holds: its range, its text form. */
enum op_field_kind {
    OPF_DOMAIN,         /* a domid of a table of OP_DOMAINS (trace.c) */
    OPF_DEVICE,         /* 0..OP_DEVICES-1 */
    OPF_BOOL,           /* 0, 1 */
    OPF_GFRAMES,        /* a grant frame count of a table of OP_GFRAME_CODES */
    OPF_MFRAMES,        /* 0..OP_MAPTRACK_MAX: maptrack frame counts */
    OPF_REF,            /* a grant ref of a table of OP_REFS (trace.c) */
    OPF_HANDLE,         /* 0..OP_HANDLES-1 */
    OPF_FRAME,          /* 0..nr_frames (nr_frames itself names no frame) */
    OPF_PAGE_TYPE,      /* Xen's PGT_ type by value: none, l1..l4, ... */
    OPF_GTF,            /* GTF_* names: permit|transfer|transitive, ro, ... */
    OPF_MAP_FLAGS,      /* host, device, ro */
    OPF_PARTS,          /* UNMAP_*: host, device, wrongbus */
    OPF_POINT,          /* fault point names (fault.h) */
    OPF_COUNT,          /* 0..OP_COUNT_MAX */
};

/* What the encodings can carry. */
#define OP_DOMAINS          8       /* 0-5, the largest domid, DOMID_SELF */
#define OP_DEVICES          5       /* 0..3 exist, 4 never */
/*
 * Grant frame counts: 0-7, so that a domain's table fills with a few
 * setup_tables, and Xen's opt_max_grant_frames (64) with one below and
 * one past it, so that its bound on a domain's maximum is reached.
 */
#define OP_GFRAME_CODES     11
#define OP_GFRAMES_MAX      65
#define OP_MAPTRACK_MAX     4
#define OP_REFS             23
#define OP_HANDLES          1024    /* four maptrack frames' worth */
#define OP_PAGE_TYPES       8
#define OP_COUNT_MAX        255     /* fault n / k */

struct op_field {
    const char *name;
    enum op_field_kind kind;
    uint8_t offset;     /* in struct op */
    uint8_t size;       /* bytes: 1, 2 or 4 */
};

#define OP_MAX_FIELDS   5

struct op_desc {
    const char *name;
    unsigned int nr_fields;
    struct op_field field[OP_MAX_FIELDS];
};

/* The description of op kind k (k < OP_NR). */
const struct op_desc *op_desc(unsigned int kind);
const char *op_kind_name(unsigned int kind);

uint32_t op_field_get(const struct op *op, const struct op_field *f);
void op_field_set(struct op *op, const struct op_field *f, uint32_t val);
/* How many values the field can take (it holds 0..range-1). */
uint32_t op_field_range(const struct op_field *f, const struct run_header *h);
/*
 * The field's value as a small code 0..range-1 and back: identity except
 * for GTF flags, whose sub_page bit (GTF bit 8) is code bit 5, and domain
 * ids and grant refs, which index value tables.  A value no code stands
 * for gets code range (out of range).
 */
uint32_t op_field_code(const struct op_field *f, uint32_t val);
uint32_t op_field_from_code(const struct op_field *f, uint32_t code);

/* Grant refs by code (the index OPF_REF codes) and back (OP_REFS: none). */
uint32_t op_ref_value(unsigned int code);
unsigned int op_ref_code(uint32_t ref);
/* A grant frame count by code (the index OPF_GFRAMES codes). */
uint32_t op_gframes_value(unsigned int code);
/* A domain id's code (OP_DOMAINS: none names it). */
unsigned int op_domain_code(uint32_t domid);

/* Names of page types and fault points, as the trace spells them. */
const char *page_type_name(unsigned int type);
void format_gtf_flags(char *buf, size_t len, unsigned int flags);
void format_map_flags(char *buf, size_t len, unsigned int flags);
void format_unmap_parts(char *buf, size_t len, unsigned int parts);
void format_domid(char *buf, size_t len, unsigned int domid);

struct trace {
    struct run_header hdr;
    struct op *ops;
    size_t nr_ops;
    size_t cap;
};

#define TRACE_MAX_OPS   65536

/* An empty trace with the default header. */
void trace_init(struct trace *t);
void trace_free(struct trace *t);
/* Drop the ops, keep the storage (and the header). */
void trace_clear(struct trace *t);
/* Append; false only when TRACE_MAX_OPS are there already. */
bool trace_push(struct trace *t, const struct op *op);
void run_header_default(struct run_header *h);

/*
 * The binary capabilities soak and explore go through, combination c's
 * bits: CAP.CM, CAP.PSI, ECAP.QI, ECAP.C, CAP.RWBF, read-only IOMMU
 * mappings, CAP.DRD/DWD, source-id-tagged IOTLB (bit 0 to 7).
 */
#define RUN_CAP_COMBINATIONS 256
void run_header_set_combination(struct run_header *h, unsigned int c);
/* Same machine and configuration, member by member (no padding compared). */
bool run_header_equal(const struct run_header *a, const struct run_header *b);

/*
 * Parse a text trace.  On error returns false and writes one line
 * "name:line: message" (no newline) to err.  Never crashes on any input.
 */
bool trace_parse(const char *text, size_t len, const char *name,
                 struct trace *t, char *err, size_t errlen);

/* One op as its trace line (no newline); returns snprintf's count. */
int trace_format_op(char *buf, size_t len, const struct op *op);
void trace_print_header(FILE *out, const struct run_header *h);
/* Header, then ops [0, nr) (nr may be less than t->nr_ops). */
void trace_print(FILE *out, const struct trace *t, size_t nr);

#endif /* HARNESS_TRACE_H */
