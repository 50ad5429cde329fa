/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit digests of the machine's state, for the explorer's pruning
 * (harness/tools/explore.c): two runs whose digests agree are taken to be in
 * the same state, so only one of them is explored further.
 *
 * Each part of the machine digests what decides its future behaviour and
 * leaves out what only records its past (statistics, sequence numbers,
 * host addresses): states reached by different paths must give the same
 * digest, or nothing is pruned.  Leaving something out that does decide
 * behaviour would merge different states and hide bugs, so when in doubt
 * a part digests more.  Sets are digested with digest_set_add(), which
 * does not depend on the order they are walked in.
 */
#ifndef HARNESS_DIGEST_H
#define HARNESS_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DIGEST_SEED 0x6a09e667f3bcc909ULL

/* One word into a digest (a multiply-xorshift round: fast, well mixed). */
static inline uint64_t digest_u64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

static inline uint64_t digest_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t w;

    for ( ; n >= 8; n -= 8, b += 8 )
    {
        memcpy(&w, b, 8);
        h = digest_u64(h, w);
    }
    if ( n )
    {
        w = 0;
        memcpy(&w, b, n);
        h = digest_u64(h, w ^ ((uint64_t)n << 56));
    }
    return h;
}

/*
 * For memory that is mostly zero (tables, the model's arrays): only the
 * nonzero words count, each with its offset, so a digest costs a load
 * and a test per zero word.  Not the same value digest_bytes() gives.
 */
static inline uint64_t digest_sparse(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;
    uint64_t w;

    for ( i = 0; i + 8 <= n; i += 8 )
    {
        memcpy(&w, b + i, 8);
        if ( w )
            h = digest_u64(h ^ i, w);
    }
    return digest_bytes(h, b + i, n - i);
}

/* An element of a set: the sum does not depend on the order of adding. */
static inline uint64_t digest_set_add(uint64_t set, uint64_t element)
{
    return set + digest_u64(DIGEST_SEED, element);
}

#endif /* HARNESS_DIGEST_H */
