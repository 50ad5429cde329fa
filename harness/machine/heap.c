/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's frames (see heap.h): the frame table of guest and heap
 * frames, the memory behind the heap ones, and a leak-tracking malloc.
 *
 * All heap frames live in one arena allocated once, so that an address
 * maps back to its frame by arithmetic: write_atomic() and clflush report
 * bare pointers, and the IOMMU model needs the frame behind them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/mm.h>
#include <harness/hooks.h>

#include "digest.h"
#include "heap.h"
#include "vtd_sim.h"

/* Freed frames are poisoned under ASan: a stale pointer into one shows. */
#if defined(__SANITIZE_ADDRESS__)
# define HEAP_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define HEAP_ASAN 1
# endif
#endif
#ifdef HEAP_ASAN
# include <sanitizer/asan_interface.h>
# define frame_poison(p)    ASAN_POISON_MEMORY_REGION(p, HEAP_FRAME_SIZE)
# define frame_unpoison(p)  ASAN_UNPOISON_MEMORY_REGION(p, HEAP_FRAME_SIZE)
#else
# define frame_poison(p)    ((void)(p))
# define frame_unpoison(p)  ((void)(p))
#endif

static unsigned char *arena;
static struct page_info heap_pages[HEAP_MAX_FRAMES];
static struct page_info guest_pages[GUEST_MAX_FRAMES];
static uint8_t frame_state[HEAP_MAX_FRAMES];    /* enum heap_frame_state */

static struct {
    unsigned long nr_guest;             /* guest frames 0..nr_guest-1 */
    unsigned int used;                  /* frames 0..used-1 touched */
    unsigned int live;
    unsigned int limit;
    unsigned int nr_free;
    unsigned int free_stack[HEAP_MAX_FRAMES];   /* LIFO of freed frames */
} heap = { .limit = HEAP_MAX_FRAMES };

static void arena_init(void)
{
    if ( arena )
        return;
    arena = aligned_alloc(HEAP_FRAME_SIZE,
                          (size_t)HEAP_MAX_FRAMES * HEAP_FRAME_SIZE);
    if ( !arena )
    {
        fprintf(stderr, "heap: cannot allocate the frame arena\n");
        abort();
    }
}

static unsigned char *frame_va(unsigned int idx)
{
    return arena + (size_t)idx * HEAP_FRAME_SIZE;
}

static void xmalloc_reset(void);
static unsigned int xm_nr_live;

void heap_reset(void)
{
    unsigned int i;

    for ( i = 0; i < heap.used; i++ )
    {
        if ( frame_state[i] == HEAP_FRAME_FREE )
            frame_unpoison(frame_va(i));
        frame_state[i] = HEAP_FRAME_NONE;
    }
    memset(heap_pages, 0, heap.used * sizeof(heap_pages[0]));
    memset(guest_pages, 0, heap.nr_guest * sizeof(guest_pages[0]));
    heap.used = heap.live = heap.nr_free = 0;
    heap.limit = HEAP_MAX_FRAMES;
    xmalloc_reset();
}

void heap_set_limit(unsigned int frames)
{
    heap.limit = frames < HEAP_MAX_FRAMES ? frames : HEAP_MAX_FRAMES;
}

unsigned int heap_live_pages(void)
{
    return heap.live;
}

unsigned int heap_frames_used(void)
{
    return heap.used;
}

/* A frame's page_info, without the list links and the owner's address. */
static uint64_t page_digest(uint64_t h, const struct page_info *pg)
{
    h = digest_u64(h, pg->count_info);
    h = digest_u64(h, pg->u.inuse.type_info);
    return digest_u64(h, pg->v.inuse._domain != NULL);
}

/*
 * A live frame's nonzero words, each through canon: some of Xen's hold
 * host pointers (an active entry's domain), which differ from run to run
 * for the same state.
 */
static uint64_t frame_digest(uint64_t h, const uint64_t *w,
                             uint64_t (*canon)(uint64_t word, void *ctx),
                             void *ctx)
{
    unsigned int i;

    for ( i = 0; i < HEAP_FRAME_SIZE / 8; i++ )
        if ( w[i] )
            h = digest_u64(h ^ i, canon ? canon(w[i], ctx) : w[i]);
    return h;
}

/*
 * Live heap frames hold Xen's grant tables, active entries, maptrack and
 * IOMMU tables: their contents and page_info.  The free stack decides
 * which frame the next allocation gets, so it counts too; what a freed
 * frame still holds does not (reading it is a finding of its own).
 */
uint64_t heap_digest(uint64_t h, uint64_t (*canon)(uint64_t word, void *ctx),
                     void *ctx)
{
    unsigned int i;

    h = digest_u64(h, heap.used);
    for ( i = 0; i < heap.used; i++ )
    {
        h = digest_u64(h, frame_state[i]);
        if ( frame_state[i] != HEAP_FRAME_LIVE )
            continue;
        h = page_digest(h, &heap_pages[i]);
        h = frame_digest(h, (const uint64_t *)frame_va(i), canon, ctx);
    }
    h = digest_bytes(h, heap.free_stack,
                     heap.nr_free * sizeof(heap.free_stack[0]));
    for ( i = 0; i < heap.nr_guest; i++ )
        h = page_digest(h, &guest_pages[i]);
    return digest_u64(h, xm_nr_live);
}

enum heap_frame_state heap_frame_state(unsigned long mfn)
{
    return heap_is_heap_mfn(mfn) ? frame_state[mfn - HEAP_BASE_MFN]
                                 : HEAP_FRAME_NONE;
}

void *heap_frame_va(unsigned long mfn)
{
    if ( heap_frame_state(mfn) == HEAP_FRAME_NONE )
        return NULL;
    return frame_va(mfn - HEAP_BASE_MFN);
}

void heap_frame_read(unsigned long mfn, unsigned int off, void *buf,
                     unsigned int len)
{
    enum heap_frame_state st = heap_frame_state(mfn);
    unsigned char *va = frame_va(mfn - HEAP_BASE_MFN);

    if ( st == HEAP_FRAME_NONE || off > HEAP_FRAME_SIZE ||
         len > HEAP_FRAME_SIZE - off )
        hh_bug(__FILE__, __LINE__, "heap_frame_read outside a heap frame");
    if ( st == HEAP_FRAME_FREE )
        frame_unpoison(va);
    memcpy(buf, va + off, len);
    if ( st == HEAP_FRAME_FREE )
        frame_poison(va);
}

void heap_frame_write(unsigned long mfn, unsigned int off, const void *buf,
                      unsigned int len)
{
    enum heap_frame_state st = heap_frame_state(mfn);
    unsigned char *va = frame_va(mfn - HEAP_BASE_MFN);

    if ( st == HEAP_FRAME_NONE || off > HEAP_FRAME_SIZE ||
         len > HEAP_FRAME_SIZE - off )
        hh_bug(__FILE__, __LINE__, "heap_frame_write outside a heap frame");
    if ( st == HEAP_FRAME_FREE )
        frame_unpoison(va);
    memcpy(va + off, buf, len);
    if ( st == HEAP_FRAME_FREE )
        frame_poison(va);
}

/*
 * Without an early exit, so that the compiler vectorises it; and no
 * memcmp(), whose fuzzer interceptor would record the simulator's
 * comparisons as if they were the target's.  Not checked by ASan, as its
 * callers are not: a checked function is not inlined into an unchecked
 * one, and checking every word of two whole frames was a fifth of the
 * ASan build's time.
 */
__attribute__((no_sanitize("address", "pointer-overflow")))
static inline bool words_xor_zero(const uint64_t *a, const uint64_t *b,
                                  unsigned int n)
{
    /*
     * Four words at a time in a vector type, not left to the vectoriser:
     * the ASan build is compiled at -O1, which does not vectorise.
     */
    typedef uint64_t words4 __attribute__((vector_size(32)));
    words4 diff4 = { 0 };
    uint64_t diff = 0;
    unsigned int i;

    for ( i = 0; i + 4 <= n; i += 4 )
    {
        words4 x, y;

        __builtin_memcpy(&x, a + i, sizeof(x));
        __builtin_memcpy(&y, b + i, sizeof(y));
        diff4 |= x ^ y;
    }
    for ( ; i < n; i++ )
        diff |= a[i] ^ b[i];
    return !(diff | diff4[0] | diff4[1] | diff4[2] | diff4[3]);
}

/*
 * The simulated unit compares frames at every sync: twice as wide pays,
 * and so does leaving out ASan's check of every word (both buffers are
 * whole frames the harness owns, unpoisoned by the caller).
 */
#if defined(__x86_64__)
__attribute__((target("avx2"), no_sanitize("address", "pointer-overflow")))
static bool words_equal_avx2(const uint64_t *a, const uint64_t *b,
                             unsigned int n)
{
    return words_xor_zero(a, b, n);
}
#endif

__attribute__((no_sanitize("address", "pointer-overflow")))
static bool words_equal(const uint64_t *a, const uint64_t *b, unsigned int n)
{
#if defined(__x86_64__)
    static int avx2 = -1;

    if ( avx2 < 0 )
        avx2 = __builtin_cpu_supports("avx2");
    if ( avx2 )
        return words_equal_avx2(a, b, n);
#endif
    return words_xor_zero(a, b, n);
}

bool heap_frame_equals(unsigned long mfn, const void *buf)
{
    enum heap_frame_state st = heap_frame_state(mfn);
    unsigned char *va = frame_va(mfn - HEAP_BASE_MFN);
    bool same;

    if ( st == HEAP_FRAME_NONE )
        hh_bug(__FILE__, __LINE__, "heap_frame_equals outside a heap frame");
    if ( st == HEAP_FRAME_FREE )
        frame_unpoison(va);
    same = words_equal((const uint64_t *)va, buf,
                       HEAP_FRAME_SIZE / sizeof(uint64_t));
    if ( st == HEAP_FRAME_FREE )
        frame_poison(va);
    return same;
}

bool heap_frame_kept_mapped(unsigned long mfn)
{
    return heap_frame_state(mfn) == HEAP_FRAME_LIVE &&
           (heap_pages[mfn - HEAP_BASE_MFN].count_info & PGC_xen_heap);
}

bool heap_va_to_mfn(const volatile void *va, unsigned long *mfn,
                    unsigned int *offset)
{
    uintptr_t p = (uintptr_t)va, base = (uintptr_t)arena;
    size_t idx;

    if ( !arena || p < base ||
         p - base >= (size_t)HEAP_MAX_FRAMES * HEAP_FRAME_SIZE )
        return false;
    idx = (p - base) / HEAP_FRAME_SIZE;
    if ( frame_state[idx] == HEAP_FRAME_NONE )
        return false;
    *mfn = HEAP_BASE_MFN + idx;
    *offset = (p - base) % HEAP_FRAME_SIZE;
    return true;
}

void heap_set_guest_frames(unsigned long nr)
{
    if ( nr > GUEST_MAX_FRAMES )
        hh_bug(__FILE__, __LINE__, "more guest frames than the frame table");
    memset(guest_pages, 0, heap.nr_guest * sizeof(guest_pages[0]));
    heap.nr_guest = nr;
}

unsigned long heap_guest_frames(void)
{
    return heap.nr_guest;
}

struct page_info *heap_alloc_frame(void)
{
    unsigned int idx;

    arena_init();
    if ( heap.live >= heap.limit )
        return NULL;

    /* Last freed first: a stale user of that frame sees the new contents. */
    if ( heap.nr_free )
        idx = heap.free_stack[--heap.nr_free];
    else if ( heap.used < HEAP_MAX_FRAMES )
        idx = heap.used++;
    else
        return NULL;

    if ( frame_state[idx] == HEAP_FRAME_FREE )
        frame_unpoison(frame_va(idx));
    frame_state[idx] = HEAP_FRAME_LIVE;
    heap.live++;
    memset(&heap_pages[idx], 0, sizeof(heap_pages[idx]));
    /* Xen's allocator does not clear pages: code that forgets to shows. */
    memset(frame_va(idx), HEAP_POISON_BYTE, HEAP_FRAME_SIZE);
    vtd_sim_frame_allocated(HEAP_BASE_MFN + idx);
    return &heap_pages[idx];
}

static unsigned int heap_index(const struct page_info *pg, const char *what)
{
    uintptr_t p = (uintptr_t)pg, base = (uintptr_t)heap_pages;

    if ( !pg || p < base || p - base >= sizeof(heap_pages) ||
         (p - base) % sizeof(*pg) )
        hh_bug(__FILE__, __LINE__, what);
    return (p - base) / sizeof(*pg);
}

void heap_free_frame(struct page_info *pg)
{
    unsigned int idx = heap_index(pg, "free of a non-heap page");

    vtd_sim_poke();
    if ( frame_state[idx] != HEAP_FRAME_LIVE )
        hh_bug(__FILE__, __LINE__,
               frame_state[idx] == HEAP_FRAME_FREE ?
               "double free of a heap page" :
               "free of a heap page never allocated");
    frame_state[idx] = HEAP_FRAME_FREE;
    heap.live--;
    heap.free_stack[heap.nr_free++] = idx;
    /* Contents stay: a device may still walk this frame.  The CPU may not. */
    frame_poison(frame_va(idx));
}

bool heap_page_is_guest(const struct page_info *pg)
{
    uintptr_t p = (uintptr_t)pg, base = (uintptr_t)guest_pages;

    return p >= base && p - base < heap.nr_guest * sizeof(*pg);
}

struct page_info *heap_guest_page(unsigned long mfn)
{
    return mfn < heap.nr_guest ? &guest_pages[mfn] : NULL;
}

/* ---- the frame table, as the shims see it ---- */

bool hh_mfn_valid(unsigned long mfn)
{
    return mfn < heap.nr_guest || heap_frame_state(mfn) != HEAP_FRAME_NONE;
}

struct page_info *hh_mfn_to_page(unsigned long mfn)
{
    if ( mfn < heap.nr_guest )
        return &guest_pages[mfn];
    return heap_is_heap_mfn(mfn) ? &heap_pages[mfn - HEAP_BASE_MFN] : NULL;
}

unsigned long hh_page_to_mfn(const struct page_info *pg)
{
    if ( heap_page_is_guest(pg) )
        return pg - guest_pages;
    return HEAP_BASE_MFN + heap_index(pg, "page_to_mfn of no frame");
}

struct page_info *hh_virt_to_page(const void *va)
{
    unsigned long mfn;
    unsigned int offset;

    if ( !heap_va_to_mfn(va, &mfn, &offset) )
        hh_bug(__FILE__, __LINE__, "virt_to_page of no heap frame");
    return &heap_pages[mfn - HEAP_BASE_MFN];
}

void *hh_map_frame(unsigned long mfn)
{
    vtd_sim_poke();
    switch ( heap_frame_state(mfn) )
    {
    case HEAP_FRAME_LIVE:
        vtd_sim_frame_mapped(mfn);
        return frame_va(mfn - HEAP_BASE_MFN);
    case HEAP_FRAME_FREE:
        hh_bug(__FILE__, __LINE__, "map of a freed heap frame");
    case HEAP_FRAME_NONE:
        break;
    }
    hh_bug(__FILE__, __LINE__, "map of a frame without memory behind it");
}

/* ---- xmalloc ---- */

/*
 * Live blocks are kept in a hash of their addresses, not in a header in
 * front of them: a double or wild xfree() is then a clean BUG report
 * instead of a read of freed memory.
 */
struct xm_block {
    void *ptr;
    struct xm_block *hash_next;
    struct xm_block *prev, *next;       /* list of all live blocks */
};

#define XM_BUCKETS 1024U

static struct xm_block *xm_hash[XM_BUCKETS];
static struct xm_block *xm_live;

static unsigned int xm_bucket(const void *p)
{
    uintptr_t v = (uintptr_t)p;

    return (unsigned int)((v >> 4) ^ (v >> 14)) % XM_BUCKETS;
}

void *heap_xmalloc(size_t size, bool zero)
{
    struct xm_block *b;
    unsigned int h;

    b = malloc(sizeof(*b));
    if ( !b )
        return NULL;
    /* Never size 0: every live block must have a distinct address. */
    b->ptr = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
    if ( !b->ptr )
    {
        free(b);
        return NULL;
    }
    if ( !zero )
        memset(b->ptr, HEAP_POISON_BYTE, size);

    h = xm_bucket(b->ptr);
    b->hash_next = xm_hash[h];
    xm_hash[h] = b;
    b->prev = NULL;
    b->next = xm_live;
    if ( xm_live )
        xm_live->prev = b;
    xm_live = b;
    xm_nr_live++;
    return b->ptr;
}

static void xm_unlink(struct xm_block *b, struct xm_block **hash_link)
{
    *hash_link = b->hash_next;
    if ( b->prev )
        b->prev->next = b->next;
    else
        xm_live = b->next;
    if ( b->next )
        b->next->prev = b->prev;
    xm_nr_live--;
    free(b->ptr);
    free(b);
}

void heap_xfree(void *p)
{
    struct xm_block **link;

    if ( !p )
        return;
    for ( link = &xm_hash[xm_bucket(p)]; *link; link = &(*link)->hash_next )
        if ( (*link)->ptr == p )
        {
            xm_unlink(*link, link);
            return;
        }
    hh_bug(__FILE__, __LINE__, "xfree of a block not allocated, or twice");
}

unsigned int heap_live_xmallocs(void)
{
    return xm_nr_live;
}

static void xmalloc_reset(void)
{
    while ( xm_live )
    {
        struct xm_block **link = &xm_hash[xm_bucket(xm_live->ptr)];

        while ( *link != xm_live )
            link = &(*link)->hash_next;
        xm_unlink(xm_live, link);
    }
}
