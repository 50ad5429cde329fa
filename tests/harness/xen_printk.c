/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's printk() in the harness (harness/xen/printk.c): Xen's %pd and %pv
 * name a domain and a vCPU as Xen does, printf's conversions keep their
 * flags, widths and argument types, and what is printed under
 * GTIO_VERBOSE is the message with its values, not its format.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xen/sched.h>

#include "fault.h"
#include "xen/xen_printk.h"
#include "../lib/check.h"

static char out[256];

static struct domain dom(domid_t id)
{
    struct domain d;

    memset(&d, 0, sizeof(d));
    d.domain_id = id;
    return d;
}

static void names_domains_and_vcpus(void)
{
    struct domain d1 = dom(1), idle = dom(DOMID_IDLE), io = dom(DOMID_IO);
    struct vcpu v = { .vcpu_id = 2, .domain = &d1 };

    xen_snprintf(out, sizeof(out), "%pd: %pv, %pd %pd %pd", &d1, &v, &idle,
                 &io, (struct domain *)NULL);
    CHECK(!strcmp(out, "d1: d1v2, d[IDLE] d[IO] NULL"));
}

/* Each conversion takes its argument at the type its length says. */
static void keeps_printf_conversions(void)
{
    char want[256];
    size_t n;

    n = xen_snprintf(out, sizeof(out),
                     "%5d|%-4u|%08x|%#lx|%*d|%.3s|%c|%%|%lld|%zu|%hhu|%p",
                     -12, 7U, 0xbeefU, 0x1000UL, 6, 42, "abcdef", 'z',
                     -(1LL << 40), (size_t)99, 300, (void *)out);
    snprintf(want, sizeof(want),
             "%5d|%-4u|%08x|%#lx|%*d|%.3s|%c|%%|%lld|%zu|%hhu|%p",
             -12, 7U, 0xbeefU, 0x1000UL, 6, 42, "abcdef", 'z',
             -(1LL << 40), (size_t)99, (unsigned char)300, (void *)out);
    CHECK(!strcmp(out, want));
    CHECK_EQ(n, strlen(want));
}

/* A conversion wider than any scratch buffer comes out whole. */
static void wide_conversions_come_out_whole(void)
{
    char wide[600], arg[301];
    size_t n;

    memset(arg, 'x', 300);
    arg[300] = '\0';
    n = xen_snprintf(wide, sizeof(wide), "[%s|%250d]", arg, 7);
    CHECK_EQ(n, 1 + 300 + 1 + 250 + 1);
    CHECK_EQ(strlen(wide), n);
    CHECK(!strncmp(wide + 1, arg, 300));
    CHECK(!strcmp(wide + n - 3, " 7]"));
}

/* Too small a buffer: cut, terminated, and the whole length returned. */
static void cuts_like_snprintf(void)
{
    struct domain d = dom(12);
    char small[6];
    size_t n = xen_snprintf(small, sizeof(small), "%pd has %u", &d, 1000U);

    CHECK_EQ(n, strlen("d12 has 1000"));
    CHECK(!strcmp(small, "d12 h"));
    CHECK_EQ(xen_snprintf(NULL, 0, "%u", 12345U), 5);
}

/* A conversion it cannot type: the rest as it is, no argument taken. */
static void unknown_conversion_ends_the_values(void)
{
    xen_snprintf(out, sizeof(out), "a %u b %f c %u", 5U, 6U);
    CHECK(!strcmp(out, "a 5 b %f c %u"));
}

/* What hh_printk_xen() writes to stderr, the level prefix dropped. */
static void verbose_printk_prints_values(void)
{
    struct domain d = dom(3);
    FILE *tmp = tmpfile();
    int saved = dup(2);
    char line[128] = "";

    CHECK(tmp && saved >= 0);
    if ( !tmp || saved < 0 )
        return;
    harness_verbose = true;
    fflush(stderr);
    dup2(fileno(tmp), 2);
    printk(XENLOG_ERR "Bad ref %#x for %pd\n", 0x200U, &d);
    harness_verbose = false;
    printk("not printed %pd\n", &d);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    CHECK(fgets(line, sizeof(line), tmp));
    CHECK(!strcmp(line, "Bad ref 0x200 for d3\n"));
    CHECK(!fgets(line, sizeof(line), tmp));
    fclose(tmp);
}

int main(void)
{
    RUN(names_domains_and_vcpus);
    RUN(keeps_printf_conversions);
    RUN(wide_conversions_come_out_whole);
    RUN(cuts_like_snprintf);
    RUN(unknown_conversion_ends_the_values);
    RUN(verbose_printk_prints_values);
    return tests_failed ? 1 : 0;
}
