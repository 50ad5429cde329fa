/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The calls the shim headers make into the simulated machine.
 *
 * Hypervisor code never names this header: it includes <xen/...> and
 * <asm/...>, and the shims forward here.  What real hardware would see
 * (MMIO, stores to memory the IOMMU walks, cache write-back, the passage
 * of time) is reported, so that the simulated IOMMU observes exactly what
 * a real one would; allocations name their call site, so that each can be
 * failed on purpose; and the events the checks judge (a frame freed, a
 * grant status bit cleared) are reported as they happen.
 */
#ifndef HARNESS_HOOKS_H
#define HARNESS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;
struct page_info;

/* MMIO of the simulated VT-d unit (addr is inside its register block). */
uint64_t hh_mmio_read(const volatile void *addr, unsigned int bytes);
void hh_mmio_write(volatile void *addr, uint64_t val, unsigned int bytes);

/* A store of 'bytes' at va has happened (write_atomic). */
void hh_mem_written(const volatile void *va, unsigned int bytes);
/* CPU cache lines covering [va, va+bytes) were written back (clflush). */
void hh_cache_writeback(const void *va, unsigned int bytes);

/* Virtual time: cpu_relax() advances it, NOW() reads it. */
void hh_cpu_relax(void);
int64_t hh_now_ns(void);

/* The frame table: guest frames and heap frames (machine/frames.c). */
bool hh_mfn_valid(unsigned long mfn);
struct page_info *hh_mfn_to_page(unsigned long mfn);
unsigned long hh_page_to_mfn(const struct page_info *pg);
struct page_info *hh_virt_to_page(const void *va);
void *hh_map_frame(unsigned long mfn);

/*
 * The heap.  'site' is the allocating function (__func__): it selects the
 * fault point, so that e.g. grant table growth and maptrack growth fail
 * independently.
 */
struct page_info *hh_alloc_domheap_page(struct domain *d, unsigned int memflags,
                                        const char *site);
void hh_free_domheap_page(struct page_info *pg);
void *hh_alloc_xenheap_page(const char *site);
void hh_free_xenheap_page(void *va);
void *hh_xmalloc(size_t size, const char *site, const char *type, bool zero);
void hh_xfree(void *p);

/* Guest memory: the bytes not copied (0 on success). */
unsigned long hh_copy_guest(void *dst, const void *src, unsigned long len);
unsigned long hh_clear_guest(void *dst, unsigned long len);

/* Fatal hypervisor conditions: the harness records and unwinds. */
void hh_bug(const char *file, int line, const char *what)
    __attribute__((noreturn));
void hh_panic(const char *msg) __attribute__((noreturn));
void hh_domain_crash(struct domain *d, const char *file, int line);
void hh_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Xen's printk formats (%pd, ...): harness/xen/printk.c. */
void hh_printk_xen(const char *fmt, ...);

/*
 * The hypervisor just cleared 'bits' (GTF_reading/GTF_writing) in a status
 * word of d's grant table at addr: the granter may reuse its frame now.
 */
void hh_grant_flags_cleared(struct domain *d, const uint16_t *addr,
                            unsigned int bits);

/*
 * Another vCPU of the guest, run just before each cmpxchg() on memory a
 * guest shares: a test sets it to race the hypervisor (NULL: none).
 */
extern void (*hh_racing_vcpu)(volatile void *ptr);

/*
 * Xen's hypercall_preempt_check(): whether a long hypercall must stop
 * here and continue later (NULL: never).
 */
extern bool (*hh_preempt)(void);

/*
 * Xen's hypercall_create_continuation() for a grant table op: the guest
 * will issue cmd again with these arguments.  The harness's guest does so
 * at once (harness/xen/world.c), as long as the domain still runs.
 */
struct hh_continuation {
    bool pending;
    unsigned int cmd;
    void *uop;
    unsigned int count;
};
extern struct hh_continuation hh_continuation;
/*
 * What guest_grant_table_op() returns when the domain stopped running
 * with a continuation pending: the rest of the hypercall never ran, and
 * the guest never sees a result.
 */
#define HH_HYPERCALL_ABANDONED  0x7fffL
long hh_create_continuation(unsigned int op, unsigned int cmd, void *uop,
                            unsigned int count);

#endif
