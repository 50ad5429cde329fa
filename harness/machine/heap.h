/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated machine's frames.
 *
 * The frame table (struct page_info, Xen's) covers two ranges: guest
 * frames 0 .. nr-1, which domains are given and grant (their contents are
 * never read, so no memory backs them), and heap frames from HEAP_BASE_MFN
 * up: everything Xen allocates for itself (grant and maptrack frames, IOMMU
 * tables, the invalidation queue), with real 4 KiB of memory each, which
 * the simulated IOMMU reads.
 *
 * Freed heap frames keep their contents and are reused last-freed-first,
 * so that a device still walking a freed table page sees exactly what the
 * next user writes there.  New frames are filled with HEAP_POISON_BYTE, as
 * Xen's allocator does not clear pages either.  Which allocation may fail
 * and when is the business of the stand-in for Xen's allocator
 * (xen/page_alloc.c); this file only hands out frames.
 */
#ifndef HARNESS_HEAP_H
#define HARNESS_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_BASE_MFN       0x100000UL
#define HEAP_MAX_FRAMES     4096U
#define HEAP_FRAME_SIZE     4096U
#define HEAP_POISON_BYTE    0xa5
#define HEAP_POISON_WORD    (0x0101010101010101ULL * HEAP_POISON_BYTE)
#define GUEST_MAX_FRAMES    1024U

struct page_info;

enum heap_frame_state {
    HEAP_FRAME_NONE,        /* not a heap frame, or not used since reset */
    HEAP_FRAME_LIVE,        /* allocated */
    HEAP_FRAME_FREE,        /* freed; contents kept */
};

/*
 * Back to a machine of no used frames: every heap frame unused, every
 * guest frame's page_info zeroed, the allocation limit back to
 * HEAP_MAX_FRAMES, xmalloc blocks still live (leaks of the last input)
 * released.  Costs what the last input touched.
 */
void heap_reset(void);
/* Guest frames 0..nr-1 from now (nr <= GUEST_MAX_FRAMES), all zeroed. */
void heap_set_guest_frames(unsigned long nr);
unsigned long heap_guest_frames(void);

/* Allocation fails once this many frames are live (<= HEAP_MAX_FRAMES). */
void heap_set_limit(unsigned int frames);

unsigned int heap_live_pages(void);
unsigned int heap_live_xmallocs(void);
/* Frames handed out since reset (fresh ones, not reuses). */
unsigned int heap_frames_used(void);
/*
 * The frames' state into digest h (harness/machine/digest.h).  canon, if not
 * NULL, gives each nonzero word of a live frame the value to digest: the
 * caller knows which host pointers Xen keeps there.
 */
uint64_t heap_digest(uint64_t h, uint64_t (*canon)(uint64_t word, void *ctx),
                     void *ctx);

/* A live heap frame, poisoned, its page_info zeroed; NULL at the limit. */
struct page_info *heap_alloc_frame(void);
void heap_free_frame(struct page_info *pg);
/* Guest frame mfn's page_info, or NULL. */
struct page_info *heap_guest_page(unsigned long mfn);
bool heap_page_is_guest(const struct page_info *pg);

void *heap_xmalloc(size_t size, bool zero);
void heap_xfree(void *p);

enum heap_frame_state heap_frame_state(unsigned long mfn);
static inline bool heap_is_heap_mfn(unsigned long mfn)
{
    return mfn - HEAP_BASE_MFN < HEAP_MAX_FRAMES;
}
/*
 * Where a live or freed frame is (NULL otherwise); never a BUG.  Under
 * ASan a freed frame is poisoned, so that code touching one through a
 * stale pointer is reported: read and write freed frames with
 * heap_frame_read()/heap_frame_write() instead.
 */
void *heap_frame_va(unsigned long mfn);
/* Copy bytes [off, off+len) of a live or freed frame out, or in. */
void heap_frame_read(unsigned long mfn, unsigned int off, void *buf,
                     unsigned int len);
void heap_frame_write(unsigned long mfn, unsigned int off, const void *buf,
                      unsigned int len);
/*
 * Whether a live or freed frame holds exactly the HEAP_FRAME_SIZE bytes at
 * buf: cheaper than copying the frame out to compare it.
 */
bool heap_frame_equals(unsigned long mfn, const void *buf);
/* A Xen-heap frame: its pointer lives as long as the frame. */
bool heap_frame_kept_mapped(unsigned long mfn);
/* The heap frame holding va, live or freed; false if va is not in one. */
bool heap_va_to_mfn(const volatile void *va, unsigned long *mfn,
                    unsigned int *offset);

#endif /* HARNESS_HEAP_H */
