/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzzer input bytes <-> op sequences (docs/design.md, "Inputs and reproduction").
 *
 * Every byte string decodes to a valid run: no input is rejected.  The
 * layout is prefix-stable, so that a mutation changes only what it hits:
 *
 *   bytes 0..8     the run header (missing bytes read as 0):
 *                    0: bit 0 cm, 1 psi, 2 qi, 3 coherent, 4 rwbf, 5 ro;
 *                       bits 6-7: bits 8-9 of frames - 1
 *                    1: bit 7 drain, bit 6 sid_tag; bits 0-5 mamv
 *                    2: delay
 *                    3: bits 0-7 of frames - 1
 *                    4: bits 0-3 psi_max, 4-7 maptrack_order (mod 8)
 *                    5: bits 0-3 pending_pages, 4-7 pending_tables
 *                    6: batch_domains (mod 9), then pin_bits (the
 *                       quotient, mod 9): byte = batch + 9 * pin_bits
 *                    7: unmap_batch (mod 65)
 *                    8: qi_entries (1 reads as 0)
 *                  frames - 1 is taken mod RUN_MAX_FRAMES, so that a
 *                  smaller RUN_MAX_FRAMES decodes every input too.
 *   then ops       one kind byte (mod OP_NR), then one byte per field of
 *                  that op (two, little endian, for a frame or handle), each
 *                  reduced modulo the field's range (op_field_range());
 *                  a last op cut short reads its missing bytes as 0.
 *
 * At most DECODE_MAX_OPS ops are decoded; the rest of the input is
 * ignored.  encode_trace() writes the bytes that decode to a given trace,
 * so corpora are generated from the text traces kept in the repository:
 * trace -> bytes -> trace is the identity.  Bytes -> trace -> bytes gives
 * the canonical form of an input, which runs exactly as the input does.
 */
#ifndef HARNESS_DECODE_H
#define HARNESS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define DECODE_HEADER_BYTES 9
#define DECODE_MAX_OPS      4096
#define DECODE_MAX_FRAMES   1024    /* what the header can carry */

/* Replace t's header and ops with what data decodes to. */
void decode_input(const uint8_t *data, size_t size, struct trace *t);

/*
 * Is every value of h inside what the header bytes can carry?  (The flush
 * policy, which they never carry, is the caller's to refuse.)
 */
bool run_header_encodable(const struct run_header *h);
/* Bytes encode_trace() needs for t. */
size_t encode_size(const struct trace *t);
/*
 * Write t's encoding to out (cap bytes).  False (with a message in err) if
 * it does not fit or a value lies outside what the encoding can carry.
 */
bool encode_trace(const struct trace *t, uint8_t *out, size_t cap,
                  size_t *len, char *err, size_t errlen);

#endif /* HARNESS_DECODE_H */
