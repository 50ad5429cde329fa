/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the cases of gtio_dma.ko (cases.c, dual.c) share: QEMU's edu
 * device as a DMA engine, PV page operations on dom0's own pages, and
 * what a domU published in xenstore.
 */
#ifndef GTIO_BOOT_COMMON_H
#define GTIO_BOOT_COMMON_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <asm/pgtable_types.h>
#include <xen/interface/xen.h>

/* QEMU 7.2's edu aborts on a transfer ending at its buffer's end. */
#define DMA_LEN         2048
#define PATTERN         0x5a

/* The edu device, enabled and its buffer loaded with PATTERN; 0 or -errno. */
int edu_setup(struct device **dev);
/* The device's buffer gets PATTERN again, from a coherent buffer. */
int edu_load_pattern(struct device *dev);
/*
 * One transfer of DMA_LEN bytes between the device's buffer and bus
 * address 'bus' (to_ram: the device writes memory), waited for.
 */
int edu_dma(u64 bus, bool to_ram);
/*
 * The same for len bytes at 'offset' in the device's buffer (which holds
 * 4 KiB; a transfer must end before its end).
 */
int edu_transfer(u64 bus, unsigned int offset, unsigned int len, bool to_ram);

bool all_bytes(const void *p, u8 val);
/* A PV dom0's bus address of its page: the machine address. */
u64 bus_of(struct page *page);
/* Dom0's direct mapping of 'page' with 'prot' (a type reference). */
int set_kernel_mapping(struct page *page, pgprot_t prot);
/* MMUEXT_PIN_L1_TABLE, MMUEXT_UNPIN_TABLE, ... on 'page'. */
int pin(struct page *page, unsigned int cmd);

/*
 * A write to one of the module's /proc files as a line: at most size - 1
 * bytes of it, trimmed; NULL if it could not be read.
 */
char *user_line(const char __user *buf, size_t len, char *line, size_t size);

/*
 * domid's data/KEY in xenstore, waiting up to 30 s for it to appear;
 * kfree() it, or an ERR_PTR.
 */
char *published(domid_t domid, const char *key);

#endif /* GTIO_BOOT_COMMON_H */
