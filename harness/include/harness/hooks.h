/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The calls the Xen shim headers make into the simulated machine.
 *
 * The core never sees this header by name: it includes <xen/...> and
 * <asm/...>, and the shim versions of those forward here.  Everything the
 * core does to "hardware" (MMIO, page-table writes, cache write-back, the
 * passage of time) is reported, so the simulated IOMMU observes exactly
 * what real hardware would.
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

/* Domain heap of real 4K frames (for IOMMU tables, QI ring, ...). */
struct page_info *hh_alloc_page(void);
void hh_free_page(struct page_info *pg);
void *hh_map_frame(unsigned long mfn);
unsigned long hh_page_to_mfn(const struct page_info *pg);
struct page_info *hh_mfn_to_page(unsigned long mfn);

/* xmalloc with a fault point chosen by the allocated type's name. */
void *hh_xmalloc(size_t size, const char *type_name, bool zero);
void hh_xfree(void *p);

/* Fatal hypervisor conditions: the harness records and unwinds. */
void hh_bug(const char *file, int line, const char *what)
    __attribute__((noreturn));
void hh_panic(const char *msg) __attribute__((noreturn));
void hh_domain_crash(struct domain *d, const char *file, int line);
void hh_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Another vCPU of the guest, run just before each cmpxchg() of the core
 * on guest-shared memory: a test sets it to race the core (NULL: none).
 */
extern void (*hh_racing_vcpu)(volatile void *ptr);

#endif /* HARNESS_HOOKS_H */
