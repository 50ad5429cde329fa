/* SPDX-License-Identifier: GPL-2.0-only */
/* The binary input format; see decode.h for the layout. */
#include <stdio.h>
#include <string.h>

#include "decode.h"

#define HDR_CM          0x01U
#define HDR_PSI         0x02U
#define HDR_QI          0x04U
#define HDR_COHERENT    0x08U
#define HDR_RWBF        0x10U
#define HDR_RO          0x20U
/* In the MAMV byte, above MAMV's range (so older inputs keep their MAMV). */
#define HDR_DRAIN       0x80U
#define HDR_SID_TAG     0x40U
/* Bits 8-9 of frames - 1 (its low byte is byte 3): DECODE_MAX_FRAMES. */
#define HDR_FRAMES_SHIFT    6
#define HDR_FRAMES_MASK     0xc0U

/* Reads past the end of the input give 0, so every prefix decodes. */
struct reader {
    const uint8_t *data;
    size_t size, pos;
};

static uint8_t next_byte(struct reader *r)
{
    return r->pos < r->size ? r->data[r->pos++] : (r->pos++, 0);
}

static unsigned int field_bytes(const struct op_field *f)
{
    return f->kind == OPF_FRAME || f->kind == OPF_HANDLE ? 2 : 1;
}

static void decode_header(struct reader *r, struct run_header *h)
{
    uint8_t bits = next_byte(r), mamv, psi, pending, limits, qi;

    memset(h, 0, sizeof(*h));
    h->cm = bits & HDR_CM;
    h->psi = bits & HDR_PSI;
    h->qi = bits & HDR_QI;
    h->coherent = bits & HDR_COHERENT;
    h->rwbf = bits & HDR_RWBF;
    h->iommu_readonly = bits & HDR_RO;
    mamv = next_byte(r);
    h->drain = mamv & HDR_DRAIN;
    h->sid_tag = mamv & HDR_SID_TAG;
    h->mamv = (mamv & ~(HDR_DRAIN | HDR_SID_TAG)) % (RUN_MAX_MAMV + 1);
    h->delay = next_byte(r);
    h->nr_frames = ((((bits & HDR_FRAMES_MASK) >> HDR_FRAMES_SHIFT) << 8 |
                     next_byte(r)) % RUN_MAX_FRAMES) + 1U;
    /* psi_max, then the maptrack order in the high nibble (older: 0). */
    psi = next_byte(r);
    h->psi_max = (psi & 0x0f) % (RUN_MAX_PSI_MAX + 1);
    h->maptrack_order = (psi >> 4) % (RUN_MAX_MAPTRACK_ORDER + 1);
    pending = next_byte(r);
    h->pending_pages = pending & 0x0f;
    h->pending_tables = pending >> 4;
    /* batch_domains + 9 * pin_bits: older inputs have pin_bits 0. */
    limits = next_byte(r);
    h->batch_domains = limits % (RUN_MAX_BATCH_DOMAINS + 1);
    h->pin_bits = limits / (RUN_MAX_BATCH_DOMAINS + 1) % (RUN_MAX_PIN_BITS + 1);
    h->unmap_batch = next_byte(r) % (RUN_MAX_UNMAP_BATCH + 1);
    qi = next_byte(r);
    h->qi_entries = qi == 1 ? 0 : qi;
}

void decode_input(const uint8_t *data, size_t size, struct trace *t)
{
    struct reader r = { .data = data, .size = size };

    trace_clear(t);
    decode_header(&r, &t->hdr);
    while ( r.pos < size && t->nr_ops < DECODE_MAX_OPS )
    {
        struct op op = { .kind = next_byte(&r) % OP_NR };
        const struct op_desc *desc = op_desc(op.kind);
        unsigned int i;

        for ( i = 0; i < desc->nr_fields; i++ )
        {
            const struct op_field *f = &desc->field[i];
            uint32_t raw = next_byte(&r);

            if ( field_bytes(f) == 2 )
                raw |= (uint32_t)next_byte(&r) << 8;
            op_field_set(&op, f, op_field_from_code(f,
                         raw % op_field_range(f, &t->hdr)));
        }
        trace_push(t, &op);
    }
}

bool run_header_encodable(const struct run_header *h)
{
    return h->nr_frames && h->nr_frames <= RUN_MAX_FRAMES &&
           h->nr_frames <= DECODE_MAX_FRAMES &&
           h->mamv <= RUN_MAX_MAMV && h->psi_max <= RUN_MAX_PSI_MAX &&
           h->pending_pages <= RUN_MAX_PENDING &&
           h->pending_tables <= RUN_MAX_PENDING &&
           h->batch_domains <= RUN_MAX_BATCH_DOMAINS &&
           h->pin_bits <= RUN_MAX_PIN_BITS &&
           h->maptrack_order <= RUN_MAX_MAPTRACK_ORDER &&
           h->unmap_batch <= RUN_MAX_UNMAP_BATCH && h->qi_entries != 1;
}

size_t encode_size(const struct trace *t)
{
    size_t n = DECODE_HEADER_BYTES, i;

    for ( i = 0; i < t->nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(t->ops[i].kind);
        unsigned int f;

        n++;
        for ( f = 0; desc && f < desc->nr_fields; f++ )
            n += field_bytes(&desc->field[f]);
    }
    return n;
}

bool encode_trace(const struct trace *t, uint8_t *out, size_t cap,
                  size_t *len, char *err, size_t errlen)
{
    const struct run_header *h = &t->hdr;
    size_t pos = 0, i;

    if ( cap < encode_size(t) )
    {
        snprintf(err, errlen, "encoding needs %zu bytes, have %zu",
                 encode_size(t), cap);
        return false;
    }
    if ( t->nr_ops > DECODE_MAX_OPS )
    {
        snprintf(err, errlen, "%zu ops: the binary format carries at most %d",
                 t->nr_ops, DECODE_MAX_OPS);
        return false;
    }
    if ( !run_header_encodable(h) )
    {
        snprintf(err, errlen, "header value out of range");
        return false;
    }
    if ( h->flush_policy )
    {
        snprintf(err, errlen, "flush_policy=%u: the binary format carries "
                 "only the design's policy", h->flush_policy);
        return false;
    }
    out[pos++] = (h->cm ? HDR_CM : 0) | (h->psi ? HDR_PSI : 0) |
                 (h->qi ? HDR_QI : 0) | (h->coherent ? HDR_COHERENT : 0) |
                 (h->rwbf ? HDR_RWBF : 0) | (h->iommu_readonly ? HDR_RO : 0) |
                 (((h->nr_frames - 1) >> 8) << HDR_FRAMES_SHIFT);
    out[pos++] = h->mamv | (h->drain ? HDR_DRAIN : 0) |
                 (h->sid_tag ? HDR_SID_TAG : 0);
    out[pos++] = h->delay;
    out[pos++] = (h->nr_frames - 1) & 0xff;
    out[pos++] = h->psi_max | h->maptrack_order << 4;
    out[pos++] = h->pending_pages | h->pending_tables << 4;
    out[pos++] = h->batch_domains + (RUN_MAX_BATCH_DOMAINS + 1) * h->pin_bits;
    out[pos++] = h->unmap_batch;
    out[pos++] = h->qi_entries;

    for ( i = 0; i < t->nr_ops; i++ )
    {
        const struct op *op = &t->ops[i];
        const struct op_desc *desc = op_desc(op->kind);
        unsigned int f;

        if ( !desc )
        {
            snprintf(err, errlen, "op %zu: unknown kind %u", i, op->kind);
            return false;
        }
        out[pos++] = op->kind;
        for ( f = 0; f < desc->nr_fields; f++ )
        {
            const struct op_field *fd = &desc->field[f];
            uint32_t val = op_field_get(op, fd);
            uint32_t code = op_field_code(fd, val);

            if ( code >= op_field_range(fd, h) ||
                 op_field_from_code(fd, code) != val )
            {
                snprintf(err, errlen, "op %zu (%s): %s=%u cannot be encoded",
                         i, desc->name, fd->name, val);
                return false;
            }
            out[pos++] = code & 0xff;
            if ( field_bytes(fd) == 2 )
                out[pos++] = code >> 8;
        }
    }
    *len = pos;
    return true;
}
