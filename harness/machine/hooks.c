/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hooks the shim headers call (harness/include/harness/hooks.h), other
 * than the frame table's and the allocator's: MMIO and memory traffic go
 * to the VT-d model, time is virtual and advances only when hypervisor
 * code spins, fatal conditions unwind to the executor.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harness/hooks.h>

#include "fault.h"
#include "vtd_sim.h"

bool harness_verbose;

/*
 * A spin on a quiescent unit (vtd_sim_quiescent()) can only end at its
 * deadline, whatever the step: after this many relaxes at the set step,
 * each further one doubles it, up to RELAX_MAX_NS, so that a one-second
 * timeout costs a few dozen polls instead of a million.
 */
#define RELAX_GRACE         16
#define RELAX_MAX_NS        (1LL << 36)

static struct {
    int64_t now_ns;
    int64_t relax_step_ns;
    int64_t quiet_step_ns;      /* the step of the current quiescent spin */
    unsigned int quiet_relaxes; /* consecutive relaxes on a quiescent unit */
    jmp_buf *unwind;
    struct harness_fatal fatal;
    unsigned long crashes;
    const char *crash_file;
    int crash_line;
    struct domain *crash_domain;
    bool verbose_checked;
} hooks = { .relax_step_ns = 1000 };

void harness_hooks_reset(void)
{
    hooks.now_ns = 0;
    hooks.quiet_relaxes = 0;
    memset(&hooks.fatal, 0, sizeof(hooks.fatal));
    hooks.crashes = 0;
    hooks.crash_file = NULL;
    hooks.crash_line = 0;
    hooks.crash_domain = NULL;
    hh_continuation.pending = false;
}

void harness_set_relax_step(int64_t ns)
{
    hooks.relax_step_ns = ns > 0 ? ns : 1;
}

static unsigned int regs_offset(const volatile void *addr, unsigned int bytes)
{
    uintptr_t base = (uintptr_t)vtd_sim_regs(), p = (uintptr_t)addr;

    if ( p < base || p - base + bytes > 0x1000 )
        hh_bug(__FILE__, __LINE__, "MMIO outside the VT-d register block");
    return (unsigned int)(p - base);
}

uint64_t hh_mmio_read(const volatile void *addr, unsigned int bytes)
{
    return vtd_sim_mmio_read(regs_offset(addr, bytes), bytes);
}

void hh_mmio_write(volatile void *addr, uint64_t val, unsigned int bytes)
{
    vtd_sim_mmio_write(regs_offset(addr, bytes), val, bytes);
}

void hh_mem_written(const volatile void *va, unsigned int bytes)
{
    vtd_sim_mem_written(va, bytes);
}

void hh_cache_writeback(const void *va, unsigned int bytes)
{
    vtd_sim_cache_writeback(va, bytes);
}

/* How long this relax takes: the set step, unless the spin is futile. */
static int64_t relax_step(void)
{
    if ( !vtd_sim_quiescent() )
    {
        hooks.quiet_relaxes = 0;
        return hooks.relax_step_ns;
    }
    if ( hooks.quiet_relaxes++ < RELAX_GRACE )
    {
        hooks.quiet_step_ns = hooks.relax_step_ns;
        return hooks.relax_step_ns;
    }
    if ( hooks.quiet_step_ns < RELAX_MAX_NS )
        hooks.quiet_step_ns *= 2;
    return hooks.quiet_step_ns;
}

/* Spinning is the only way time passes; the IOMMU works meanwhile. */
void hh_cpu_relax(void)
{
    hooks.now_ns += relax_step();
    vtd_sim_tick();
}

int64_t hh_now_ns(void)
{
    return hooks.now_ns;
}

void harness_set_unwind(jmp_buf *unwind)
{
    hooks.unwind = unwind;
}

const struct harness_fatal *harness_last_fatal(void)
{
    return &hooks.fatal;
}

static void __attribute__((noreturn))
fatal(enum harness_fatal_kind kind, const char *file, int line,
                  const char *what)
{
    hooks.fatal.kind = kind;
    hooks.fatal.file = file;
    hooks.fatal.line = line;
    snprintf(hooks.fatal.what, sizeof(hooks.fatal.what), "%s",
             what ? what : "");
    /* A printk-style format ends in a newline; the reports add their own. */
    hooks.fatal.what[strcspn(hooks.fatal.what, "\n")] = '\0';
    if ( hooks.unwind )
        longjmp(*hooks.unwind, (int)kind);
    /* Nobody to unwind to: a test or tool run outside the executor. */
    fprintf(stderr, "%s: %s:%d: %s\n",
            kind == HARNESS_FATAL_BUG ? "BUG" : "panic",
            file ? file : "?", line, hooks.fatal.what);
    abort();
}

void hh_bug(const char *file, int line, const char *what)
{
    fatal(HARNESS_FATAL_BUG, file, line, what);
}

void hh_panic(const char *msg)
{
    fatal(HARNESS_FATAL_PANIC, NULL, 0, msg);
}

void (*hh_racing_vcpu)(volatile void *ptr);
bool (*hh_preempt)(void);
struct hh_continuation hh_continuation;

long hh_create_continuation(unsigned int op, unsigned int cmd, void *uop,
                            unsigned int count)
{
    if ( hh_continuation.pending )
        hh_bug(__FILE__, __LINE__, "a second continuation in one hypercall");
    hh_continuation = (struct hh_continuation){
        .pending = true, .cmd = cmd, .uop = uop, .count = count,
    };
    /* What the preempted hypercall returns: the guest does not see it. */
    return op;
}

void hh_domain_crash(struct domain *d, const char *file, int line)
{
    hooks.crashes++;
    hooks.crash_file = file;
    hooks.crash_line = line;
    hooks.crash_domain = d;
    if ( harness_printk_on() )
        fprintf(stderr, "domain_crash at %s:%d\n", file, line);
}

unsigned long harness_domain_crashes(void)
{
    return hooks.crashes;
}

const char *harness_last_crash_file(void)
{
    return hooks.crash_file;
}

int harness_last_crash_line(void)
{
    return hooks.crash_line;
}

struct domain *harness_last_crash_domain(void)
{
    return hooks.crash_domain;
}

bool harness_printk_on(void)
{
    if ( !hooks.verbose_checked )
    {
        const char *env = getenv("GTIO_VERBOSE");

        hooks.verbose_checked = true;
        if ( env && *env && strcmp(env, "0") )
            harness_verbose = true;
    }
    return harness_verbose;
}

void hh_printk(const char *fmt, ...)
{
    va_list ap;

    if ( !harness_printk_on() )
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
