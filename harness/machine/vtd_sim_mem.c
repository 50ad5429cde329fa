/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d unit's device-visible memory (vtd_sim.c says where
 * the other parts are).
 *
 * Every heap frame has a "dram" copy: what a walker that does not snoop
 * CPU caches reads.  With ECAP.C=1 it follows the CPU view at once; with
 * ECAP.C=0 a word may show its last written back value or any value
 * stored since (a dirty line can be evicted at any moment), kept as
 * "extras".  Stores that bypass write_atomic() are found by comparing a
 * frame with its copy (vs_frame_sync()).  A value that becomes visible is
 * handed to the walker (vs_note_entry()) for every cached table pointer that
 * reaches its frame.  Also here: the write buffer (CAP.RWBF), the frames
 * the CPU may have stored to (exposed[]) and the device's own store (a
 * wait descriptor's status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "vtd_sim_internal.h"

struct sim_frame *vs_sframes[HEAP_MAX_FRAMES];
unsigned int vs_touched_frames[HEAP_MAX_FRAMES], vs_nr_touched_frames;
unsigned int vs_watched[HEAP_MAX_FRAMES], vs_nr_watched;
/*
 * Frames the CPU was given a pointer to (hh_map_frame()) since the last
 * vtd_sim_sync(), and Xen-heap frames, whose pointer lives as long as
 * the frame: the only frames a store can have changed since (see
 * vs_settle()).
 */
static unsigned int exposed[HEAP_MAX_FRAMES];
unsigned int vs_nr_exposed;
unsigned long vs_epoch, vs_synced_epoch = ~0UL;

/* ---- Device-visible memory ---- */

/*
 * A frame's contents as the CPU wrote them: in place while it is live,
 * else copied (freed frames are poisoned under ASan).  In place is safe:
 * the model writes heap memory only from the queue (vs_device_store32()),
 * never while it reads a frame.
 */
static const uint64_t *frame_data(unsigned long mfn, uint64_t *copy)
{
    if ( heap_frame_state(mfn) == HEAP_FRAME_LIVE )
        return heap_frame_va(mfn);
    heap_frame_read(mfn, 0, copy, PTES * sizeof(*copy));
    return copy;
}

/* Without an early exit, so that it is vectorised. */
static bool words_same(const uint64_t *a, const uint64_t *b, unsigned int n)
{
    uint64_t diff = 0;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        diff |= a[i] ^ b[i];
    return !diff;
}

static void dram_set(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    uint64_t bit = 1ULL << (idx % 64);

    f->dram[idx] = val;
    if ( dma_pte_present(val) )
        f->present_map[idx / 64] |= bit;
    else
        f->present_map[idx / 64] &= ~bit;
}

/*
 * Every word of f holds the same value in memory and to a device: kept as
 * that one value until something reads or changes a word of f (a walk, a
 * sync, a write-back: they find f through sframe()).  Most frames the
 * heap hands out never become tables (grant and maptrack frames, guest
 * pages): their words are never written out.
 */
/* No value stored since a write-back, nothing in the write buffer. */
static void forget_unflushed(struct sim_frame *f)
{
    f->nr_extra = 0;
    f->extra_free = 0;
    memset(f->extra_map, 0, sizeof(f->extra_map));
    memset(f->wb_map, 0, sizeof(f->wb_map));
}

static void fill_pending(struct sim_frame *f, uint64_t fill)
{
    f->fill_pending = true;
    f->fill = fill;
    forget_unflushed(f);
}

void vs_frame_materialize(struct sim_frame *f)
{
    uint64_t present = dma_pte_present(f->fill) ? ~0ULL : 0;
    unsigned int w;

    for ( w = 0; w < PTES; w++ )
        f->dram[w] = f->mem[w] = f->fill;
    for ( w = 0; w < PTES / 64; w++ )
        f->present_map[w] = present;
    f->fill_pending = false;
    vs_stats.frames_written_out++;
}

static bool value_visible(const struct sim_frame *f, unsigned int idx,
                          uint64_t val)
{
    uint32_t i;

    if ( f->dram[idx] == val )
        return true;
    if ( !has_extra_bit(f, idx) )
        return false;
    for ( i = f->extra_head[idx]; i; i = f->extra[i - 1].next )
        if ( f->extra[i - 1].val == val )
            return true;
    return false;
}

/* A free slot of f->extra, as its link (slot + 1). */
static uint32_t extra_slot(struct sim_frame *f)
{
    uint32_t i = f->extra_free;

    if ( i )
    {
        f->extra_free = f->extra[i - 1].next;
        return i;
    }
    if ( f->nr_extra == f->cap_extra )
        f->extra = vs_grow(f->extra, &f->cap_extra, 16, sizeof(*f->extra));
    return ++f->nr_extra;
}

static void add_extra(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    uint32_t i = extra_slot(f);

    f->extra[i - 1].val = val;
    f->extra[i - 1].next = 0;
    if ( has_extra_bit(f, idx) )
        f->extra[f->extra_tail[idx] - 1].next = i;
    else
        f->extra_head[idx] = i;
    f->extra_tail[idx] = i;
    f->extra_map[idx / 64] |= 1ULL << (idx % 64);
}

/* The word was written back: only its current value remains visible. */
static void drop_extras(struct sim_frame *f, unsigned int idx)
{
    f->wb_map[idx / 64] &= ~(1ULL << (idx % 64));
    if ( !has_extra_bit(f, idx) )
        return;
    f->extra[f->extra_tail[idx] - 1].next = f->extra_free;
    f->extra_free = f->extra_head[idx];
    f->extra_map[idx / 64] &= ~(1ULL << (idx % 64));
}

/* ---- The write buffer (CAP.RWBF) ---- */

/*
 * A unit that reports CAP.RWBF may not see a store that reached memory
 * (a coherent store, or a write-back) until software flushes the
 * chipset's write buffer (GCMD.WBF) or an invalidation does so before it
 * runs.  What that changes for software is one thing: a new entry, over
 * a non-present one, may go on reading as non-present, so DMA through it
 * may fault, until the buffer is flushed.  (Every change of a present
 * entry, and of a context or root table, comes with an invalidation,
 * which flushes the buffer.)  So a buffered word adds a possible fault
 * to the walks that ask (vtd_sim_may_fault()); it is never cached: the
 * buffer drains in order, and a walker that reached the word through
 * anything stored later has the word's new value too.
 */
struct write_buffer vs_wbuf;

/* A store over a non-present table entry waits in the write buffer. */
static void wbuf_note(struct sim_frame *f, unsigned int idx, uint64_t old)
{
    if ( !vs_caps.rwbf || f->ctx_watch || dma_pte_present(old) ||
         wbuf_has(f, idx) )
        return;
    f->wb_map[idx / 64] |= 1ULL << (idx % 64);
    if ( vs_wbuf.nr == vs_wbuf.cap )
        vs_wbuf.words = vs_grow(vs_wbuf.words, &vs_wbuf.cap, 256,
                                sizeof(*vs_wbuf.words));
    vs_wbuf.words[vs_wbuf.nr++] = (f->idx << 9) | idx;
}

/* GCMD.WBF, or an invalidation about to run: the walker sees memory. */
void vs_wbuf_flush(void)
{
    unsigned int i;

    for ( i = 0; i < vs_wbuf.nr; i++ )
    {
        struct sim_frame *f = vs_sframes[vs_wbuf.words[i] >> 9];
        unsigned int idx = vs_wbuf.words[i] & (PTES - 1);

        if ( f && f->touched )
            f->wb_map[idx / 64] &= ~(1ULL << (idx % 64));
    }
    vs_wbuf.nr = 0;
}

/*
 * Which frames are watched (watch_pos >= 0), by index, for the loop over
 * exposed frames at every check point (vs_settle()): watch_pos lies
 * kilobytes into each frame's state, one cache miss per frame, where
 * this stays in the first-level cache.
 */
static uint64_t watched_bits[(HEAP_MAX_FRAMES + 63) / 64];

static bool watched(unsigned int idx)
{
    return (watched_bits[idx / 64] >> (idx % 64)) & 1;
}

static void mark_watched(unsigned int idx, bool on)
{
    if ( on )
        watched_bits[idx / 64] |= 1ULL << (idx % 64);
    else
        watched_bits[idx / 64] &= ~(1ULL << (idx % 64));
}

void vs_watch_reset(void)
{
    vs_nr_watched = 0;
    memset(watched_bits, 0, sizeof(watched_bits));
}

void vs_watch_add(struct sim_frame *f)
{
    if ( f->watch_pos >= 0 )
        return;
    f->watch_pos = vs_nr_watched;
    vs_watched[vs_nr_watched++] = f->idx;
    mark_watched(f->idx, true);
}

void vs_watch_drop_if_idle(struct sim_frame *f)
{
    struct sim_frame *last;
    int pos = f->watch_pos;

    if ( pos < 0 || f->reachers || f->ctx_watch )
        return;
    last = vs_sframes[vs_watched[vs_nr_watched - 1]];
    vs_watched[pos] = vs_watched[vs_nr_watched - 1];
    last->watch_pos = pos;
    vs_nr_watched--;
    f->watch_pos = -1;
    mark_watched(f->idx, false);
}

/* A value became device-visible in word idx of f: record what it gives. */
static void visible_added(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    struct tl_entry *e;

    /* New reachers are pushed at the head and walk the frame themselves. */
    for ( e = f->reachers; e; e = e->reach_next )
        vs_note_entry(e->did, e->level - 1, (e->key << VTD_LEVEL_STRIDE) | idx,
                   val, &all_bfns);
    if ( f->ctx_watch )
        vs_ctx_dirty = true;
}

/*
 * Compare a frame with its device-visible copy: whatever differs was
 * stored without being reported (or just reported) and becomes visible.
 */
#define SYNC_CHUNK  8       /* words compared at once */

static void word_sync(struct sim_frame *f, unsigned int idx, uint64_t val)
{
    if ( val == f->mem[idx] )
        return;
    vs_stats.words_synced++;
    f->mem[idx] = val;
    if ( val == f->dram[idx] )
        return;
    if ( vs_caps.coherent )
    {
        wbuf_note(f, idx, f->dram[idx]);
        dram_set(f, idx, val);
    }
    else if ( !value_visible(f, idx, val) )
        add_extra(f, idx, val);
    else
        return;
    visible_added(f, idx, val);
}

/*
 * Words [first, first + n) of f up to date with data, what memory holds
 * now: a chunk that differs, a reported store or a written-back line.
 * Stores elsewhere in the frame are found by the next vs_settle(), before
 * anything can walk or invalidate.
 */
static void words_sync(struct sim_frame *f, const uint64_t *data,
                       unsigned int first, unsigned int n)
{
    unsigned int idx;

    for ( idx = first; idx < first + n && idx < PTES; idx++ )
        if ( data[idx] != f->mem[idx] )
            word_sync(f, idx, data[idx]);
}

/* If every word of data holds one value, that value in *val. */
static bool words_uniform(const uint64_t *data, uint64_t *val)
{
    uint64_t diff = 0;
    unsigned int i;

    for ( i = 1; i < PTES; i++ )
        diff |= data[i] ^ data[0];
    *val = data[0];
    return !diff;
}

/* f written out with what memory holds, in memory and to a device. */
static void frame_take_memory(struct sim_frame *f, const uint64_t *data)
{
    unsigned int w;

    memcpy(f->mem, data, sizeof(f->mem));
    memcpy(f->dram, data, sizeof(f->dram));
    memset(f->present_map, 0, sizeof(f->present_map));
    for ( w = 0; w < PTES; w++ )
        if ( dma_pte_present(data[w]) )
            f->present_map[w / 64] |= 1ULL << (w % 64);
    f->fill_pending = false;
    vs_stats.frames_written_out++;
}

/*
 * f still shows its fill and nothing walks it, so nothing is told of its
 * words.  Syncing (and with 'written_back', writing back) every word would
 * leave each showing what memory holds and nothing else, unless a changed
 * word keeps its old value visible too: without ECAP.C until written
 * back, and under CAP.RWBF for a new value over a non-present fill
 * (wbuf_note()).  Where that cannot happen, f takes memory in whole: as
 * its new fill when memory holds one value throughout (Xen cleared it to
 * make it a table), else copied.  False: f is left to be synced word by
 * word.
 */
static bool fill_follows_memory(unsigned long mfn, struct sim_frame *f,
                                bool written_back)
{
    uint64_t copy[PTES];
    const uint64_t *data;
    uint64_t val;
    bool old_stays_visible;

    if ( !f->fill_pending || f->reachers || f->ctx_watch )
        return false;
    data = frame_data(mfn, copy);
    old_stays_visible = (!vs_caps.coherent && !written_back) ||
                        (vs_caps.rwbf && !dma_pte_present(f->fill));
    if ( words_uniform(data, &val) && (val == f->fill || !old_stays_visible) )
    {
        f->fill = val;
        return true;
    }
    if ( old_stays_visible )
        return false;
    frame_take_memory(f, data);
    return true;
}

void vs_frame_sync(unsigned long mfn, struct sim_frame *f)
{
    uint64_t copy[PTES];
    const uint64_t *data;
    unsigned int base;

    vs_stats.frames_compared++;
    if ( fill_follows_memory(mfn, f, false) )
        return;
    if ( f->fill_pending )
        vs_frame_materialize(f);
    if ( heap_frame_equals(mfn, f->mem) )
        return;
    data = frame_data(mfn, copy);
    for ( base = 0; base < PTES; base += SYNC_CHUNK )
        if ( !words_same(data + base, f->mem + base, SYNC_CHUNK) )
            words_sync(f, data, base, SYNC_CHUNK);
}

/*
 * Bring every frame the device may read up to date with memory.  Only a
 * frame the CPU holds a pointer to can have changed: one mapped since the
 * last vtd_sim_sync() (the core's mappings do not outlive a hypercall)
 * or a Xen-heap frame.  So the work is what the call touched, not every
 * table the unit may walk (docs/design.md, "The simulated VT-d").
 */
void vs_settle(void)
{
    unsigned int i, rounds;

    for ( i = 0; i < vs_nr_exposed; i++ )
        if ( watched(exposed[i]) )
            vs_frame_sync(HEAP_BASE_MFN + exposed[i], vs_sframes[exposed[i]]);
    for ( rounds = 0; vs_ctx_dirty && rounds < 4; rounds++ )
        vs_ctx_refresh();
    vs_synced_epoch = vs_epoch;
}

static struct sim_frame *frame_touch(unsigned int idx)
{
    struct sim_frame *f = vs_sframes[idx];

    if ( !f )
    {
        f = calloc(1, sizeof(*f));
        if ( !f )
        {
            fprintf(stderr, "vtd-sim: out of memory\n");
            abort();
        }
        vs_sframes[idx] = f;
    }
    if ( !f->touched )
    {
        f->touched = true;
        f->fill_pending = false;
        forget_unflushed(f);
        memset(f->present_map, 0, sizeof(f->present_map));
        f->reachers = NULL;
        f->ctx_watch = false;
        f->idx = idx;
        f->watch_pos = -1;
        mark_watched(idx, false);
        f->is_exposed = false;
        vs_touched_frames[vs_nr_touched_frames++] = idx;
    }
    return f;
}

/* Words [first, first + n) of f written back with data. */
static void fill_reaches_words(struct sim_frame *f, const uint64_t *data,
                               unsigned int first, unsigned int n)
{
    unsigned int w;

    for ( w = first; w < first + n; w++ )
    {
        drop_extras(f, w);
        if ( f->dram[w] == data[w] )
            continue;
        dram_set(f, w, data[w]);
        visible_added(f, w, data[w]);
    }
}

void vtd_sim_frame_allocated(unsigned long mfn)
{
    unsigned int idx = mfn - HEAP_BASE_MFN;
    uint64_t copy[PTES];
    const uint64_t *data;
    struct sim_frame *f;
    bool fresh = !vs_sframes[idx] || !vs_sframes[idx]->touched;
    unsigned int w;

    vs_epoch++;
    op_begin();
    f = frame_touch(idx);
    /*
     * Nothing walks it (no cached table pointer reaches it, it is no root
     * or context table): whatever it held, the allocator's fill is all it
     * shows now, to the CPU and to a device.
     */
    if ( !f->reachers && !f->ctx_watch )
    {
        fill_pending(f, HEAP_POISON_WORD);
        if ( !fresh && vs_ctx_dirty )
            vs_settle();
        return;
    }
    if ( f->fill_pending )
        vs_frame_materialize(f);
    data = frame_data(mfn, copy);
    memcpy(f->mem, data, sizeof(f->mem));
    /*
     * A frame still reached: the allocator's fill reaches memory (treat it
     * as written back), and what reaches the frame sees it.  Word by word
     * only where something is to change: most of a freed frame already
     * holds the fill.
     */
    for ( w = 0; w < PTES; w += 64 )
        if ( f->extra_map[w / 64] || f->wb_map[w / 64] ||
             !words_same(f->dram + w, data + w, 64) )
            fill_reaches_words(f, data, w, 64);
    if ( vs_ctx_dirty )
        vs_settle();
}

void vtd_sim_mem_written(const volatile void *va, unsigned int bytes)
{
    uint64_t copy[PTES];
    unsigned long mfn;
    unsigned int off;
    struct sim_frame *f;

    vs_epoch++;
    if ( !heap_va_to_mfn(va, &mfn, &off) || !(f = sframe_lazy(mfn)) )
        return;
    op_begin();
    if ( !fill_follows_memory(mfn, f, false) )
    {
        if ( f->fill_pending )
            vs_frame_materialize(f);
        /* The store is already in memory: syncing its words picks it up. */
        words_sync(f, frame_data(mfn, copy), off / 8,
                   (off % 8 + bytes + 7) / 8);
    }
    if ( vs_ctx_dirty )
        vs_settle();
}

/* A whole frame written back that fill_follows_memory() takes in as one. */
static bool frame_written_back_whole(uintptr_t start, uintptr_t end)
{
    unsigned long mfn;
    unsigned int off;
    struct sim_frame *f;

    return end - start == HEAP_FRAME_SIZE &&
           heap_va_to_mfn((const void *)start, &mfn, &off) && !off &&
           (f = sframe_lazy(mfn)) && fill_follows_memory(mfn, f, true);
}

/* Lines [start, end) of the heap written back, one by one. */
static void lines_written_back(uintptr_t start, uintptr_t end)
{
    uintptr_t line;
    uint64_t copy[PTES];
    const uint64_t *data = NULL;
    unsigned long data_mfn = 0;

    for ( line = start; line < end; line += 64 )
    {
        unsigned long mfn;
        unsigned int off, w;
        struct sim_frame *f;

        if ( !heap_va_to_mfn((const void *)line, &mfn, &off) ||
             !(f = sframe(mfn)) )
            continue;
        if ( mfn != data_mfn )
        {
            data_mfn = mfn;
            data = frame_data(mfn, copy);
        }
        /* Values stored without write_atomic were visible until now. */
        words_sync(f, data, off / 8, 8);
        for ( w = off / 8; w < off / 8 + 8; w++ )
        {
            uint64_t old = f->dram[w];

            dram_set(f, w, data[w]);
            drop_extras(f, w);
            if ( old != data[w] )
                wbuf_note(f, w, old);
        }
        /* Fewer values visible: a context entry may no longer be current. */
        if ( f->ctx_watch )
            vs_ctx_dirty = true;
    }
}

void vtd_sim_cache_writeback(const void *va, unsigned int bytes)
{
    uintptr_t start = (uintptr_t)va & ~(uintptr_t)63;
    uintptr_t end = ((uintptr_t)va + bytes + 63) & ~(uintptr_t)63;

    vs_epoch++;
    if ( !bytes )
        return;
    op_begin();
    vs_stats.clflush_lines += (end - start) / 64;
    if ( !frame_written_back_whole(start, end) )
        lines_written_back(start, end);
    if ( vs_ctx_dirty )
        vs_settle();
}

/* The device writes memory (a wait descriptor's status). */
void vs_device_store32(uint64_t addr, uint32_t val)
{
    unsigned long mfn = addr >> 12;
    unsigned int off = addr & 0xfff;
    struct sim_frame *f = sframe(mfn);
    uint64_t copy[PTES];
    const uint64_t *data;
    unsigned int w = off / 8;

    if ( !f || off > 0xffc )
    {
        vs_proto_error("wait status address %#" PRIx64 " is not heap memory",
                    addr);
        return;
    }
    if ( heap_frame_state(mfn) != HEAP_FRAME_LIVE )
        vs_proto_error("wait status written to freed frame %#lx", mfn);
    heap_frame_write(mfn, off, &val, sizeof(val));
    data = frame_data(mfn, copy);
    /* The device writes memory itself: no CPU cache in the way. */
    drop_extras(f, w);
    f->mem[w] = data[w];
    if ( f->dram[w] != data[w] )
    {
        dram_set(f, w, data[w]);
        visible_added(f, w, f->dram[w]);
    }
}

/* ---- Check points and exposed frames ---- */

/*
 * A check point: the hypercall is over, and with it every mapping it
 * made; only Xen-heap frames stay exposed.
 */
void vtd_sim_sync(void)
{
    unsigned int i, kept = 0;

    op_begin();
    vs_settle();
    for ( i = 0; i < vs_nr_exposed; i++ )
    {
        if ( heap_frame_kept_mapped(HEAP_BASE_MFN + exposed[i]) )
            exposed[kept++] = exposed[i];
        else
            vs_sframes[exposed[i]]->is_exposed = false;
    }
    vs_nr_exposed = kept;
}

void vtd_sim_poke(void)
{
    vs_epoch++;
}

void vtd_sim_frame_mapped(unsigned long mfn)
{
    unsigned int idx = mfn - HEAP_BASE_MFN;
    struct sim_frame *f;

    if ( idx >= HEAP_MAX_FRAMES )
        return;
    f = frame_touch(idx);
    if ( f->is_exposed )
        return;
    f->is_exposed = true;
    exposed[vs_nr_exposed++] = idx;
}
